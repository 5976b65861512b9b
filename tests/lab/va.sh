# SPDX-License-Identifier: Apache-2.0
# Helpers for the scenarios that drive volattach itself (scenarios 1xxx),
# sourced after lib.sh.  Metadata is written with shell builtins (printf and
# here-documents), so a CHAP secret never reaches a process argument list
# other than through volattach, which is what the argv checks look at.

VA_OUT=/run/lab/va.out  # stdout of the last va_run
VA_ERR=/run/lab/va.err  # its stderr
VA_META=/run/lab/meta_data.json
VA_SECRETS=/run/lab/secrets # every secret the scenario used, one per line (0600)
VA_ALL=/run/lab/va.all      # every va_run's stdout and stderr, for the audit
# files written after this are what va_audit scans
[ -e /run/lab/va.start ] || touch /run/lab/va.start

# va_secret VALUE: remember a secret for the audits (builtins only).
va_secret() {
        (umask 077 && printf '%s\n' "$1" >>"$VA_SECRETS")
}

# va_vol ID INITIATOR PORTAL IQN LUN [USER SECRET [USER_IN SECRET_IN]]: one
# seed-shaped volumes[] item (Cinder connection_info + connector + serial) on
# stdout.  Extra "data" members may be given in $VA_EXTRA (",\"k\": v").
va_vol() {
        local auth=""
        if [ -n "${6:-}" ]; then
                auth=", \"auth_method\": \"CHAP\", \"auth_username\": \"$6\", \"auth_password\": \"$7\""
                va_secret "$7"
        fi
        if [ -n "${8:-}" ]; then
                auth="$auth, \"mutual_auth_username\": \"$8\", \"mutual_auth_password\": \"$9\""
                va_secret "$9"
        fi
        printf '{"driver_volume_type": "iscsi", "serial": "%s",\n' "$1"
        printf ' "connector": {"initiator": "%s", "multipath": %s, "platform": "x86_64", "os_type": "linux"},\n' "$2" "${VA_MP:-false}"
        printf ' "data": {"volume_id": "%s", "target_portal": "%s", "target_iqn": "%s", "target_lun": %s, "target_discovered": false, "access_mode": "%s"%s%s}}' \
                "$1" "$3" "$4" "$5" "${VA_ACCESS:-rw}" "$auth" "${VA_EXTRA:-}"
}

# va_meta ITEM...: writes $VA_META, a meta_data.json whose volumes are the items.
va_meta() {
        local sep="" i
        {
                printf '{"uuid": "7d631f44-00ec-4503-a113-cb616d0fd81c", "name": "lab", "hostname": "lab.novalocal",\n "volumes": ['
                for i in "$@"; do
                        printf '%s\n%s' "$sep" "$i"
                        sep=","
                done
                printf ']}\n'
        } >"$VA_META"
        chmod 600 "$VA_META"
}

# va_run ARGS...: volattach ARGS with stdout and stderr kept; sets VA_RC and
# shows both (they must never hold a secret: va_audit checks).
va_run() {
        # status compares the metadata with the host: the lab's metadata is
        # $VA_META, as the config drive or the service is a host's
        if [ "$1" = status ] && [ -f "$VA_META" ]; then
                case " $* " in
                *" --metadata"*) ;;
                *) set -- "$@" --metadata "$VA_META" ;;
                esac
        fi
        lab_step "volattach $*"
        volattach "$@" >"$VA_OUT" 2>"$VA_ERR"
        VA_RC=$?
        cat "$VA_OUT" "$VA_ERR" >>"$VA_ALL"
        sed 's/^/   | /' "$VA_ERR"
        # JSON is for the assertions; its full text is in the log only with -v
        case " $* " in
        *" --json "*) [ -n "${VA_SHOW_JSON:-}" ] && sed 's/^/   > /' "$VA_OUT" ;;
        *) sed 's/^/   > /' "$VA_OUT" ;;
        esac
        lab_note "exit status $VA_RC"
}

# va_expect_rc RC ARGS...: va_run, then fail unless the exit status is RC.
va_expect_rc() {
        local want=$1
        shift
        va_run "$@"
        [ "$VA_RC" = "$want" ] || lab_fail "volattach $*: exit $VA_RC, expected $want"
}

# va_jq FILTER: jq over the last --json output (raw strings).
va_jq() { jq -r "$1" "$VA_OUT"; }

