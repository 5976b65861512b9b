# SPDX-License-Identifier: Apache-2.0
"""The pure parts without the cloud: the composition rules, the request
validation, and the log mask under forced errors at debug level."""
import io
import os
import json
import logging
import subprocess

import pytest

from volattach_vendordata import app as vd_app
from volattach_vendordata import compose
from volattach_vendordata import upstream
from volattach_vendordata import wsgi as vd_wsgi

IID = "7d631f44-00ec-4503-a113-cb616d0fd81c"
SECRET = "s3cr3t-Chap-Pass"


def attachment(vid, status="attached", dvt="iscsi", **data):
    ci = {"target_iqn": "iqn.2010-10.org.openstack:volume-" + vid, "target_portal": "127.0.0.1:3260",
          "target_lun": 0, "volume_id": vid, "auth_method": "CHAP", "auth_username": "u",
          "auth_password": SECRET, "driver_volume_type": dvt, "attachment_id": "a-" + vid}
    ci.update(data)
    return {"id": "a-" + vid, "status": status, "volume_id": vid, "instance": IID,
            "attached_at": "2026-12-01T00:00:0%s" % vid[-1], "connection_info": ci}


NODE = {"uuid": "n1", "properties": {"cpu_arch": "aarch64"}}


def test_connector_as_nova_builds_it():
    got = compose.connector(NODE, [{"type": "iqn", "connector_id": "iqn.a:1"},
                                   {"type": "iqn", "connector_id": "iqn.a:2"},
                                   {"type": "wwnn", "connector_id": "2000"}], "bm-host")
    assert got == {"initiator": "iqn.a:1", "wwnns": ["2000"], "platform": "aarch64",
                   "os_type": "baremetal", "host": "bm-host", "multipath": False}


def test_connector_without_anything():
    got = compose.connector({"uuid": "n"}, [], None)
    assert got == {"platform": None, "os_type": "baremetal", "multipath": False}


def test_translation_like_translate_attachment_ref():
    vols, skipped = compose.volumes([attachment("v1")], NODE, [], [], "h", ["iscsi"], False)
    assert skipped == []
    assert vols[0]["driver_volume_type"] == "iscsi"
    assert "attachment_id" not in vols[0]["data"] and "driver_volume_type" not in vols[0]["data"]
    assert vols[0]["data"]["auth_password"] == SECRET
    assert vols[0]["serial"] == "v1"


@pytest.mark.parametrize("types,kept", [(["iscsi"], ["v1"]), (["iscsi", "iser"], ["v1", "v2"])])
def test_driver_types(types, kept):
    atts = [attachment("v1"), attachment("v2", dvt="iSER"), attachment("v3", dvt="rbd")]
    vols, skipped = compose.volumes(atts, NODE, [], [], "h", types, False)
    assert [v["serial"] for v in vols] == kept
    assert all(SECRET not in s for s in skipped)


def test_boot_volume_left_out_unless_asked():
    atts = [attachment("v1"), attachment("v2")]
    targets = [{"volume_id": "v1", "boot_index": 0}, {"volume_id": "v2", "boot_index": 1}]
    vols, _ = compose.volumes(atts, NODE, [], targets, "h", ["iscsi"], False)
    assert [v["serial"] for v in vols] == ["v2"]
    vols, _ = compose.volumes(atts, NODE, [], targets, "h", ["iscsi"], True)
    assert [v["serial"] for v in vols] == ["v1", "v2"]


def test_not_attached_and_malformed_are_skipped_without_data():
    atts = [attachment("v1", status="attaching"), attachment("v2", status="reserved"),
            {"id": "a3", "status": "attached", "volume_id": "v3", "connection_info": {}},
            {"id": "a4", "status": "attached", "volume_id": "v4",
             "connection_info": {"driver_volume_type": ["x"], "auth_password": SECRET}},
            {"id": "a5", "status": "attached", "connection_info": {"driver_volume_type": "iscsi"}}]
    vols, skipped = compose.volumes(atts, NODE, [], [], "h", ["iscsi"], False)
    assert vols == []
    assert len(skipped) == 5
    assert all(SECRET not in s for s in skipped)


