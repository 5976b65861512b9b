# SPDX-License-Identifier: Apache-2.0
# Guest side of the benchmarks (sourced by bench/scenarios/*, after lib.sh
# and va.sh): N LIO targets with one-way CHAP, then, run after run from a
# clean initiator, the wall time until every block device is present for
#   volattach  `volattach attach` (its default --jobs)
#   serial     bench/guest/serial.sh: the seed's one-iscsiadm-after-another loop
#   osbrick    os-brick's ISCSIConnector.connect_volume per volume (osbrick.py)
# Prints "LAB-TIME <tool>_r<run> <ms>" and "LAB-FACT" lines; bench/run.sh
# turns them into the table.  Needs BENCH_N, BENCH_MP (0/1), BENCH_RUNS.

BENCH=/run/bench
[ -f /lab/bench/config ] && . /lab/bench/config
BENCH_LIST=$BENCH/serial.list   # for serial.sh
BENCH_PROPS=$BENCH/props.json   # for osbrick.py
mkdir -p $BENCH

bench_iqn() { printf 'iqn.2003-01.org.linux-iscsi.bench:v%02d' "$1"; }
# 16 characters, like Cinder's generated CHAP secrets
bench_secret() { printf 'Bench%02dSecretXy' "$1"; }

# bench_targets: BENCH_N targets, LUN 0 each (32 MB, fixed serial), ACL for
# the lab initiator with one-way CHAP, on 127.0.0.1:3260 (and 127.0.0.2:3260
# with BENCH_MP=1); the metadata and the two baselines' inputs to match.
bench_targets() {
        local i t items="" sep="" portals
        portals=127.0.0.1:3260
        [ "$BENCH_MP" = 1 ] && portals="127.0.0.1:3260 127.0.0.2:3260"
        : >"$BENCH_LIST"
        printf '[' >"$BENCH_PROPS"
        i=1
        while [ $i -le "$BENCH_N" ]; do
                t=$(bench_iqn $i)
                lio_target "$t"
                lio_backstore "bench$i" 32 "bench-serial-$i"
                lio_lun "$t" 0 "bench$i"
                lio_acl "$t" "$LAB_INITIATOR" 0
                lio_chap "$t" "$LAB_INITIATOR" "user$i" "$(bench_secret $i)"
                lio_portal "$t" 127.0.0.1 3260
                [ "$BENCH_MP" = 1 ] && lio_portal "$t" 127.0.0.2 3260
                lio_tpg_enable "$t" 1
                printf '%s 0 user%s %s %s\n' "$t" $i "$(bench_secret $i)" "$portals" >>"$BENCH_LIST"
                if [ "$BENCH_MP" = 1 ]; then
                        VA_MP=true VA_EXTRA=", \"target_portals\": [\"127.0.0.1:3260\", \"127.0.0.2:3260\"], \"target_iqns\": [\"$t\", \"$t\"], \"target_luns\": [0, 0]"
                        printf '%s{"target_portal": "127.0.0.1:3260", "target_iqn": "%s", "target_lun": 0, "target_portals": ["127.0.0.1:3260", "127.0.0.2:3260"], "target_iqns": ["%s", "%s"], "target_luns": [0, 0], ' "$sep" "$t" "$t" "$t" >>"$BENCH_PROPS"
                else
                        VA_MP=false VA_EXTRA=
                        printf '%s{"target_portal": "127.0.0.1:3260", "target_iqn": "%s", "target_lun": 0, ' "$sep" "$t" >>"$BENCH_PROPS"
                fi
                printf '"target_discovered": false, "volume_id": "%s", "auth_method": "CHAP", "auth_username": "user%s", "auth_password": "%s"}' \
                        "$(va_id $i)" $i "$(bench_secret $i)" >>"$BENCH_PROPS"
                items="$items$sep$(VA_MP=$VA_MP VA_EXTRA=$VA_EXTRA va_vol "$(va_id $i)" "$LAB_INITIATOR" 127.0.0.1:3260 "$t" 0 "user$i" "$(bench_secret $i)")"
                sep=","
                i=$((i + 1))
        done
        printf ']\n' >>"$BENCH_PROPS"
        # the first volume alone, for the warm-up
        jq -c '.[:1]' "$BENCH_PROPS" >$BENCH/props1.json
        head -1 "$BENCH_LIST" >$BENCH/serial1.list
        # va_meta takes the items as arguments; they are one string here
        {
                printf '{"uuid": "7d631f44-00ec-4503-a113-cb616d0fd81c", "name": "bench", "hostname": "bench.novalocal",\n "volumes": [%s]}\n' "$items"
        } >"$VA_META"
        chmod 600 "$VA_META"
        (umask 077 && jq '.volumes |= .[:1]' "$VA_META" >$BENCH/meta1.json)
}

