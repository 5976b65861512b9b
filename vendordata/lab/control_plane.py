#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""The lab scenario's host half (tests/lab/scenarios/1200-vendordata-lio.host):
the whole control-plane chain on loopback, for one volume. Real Keystone,
cinder-api and ironic-api come up; Cinder's own code makes one LIO-backed
volume and attaches it to a bare-metal instance whose node has the lab's
initiator; the vendordata service runs; Nova's DynamicVendorData client asks
it. Then the cloud stops.

Then the operator's live path: a second, available volume is attached to
the running instance with `volattach-vendordata attach SERVER VOLUME` (the
real command, against the same cloud), and Nova's client asks again.

Writes to OUTDIR (0700): vendor_data2.json as Nova composes it, a
meta_data.json beside it, vendor_data2-live.json (Nova's answer after the
live attach: both volumes), cinder.db (Cinder's database after both, so
the guest's LioAdm exports those volumes with the same CHAP) and
volume.json (ids, name, the initiator). Prints nothing on stdout;
progress goes to stderr.

  control_plane.py OUTDIR INITIATOR
"""
import json
import os
import sqlite3
import subprocess
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
        # the live path: an available volume, attached by the operator's
        # command while the instance runs; Nova's next answer lists both
        demo = {"token": c.token("member", "demo"), "project_id": c.ids["demo"],
                "user_id": c.ids["user_member"]}
        live = c.seed("cinder", dict(demo, volumes=[dict(name="vd-live", attach=False)]))[0]
        conf = cloud.vendordata_conf(c, c.path("live"), 0)
        r = subprocess.run([cloud.PYTHON, os.path.join(cloud.VD_ROOT, "bin", "volattach-vendordata"),
                            "--config-file", conf, "attach", inst, "vd-live", "--hostname", host],
                           env=dict(c.env, PYTHONPATH=cloud.VD_ROOT), stdin=subprocess.DEVNULL,
                           capture_output=True, text=True, timeout=300)
        log("volattach-vendordata attach %s vd-live: exit %d: %s" % (inst, r.returncode,
                                                                      r.stdout.strip()))
        if r.returncode != 0:
            log(r.stderr.strip())
            return 1
        dyn2 = test_service.nova_client(type("W", (), {"cloud": c, "vd": vd})(), inst,
                                        hostname=host)
        vols2 = dyn2.get("volattach", {}).get("volumes", [])
        if sorted(v["serial"] for v in vols2) != sorted([made["volume_id"], live["volume_id"]]):
            log("after the live attach the service listed %s" % [v["serial"] for v in vols2])
            return 1
        doc2 = {"static": {}}
        doc2.update(dyn2)
        meta = {"uuid": inst, "name": host, "hostname": host + ".novalocal",
                "project_id": c.ids["demo"], "availability_zone": "nova", "launch_index": 0,
                "devices": []}
        for name, d in (("vendor_data2.json", doc), ("meta_data.json", meta),
                        ("vendor_data2-live.json", doc2),
                        ("volume.json", {"id": made["volume_id"], "name": made["name"],
                                         "live_id": live["volume_id"],
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
        log("wrote vendor_data2.json, vendor_data2-live.json, meta_data.json, volume.json, "
            "cinder.db to " + out)
        return 0
    finally:
        c.stop()


if __name__ == "__main__":
    sys.exit(main())
