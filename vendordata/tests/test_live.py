# SPDX-License-Identifier: Apache-2.0
"""volattach-vendordata attach/detach (volattach_vendordata/manage.py), run as
the operator runs it (bin/volattach-vendordata, a config file), against the
test cloud's real Keystone, cinder-api, ironic-api and nova-api.

The one joint that is not a cloud's: cinder-api's RPC calls to cinder-volume
for attachment update and delete go to Cinder's own VolumeManager inside
cinder-api's process (tests/seed.py install_direct_volume_rpc), as the seed
does it, because there is no cinder-volume or RabbitMQ. The command itself
only speaks REST. cinder-api runs with [keystone_authtoken]
service_token_roles = service and service_token_roles_required = true, and
Cinder's CVE-2023-2088 check asks the test cloud's real nova-api, whose
instances and BDMs tests/seed.py nova made."""
import json
import os
import sqlite3
import subprocess
import uuid

import pytest

import cloud

LIVE_IQN = "iqn.2004-10.com.example:bm-live"
LIVE_IP = "127.0.0.9"
OUTPUTS = []   # every command's stdout and stderr, for the secret audit


class Live:
    """The live instance, its node, its volumes and the command's configs."""


@pytest.fixture(scope="module")
def live(world):
    c = world.cloud
    L = Live()
    L.iid = str(uuid.uuid4())
    L.noiqn = str(uuid.uuid4())     # a bare-metal instance whose node has no iqn
    demo = {"token": c.token("member", "demo"), "project_id": c.ids["demo"],
            "user_id": c.ids["user_member"]}
    made = c.seed("cinder", dict(demo, volumes=[
        dict(name="live1", attach=False), dict(name="live2", attach=False),
        dict(name="twin", attach=False), dict(name="twin", attach=False)]))
    L.vol = {}
    for m in made:
        L.vol.setdefault(m["name"], m["volume_id"])
    L.twins = [m["volume_id"] for m in made if m["name"] == "twin"]
    nodes = c.seed("ironic", {"token": c.token("ironic"), "nodes": [
        {"instance_uuid": L.iid, "properties": {"cpu_arch": "x86_64"},
         "connectors": [["iqn", LIVE_IQN], ["ip", LIVE_IP]]},
        {"instance_uuid": L.noiqn, "connectors": [["ip", "127.0.0.10"]]}]})
    L.node = nodes[0]["node_uuid"]
    # Nova's record of the instance, with no BDM: the command's volumes are
    # not Nova's
    c.seed("nova", {"instances": [{"uuid": L.iid, "project_id": c.ids["demo"],
                                   "user_id": c.ids["user_member"], "node": L.node,
                                   "hostname": "bm-live"}]})
    d = c.path("live")
    creds = """auth_type = password
auth_url = {ks}
username = {user}
password = {pw}
project_name = service
user_domain_id = default
project_domain_id = default
"""
    L.conf = {}
    for name, extra in (
            ("plain", ""),
            # the service's own user carries the service role (it needs it for
            # Ironic already): its token goes as X-Service-Token
            ("service", "[service_user]\n" + creds.format(
                ks=c.ks_url, user="vendordata", pw=c.pw["vendordata"])),
            # a user without the service role: auth_token refuses its token
            ("member", "[service_user]\n" + creds.format(
                ks=c.ks_url, user="member", pw=c.pw["member"]))):
        L.conf[name] = cloud.vendordata_conf(c, os.path.join(d, name), 0, extra=extra)
    return L


def run(live, world, conf, *args):
    env = dict(world.cloud.env, PYTHONPATH=cloud.VD_ROOT)
    r = subprocess.run([cloud.PYTHON, os.path.join(cloud.VD_ROOT, "bin", "volattach-vendordata"),
                        "--config-file", live.conf[conf]] + list(args),
                       env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                       timeout=300)
    OUTPUTS.append(r.stdout + r.stderr)
    return r.returncode, r.stdout, r.stderr


def cinder_attachments(world, iid):
    c = world.cloud
    st, _, doc = cloud.http("GET", "%s/v3/%s/attachments/detail?instance_id=%s&all_tenants=1"
                            % (c.cinder_url, c.ids["service"], iid), token=c.token("cinder"),
                            headers={"OpenStack-API-Version": "volume 3.27"})
    assert st == 200, doc
    return doc["attachments"]


def volume_status(world, vid):
    c = world.cloud
    st, _, doc = cloud.http("GET", "%s/v3/%s/volumes/%s" % (c.cinder_url, c.ids["service"], vid),
                            token=c.token("cinder"))
    assert st == 200, doc
    return doc["volume"]["status"]


