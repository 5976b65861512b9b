#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Builds the lab guest's initramfs from this host's own files (busybox-static,
# open-iscsi, multipath-tools, e2fsprogs, jq, iproute2, libcurl, the kernel's
# modules).
# Prints the path of the ready image; a second run with the same inputs is instant.
#
#   tests/lab/mkinitramfs.sh [--out DIR] [--kver VER] [--bin FILE]... [--file SRC[=DST]]...
#
# The image is two concatenated cpio archives (the kernel unpacks them in
# turn): a heavy "base" (programs, libraries, modules), cached under a hash of
# its inputs, and a light "overlay" (the lab's scripts, --bin programs and
# --file data), rebuilt only when those change.  Editing a scenario therefore
# never repacks 60 MB of modules.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
out=
kver=
bins=
files=
while [ $# -gt 0 ]; do
        case "$1" in
        --out) out=$2; shift 2 ;;
        --kver) kver=$2; shift 2 ;;
        --bin) bins="$bins $2"; shift 2 ;;
        --file) files="$files $2"; shift 2 ;;
        -h|--help) sed -n '2,6p' "$0"; exit 0 ;;
        *) echo "mkinitramfs.sh: unknown argument '$1'" >&2; exit 2 ;;
        esac
done
[ -n "$out" ] || out=$(cd "$here/../.." && pwd)/build-lab/initramfs
# The newest installed kernel, as run.sh boots it.
[ -n "$kver" ] || kver=$(ls /lib/modules | sort -V | tail -1)
moddir=/lib/modules/$kver
[ -d "$moddir/kernel" ] || { echo "mkinitramfs.sh: no modules for $kver in $moddir" >&2; exit 1; }
mkdir -p "$out"

