# SPDX-License-Identifier: Apache-2.0
"""volattach-vendordata attach|detach SERVER VOLUME: the operator's live
attach path for a running bare-metal instance (Nova's Ironic driver has
none). REST only, through the service's own keystoneauth session and its
config file:

  attach   Cinder attachment create (3.44), update with the node's
           connector (compose.connector, the one the service's answer
           carries, built as nova/virt/ironic/driver.py
           get_volume_connector does), complete. The service's answer for
           the instance then lists the volume, and the instance's
           `volattach watch` attaches it.
  detach   Cinder attachment delete, with an X-Service-Token from
           [service_user] (keystoneauth1's ServiceTokenAuthWrapper), as
           Cinder requires since CVE-2023-2088.

No Ironic volume target is made (vendordata/README.md says why), and an
attachment for which the node has one is Nova's (made at spawn from the boot
request): detach refuses it. Nothing secret is printed: the connection_info
is never shown."""
import sys
import uuid

from keystoneauth1 import loading as ks_loading
from keystoneauth1 import service_token
from oslo_config import cfg

from volattach_vendordata import compose
from volattach_vendordata import opts
from volattach_vendordata import upstream

CINDER_MV = "3.44"    # attachment complete (cinder/api/microversions.py)

class Failure(Exception):
    """A clear refusal or error; the message is what the operator reads."""


def add_parsers(subparsers):
    for name, helptext in (("attach", "create and complete a Cinder attachment of VOLUME "
                                      "for the bare-metal instance SERVER"),
                           ("detach", "delete the attachment of VOLUME for SERVER "
                                      "(with a service token)")):
        p = subparsers.add_parser(name, help=helptext)
        p.add_argument("server", metavar="SERVER", help="the instance's UUID")
        p.add_argument("volume", metavar="VOLUME", help="the volume's name or UUID")
        if name == "attach":
            p.add_argument("--hostname", default=None,
                           help="the connector's host when the node has no ip volume "
                                "connector (Nova uses the instance's hostname)")


def register(conf):
    opts.register(conf)
    opts.register_live(conf)
    conf.register_cli_opt(cfg.SubCommandOpt("action", handler=add_parsers,
                                            title="commands", dest="action"))


