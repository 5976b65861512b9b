#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Load figure: requests/s and latency of the vendordata service at N
concurrent instance lookups (Nova's POST with a cached Keystone token),
against the real Keystone, cinder-api and ironic-api of tests/cloud.py on
loopback. Bounded in count and time; prints a table; never pass/fail.

  vendordata/bench/load.py [--concurrency 50] [--requests 1000] [--seconds 60]
                           [--instances 50] [--workers 2] [--threads 8]
"""
import argparse
import json
import os
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests"))

import cloud  # noqa: E402

for _k in [k for k in os.environ if k.lower().endswith("_proxy")]:
    del os.environ[_k]
os.environ["no_proxy"] = os.environ["NO_PROXY"] = "*"


def percentile(sorted_values, p):
    if not sorted_values:
        return float("nan")
    k = min(len(sorted_values) - 1, max(0, int(round(p / 100.0 * len(sorted_values) + 0.5)) - 1))
    return sorted_values[k]


def cpu_ticks(svc):
    """utime + stime of every process in a service's process group."""
    total = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % pid) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == svc.proc.pid:          # pgrp
            total += int(fields[11]) + int(fields[12])
    return total


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--concurrency", type=int, default=50)
    ap.add_argument("--requests", type=int, default=1000)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--instances", type=int, default=50)
    ap.add_argument("--workers", type=int, default=2, help="uwsgi processes of each service")
    ap.add_argument("--threads", type=int, default=8, help="threads of the vendordata service")
    a = ap.parse_args()

    c = cloud.Cloud(uwsgi_processes=a.workers)
    t0 = time.monotonic()
    c.start()
    try:
        insts = [str(uuid.uuid4()) for _ in range(a.instances)]
        # one initiator per node: Ironic keeps connector ids unique
        iqn = {i: "iqn.2004-10.com.example:bench-%d" % n for n, i in enumerate(insts)}
        conn = {"host": "bench", "platform": "x86_64", "os_type": "baremetal", "multipath": False}
        made = c.seed("cinder", {"token": c.token("member", "demo"), "project_id": c.ids["demo"],
                                 "user_id": c.ids["user_member"],
                                 "volumes": [{"instance_uuid": i, "connector": dict(conn, initiator=iqn[i])}
                                             for i in insts]})
        c.seed("ironic", {"token": c.token("ironic"), "nodes": [
            {"instance_uuid": i, "connectors": [["iqn", iqn[i]]],
             "targets": [{"boot_index": 1, "volume_id": m["volume_id"]}]}
            for i, m in zip(insts, made)]})
        vd = cloud.vendordata_service(c, processes=a.workers, threads=a.threads,
                                      extra="[DEFAULT]\ndebug = false\n")
        setup = time.monotonic() - t0
        token = c.token("nova")

        def one(iid):
            body = json.dumps({"instance-id": iid, "hostname": "bm"}).encode()
            req = urllib.request.Request(vd.url, data=body, method="POST", headers={
                "Content-Type": "application/json", "X-Auth-Token": token})
            s = time.monotonic()
            try:
                with urllib.request.urlopen(req, timeout=30) as r:
                    ok = r.status == 200 and len(json.loads(r.read())["volumes"]) == 1
                    why = "200" if ok else "200 but not 1 volume"
            except urllib.error.HTTPError as e:
                ok, why = False, "%d %s" % (e.code, json.loads(e.read() or b"{}").get("error", ""))
            except Exception as e:
                ok, why = False, type(e).__name__
            return ok, time.monotonic() - s, why

        # warm-up: every instance once (token caches filled), uncounted
        for iid in insts:
            one(iid)

        lat, errors, reasons, lock = [], [0], {}, threading.Lock()
        counter = iter(range(a.requests))
        deadline = time.monotonic() + a.seconds

        def worker():
            while time.monotonic() < deadline:
                with lock:
                    n = next(counter, None)
                if n is None:
                    return
                ok, took, why = one(insts[n % len(insts)])
                with lock:
                    lat.append(took)
                    if not ok:
                        errors[0] += 1
                        reasons[why] = reasons.get(why, 0) + 1

        threads = [threading.Thread(target=worker) for _ in range(a.concurrency)]
        cpu0 = {n: cpu_ticks(svc) for n, svc in c.services.items()}
        start = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.monotonic() - start
        cpu = {n: cpu_ticks(svc) - cpu0[n] for n, svc in c.services.items()}
        lat.sort()
        ms = lambda v: "%.0f" % (v * 1000)  # noqa: E731
        print("set-up (cloud, %d instances seeded, service up): %.0f s" % (a.instances, setup))
        print()
        print("| concurrency | requests | errors | over 5 s | wall s | req/s | p50 ms | p90 ms | p99 ms | max ms |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        print("| %d | %d | %d | %d | %.1f | %.1f | %s | %s | %s | %s |" % (
            a.concurrency, len(lat), errors[0], sum(1 for v in lat if v > 5.0), wall,
            len(lat) / wall, ms(percentile(lat, 50)), ms(percentile(lat, 90)),
            ms(percentile(lat, 99)), ms(lat[-1] if lat else float("nan"))))
        hz = os.sysconf("SC_CLK_TCK")
        n = max(1, len(lat))
        print()
        print("CPU per lookup (ms): " + ", ".join(
            "%s %.0f" % (name, 1000.0 * t / hz / n) for name, t in cpu.items()) +
            "; total %.0f" % (1000.0 * sum(cpu.values()) / hz / n))
        for why, n in sorted(reasons.items(), key=lambda x: -x[1]):
            print("errors: %d x %s" % (n, why))
        with open("/proc/loadavg") as f:
            print("load average at the end: %s" % " ".join(f.read().split()[:3]))
        print()
        print("services: %d uwsgi process(es) each (Keystone, cinder-api, ironic-api; 1 thread), "
              "vendordata %d x %d threads; each lookup with a volume = 3 Ironic + 1 Cinder calls"
              % (a.workers, a.workers, a.threads))
    finally:
        c.stop()


if __name__ == "__main__":
    main()
