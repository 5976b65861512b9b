#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The configuration file end to end (--config FILE): keys are long option
names, [command] sections, flags on the command line win, errors name file,
line and key, a file others may write is refused, the bounds hold.

Usage: test-config.py VOLATTACH FIXTURES_DIR
Ends with "N passed, N failed"; exit status 1 on any failure.
"""
import json
import os
import subprocess
import sys
import tempfile

VOLATTACH = os.path.abspath(sys.argv[1])
FIXTURES = os.path.abspath(sys.argv[2])
SEED = os.path.join(FIXTURES, "01-seed-example.json")
OTHER = os.path.join(FIXTURES, "11-nondefault-port.json")
passed = failed = 0


def run(*args):
    return subprocess.run([VOLATTACH, *args], capture_output=True, text=True, timeout=60)


def check(name, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL %s %s" % (name, detail[:2000]))


def conf(tmp, name, text, mode=0o644):
    path = os.path.join(tmp, name)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    os.chmod(path, mode)
    return path


def test_applies_and_overrides(tmp):
    c = conf(tmp, "a.conf", "# what plan reads\nmetadata = %s\n\n[plan]\njson = true\n" % SEED)
    p = run("plan", "--config", c)
    check("file sets metadata and [plan] json", p.returncode == 0 and
          json.loads(p.stdout)["metadata"]["origin"] == "file " + SEED, p.stdout + p.stderr)
    p = run("plan", "--config", c, "--metadata", OTHER)
    check("--metadata beats the file's", p.returncode == 0 and
          json.loads(p.stdout)["metadata"]["origin"] == "file " + OTHER, p.stdout + p.stderr)
    p = run("plan", "--config", c, "--metadata=" + OTHER)
    check("--metadata=X beats the file's", p.returncode == 0 and
          json.loads(p.stdout)["metadata"]["origin"] == "file " + OTHER, p.stdout + p.stderr)

    # a section applies only to its command; keys before any section apply to
    # every command that takes them and are ignored by the others
    c = conf(tmp, "b.conf", "metadata = %s\nforce = true\ninterval = 5\n"
             "[status]\njson = true\n[watch]\nrounds = 2\n" % SEED)
    p = run("plan", "--config", c)
    check("[status] is not plan's; force is ignored by plan", p.returncode == 0 and
          p.stdout.startswith("Metadata: file " + SEED), p.stdout + p.stderr)

    # log-level from the file, -q on the command line wins, and so does
    # --log-level itself
    c = conf(tmp, "c.conf", "metadata = %s\nlog-level = info\n" % SEED)
    p = run("plan", "--config", c)
    check("log-level from the file", p.returncode == 0 and "info:" in p.stderr, p.stderr)
    for flag in (["-q"], ["--log-level", "error"], ["--quiet"]):
        p = run("plan", "--config", c, *flag)
        check("%s beats the file's log-level" % flag[0], p.returncode == 0 and
              "info:" not in p.stderr, p.stderr)
    c = conf(tmp, "d.conf", "metadata = %s\nverbose = true\n" % SEED)
    p = run("plan", "--config", c, "-q")
    check("-q beats the file's verbose", "info:" not in p.stderr, p.stderr)

    # the command's section beats the lines before any section
    c = conf(tmp, "e.conf", "metadata = %s\n[plan]\nmetadata = %s\n" % (OTHER, SEED))
    p = run("plan", "--config", c, "--json")
    check("[plan] beats the global line", p.returncode == 0 and
          json.loads(p.stdout)["metadata"]["origin"] == "file " + SEED, p.stdout + p.stderr)

    # booleans: false leaves the option off
    c = conf(tmp, "f.conf", "metadata = %s\n[plan]\njson = false\n" % SEED)
    p = run("plan", "--config", c)
    check("json = false", p.returncode == 0 and p.stdout.startswith("Metadata:"), p.stdout)

    # CRLF and a byte-order mark, as Windows editors write them
    c = conf(tmp, "g.conf", "\ufeffmetadata = %s\r\n[plan]\r\njson = true\r\n" % SEED)
    p = run("plan", "--config", c)
    check("CRLF and BOM", p.returncode == 0 and json.loads(p.stdout)["volumes"], p.stderr)

    # the value of an option the run takes from the file is checked like
    # the flag's: --http-timeout 0 is a usage error either way
    c = conf(tmp, "h.conf", "metadata = %s\nhttp-timeout = 0\n" % SEED)
    p = run("plan", "--config", c)
    check("bad value names file, line and key", p.returncode == 2 and
          "%s:2: key 'http-timeout' needs a number 1..300" % c in p.stderr, p.stderr)
    # a wrong file is wrong whatever the flags say (--no-config reads none)
    p = run("plan", "--config", c, "--http-timeout", "5")
    check("a flag given does not hide the file's bad value", p.returncode == 2, p.stderr)


def test_errors(tmp):
    cases = [
        ("unknown.conf", "metadata = auto\njobz = 4\n", 2,
         ":2: key 'jobz': not an option of any command"),
        ("section-key.conf", "[status]\n\nforce = true\n", 2,
         ":3: key 'force': not an option of status"),
        ("section.conf", "[attack]\njobs = 4\n", 2, ":1: [attack]: not a command with options"),
        ("help-section.conf", "[help]\njson = true\n", 2, ":1: [help]: not a command"),
        ("bool.conf", "json = yes\n", 2, ":1: key 'json': 'true' or 'false'"),
        ("other-section-value.conf", "[watch]\ninterval = 0\n", 2,
         ":2: key 'interval' needs a number 1..86400"),
        ("no-eq.conf", "jobs 4\n", 2, ":1: key 'jobs': no '='"),
        ("again.conf", "jobs = 4\njobs = 5\n", 2, ":2: key 'jobs': given again (first on line 1)"),
        ("help-key.conf", "help = true\n", 2, ":1: key 'help': not an option of any command"),
        ("config-key.conf", "config = /x\n", 2, ":1: key 'config': not an option of any command"),
        ("level.conf", "log-level = loud\n", 2, ":1: key 'log-level': unknown log level"),
    ]
    for name, text, code, msg in cases:
        c = conf(tmp, name, text)
        p = run("plan", "--config", c, "--metadata", SEED)
        check("error " + name, p.returncode == code and (c + msg) in p.stderr,
              "%d %s" % (p.returncode, p.stderr))
        p = run("plan", "--no-config", "--metadata", SEED)
        check("--no-config ignores it " + name, p.returncode == 0, p.stderr)
        p = run("plan", "--help", "--config", c)
        check("help despite " + name, p.returncode == 0 and "Usage:" in p.stdout, p.stderr)

    p = run("plan", "--config", os.path.join(tmp, "missing.conf"), "--metadata", SEED)
    check("an explicit file that is missing", p.returncode == 4 and
          "missing.conf: no such file" in p.stderr, p.stderr)
    p = run("plan", "--config", tmp, "--metadata", SEED)
    check("a directory", p.returncode == 4 and "not a regular file" in p.stderr, p.stderr)
    p = run("plan", "--config", "/x", "--no-config", "--metadata", SEED)
    check("--config with --no-config", p.returncode == 2 and "contradict" in p.stderr, p.stderr)


def test_permissions(tmp):
    text = "metadata = %s\n" % SEED
    for mode, who in ((0o666, "everyone"), (0o646, "everyone"), (0o664, "its group"),
                      (0o620, "its group")):
        c = conf(tmp, "perm-%o.conf" % mode, text, mode)
        p = run("plan", "--config", c)
        check("mode %o refused" % mode, p.returncode == 4 and
              "%s: writable by %s (mode 0%o)" % (c, who, mode) in p.stderr and
              p.stdout == "", p.stderr)
    c = conf(tmp, "perm-600.conf", text, 0o600)
    check("mode 600 read", run("plan", "--config", c).returncode == 0)
    c = conf(tmp, "perm-444.conf", text, 0o444)
    check("mode 444 read", run("plan", "--config", c).returncode == 0)
    if os.geteuid() == 0:
        c = conf(tmp, "owner.conf", text)
        os.chown(c, 12345, 12345)
        p = run("plan", "--config", c)
        check("owned by another user refused", p.returncode == 4 and
              "owned by uid 12345" in p.stderr, p.stderr)
        # a link to a world-writable file is the file: refused too
        link = os.path.join(tmp, "link.conf")
        os.symlink(os.path.join(tmp, "perm-666.conf"), link)
        p = run("plan", "--config", link)
        check("a link to a world-writable file refused", p.returncode == 4, p.stderr)


def test_bounds(tmp):
    line = "# " + "x" * 61 + "\n"  # 64 bytes
    c = conf(tmp, "64k.conf", line * 1024)
    p = run("plan", "--config", c, "--metadata", SEED)
    check("64 KiB, 1024 lines: read", p.returncode == 0, p.stderr)
    c = conf(tmp, "big.conf", line * 1024 + "#")
    p = run("plan", "--config", c, "--metadata", SEED)
    check("past 64 KiB refused", p.returncode == 2 and "larger than 65536 bytes" in p.stderr,
          p.stderr)
    c = conf(tmp, "lines.conf", "#\n" * 1025)
    p = run("plan", "--config", c, "--metadata", SEED)
    check("1025 lines refused", p.returncode == 2 and "more than 1024 lines" in p.stderr,
          p.stderr)


def test_help(tmp):
    p = run("--help")
    check("--config in --help", "--config FILE" in p.stdout and "--no-config" in p.stdout,
          p.stdout)


def test_prepare(tmp):
    # the one repeatable option: several lines in a section are a list, each
    # checked, an error naming file, line and the spec's field
    c = conf(tmp, "p.conf", "prepare = gpt+ext4,mount=/srv/all\n[attach]\n"
             "prepare = 11111111-2222-3333-4444-555555555555=gpt+ext4,mount=/srv/a\n"
             "prepare = gpt+btrfs\n")
    p = run("attach", "--config", c, "--metadata", "/nonexistent")
    check("prepare: a bad line is exit 2 naming file, line, key and field", p.returncode == 2 and
          (c + ":4: key 'prepare' \"gpt+btrfs\": filesystem \"btrfs\"") in p.stderr,
          p.stdout + p.stderr)
    c = conf(tmp, "q.conf", "[attach]\n"
             "prepare = 11111111-2222-3333-4444-555555555555=gpt+ext4,mount=/srv/a\n"
             "prepare = gpt+ext4,mount=/srv/b\n")
    p = run("attach", "--config", c, "--metadata", "/nonexistent")
    check("prepare: repeated in a section is a list, not 'given again'", p.returncode != 2 and
          "given again" not in p.stderr and "prepare" not in p.stderr, p.stdout + p.stderr)
    c = conf(tmp, "r.conf", "[attach]\nprepare = gpt+ext4,mount=/srv/a\n"
             "prepare = gpt+ext4,mount=/srv/b\n")
    p = run("attach", "--config", c, "--metadata", "/nonexistent")
    check("prepare: two defaults in the file refused", p.returncode == 2 and
          (c + ":3: key 'prepare' \"gpt+ext4,mount=/srv/b\": the default already has") in p.stderr,
          p.stdout + p.stderr)
    p = run("attach", "--config", c, "--prepare", "gpt+ext4,mount=/srv/c", "--metadata",
            "/nonexistent")
    check("prepare: --prepare on the command line replaces the file's list", p.returncode != 2 and
          "prepare" not in p.stderr, p.stdout + p.stderr)
    p = run("plan", "--prepare", "gpt+ext4", "--metadata", SEED)
    check("prepare: not an option of plan", p.returncode == 2, p.stdout + p.stderr)


def main():
    tmp = tempfile.mkdtemp()
    os.chmod(tmp, 0o755)
    try:
        for t in (test_applies_and_overrides, test_errors, test_permissions, test_bounds,
                  test_help, test_prepare):
            try:
                t(tmp)
            except Exception as e:  # a crash in a test is a failure, not a skip
                check(t.__name__, False, "raised %r" % e)
    finally:
        subprocess.run(["rm", "-rf", tmp])
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
