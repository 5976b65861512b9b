# SPDX-License-Identifier: Apache-2.0
# The guest-side library every scenario sources (. /lab/lib.sh): LIO target
# set-up through configfs, open-iscsi node-record helpers, assertions that
# print the markers run.sh reads, and timing.  Runs under busybox sh.
#
# Markers (one per line, at the start of the line, parsed on the host):
#   LAB-STEP <text>         a readable step
#   LAB-FAIL <reason>       an assertion failed (the scenario then stops)
#   LAB-PASS                the scenario reached its end
#   LAB-SKIP <reason>       the scenario cannot run here (e.g. no volattach)
#   LAB-FACT <key>=<value>  a measured fact, collected into facts.txt
#   LAB-TIME <name> <ms>    a measured duration, collected into facts.txt

LAB_INITIATOR=$(sed -n 's/^InitiatorName=//p' /etc/iscsi/initiatorname.iscsi)
LIO=/sys/kernel/config/target
# The TPG tag every lio_* function uses; LIO numbers TPGs from 1.
LIO_TPGT=${LIO_TPGT:-1}
LIO_DATA=/tmp/lio

# ---- output, assertions, timing -----------------------------------------

# Milliseconds since boot, from /proc/uptime (10 ms resolution).
lab_now_ms() {
        local up
        read -r up _ </proc/uptime
        echo $((${up%.*} * 1000 + 1${up#*.} * 10 - 1000))
}
_lab_t0=$(lab_now_ms)

lab_step() { echo "LAB-STEP [$(($(lab_now_ms) - _lab_t0)) ms] $*"; }
lab_fact() { echo "LAB-FACT $1=$2"; }
lab_note() { echo "   $*"; }

lab_fail() {
        echo "LAB-FAIL $*"
        : >/run/lab/failed
        exit 1
}

lab_pass() {
        [ -e /run/lab/failed ] && exit 1
        echo "LAB-PASS"
        : >/run/lab/passed
        exit 0
}

lab_skip() {
        echo "LAB-SKIP $*"
        : >/run/lab/skipped
        exit 0
}

# lab_require_bin NAME: skip when a program (e.g. volattach from --bin) is
# not packed into this image.
lab_require_bin() { command -v "$1" >/dev/null 2>&1 || lab_skip "$1 is not in this image (run.sh --bin)"; }

# lab_time_start NAME / lab_time_end NAME: print "LAB-TIME NAME <ms>" and
# keep the milliseconds in $LAB_LAST_MS.
lab_time_start() { eval "_lab_time_$1=\$(lab_now_ms)"; }
lab_time_end() {
        local t0
        eval "t0=\$_lab_time_$1"
        LAB_LAST_MS=$(($(lab_now_ms) - t0))
        echo "LAB-TIME $1 $LAB_LAST_MS"
}

# lab_run CMD...: show the command and its output; fail unless it exits 0.
lab_run() {
        echo "\$ $*"
        "$@"
        local rc=$?
        [ $rc -eq 0 ] || lab_fail "'$*' exited $rc"
}

# lab_expect_rc RC CMD...: run, keep stdout+stderr in $LAB_OUT and the exit
# code in $LAB_RC, fail unless the code is RC.
lab_expect_rc() {
        local want=$1
        shift
        echo "\$ $*"
        LAB_OUT=$("$@" 2>&1)
        LAB_RC=$?
        [ -z "$LAB_OUT" ] || printf '%s\n' "$LAB_OUT" | lab_redact | sed 's/^/   | /'
        [ "$LAB_RC" = "$want" ] || lab_fail "'$*' exited $LAB_RC, expected $want"
}

# lab_redact: a filter that blanks the value of every "...password... = "
# line (iscsiadm -o show -S, record dumps) before it reaches the console.
lab_redact() { sed 's/^\([[:space:]]*[a-z_.]*password[a-z_]*[[:space:]]*[=:][[:space:]]*\).*/\1<hidden>/'; }

# lab_assert DESCRIPTION CMD...: fail with DESCRIPTION unless CMD succeeds.
lab_assert() {
        local what=$1
        shift
        "$@" || lab_fail "$what"
}

lab_assert_eq() {
        [ "$2" = "$3" ] || lab_fail "$1: got '$2', expected '$3'"
}

# lab_assert_match DESCRIPTION TEXT ERE
lab_assert_match() {
        printf '%s\n' "$2" | grep -Eq -- "$3" || lab_fail "$1: '$3' not found in: $(printf '%s\n' "$2" | lab_redact)"
}

lab_assert_nomatch() {
        printf '%s\n' "$2" | grep -Eq -- "$3" && lab_fail "$1: '$3' found in: $(printf '%s\n' "$2" | lab_redact)"
        return 0
}

# lab_wait_for_quiet SECONDS CMD...: poll CMD every 20 ms; 1 on timeout.
lab_wait_for_quiet() {
        local limit=$(($1 * 1000)) t0
        shift
        t0=$(lab_now_ms)
        until "$@"; do
                [ $(($(lab_now_ms) - t0)) -lt $limit ] || return 1
                usleep 20000
        done
}

# lab_wait_for DESCRIPTION SECONDS CMD...: poll CMD every 20 ms.
lab_wait_for() {
        local what=$1 limit=$(($2 * 1000)) t0
        shift 2
        t0=$(lab_now_ms)
        until "$@"; do
                [ $(($(lab_now_ms) - t0)) -lt $limit ] || lab_fail "timed out after ${limit} ms waiting for: $what"
                usleep 20000
        done
}

# ---- LIO target through configfs (no targetcli) -------------------------

_lio_tpg() { echo "$LIO/iscsi/$1/tpgt_$LIO_TPGT"; }

# lio_write FILE VALUE: configfs attributes take the whole write as the
# value, so a trailing newline would become part of a CHAP name or secret
# ("CHAP_N values do not match"): always printf without one.
lio_write() {
        printf '%s' "$2" >"$1" || lab_fail "cannot write '$2' to $1"
}

# lio_backstore NAME SIZE_MB [SERIAL]: a sparse fileio backstore in /tmp.
# SERIAL fixes the unit serial (the VPD 0x80/0x83 a multipath WWID is made
# of); LIO otherwise generates a random one.
lio_backstore() {
        local d=$LIO/core/fileio_0/$1
        mkdir -p "$LIO_DATA" "$d" || lab_fail "cannot create backstore $1"
        truncate -s "${2}M" "$LIO_DATA/$1.img"
        lio_write "$d/control" "fd_dev_name=$LIO_DATA/$1.img,fd_dev_size=$(($2 * 1048576))"
        [ -z "${3:-}" ] || lio_write "$d/wwn/vpd_unit_serial" "$3"
        lio_write "$d/enable" 1
}

# lio_target IQN: the target and its TPG (disabled until lio_tpg_enable).
lio_target() {
        mkdir -p "$(_lio_tpg "$1")" || lab_fail "cannot create target $1"
}

# lio_lun IQN LUN BACKSTORE
lio_lun() {
        local l
        l=$(_lio_tpg "$1")/lun/lun_$2
        mkdir -p "$l" || lab_fail "cannot create $1 lun $2"
        ln -s "$LIO/core/fileio_0/$3" "$l/$3" || lab_fail "cannot link $3 into $1 lun $2"
}

# lio_portal IQN ADDR PORT: ADDR is an IPv4 address or a bracketed IPv6 one
# ("[::1]"), as LIO names its network portals.
lio_portal() {
        mkdir "$(_lio_tpg "$1")/np/$2:$3" || lab_fail "cannot create portal $2:$3 on $1"
}

# lio_portal_del IQN ADDR PORT
lio_portal_del() { rmdir "$(_lio_tpg "$1")/np/$2:$3"; }

# lio_acl IQN INITIATOR_IQN LUN...: map each TPG LUN to the same LUN number.
lio_acl() {
        local t=$1 i=$2 a
        shift 2
        a=$(_lio_tpg "$t")/acls/$i
        mkdir -p "$a" || lab_fail "cannot create ACL $i on $t"
        for l in "$@"; do
                mkdir -p "$a/lun_$l"
                ln -s "$(_lio_tpg "$t")/lun/lun_$l" "$a/lun_$l/lun_$l" || lab_fail "cannot map lun $l for $i"
        done
}

# lio_auth IQN 0|1: whether the TPG asks for CHAP at all.
lio_auth() { lio_write "$(_lio_tpg "$1")/attrib/authentication" "$2"; }

# lio_chap IQN INITIATOR USER SECRET: one-way CHAP (the target checks the
# initiator).
lio_chap() {
        local a
        a=$(_lio_tpg "$1")/acls/$2/auth
        lio_write "$a/userid" "$3"
        lio_write "$a/password" "$4"
        lio_auth "$1" 1
}

# lio_mutual_chap IQN INITIATOR USER_IN SECRET_IN: the target's own
# credentials, which the initiator checks (node.session.auth.username_in).
lio_mutual_chap() {
        local a
        a=$(_lio_tpg "$1")/acls/$2/auth
        lio_write "$a/userid_mutual" "$3"
        lio_write "$a/password_mutual" "$4"
}

# lio_noauth IQN: ACLs still decide which initiator sees which LUN, no CHAP.
lio_noauth() { lio_auth "$1" 0; }

# lio_demo_mode IQN: any initiator, every LUN of the TPG, no CHAP, writable.
lio_demo_mode() {
        local t
        t=$(_lio_tpg "$1")/attrib
        lio_write "$t/generate_node_acls" 1
        lio_write "$t/cache_dynamic_acls" 1
        lio_write "$t/demo_mode_write_protect" 0
        lio_auth "$1" 0
}

# lio_discovery_chap USER SECRET [USER_MUTUAL SECRET_MUTUAL]: credentials
# for SendTargets discovery sessions, which are global in LIO (not per TPG).
lio_discovery_chap() {
        local d=$LIO/iscsi/discovery_auth
        lio_write "$d/userid" "$1"
        lio_write "$d/password" "$2"
        if [ -n "${3:-}" ]; then
                lio_write "$d/userid_mutual" "$3"
                lio_write "$d/password_mutual" "$4"
        fi
        lio_write "$d/enforce_discovery_auth" 1
}

lio_discovery_noauth() { lio_write "$LIO/iscsi/discovery_auth/enforce_discovery_auth" 0; }

# lio_tpg_enable IQN 0|1
lio_tpg_enable() { lio_write "$(_lio_tpg "$1")/enable" "$2"; }

# lio_simple IQN ADDR PORT LUNS... : the common case in one call: one
# backstore per LUN (named after the IQN's last part; $LIO_MB MB, default
# 64; with LIO_SERIALS=1 the unit serial "<last part>-l<LUN>"), an ACL for
# the lab initiator, no CHAP, portal, enabled.
lio_simple() {
        local t=$1 addr=$2 port=$3 short serial=
        shift 3
        short=$(echo "${t##*:}" | tr -c 'a-zA-Z0-9_\n' _)
        lio_target "$t"
        for l in "$@"; do
                [ "${LIO_SERIALS:-}" = 1 ] && serial="${short}-l$l"
                lio_backstore "${short}_l$l" "${LIO_MB:-64}" $serial
                lio_lun "$t" "$l" "${short}_l$l"
        done
        lio_acl "$t" "$LAB_INITIATOR" "$@"
        lio_noauth "$t"
        lio_portal "$t" "$addr" "$port"
        lio_tpg_enable "$t" 1
}

# ---- open-iscsi node records (raw iscsiadm; volattach does this later) ---

# node_file IQN ADDR PORT: the record file iscsiadm keeps for a portal.
# open-iscsi 2.1.8 has two layouts (FINDINGS.md, a): a plain file
# "<addr>,<port>" when the TPGT is unknown ("-o new" without ",TPGT"), else
# "<addr>,<port>,<tpgt>/<iface>".  ADDR is bare, also for IPv6 ("::1").
node_file() {
        local f
        for f in /etc/iscsi/nodes/"$1"/"$2,$3" /etc/iscsi/nodes/"$1"/"$2,$3",*/*; do
                [ -f "$f" ] && { echo "$f"; return 0; }
        done
        return 1
}

# record_set FILE KEY VALUE [KEY VALUE]...: rewrite (or append) "KEY = VALUE"
# lines.  Only shell builtins touch the values (read, printf, case), so a
# secret never appears in any process's argument list; the temporary file is
# created 0600 beside the record and renamed over it, so the record is never
# seen half-written or world-readable.
record_set() {
        local f=$1 tmp line k v d found n i
        shift
        tmp=$f.lab.$$
        (umask 077 && : >"$tmp") || lab_fail "cannot create $tmp"
        n=$(($# / 2))
        {
                while IFS= read -r line; do
                        i=1
                        found=
                        while [ $i -le $n ]; do
                                eval "k=\${$((2 * i - 1))}; v=\${$((2 * i))}"
                                case "$line" in
                                "$k = "*|"$k ="|"$k") printf '%s = %s\n' "$k" "$v"; found=1
                                        eval "_rs_done_$i=1"; break ;;
                                esac
                                i=$((i + 1))
                        done
                        [ -n "$found" ] || printf '%s\n' "$line"
                done
                # Keys the record does not have yet (iscsiadm leaves out
                # empty values) are appended, after "# END RECORD", which
                # the parser reads as just a comment (FINDINGS.md, a).
                i=1
                while [ $i -le $n ]; do
                        eval "k=\${$((2 * i - 1))}; v=\${$((2 * i))}; d=\${_rs_done_$i:-}"
                        [ -n "$d" ] || printf '%s = %s\n' "$k" "$v"
                        unset "_rs_done_$i"
                        i=$((i + 1))
                done
        } <"$f" >"$tmp"
        mv -f "$tmp" "$f" || lab_fail "cannot replace $f"
}

# record_get FILE KEY: the value after "KEY = ".
record_get() {
        local line
        while IFS= read -r line; do
                case "$line" in "$2 = "*) printf '%s\n' "${line#"$2 = "}"; return 0 ;; esac
        done <"$1"
        return 1
}

# node_new IQN ADDR PORT: "iscsiadm -m node -o new" (no discovery), print
# the record file.  ADDR in iscsiadm's form: 127.0.0.1 or [::1].
node_new() {
        iscsiadm -m node -o new -T "$1" -p "$2:$3" >/dev/null || lab_fail "iscsiadm -m node -o new -T $1 -p $2:$3 failed"
        node_file "$1" "$(echo "$2" | tr -d '[]')" "$3" || lab_fail "no node record for $1 $2:$3"
}

# ---- sessions and disks, read from sysfs (no udev in the guest) ---------

# iscsi_session IQN [PERSISTENT_ADDRESS]: the sessionN of a target.
iscsi_session() {
        local s c
        for s in /sys/class/iscsi_session/session*; do
                [ -e "$s/targetname" ] || continue
                [ "$(cat "$s/targetname")" = "$1" ] || continue
                if [ -n "${2:-}" ]; then
                        c=$(ls -d "$s"/device/connection*/iscsi_connection/connection* 2>/dev/null | head -1)
                        [ "$(cat "$c/persistent_address" 2>/dev/null)" = "$2" ] || continue
                fi
                echo "${s##*/}"
                return 0
        done
        return 1
}

# iscsi_disks SESSION [LUN]: the sdX names behind a session, one per line,
# sorted by H:C:T:L (the SCSI devices sit under session's device dir).
iscsi_disks() {
        local d hctl
        for d in /sys/class/iscsi_session/"$1"/device/target*/*:*:*:*; do
                [ -d "$d/block" ] || continue
                hctl=${d##*/}
                [ -z "${2:-}" ] || [ "${hctl##*:}" = "$2" ] || continue
                ls "$d/block"
        done
}

# iscsi_host SESSION: the SCSI host number (for /sys/class/scsi_host/hostH/scan).
iscsi_host() {
        local h
        # .../devices/platform/hostH/sessionN
        h=$(readlink -f /sys/class/iscsi_session/"$1"/device)
        h=${h%/session*}
        echo "${h##*/host}"
}

# ---- proving secrets stay out of argv -----------------------------------

# lab_secret_file NAME VALUE: keep a secret in /run/lab/NAME (0600) so that
# checks can read it from there instead of from an argument (printf is a
# shell builtin: no process ever gets VALUE in its argv).
lab_secret_file() {
        (umask 077 && printf '%s\n' "$2" >"/run/lab/$1")
}

# lab_traced LOG CMD...: run CMD under strace -f, logging every execve with
# its full argument list (up to 4 KiB each) to LOG.  Deterministic, unlike
# sampling /proc/*/cmdline, which misses short-lived processes.
lab_traced() {
        local log=$1
        shift
        command -v strace >/dev/null || lab_skip "strace is not in this image"
        strace -f -qq -e trace=execve -s 4096 -o "$log" "$@"
}

# lab_assert_secret_absent SECRETFILE FILE...: no FILE contains the secret.
# grep reads the secret from SECRETFILE (-f), so it is not in grep's argv.
lab_assert_secret_absent() {
        local sf=$1
        shift
        if grep -F -n -f "$sf" "$@" >/tmp/secret-hits 2>/dev/null; then
                lab_fail "the secret in $sf appears in: $(cut -d: -f1,2 /tmp/secret-hits | tr '\n' ' ')"
        fi
}

# ---- showing state -------------------------------------------------------

# lab_tree DIR...: every file and directory with its mode, for the log.
lab_tree() {
        find "$@" -exec stat -c '   %a %F %n' {} + 2>/dev/null
}

# lab_record_show FILE [ERE]: the record's lines (matching ERE), with every
# password line's value blanked so that the console log never holds a secret.
lab_record_show() {
        lab_redact <"$1" | grep -E -- "${2:-.}" | sed 's/^/   | /'
}

# ---- fault injection ------------------------------------------------------

# lab_blackhole ADDR: silently drop every IPv4 packet to ADDR on lo (a SYN
# that never gets an answer, like a dead host behind a firewall), with
# iproute2's tc: a 4-band prio qdisc whose 4th band, used by nothing else,
# is a netem that loses everything; a u32 filter sends ADDR there.
lab_blackhole() {
        modprobe -a sch_prio sch_netem cls_u32 || lab_fail "tc modules"
        if ! /usr/sbin/tc qdisc show dev lo | grep -q 'qdisc prio 1:'; then
                /usr/sbin/tc qdisc add dev lo root handle 1: prio bands 4 \
                        priomap 1 2 2 2 1 2 0 0 1 1 1 1 1 1 1 1 || lab_fail "tc prio"
                /usr/sbin/tc qdisc add dev lo parent 1:4 handle 40: netem loss 100% || lab_fail "tc netem"
        fi
        /usr/sbin/tc filter add dev lo parent 1: protocol ip prio 1 u32 \
                match ip dst "$1/32" flowid 1:4 || lab_fail "tc filter for $1"
}

# lab_silent_listener PORT: a TCP listener on every address that accepts
# connections and never says a word (an iSCSI portal that hangs in login).
# busybox nc has no bind address: use a port LIO does not use.  -ll with -e
# keeps listening and hands each connection to a silent `sleep`.
# Prints nc's pid.
lab_silent_listener() {
        nc -ll -p "$1" -e sleep 3600 >/dev/null 2>&1 </dev/null &
        echo $!
}

# ---- the host's root (scenarios tagged "hostroot") -----------------------

# lab_mount_hostroot: the host's / read-only at /host over virtio-9p, for
# running host-installed programs with chroot (lab.md).  9p needs
# multidevs=remap on the host side (run.sh) and cache=loose here.
lab_mount_hostroot() {
        modprobe -a virtio_pci 9pnet_virtio 9p || lab_fail "9p modules"
        mountpoint -q /host && return 0
        lab_wait_for_quiet 5 grep -q hostroot /sys/bus/virtio/drivers/9pnet_virtio/virtio*/mount_tag 2>/dev/null
        mount -t 9p -o trans=virtio,version=9p2000.L,ro,cache=loose hostroot /host ||
                lab_fail "cannot mount the host's root (is the scenario tagged hostroot?)"
}

# ---- udev and multipathd, as a real host runs them ------------------------

# lab_start_udev: systemd-udevd as Debian's initramfs starts it (no systemd
# here): daemon, coldplug, settle.  Gives /dev/disk/by-path and the udev
# database that multipath-tools enumerates devices from.
lab_start_udev() {
        [ -x /usr/lib/systemd/systemd-udevd ] || lab_skip "udevd is not in this image"
        mkdir -p /run/udev
        /usr/lib/systemd/systemd-udevd --daemon --resolve-names=never >/run/lab/udevd.log 2>&1 ||
                lab_fail "udevd did not start"
        udevadm trigger --type=subsystems --action=add
        udevadm trigger --type=devices --action=add
        udevadm settle --timeout=20 || lab_note "udevadm settle timed out"
}

# lab_start_multipathd: what Debian's multipathd.service does (modules, then
# the daemon), with a configuration as a host would have it for LIO.
lab_start_multipathd() {
        modprobe -a dm_multipath dm_service_time dm_round_robin scsi_dh_alua ||
                lab_fail "dm modules"
        cat >/etc/multipath.conf <<'X'
defaults {
        user_friendly_names no
        find_multipaths strict
}
X
        multipathd -s >/run/lab/multipathd.log 2>&1 || lab_fail "multipathd did not start"
        lab_wait_for "multipathd answers" 20 multipathd show status
}
