#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Baseline (c): the seed's approach on Linux, one volume after another with
# plain iscsiadm calls: new node record, CHAP set with "-o update" (the
# secret in iscsiadm's argv: acceptable here only because this is the
# baseline being measured), login, then wait for the disk's by-path link.
#   serial.sh LISTFILE    lines: "IQN LUN USER SECRET PORTAL [PORTAL2]"
# With two portals (multipath) both paths are logged in, the WWID is
# whitelisted (multipath -a, as find_multipaths strict wants), both paths are
# handed to multipathd, and the wait is for the dm map over them.

# wait_for FILE: poll every 10 ms, at most 30 s.
wait_for() {
        i=0
        until [ -e "$1" ]; do
                i=$((i + 1))
                [ $i -lt 3000 ] || { echo "serial: no $1" >&2; exit 1; }
                usleep 10000
        done
}

while read -r iqn lun user secret portals; do
        devs=
        for portal in $portals; do
                iscsiadm -m node -o new -T "$iqn" -p "$portal" >/dev/null || exit 1
                for kv in "authmethod CHAP" "username $user" "password $secret"; do
                        # shellcheck disable=SC2086
                        set -- $kv
                        iscsiadm -m node -T "$iqn" -p "$portal" -o update \
                                -n "node.session.auth.$1" -v "$2" || exit 1
                done
                iscsiadm -m node -T "$iqn" -p "$portal" --login >/dev/null || exit 1
                link=/dev/disk/by-path/ip-$portal-iscsi-$iqn-lun-$lun
                wait_for "$link"
                dev=$(readlink -f "$link")
                devs="$devs ${dev#/dev/}"
        done
        set -- $devs
        [ $# -gt 1 ] || continue
        multipath -a "/dev/$1" >/dev/null
        for d in "$@"; do multipathd add path "$d" >/dev/null; done
        for d in "$@"; do
                i=0
                until ls /sys/block/"$d"/holders/dm-* >/dev/null 2>&1; do
                        i=$((i + 1))
                        [ $i -lt 3000 ] || { echo "serial: no map over $d" >&2; exit 1; }
                        usleep 10000
                done
        done
done <"$1"
exit 0
