#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""End-to-end tests of the volattach binary on this host (no initiator
needed): every metadata fixture through `plan` (exit status, output, JSON,
no secret anywhere), the command line itself, the metadata service against a
real misbehaving HTTP server on 127.0.0.1, config-drive trees and images.

Usage: test-cli.py VOLATTACH FIXTURES_DIR
Ends with "N passed, N failed"; exit status 1 on any failure.
"""
import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

VOLATTACH = os.path.abspath(sys.argv[1])
FIXTURES = os.path.abspath(sys.argv[2])
HERE = os.path.dirname(os.path.abspath(__file__))
passed = failed = 0


def run(*args, timeout=60):
    t0 = time.monotonic()
    p = subprocess.run([VOLATTACH, *args], capture_output=True, text=True, timeout=timeout)
    p.elapsed = time.monotonic() - t0
    return p


def check(name, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL %s %s" % (name, detail[:2000]))


def secrets_of(path):
    """Every value of a key naming a password or secret in a fixture."""
    found = set()
    text = open(path, encoding="utf-8", errors="replace").read()
    for m in re.finditer(r'"([a-z_]*(?:password|secret)[a-z_]*)"\s*:\s*"([^"]+)"', text):
        found.add(m.group(2))
    return found

SCHEMA_PATH = os.path.join(HERE, "..", "..", "docs", "volattach.schema.json")
try:
    import jsonschema  # python3-jsonschema, installed by scripts/deps.sh
    VALIDATOR = jsonschema.Draft202012Validator(json.load(open(SCHEMA_PATH)))
except ImportError:
    VALIDATOR = None


def schema_errors(doc):
    """Every way doc breaks docs/volattach.schema.json, as text."""
    if VALIDATOR is None:
        return ["python3-jsonschema is missing (scripts/deps.sh installs it)"]
    return ["%s: %s" % ("/".join(str(x) for x in e.absolute_path), e.message)
            for e in VALIDATOR.iter_errors(doc)]


def valid(name, p):
    """The --json document on p's stdout, checked against the schema and
    against p's exit status; None (and a failure) when it is not one."""
    try:
        doc = json.loads(p.stdout)
    except ValueError as e:
        check(name + ": stdout is one JSON document", False, "%s: %r" % (e, p.stdout[:300]))
        return None
    errs = schema_errors(doc)
    check(name + ": valid against the schema", not errs, "; ".join(errs)[:1500])
    check(name + ": summary.exit_status is the exit status",
          isinstance(doc.get("summary"), dict) and
          doc["summary"].get("exit_status") == p.returncode,
          "exit %d, %s" % (p.returncode, p.stdout[:300]))
    return doc


def as_nobody(*args):
    """volattach as an unprivileged user (setpriv, util-linux)."""
    t0 = time.monotonic()
    p = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                        VOLATTACH, *args], capture_output=True, text=True, timeout=60)
    p.elapsed = time.monotonic() - t0
    return p


# fixture -> (exit status, strings the text output must contain)
EXPECT = {
    "01-seed-example.json": (0, ["iqn.1994-05.com.redhat:f7897073402d", "192.168.122.250:3260",
                                 "iqn.2018-01.com.example:target", "LUN 0",
                                 "CHAP, user 'guest', secret (set)", "1 to attach"]),
    "02-blog-example-realistic.json": (0, ["1 to attach"]),
    "03-nova-metadata-no-volumes.json": (0, ["0 to attach"]),
    "04-ironic-standalone-empty-volumes.json": (0, ["0 to attach"]),
    "05-single-volume-no-auth-no-connector.json": (0, ["auth        none", "keep the host's"]),
    "06-multipath-portals.json": (0, ["198.51.100.10:3260", "multipath device"]),
    "07-two-volumes-shared-portal.json": (0, ["2 to attach"]),
    "08-two-volumes-shared-target.json": (0, ["share the session"]),
    "09-ipv6-portal.json": (0, ["[2001:db8:100::10]:3260"]),
    "10-ipv6-link-local-portal.json": (1, ["REJECTED", "link-local"]),
    "11-nondefault-port.json": (0, ["203.0.113.20:13260"]),
    "12-portal-variants.json": (0, ["192.168.122.250:3260", "192.168.122.251:3260",
                                    "iscsi-a.storage.example.net:3260", "3 to attach"]),
    "13-discovery-chap.json": (0, ["SendTargets discovery on 10.1.2.3:3260"]),
    "14-mutual-chap-nonstandard-keys.json": (0, ["auth        CHAP"]),
    "15-lun-nonzero-and-sam2.json": (0, ["LUN 7", "LUN 300 (host LUN 16684)"]),
    "16-lun-as-numeric-string.json": (0, ["LUN 0"]),
    "17-readonly-qos-discard.json": (0, ["read-only"]),
    "18-encrypted-volume.json": (0, ["encrypted"]),
    "19-mixed-driver-types.json": (0, ["1 to attach, 2 skipped, 0 rejected"]),
    "20-driver-type-case-and-iser.json": (0, ["1 to attach, 1 skipped"]),
    "21-flattened-attachment-connection-info.json": (1, ["flattened"]),
    "22-truncated.json": (3, []),
    "23-volumes-not-array.json": (3, []),
    "24-wrong-types.json": (1, ["0 to attach, 0 skipped, 6 rejected"]),
    "25-missing-target-fields.json": (1, ["3 rejected"]),
    "31-bad-luns.json": (1, ["1 to attach, 0 skipped, 4 rejected", "LUN 255"]),
    "33-duplicate-volume-ids.json": (1, ["listed twice"]),
    "37-serial-volume-id-mismatch.json": (0, ["ea96421c-8620-49c9-8c41-6d1cf6ade453"]),
    "38-volumes-null.json": (0, ["0 to attach"]),
}


