# SPDX-License-Identifier: Apache-2.0
"""Puts volumes, attachments and Ironic nodes into the test cloud the way Nova
does at spawn, through the services' own code:

  seed.py cinder SPEC.json   Cinder: the volume row (cinder.objects; no
      scheduler here), then attachment create (REST, cinder-api), attachment
      update (cinder.volume.api.API -> VolumeManager.attachment_update with the
      real LVM driver and LioAdm target helper; only the RPC hop is a direct
      call and only the commands that would program a kernel LIO target are
      recorded, not run), then attachment complete (REST, cinder-api).
  seed.py ironic SPEC.json   Ironic: the node row (ironic.objects; node create
      goes through the conductor, absent here), then its volume connectors and
      targets through ironic-api's REST API, as an operator and Nova do.

Prints one JSON line: what was made (ids, connection_info as Cinder stored it).
"""
import json
import sys
import urllib.request
import uuid


def http(method, url, token, body=None, headers=None):
    h = {"Content-Type": "application/json", "Accept": "application/json",
         "X-Auth-Token": token}
    h.update(headers or {})
    req = urllib.request.Request(url, method=method, headers=h,
                                 data=json.dumps(body).encode() if body is not None else None)
    with urllib.request.urlopen(req, timeout=30) as r:
        text = r.read()
        return json.loads(text) if text else None


class DirectVolumeRPC:
    """cinder.volume.rpcapi.VolumeAPI.attachment_update's hop, made a direct
    call into an in-process VolumeManager (there is no cinder-volume here)."""

    def __init__(self, manager):
        self.manager = manager

    def attachment_update(self, ctxt, vref, connector, attachment_id):
        return self.manager.attachment_update(ctxt, vref, connector, attachment_id)


class Recorder:
    """cinder.utils.execute for LioAdm on the host: the host has no
    configfs/LIO (the lab guest runs these for real), so the cinder-rtstool
    commands are kept, never run nor printed (they carry CHAP)."""

    def __init__(self):
        self.calls = []

    def __call__(self, *cmd, **kwargs):
        self.calls.append(cmd)
        if cmd[:2] == ("cinder-rtstool", "create") and len(cmd) > 3:
            # the target LioAdm then looks for (get-targets) is the one it made
            Recorder.targets = Recorder.targets + [cmd[3]]
        if cmd[:2] == ("cinder-rtstool", "get-targets"):
            return ("\n".join(self.targets) + "\n", "")
        return ("", "")

    targets = []


class NoLVM:
    def activate_lv(self, name, *args, **kwargs):
        pass


def volume_manager_in_process():
    """cinder-volume's VolumeManager for the backend of the test cloud's
    cinder.conf, in this process: the real LVM driver and LioAdm, with the
    cinder-rtstool commands recorded (Recorder) and no LVM on the host."""
    from cinder import utils
    from cinder.volume import manager as volume_manager
    utils.execute = Recorder()  # LioAdm runs cinder-rtstool through cinder.utils.execute
    mgr = volume_manager.VolumeManager(service_name="lio", host="vdtest@lio")
    mgr.driver.vg = NoLVM()
    mgr.driver._initialized = True
    return mgr


def install_direct_volume_rpc():
    """In cinder-api's own process (tests/wsgi/cinder_api.py): the two RPC
    calls of the attachments API that go to cinder-volume, attachment_update
    (PUT /attachments/{id}) and attachment_delete (DELETE), become direct
    calls into volume_manager_in_process(). The same joint as seed_cinder's
    DirectVolumeRPC; every other step stays cinder-api's, reached over REST."""
    from cinder.volume import rpcapi
    state = {}

    def mgr():
        if "mgr" not in state:
            state["mgr"] = volume_manager_in_process()
        return state["mgr"]

    def attachment_update(self, ctxt, vref, connector, attachment_id):
        return mgr().attachment_update(ctxt, vref, connector, attachment_id)

    def attachment_delete(self, ctxt, attachment_id, vref):
        return mgr().attachment_delete(ctxt, attachment_id, vref)

    rpcapi.VolumeAPI.attachment_update = attachment_update
    rpcapi.VolumeAPI.attachment_delete = attachment_delete