# Programs the guest needs, by full host path.  Missing required ones are a
# hard error (run.sh installs their packages); optional ones are packed when
# the host has them.
required="/usr/bin/busybox /usr/sbin/iscsid /usr/sbin/iscsiadm /usr/sbin/mke2fs
/usr/sbin/multipath /usr/sbin/multipathd /usr/sbin/dmsetup /usr/bin/jq
/usr/sbin/blockdev /usr/sbin/ip /usr/sbin/tc"
optional="/usr/sbin/iscsistart /usr/sbin/kpartx /usr/sbin/blkid /usr/sbin/e2fsck
/usr/sbin/dumpe2fs /usr/bin/lsblk /usr/bin/findmnt /usr/sbin/mkfs.vfat
/usr/bin/sg_inq /usr/bin/sg_vpd /usr/bin/strace /usr/bin/sha256sum
/usr/bin/udevadm /usr/lib/udev/scsi_id /usr/lib/udev/ata_id /usr/lib/udev/kpartx_id
/usr/bin/flock /usr/sbin/sfdisk /usr/sbin/mdadm /usr/sbin/lvm /usr/sbin/wipefs"
# udev's rules, for the scenarios that start udevd (lab_start_udev) as a
# real host runs it: by-path links, the udev database multipath-tools reads.
# Not hwdb.bin (13 MB): nothing here needs hardware names.
udevrules=$(ls /usr/lib/udev/rules.d/*.rules 2>/dev/null || true)
# Data files the programs read: mke2fs.conf gives mkfs.ext4 its ext4 feature
# set; multipath's checker/prioritizer plugins are dlopen()ed, so ldd misses
# them, and so does glibc's libgcc_s (pthread_cancel loads it at run time,
# and multipathd cancels threads); volattach loads libmount (detach) and
# libmpathcmd (multipath) and libcurl (the metadata service) on first use, so
# ldd of --bin misses them too.
datafiles="/etc/mke2fs.conf /etc/iscsi/iscsid.conf"
dlopened="/lib/x86_64-linux-gnu/libgcc_s.so.1 $(ls /lib/multipath/*.so 2>/dev/null || true)
/lib/x86_64-linux-gnu/libmount.so.1 /lib/libmpathcmd.so.0 /lib/x86_64-linux-gnu/libcurl.so.4"

# Modules loaded at every boot, in this order with their dependencies (the
# target, the initiator, disks, ext4), and modules a scenario may modprobe.
boot_modules="configfs crc32c_generic target_core_mod target_core_file
target_core_iblock iscsi_target_mod scsi_transport_iscsi iscsi_tcp sd_mod ext4"
demand_modules="dm_multipath dm_round_robin dm_service_time dm_queue_length
scsi_dh_alua loop isofs vfat nls_cp437 nls_iso8859_1 nls_utf8 virtio_pci virtio_blk
9pnet_virtio 9p sch_prio sch_netem cls_u32 sg md_mod raid1"

progs=
for p in $required; do
        [ -x "$p" ] || { echo "mkinitramfs.sh: missing $p (run tests/lab/run.sh, which installs it)" >&2; exit 1; }
        progs="$progs $p"
done
for p in $optional; do [ -x "$p" ] && progs="$progs $p"; done
for p in $datafiles; do [ -f "$p" ] || { echo "mkinitramfs.sh: missing $p" >&2; exit 1; }; done

# Shared libraries of the given programs, as ldd resolves them on this host
# (the guest gets the same paths, so no rpath games are needed).
libs_of() {
        for f in "$@"; do
                ldd "$f" 2>/dev/null | awk '/=> \//{print $3} /^[ \t]*\/[^ ]*ld-linux/{print $1}'
        done | sort -u
}

# insmod lines of `modprobe --show-depends`, in load order, each module once.
# "builtin" lines name modules compiled into this kernel: nothing to load.
modules_of() {
        for m in "$@"; do
                modprobe -S "$kver" --show-depends "$m" || { echo "mkinitramfs.sh: no module $m for $kver" >&2; exit 1; }
        done | awk '$1 == "insmod" && !seen[$2]++ {print $2}'
}

# Word splitting wanted: these are lists of paths and names without blanks.
# shellcheck disable=SC2086
baselibs=$(libs_of $progs $dlopened)
# shellcheck disable=SC2086
bootmods=$(modules_of $boot_modules)
# shellcheck disable=SC2086
allmods=$( (echo "$bootmods"; modules_of $demand_modules) | awk '!seen[$0]++')

# The base is keyed by every file it holds (path, size, mtime) and by this
# script itself, so a package upgrade or an edit here rebuilds it.
basekey=$( {
        echo "$kver"
        cat "$0"
        # shellcheck disable=SC2086
        stat -L -c '%n %s %Y' $progs $baselibs $datafiles $dlopened $allmods $udevrules
} | sha256sum | cut -c1-16)
base=$out/base-$basekey.cpio

# Pack a staged tree as a newc cpio owned by root with fixed timestamps.
pack() { (cd "$1" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --reproducible --quiet); }

# Copy a host file to the same path under a stage, following symlinks for
# the content but keeping the name the binary was asked for.
put() {
        mkdir -p "$1$(dirname "$2")"
        cp -L "$2" "$1$2"
}

if [ ! -s "$base" ]; then
        stage=$(mktemp -d "$out/stage.XXXXXX")
        trap 'rm -rf "$stage"' EXIT
        # Debian 12 is usr-merged: /bin, /sbin, /lib and /lib64 are links into
        # /usr, and ldd reports paths through them; the guest keeps that shape.
        mkdir -p "$stage/usr/bin" "$stage/usr/sbin" "$stage/usr/lib" "$stage/usr/lib64" \
                "$stage/usr/local/sbin" "$stage/usr/local/bin"
        for d in bin sbin lib lib64; do ln -s "usr/$d" "$stage/$d"; done
        mkdir -p "$stage/dev" "$stage/proc" "$stage/sys" "$stage/run" "$stage/tmp" \
                "$stage/etc/iscsi" "$stage/var/lib/iscsi" "$stage/mnt" \
                "$stage/host" "$stage/lab"
        # The kernel opens /dev/console before /init runs; without the node
        # the first lines of /init would go nowhere (init redirects later too).
        mknod "$stage/dev/console" c 5 1 2>/dev/null || true

        for f in $progs $baselibs $datafiles $dlopened $udevrules; do put "$stage" "$f"; done
        # udevd is udevadm called by this name (Debian's systemd-udevd is a link too)
        if [ -x /usr/bin/udevadm ]; then
                mkdir -p "$stage/usr/lib/systemd"
                ln -s /usr/bin/udevadm "$stage/usr/lib/systemd/systemd-udevd"
        fi
        # mkfs.ext4 is mke2fs choosing its type from argv[0].
        ln -sf mke2fs "$stage/usr/sbin/mkfs.ext4"
        # busybox applets where busybox would install them (the kernel runs
        # /sbin/modprobe for request_module), except where a real program of
        # the same name is packed.  A busybox shell still prefers its own
        # applet over PATH: call the real ones by full path (/usr/sbin/mke2fs).
        for a in $(/usr/bin/busybox --list-full); do
                n=${a##*/}
                [ -e "$stage/usr/bin/$n" ] || [ -e "$stage/usr/sbin/$n" ] ||
                        ln -s /usr/bin/busybox "$stage/usr/${a#usr/}"
        done

        for m in $allmods; do put "$stage" "$m"; done
        for f in modules.order modules.builtin modules.builtin.modinfo; do
                put "$stage" "$moddir/$f"
        done
        depmod -b "$stage" "$kver"
        # The boot list, in insmod order, for /init.
        echo "$bootmods" | sed "s|^$moddir/||" >"$stage$moddir/lab.boot"

        # ld.so finds libraries through its cache; the multipath libraries
        # live in /lib, which is not a default search directory.
        printf '%s\n' /lib/x86_64-linux-gnu /usr/lib/x86_64-linux-gnu /lib /usr/lib >"$stage/etc/ld.so.conf"
        ldconfig -r "$stage" 2>/dev/null || true

        printf 'root:x:0:0:root:/root:/bin/sh\n' >"$stage/etc/passwd"
        # the groups udev's rules give device nodes
        printf 'root:x:0:\ndisk:x:6:\ntape:x:26:\ncdrom:x:24:\ndialout:x:20:\nkvm:x:104:\n' >"$stage/etc/group"
        # Uncompressed (35 MB): booting it was no slower than gzip -1 (14 MB)
        # or zstd under TCG (2.3-2.7 s vs 2.5 s to power-off, noisy), and
        # it saves compressing on every overlay change.
        # A private temporary name: two runs may build the same base at once.
        pack "$stage" >"$base.tmp.$$"
        mv "$base.tmp.$$" "$base"
        rm -rf "$stage"
        trap - EXIT
        # Keep only the newest two bases (35 MB each).
        ls -t "$out"/base-*.cpio | tail -n +3 | xargs -r rm -f