def test_fixtures():
    names = sorted(f for f in os.listdir(FIXTURES) if f.endswith(".json"))
    check("every fixture has an expectation", set(names) == set(EXPECT),
          str(set(names) ^ set(EXPECT)))
    for name in names:
        path = os.path.join(FIXTURES, name)
        code, needles = EXPECT.get(name, (None, []))
        p = run("plan", "--metadata", path)
        check(name + " exit", p.returncode == code,
              "got %d want %s\n%s%s" % (p.returncode, code, p.stdout, p.stderr))
        for n in needles:
            # a reason is in the log (stderr), the report on stdout
            check(name + " says " + n, n in p.stdout + p.stderr, p.stdout + p.stderr)
        for s in secrets_of(path):
            check(name + " hides secrets", s not in p.stdout + p.stderr,
                  "secret found in output")
        # every error names the source file
        for line in p.stderr.splitlines():
            if ": error: " in line:
                check(name + " error names source", name in line, line)
        j = run("plan", "--json", "--metadata", path)
        check(name + " json exit", j.returncode == code, j.stderr)
        doc = valid(name + " plan json", j)
        check(name + " json status", doc is not None and
              doc["summary"]["exit_status"] == code, j.stdout)
        for s in secrets_of(path):
            check(name + " json hides secrets", s not in j.stdout + j.stderr)


def test_seed_json():
    p = run("plan", "--json", "--metadata", os.path.join(FIXTURES, "01-seed-example.json"))
    d = json.loads(p.stdout)
    v = d["volumes"][0]
    check("json initiator", d["initiator"]["name"] == "iqn.1994-05.com.redhat:f7897073402d")
    check("json portal", v["paths"][0]["portal"] == "192.168.122.250:3260")
    check("json iqn", v["paths"][0]["target_iqn"] == "iqn.2018-01.com.example:target")
    check("json lun", v["paths"][0]["lun"] == 0)
    check("json auth", v["auth"] == {"method": "chap", "username": "guest", "secret": "(set)"},
          str(v["auth"]))
    check("json actions", len(v["actions"]) >= 3)


def test_command_line():
    p = run("--help")
    check("help", p.returncode == 0 and "Exit status:" in p.stdout)
    p = run("--version")
    check("version", p.returncode == 0 and p.stdout.startswith("volattach "))
    for args in (["plan", "--bogus"], [], ["frobnicate"], ["plan", "--jobs", "0"],
                 ["plan", "--jobs"], ["plan", "--timeout", "x"], ["detach"],
                 ["detach", "not-a-uuid"], ["detach", "--all", "11111111-2222-3333-4444-555555555555"],
                 ["plan", "extra"], ["watch", "extra"], ["watch", "--interval", "0"],
                 ["watch", "--rounds", "x"], ["attach", "--interval", "5"]):
        p = run(*args)
        check("usage %s" % args, p.returncode == 2, "%d %s" % (p.returncode, p.stderr))
    p = run("plan", "--metadata", "/nonexistent/meta_data.json")
    check("missing file is an environment error", p.returncode == 4 and
          "/nonexistent/meta_data.json" in p.stderr, p.stderr)
    p = run("plan", "--log-level", "debug", "--metadata",
            os.path.join(FIXTURES, "01-seed-example.json"))
    check("debug log hides secrets", "targetsecret" not in p.stdout + p.stderr)
    # --log-file lines carry an RFC 3339 UTC timestamp (with ms), close to now
    d = tempfile.mkdtemp()
    try:
        log = os.path.join(d, "va.log")
        before = datetime.datetime.now(datetime.timezone.utc)
        for _ in range(2):  # appended, run after run
            run("plan", "-v", "--log-file", log, "--metadata",
                os.path.join(FIXTURES, "01-seed-example.json"))
        lines = open(log).read().splitlines()
        stamp = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) (error|warning|notice|"
                           r"info|debug): \S")
        ok = len(lines) >= 2 and all(stamp.match(l) for l in lines)
        if ok:
            first = datetime.datetime.strptime(stamp.match(lines[0]).group(1),
                                               "%Y-%m-%dT%H:%M:%S.%fZ")
            first = first.replace(tzinfo=datetime.timezone.utc)
            ok = abs((first - before).total_seconds()) < 60
        check("--log-file lines have RFC 3339 timestamps", ok, "\n".join(lines[:5]))
    finally:
        shutil.rmtree(d)