class Live:
    def __init__(self, conf, out=print):
        self.conf = conf
        self.out = out
        self.service_token = bool(conf.service_user.auth_type)
        cinder_auth = None
        if self.service_token:
            user = ks_loading.load_auth_from_conf_options(conf, "service_auth")
            svc = ks_loading.load_auth_from_conf_options(conf, "service_user")
            cinder_auth = service_token.ServiceTokenAuthWrapper(user_auth=user, service_auth=svc)
        self.up = upstream.Upstreams(conf, cinder_auth=cinder_auth)
        self.deadline = upstream.Deadline(conf.live.deadline)

    # ------------------------------------------------------------- requests
    def cinder(self, method, path, body=None, mv=CINDER_MV):
        resp = self.up.request("cinder", self.up.cinder, method, path, mv, self.deadline,
                               body=body, timeout=self.conf.live.timeout)
        if resp.status_code == 401:
            if self.service_token:
                raise Failure("cinder refused the request (401) for its service token: the "
                              "[service_user] user (%s) has none of Cinder's "
                              "[keystone_authtoken] service_token_roles (default: service; "
                              "service_token_roles_required = true)"
                              % self.conf.service_user.username)
            raise Failure("cinder refused the [service_auth] user's token (401)")
        return resp

    def cinder_doc(self, path):
        resp = self.cinder("GET", path)
        if resp.status_code == 404:
            return None
        if resp.status_code >= 300:
            raise Failure("cinder: GET %s answered %d: %s"
                          % (path.split("?")[0], resp.status_code, _message(resp)))
        return resp.json()

    # ------------------------------------------------------------- look-ups
    def server(self, server):
        try:
            return str(uuid.UUID(server))
        except ValueError:
            raise Failure("SERVER must be the instance's UUID (%r is not): names are "
                          "Nova's, and this command does not call nova-api" % server) from None

    def node(self, iid):
        node = self.up.ironic_node(iid, self.deadline)
        if node is None or not isinstance(node.get("uuid"), str):
            return None
        return node

    def volume(self, ref):
        try:
            vid = str(uuid.UUID(ref))
        except ValueError:
            vid = None
        if vid:
            doc = self.cinder_doc("/volumes/%s" % vid)
            if doc is not None:
                return doc["volume"]
        doc = self.cinder_doc("/volumes/detail?all_tenants=1&name=%s" % _q(ref)) or {}
        found = [v for v in doc.get("volumes", []) if v.get("name") == ref]
        if not found:
            raise Failure("volume %s: Cinder has no such volume (by UUID or name, all projects)"
                          % ref)
        if len(found) > 1:
            raise Failure("volume name %r is ambiguous: %s; give the UUID"
                          % (ref, ", ".join(sorted(v["id"] for v in found))))
        return found[0]

    def attachments(self, iid, vid):
        doc = self.cinder_doc("/attachments/detail?instance_id=%s&all_tenants=1" % iid) or {}
        return [a for a in doc.get("attachments", []) if a.get("volume_id") == vid]

    # --------------------------------------------------------------- attach
    def attach(self, server, volume, hostname=None):
        iid = self.server(server)
        node = self.node(iid)
        if node is None:
            raise Failure("instance %s is not a bare-metal instance: no Ironic node has "
                          "instance_uuid %s (a VM's volumes are Nova's: "
                          "openstack server add volume)" % (iid, iid))
        vol = self.volume(volume)
        vid = vol["id"]
        existing = self.attachments(iid, vid)
        if existing:
            a = existing[0]
            raise Failure("volume %s already has an attachment for instance %s "
                          "(attachment %s, status %s); detach it first"
                          % (vid, iid, a.get("id"), a.get("status")))
        if vol.get("status") != "available":
            raise Failure("volume %s is %s, not available (attached elsewhere, or busy)"
                          % (vid, vol.get("status")))
        connectors, _ = self.up.ironic_volume(node["uuid"], self.deadline)
        conn = compose.connector(node, connectors, hostname)
        if not conn.get("initiator"):
            raise Failure("node %s has no iqn volume connector: Cinder would have no "
                          "initiator for the target's ACL (baremetal volume connector "
                          "create --node %s --type iqn --connector-id IQN)"
                          % (node["uuid"], node["uuid"]))
        if not conn.get("host"):
            raise Failure("node %s has no ip volume connector: give --hostname "
                          "(the connector's host, as Nova gives the instance's hostname)"
                          % node["uuid"])
        resp = self.cinder("POST", "/attachments", {"attachment": {
            "volume_uuid": vid, "instance_uuid": iid}})
        if resp.status_code >= 300:
            raise Failure("cinder refused the attachment of %s (%d): %s"
                          % (vid, resp.status_code, _message(resp)))
        aid = resp.json()["attachment"]["id"]
        try:
            resp = self.cinder("PUT", "/attachments/%s" % aid,
                               {"attachment": {"connector": conn}})
            if resp.status_code >= 300:
                raise Failure("cinder could not connect volume %s for the node's "
                              "connector (%d): %s" % (vid, resp.status_code, _message(resp)))
            resp = self.cinder("POST", "/attachments/%s/action" % aid, {"os-complete": None})
            if resp.status_code >= 300:
                raise Failure("cinder could not complete attachment %s (%d): %s"
                              % (aid, resp.status_code, _message(resp)))
        except (Failure, upstream.UpstreamError) as e:
            self._undo(aid)
            raise Failure("%s; attachment %s removed" % (e, aid)) from None
        self.out("attached volume %s to instance %s (node %s): attachment %s, "
                 "initiator %s" % (vid, iid, node["uuid"], aid, conn["initiator"]))
        return aid

    def _undo(self, aid):
        try:
            self.cinder("DELETE", "/attachments/%s" % aid)
        except upstream.UpstreamError:
            pass

    # --------------------------------------------------------------- detach
    def detach(self, server, volume):
        iid = self.server(server)
        node = self.node(iid)   # None: the instance is gone; its orphans go too
        vol = self.volume(volume)
        vid = vol["id"]
        found = self.attachments(iid, vid)
        if not found:
            raise Failure("volume %s has no attachment for instance %s" % (vid, iid))
        if node is not None:
            _, targets = self.up.ironic_volume(node["uuid"], self.deadline)
            mine = [t for t in targets if t.get("volume_id") == vid]
            if mine:
                raise Failure("volume %s is Nova's: node %s has an Ironic volume target for "
                              "it (boot_index %s), made by Nova at spawn from a block device "
                              "mapping. Nova owns that attachment; it goes with the "
                              "server (openstack server delete), not with this command"
                              % (vid, node["uuid"], mine[0].get("boot_index")))
        for a in found:
            resp = self.cinder("DELETE", "/attachments/%s" % a["id"])
            if resp.status_code < 300 or resp.status_code == 404:
                continue
            if resp.status_code == 409:
                raise Failure("cinder refused to delete attachment %s (409): since "
                              "CVE-2023-2088 (OSSA-2023-003) Cinder deletes an attachment "
                              "that has connection_info only for a request with an "
                              "X-Service-Token of a user with a [keystone_authtoken] "
                              "service_token_roles role (default: service), or when Nova "
                              "does not know it. %s" % (a["id"], self._token_hint()))
            if resp.status_code >= 500 and not self.service_token:
                raise Failure("cinder could not delete attachment %s (%d): without an "
                              "X-Service-Token Cinder asks Nova whether the server uses "
                              "the volume (CVE-2023-2088), and that failed: %s. %s"
                              % (a["id"], resp.status_code, _message(resp),
                                 self._token_hint()))
            raise Failure("cinder refused to delete attachment %s (%d): %s"
                          % (a["id"], resp.status_code, _message(resp)))
        self.out("detached volume %s from instance %s: attachment%s %s deleted"
                 % (vid, iid, "s" if len(found) > 1 else "",
                    ", ".join(a["id"] for a in found)))
        return [a["id"] for a in found]

    def _token_hint(self):
        if self.service_token:
            return ("A service token was sent ([service_user] %s): check that this user "
                    "has one of Cinder's service_token_roles" % self.conf.service_user.username)
        return ("No service token was sent: configure [service_user] (a user with the "
                "service role) in the config file")