# bench_multipath_conf: multipathd as lab_start_multipathd starts it; the
# WWID whitelist and config live in /etc/multipath, which the os-brick chroot
# shares (bench_chroot).
bench_start_multipathd() {
        mkdir -p /etc/multipath/conf.d
        : >/etc/multipath/wwids
        lab_start_multipathd
}

# bench_chroot: the host's root read-only at /host, with the guest's own
# kernel filesystems, iSCSI state and scratch directories bound over it, so
# that os-brick there drives this guest's iscsid, sysfs and devices.
bench_chroot() {
        local d
        lab_mount_hostroot
        for d in /proc /sys /dev /dev/pts /run /tmp /etc/iscsi /var/lib/iscsi /etc/multipath; do
                [ -d "/host$d" ] || { lab_note "host has no $d: not shared into the chroot"; continue; }
                mount -o bind "$d" "/host$d" || lab_fail "bind $d into /host"
        done
}

# bench_clean: every session logged out, every node record and multipath
# map gone, volattach's state removed, udev settled: each run starts here.
bench_clean() {
        [ "$BENCH_MP" = 1 ] && multipath -F >/dev/null 2>&1
        iscsiadm -m node -U all >/dev/null 2>&1
        iscsiadm -m node -o delete >/dev/null 2>&1
        rm -rf /etc/iscsi/nodes/* /etc/iscsi/send_targets/* /run/volattach
        [ "$BENCH_MP" = 1 ] && : >/etc/multipath/wwids
        udevadm settle --timeout=20
        if [ "$BENCH_MP" = 1 ]; then
                multipath -F >/dev/null 2>&1
                lab_wait_for "no multipath maps" 20 sh -c '[ -z "$(ls /sys/block | grep ^dm-)" ]'
        fi
        lab_wait_for "no sessions" 20 sh -c '[ "$(ls /sys/class/iscsi_session | wc -l)" = 0 ]'
        lab_wait_for "no disks" 20 sh -c '[ -z "$(ls /sys/block | grep ^sd)" ]'
        lab_wait_for "no by-path links" 20 sh -c '[ -z "$(ls /dev/disk/by-path 2>/dev/null)" ]'
}

# bench_check TOOL RUN: every volume has its block device (a dm map over
# two sessions with BENCH_MP=1), else the run fails.
bench_check() {
        local want=$BENCH_N sessions disks maps
        sessions=$(ls /sys/class/iscsi_session | wc -l)
        disks=$(ls /sys/block | grep -c '^sd')
        maps=$(ls /sys/block | grep -c '^dm-')
        if [ "$BENCH_MP" = 1 ]; then
                [ "$sessions" = $((2 * want)) ] && [ "$maps" = "$want" ] ||
                        lab_fail "$1 run $2: $sessions sessions, $disks disks, $maps maps; expected $((2 * want)) / $((2 * want)) / $want"
        else
                [ "$sessions" = "$want" ] && [ "$disks" = "$want" ] ||
                        lab_fail "$1 run $2: $sessions sessions, $disks disks; expected $want"
        fi
}

# ---- the contenders ---------------------------------------------------------

bench_volattach() {
        volattach attach --metadata "$VA_META" --json >$BENCH/va.json 2>$BENCH/va.err ||
                { cat $BENCH/va.err; lab_fail "volattach attach failed"; }
}

bench_serial() {
        sh /lab/bench/serial.sh "$BENCH_LIST" >$BENCH/serial.out 2>&1 ||
                { cat $BENCH/serial.out; lab_fail "serial loop failed"; }
}

# The floor: no tool, only the work any tool must cause for these volumes,
# done the cheapest way there is: node records with CHAP written beforehand
# (bench_pre_floor, not timed), one iscsiadm logging all of them in, one LUN
# scan per session (all at once), udev settled.  What iscsid, the kernel,
# LIO and udev cost by themselves; single-portal cells only.
bench_pre_floor() {
        local t lun user sec portals p kv
        while read -r t lun user sec portals; do
                for p in $portals; do
                        iscsiadm -m node -o new -T "$t" -p "$p" >/dev/null || lab_fail "floor: record"
                        for kv in "session.auth.authmethod CHAP" "session.auth.username $user" \
                                "session.auth.password $sec" "session.scan manual"; do
                                # shellcheck disable=SC2086
                                set -- $kv
                                iscsiadm -m node -T "$t" -p "$p" -o update -n "node.$1" -v "$2" ||
                                        lab_fail "floor: record"
                        done
                done
        done <"$BENCH_LIST"
}

bench_floor() {
        local h pids=""
        iscsiadm -m node -L all >/dev/null 2>&1 || lab_fail "floor: logins"
        for h in /sys/class/iscsi_host/host*; do
                # every bench LUN is LUN 0 of its target (channel 0, id 0)
                echo "0 0 0" >"/sys/class/scsi_host/${h##*/}/scan" &
                pids="$pids $!"
        done
        # shellcheck disable=SC2086
        wait $pids
        udevadm settle --timeout=120
}

