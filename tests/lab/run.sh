#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Host side of the qemu lab: installs what it needs, builds (or reuses) the
# kernel and initramfs, boots one fresh TCG guest per scenario, reads the
# console markers and prints a summary.  Exit 0 only if every scenario passed.
#
# usage: tests/lab/run.sh [options] [SCENARIO|PREFIX]...
#   -j N            guests at once (default 2: one per core of a CI machine)
#   --all           every scenario not tagged "slow" (the default with no names)
#   --slow          also the scenarios tagged "slow"
#   --bin PATH      pack this program (and its libraries) into /usr/local/sbin
#   --file SRC[=DST]  pack a host file or directory (default /lab/files/NAME)
#   --timeout S     per-scenario wall limit (default 90, or "# lab-timeout: S")
#   --smp N         guest CPUs (default 1, or "# lab-smp: N"; see FINDINGS.md)
#   --machine M     qemu machine (default pc; see the note at $machine)
#   --no-pvh        boot the bzImage instead of the extracted vmlinux
#   --debug N       iscsid -d N in the guest
#   --shell NAME    boot NAME interactively, a shell on the console afterwards
#   -v              print every console log, not only failed ones
#   --list          list the scenarios and their tags
#   --scenario-dir DIR  run DIR's scenarios instead of tests/lab/scenarios
#                   (packed into the guest's /lab/scenarios; bench/ uses it)
# Logs: build-lab/runs/<time>/<scenario>.log, build-lab/runs/latest -> newest.
set -u -o pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=$root/build-lab

jobs=2
all=
slow=
bins=()
files=()
timeout_default=90
smp=
# RDRAND lets the guest kernel seed its RNG at once; without it the first
# iSCSI login (LIO waits for the crng) stalls about 1 s under TCG.
cpu=${LAB_CPU:-qemu64,+rdrand}
# pc, not microvm: microvm reaches /init about 0.35 s sooner, but it has no
# HPET or ACPI PM timer, and when two guests share the CPUs the kernel's TSC
# calibration against the PIT fails under TCG and boot hangs (seen 3 times
# in 12 boots); pc falls back to the HPET.
machine=${LAB_MACHINE:-pc}
pvh=1
debug=
shell=
verbose=
list=
names=()
scendir=$here/scenarios
while [ $# -gt 0 ]; do
        case "$1" in
        -j) jobs=$2; shift 2 ;;
        -j*) jobs=${1#-j}; shift ;;
        --all) all=1; shift ;;
        --slow) slow=1; shift ;;
        --bin) bins+=("$2"); shift 2 ;;
        --file) files+=("$2"); shift 2 ;;
        --timeout) timeout_default=$2; shift 2 ;;
        --smp) smp=$2; shift 2 ;;
        --machine) machine=$2; shift 2 ;;
        --no-pvh) pvh=; shift ;;
        --debug) debug=$2; shift 2 ;;
        --shell) shell=$2; shift 2 ;;
        -v) verbose=1; shift ;;
        --list) list=1; shift ;;
        --scenario-dir) scendir=$(cd "$2" && pwd) || exit 2; shift 2 ;;
        -h|--help) sed -n '2,/^# Logs/p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
        *) names+=("$1"); shift ;;
        esac
done

# Seconds between two `date +%s.%N` readings, one decimal.
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

# ---- what to run --------------------------------------------------------

# A scenario is an executable file in scenarios/ without a dot in its name;
# NAME.host beside it, if present, runs on the host first and prints extra
# qemu arguments (a config-drive image, say).  Header lines:
#   # lab-tags: slow hostroot     # lab-timeout: 300     # lab-smp: 2
tag_of() { sed -n "s/^# lab-$2: *//p" "$scendir/$1" | head -1; }
scenarios_all() {
        local f n
        for f in "$scendir"/*; do
                n=${f##*/}
                case "$n" in *.*) continue ;; esac
                echo "$n"
        done
}

