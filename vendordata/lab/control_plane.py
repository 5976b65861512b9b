#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""The lab scenario's host half (tests/lab/scenarios/1200-vendordata-lio.host):
the whole control-plane chain on loopback, for one volume. Real Keystone,
cinder-api and ironic-api come up; Cinder's own code makes one LIO-backed
volume and attaches it to a bare-metal instance whose node has the lab's
initiator; the vendordata service runs; Nova's DynamicVendorData client asks
it. Then the cloud stops.

Writes to OUTDIR (0700): vendor_data2.json as Nova composes it, a
meta_data.json beside it, cinder.db (Cinder's database, so the guest's
LioAdm exports that same volume with the same CHAP) and volume.json (id,
name, the initiator). Prints nothing on stdout; progress goes to stderr.

  control_plane.py OUTDIR INITIATOR
"""
import json
import os
import sqlite3
import sys
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests"))
os.environ.setdefault("VOLATTACH_VENDORDATA_NO_AUTOLOAD", "1")

import cloud  # noqa: E402

for _k in [k for k in os.environ if k.lower().endswith("_proxy")]:
    del os.environ[_k]
os.environ["no_proxy"] = os.environ["NO_PROXY"] = "*"


def log(msg):
    print("control-plane: " + msg, file=sys.stderr, flush=True)


def main():
    out, initiator = sys.argv[1], sys.argv[2]
    os.makedirs(out, mode=0o700, exist_ok=True)
    os.chmod(out, 0o700)
    c = cloud.Cloud()
    log("starting Keystone, cinder-api, ironic-api in " + c.dir)
    c.start()
    try:
        inst, host = str(uuid.uuid4()), "vd-lab-bm"
        conn = {"initiator": initiator, "host": host, "platform": "x86_64",
                "os_type": "baremetal", "multipath": False}
        made = c.seed("cinder", {"token": c.token("member", "demo"), "project_id": c.ids["demo"],
                                 "user_id": c.ids["user_member"],
                                 "volumes": [{"name": "vd-lab", "instance_uuid": inst,
                                              "connector": conn}]})[0]
        log("Cinder: volume %s attached to instance %s" % (made["volume_id"], inst))
        c.seed("ironic", {"token": c.token("ironic"), "nodes": [
            {"instance_uuid": inst, "properties": {"cpu_arch": "x86_64"},
             "connectors": [["iqn", initiator]],
             "targets": [{"boot_index": 1, "volume_id": made["volume_id"]}]}]})
        vd = cloud.vendordata_service(c)
        log("vendordata service on " + vd.url)
        sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests"))
        import test_service
        dyn = test_service.nova_client(type("W", (), {"cloud": c, "vd": vd})(), inst, hostname=host)
        vols = dyn.get("volattach", {}).get("volumes", [])
        if len(vols) != 1:
            log("the service listed %d volumes, expected 1" % len(vols))
            return 1
        doc = {"static": {}}
        doc.update(dyn)
        meta = {"uuid": inst, "name": host, "hostname": host + ".novalocal",
                "project_id": c.ids["demo"], "availability_zone": "nova", "launch_index": 0,
                "devices": []}
        for name, d in (("vendor_data2.json", doc), ("meta_data.json", meta),
                        ("volume.json", {"id": made["volume_id"], "name": made["name"],
                                         "initiator": initiator, "instance": inst,
                                         "root": os.path.dirname(os.path.dirname(HERE))})):
            fd = os.open(os.path.join(out, name), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as f:
                json.dump(d, f, indent=2)
        # a consistent copy (the live database is in WAL mode), as one file
        dst = os.path.join(out, "cinder.db")
        if os.path.exists(dst):
            os.unlink(dst)
        fd = os.open(dst, os.O_WRONLY | os.O_CREAT, 0o600)
        os.close(fd)
        src = sqlite3.connect(os.path.join(c.dir, "cinder", "cinder.db"))
        copy = sqlite3.connect(dst)
        src.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")
        copy.close()
        src.close()
        log("wrote vendor_data2.json, meta_data.json, volume.json, cinder.db to " + out)
        return 0
    finally:
        c.stop()


if __name__ == "__main__":
    sys.exit(main())