# command -> options its --help must list, options it must not (another's)
COMMAND_OPTIONS = {
    "plan": (["--metadata", "--json", "--timeout", "--enforce-multipath"],
             ["--jobs", "--deadline", "--all", "--force", "--state-dir"]),
    "attach": (["--metadata", "--json", "--jobs", "--timeout", "--deadline",
                "--enforce-multipath", "--state-dir"], ["--all", "--force"]),
    "detach": (["--all", "--force", "--state-dir", "--metadata", "--json"],
               ["--jobs", "--timeout", "--deadline"]),
    "status": (["--json", "--state-dir", "--metadata"], ["--jobs", "--all", "--force"]),
    "service": (["--metadata", "--timeout", "--deadline", "--state-dir", "--interval", "--rounds"],
                ["--all", "--force"]),
    "watch": (["--metadata", "--jobs", "--timeout", "--deadline", "--enforce-multipath",
               "--state-dir", "--interval", "--rounds", "--json"], ["--all", "--force"]),
}
GLOBAL_OPTIONS = ["--log-level", "--verbose", "--quiet", "--syslog", "--log-file"]


def listed(text, opt):
    """Whether a help text has a line for opt (not just a mention)."""
    return re.search(r"^  (-\w, )?%s\b" % re.escape(opt), text, re.M) is not None


def test_command_table():
    seed = os.path.join(FIXTURES, "01-seed-example.json")
    general = run("--help").stdout
    for cmd, (own, others) in COMMAND_OPTIONS.items():
        p = run(cmd, "--help")
        check("%s --help exit" % cmd, p.returncode == 0, p.stderr)
        check("%s --help is its own usage" % cmd,
              p.stdout.startswith("Usage: volattach %s" % cmd) and "Commands:" not in p.stdout,
              p.stdout[:300])
        for o in own + GLOBAL_OPTIONS:
            check("%s --help lists %s" % (cmd, o), listed(p.stdout, o), p.stdout)
        for o in others:
            check("%s --help leaves out %s" % (cmd, o), not listed(p.stdout, o), p.stdout)
            check("general help lists %s" % o, listed(general, o), general)
        check("help %s = %s --help" % (cmd, cmd), run("help", cmd).stdout == p.stdout)
        check("--help %s = %s --help" % (cmd, cmd), run("--help", cmd).stdout == p.stdout)
        # another command's option: a usage error naming both, and nothing run
        for o in others:
            args = [cmd, o] + (["1"] if o in ("--jobs", "--timeout", "--deadline") else
                               [seed] if o == "--metadata" else
                               [tempfile.gettempdir()] if o == "--state-dir" else [])
            p = run(*args)
            check("%s %s is a usage error" % (cmd, o), p.returncode == 2 and p.stdout == "" and
                  ("%s is not an option of %s" % (o, cmd)) in p.stderr and
                  ("volattach %s --help" % cmd) in p.stderr,
                  "%d %s %s" % (p.returncode, p.stdout, p.stderr))
    # the wrong option is named where it stands, before or after the command
    p = run("--force", "plan", "--jobs", "2", "--metadata", seed)
    check("first wrong option named", p.returncode == 2 and "--force is not an option of plan"
          in p.stderr, p.stderr)
    p = run("--metadata", seed, "--json", "plan")
    check("options before the command", p.returncode == 0 and json.loads(p.stdout)["volumes"],
          p.stdout + p.stderr)
    p = run("plan", "--metadata=" + seed, "--http-timeout-ms", "500", "-q")
    check("--opt=value, an undocumented option, a global one", p.returncode == 0 and
          "1 to attach" in p.stdout, p.stdout + p.stderr)
    for args in (["help", "frobnicate"], ["help", "plan", "attach"],
                 ["frobnicate", "--help"]):
        p = run(*args)
        check("usage %s" % args, p.returncode == 2 and p.stdout == "", "%d %s" % (p.returncode,
                                                                              p.stderr))
    # under --json even a usage error is a document (docs/json.md)
    for args in (["help", "--json"], ["version", "--json"]):
        p = run(*args)
        check("usage %s" % args, p.returncode == 2, "%d %s" % (p.returncode, p.stderr))
        valid("usage %s" % args, p)
    # the simulator is test code: the binary has the OS's backend only
    p = run("plan", "--backend", "sim", "--metadata", seed)
    check("no sim backend", p.returncode == 2 and "unknown backend 'sim'" in p.stderr, p.stderr)
    p = run("help")
    check("help is the general help", p.returncode == 0 and p.stdout == general)
    p = run("version")
    check("version command", p.returncode == 0 and p.stdout == run("--version").stdout)


