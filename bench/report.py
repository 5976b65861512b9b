#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Turns the LAB-TIME/LAB-FACT lines of a bench run (facts.txt) into the
Markdown table of BENCHMARKS.md: medians per cell and contender, ratios,
footprint.  Never judges: it only prints."""
import argparse
import os
import platform
import re
import statistics
import subprocess

CELLS = [("bench-n01", "1", "1 portal"), ("bench-n08", "8", "1 portal"),
         ("bench-n32", "32", "1 portal"), ("bench-n08-mp", "8", "2 portals, multipath")]
TOOLS = ["volattach", "serial", "osbrick", "floor"]


def parse(path):
    times, facts, cpu = {}, {}, {}
    with open(path) as f:
        for line in f:
            w = line.split()
            if len(w) >= 5 and w[1] == "CPU":
                m = re.fullmatch(r"(\w+?)_r(\d+)", w[2])
                if m and int(m.group(2)) > 0:
                    cpu.setdefault((w[0], m.group(1)), []).append((int(w[3]), int(w[4])))
            elif len(w) >= 4 and w[1] == "TIME":
                m = re.fullmatch(r"(\w+?)_r(\d+)", w[2])
                if m and int(m.group(2)) > 0:  # run 0 is the warm-up
                    times.setdefault((w[0], m.group(1)), []).append(int(w[3]))
            elif len(w) >= 3 and w[1] == "FACT" and "=" in w[2]:
                k, v = w[2].split("=", 1)
                facts[(w[0], k)] = v
    return times, facts, cpu


def sec(ms):
    return "%.2f" % (ms / 1000.0)


def host_line():
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**30
    return "%s, %d CPUs, %d GiB, kernel %s" % (cpu, os.cpu_count(), mem, platform.release())


def pkg_version(p):
    r = subprocess.run(["dpkg-query", "-W", "-f=${Version}", p], capture_output=True, text=True)
    return r.stdout.strip() or "?"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--facts", required=True)
    ap.add_argument("--bin", required=True)
    ap.add_argument("--wall", type=int, default=0)
    ap.add_argument("--runs", type=int, default=0)
    ap.add_argument("--load", default="")
    a = ap.parse_args()
    times, facts, cpu = parse(a.facts)

    print("| N | portals | volattach s | serial iscsiadm s | os-brick s | floor s "
          "| serial / volattach | os-brick / volattach | volattach / floor | runs |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    med = {}
    for cell, n, portals in CELLS:
        row = {}
        for t in TOOLS:
            v = times.get((cell, t))
            if v:
                row[t] = statistics.median(v)
        if not row:
            continue
        med[cell] = row
        va = row.get("volattach")

        def ratio(t):
            return "%.1fx" % (row[t] / va) if va and t in row else "-"
        counts = [len(times.get((cell, t), [])) for t in TOOLS]
        nruns = "%d" % max(counts)
        if counts[2] and counts[2] != max(counts):
            nruns += " (os-brick %d)" % counts[2]
        floor = "%.2fx" % (va / row["floor"]) if va and row.get("floor") else "-"
        print("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            n, portals, *(sec(row[t]) if t in row else "-" for t in TOOLS),
            ratio("serial"), ratio("osbrick"), floor, nruns))
    print()
    n1 = med.get("bench-n01", {}).get("volattach")
    n32 = med.get("bench-n32", {}).get("volattach")
    if n1 and n32:
        print("volattach N=32 / N=1: **%.2fx** (target: 1.5x)  " % (n32 / n1))
    b32 = med.get("bench-n32", {}).get("osbrick")
    if n32 and b32:
        print("os-brick / volattach at N=32: **%.1fx** (target: 10x)" % (b32 / n32))
    print()
    print("Every run: %s" % ", ".join(
        "%s %s: %s" % (c, t, " ".join(sec(x) for x in times[(c, t)]))
        for c, _, _ in CELLS for t in TOOLS if (c, t) in times))
    print()

    if cpu:
        # CPU seconds (clock ticks / 100): the whole guest's busy time and the
        # contender's own process tree; busy share = guest CPU / (wall x vCPUs)
        print("| N | portals | contender | wall s | guest CPU s | its own CPU s | guest busy |")
        print("|---|---|---|---|---|---|---|")
        for cell, n, portals in CELLS:
            for t in TOOLS:
                c, w = cpu.get((cell, t)), times.get((cell, t))
                if not c or not w:
                    continue
                busy = statistics.median(x[0] for x in c) / 100.0
                own = statistics.median(x[1] for x in c) / 100.0
                wall = statistics.median(w) / 1000.0
                vcpu = int(facts.get((cell, "bench_vcpus"), "2"))
                print("| %s | %s | %s | %.2f | %.2f | %.2f | %d%% |" % (
                    n, portals, t, wall, busy, own, 100 * busy / (wall * vcpu) if wall else 0))
        print()

    def fact(cell, k):
        return facts.get((cell, k))
    print("| footprint | volattach | os-brick |")
    print("|---|---|---|")
    plan = fact("bench-n32", "volattach_plan_ms_x20")
    imp = [int(v) for (c, k), v in facts.items() if k == "osbrick_import_ms"]
    print("| cold start to plan output (N=32, guest) | %s | import alone: %s |" % (
        "%d ms" % (int(plan) / 20) if plan else "-",
        "%.1f s (median of %d)" % (statistics.median(imp) / 1000, len(imp)) if imp else "-"))
    rss = fact("bench-n32", "volattach_peak_rss_kb")
    brss = fact("bench-n32", "osbrick_peak_rss_kb")
    irss = [int(v) for (c, k), v in facts.items() if k == "osbrick_import_rss_kb"]
    print("| peak RSS, 32-volume attach | %s | %s (after import: %s) |" % (
        "%.1f MiB" % (int(rss) / 1024) if rss else "-",
        "%.1f MiB" % (int(brss) / 1024) if brss else "-",
        "%.1f MiB" % (statistics.median(irss) / 1024) if irss else "-"))
    size = os.path.getsize(a.bin)
    libs = subprocess.run(["ldd", a.bin], capture_output=True, text=True).stdout.count("=>")
    osb = subprocess.run(["dpkg-query", "-W", "-f=${Installed-Size}", "python3-os-brick"],
                         capture_output=True, text=True).stdout.strip()
    print("| on disk | %d KiB binary (%d shared libraries) | python3-os-brick %s KiB + "
          "oslo/eventlet/... dependencies + python3 |" % (size // 1024, libs, osb or "?"))
    print()
    print("Host: %s. Guest: qemu TCG, 2 vCPUs, 1 GiB, Debian kernel. volattach %s; "
          "open-iscsi %s; os-brick %s. Bench wall time %d s (%d timed runs per cell and "
          "contender, plus a warm-up).%s" % (
              host_line(),
              subprocess.run([a.bin, "--version"], capture_output=True,
                             text=True).stdout.strip().replace("volattach ", ""),
              pkg_version("open-iscsi"), pkg_version("python3-os-brick"), a.wall, a.runs,
              (" Host load average during the run: %s." % a.load) if a.load else ""))


main()
