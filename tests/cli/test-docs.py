#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The operator's documentation against the code: every option and command
the binary accepts (src/cli/cli.c's tables) and every environment variable
it reads (getenv in src/) is in --help, in volattach(8) and in the README,
or it must go; the man page renders without a warning (man --warnings -l);
the example configuration lists every configurable option, commented out;
the bash completion, sourced in bash, offers each command's options and
no other; the units' Documentation= names files meson installs.

Usage: test-docs.py VOLATTACH SOURCE_ROOT BUILD_DIR
Ends with "N passed, N failed"; exit status 1 on any failure.
"""
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

VOLATTACH = os.path.abspath(sys.argv[1])
SRC = os.path.abspath(sys.argv[2])
BUILD = os.path.abspath(sys.argv[3])
passed = failed = 0


def check(name, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
        print("ok: " + name)
    else:
        failed += 1
        print("FAIL: %s %s" % (name, str(detail)[:1500]))


def read(*parts):
    with open(os.path.join(SRC, *parts), encoding="utf-8") as f:
        return f.read()


def run(*args, **kw):
    return subprocess.run(list(args), capture_output=True, text=True, timeout=60, **kw)


CLI_C = read("src", "cli", "cli.c")
# { OPT_X, "--name", "-a" or NULL, ...
OPTION_ROW = re.compile(r'\{\s*OPT_\w+,\s*"(-[^"]+)",\s*(?:NULL|"(-[^"]+)")', re.S)
OPTIONS = [(m.group(1), m.group(2)) for m in OPTION_ROW.finditer(CLI_C)]
NAMES = [n for o in OPTIONS for n in o if n]
# only what a command line never puts in a file
NOT_CONFIG = {"--help", "--version", "--config", "--no-config"}


def commands():
    """The command table's names (each entry's .name), in cli.c and cmd-*.c."""
    table = re.search(r"cmd_table\[\]\s*=\s*\{(.*?)\};", CLI_C, re.S).group(1)
    entries = re.findall(r"&(cmd_\w+_entry)", table)
    names = {}
    for path in glob.glob(os.path.join(SRC, "src", "cli", "*.c")):
        text = open(path, encoding="utf-8").read()
        for m in re.finditer(r"(cmd_\w+_entry)\s*=\s*\{\s*\.name\s*=\s*\"([^\"]+)\"", text):
            names[m.group(1)] = m.group(2)
    return [names[e] for e in entries]


def environment():
    found = set()
    for path in glob.glob(os.path.join(SRC, "src", "**", "*.c"), recursive=True):
        found |= set(re.findall(r'getenv\("([A-Z_]+)"\)', open(path, encoding="utf-8").read()))
    return sorted(found)


def listed_options(helptext):
    """The options a help text has a line for ("  -v, --verbose  ...")."""
    return [n for pair in re.findall(r"^  (?:(-\w), )?(-[-\w]+)", helptext, re.M)
            for n in pair if n]


def roff_name(name):
    """How a name is spelt in roff source: each '-' escaped."""
    return name.replace("-", r"\-")


def in_roff(text, name):
    return re.search(r"(?<![\w\\-])%s(?![\w]|\\-)" % re.escape(roff_name(name)), text) is not None


def in_markdown(text, name):
    return re.search(r"(?<![\w-])%s(?![\w-])" % re.escape(name), text) is not None


def test_tables():
    check("the option table parsed", len(OPTIONS) >= 20 and "--metadata" in NAMES, OPTIONS)
    check("the command table parsed", {"plan", "attach", "detach"} <= set(commands()), commands())
    check("getenv found", "VOLATTACH_STATE_DIR" in environment(), environment())


def test_options_documented():
    general = run(VOLATTACH, "--help").stdout
    man = read("docs", "volattach.8")
    readme = read("README.md")
    help_names = set(listed_options(general))
    for name in NAMES:
        check("--help lists %s" % name, name in help_names, general)
        check("volattach.8 has %s" % name, in_roff(man, name))
        check("README has %s" % name, in_markdown(readme, name))
    # and no command's help lists an option the table does not have
    for cmd in commands():
        p = run(VOLATTACH, cmd, "--help")
        listed = listed_options(p.stdout)
        check("%s --help: only real options" % cmd, set(listed) <= set(NAMES), listed)


def test_commands_documented():
    general = run(VOLATTACH, "--help").stdout
    man = read("docs", "volattach.8")
    readme = read("README.md")
    section = man.split(".SH COMMANDS", 1)[-1].split(".SH OPTIONS", 1)[0]
    for cmd in commands():
        if cmd != "version":  # --version says it; the general help lists no summary
            check("--help lists the command %s" % cmd, re.search(r"^  %s\b" % re.escape(cmd),
                                                                 general, re.M), general)
        check("volattach.8 COMMANDS has %s" % cmd,
              re.search(r"^\.B[IR]? %s\b" % re.escape(roff_name(cmd)), section, re.M), cmd)
        check("README has the command %s" % cmd,
              re.search(r"volattach(?:\.exe)? (?:\[[^\]]*\] )*%s\b|`%s`" % (re.escape(cmd),
                                                                            re.escape(cmd)),
                        readme), cmd)


def test_environment_documented():
    man = read("docs", "volattach.8")
    readme = read("README.md")
    env = man.split(".SH ENVIRONMENT", 1)[-1].split(".SH FILES", 1)[0]
    for var in environment():
        check("volattach.8 ENVIRONMENT has %s" % var, in_roff(env, var))
        check("README has %s" % var, in_markdown(readme, var))


def test_man_renders():
    page = os.path.join(BUILD, "volattach.8")
    check("the man page is configured", os.path.exists(page))
    text = open(page, encoding="utf-8").read()
    version = run(VOLATTACH, "--version").stdout.split()[-1]
    check("the man page carries meson's version", ('"volattach %s"' % version) in text and
          "@VERSION@" not in text, text[:400])
    env = dict(os.environ, MANWIDTH="80", LC_ALL="C.UTF-8", MAN_KEEP_FORMATTING="")
    p = run("man", "--warnings", "-l", page, env=env)
    check("man --warnings -l: no warning", p.returncode == 0 and p.stderr == "", p.stderr)
    check("man -l renders it", "VOLATTACH(8)" in p.stdout and "EXIT STATUS" in p.stdout and
          "CONFIGURATION FILE" in p.stdout and "VOLATTACH_STATE_DIR" in p.stdout, p.stdout[:500])
    p = run("groff", "-man", "-ww", "-z", page)
    check("groff -ww: no warning", p.returncode == 0 and p.stderr == "", p.stderr)
    # the exit codes the binary documents are the page's
    helptext = run(VOLATTACH, "--help").stdout
    codes = re.findall(r"^  (\d)  ", helptext, re.M)
    exits = text.split(".SH EXIT STATUS", 1)[-1].split(".SH", 1)[0]
    check("volattach.8 has every exit code", codes and
          all(re.search(r"^\.B %s$" % c, exits, re.M) for c in codes), codes)


def test_example_config():
    text = read("dist", "volattach.conf")
    keys = re.findall(r"^#([a-z][-a-z]*) =", text, re.M)
    live = [l for l in text.splitlines() if l.strip() and not l.startswith("#") and
            not re.match(r"^\[\w[-\w]*\]$", l)]
    check("the example sets nothing", live == [], live)
    configurable = sorted({n[2:] for n in NAMES if n.startswith("--") and n not in NOT_CONFIG})
    for k in configurable:
        check("the example config has %s" % k, k in keys, keys)
    for k in keys:
        check("example key %s is an option" % k, k in configurable, configurable)
    for s in re.findall(r"^\[(\w[-\w]*)\]$", text, re.M):
        check("example section [%s] is a command" % s, s in commands())
    # uncommented, every key with a value is one the parser takes, at the
    # default it claims: the plan is the same as with no file at all
    live = "".join(re.sub(r"^#([a-z][-a-z]* = .+)$", r"\1", l) + "\n" for l in text.splitlines()
                   if re.match(r"^#[a-z][-a-z]* = .+$", l) or re.match(r"^\[", l))
    d = tempfile.mkdtemp()
    try:
        conf = os.path.join(d, "volattach.conf")
        with open(conf, "w") as f:
            f.write(live)
        os.chmod(conf, 0o600)
        seed = os.path.join(SRC, "tests", "fixtures", "metadata", "01-seed-example.json")
        with_file = run(VOLATTACH, "plan", "--config", conf, "--metadata", seed)
        without = run(VOLATTACH, "plan", "--no-config", "--metadata", seed)
        check("the example, uncommented, is accepted and changes nothing",
              with_file.returncode == 0 and with_file.stdout == without.stdout and
              with_file.stderr == "", with_file.stderr + live)
    finally:
        shutil.rmtree(d)


def complete(*words):
    """COMPREPLY for the command line `words`, the last one being completed."""
    script = ('source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); '
              '_volattach volattach "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"; '
              'printf "%s\\n" "${COMPREPLY[@]}"')
    env = dict(os.environ, PATH=os.path.dirname(VOLATTACH) + os.pathsep + os.environ["PATH"])
    # the binary is named volattach in its build directory
    p = run("bash", "--norc", "--noprofile", "-c", script, "bash",
            os.path.join(SRC, "dist", "volattach.bash-completion"), *words, env=env)
    return p.returncode, [w for w in p.stdout.splitlines() if w]


def test_completion():
    check("the binary is called volattach", os.path.basename(VOLATTACH) == "volattach")
    rc, got = complete("volattach", "")
    check("completion: the commands", rc == 0 and
          set(c for c in commands() if c != "version") <= set(got), got)
    rc, got = complete("volattach", "det")
    check("completion: a command's prefix", got == ["detach"], got)
    for cmd in commands():
        p = run(VOLATTACH, cmd, "--help")
        own = sorted({n for n in listed_options(p.stdout) if n.startswith("--")})
        rc, got = complete("volattach", cmd, "--")
        check("completion: %s's options, no other" % cmd, sorted(got) == own,
              "%s != %s" % (got, own))
    rc, got = complete("volattach", "-v", "--metadata", "x.json", "attach", "--j")
    check("completion: past an option's value", sorted(got) == ["--jobs", "--json"], got)
    rc, got = complete("volattach", "attach", "--log-level", "")
    check("completion: log levels", got == ["error", "warning", "notice", "info", "debug"], got)
    rc, got = complete("volattach", "service", "")
    check("completion: service verbs", got == ["install", "uninstall", "run"], got)


def test_units():
    installed = json.loads(run("meson", "introspect", "--installed", BUILD).stdout or "{}")
    targets = set(installed.values())
    for unit in ("volattach.service", "volattach-watch.service"):
        text = read("dist", unit)
        check("%s: no ConditionPathExists (fails, not skipped, without open-iscsi)" % unit,
              "ConditionPath" not in text)
        wants = " ".join(re.findall(r"^Wants=(.*)$", text, re.M)).split()
        after = " ".join(re.findall(r"^After=(.*)$", text, re.M)).split()
        check("%s: Wants=iscsid.socket" % unit, "iscsid.socket" in wants, wants)
        for u in ("iscsid.socket", "iscsid.service", "multipathd.socket", "multipathd.service"):
            check("%s: After=%s" % (unit, u), u in after, after)
        check("%s: Documentation= the man page" % unit, "man:volattach(8)" in text)
        built = open(os.path.join(BUILD, unit), encoding="utf-8").read()
        docs = re.findall(r"file:(/\S+)", re.search(r"^Documentation=(.*)$", built, re.M).group(1))
        check("%s: a Documentation= file" % unit, docs, built)
        for d in docs:
            check("%s: Documentation=file:%s is installed by meson" % (unit, d), d in targets,
                  sorted(targets))
        execs = re.findall(r"^ExecStart=(\S+)", built, re.M)
        check("%s: ExecStart is the installed binary" % unit, execs and execs[0] in targets,
              execs)


def main():
    for t in (test_tables, test_options_documented, test_commands_documented,
              test_environment_documented, test_man_renders, test_example_config,
              test_completion, test_units):
        try:
            t()
        except Exception as e:  # a crash in a test is a failure, not a skip
            check(t.__name__, False, "raised %r" % e)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