def test_directory_and_vendor_data():
    d = tempfile.mkdtemp()
    try:
        latest = os.path.join(d, "openstack", "latest")
        os.makedirs(latest)
        shutil.copy(os.path.join(FIXTURES, "03-nova-metadata-no-volumes.json"),
                    os.path.join(latest, "meta_data.json"))
        seed = json.load(open(os.path.join(FIXTURES, "01-seed-example.json")))
        with open(os.path.join(latest, "vendor_data2.json"), "w") as f:
            json.dump({"static": {}, "volattach": {"volumes": seed["volumes"]}}, f)
        p = run("plan", "--metadata", d)
        check("config-drive tree with vendor_data2", p.returncode == 0 and "1 to attach" in p.stdout
              and "vendor_data2.json: volattach.volumes[0]" in p.stdout, p.stdout + p.stderr)
        with open(os.path.join(latest, "vendor_data.json"), "w") as f:
            f.write("{not json")
        p = run("plan", "--metadata", d)
        check("broken vendor_data is partial", p.returncode == 1 and "1 to attach" in p.stdout
              and "vendor_data.json" in p.stderr, p.stdout + p.stderr)
    finally:
        shutil.rmtree(d)


class MetaServer:
    def __init__(self, body, vendor2=None):
        self.dir = tempfile.mkdtemp()
        self.log = os.path.join(self.dir, "requests.log")
        args = [sys.executable, os.path.join(HERE, "metaserver.py"), "--file", body,
                "--log", self.log]
        if vendor2:
            args += ["--vendor2", vendor2]
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        self.port = int(line.split()[1])

    def url(self, mode):
        return "http://127.0.0.1:%d/%s/openstack/latest/meta_data.json" % (self.port, mode)

    def count(self, mode):
        if not os.path.exists(self.log):
            return 0
        return sum(1 for l in open(self.log) if l.startswith("/%s/openstack/latest/meta_data" % mode))

    def stop(self):
        self.proc.kill()
        self.proc.wait()
        shutil.rmtree(self.dir)


def test_metadata_service():
    seed = os.path.join(FIXTURES, "01-seed-example.json")
    fast = ["--http-timeout", "1", "--http-attempts", "3", "--http-backoff-ms", "50"]
    # libcurl and its ~30 libraries are loaded on the first HTTP request
    # only (start-up time at every boot, BENCHMARKS.md); the request below
    # shows that loading works
    ldd = subprocess.run(["ldd", VOLATTACH], capture_output=True, text=True).stdout
    check("libcurl not linked at start-up", ldd and "libcurl" not in ldd, ldd)
    srv = MetaServer(seed)
    try:
        p = run("plan", "--metadata", srv.url("ok"), *fast)
        check("http ok", p.returncode == 0 and "1 to attach" in p.stdout, p.stdout + p.stderr)
        check("http hides secret", "targetsecret" not in p.stdout + p.stderr)
        # a URL the operator gave that answers 404 is a mistake, not "no
        # metadata" (only the default service's 404 means that)
        p = run("plan", "--metadata", srv.url("notfound"), *fast)
        check("http 404 of a given URL is exit 4", p.returncode == 4 and "404" in p.stderr and
              srv.count("notfound") == 1, p.stderr)
        p = run("plan", "--json", "--metadata", "auto", "--metadata-url", srv.url("notfound"),
                *fast)
        d = valid("http 404 of --metadata-url json", p)
        check("http 404 of --metadata-url is exit 4", p.returncode == 4 and d is not None and
              [e["code"] for e in d["errors"]] == ["metadata_not_found"], p.stdout + p.stderr)
        p = run("plan", "--metadata", srv.url("flaky"), *fast)
        check("http 500 then 200", p.returncode == 0 and "1 to attach" in p.stdout and
              srv.count("flaky") == 3, "%d %s" % (srv.count("flaky"), p.stderr))
        # the retries show at the default level (notice), with what is left
        check("http retries at notice", re.search(
            r"notice: .*: attempt 1 of 3 failed; next try in \d+\.\d s, \d+\.\d s of the "
            r"metadata deadline left", p.stderr) and "attempt 2 of 3 failed" in p.stderr, p.stderr)
        p = run("plan", "--metadata", srv.url("busy"), *fast)
        check("http 429 and 408 retried", p.returncode == 0 and srv.count("busy") == 3, p.stderr)
        p = run("plan", "--metadata", srv.url("forbidden"), *fast)
        check("http 403 is final", p.returncode == 4 and srv.count("forbidden") == 1 and
              "403" in p.stderr, p.stderr)
        p = run("plan", "--metadata", srv.url("stall"), "--http-timeout", "1",
                "--http-attempts", "2", "--http-backoff-ms", "50")
        check("http stall is bounded", p.returncode == 4 and p.elapsed < 5 and
              srv.count("stall") == 2, "%.1fs %s" % (p.elapsed, p.stderr))
        p = run("plan", "--metadata", srv.url("oversize"), *fast)
        # over the 1 MiB bound: unusable metadata (3), as the README says
        check("http oversize body refused", p.returncode == 3 and "larger than" in p.stderr and
              srv.count("oversize") == 1, p.stderr)
        p = run("plan", "--metadata", srv.url("truncated"), *fast)
        check("http truncated body", p.returncode == 4 and "truncated" in p.stderr, p.stderr)
        p = run("plan", "--metadata", srv.url("redirect"), *fast)
        check("http redirect not followed", p.returncode == 4 and srv.count("ok") == 1, p.stderr)
        p = run("plan", "--metadata", "auto", "--metadata-url", srv.url("ok"), *fast)
        check("auto falls back to the service", p.returncode == 0 and "1 to attach" in p.stdout,
              p.stdout + p.stderr)
        p = run("plan", "--metadata", "http://127.0.0.1:1/openstack/latest/meta_data.json",
                *fast)
        check("http connection refused", p.returncode == 4 and "gave up after 3 attempts" in
              p.stderr, p.stderr)
    finally:
        srv.stop()
    v2 = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False)
    json.dump({"dyn": {"volumes": json.load(open(seed))["volumes"]}}, v2)
    v2.close()
    srv = MetaServer(os.path.join(FIXTURES, "03-nova-metadata-no-volumes.json"), v2.name)
    try:
        p = run("plan", "--metadata", srv.url("vendor"), *fast)
        check("http vendor_data2 volumes", p.returncode == 0 and "1 to attach" in p.stdout and
              "vendor_data2.json: dyn.volumes[0]" in p.stdout, p.stdout + p.stderr)
    finally:
        srv.stop()
        os.unlink(v2.name)