# va_sessions IQN [ADDR]: how many sessions the kernel has to IQN (via ADDR).
va_sessions() {
        local n=0 s c
        for s in /sys/class/iscsi_session/session*; do
                [ -d "$s" ] || continue
                [ "$(cat "$s/targetname")" = "$1" ] || continue
                if [ -n "${2:-}" ]; then
                        # ADDR may be an address or a port
                        c=/sys/class/iscsi_connection/connection${s##*session}:0
                        [ "$(cat $c/persistent_address 2>/dev/null)" = "$2" ] ||
                                [ "$(cat $c/persistent_port 2>/dev/null)" = "$2" ] || continue
                fi
                n=$((n + 1))
        done
        echo $n
}

# va_all_sessions: sessions in all.
va_all_sessions() { ls -d /sys/class/iscsi_session/session* 2>/dev/null | wc -l; }

# va_nodes: node records on disk, one line each.
va_nodes() { find /etc/iscsi/nodes -type f 2>/dev/null | sort; }

# va_device ID: the device volattach reported for volume ID in the last
# --json attach output.
va_device() { jq -r --arg id "$1" '.volumes[] | select(.id == $id) | .device.path // empty' "$VA_OUT"; }

# va_audit: no secret in anything volattach or iscsid printed or wrote:
# every output of va_run, the iscsid log, and every file on the guest
# written since the scenario began (/proc, /sys and /dev aside); the files
# that must hold one (open-iscsi's node and discovery records) are 0600.
# Reads the secrets from $VA_SECRETS (grep -f: never in an argv).
va_audit() {
        local f mode n=0
        [ -s "$VA_SECRETS" ] || return 0
        lab_step "secrets audit"
        touch "$VA_ALL"
        lab_assert_secret_absent "$VA_SECRETS" "$VA_ALL" "$VA_OUT" "$VA_ERR" /run/lab/iscsid.log
        for f in $(find / -xdev -type f -newer /run/lab/va.start 2>/dev/null) \
                $(find /run /tmp -type f -newer /run/lab/va.start 2>/dev/null); do
                n=$((n + 1))
                grep -q -F -f "$VA_SECRETS" "$f" 2>/dev/null || continue
                case "$f" in "$VA_SECRETS" | "$VA_META" | /run/lab/secret*) continue ;; esac
                mode=$(stat -c %a "$f")
                case "$f" in
                /etc/iscsi/nodes/* | /etc/iscsi/send_targets/* | /var/lib/iscsi/*) ;;
                *) lab_fail "a secret is in $f, which is not an open-iscsi record" ;;
                esac
                [ "$mode" = 600 ] || lab_fail "$f holds a secret and is mode $mode, not 600"
                lab_note "holds a secret, as it must: $f ($mode)"
        done
        lab_note "audited $n files written during the scenario and every volattach output"
}

# va_id N: the volume id of the scenario's Nth volume (a canonical UUID).
va_id() { printf '11111111-2222-4333-8444-%012d' "$1"; }

# va_target IQN ADDR PORT LUN...: lio_simple with 32 MB LUNs and a fixed
# unit serial per LUN ("<last part of IQN>-l<LUN>"), so reports and WWIDs
# are predictable.
va_target() { LIO_MB=32 LIO_SERIALS=1 lio_simple "$@"; }

# va_check_attached ID...: each volume is attached in the last --json output
# with a block device that exists and answers a read.
va_check_attached() {
        local id dev
        for id in "$@"; do
                dev=$(va_device "$id")
                [ -n "$dev" ] || lab_fail "volume $id: no device in the report"
                [ -b "$dev" ] || lab_fail "volume $id: $dev is not a block device"
                dd if="$dev" of=/dev/null bs=4096 count=1 2>/dev/null || lab_fail "volume $id: $dev does not read"
                lab_note "volume $id: $dev ($(jq -r --arg id "$id" '.volumes[] | select(.id == $id) | .status' "$VA_OUT"))"
        done
}

# va_udev_rule: 65-volattach.rules where the packages install it (before
# lab_start_udev), for /dev/disk/by-volume-id.
va_udev_rule() {
        mkdir -p /usr/lib/udev/rules.d
        cp /lab/65-volattach.rules /usr/lib/udev/rules.d/ || lab_fail "no /lab/65-volattach.rules"
}

# va_link ID: where /dev/disk/by-volume-id/ID points (the device node), or
# nothing.
va_link() {
        [ -L "/dev/disk/by-volume-id/$1" ] && readlink -f "/dev/disk/by-volume-id/$1"
}