def _q(text):
    from urllib.parse import quote
    return quote(text, safe="")


def _message(resp):
    """Cinder's fault text ({"badRequest": {"message": ...}}); it names ids
    and states, never connection_info."""
    try:
        doc = resp.json()
    except ValueError:
        return (resp.text or "")[:200]
    if isinstance(doc, dict):
        for v in doc.values():
            if isinstance(v, dict) and "message" in v:
                return str(v["message"])[:500]
    return str(doc)[:200]


def main(argv=None):
    conf = cfg.ConfigOpts()
    register(conf)
    argv = sys.argv[1:] if argv is None else argv
    default = [] if any(a.startswith("--config-file") for a in argv) else [opts.DEFAULT_CONFIG]
    try:
        conf(argv, project=opts.PROJECT, prog="volattach-vendordata",
             default_config_files=default)
    except cfg.Error as e:
        print("volattach-vendordata: %s" % e, file=sys.stderr)
        return 2
    try:
        live = Live(conf)
        if conf.action.name == "attach":
            live.attach(conf.action.server, conf.action.volume, conf.action.hostname)
        else:
            live.detach(conf.action.server, conf.action.volume)
    except (Failure, upstream.UpstreamError) as e:
        print("volattach-vendordata %s: %s" % (conf.action.name, e), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