# vendor_data2.json as Nova composed it from the vendordata service's real
# answer (vendordata/tests: real Keystone, cinder-api, ironic-api and Nova's
# DynamicVendorData client): {"static": ..., "volattach": {"volumes": ...}}
NOVA_VENDOR2 = os.path.join(HERE, "..", "fixtures", "vendor_data2-nova.json")


def test_nova_vendor_data2():
    doc = json.load(open(NOVA_VENDOR2))
    vols = doc["volattach"]["volumes"]
    secrets = [v["data"]["auth_password"] for v in vols]
    no_volumes = os.path.join(FIXTURES, "03-nova-metadata-no-volumes.json")

    def planned(p, what):
        out = p.stdout + p.stderr
        check(what, p.returncode == 0 and "%d to attach" % len(vols) in p.stdout and
              all("vendor_data2.json: volattach.volumes[%d]" % i in p.stdout
                  for i in range(len(vols))) and
              all(v["data"]["target_iqn"] in p.stdout for v in vols), out)
        check(what + ": no secret", not any(x in out for x in secrets))
        j = run("plan", "--json", *p.args[2:])
        plan = json.loads(j.stdout) if j.returncode == 0 else {}
        ids = sorted(v.get("id") for v in plan.get("volumes", []))
        check(what + ": volume ids and initiator from the connector",
              ids == sorted(v["serial"] for v in vols) and
              vols[0]["connector"]["initiator"] in j.stdout, j.stdout + j.stderr)

    d = tempfile.mkdtemp()
    try:
        latest = os.path.join(d, "openstack", "latest")
        os.makedirs(latest)
        shutil.copy(no_volumes, os.path.join(latest, "meta_data.json"))
        shutil.copy(NOVA_VENDOR2, os.path.join(latest, "vendor_data2.json"))
        planned(run("plan", "--metadata", d), "nova vendor_data2 on a config drive")
    finally:
        shutil.rmtree(d)
    srv = MetaServer(no_volumes, NOVA_VENDOR2)
    try:
        planned(run("plan", "--metadata", srv.url("vendor"), "--http-timeout", "2"),
                "nova vendor_data2 from the metadata service")
    finally:
        srv.stop()


def build_images(tmp, seed):
    """Real config-drive images built the way Nova and Ironic build them."""
    tree = os.path.join(tmp, "tree")
    os.makedirs(os.path.join(tree, "openstack", "latest"))
    shutil.copy(seed, os.path.join(tree, "openstack", "latest", "meta_data.json"))
    images = {}
    iso = os.path.join(tmp, "config.iso")
    subprocess.run(["genisoimage", "-quiet", "-o", iso, "-ldots", "-allow-lowercase",
                    "-allow-multidot", "-l", "-J", "-r", "-V", "config-2", tree], check=True,
                   capture_output=True)
    images["iso9660"] = iso
    vfat = os.path.join(tmp, "config.vfat")
    subprocess.run(["mkfs.vfat", "-C", "-n", "CONFIG-2", vfat, "16384"], check=True,
                   capture_output=True)
    env = dict(os.environ, MTOOLS_SKIP_CHECK="1")
    subprocess.run(["mmd", "-i", vfat, "::openstack", "::openstack/latest"], check=True, env=env)
    subprocess.run(["mcopy", "-i", vfat, os.path.join(tree, "openstack", "latest", "meta_data.json"),
                    "::openstack/latest/meta_data.json"], check=True, env=env)
    images["vfat"] = vfat
    other = os.path.join(tmp, "other.iso")
    subprocess.run(["genisoimage", "-quiet", "-o", other, "-J", "-r", "-V", "data", tree],
                   check=True, capture_output=True)
    images["other"] = other
    return images


