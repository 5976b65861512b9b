# SPDX-License-Identifier: Apache-2.0
"""The service end to end on loopback: real Keystone tokens, real cinder-api
and ironic-api, Nova's own DynamicVendorData client. The order matters for
the last tests only (upstreams stopped, then the log audit)."""
import json
import os
import signal
import time
import urllib.request

import pytest

import cloud

FIXTURE = os.path.join(os.path.dirname(__file__), "fixtures", "vendor_data2-nova.json")
TIMINGS = os.environ.get("VD_TIMINGS")  # a file to append the measured 5xx times to


def post(w, body, token=None, headers=None, raw=None, method="POST", timeout=5):
    """A direct call with Nova's own read timeout (5 s): a timeout here is a
    failure of the service's bound."""
    h = {"Content-Type": "application/json"}
    if token:
        h["X-Auth-Token"] = token
    h.update(headers or {})
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    req = urllib.request.Request(w.vd.url, data=data, method=method, headers=h)
    t0 = time.monotonic()
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            status, text = r.status, r.read()
    except urllib.error.HTTPError as e:
        status, text = e.code, e.read()
    took = time.monotonic() - t0
    try:
        doc = json.loads(text) if text else None
    except ValueError:
        doc = text
    return status, doc, took


def note_time(what, seconds):
    line = "%s: %.3f s" % (what, seconds)
    print(line)
    if TIMINGS:
        with open(TIMINGS, "a") as f:
            f.write(line + "\n")


def nova_client(w, instance_uuid, hostname="bm1", target_url=None):
    """Nova's DynamicVendorData with a nova.conf [vendordata_dynamic_auth]
    section: a real keystoneauth session of Nova's vendordata user."""
    import nova.conf
    from nova.api.metadata import vendordata_dynamic
    conf = nova.conf.CONF
    path = w.cloud.path("nova.conf")
    with open(path, "w") as f:
        f.write("""[api]
vendordata_providers = StaticJSON,DynamicJSON
vendordata_dynamic_targets = volattach@{url}
vendordata_dynamic_connect_timeout = 5
vendordata_dynamic_read_timeout = 5
[vendordata_dynamic_auth]
auth_type = password
auth_url = {ks}
username = nova
password = {pw}
project_name = service
user_domain_id = default
project_domain_id = default
""".format(url=target_url or w.vd.url, ks=w.cloud.ks_url, pw=w.cloud.pw["nova"]))
    conf(["--config-file", path], project="nova")

    class Instance:
        # the fields vendordata_dynamic._do_request reads
        project_id = w.cloud.ids["demo"]
        uuid = instance_uuid
        image_ref = "9b8a7c6d-0000-4000-8000-000000000001"
        user_data = None
        metadata = {}
        system_metadata = {"boot_roles": "member"}

    inst = Instance()
    inst.hostname = hostname
    return vendordata_dynamic.DynamicVendorData(inst).get()


def expected_entry(w, name, host="127.0.0.5"):
    ci = dict(w.vol[name]["connection_info"])
    ci.pop("attachment_id")
    dvt = ci.pop("driver_volume_type")
    return {"driver_volume_type": dvt, "data": ci, "serial": w.vol[name]["volume_id"],
            "connector": {"initiator": "iqn.2004-10.com.example:bm-node-1", "ip": host,
                          "host": host, "wwpns": ["5005076802233f7e"], "platform": "x86_64",
                          "os_type": "baremetal", "multipath": False}}


# ------------------------------------------------------------------ auth

def test_no_token_is_401_without_data(world):
    st, doc, _ = post(world, {"instance-id": world.bm})
    assert st == 401
    assert "volumes" not in json.dumps(doc) and "auth_password" not in json.dumps(doc)


def test_invalid_token_is_401(world):
    st, doc, _ = post(world, {"instance-id": world.bm}, token="gAAAAAB-not-a-fernet-token")
    assert st == 401
    assert "auth_password" not in json.dumps(doc)


def test_token_without_role_is_403(world):
    # a valid token of a project member, without the vendordata role
    st, doc, _ = post(world, {"instance-id": world.bm}, token=world.cloud.token("member", "demo"))
    assert st == 403
    assert doc == {"error": "role required"}