def environ(body, roles="vendordata", ctype="application/json", method="POST"):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return {"REQUEST_METHOD": method, "CONTENT_TYPE": ctype, "CONTENT_LENGTH": str(len(raw)),
            "wsgi.input": io.BytesIO(raw), "HTTP_X_IDENTITY_STATUS": "Confirmed",
            "HTTP_X_ROLES": roles, "HTTP_X_USER_ID": "u1"}


class Conf:
    class vendordata:
        allowed_roles = ["vendordata"]
        include_boot_volume = False
        driver_volume_types = ["iscsi"]
        deadline = 4.0
        max_body_size = 4096


class Boom:
    """Upstreams whose Cinder call fails with a secret in the exception."""

    def __init__(self, exc):
        self.exc = exc

    def ironic_node(self, iid, deadline):
        return NODE

    def ironic_volume(self, uuid, deadline):
        return [], []

    def cinder_attachments(self, iid, deadline):
        raise self.exc


def call(application, env):
    seen = {}

    def start_response(status, headers):
        seen["status"] = status

    body = b"".join(application(env, start_response))
    return int(seen["status"].split()[0]), json.loads(body) if body else None


@pytest.fixture
def debug_log():
    """The root logger at DEBUG with the service's mask, into a buffer."""
    buf = io.StringIO()
    h = logging.StreamHandler(buf)
    h.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    old = root.level
    root.addHandler(h)
    root.setLevel(logging.DEBUG)
    vd_wsgi.install_mask()
    yield buf
    root.removeHandler(h)
    root.setLevel(old)


@pytest.mark.parametrize("exc", [
    RuntimeError("connection_info auth_password=%s" % SECRET),
    ValueError({"auth_password": SECRET, "auth_discovery_password": SECRET}),
    KeyError('"auth_password": "%s"' % SECRET),
])
def test_forced_internal_error_logs_no_secret(debug_log, exc):
    status, doc = call(vd_app.VendordataApp(Conf, upstreams=Boom(exc)), environ({"instance-id": IID}))
    assert status == 500 and doc == {"error": "internal error"}
    text = debug_log.getvalue()
    assert "Traceback" in text          # the traceback was logged, masked
    assert SECRET not in text


def test_debug_logging_of_a_full_answer_has_no_secret(debug_log):
    class Fine(Boom):
        def cinder_attachments(self, iid, deadline):
            logging.getLogger("keystoneauth.session").debug(
                "RESP BODY: %s", json.dumps({"attachments": [attachment("v1")]}))
            return [attachment("v1"), attachment("v2", status="attaching")]

    status, doc = call(vd_app.VendordataApp(Conf, upstreams=Fine(None)), environ({"instance-id": IID}))
    assert status == 200 and doc["volumes"][0]["data"]["auth_password"] == SECRET
    assert "left out attachment a-v2" in debug_log.getvalue()
    assert SECRET not in debug_log.getvalue()


def test_upstream_error_becomes_its_status(debug_log):
    a = vd_app.VendordataApp(Conf, upstreams=Boom(upstream.UpstreamError(503, "cinder unreachable: x")))
    assert call(a, environ({"instance-id": IID})) == (503, {"error": "cinder unreachable: x"})


@pytest.mark.parametrize("env,status", [
    (environ({"instance-id": IID}, roles="member,reader"), 403),
    (environ({"instance-id": IID}, roles=""), 403),
    (dict(environ({"instance-id": IID}), HTTP_X_IDENTITY_STATUS="Invalid"), 401),
    (environ({"instance-id": IID.replace("-", "")[:31]}), 400),
    (environ({"instance-id": "{%s}" % IID}), 400),
    (environ(b"x" * 5000), 413),
    (environ({"instance-id": IID}, method="PUT"), 405),
])
def test_request_checks(env, status):
    got, _ = call(vd_app.VendordataApp(Conf, upstreams=Boom(AssertionError("not reached"))), env)
    assert got == status