def test_config_drive_images():
    if not (shutil.which("genisoimage") and shutil.which("mkfs.vfat") and shutil.which("mcopy")):
        check("config-drive tools installed", False, "genisoimage, dosfstools, mtools")
        return
    tmp = tempfile.mkdtemp()
    try:
        imgs = build_images(tmp, os.path.join(FIXTURES, "01-seed-example.json"))
        for kind in ("iso9660", "vfat"):
            p = run("plan", "--metadata", "configdrive:" + imgs[kind])
            check("config drive " + kind, p.returncode == 0 and "1 to attach" in p.stdout and
                  "config drive" in p.stdout, p.stdout + p.stderr)
            check("config drive %s hides secret" % kind, "targetsecret" not in p.stdout + p.stderr)
        p = run("plan", "--metadata", "configdrive:" + imgs["other"])
        check("explicit non-config-2 image is read with a warning",
              p.returncode == 0 and "not config-2" in p.stderr, p.stderr)
        p = run("plan", "--metadata", "configdrive:" + os.path.join(tmp, "missing.iso"))
        check("missing image", p.returncode == 4, p.stderr)
        junk = os.path.join(tmp, "junk.img")
        with open(junk, "wb") as f:
            f.write(os.urandom(256 * 1024))
        p = run("plan", "--metadata", "configdrive:" + junk)
        check("garbage image is an environment error", p.returncode == 4, p.stderr)
    finally:
        shutil.rmtree(tmp)


def test_status_and_detach_without_state():
    d = tempfile.mkdtemp()
    none = os.path.join(FIXTURES, "03-nova-metadata-no-volumes.json")
    try:
        p = run("status", "--state-dir", d, "--metadata", none)
        check("status with nothing wanted or attached", p.returncode == 0 and
              "No volumes wanted" in p.stdout, p.stdout + p.stderr)
        p = run("status", "--json", "--state-dir", d, "--metadata", none)
        doc = valid("status json", p)
        check("status json", p.returncode == 0 and doc is not None and doc["volumes"] == [])
    finally:
        shutil.rmtree(d)


def test_schema_can_fail():
    """The schema check rejects what the contract forbids, so a pass means
    something: each of these documents is what some command once printed
    or could print by mistake."""
    good = {"schema_version": 1, "command": "status", "summary": {"exit_status": 0},
            "volumes": [], "errors": []}
    check("schema accepts a minimal document", not schema_errors(good), str(schema_errors(good)))
    dev = {"path": "/dev/sda", "by_path": None, "kind": "disk", "wwid": "", "serial": "",
           "size_bytes": 1, "read_only": False}
    bad = {
        "no schema_version": {k: v for k, v in good.items() if k != "schema_version"},
        "exit_status at the top (plan on main)": {"metadata": "file x", "exit_status": 3},
        "no summary.exit_status": dict(good, summary={}),
        "device as a string (status on main)": dict(good, volumes=[
            {"id": "5d30b37e-d113-49e1-b991-16b9d7d33d3e", "status": "attached",
             "paths": [{"portal": "1.2.3.4:3260", "target_iqn": "iqn.2000-01.x:y", "lun": 0,
                        "device": "/dev/sda"}]}]),
        "error without a code": dict(good, summary={"exit_status": 1}, errors=[
            {"level": "error", "text": "x", "source": None, "key": None, "volume": None}]),
        "an unknown error code": dict(good, summary={"exit_status": 1}, errors=[
            {"code": "oops", "level": "error", "text": "x", "source": None, "key": None,
             "volume": None}]),
        "a failure without an error": dict(good, summary={"exit_status": 4}),
        "a secret in the clear": dict(good, command="plan", volumes=[
            {"id": "5d30b37e-d113-49e1-b991-16b9d7d33d3e", "status": "planned",
             "auth": {"method": "chap", "username": "u", "secret": "hunter2hunter2"}}]),
        "a device without its path": dict(good, volumes=[
            {"id": "5d30b37e-d113-49e1-b991-16b9d7d33d3e", "status": "attached",
             "device": {k: v for k, v in dev.items() if k != "path"}}]),
    }
    for what, doc in bad.items():
        check("schema rejects " + what, schema_errors(doc) != [], json.dumps(doc))