fi

# The overlay: lab scripts, --bin programs (and their libraries), --file data.
ostage=$(mktemp -d "$out/ostage.XXXXXX")
trap 'rm -rf "$ostage"' EXIT
mkdir -p "$ostage/lab/scenarios" "$ostage/lab/files" "$ostage/usr/local/sbin" \
        "$ostage/usr/bin" "$ostage/usr/sbin" "$ostage/usr/lib" "$ostage/usr/lib64"
# Same usr-merge links as the base, so a library path such as
# /lib/x86_64-linux-gnu/x.so lands in /usr/lib when both archives unpack.
for d in bin sbin lib lib64; do ln -s "usr/$d" "$ostage/$d"; done
cp "$here/init" "$ostage/init"
chmod 755 "$ostage/init"
cp "$here/lib.sh" "$here/va.sh" "$ostage/lab/"
# the package's udev rule, for the scenarios that install it (va_udev_rule)
cp "$here/../../dist/udev/65-volattach.rules" "$ostage/lab/"
cp "$here"/scenarios/* "$ostage/lab/scenarios/"
chmod 755 "$ostage"/lab/scenarios/*
for b in $bins; do
        [ -x "$b" ] || { echo "mkinitramfs.sh: --bin $b: not an executable file" >&2; exit 1; }
        cp -L "$b" "$ostage/usr/local/sbin/"
        # shellcheck disable=SC2046
        for l in $(libs_of "$b"); do put "$ostage" "$l"; done
done
for spec in $files; do
        src=${spec%%=*}
        dst=${spec#*=}
        [ "$dst" = "$spec" ] && dst=/lab/files/$(basename "$src")
        [ -e "$src" ] || { echo "mkinitramfs.sh: --file $src: no such file" >&2; exit 1; }
        mkdir -p "$ostage$(dirname "$dst")"
        cp -RL "$src" "$ostage$dst"
done
overlay=$out/overlay.cpio.tmp.$$
pack "$ostage" >"$overlay"
okey=$basekey-$(sha256sum <"$overlay" | cut -c1-16)
image=$out/lab-$okey.cpio
if [ ! -s "$image" ]; then
        cat "$base" "$overlay" >"$image.tmp.$$"
        mv "$image.tmp.$$" "$image"
        ls -t "$out"/lab-*.cpio | tail -n +5 | xargs -r rm -f
fi
rm -f "$overlay"
echo "$image"