def test_admin_without_role_is_403(world):
    # admin is not the configured role either: only [vendordata] allowed_roles
    st, _, _ = post(world, {"instance-id": world.bm}, token=world.cloud.token("admin", "admin"))
    assert st == 403


# ------------------------------------------------------------ behaviour

def test_nova_client_gets_the_attached_iscsi_volumes(world):
    got = nova_client(world, world.bm, hostname="bm1")
    assert list(got) == ["volattach"]
    vols = got["volattach"]["volumes"]
    by_serial = {v["serial"]: v for v in vols}
    # boot volume (target boot_index 0), reserved, attaching, rbd, iser and
    # the VM's volume are left out; both attached data volumes are there,
    # the other project's too (all_tenants)
    want = {world.vol[n]["volume_id"] for n in ("data1", "data2-other-project")}
    assert set(by_serial) == want
    for name in ("data1", "data2-other-project"):
        assert by_serial[world.vol[name]["volume_id"]] == expected_entry(world, name)


def test_chap_comes_from_cinder(world):
    got = nova_client(world, world.bm)["volattach"]["volumes"]
    v = next(v for v in got if v["serial"] == world.vol["data1"]["volume_id"])
    ci = world.vol["data1"]["connection_info"]
    assert v["data"]["auth_method"] == "CHAP"
    assert v["data"]["auth_username"] == ci["auth_username"]
    assert v["data"]["auth_password"] == ci["auth_password"]
    assert v["data"]["target_iqn"] == "iqn.2010-10.org.openstack:volume-" + v["serial"]
    assert v["data"]["volume_id"] == v["serial"]


def test_vendor_data2_as_nova_composes_it(world):
    """nova/api/metadata/base.py _vendor_data2: {"static": StaticJSON,
    <target name>: DynamicJSON answer}. The committed fixture has this shape
    (VD_WRITE_FIXTURE=1 rewrites it from this run)."""
    dyn = nova_client(world, world.bm)
    doc = {"static": {}}
    doc.update(dyn)
    if os.environ.get("VD_WRITE_FIXTURE"):
        os.makedirs(os.path.dirname(FIXTURE), exist_ok=True)
        with open(FIXTURE, "w") as f:
            json.dump(doc, f, indent=4, sort_keys=True)
            f.write("\n")
    with open(FIXTURE) as f:
        fixture = json.load(f)

    def shape(x):
        if isinstance(x, dict):
            return {k: shape(v) for k, v in x.items()}
        if isinstance(x, list):
            return [shape(v) for v in x]
        return type(x).__name__

    assert shape(doc) == shape(fixture)


def test_include_boot_volume_option(world):
    s = cloud.vendordata_service(world.cloud, name="vendordata-boot",
                                 extra="[vendordata]\ninclude_boot_volume = true\n")
    try:
        got = nova_client(world, world.bm, target_url=s.url)["volattach"]["volumes"]
    finally:
        s.stop()
    assert world.vol["boot"]["volume_id"] in {v["serial"] for v in got}
    assert len(got) == 3


def test_vm_instance_gets_empty_list(world):
    # Cinder has an attached iSCSI volume for it; no Ironic node serves it
    st, doc, _ = post(world, {"instance-id": world.vm}, token=world.cloud.token("nova"))
    assert (st, doc) == (200, {"volumes": []})


def test_bare_metal_instance_without_volumes(world):
    st, doc, _ = post(world, {"instance-id": world.bare}, token=world.cloud.token("nova"))
    assert (st, doc) == (200, {"volumes": []})


def test_unknown_instance_gets_empty_list(world):
    assert nova_client(world, world.unknown) == {"volattach": {"volumes": []}}


def test_ip_connector_wins_over_the_hostname(world):
    # as in Nova: host = the ip connector's address when there is one; the
    # hostname Nova sends is the fallback (test_unit covers that branch)
    got = nova_client(world, world.bm, hostname="other-name")["volattach"]["volumes"]
    assert all(v["connector"]["host"] == "127.0.0.5" for v in got)