def test_contract_every_command():
    """Every command's --json, success and failure, is one document of the
    schema; the error paths are the ones that drifted."""
    d = tempfile.mkdtemp()
    seed = os.path.join(FIXTURES, "01-seed-example.json")
    none = os.path.join(FIXTURES, "03-nova-metadata-no-volumes.json")
    trunc = os.path.join(FIXTURES, "22-truncated.json")
    missing = os.path.join(d, "no-such-file.json")
    vid = "5d30b37e-d113-49e1-b991-16b9d7d33d3e"
    sd = ["--state-dir", os.path.join(d, "state")]
    cases = [
        ("plan usage error", ["plan", "--json", "--no-such-option"], 2, "usage"),
        ("plan with an argument", ["plan", "--json", "extra"], 2, "usage"),
        ("plan unreadable metadata", ["plan", "--json", "--metadata", missing], 4,
         "metadata_unreachable"),
        ("plan invalid metadata", ["plan", "--json", "--metadata", trunc], 3, "metadata_invalid"),
        ("attach no volumes", ["attach", "--json", "--metadata", none, *sd], 0, None),
        ("attach invalid metadata", ["attach", "--json", "--metadata", trunc, *sd], 3,
         "metadata_invalid"),
        ("attach unreadable metadata", ["attach", "--json", "--metadata", missing, *sd], 4,
         "metadata_unreachable"),
        ("attach usage error", ["attach", "--json", "--all"], 2, "usage"),
        ("detach usage error", ["detach", "--json"], 2, "usage"),
        ("detach not a UUID", ["detach", "--json", "nope"], 2, "usage"),
        ("detach a volume already gone", ["detach", "--json", vid, "--metadata", seed, *sd], 0,
         None),
        ("status nothing wanted", ["status", "--json", "--metadata", none, *sd], 0, None),
        ("status wanted but missing", ["status", "--json", "--metadata", seed, *sd], 1,
         "volume_missing"),
        ("status no metadata", ["status", "--json", "--metadata", missing, *sd], 4,
         "metadata_unreachable"),
        ("status invalid metadata", ["status", "--json", "--metadata", trunc, *sd], 3,
         "metadata_invalid"),
        ("watch one round", ["watch", "--json", "--rounds", "1", "--metadata", none, *sd], 0,
         None),
        ("watch unreadable", ["watch", "--json", "--rounds", "1", "--metadata", missing, *sd],
         4, "metadata_unreachable"),
        ("uninstall-state usage", ["uninstall-state", "--json", "extra"], 2, "usage"),
        # no volume, so no portal is dialled
        ("check no volumes", ["check", "--json", "--metadata", none], None, None),
        ("check unreadable metadata", ["check", "--json", "--metadata", missing], 4,
         "metadata_unreachable"),
        ("check usage", ["check", "--json", "extra"], 2, "usage"),
        ("configuration file unreadable", ["plan", "--json", "--config",
                                           os.path.join(d, "absent.conf")], 4,
         "config_unreadable"),
        ("no command", ["--json"], 2, "usage"),
        ("unknown command", ["--json", "frobnicate"], 2, "usage"),
        ("log file unusable", ["plan", "--json", "--metadata", seed, "--log-file",
                               os.path.join(missing, "x.log")], 4, "log_file_unusable"),
    ]
    try:
        for name, args, code, err in cases:
            p = run(*args)
            # None: whatever this host makes of it, as long as the document says so
            check(name + ": exit %s" % code, code is None or p.returncode == code,
                  "got %d\n%s%s" % (p.returncode, p.stdout, p.stderr))
            doc = valid(name, p)
            if doc is not None and err is not None:
                check(name + ": error code " + err, err in [e["code"] for e in doc["errors"]],
                      json.dumps(doc["errors"])[:600])
        for cmd in (["attach", "--metadata", none], ["detach", vid], ["watch", "--rounds", "1"],
                    ["uninstall-state"]):
            p = as_nobody(cmd[0], "--json", *cmd[1:], *sd)
            check(cmd[0] + " as non-root: exit 4", p.returncode == 4, p.stdout + p.stderr)
            doc = valid(cmd[0] + " as non-root", p)
            check(cmd[0] + " as non-root: not_privileged", doc is not None and
                  [e["code"] for e in doc["errors"]] == ["not_privileged"], p.stdout)
    finally:
        shutil.rmtree(d)


def test_behaviour_fixes():
    d = tempfile.mkdtemp()
    seed = os.path.join(FIXTURES, "01-seed-example.json")
    vid = "5d30b37e-d113-49e1-b991-16b9d7d33d3e"
    try:
        # detach of what is not attached is success, and it says so
        p = run("detach", vid, "--metadata", seed, "--state-dir", d)
        check("detach of a gone volume: exit 0", p.returncode == 0, p.stdout + p.stderr)
        check("detach of a gone volume says so", "already detached" in p.stdout, p.stdout)
        # a LUN of 2^64 is shown as the document writes it
        p = run("plan", "--metadata", os.path.join(FIXTURES, "31-bad-luns.json"))
        check("LUN shown as written", "18446744073709551616 is out of range" in p.stderr and
              "1000000000000000" not in p.stdout + p.stderr, p.stderr)
        # each error once: one conflict between two items is one message,
        # and the report does not repeat it
        p = run("plan", "--metadata", os.path.join(FIXTURES, "33-duplicate-volume-ids.json"))
        out = p.stdout + p.stderr
        check("plan: each error printed once", out.count("listed twice") == 1, out)
        p = run("plan", "--metadata", os.path.join(FIXTURES, "31-bad-luns.json"))
        out = p.stdout + p.stderr
        for needle in ("must not be negative", "18446744073709551616",
                       "must be an integer, not a fraction", "'abc' is not a number"):
            check("plan: printed once: " + needle, out.count(needle) == 1, out)
        # attach (every item rejected: no initiator is touched on this host)
        p = run("attach", "--state-dir", d, "--metadata",
                os.path.join(FIXTURES, "24-wrong-types.json"))
        out = p.stdout + p.stderr
        errors = [l.split(": error: ", 1)[1] for l in p.stderr.splitlines() if ": error: " in l]
        check("attach: errors said", len(errors) == 6, p.stderr)
        for e in errors:
            check("attach: printed once: " + e[:60], out.count(e) == 1, out)
        p = run("plan", "--json", "--metadata", os.path.join(FIXTURES, "33-duplicate-volume-ids.json"))
        doc = json.loads(p.stdout)
        check("json: the conflict is one error", [e["code"] for e in doc["errors"]] ==
              ["volume_conflict"], json.dumps(doc["errors"]))
        # an error names its source, key and volume for a machine
        p = run("plan", "--json", "--metadata", os.path.join(FIXTURES, "31-bad-luns.json"))
        doc = json.loads(p.stdout)
        e = [e for e in doc["errors"] if "18446744073709551616" in e["text"]]
        check("json error has source, key and volume", len(e) == 1 and
              e[0]["code"] == "invalid_item" and e[0]["key"] == "data.target_lun" and
              e[0]["source"].endswith("31-bad-luns.json: volumes[1]") and
              e[0]["volume"] == "19c6fb9c-a5c4-4ee4-be6c-dee6e0dacab2", json.dumps(e))
    finally:
        shutil.rmtree(d)