def stored_connector(world, aid):
    """The connector Cinder stored with the attachment (its API never returns
    it): cinder-api's own database."""
    con = sqlite3.connect(world.cloud.path("cinder", "cinder.db"))
    try:
        row = con.execute("SELECT connector FROM volume_attachment WHERE id = ?", (aid,)).fetchone()
    finally:
        con.close()
    return json.loads(row[0])


def answer(world, iid):
    from test_service import post
    st, doc, _ = post(world, {"instance-id": iid, "hostname": "bm-live"},
                      token=world.cloud.token("nova"))
    assert st == 200, doc
    return doc["volumes"]


NODE_CONNECTOR = {"initiator": LIVE_IQN, "ip": LIVE_IP, "host": LIVE_IP, "platform": "x86_64",
                  "os_type": "baremetal", "multipath": False}


# ------------------------------------------------------------------ attach

def test_attach_by_name_makes_a_completed_attachment_with_the_nodes_connector(live, world):
    vid = live.vol["live1"]
    rc, out, err = run(live, world, "plain", "attach", live.iid, "live1")
    assert rc == 0, err
    assert vid in out and live.iid in out
    atts = cinder_attachments(world, live.iid)
    assert [a["volume_id"] for a in atts] == [vid]
    a = atts[0]
    assert a["status"] == "attached"
    ci = a["connection_info"]
    assert ci["driver_volume_type"] == "iscsi"
    assert ci["target_iqn"] == "iqn.2010-10.org.openstack:volume-" + vid
    assert ci["auth_method"] == "CHAP" and ci["auth_password"]
    assert volume_status(world, vid) == "in-use"
    # the connector Nova's Ironic driver would have given, from the node's
    # volume connectors (the service's compose.connector)
    assert stored_connector(world, a["id"]) == NODE_CONNECTOR
    live.secret = ci["auth_password"]
    # the service's answer now lists it, with what Cinder stored
    vols = answer(world, live.iid)
    assert [v["serial"] for v in vols] == [vid]
    data = {k: v for k, v in ci.items() if k not in ("attachment_id", "driver_volume_type")}
    assert vols[0]["data"] == data
    assert vols[0]["connector"] == NODE_CONNECTOR


def test_attach_makes_no_ironic_volume_target(live, world):
    c = world.cloud
    st, _, doc = cloud.http("GET", "%s/v1/nodes/%s/volume/targets" % (c.ironic_url, live.node),
                            token=c.token("ironic"),
                            headers={"X-OpenStack-Ironic-API-Version": "1.32"})
    assert (st, doc["targets"]) == (200, [])


def test_attach_by_uuid_second_volume(live, world):
    rc, out, err = run(live, world, "service", "attach", live.iid, live.vol["live2"])
    assert rc == 0, err
    assert {v["serial"] for v in answer(world, live.iid)} == {live.vol["live1"], live.vol["live2"]}


def test_attach_again_is_refused(live, world):
    rc, _, err = run(live, world, "plain", "attach", live.iid, live.vol["live1"])
    assert rc == 1
    assert "already has an attachment" in err and "status attached" in err
    assert len(cinder_attachments(world, live.iid)) == 2


@pytest.mark.parametrize("who,volume,message", [
    ("vm", "live-unused", "is not a bare-metal instance"),
    ("unknown", "live-unused", "is not a bare-metal instance"),
    ("not-a-uuid", "live-unused", "SERVER must be the instance's UUID"),
    ("noiqn", "live-unused", "has no iqn volume connector"),
    ("live", "no-such-volume", "Cinder has no such volume"),
    ("live", "twin", "is ambiguous"),
    ("live", "data1", "is in-use, not available"),
])
def test_attach_errors(live, world, who, volume, message):
    server = {"vm": world.vm, "unknown": world.unknown, "not-a-uuid": "bm1",
              "noiqn": live.noiqn, "live": live.iid}[who]
    if volume == "live-unused":
        volume = live.twins[0]
    elif volume == "data1":
        volume = world.vol["data1"]["volume_id"]   # Nova's, attached to world.bm
    before = len(cinder_attachments(world, live.iid))
    rc, _, err = run(live, world, "plain", "attach", server, volume)
    assert rc == 1
    assert message in err, err
    assert len(cinder_attachments(world, live.iid)) == before


# ------------------------------------------------------------------ detach