# os-brick runs as one long-lived process (its import alone takes seconds
# under TCG, and a service imports once); each run sends it one command.
bench_osbrick_start() {
        lab_step "os-brick: import (chroot /host /usr/bin/python3)"
        mkfifo $BENCH/brick.in
        : >$BENCH/brick.out
        # EVENTLET_NO_GREENDNS halves the import (lab.md); the connect calls
        # do not resolve names.
        chroot /host env EVENTLET_NO_GREENDNS=yes BENCH_MP="$BENCH_MP" \
                BENCH_LOCKS=/run/bench/locks PATH=/usr/sbin:/usr/bin:/sbin:/bin \
                /usr/bin/python3 /run/bench/osbrick.py <$BENCH/brick.in >>$BENCH/brick.out 2>$BENCH/brick.err &
        exec 7>$BENCH/brick.in
        lab_wait_for_quiet 300 grep -q '^ready ' $BENCH/brick.out ||
                { tail -20 $BENCH/brick.err; lab_fail "os-brick did not start"; }
        BENCH_BRICK_SEQ=0
        local l
        l=$(grep '^ready ' $BENCH/brick.out)
        lab_fact osbrick_import_ms "$(echo "$l" | sed 's/.*import_ms=\([0-9]*\).*/\1/')"
        lab_fact osbrick_import_rss_kb "$(echo "$l" | sed 's/.*rss_kb=\([0-9]*\).*/\1/')"
}

# bench_osbrick: sets BENCH_BRICK_LINE to os-brick's answer.
bench_osbrick() {
        BENCH_BRICK_SEQ=$((BENCH_BRICK_SEQ + 1))
        echo "connect $BENCH_PROPS" >&7
        lab_wait_for_quiet 600 sh -c "[ \$(grep -c '^done \|^error ' $BENCH/brick.out) -ge $BENCH_BRICK_SEQ ]" ||
                lab_fail "os-brick did not answer"
        BENCH_BRICK_LINE=$(grep '^done \|^error ' $BENCH/brick.out | sed -n "${BENCH_BRICK_SEQ}p")
        case "$BENCH_BRICK_LINE" in
        done*) ;;
        *) tail -30 $BENCH/brick.err; lab_fail "os-brick: $BENCH_BRICK_LINE" ;;
        esac
}

# CPU accounting, in clock ticks (USER_HZ, 100 per second): the whole
# guest's busy time (every process, iscsid, udev, the kernel and LIO), and
# the contender's own (its process and the children it waited for; the
# shell's cutime/cstime, or os-brick's getrusage).  Where the wall time
# goes when the guest is CPU-bound.
bench_busy() {
        # cpu user nice system idle iowait irq softirq steal
        set -- $(head -1 /proc/stat)
        echo $(($2 + $3 + $4 + $7 + $8 + $9))
}
bench_children() {
        # the shell's fields 16 and 17: cutime and cstime of waited children
        set -- $(sed 's/.*) //' /proc/$$/stat)
        echo $((${14} + ${15}))
}

