# SPDX-License-Identifier: Apache-2.0
"""One test cloud for the whole run: Keystone, cinder-api, ironic-api and the
vendordata service, seeded with the instances the tests ask about."""
import os
import sys
import uuid

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("VOLATTACH_VENDORDATA_NO_AUTOLOAD", "1")
# everything is on loopback: no proxy, whatever the environment says
for _k in [k for k in os.environ if k.lower().endswith("_proxy")]:
    del os.environ[_k]
os.environ["no_proxy"] = os.environ["NO_PROXY"] = "*"

import cloud  # noqa: E402

INITIATOR = "iqn.2004-10.com.example:bm-node-1"
INITIATOR2 = "iqn.2004-10.com.example:bm-node-1-second"


class World:
    """What was seeded, by name, for the tests to check against."""


def nova_connector(hostname):
    # as nova/virt/ironic/driver.py get_volume_connector builds it for the node
    return {"initiator": INITIATOR, "ip": "127.0.0.5", "host": "127.0.0.5",
            "platform": "x86_64", "os_type": "baremetal", "multipath": False}


@pytest.fixture(scope="session")
def world():
    c = cloud.Cloud()
    c.start()
    try:
        w = World()
        w.cloud = c
        w.bm = str(uuid.uuid4())        # a bare-metal instance with volumes
        w.vm = str(uuid.uuid4())        # a VM instance: Cinder has it, Ironic not
        w.bare = str(uuid.uuid4())      # a bare-metal instance without volumes
        w.unknown = str(uuid.uuid4())
        conn = nova_connector("bm1")
        demo = {"token": c.token("member", "demo"), "project_id": c.ids["demo"]}
        other = {"token": c.token("member", "service"), "project_id": c.ids["service"]}
        rbd_secret = "rbd-" + uuid.uuid4().hex[:12]
        vols = [
            dict(name="boot", instance_uuid=w.bm, connector=conn),
            dict(name="data1", instance_uuid=w.bm, connector=conn),
            dict(other, name="data2-other-project", instance_uuid=w.bm, connector=conn),
            dict(name="reserved", instance_uuid=w.bm),
            dict(name="attaching", instance_uuid=w.bm, connector=conn, complete=False),
            dict(name="rbd", instance_uuid=w.bm, connection_info={
                "driver_volume_type": "rbd", "name": "volumes/x", "auth_enabled": True,
                "auth_username": "cinder", "secret_type": "ceph", "auth_password": rbd_secret}),
            dict(name="iser", instance_uuid=w.bm, connection_info={
                "driver_volume_type": "iser", "target_portal": "127.0.0.1:3260",
                "target_iqn": "iqn.2010-10.org.openstack:iser", "target_lun": 0,
                "auth_method": "CHAP", "auth_username": "u", "auth_password": "iser-" + uuid.uuid4().hex[:12]}),
            dict(name="vm-vol", instance_uuid=w.vm, connector=dict(conn, os_type="linux")),
        ]
        spec = {"token": demo["token"], "project_id": demo["project_id"],
                "user_id": c.ids["user_member"], "volumes": vols}
        made = c.seed("cinder", spec)
        w.vol = {v["name"]: m for v, m in zip(vols, made)}
        w.secrets = [m["connection_info"]["auth_password"] for m in made
                     if (m["connection_info"] or {}).get("auth_password")]
        w.secrets += [m["provider_auth"].split()[2] for m in made if m["provider_auth"]]
        w.secrets.append(rbd_secret)
        w.secrets = sorted(set(w.secrets))
        ironic = c.token("ironic")
        w.node = c.seed("ironic", {"token": ironic, "nodes": [
            {"instance_uuid": w.bm, "properties": {"cpu_arch": "x86_64", "memory_mb": 4096},
             "connectors": [["iqn", INITIATOR], ["ip", "127.0.0.5"], ["iqn", INITIATOR2],
                            ["wwpn", "5005076802233f7e"]],
             "targets": [{"boot_index": 0, "volume_id": w.vol["boot"]["volume_id"],
                          "properties": made[0]["connection_info"]},
                         {"boot_index": 1, "volume_id": w.vol["data1"]["volume_id"]},
                         # Nova passes -1 for a non-boot mapping (once per node:
                         # Ironic keeps (node, boot_index) unique)
                         {"boot_index": -1, "volume_id": w.vol["data2-other-project"]["volume_id"]}]},
            {"instance_uuid": w.bare, "connectors": [["iqn", "iqn.2004-10.com.example:bare"]]},
            {"instance_uuid": None, "connectors": [["iqn", "iqn.2004-10.com.example:free"]]},
        ]})
        # Nova's records of the boot request: the instance and its volume
        # BDMs with their attachment ids (Cinder's CVE-2023-2088 check asks)
        c.seed("nova", {"instances": [{
            "uuid": w.bm, "project_id": c.ids["demo"], "user_id": c.ids["user_member"],
            "node": w.node[0]["node_uuid"], "hostname": "bm1",
            "bdms": [{"volume_id": w.vol[n]["volume_id"], "attachment_id": w.vol[n]["attachment_id"],
                      "boot_index": i, "device_name": "/dev/sd" + "ab"[i]}
                     for i, n in enumerate(("boot", "data1"))]}]})
        w.vd = cloud.vendordata_service(c)
        yield w
    finally:
        c.stop()
