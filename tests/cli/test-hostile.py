#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Hostile input through the real volattach binary (issue 11): non-regular
files, links out of a config-drive tree, paths and URLs too long to build,
values on flags, log injection, bounds across documents, strict JSON
numbers, blanks around CHAP fields, credentials in URLs, forged state files,
and the metadata deadline. Each check fails on a volattach without the
matching defence (a hang shows as a timeout, which is a failure).

Usage: test-hostile.py VOLATTACH FIXTURES_DIR
Ends with "N passed, N failed"; exit status 1 on any failure.
"""
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("testcli", os.path.join(HERE, "test-cli.py"))
cli = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(cli)  # its helpers only: main() runs under __main__
run, check, MetaServer, FIXTURES = cli.run, cli.check, cli.MetaServer, cli.FIXTURES
SEED = os.path.join(FIXTURES, "01-seed-example.json")


def run_bounded(*args, env=None, timeout=30):
    """A run that would block forever is a failure, not a hung test."""
    try:
        t0 = time.monotonic()
        p = subprocess.run([cli.VOLATTACH, *args], capture_output=True, text=True,
                           timeout=timeout, env=env, errors="surrogateescape")
        p.elapsed = time.monotonic() - t0
        return p
    except subprocess.TimeoutExpired:
        return None


def tree(root, files):
    latest = os.path.join(root, "openstack", "latest")
    os.makedirs(latest, exist_ok=True)
    for name, body in files.items():
        with open(os.path.join(latest, name), "w") as f:
            f.write(body if isinstance(body, str) else json.dumps(body))
    return latest


def seed_doc():
    return json.load(open(SEED))


def volumes(n, first_lun=0):
    v = seed_doc()["volumes"][0]
    out = []
    for i in range(n):
        w = json.loads(json.dumps(v))
        w["serial"] = "%08x-0000-4000-8000-%012x" % (first_lun + i, first_lun + i)
        w["data"]["target_lun"] = first_lun + i
        w["data"].pop("volume_id", None)
        out.append(w)
    return out


def test_fifos(tmp):
    fifo = os.path.join(tmp, "meta_data.json")
    os.mkfifo(fifo)
    p = run_bounded("plan", "--metadata", fifo)
    check("FIFO as --metadata: refused, not blocked", p is not None and p.returncode == 4 and
          "not a regular file" in p.stderr, p and p.stderr or "blocked")
    p = run_bounded("plan", "--metadata", "configdrive:" + fifo)
    check("FIFO as configdrive:", p is not None and p.returncode == 4 and
          "not a block device" in p.stderr, p and p.stderr or "blocked")
    d = os.path.join(tmp, "fifotree")
    latest = tree(d, {})
    os.mkfifo(os.path.join(latest, "meta_data.json"))
    p = run_bounded("plan", "--metadata", d)
    check("FIFO as meta_data.json in a tree", p is not None and p.returncode == 4 and
          "not a regular file" in p.stderr, p and p.stderr or "blocked")
    d = os.path.join(tmp, "fifovendor")
    latest = tree(d, {"meta_data.json": seed_doc()})
    os.mkfifo(os.path.join(latest, "vendor_data.json"))
    os.mkfifo(os.path.join(latest, "vendor_data2.json"))
    p = run_bounded("plan", "--metadata", d)
    check("FIFO vendor_data*.json: left out, meta_data's volume planned", p is not None and
          p.returncode == 1 and "1 to attach" in p.stdout and "not a regular file" in p.stderr,
          p and p.stdout + p.stderr or "blocked")
    # the file form reads the siblings of meta_data.json the same way
    p = run_bounded("plan", "--metadata", os.path.join(latest, "meta_data.json"))
    check("FIFO siblings of a meta_data.json file", p is not None and p.returncode == 1 and
          "1 to attach" in p.stdout, p and p.stdout + p.stderr or "blocked")


def test_links(tmp):
    other = os.path.join(tmp, "elsewhere.json")
    shutil.copy(SEED, other)
    for name, target in (("shadow", "/etc/shadow"), ("environ", "/proc/self/environ"),
                         ("json", other)):
        d = os.path.join(tmp, "link-" + name)
        latest = tree(d, {})
        os.symlink(target, os.path.join(latest, "meta_data.json"))
        p = run_bounded("plan", "--metadata", d)
        check("meta_data.json -> %s refused" % target, p is not None and p.returncode == 4 and
              "symbolic link" in p.stderr and "1 to attach" not in p.stdout,
              p and p.stdout + p.stderr)
    # a link higher up the tree: openstack -> a tree elsewhere
    real = os.path.join(tmp, "real")
    tree(real, {"meta_data.json": seed_doc()})
    d = os.path.join(tmp, "link-dir")
    os.makedirs(d)
    os.symlink(os.path.join(real, "openstack"), os.path.join(d, "openstack"))
    p = run_bounded("plan", "--metadata", d)
    check("openstack/ -> another tree refused", p is not None and p.returncode == 4 and
          "symbolic link" in p.stderr, p and p.stdout + p.stderr)
    # a vendor document linked out: left out with a warning, the rest planned
    d = os.path.join(tmp, "link-vendor")
    latest = tree(d, {"meta_data.json": {"uuid": "x"}})
    v2 = os.path.join(tmp, "v2.json")
    json.dump({"p": {"volumes": seed_doc()["volumes"]}}, open(v2, "w"))
    os.symlink(v2, os.path.join(latest, "vendor_data2.json"))
    p = run_bounded("plan", "--metadata", d)
    check("vendor_data2.json -> elsewhere left out", p is not None and p.returncode == 1 and
          "0 to attach" in p.stdout and "symbolic link" in p.stderr, p and p.stdout + p.stderr)
    # the directory named on the command line may itself be a link
    lnk = os.path.join(tmp, "root-link")
    os.symlink(real, lnk)
    p = run_bounded("plan", "--metadata", lnk)
    check("the named directory may be a link", p is not None and p.returncode == 0 and
          "1 to attach" in p.stdout, p and p.stdout + p.stderr)


def test_truncation(tmp):
    # a directory path of ~490 bytes: before, the name was cut at 511 bytes
    # and a stray ".../meta_da" was read instead
    d = tmp
    while len(d) < 470:
        d = os.path.join(d, "d" * min(60, 490 - len(d) - 1))
    d = os.path.join(d, "x" * max(1, 490 - len(d) - 1))
    latest = tree(d, {})
    full = os.path.join(latest, "meta_data.json")
    stray = full[:511]
    os.makedirs(os.path.dirname(stray), exist_ok=True)
    shutil.copy(SEED, stray)
    p = run_bounded("plan", "--metadata", d)
    check("~490-byte directory: usage error naming --metadata", p is not None and
          p.returncode == 2 and "--metadata" in p.stderr and "too long" not in p.stdout and
          "1 to attach" not in p.stdout, p and "%d %s" % (p.returncode, p.stdout + p.stderr))
    srv = MetaServer(SEED)
    try:
        url = "http://127.0.0.1:%d/ok/%s/" % (srv.port, "u" * 480)
        p = run_bounded("plan", "--metadata", url, "--http-attempts", "1")
        check("long URL: usage error, not a 404 'nothing to do'", p is not None and
              p.returncode == 2 and "--metadata" in p.stderr, p and p.stdout + p.stderr)
        p = run_bounded("plan", "--metadata", "auto", "--metadata-url", url + "x" * 100,
                        "--http-attempts", "1")
        check("long --metadata-url: usage error", p is not None and p.returncode == 2 and
              "--metadata-url" in p.stderr, p and p.stdout + p.stderr)
    finally:
        srv.stop()


def test_flags(tmp):
    # harmless even where the flag is taken: no metadata to attach, no state
    # to detach (an unfixed volattach exits 4 or 0 here, never 2)
    none = os.path.join(tmp, "missing", "meta_data.json")
    for args in (("plan", "--json=no", "--metadata", SEED),
                 ("attach", "--enforce-multipath=false", "--metadata", none, "--state-dir", tmp),
                 ("detach", "--force=no", "--all", "--state-dir", tmp),
                 ("plan", "--syslog=0", "--metadata", SEED)):
        p = run_bounded(*args)
        check("%s is a usage error" % args[1], p is not None and p.returncode == 2 and
              "takes no value" in p.stderr, p and p.stderr)


def test_log_injection(tmp):
    doc = seed_doc()
    data = doc["volumes"][0]["data"]
    data["target_portals"] = [data["target_portal"]]
    data["target_iqns"] = [data["target_iqn"]]
    data["target_iqn"] = "iqn.2018-01.com.example:x\n<0>volattach: error: forged\x1b[2J"
    f = os.path.join(tmp, "inject.json")
    json.dump(doc, open(f, "w"))
    env = dict(os.environ, JOURNAL_STREAM="8:1234")
    p = run_bounded("plan", "--metadata", f, env=env)
    lines = p.stderr.splitlines() if p else []
    check("a bad singular target_iqn is validated (rejected)", p is not None and
          p.returncode == 1 and "data.target_iqn" in p.stderr, p and p.stdout + p.stderr)
    check("no raw ESC or forged journal line", p is not None and "\x1b" not in p.stderr and
          "\x1b" not in p.stdout and not any(l.startswith("<0>") for l in lines) and
          all(l[:1] == "<" and l[2:3] == ">" for l in lines), p and repr(p.stderr))
    # a message from any origin, here a path on the command line, is escaped
    p = run_bounded("plan", "--metadata", "/nonexistent\n<0>volattach: forged\x1b[31m", env=env)
    lines = p.stderr.splitlines() if p else []
    check("sinks escape every message", p is not None and p.returncode == 4 and
          not any(l.startswith("<0>") for l in lines) and "\x1b" not in p.stderr and
          "\\x0a" in p.stderr, p and repr(p.stderr))
    log = os.path.join(tmp, "va.log")
    p = run_bounded("plan", "--metadata", "/nonexistent\nerror: forged", "--log-file", log)
    text = open(log).read() if os.path.exists(log) else ""
    check("--log-file escaped too", p is not None and text.count("\n") == 1 and
          "\\x0a" in text, repr(text))


def test_bounds(tmp):
    d = os.path.join(tmp, "bounds")
    tree(d, {"meta_data.json": {"volumes": volumes(100)},
             "vendor_data.json": {"volumes": volumes(100, 100)},
             "vendor_data2.json": {"p": {"volumes": volumes(100, 200)}}})
    p = run_bounded("plan", "--metadata", d, timeout=120)
    check("256 volumes per run across the three documents", p is not None and
          p.returncode == 1 and "200 to attach" in p.stdout and "more than 256 in one run" in
          p.stderr, p and p.stdout[-300:] + p.stderr[-600:])
    big = os.path.join(tmp, "big.json")
    with open(big, "w") as f:
        f.write('{"volumes": []' + " " * (1024 * 1024) + "}")
    p = run_bounded("plan", "--metadata", big)
    check("a file over 1 MiB exits 3, as the README says", p is not None and
          p.returncode == 3 and "larger than" in p.stderr, p and p.stderr)
    seed = open(SEED).read()
    for what, text in (("leading zero", seed.replace('"target_lun": 0', '"target_lun": 012')),
                       ("no digit after '.'", seed.replace('"target_lun": 0', '"target_lun": 1.')),
                       ("control byte between tokens", seed.replace("{", "{\x01", 1))):
        f = os.path.join(tmp, "lenient.json")
        with open(f, "w") as fh:
            fh.write(text)
        check("fixture edit applies: " + what, text != seed)
        p = run_bounded("plan", "--metadata", f)
        check("RFC 8259: %s rejected (exit 3)" % what, p is not None and p.returncode == 3,
              p and p.stdout + p.stderr)


def test_chap_blanks(tmp):
    for field, value in (("auth_password", " targetsecret"), ("auth_password", "targetsecret\t"),
                         ("auth_username", "guest ")):
        doc = seed_doc()
        doc["volumes"][0]["data"][field] = value
        f = os.path.join(tmp, "blank.json")
        json.dump(doc, open(f, "w"))
        p = run_bounded("plan", "--metadata", f)
        check("CHAP %s with a blank at an end rejected at plan" % field, p is not None and
              p.returncode == 1 and "begin or end with a blank" in p.stderr and
              "targetsecret" not in p.stdout + p.stderr, p and p.stdout + p.stderr)


def test_url_credentials():
    for url in ("http://admin:hunter2secret@127.0.0.1:1/openstack/latest/meta_data.json",
                "http://hunter2secret@127.0.0.1:1/"):
        p = run_bounded("plan", "--metadata", url, "--http-attempts", "2",
                        "--http-backoff-ms", "10", "-v")
        check("credentials in a URL are never printed", p is not None and p.returncode == 4 and
              "hunter2secret" not in p.stdout + p.stderr and "127.0.0.1:1" in p.stderr,
              p and p.stderr)
    srv = MetaServer(SEED)
    try:
        url = "http://u:hunter2secret@127.0.0.1:%d/notfound/openstack/latest/meta_data.json" % srv.port
        p = run_bounded("plan", "--metadata", url, "-v")
        # a URL given explicitly that answers 404 is an error (exit 4), still redacted
        check("credentials hidden in a 404 notice", p is not None and p.returncode == 4 and
              "404" in p.stderr and "hunter2secret" not in p.stdout + p.stderr, p and p.stderr)
    finally:
        srv.stop()


def test_state_files(tmp):
    d = os.path.join(tmp, "state")
    os.makedirs(os.path.join(d, "volumes"))
    vid = "7b2c4f0e-1234-4abc-8def-0123456789ab"
    good = {"id": vid, "source": "meta_data.json: volumes[0]", "read_only": False,
            "device": {"kind": "disk", "path": "/dev/sdb", "name": "sdb", "size_bytes": 1024},
            "paths": [{"portal": "127.0.0.1:3260", "target_iqn": "iqn.2003-01.org.x:t", "lun": 0,
                       "host_lun": 0, "device": {"path": "/dev/sdb", "name": "sdb"}}]}
    for what, edit in (("lun 1e300", lambda s: s["paths"][0].__setitem__("lun", 1e300)),
                       ("size_bytes -5", lambda s: s["device"].__setitem__("size_bytes", -5)),
                       ("size_bytes 1e30", lambda s: s["device"].__setitem__("size_bytes", 1e30)),
                       ("ESC in the device path",
                        lambda s: s["device"].__setitem__("path", "/dev/sdb\x1b[2J\n<0>x")),
                       ("a name with a slash", lambda s: s["device"].__setitem__("name", "../sda"))):
        s = json.loads(json.dumps(good))
        edit(s)
        json.dump(s, open(os.path.join(d, "volumes", vid + ".json"), "w"))
        p = run_bounded("status", "--state-dir", d)
        out = p.stdout + p.stderr if p else ""
        check("state file with %s refused, nothing raw printed" % what, p is not None and
              "is not valid" in p.stderr and "\x1b" not in out and
              "UndefinedBehaviorSanitizer" not in out and "runtime error" not in out,
              repr(out)[:800])


def test_metadata_deadline():
    empty = os.path.join(FIXTURES, "03-nova-metadata-no-volumes.json")
    srv = MetaServer(empty)
    try:
        url = "http://127.0.0.1:%d/stallvendor/openstack/latest/meta_data.json" % srv.port
        p = run_bounded("plan", "--metadata", url, "--metadata-deadline", "4",
                        "--http-timeout", "3", timeout=120)
        # the outcome, not a wall-clock bound: the vendor documents are left
        # out because the run's deadline passed (printed for the record)
        ok = p is not None and p.returncode == 1 and "metadata deadline" in p.stderr
        check("a stalled vendor document ends at the run's deadline", ok,
              p and p.stderr or "no end")
        if p is not None:
            print("metadata deadline 4 s, per-request timeout 3 s: run took %.1f s" % p.elapsed)
        p = run_bounded("plan", "--metadata-deadline", "0")
        check("--metadata-deadline 0 is a usage error", p is not None and p.returncode == 2)
    finally:
        srv.stop()


def test_lock(tmp):
    """attach waits for the state directory's lock, then runs."""
    import fcntl
    if os.geteuid() != 0:
        check("root for the attach lock test", False, "run as root")
        return
    empty = os.path.join(FIXTURES, "03-nova-metadata-no-volumes.json")
    with open(os.path.join(tmp, "lock"), "w") as held:
        held.write("4242\n")
        held.flush()
        fcntl.flock(held, fcntl.LOCK_EX)
        p = subprocess.Popen([cli.VOLATTACH, "attach", "--state-dir", tmp, "--metadata", empty],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(2)
        waiting = p.poll() is None
        fcntl.flock(held, fcntl.LOCK_UN)
    try:
        out, err = p.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
    check("a second attach waits for the lock, then runs", waiting and p.returncode == 0 and
          "another volattach run (pid 4242) holds" in err, "%s %r" % (p.returncode, err))


def main():
    tmp = tempfile.mkdtemp()
    try:
        for t in (test_fifos, test_links, test_truncation, test_flags, test_log_injection,
                  test_bounds, test_chap_blanks, test_state_files, test_lock):
            sub = os.path.join(tmp, t.__name__)
            os.makedirs(sub)
            try:
                t(sub)
            except Exception as e:
                check(t.__name__, False, "raised %r" % e)
        for t in (test_url_credentials, test_metadata_deadline):
            try:
                t()
            except Exception as e:
                check(t.__name__, False, "raised %r" % e)
    finally:
        shutil.rmtree(tmp)
    print("%d passed, %d failed" % (cli.passed, cli.failed))
    return 1 if cli.failed else 0


if __name__ == "__main__":
    sys.exit(main())