if [ -n "$list" ]; then
        for n in $(scenarios_all); do printf '%-28s %s\n' "$n" "$(tag_of "$n" tags)"; done
        exit 0
fi

selected=()
if [ -n "$shell" ]; then
        names=("$shell")
fi
if [ ${#names[@]} -eq 0 ] || [ -n "$all" ]; then
        for n in $(scenarios_all); do
                case " $(tag_of "$n" tags) " in *" slow "*) [ -n "$slow" ] || continue ;; esac
                selected+=("$n")
        done
fi
for want in "${names[@]}"; do
        hit=
        for n in $(scenarios_all); do
                case "$n" in "$want"|"$want"-*) selected+=("$n"); hit=1 ;; esac
        done
        [ -n "$hit" ] || { echo "run.sh: no scenario '$want' (see --list)" >&2; exit 2; }
done
# Each once, in name order.
mapfile -t selected < <(printf '%s\n' "${selected[@]}" | sed '/^$/d' | sort -u)
[ ${#selected[@]} -gt 0 ] || { echo "run.sh: no scenarios to run" >&2; exit 2; }

# ---- packages -----------------------------------------------------------

# The host only builds images and runs qemu; everything iSCSI runs inside
# the guest, from these packages' files.
need_pkgs="qemu-system-x86 linux-image-amd64 busybox-static open-iscsi multipath-tools
e2fsprogs kmod cpio jq iproute2 util-linux xz-utils strace fdisk mdadm lvm2"
missing=
for p in $need_pkgs; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
        [ "$(id -u)" = 0 ] || { echo "run.sh: missing packages:$missing (installing needs root)" >&2; exit 1; }
        echo "run.sh: installing$missing"
        export DEBIAN_FRONTEND=noninteractive
        # shellcheck disable=SC2086
        apt-get update -q >/dev/null &&
                apt-get install -y -q --no-install-recommends $missing >/dev/null ||
                { echo "run.sh: apt-get install failed" >&2; exit 1; }
fi

# ---- kernel -------------------------------------------------------------

# The newest kernel that has both an image and its modules.
kver=
for k in $(ls /boot/vmlinuz-* 2>/dev/null | sed 's|/boot/vmlinuz-||' | sort -V); do
        [ -d "/lib/modules/$k/kernel" ] && kver=$k
done
[ -n "$kver" ] || { echo "run.sh: no /boot/vmlinuz-* with /lib/modules (linux-image-amd64)" >&2; exit 1; }
bzimage=/boot/vmlinuz-$kver
mkdir -p "$build/kernel"

# The bzImage's payload is the xz-compressed ELF vmlinux (CONFIG_KERNEL_XZ);
# its offset and length are in the boot header (Documentation/x86/boot.rst:
# setup_sects at 0x1f1, payload_offset at 0x248, payload_length at 0x24c,
# relative to the protected-mode code after the setup sectors).  qemu boots
# an ELF with a PVH note directly, which skips the real-mode setup and the
# in-guest decompression: about 2 s less per boot under TCG.
extract_vmlinux() {
        local src=$1 dst=$2 sects off len
        sects=$(od -An -tu1 -j $((0x1f1)) -N1 "$src" | tr -d ' ')
        off=$(od -An -tu4 -j $((0x248)) -N4 "$src" | tr -d ' ')
        len=$(od -An -tu4 -j $((0x24c)) -N4 "$src" | tr -d ' ')
        [ "$sects" -gt 0 ] 2>/dev/null || sects=4
        # --single-stream: the payload ends with 4 bytes of decompressed size.
        dd if="$src" iflag=skip_bytes,count_bytes skip=$(((sects + 1) * 512 + off)) \
                count="$len" bs=1M status=none |
                xz -dc --single-stream >"$dst.tmp" 2>/dev/null &&
                [ "$(head -c 4 "$dst.tmp" | od -An -c | tr -d ' ')" = '177ELF' ] &&
                mv "$dst.tmp" "$dst"
}
kernel=$bzimage
# qemu boots an ELF kernel only through its PVH entry note (CONFIG_PVH).
grep -q '^CONFIG_PVH=y' "/boot/config-$kver" 2>/dev/null || pvh=
if [ -n "$pvh" ]; then
        vmlinux=$build/kernel/vmlinux-$kver-$(stat -c %s-%Y "$bzimage")
        if [ -s "$vmlinux" ] || extract_vmlinux "$bzimage" "$vmlinux"; then
                kernel=$vmlinux
        else
                rm -f "$vmlinux.tmp"
                echo "run.sh: could not extract vmlinux from $bzimage; booting the bzImage" >&2
        fi
fi

# ---- initramfs ----------------------------------------------------------

mkargs=(--kver "$kver" --out "$build/initramfs")
for b in "${bins[@]}"; do
        if [ -x "$b" ]; then
                mkargs+=(--bin "$b")
        else
                # CI passes build/volattach even when the build stage failed;
                # the scenarios that need it then skip (and the build stage
                # has already failed the run).
                echo "run.sh: warning: --bin $b does not exist; scenarios needing it will skip" >&2
        fi
done
for f in "${files[@]}"; do mkargs+=(--file "$f"); done
# Scenarios from elsewhere land beside the lab's own in /lab/scenarios.
if [ "$scendir" != "$here/scenarios" ]; then
        for n in "${selected[@]}"; do mkargs+=(--file "$scendir/$n=/lab/scenarios/$n"); done
fi
t0=$(date +%s.%N)
image=$("$here/mkinitramfs.sh" "${mkargs[@]}") || { echo "run.sh: mkinitramfs.sh failed" >&2; exit 1; }
echo "run.sh: kernel $kernel"
echo "run.sh: image  $image ($(($(stat -c %s "$image") / 1048576)) MB, ready in $(elapsed "$t0" "$(date +%s.%N)") s)"

# ---- one guest ----------------------------------------------------------

stamp=$(date +%Y%m%d-%H%M%S)-$$
rundir=$build/runs/$stamp
mkdir -p "$rundir"
ln -sfn "$stamp" "$build/runs/latest"
# Keep the last 20 runs.
ls -1d "$build"/runs/2* 2>/dev/null | sort | head -n -20 | xargs -r rm -rf

# qemu_cmd NAME LIMIT EXTRA...: sets the array $qemu.
qemu_cmd() {
        local name=$1 limit=$2 cpus=$smp
        shift 2
        [ -n "$cpus" ] || cpus=$(tag_of "$name" smp)
        [ -n "$cpus" ] || cpus=1
        local append="console=ttyS0 panic=-1 rdinit=/init loglevel=4 lab.scenario=$name"
        # The guest stops its scenario a little before the host kills qemu,
        # so a hang still ends with diagnostics and a LAB-END line.
        append="$append lab.timeout=$((limit > 20 ? limit - 10 : limit))"
        # Probing hardware nobody uses costs seconds under TCG.
        append="$append i8042.noaux i8042.nokbd i8042.nopnp tsc=reliable no_timer_check"
        [ -z "$debug" ] || append="$append lab.debug=$debug"
        [ -z "$shell" ] || append="$append lab.shell=1"
        qemu=(qemu-system-x86_64 -accel tcg -M "$machine" -cpu "$cpu" -m 1024 -smp "$cpus"
                -nodefaults -no-user-config -display none -no-reboot
                -kernel "$kernel" -initrd "$image" -append "$append" "$@")
}

run_one() {
        local name=$1 log=$rundir/$1.log limit extra=() t0 t1 rc result reason
        limit=$(tag_of "$name" timeout)
        [ -n "$limit" ] || limit=$timeout_default
        if [ -x "$scendir/$name.host" ]; then
                # shellcheck disable=SC2207
                extra=($(LAB_RUNDIR=$rundir LAB_SCENARIO=$name LAB_MACHINE=$machine \
                        "$scendir/$name.host")) ||
                        { echo "$name fail 0 host hook failed" >"$rundir/$name.result"; return; }
        fi
        case " $(tag_of "$name" tags) " in
        *" hostroot "*)
                # The host's root, read-only, for chroot comparisons (lab.md).
                # shellcheck disable=SC2054
                extra+=(-device virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot
                        -fsdev local,id=hostroot,path=/,security_model=none,readonly=on,multidevs=remap) ;;
        esac
        qemu_cmd "$name" "$limit" -serial "file:$log" "${extra[@]}"
        t0=$(date +%s.%N)
        timeout -k 5 "$limit" "${qemu[@]}" </dev/null >"$rundir/$name.qemu" 2>&1
        rc=$?
        t1=$(date +%s.%N)
        # The serial console ends lines with CR LF.
        sed -i 's/\r$//' "$log" 2>/dev/null
        reason=
        if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
                result=fail
                reason="no LAB-END within ${limit}s (host time limit)"
        elif grep -q '^LAB-END .*result=pass' "$log" && ! grep -q '^LAB-FAIL' "$log"; then
                result=pass
        elif grep -q '^LAB-END .*result=skip' "$log"; then
                result=skip
                reason=$(sed -n 's/^LAB-SKIP //p' "$log" | head -1)
        else
                result=fail
                reason=$(sed -n 's/^LAB-FAIL //p' "$log" | head -1)
                [ -n "$reason" ] || grep -q '^LAB-END' "$log" || reason="no LAB-END (qemu exit $rc: $(tail -c 200 "$rundir/$name.qemu" | tr '\n' ' '))"
        fi
        printf '%s %s %s %s\n' "$name" "$result" "$(elapsed "$t0" "$t1")" "$reason" >"$rundir/$name.result"
}

if [ -n "$shell" ]; then
        name=${selected[0]}
        echo "run.sh: interactive $name (exit the guest shell to power off; Ctrl-A X quits qemu)"
        qemu_cmd "$name" 3600 -serial mon:stdio
        exec "${qemu[@]}"
fi

echo "run.sh: ${#selected[@]} scenario(s), $jobs at a time, logs in $rundir"
start=$(date +%s.%N)
running=0
for name in "${selected[@]}"; do
        while [ "$running" -ge "$jobs" ]; do
                wait -n
                running=$((running - 1))
        done
        run_one "$name" &
        running=$((running + 1))
done
wait
total=$(elapsed "$start" "$(date +%s.%N)")

# ---- summary ------------------------------------------------------------

passed=0
failed=0
skipped=0
: >"$rundir/facts.txt"
printf '\n%-32s %-6s %7s  %s\n' scenario result wall-s note
for name in "${selected[@]}"; do
        r=$rundir/$name.result
        [ -s "$r" ] || echo "$name fail 0 harness error: no result" >"$r"
        read -r n result secs reason <"$r"
        printf '%-32s %-6s %7s  %s\n' "$n" "$result" "$secs" "$reason"
        case "$result" in
        pass) passed=$((passed + 1)) ;;
        skip) skipped=$((skipped + 1)) ;;
        *) failed=$((failed + 1)) ;;
        esac
        # Facts and timings, prefixed by scenario, for FINDINGS.md.
        sed -n 's/^LAB-\(FACT\|TIME\|CPU\|BOOT\|READY\|START\|END\) /\1 /p' "$rundir/$name.log" 2>/dev/null |
                sed "s/^/$name /" >>"$rundir/facts.txt"
        if [ -n "$verbose" ] || [ "$result" = fail ]; then
                echo "---- $name console ($rundir/$name.log), last 60 lines:"
                tail -n 60 "$rundir/$name.log" 2>/dev/null
                echo "----"
        fi
done
printf 'lab: %d passed, %d failed, %d skipped in %s s (logs: %s)\n' \
        "$passed" "$failed" "$skipped" "$total" "$rundir"
[ "$failed" -eq 0 ]