# bench_one TOOL RUN: clean, time one attach of every volume, check.
bench_one() {
        local busy0 own0 own
        bench_clean
        [ "$1" = floor ] && bench_pre_floor
        busy0=$(bench_busy)
        own0=$(bench_children)
        if [ "$1" = osbrick ]; then
                bench_osbrick
                LAB_LAST_MS=$(echo "$BENCH_BRICK_LINE" | sed 's/.* ms=\([0-9]*\).*/\1/')
                echo "LAB-TIME $1_r$2 $LAB_LAST_MS"
                own=$(echo "$BENCH_BRICK_LINE" | sed 's/.* cpu_ticks=\([0-9]*\).*/\1/')
        else
                lab_time_start "$1_r$2"
                "bench_$1"
                lab_time_end "$1_r$2"
                own=$(($(bench_children) - own0))
        fi
        echo "LAB-CPU $1_r$2 $(($(bench_busy) - busy0)) $own"
        bench_check "$1" "$2"
}

# bench_footprint: volattach's cold start to plan output (mean of 20) and
# its own peak RSS (VmHWM, sampled every 5 ms) over a whole attach.
bench_footprint() {
        local i t0 hwm=0 h pid
        lab_step "footprint: volattach plan x20, peak RSS of one attach"
        t0=$(lab_now_ms)
        i=0
        while [ $i -lt 20 ]; do
                volattach plan --metadata "$VA_META" >/dev/null 2>&1 || lab_fail "plan failed"
                i=$((i + 1))
        done
        lab_fact volattach_plan_ms_x20 $(($(lab_now_ms) - t0))
        bench_clean
        volattach attach --metadata "$VA_META" --json >$BENCH/va.json 2>$BENCH/va.err &
        pid=$!
        while [ -e /proc/$pid/status ]; do
                h=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' /proc/$pid/status 2>/dev/null)
                [ -n "$h" ] && [ "$h" -gt "$hwm" ] && hwm=$h
                usleep 5000
        done
        wait $pid || lab_fail "volattach attach (footprint run) failed"
        bench_check volattach footprint
        lab_fact volattach_peak_rss_kb $hwm
        [ -f $BENCH/brick.out ] && lab_fact osbrick_peak_rss_kb "$(grep '^done ' $BENCH/brick.out | tail -1 | sed 's/.*[^_]rss_kb=\([0-9]*\).*/\1/')"
}

# bench_main: the whole cell.
bench_main() {
        local r tools
        lab_step "bench: N=$BENCH_N multipath=$BENCH_MP runs=$BENCH_RUNS, $(grep -c ^processor /proc/cpuinfo) vCPU"
        lab_fact bench_n "$BENCH_N"
        lab_fact bench_mp "$BENCH_MP"
        lab_fact bench_vcpus "$(grep -c ^processor /proc/cpuinfo)"
        bench_chroot
        cp /lab/bench/osbrick.py $BENCH/
        lab_step "udevd (os-brick needs /dev/disk/by-path; every contender runs with it)"
        lab_start_udev
        [ "$BENCH_MP" = 1 ] && bench_start_multipathd
        lab_time_start targets
        bench_targets
        lab_time_end targets
        BENCH_TOOLS=${BENCH_TOOLS:-volattach serial osbrick floor}
        [ "$BENCH_MP" = 1 ] && BENCH_TOOLS=$(echo " $BENCH_TOOLS " | sed 's/ floor / /')
        case " $BENCH_TOOLS " in *" osbrick "*) bench_osbrick_start ;; esac
        # A warm-up of each with the first volume, not counted: first-use
        # costs (page cache over 9p, LIO's first login) fall on no contender.
        lab_step "warm-up"
        local n=$BENCH_N props=$BENCH_PROPS list=$BENCH_LIST meta=$VA_META
        BENCH_N=1 BENCH_PROPS=$BENCH/props1.json BENCH_LIST=$BENCH/serial1.list VA_META=$BENCH/meta1.json
        for t in $BENCH_TOOLS; do bench_one $t 0; done
        BENCH_N=$n BENCH_PROPS=$props BENCH_LIST=$list VA_META=$meta
        r=1
        tools=$BENCH_TOOLS
        while [ $r -le "$BENCH_RUNS" ]; do
                lab_step "run $r: $tools"
                for t in $tools; do
                        # os-brick may do fewer runs (minutes each at N=32)
                        [ $t = osbrick ] && [ $r -gt "${BENCH_OSBRICK_RUNS:-$BENCH_RUNS}" ] && continue
                        bench_one $t $r
                done
                # rotate the order, so that drift falls on every contender
                case "$tools" in *" "*) tools="${tools#* } ${tools%% *}" ;; esac
                r=$((r + 1))
        done
        [ "$BENCH_N" -ge 32 ] && bench_footprint
        bench_clean
        lab_pass
}
