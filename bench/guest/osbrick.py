#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Baseline (b): Debian's python3-os-brick, ISCSIConnector.connect_volume
called for each volume in turn, run in the lab guest (chroot into the host's
root shared over 9p).  Imports once, then serves commands from stdin:
    connect FILE    FILE: a JSON list of connection_properties, in order
and answers on stdout, one line each:
    ready import_ms=... rss_kb=...
    done ms=... rss_kb=... children_rss_kb=...   (or "error ...")
privsep runs in-process as root (client mode off, as os-brick's own
privileged tests do), with a lock_path; no root helper is ever spawned."""
import json
import os
import resource
import sys
import time

t0 = time.monotonic()
from oslo_config import cfg  # noqa: E402
import os_brick  # noqa: E402
from os_brick import privileged  # noqa: E402
from os_brick.initiator import connector  # noqa: E402
import_ms = (time.monotonic() - t0) * 1000

multipath = os.environ.get("BENCH_MP") == "1"
lock_path = os.environ.get("BENCH_LOCKS", "/tmp/brick-locks")
os.makedirs(lock_path, exist_ok=True)
cfg.CONF([], project="bench")
cfg.CONF.set_override("lock_path", lock_path, group="oslo_concurrency")
os_brick.setup(cfg.CONF)
cfg.CONF.set_override("lock_path", lock_path, group="os_brick")
privileged.default.set_client_mode(False)
conn = connector.InitiatorConnector.factory(
    "ISCSI", root_helper=None, use_multipath=multipath,
    device_scan_attempts=3)


def cpu_ticks():
    """This process's CPU and its waited-for children's (iscsiadm, ...;
    privsep runs in-process), in clock ticks like the shell's times."""
    s, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return int((s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime) * os.sysconf("SC_CLK_TCK"))


def rss_kb(who=resource.RUSAGE_SELF):
    return resource.getrusage(who).ru_maxrss


print("ready import_ms=%d rss_kb=%d" % (import_ms, rss_kb()), flush=True)
for line in sys.stdin:
    words = line.split()
    if len(words) != 2 or words[0] != "connect":
        print("error bad command", flush=True)
        continue
    with open(words[1]) as f:
        volumes = json.load(f)
    t = time.monotonic()
    cpu0 = cpu_ticks()
    try:
        paths = [conn.connect_volume(props)["path"] for props in volumes]
    except Exception as e:  # the bench reports it and goes on
        print("error %s: %s" % (type(e).__name__, str(e).replace("\n", " ")),
              flush=True)
        continue
    ms = (time.monotonic() - t) * 1000
    missing = [p for p in paths if not os.path.exists(p)]
    print("done ms=%d cpu_ticks=%d rss_kb=%d children_rss_kb=%d devices=%d missing=%d"
          % (ms, cpu_ticks() - cpu0, rss_kb(), rss_kb(resource.RUSAGE_CHILDREN), len(paths),
             len(missing)), flush=True)