def test_role_match_is_case_insensitive():
    class Empty(Boom):
        def ironic_node(self, iid, deadline):
            return None
    got = call(vd_app.VendordataApp(Conf, upstreams=Empty(None)),
               environ({"instance-id": IID}, roles="reader,VendorData"))
    assert got == (200, {"volumes": []})


def test_systemd_unit_verifies(tmp_path):
    """etc/volattach-vendordata.service passes `systemd-analyze verify` with
    no output; a misspelt directive in a copy is reported (the check can fail)."""
    import shutil
    import subprocess
    if not shutil.which("systemd-analyze"):
        pytest.skip("no systemd-analyze")
    src = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                       "etc", "volattach-vendordata.service")
    unit = tmp_path / "volattach-vendordata.service"
    unit.write_text(open(src).read())
    r = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True, text=True)
    assert (r.returncode, r.stdout + r.stderr) == (0, "")
    unit.write_text(open(src).read().replace("RestartSec=", "RestartSek="))
    r = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True, text=True)
    assert "RestartSek" in r.stdout + r.stderr


def test_deadline_counts_from_arrival():
    """Time spent before the app (auth_token validating a token) is taken
    out of the upstreams' budget."""
    import time
    seen = {}

    class Clock(Boom):
        def ironic_node(self, iid, deadline):
            seen["left"] = deadline.left()
            return None

    env = environ({"instance-id": IID})
    env[vd_app.ARRIVAL] = time.monotonic() - 3.0   # auth_token took 3 s
    assert call(vd_app.VendordataApp(Conf, upstreams=Clock(None)), env) == (200, {"volumes": []})
    assert seen["left"] <= 1.0


def test_paste_pipeline_starts_with_arrival():
    import configparser
    p = configparser.ConfigParser()
    p.read(os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                        "etc", "api-paste.ini"))
    assert p["pipeline:main"]["pipeline"].split() == ["arrival", "request_id", "authtoken", "vendordata"]


ALL_GROUPS = ("vendordata", "service_auth", "cinder", "ironic", "live", "service_user")


def test_list_opts_has_every_registered_option():
    """Every option the service and its live command register is in
    list_opts, group by group, so a generated sample misses none."""
    from oslo_config import cfg
    from volattach_vendordata import manage
    from volattach_vendordata import opts
    conf = cfg.ConfigOpts()
    manage.register(conf)   # the service's groups and the live command's
    listed = {}
    for group, olist in opts.list_opts():
        listed.setdefault(group, set()).update(o.dest for o in olist)
    for group in ALL_GROUPS:
        assert group in listed, group
        missing = set(conf[group]) - listed[group]
        assert not missing, "[%s] not in list_opts: %s" % (group, sorted(missing))


def test_oslo_config_generator_names_every_group(tmp_path):
    """The real oslo-config-generator, with the namespace registered as a
    package would (an entry point in a dist-info), writes [live] and
    [service_user] with their options."""
    dist = tmp_path / "volattach_vendordata-0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: volattach-vendordata\n"
                                   "Version: 0\n")
    (dist / "entry_points.txt").write_text(
        "[oslo.config.opts]\nvolattach-vendordata = volattach_vendordata.opts:list_opts\n")
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), here]),
               XDG_CACHE_HOME=str(tmp_path / "cache"), HOME=str(tmp_path))
    out = tmp_path / "sample.conf"
    r = subprocess.run(["/usr/bin/python3", "-m", "oslo_config.generator",
                        "--namespace", "volattach-vendordata", "--output-file", str(out)],
                       env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    text = out.read_text()
    for group in ALL_GROUPS:
        assert "\n[%s]\n" % group in text, group
    live = text.split("\n[live]\n", 1)[1].split("\n[", 1)[0]
    assert "#timeout = 60.0" in live and "#deadline = 300.0" in live
    user = text.split("\n[service_user]\n", 1)[1].split("\n[", 1)[0]
    assert "#auth_type = <None>" in user and "#username = <None>" in user