def seed_cinder(spec):
    from oslo_config import cfg
    from cinder import context, objects
    from cinder.common import config  # noqa: F401  registers the global options
    objects.register_all()
    cfg.CONF(["--config-file", spec["cinder_conf"], "--log-file", spec["cinder_conf"] + ".seed.log"],
             project="cinder")
    from cinder import coordination, rpc
    rpc.init(cfg.CONF)
    coordination.COORDINATOR.start()
    from cinder.volume import api as volume_api
    from cinder.volume import volume_types
    from cinder import db
    from oslo_log import log
    log.setup(cfg.CONF, "cinder")

    mgr = volume_manager_in_process()
    api = volume_api.API()
    api.volume_rpcapi = DirectVolumeRPC(mgr)

    url = spec["cinder_url"]
    mv = {"OpenStack-API-Version": "volume 3.44"}
    out = []
    for v in spec["volumes"]:
        # a volume of another project attached to the same instance
        token = v.get("token", spec["token"])
        project = v.get("project_id", spec["project_id"])
        ctxt = context.RequestContext(user_id=spec["user_id"], project_id=project,
                                      is_admin=False, roles=["member"])
        # cinder.db's own volume_create: the object's create() refuses a
        # preset id, and the lab needs the volume id chosen here
        vtype = volume_types.get_default_volume_type(ctxt)
        vid = db.volume_create(ctxt, {
            "id": v.get("id", str(uuid.uuid4())), "size": 1, "status": "available",
            "attach_status": "detached", "host": "vdtest@lio#lio", "availability_zone": "nova",
            "user_id": spec["user_id"], "project_id": project, "display_name": v.get("name", "vd"),
            "volume_type_id": vtype["id"]})["id"]
        vol = objects.Volume.get_by_id(ctxt, vid)
        if v.get("attach") is False:
            # an available volume, for the live attach command's tests
            out.append({"volume_id": vol.id, "name": vol.display_name})
            continue
        Recorder.targets = ["iqn.2010-10.org.openstack:volume-" + vol.id]
        att = http("POST", "%s/v3/%s/attachments" % (url, project), token,
                   {"attachment": {"volume_uuid": vol.id, "instance_uuid": v["instance_uuid"]}},
                   mv)["attachment"]
        if v.get("connection_info"):
            # another backend's connection_info (rbd, iser, malformed), stored
            # through Cinder's object as the API layer does after the update
            ref = objects.VolumeAttachment.get_by_id(ctxt, att["id"])
            ref.connection_info = v["connection_info"]
            ref.save()
        elif v.get("connector"):
            ref = objects.VolumeAttachment.get_by_id(ctxt, att["id"])
            api.attachment_update(ctxt, ref, dict(v["connector"]))
        if v.get("connector") or v.get("connection_info"):
            if v.get("complete", True):
                http("POST", "%s/v3/%s/attachments/%s/action" % (url, project, att["id"]),
                     token, {"os-complete": None}, mv)
        ref = objects.VolumeAttachment.get_by_id(ctxt, att["id"])
        vol.refresh()
        out.append({"volume_id": vol.id, "attachment_id": att["id"],
                    "attach_status": ref.attach_status,
                    "connection_info": ref.connection_info,
                    "provider_location": vol.provider_location,
                    "provider_auth": vol.provider_auth,
                    "name": vol.name})
    return out


def seed_ironic(spec):
    from ironic.common import context, service
    from ironic import objects
    service.prepare_command(["ironic-seed", "--config-file", spec["ironic_conf"],
                             "--log-file", spec["ironic_conf"] + ".seed.log"])
    objects.register_all()
    ctxt = context.get_admin_context()
    url, token = spec["ironic_url"], spec["token"]
    mv = {"X-OpenStack-Ironic-API-Version": "1.32"}
    out = []
    for n in spec["nodes"]:
        node = objects.Node(ctxt, uuid=n.get("uuid", str(uuid.uuid4())), driver="fake-hardware",
                            instance_uuid=n.get("instance_uuid"),
                            properties=n.get("properties", {"cpu_arch": "x86_64"}),
                            provision_state="active", power_state="power on",
                            storage_interface="noop", resource_class="baremetal")
        node.create()
        for ctype, cid in n.get("connectors", []):
            http("POST", url + "/v1/volume/connectors", token,
                 {"node_uuid": node.uuid, "type": ctype, "connector_id": cid}, mv)
        for t in n.get("targets", []):
            http("POST", url + "/v1/volume/targets", token,
                 {"node_uuid": node.uuid, "volume_type": t.get("volume_type", "iscsi"),
                  "properties": t.get("properties", {}), "boot_index": t["boot_index"],
                  "volume_id": t["volume_id"]}, mv)
        out.append({"node_uuid": node.uuid})
    return out


def seed_nova(spec):
    """Nova's records of instances (cell1) and their volume BDMs, as Nova's
    API and compute make them at boot, through nova.objects."""
    from nova import config, context, objects
    config.parse_args(["nova-seed", "--config-file", spec["nova_conf"]])
    objects.register_all()
    ctxt = context.get_admin_context()
    cell = next(c for c in objects.CellMappingList.get_all(ctxt) if c.name == "cell1")
    out = []
    for i in spec["instances"]:
        with context.target_cell(ctxt, cell) as cctxt:
            inst = objects.Instance(cctxt, uuid=i["uuid"], project_id=i["project_id"],
                                    user_id=i["user_id"], vm_state="active", power_state=1,
                                    host="vdtest", node=i.get("node"), hostname=i.get("hostname", "bm"),
                                    display_name=i.get("hostname", "bm"))
            inst.create()
            for b in i.get("bdms", []):
                objects.BlockDeviceMapping(
                    cctxt, instance_uuid=inst.uuid, volume_id=b["volume_id"],
                    attachment_id=b["attachment_id"], source_type="volume",
                    destination_type="volume", boot_index=b.get("boot_index"),
                    device_name=b.get("device_name"), delete_on_termination=False).create()
        objects.InstanceMapping(ctxt, instance_uuid=inst.uuid, cell_mapping=cell,
                                project_id=i["project_id"], user_id=i["user_id"]).create()
        out.append({"uuid": inst.uuid})
    return out


if __name__ == "__main__":
    with open(sys.argv[2]) as f:
        spec = json.load(f)
    made = {"cinder": seed_cinder, "ironic": seed_ironic, "nova": seed_nova}[sys.argv[1]](spec)
    print(json.dumps(made))