def test_status_against_metadata():
    d = tempfile.mkdtemp()
    seed = os.path.join(FIXTURES, "01-seed-example.json")
    vid = "5d30b37e-d113-49e1-b991-16b9d7d33d3e"
    try:
        # wanted and not on the host: missing, and not all well
        p = run("status", "--metadata", seed, "--state-dir", d)
        check("status: a wanted volume not attached is missing", p.returncode == 1 and
              "Volume %s: missing" % vid in p.stdout, p.stdout + p.stderr)
        # the last attach's error from the result file makes it failed
        result = {"schema_version": 1, "command": "attach", "summary": {"exit_status": 1},
                  "volumes": [{"id": vid, "status": "failed", "error": "login refused: CHAP"}],
                  "errors": []}
        with open(os.path.join(d, "result.json"), "w") as f:
            json.dump(result, f)
        p = run("status", "--json", "--metadata", seed, "--state-dir", d)
        doc = valid("status failed", p)
        v = doc["volumes"][0] if doc and doc["volumes"] else {}
        check("status: failed with the last error", p.returncode == 1 and
              v.get("status") == "failed" and v.get("error") == "login refused: CHAP", p.stdout)
        # no metadata: said, non-zero, and the host still reported
        p = run("status", "--metadata", os.path.join(d, "absent.json"), "--state-dir", d)
        check("status: no metadata is said and exit 4", p.returncode == 4 and
              "not reachable" in p.stdout and "Summary:" in p.stdout, p.stdout + p.stderr)
    finally:
        shutil.rmtree(d)


def test_result_file():
    """attach and every watch round leave the run's document in
    STATE_DIR/result.json: root-only, valid, and with no secret in it."""
    d = tempfile.mkdtemp()
    try:
        for name in ("24-wrong-types.json", "10-ipv6-link-local-portal.json",
                     "03-nova-metadata-no-volumes.json", "22-truncated.json"):
            path = os.path.join(FIXTURES, name)
            sd = os.path.join(d, name)
            p = run("attach", "--json", "--metadata", path, "--state-dir", sd)
            rf = os.path.join(sd, "result.json")
            check(name + ": attach wrote result.json", os.path.exists(rf), p.stderr)
            if not os.path.exists(rf):
                continue
            st = os.stat(rf)
            check(name + ": result.json is 0600", st.st_mode & 0o777 == 0o600, oct(st.st_mode))
            text = open(rf).read()
            doc = json.loads(text)
            check(name + ": result.json is the document printed", doc == json.loads(p.stdout))
            errs = schema_errors(doc)
            check(name + ": result.json valid", not errs, str(errs))
            for s in secrets_of(path):
                check(name + ": no secret in result.json", s not in text)
            check(name + ": no temporary file left",
                  [f for f in os.listdir(sd) if "volattach-" in f] == [], str(os.listdir(sd)))
        sd = os.path.join(d, "watch")
        p = run("watch", "--json", "--rounds", "2", "--interval", "1", "--metadata",
                os.path.join(FIXTURES, "03-nova-metadata-no-volumes.json"), "--state-dir", sd)
        lines = p.stdout.splitlines()
        check("watch --json: one document per round", len(lines) == 2, p.stdout)
        docs = [json.loads(l) for l in lines]
        check("watch rounds numbered", [x.get("round") for x in docs] == [1, 2], p.stdout)
        for x in docs:
            check("watch round valid", not schema_errors(x), str(schema_errors(x)))
        rf = os.path.join(sd, "result.json")
        check("watch keeps result.json current", os.path.exists(rf) and
              json.load(open(rf)) == docs[-1], p.stderr)
    finally:
        shutil.rmtree(d)


def main():
    for t in (test_fixtures, test_seed_json, test_command_line, test_command_table,
              test_directory_and_vendor_data,
              test_metadata_service, test_nova_vendor_data2, test_config_drive_images,
              test_status_and_detach_without_state, test_schema_can_fail,
              test_contract_every_command, test_behaviour_fixes, test_status_against_metadata,
              test_result_file):
        try:
            t()
        except Exception as e:  # a crash in a test is a failure, not a skip
            check(t.__name__, False, "raised %r" % e)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