def test_detach_with_a_service_token_of_a_user_without_the_role_is_401(live, world):
    rc, _, err = run(live, world, "member", "detach", live.iid, "live1")
    assert rc == 1
    assert "401" in err and "service_token_roles" in err, err
    assert len(cinder_attachments(world, live.iid)) == 2


def cinder_log(world):
    with open(world.cloud.path("cinder", "cinder-api.log"), errors="replace") as f:
        return f.read()


def test_detach_without_service_token_nova_down_is_refused(live, world):
    """CVE-2023-2088's check is real in cinder-api 21.3.1: without an
    X-Service-Token, Cinder asks Nova whether the server uses the volume
    before it deletes an attachment that has connection_info. With nova-api
    stopped it cannot ask, and refuses (500); the attachment stays."""
    nova = world.cloud.services["nova"]
    nova.stop()
    try:
        rc, _, err = run(live, world, "plain", "detach", live.iid, "live1")
    finally:
        nova.start()
    assert rc == 1
    assert "asks Nova" in err and "[service_user]" in err, err
    assert len(cinder_attachments(world, live.iid)) == 2
    assert "checking data on nova" in cinder_log(world)


def test_cinder_answers_409_for_novas_attachment_without_service_token(live, world):
    """The 409 itself: world.bm's data1 attachment is Nova's (Nova has a BDM
    with that attachment id), and an admin's DELETE without a service token
    is refused by Cinder with 409 (ConflictNovaUsingAttachment). The
    command never sends that delete: it refuses Nova's attachments first
    (test_detach_refuses_an_attachment_nova_made)."""
    c = world.cloud
    aid = world.vol["data1"]["attachment_id"]
    st, _, doc = cloud.http("DELETE", "%s/v3/%s/attachments/%s" % (c.cinder_url, c.ids["service"], aid),
                            token=c.token("vendordata"),
                            headers={"OpenStack-API-Version": "volume 3.44"})
    assert st == 409, doc
    assert "Bug #2004555" in cinder_log(world)
    assert any(a["id"] == aid for a in cinder_attachments(world, world.bm))


def test_detach_without_service_token_nova_has_no_bdm_deletes(live, world):
    """Nova knows the server but has no BDM for this volume (the command
    made the attachment): Nova answers 404, and Cinder deletes the
    attachment without a service token, logging that it did."""
    vid = live.vol["live1"]
    rc, out, err = run(live, world, "plain", "detach", live.iid, vid)
    assert rc == 0, err
    assert "deleted" in out
    assert [a["volume_id"] for a in cinder_attachments(world, live.iid)] == [live.vol["live2"]]
    assert "Instance or volume not found on Nova" in cinder_log(world)
    assert volume_status(world, vid) == "available"


def test_detach_with_service_token_deletes_the_attachment(live, world):
    """With the service token Cinder does not ask Nova at all: nova-api is
    stopped, and the delete still goes through."""
    vid = live.vol["live1"]
    assert run(live, world, "service", "attach", live.iid, vid)[0] == 0
    nova = world.cloud.services["nova"]
    nova.stop()
    try:
        rc, out, err = run(live, world, "service", "detach", live.iid, vid)
    finally:
        nova.start()
    assert rc == 0, err
    assert "deleted" in out
    assert [a["volume_id"] for a in cinder_attachments(world, live.iid)] == [live.vol["live2"]]
    assert volume_status(world, vid) == "available"
    assert [v["serial"] for v in answer(world, live.iid)] == [live.vol["live2"]]


def test_detach_twice_says_no_attachment(live, world):
    rc, _, err = run(live, world, "service", "detach", live.iid, "live1")
    assert rc == 1
    assert "has no attachment for instance" in err


def test_detach_refuses_an_attachment_nova_made(live, world):
    # world.bm's data1: Nova's at spawn, with an Ironic volume target
    rc, _, err = run(live, world, "service", "detach", world.bm, world.vol["data1"]["volume_id"])
    assert rc == 1
    assert "is Nova's" in err and "boot_index 1" in err, err
    assert any(a["volume_id"] == world.vol["data1"]["volume_id"]
               for a in cinder_attachments(world, world.bm))


def test_attach_detach_again_and_last_detach(live, world):
    assert run(live, world, "service", "attach", live.iid, "live1")[0] == 0
    for name in ("live1", "live2"):
        rc, _, err = run(live, world, "service", "detach", live.iid, name)
        assert rc == 0, err
    assert cinder_attachments(world, live.iid) == []
    assert answer(world, live.iid) == []


def test_no_secret_in_the_commands_output(live, world):
    assert live.secret and OUTPUTS
    for text in OUTPUTS:
        assert live.secret not in text
        assert "auth_password" not in text
