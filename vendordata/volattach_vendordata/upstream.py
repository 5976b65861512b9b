# SPDX-License-Identifier: Apache-2.0
"""Cinder and Ironic through keystoneauth1 (the service's own Keystone user,
endpoints from the catalog), every call bounded by the request's deadline.
No request or response body is ever logged: Cinder's carry CHAP secrets."""
import time

from keystoneauth1 import exceptions as ks_exc
from keystoneauth1 import loading as ks_loading

from volattach_vendordata import opts


class UpstreamError(Exception):
    """An upstream failed; `status` is the HTTP status to answer with, the
    message names the service and the reason, never any data."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


class Deadline:
    def __init__(self, seconds):
        self.end = time.monotonic() + seconds

    def left(self):
        return self.end - time.monotonic()


class Upstreams:
    """One keystoneauth session (its token shared and renewed by the auth
    plugin, its connection pool shared) for the life of the process."""

    def __init__(self, conf, cinder_auth=None):
        """cinder_auth: another auth plugin for Cinder only (the live attach
        command's ServiceTokenAuthWrapper, which adds X-Service-Token)."""
        self.conf = conf
        auth = self.auth = ks_loading.load_auth_from_conf_options(conf, "service_auth")
        self.session = ks_loading.load_session_from_conf_options(conf, "service_auth", auth=auth)
        self.cinder = ks_loading.load_adapter_from_conf_options(
            conf, "cinder", session=self.session, auth=cinder_auth or auth)
        self.ironic = ks_loading.load_adapter_from_conf_options(
            conf, "ironic", session=self.session, auth=auth)

    def _get(self, name, adapter, path, microversion, deadline):
        resp = self.request(name, adapter, "GET", path, microversion, deadline)
        return self._doc(name, resp, microversion)

    def request(self, name, adapter, method, path, microversion, deadline, body=None,
                timeout=None):
        """One request, bounded by the deadline; transport failures become
        UpstreamError, the HTTP answer is returned whatever its status."""
        limit = min(timeout or getattr(self.conf, name).timeout, deadline.left())
        if limit < 0.05:
            raise UpstreamError(504, "%s: no time left within the %.1f s deadline"
                                % (name, self.conf.vendordata.deadline))
        kwargs = {"json": body} if body is not None else {}
        try:
            resp = adapter.request(path, method, microversion=microversion, timeout=limit,
                                   raise_exc=False, log=False, connect_retries=0,
                                   headers={"Accept": "application/json"}, **kwargs)
        except (ks_exc.ConnectTimeout, ks_exc.RequestTimeout):
            # keystoneauth raises ConnectTimeout for a read timeout as well
            raise UpstreamError(504, "%s did not answer within %.1f s" % (name, limit)) from None
        except ks_exc.ConnectFailure as e:
            raise UpstreamError(503, "%s unreachable: %s" % (name, _reason(e))) from None
        except ks_exc.DiscoveryFailure as e:
            raise UpstreamError(503, "%s unreachable (discovery): %s" % (name, _reason(e))) from None
        except ks_exc.EndpointNotFound:
            raise UpstreamError(503, "%s: no endpoint in the catalog" % name) from None
        except ks_exc.Unauthorized:
            raise UpstreamError(502, "%s: Keystone refused the service's credentials "
                                "([service_auth])" % name) from None
        except ks_exc.ClientException as e:
            raise UpstreamError(503, "%s: %s" % (name, type(e).__name__)) from None
        return resp

    @staticmethod
    def _doc(name, resp, microversion):
        if resp.status_code == 404:
            return None
        if resp.status_code in (401, 403):
            raise UpstreamError(502, "%s refused the service user (%d): check its role and "
                                "the %s policy" % (name, resp.status_code, name))
        if resp.status_code == 406:
            raise UpstreamError(502, "%s does not support microversion %s" % (name, microversion))
        if resp.status_code >= 300:
            raise UpstreamError(502, "%s answered %d" % (name, resp.status_code))
        try:
            doc = resp.json()
        except ValueError:
            raise UpstreamError(502, "%s: answer is not JSON" % name) from None
        if not isinstance(doc, dict):
            raise UpstreamError(502, "%s: answer is not a JSON object" % name)
        return doc

    def ironic_node(self, instance_id, deadline):
        """The Ironic node serving the instance, or None."""
        doc = self._get("ironic", self.ironic,
                        "/v1/nodes?instance_uuid=%s&fields=uuid,properties" % instance_id,
                        opts.IRONIC_MICROVERSION, deadline)
        nodes = _list(doc, "nodes", "ironic")
        return nodes[0] if nodes else None

    def ironic_volume(self, node_uuid, deadline):
        """The node's volume connectors and targets. Only the fields used are
        asked for: older Ironic returns CHAP in target properties."""
        c = self._get("ironic", self.ironic,
                      "/v1/nodes/%s/volume/connectors?fields=type,connector_id" % node_uuid,
                      opts.IRONIC_MICROVERSION, deadline)
        t = self._get("ironic", self.ironic,
                      "/v1/nodes/%s/volume/targets?fields=volume_id,boot_index" % node_uuid,
                      opts.IRONIC_MICROVERSION, deadline)
        return _list(c, "connectors", "ironic"), _list(t, "targets", "ironic")

    def cinder_attachments(self, instance_id, deadline):
        """All of the instance's attachments, every project's (admin)."""
        doc = self._get("cinder", self.cinder,
                        "/attachments/detail?instance_id=%s&all_tenants=1" % instance_id,
                        opts.CINDER_MICROVERSION, deadline)
        return _list(doc, "attachments", "cinder")


def _list(doc, key, name):
    if doc is None:
        return []
    items = doc.get(key)
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise UpstreamError(502, "%s: '%s' is not a list of objects" % (name, key))
    return items


def _reason(exc):
    """A connection error's short cause (refused, reset, no route), without
    the URL's query or anything the server sent."""
    text = str(exc)
    for cause in ("Connection refused", "Connection reset", "No route to host",
                  "Name or service not known", "timed out"):
        if cause in text:
            return cause
    return type(exc).__name__
