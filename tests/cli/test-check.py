#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""`volattach check` end to end on this host, its network traffic kept in a
network namespace of its own (unshare -n: loopback, plus a veth pair with a
default route into it that leads nowhere): a portal that answers, one that
refuses, one with no route, one only the default route reaches; text and
--json; the exit status; and /etc/iscsi byte for byte unchanged.

Usage: test-check.py VOLATTACH FIXTURES_DIR
Ends with "N passed, N failed"; exit status 1 on any failure.
"""
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile

VOLATTACH = os.path.abspath(sys.argv[1])
FIXTURES = os.path.abspath(sys.argv[2])
passed = failed = 0

NETNS = r"""
set -e
ip link set lo up
if [ "${VA_CHECK_VETH:-}" = 1 ]; then
        # a kernel without veth: said so, and those checks are not run
        if ip link add st0 type veth peer name st1 2>/dev/null; then
                ip link set st0 mtu 9000 up
                ip link set st1 mtu 9000 up
                ip addr add 10.99.0.2/24 dev st0
                ip route add default via 10.99.0.1
        else
                : >"$VA_CHECK_TMP/noveth"
        fi
fi
python3 -c '
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 13260))
s.listen(8)
print("ready", flush=True)
time.sleep(60)
' > "$VA_CHECK_TMP/listener" &
while ! grep -q ready "$VA_CHECK_TMP/listener" 2>/dev/null; do sleep 0.05; done
set +e
"$@"
rc=$?
kill $! 2>/dev/null
exit $rc
"""


def check(name, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL %s %s" % (name, detail[:3000]))


def volume(uuid, portals, initiator=None):
    v = {"driver_volume_type": "iscsi", "serial": uuid,
         "data": {"target_iqn": "iqn.2003-01.org.example:" + uuid[:4],
                  "target_portal": portals[0], "target_lun": 0, "volume_id": uuid}}
    if initiator:
        v["connector"] = {"initiator": initiator}
    if len(portals) > 1:
        v["data"]["target_portals"] = portals
        v["data"]["target_iqns"] = [v["data"]["target_iqn"]] * len(portals)
        v["data"]["target_luns"] = [0] * len(portals)
    return v


def tree_digest(root):
    """Every path under root with its type, mode, owner and bytes."""
    h = hashlib.sha256()
    if not os.path.exists(root):
        return "absent"
    for d, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(dirs + files):
            p = os.path.join(d, name)
            st = os.lstat(p)
            h.update(("%s %o %d %d %d\n" % (p, st.st_mode, st.st_uid, st.st_gid,
                                            st.st_mtime_ns)).encode())
            if os.path.isfile(p) and not os.path.islink(p):
                with open(p, "rb") as f:
                    h.update(f.read())
    st = os.stat(root)
    h.update(("%o %d" % (st.st_mode, st.st_mtime_ns)).encode())
    return h.hexdigest()


def in_netns(tmp, args, veth=False):
    env = dict(os.environ, VA_CHECK_TMP=tmp, VA_CHECK_VETH="1" if veth else "")
    return subprocess.run(["unshare", "-n", "sh", "-c", NETNS, "sh", VOLATTACH, *args],
                          capture_output=True, text=True, timeout=120, env=env)


def test_command_line():
    p = subprocess.run([VOLATTACH, "--help"], capture_output=True, text=True)
    check("check in --help", "  check " in p.stdout, p.stdout)
    p = subprocess.run([VOLATTACH, "check", "extra"], capture_output=True, text=True)
    check("check takes no arguments", p.returncode == 2, p.stderr)
    p = subprocess.run([VOLATTACH, "check", "--force"], capture_output=True, text=True)
    check("check takes no --force", p.returncode == 2 and "not an option of check" in p.stderr,
          p.stderr)
    p = subprocess.run([VOLATTACH, "check", "--help"], capture_output=True, text=True)
    check("check --help", p.returncode == 0 and "--metadata" in p.stdout and
          "--json" in p.stdout, p.stdout)


def test_portals(tmp):
    meta = os.path.join(tmp, "meta.json")
    with open(meta, "w") as f:
        json.dump({"uuid": "u", "volumes": [
            volume("11111111-1111-4111-8111-111111111111", ["127.0.0.1:13260"],
                   "iqn.2004-10.com.example:check"),
            volume("22222222-2222-4222-8222-222222222222", ["127.0.0.2:13261"]),
            volume("33333333-3333-4333-8333-333333333333", ["10.77.0.5:3260"]),
            volume("44444444-4444-4444-8444-444444444444", ["192.0.2.10:3260"]),
        ]}, f)
    before = tree_digest("/etc/iscsi")
    p = in_netns(tmp, ["check", "--metadata", meta, "--json"], veth=True)
    after = tree_digest("/etc/iscsi")
    check("/etc/iscsi unchanged by check", before == after)
    try:
        d = json.loads(p.stdout)
    except ValueError:
        check("check --json is JSON", False, p.stdout + p.stderr)
        return
    check("a failed check exits 1", p.returncode == 1 and d["summary"]["exit_status"] == 1,
          "%d %s" % (p.returncode, p.stderr))
    portals = {c["subject"]: c for c in d["checks"] if c["check"] == "portal"}
    check("every portal checked once", sorted(portals) ==
          ["10.77.0.5:3260", "127.0.0.1:13260", "127.0.0.2:13261", "192.0.2.10:3260"],
          str(sorted(portals)))
    ok = portals.get("127.0.0.1:13260", {})
    check("listening portal ok", ok.get("status") == "ok" and
          ok["portal"]["tcp"] == "connected" and ok["portal"]["route"]["interface"] == "lo" and
          ok["portal"]["route"]["local"] is True and ok["portal"]["route"]["mtu"] == 65536, str(ok))
    ref = portals.get("127.0.0.2:13261", {})
    check("refused portal fails with its hint", ref.get("status") == "fail" and
          "nothing listens on port 13261" in ref.get("hint", ""), str(ref))
    vols = [c for c in d["checks"] if c["check"] == "volume"]
    check("what attach would do, per volume", len(vols) == 4 and
          all(c["text"].startswith("attach would use: single") for c in vols), str(vols))
    names = [c for c in d["checks"] if c["check"] == "initiator-name"]
    check("initiator name against the metadata's", len(names) == 1 and
          "iqn.2004-10.com.example:check" in names[0]["text"], str(names))
    kinds = {c["check"] for c in d["checks"]}
    check("host checks", {"metadata", "privileges", "initiator"} <= kinds, str(kinds))

    if os.path.exists(os.path.join(tmp, "noveth")):
        # a kernel without veth: no default route to test against
        print("check: no veth in this kernel: the default-route checks not run")
    else:
        dflt = portals.get("192.0.2.10:3260", {})
        r = dflt.get("portal", {}).get("route") or {}
        check("default-route portal: route, source, interface, MTU",
              r.get("interface") == "st0" and r.get("source") == "10.99.0.2" and
              r.get("gateway") == "10.99.0.1" and r.get("default_route") is True and
              r.get("mtu") == 9000, str(dflt))
        check("default-route portal unreachable, with the hint", dflt.get("status") == "fail" and
              dflt["portal"]["tcp"] == "timeout" and
              "the kernel sends it to the default route (gateway 10.99.0.1 on st0), not a "
              "directly connected storage network" in dflt.get("hint", ""), str(dflt))
        # the same in text: one line per check, hints under them
        p = in_netns(tmp, ["check", "--metadata", meta], veth=True)
        check("text: the unreachable portal and its hint", p.returncode == 1 and
              "fail  portal 192.0.2.10:3260: TCP connect to 192.0.2.10:3260 failed" in p.stdout
              and "      hint: unreachable; the kernel sends it to the default route" in p.stdout,
              p.stdout + p.stderr)

    # without the veth, 10.77.0.5 and 192.0.2.10 have no route at all
    p = in_netns(tmp, ["check", "--metadata", meta, "--json"])
    d = json.loads(p.stdout)
    portals = {c["subject"]: c for c in d["checks"] if c["check"] == "portal"}
    nor = portals["192.0.2.10:3260"]
    check("no route at all", nor["status"] == "fail" and nor["portal"]["route"] is None and
          nor["portal"]["tcp"] == "not tried" and
          "no interface is on 192.0.2.10's network" in nor["hint"], str(nor))
    p = in_netns(tmp, ["check", "--metadata", meta])
    check("text: the no-route hint", p.returncode == 1 and
          "fail  portal 10.77.0.5:3260: no route to 10.77.0.5" in p.stdout and
          "      hint: no interface is on 10.77.0.5's network" in p.stdout, p.stdout + p.stderr)


def test_all_good(tmp):
    meta = os.path.join(tmp, "good.json")
    with open(meta, "w") as f:
        json.dump({"uuid": "u", "volumes": [
            volume("11111111-1111-4111-8111-111111111111", ["127.0.0.1:13260"])]}, f)
    p = in_netns(tmp, ["check", "--metadata", meta, "--json"])
    d = json.loads(p.stdout)
    fails = [c for c in d["checks"] if c["status"] == "fail"]
    check("exit 0 exactly when no check fails", (p.returncode == 0) == (not fails) and
          d["summary"]["fail"] == len(fails), "%d %s" % (p.returncode, fails))
    p = in_netns(tmp, ["check", "--metadata", os.path.join(tmp, "missing.json")])
    check("no metadata: exit 4", p.returncode == 4 and "fail  metadata" in p.stdout,
          p.stdout + p.stderr)
    p = in_netns(tmp, ["check", "--metadata", os.path.join(FIXTURES, "22-truncated.json")])
    check("unusable metadata: exit 3", p.returncode == 3, p.stdout + p.stderr)


def main():
    tmp = tempfile.mkdtemp()
    try:
        tests = [test_command_line]
        if os.geteuid() == 0 and shutil.which("unshare") and shutil.which("ip") and \
                subprocess.run(["unshare", "-n", "true"]).returncode == 0:
            tests += [test_portals, test_all_good]
        else:
            print("check: no network namespace here (needs root and unshare): portal tests "
                  "not run")
        for t in tests:
            try:
                t(tmp) if t is not test_command_line else t()
            except Exception as e:  # a crash in a test is a failure, not a skip
                check(t.__name__, False, "raised %r" % e)
    finally:
        shutil.rmtree(tmp)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
