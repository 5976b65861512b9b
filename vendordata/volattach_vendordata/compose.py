# SPDX-License-Identifier: Apache-2.0
"""Turns what Cinder and Ironic say about one instance into the `volumes`
list volattach reads (the seed's format). Pure: no I/O, no logging of data."""

# Keys of Cinder's flat connection_info that are not the driver's `data`
# (cinder/volume/manager.py _connection_create adds attachment_id;
# nova/volume/cinder.py _translate_attachment_ref removes both).
_NOT_DATA = ("driver_volume_type", "attachment_id")


class Skip(Exception):
    """An attachment that is left out; the message names it, never its data."""


def connector(node, connectors, hostname):
    """The connector as nova/virt/ironic/driver.py get_volume_connector builds
    it: initiator = the node's first iqn volume connector, ip/host from an ip
    connector (else host = the instance's hostname), wwpns/wwnns, platform =
    the node's cpu_arch, os_type baremetal, multipath false. Nova can also
    derive ip from a mac connector through Neutron; that is not done here."""
    values = {}
    for c in connectors:
        ctype, cid = c.get("type"), c.get("connector_id")
        if isinstance(ctype, str) and isinstance(cid, str):
            values.setdefault(ctype, []).append(cid)
    props = {}
    if values.get("ip"):
        props["ip"] = props["host"] = values["ip"][0]
    if values.get("iqn"):
        props["initiator"] = values["iqn"][0]
    if values.get("wwpn"):
        props["wwpns"] = values["wwpn"]
    if values.get("wwnn"):
        props["wwnns"] = values["wwnn"]
    properties = node.get("properties") or {}
    props["platform"] = properties.get("cpu_arch") if isinstance(properties, dict) else None
    props["os_type"] = "baremetal"
    if "host" not in props and hostname:
        props["host"] = hostname
    props["multipath"] = False
    return props


def volume_entry(attachment, conn, types):
    """One attached iSCSI attachment (Cinder's attachments/detail item) as a
    volumes[] entry: {driver_volume_type, data, connector, serial}."""
    aid = attachment.get("id", "?")
    if attachment.get("status") != "attached":
        raise Skip("attachment %s: status %r, not attached" % (aid, attachment.get("status")))
    ci = attachment.get("connection_info")
    if not isinstance(ci, dict) or not ci:
        raise Skip("attachment %s: no connection_info" % aid)
    dvt = ci.get("driver_volume_type")
    if not isinstance(dvt, str):
        raise Skip("attachment %s: driver_volume_type is not a string" % aid)
    if dvt.lower() not in types:
        raise Skip("attachment %s: driver_volume_type %r not listed" % (aid, dvt[:32]))
    vid = attachment.get("volume_id")
    if not isinstance(vid, str):
        raise Skip("attachment %s: no volume_id" % aid)
    data = {k: v for k, v in ci.items() if k not in _NOT_DATA}
    return {"driver_volume_type": dvt, "data": data, "connector": dict(conn), "serial": vid}


def volumes(attachments, node, connectors, targets, hostname, types, include_boot):
    """The answer's list and the reasons for what was left out."""
    boot = {t.get("volume_id") for t in targets if t.get("boot_index") == 0}
    conn = connector(node, connectors, hostname)
    types = {t.lower() for t in types}
    out, skipped = [], []
    for a in sorted(attachments, key=lambda a: (str(a.get("attached_at") or ""), str(a.get("volume_id")))):
        try:
            entry = volume_entry(a, conn, types)
        except Skip as e:
            skipped.append(str(e))
            continue
        if not include_boot and entry["serial"] in boot:
            skipped.append("attachment %s: boot volume %s (Ironic target boot_index 0)"
                           % (a.get("id"), entry["serial"]))
            continue
        out.append(entry)
    return out, skipped
