# SPDX-License-Identifier: Apache-2.0
"""The WSGI application behind keystonemiddleware's auth_token: checks the
caller's role, validates Nova's DynamicJSON request and answers the
instance's `{"volumes": [...]}`."""
import json
import logging
import time
import uuid

from volattach_vendordata import compose
from volattach_vendordata import upstream

LOG = logging.getLogger(__name__)

_JSON = [("Content-Type", "application/json"), ("Cache-Control", "no-store")]


def _answer(start_response, status, doc):
    body = json.dumps(doc).encode()
    start_response(status, _JSON + [("Content-Length", str(len(body)))])
    return [body]


_STATUS = {400: "400 Bad Request", 403: "403 Forbidden", 405: "405 Method Not Allowed",
           411: "411 Length Required", 413: "413 Payload Too Large",
           415: "415 Unsupported Media Type", 500: "500 Internal Server Error",
           502: "502 Bad Gateway", 503: "503 Service Unavailable", 504: "504 Gateway Timeout"}


class RequestError(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


def parse_request(environ, max_size):
    """Nova's body (nova/api/metadata/vendordata_dynamic.py): a JSON object
    with instance-id (a UUID) and, optionally, project-id, hostname, ..."""
    if environ.get("REQUEST_METHOD") != "POST":
        raise RequestError(405, "only POST is served")
    ctype = environ.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
    if ctype != "application/json":
        raise RequestError(415, "Content-Type must be application/json")
    try:
        length = int(environ.get("CONTENT_LENGTH") or "")
    except ValueError:
        raise RequestError(411, "Content-Length required") from None
    if length < 0 or length > max_size:
        raise RequestError(413, "body over %d bytes" % max_size)
    raw = environ["wsgi.input"].read(length)
    if len(raw) != length:
        raise RequestError(400, "body shorter than Content-Length")
    try:
        doc = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise RequestError(400, "body is not UTF-8 JSON") from None
    if not isinstance(doc, dict):
        raise RequestError(400, "body is not a JSON object")
    iid = doc.get("instance-id")
    if not isinstance(iid, str):
        raise RequestError(400, "instance-id: missing or not a string")
    try:
        parsed = uuid.UUID(iid)
    except ValueError:
        raise RequestError(400, "instance-id: not a UUID") from None
    if len(iid) not in (32, 36):
        raise RequestError(400, "instance-id: not a UUID")
    for key in ("project-id", "hostname"):
        v = doc.get(key)
        if v is not None and (not isinstance(v, str) or len(v) > 255):
            raise RequestError(400, "%s: not a string of at most 255 characters" % key)
    hostname = doc.get("hostname")
    return str(parsed), (hostname if hostname else None), doc.get("project-id")


class VendordataApp:
    def __init__(self, conf, upstreams=None):
        self.conf = conf
        self.roles = {r.strip().lower() for r in conf.vendordata.allowed_roles if r.strip()}
        self.upstreams = upstreams or upstream.Upstreams(conf)

    def __call__(self, environ, start_response):
        t0 = time.monotonic()
        try:
            return self._serve(environ, start_response, t0)
        except Exception:
            # the traceback names code lines, never values; messages of our
            # own exceptions carry no data, and the log filter masks the rest
            LOG.exception("vendordata: internal error")
            return _answer(start_response, _STATUS[500], {"error": "internal error"})

    def _serve(self, environ, start_response, t0):
        t0 = environ.get(ARRIVAL, t0)
        # auth_token (delay_auth_decision = false) has already refused a
        # missing or invalid token with 401; this is a second guard
        if environ.get("HTTP_X_IDENTITY_STATUS") != "Confirmed":
            start_response("401 Unauthorized", _JSON + [("Content-Length", "0")])
            return [b""]
        roles = {r.strip().lower() for r in environ.get("HTTP_X_ROLES", "").split(",")}
        if not roles & self.roles:
            LOG.warning("vendordata: refused user %s: none of the roles %s",
                        environ.get("HTTP_X_USER_ID", "?"), ",".join(sorted(self.roles)))
            return _answer(start_response, _STATUS[403], {"error": "role required"})
        try:
            iid, hostname, project = parse_request(environ, self.conf.vendordata.max_body_size)
        except RequestError as e:
            LOG.info("vendordata: bad request: %s", e)
            return _answer(start_response, _STATUS[e.status], {"error": str(e)})
        # the deadline counts from the request's arrival, before auth_token's
        # validation, so that the whole answer fits Nova's read timeout
        deadline = upstream.Deadline(self.conf.vendordata.deadline - (time.monotonic() - t0))
        try:
            vols, skipped = self.lookup(iid, hostname, deadline)
        except upstream.UpstreamError as e:
            LOG.error("vendordata: instance %s: %s (after %.2f s)", iid, e, time.monotonic() - t0)
            return _answer(start_response, _STATUS[e.status], {"error": str(e)})
        for reason in skipped:
            LOG.info("vendordata: instance %s: left out %s", iid, reason)
        LOG.info("vendordata: instance %s (project %s): %d volume(s) in %.3f s",
                 iid, project, len(vols), time.monotonic() - t0)
        return _answer(start_response, "200 OK", {"volumes": vols})

    def lookup(self, iid, hostname, deadline):
        """Ironic's node first: an instance that is not on a bare-metal node
        gets an empty list without any call to Cinder (its volumes are the
        hypervisor's, and their CHAP secrets are never fetched). Then
        Cinder, then the node's connectors and targets if anything is
        attached."""
        node = self.upstreams.ironic_node(iid, deadline)
        if node is None or not isinstance(node.get("uuid"), str):
            return [], []
        attachments = self.upstreams.cinder_attachments(iid, deadline)
        if not any(a.get("status") == "attached" for a in attachments):
            # a bare-metal instance without volumes: the node's connectors
            # and targets are not needed (two Ironic calls saved)
            return [], []
        connectors, targets = self.upstreams.ironic_volume(node["uuid"], deadline)
        return compose.volumes(attachments, node, connectors, targets, hostname,
                               self.conf.vendordata.driver_volume_types,
                               self.conf.vendordata.include_boot_volume)


ARRIVAL = "volattach_vendordata.arrival"


def arrival_filter_factory(global_conf, **local_conf):
    """paste.filter_factory, first in the pipeline: notes when the request
    arrived, so that auth_token's time counts against [vendordata] deadline."""
    def make(app):
        def arrival(environ, start_response):
            environ[ARRIVAL] = time.monotonic()
            return app(environ, start_response)
        return arrival
    return make


def app_factory(global_conf, **local_conf):
    """paste.app_factory: uses the process's oslo.config CONF, loaded by
    volattach_vendordata.wsgi before the pipeline is built."""
    from oslo_config import cfg
    return VendordataApp(cfg.CONF)
