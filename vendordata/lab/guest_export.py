#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""The lab scenario's guest half, run in `chroot /host` inside the qemu guest:
Cinder's own LIO target helper (cinder.volume.targets.lio.LioAdm, which
runs cinder-rtstool) exports the volume the control plane made, from
Cinder's database, on a loop device, then adds the node's initiator to the
ACL as initialize_connection does for Nova. It checks that the
connection_info it computes is the one the vendordata service handed out.

  guest_export.py CINDER_DB VENDOR_DATA2 WORKDIR INDEX=DEVICE...

Each INDEX=DEVICE exports vendor_data2.json["volattach"].volumes[INDEX] on
DEVICE, in one process (Cinder's import costs a minute under TCG).
Prints one JSON line of booleans per volume (never a secret); exit 0 when
all hold.
"""
import json
import os
import sys


def main():
    db_path, vd2_path, work = sys.argv[1:4]
    pairs = [a.split("=", 1) for a in sys.argv[4:]]
    os.makedirs(os.path.join(work, "lock"), exist_ok=True)
    conf_path = os.path.join(work, "cinder.conf")
    with open(conf_path, "w") as f:
        f.write("""[DEFAULT]
log_file = {w}/cinder.log
debug = false
transport_url = fake:/
[database]
connection = sqlite:///{db}
[oslo_concurrency]
lock_path = {w}/lock
[lio]
target_helper = lioadm
target_protocol = iscsi
target_ip_address = 127.0.0.1
target_port = 3260
""".format(w=work, db=db_path))
    from oslo_config import cfg
    from cinder import context, objects
    from cinder.common import config  # noqa: F401
    objects.register_all()
    cfg.CONF(["--config-file", conf_path], project="cinder")
    from oslo_log import log
    log.setup(cfg.CONF, "cinder")
    from cinder import db
    from cinder.volume import configuration
    from cinder.volume import driver as volume_driver
    from cinder.volume.targets import lio

    with open(vd2_path) as f:
        entries = json.load(f)["volattach"]["volumes"]
    ctxt = context.get_admin_context()
    conf = configuration.Configuration(volume_driver.volume_opts, config_group="lio")
    conf.append_config_values(volume_driver.iser_opts)
    target = lio.LioAdm(configuration=conf, db=db)
    ok = bool(pairs)
    for index, device in pairs:
        entry = entries[int(index)]
        vol = objects.Volume.get_by_id(ctxt, entry["serial"])
        export = target.create_export(ctxt, vol, device)
        checks = {
            "export_location_is_cinders": export["location"] == vol.provider_location,
            "export_chap_is_cinders": export["auth"] == vol.provider_auth,
        }
        info = target.initialize_connection(vol, entry["connector"])
        data = info["data"]
        for key in ("target_iqn", "target_portal", "target_lun", "auth_method",
                    "auth_username", "auth_password", "volume_id"):
            checks["same_" + key] = data.get(key) == entry["data"].get(key)
        checks["driver_volume_type_iscsi"] = \
            info["driver_volume_type"] == entry["driver_volume_type"]
        print(json.dumps(dict(checks, index=int(index)), sort_keys=True))
        ok = ok and all(checks.values())
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