@pytest.mark.parametrize("body,raw,ctype,status", [
    (None, b"{not json", "application/json", 400),
    (None, b"[1, 2]", "application/json", 400),
    ({"project-id": "x"}, None, "application/json", 400),
    ({"instance-id": "not-a-uuid"}, None, "application/json", 400),
    ({"instance-id": 12345}, None, "application/json", 400),
    ({"instance-id": "7d631f44-00ec-4503-a113-cb616d0fd81c", "hostname": ["x"]}, None, "application/json", 400),
    ({"instance-id": "7d631f44-00ec-4503-a113-cb616d0fd81c"}, None, "text/plain", 415),
    (None, b"{\"instance-id\": \"" + b"a" * 300000 + b"\"}", "application/json", 413),
    (None, b"\xff\xfe{}", "application/json", 400),
])
def test_bad_requests(world, body, raw, ctype, status):
    st, doc, _ = post(world, body, raw=raw, token=world.cloud.token("nova"),
                      headers={"Content-Type": ctype})
    assert st == status
    assert "volumes" not in doc


def test_get_is_405(world):
    st, _, _ = post(world, None, token=world.cloud.token("nova"), method="GET")
    assert st == 405


# ----------------------------------------------------------- upstream down

def _down(world, name, how):
    svc = world.cloud.services[name]
    if how == "kill":
        svc.stop()
    else:
        os.killpg(svc.proc.pid, signal.SIGSTOP)
    return svc


def _up(svc, how):
    if how == "kill":
        svc.start()
    else:
        os.killpg(svc.proc.pid, signal.SIGCONT)


@pytest.mark.parametrize("name,how,status", [
    ("cinder", "kill", 503), ("cinder", "stop", 504),
    ("ironic", "kill", 503), ("ironic", "stop", 504),
])
def test_upstream_down_gives_a_clear_5xx_within_novas_timeout(world, name, how, status):
    token = world.cloud.token("nova")
    post(world, {"instance-id": world.bm}, token=token)  # token now cached
    svc = _down(world, name, how)
    try:
        st, doc, took = post(world, {"instance-id": world.bm}, token=token)
    finally:
        _up(svc, how)
    note_time("%s %s -> %d" % (name, "killed" if how == "kill" else "hung (SIGSTOP)", st), took)
    assert st == status
    assert name in doc["error"]
    # and Nova's client turns it into {} (logged), not a hang
    assert "auth_password" not in json.dumps(doc)


def test_nova_client_with_cinder_down_gets_empty_dict(world):
    svc = _down(world, "cinder", "kill")
    try:
        got = nova_client(world, world.bm)
    finally:
        _up(svc, "kill")
    assert got == {"volattach": {}}


def test_keystone_down_cached_token_served_uncached_token_is_5xx(world):
    seen = world.cloud.token("nova")
    assert post(world, {"instance-id": world.bm}, token=seen)[0] == 200  # now cached
    fresh = world.cloud.token("nova")  # issued, never shown to the service yet
    svc = _down(world, "keystone", "kill")
    try:
        # keystonemiddleware's token cache, and the upstreams' caches of the
        # service's own token: no Keystone needed
        st_cached, doc_cached, _ = post(world, {"instance-id": world.bm}, token=seen)
        st, doc, took = post(world, {"instance-id": world.bm}, token=fresh)
    finally:
        _up(svc, "kill")
    assert st_cached == 200 and len(doc_cached["volumes"]) == 2
    note_time("keystone killed, uncached token -> %d" % st, took)
    assert st == 503
    assert "volumes" not in str(doc)


def test_service_works_again_after_the_outages(world):
    got = nova_client(world, world.bm)["volattach"]["volumes"]
    assert len(got) == 2


# ------------------------------------------------------------- the audit

def test_no_secret_in_any_log(world):
    """Every CHAP secret Cinder made, searched in every log the service
    wrote (debug on, keystoneauth and keystonemiddleware at DEBUG), after
    the errors above."""
    assert world.secrets
    logs = []
    for name in ("vendordata", "vendordata-boot"):
        d = world.cloud.path(name)
        if os.path.isdir(d):
            logs += [os.path.join(d, f) for f in os.listdir(d) if f.endswith(".log")]
    text = ""
    for path in logs:
        with open(path, errors="replace") as f:
            text += f.read()
    assert "DEBUG keystoneauth" in text      # the debug logging was really on
    assert "left out attachment" in text     # and the skip reasons were logged
    for s in world.secrets:
        assert s not in text
