#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The Windows scenarios: the real volattach.exe (scripts/build-windows.sh)
# under Wine, against the simulated iscsidsc.dll (sim/) and the fake MSiSCSI
# service, in a throw-away prefix under build-wine/. They mirror the Linux
# lab's: the seed's volume, no auth, one-way and mutual CHAP, two volumes,
# multipath, reruns, a wrong secret, detach, reboot, status, the metadata
# service and config drives, the boot-time service, the cloudbase-init
# drop-in and the MSI. Then: no CHAP secret in any output, log, trace
# (the simulator records every process's command line) or registry.
#   tests/wine/run.sh [SCENARIO...]      (default: all)
# One line per scenario, then "wine: N passed, N failed, N skipped"; exit 0
# only if nothing failed. Under Wine a crashed program may exit 0, so every
# run is judged by what it prints.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"

# Nothing may leave loopback: as root, the whole run moves into a network
# namespace of its own with only lo up (the metadata service tests use
# 127.0.0.1; the MSI's service, if it ever ran, would try 169.254.169.254).
if [ -z "${VA_WINE_NETNS:-}" ] && [ "$(id -u)" = 0 ] && command -v unshare >/dev/null 2>&1 &&
        command -v ip >/dev/null 2>&1 && unshare -n true 2>/dev/null; then
        VA_WINE_NETNS=1 exec unshare -n sh -c 'ip link set lo up && exec "$0" "$@"' "$0" "$@"
fi

out="$root/build-wine"
dev="$out/dev"
run="$out/run"
exe_dir="$root/build-windows"
exe="$exe_dir/volattach.exe"
schema="$root/docs/volattach.schema.json"
passed=0
failed=0
skipped=0
t_start=$(date +%s.%N)

elapsed() {
        echo "$(date +%s.%N) - $1" | bc | awk '{ printf "%.1f", $1 }'
}

# --- build and prefix -------------------------------------------------------

# incremental: a no-op when nothing changed
if true; then
        "$root/scripts/build-windows.sh" >/dev/null || {
                echo "FAIL build: scripts/build-windows.sh"
                echo "wine: 0 passed, 1 failed, 0 skipped"
                exit 1
        }
fi
if ! "$root/tests/wine/build.sh" "$dev" >/dev/null; then
        echo "FAIL build: tests/wine/build.sh"
        echo "wine: 0 passed, 1 failed, 0 skipped"
        exit 1
fi
# a wineserver left by an earlier run would keep its services and state
WINEPREFIX="$out/prefix" wineserver -k 2>/dev/null
WINEPREFIX="$out/prefix" wineserver -w 2>/dev/null
if ! env=$("$root/tests/wine/wine-env.sh" "$out" "$dev"); then
        echo "FAIL Wine prefix"
        echo "wine: 0 passed, 1 failed, 0 skipped"
        exit 1
fi
eval "$env"
drive_c="$WINEPREFIX/drive_c"
rm -rf "$run"
mkdir -p "$run"
: >"$run/secrets"
echo "wine: prefix ready, volattach.exe $(wc -c <"$exe") bytes ($(elapsed "$t_start") s)"

# Windows path of a Linux path (Wine maps Z: to /)
winpath() {
        # shellcheck disable=SC1003
        printf 'Z:%s' "$1" | tr / '\\'
}

quiet() {
        "$@" >/dev/null 2>&1
}

# Leftovers of an interrupted run: our service, its Event Log source, the
# test environment in the registry, an extra drive, the fake MPIO service.
envkey='HKLM\System\CurrentControlSet\Control\Session Manager\Environment'
quiet wine sc delete volattach
quiet wine sc delete mpio
for v in VA_SIM_TARGETS VA_SIM_STATE VA_SIM_TRACE; do
        quiet wine reg delete "$envkey" /v "$v" /f
done
rm -f "$WINEPREFIX/dosdevices/m:" "$WINEPREFIX/dosdevices/n::"

# --- running volattach ------------------------------------------------------

# va NAME ARGS...: runs volattach.exe; $sdir/NAME.out (stdout, CRLF made
# LF), NAME.err (stderr without Wine's wine32 notice), NAME.rc
va() {
        n=$1
        shift
        {
                timeout -k 5 120 wine "$exe" "$@" 2>"$sdir/$n.err.raw"
                echo $? >"$sdir/$n.rc"
        } | tr -d '\r' >"$sdir/$n.out"
        tr -d '\r' <"$sdir/$n.err.raw" | grep -v -e wine32 -e multiarch -e 'dpkg --add' \
                -e 'apt-get install' -e '^$' >"$sdir/$n.err"
        rm -f "$sdir/$n.err.raw"
}

# Every check that fails adds a line; a scenario passes with none.
problems=""
want() {
        desc=$1
        shift
        if ! "$@"; then
                problems="$problems
      - $desc"
        fi
}

rc_is() { [ "$(cat "$sdir/$1.rc" 2>/dev/null)" = "$2" ]; }
has() { grep -qE -- "$2" "$sdir/$1"; }
hasnt() { ! grep -qE -- "$2" "$sdir/$1"; }
trace_has() { grep -qE -- "$1" "$sdir/trace"; }
trace_count() { grep -cE -- "$1" "$sdir/trace" 2>/dev/null || true; }
# json FILE EXPR: EXPR (Python, the document is d) is true
# json FILE EXPR: FILE is one document of the contract (docs/volattach.schema.json,
# python3-jsonschema) and EXPR holds for it (d)
json() {
        python3 -c 'import json,sys,jsonschema
d=json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator(json.load(open(sys.argv[3]))).validate(d)
sys.exit(0 if eval(sys.argv[2]) else 1)' \
                "$sdir/$1" "$2" "$schema" 2>/dev/null
}

# secret S: remembered, to prove at the end that it appears nowhere
secret() {
        echo "$1" >>"$run/secrets"
        printf '%s' "$1"
}

# vol ID IQN PORTAL LUN [USER SECRET [MUSER MSECRET]]: a Cinder volume entry
vol() {
        auth=""
        if [ $# -ge 6 ]; then
                auth=", \"auth_method\": \"CHAP\", \"auth_username\": \"$5\", \"auth_password\": \"$6\""
        fi
        if [ $# -ge 8 ]; then
                auth="$auth, \"mutual_auth_username\": \"$7\", \"mutual_auth_password\": \"$8\""
        fi
        printf '{"driver_volume_type": "iscsi", "serial": "%s", "data": {"volume_id": "%s", "target_iqn": "%s", "target_portal": "%s", "target_lun": %s, "access_mode": "rw"%s}}' \
                "$1" "$1" "$2" "$3" "$4" "$auth"
}

# meta FILE INITIATOR VOLUME...: a meta_data.json with a connector
meta() {
        f=$1
        ini=$2
        shift 2
        vols=$(printf '%s,' "$@")
        printf '{"uuid": "0c2b7a44-5f3e-4b8e-9a51-2d8c6f1e7a90", "hostname": "win-07", "volumes": [%s]}\n' \
                "${vols%,}" | python3 -c '
import json, sys
d = json.load(sys.stdin)
for v in d["volumes"]:
    v["connector"] = {"initiator": sys.argv[1], "multipath": False, "platform": "x86_64", "os_type": "windows"}
json.dump(d, open(sys.argv[2], "w"), indent=1)' "$ini" "$f"
}

# metaserver_start: tests/cli/metaserver.py serving $sdir/meta.json on
# 127.0.0.1 (requests logged to $sdir/http.log); sets spid and port
metaserver_start() {
        python3 "$root/tests/cli/metaserver.py" --file "$sdir/meta.json" --log "$sdir/http.log" \
                >"$sdir/server.out" 2>&1 &
        spid=$!
        i=0
        while ! grep -q "^PORT " "$sdir/server.out" 2>/dev/null && [ $i -lt 50 ]; do
                sleep 0.1
                i=$((i + 1))
        done
        port=$(sed -n 's/^PORT //p' "$sdir/server.out")
}

INI=iqn.1991-05.com.microsoft:win-07.example.org
U1=11111111-1111-4111-8111-111111111111
U2=22222222-2222-4222-8222-222222222222
U3=33333333-3333-4333-8333-333333333333
T1=iqn.2010-10.org.openstack:volume-$U1
T2=iqn.2010-10.org.openstack:volume-$U2
T3=iqn.2010-10.org.openstack:volume-$U3

# A fresh world for one scenario: simulator state and trace, no volattach
# records, no simulator options left from the one before.
fresh() {
        sdir="$run/$1"
        mkdir -p "$sdir"
        VA_SIM_STATE=$(winpath "$sdir/state")
        VA_SIM_TRACE=$(winpath "$sdir/trace")
        export VA_SIM_STATE VA_SIM_TRACE
        unset VA_SIM_TARGETS VA_SIM_DISCOVERY VA_SIM_FAULT VA_SIM_REBOOT VA_SIM_BOOT_ID VA_SIM_SERVICE \
                VA_SIM_SAN_POLICY VA_SIM_VOLUMES
        rm -rf "$drive_c/ProgramData/volattach"
        : >"$sdir/trace"
        problems=""
}

# scenario NAME: runs sc_NAME and prints one line with its time
scenario() {
        name=$1
        t0=$(date +%s.%N)
        fresh "$name"
        "sc_$(echo "$name" | tr - _)"
        rc=$?
        if [ $rc -eq 77 ]; then
                skipped=$((skipped + 1))
                echo "skip $name ($problems)"
        elif [ -z "$problems" ] && [ $rc -eq 0 ]; then
                passed=$((passed + 1))
                echo "ok   $name ($(elapsed "$t0") s)"
        else
                failed=$((failed + 1))
                echo "FAIL $name ($(elapsed "$t0") s)$problems"
                for f in "$sdir"/*.err; do
                        [ -s "$f" ] && sed 's/^/      | /' "$f" | head -8
                done
        fi
}

# Wine lists drive letters as they were when wineserver started
wine_restart() {
        wineserver -k 2>/dev/null
        wineserver -w 2>/dev/null
}

# --- scenarios --------------------------------------------------------------

# The seed's volume (shared/fixtures 01) with its CHAP user and secret,
# portal on loopback: MSiSCSI made automatic and started, the initiator
# name set, the portal added, a persistent and a live login, the disk.
sc_seed() {
        python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
d["volumes"][0]["data"]["target_portal"] = "127.0.0.1:3260"
json.dump(d, open(sys.argv[2], "w"), indent=1)' "$root/tests/fixtures/metadata/01-seed-example.json" "$sdir/meta.json"
        secret targetsecret >/dev/null
        export VA_SIM_TARGETS="iqn.2018-01.com.example:target@127.0.0.1:3260:1:guest:targetsecret"
        va attach --metadata "$(winpath "$sdir/meta.json")" attach
        want "exit 0" rc_is attach 0
        want "disk reported" has attach.out \
                '^Volume 5d30b37e-d113-49e1-b991-16b9d7d33d3e attached: \\\\\.\\PhysicalDrive1$'
        want "summary" has attach.out '^Summary: 1 attached, 0 degraded, 0 failed'
        want "initiator name from connector.initiator" \
                trace_has 'SetIScsiInitiatorNodeNameW\(iqn\.1994-05\.com\.redhat:f7897073402d\)'
        want "portal added" trace_has 'AddIScsiSendTargetPortalW\(portal=127\.0\.0\.1:3260 .*= 0x00000000'
        want "persistent login" trace_has 'LoginIScsiTargetW\(.*auth=chap user=guest secret=given persistent=1'
        want "live login" trace_has 'LoginIScsiTargetW\(.*auth=chap user=guest secret=given persistent=0.*= 0x00000000'
        wine reg query 'HKLM\System\CurrentControlSet\Services\MSiSCSI' /v Start 2>/dev/null |
                tr -d '\r' >"$sdir/msiscsi.reg"
        want "MSiSCSI set to automatic start" has msiscsi.reg 'Start +REG_DWORD +0x2$'
        va again --json --metadata "$(winpath "$sdir/meta.json")" attach
        want "rerun exit 0" rc_is again 0
        want "rerun --json: the session reused" json again.out \
                'd["summary"]["attached"] == 1 and d["volumes"][0]["paths"][0]["session_reused"]'
        va status --json --metadata "$(winpath "$sdir/meta.json")" status
        want "status --json: attached" json status.out \
                'd["volumes"][0]["status"] == "attached" and d["volumes"][0]["device"]["path"] == "\\\\.\\PhysicalDrive1"'
        # the run's document, where Windows keeps state (ProgramData)
        rf="$drive_c/ProgramData/volattach/result.json"
        want "result.json in ProgramData" [ -f "$rf" ]
        cp "$rf" "$sdir/result.out" 2>/dev/null || : >"$sdir/result.out"
        want "result.json: the last attach, valid" json result.out \
                'd["schema_version"] == 1 and d["command"] == "attach" and d["volumes"][0]["status"] == "attached"'
        want "result.json holds no secret" hasnt result.out targetsecret
}

sc_no_auth() {
        meta "$sdir/meta.json" "$INI" "$(vol $U1 $T1 127.0.0.1:3260 0)"
        export VA_SIM_TARGETS="$T1@127.0.0.1:3260:1"
        va attach --metadata "$(winpath "$sdir/meta.json")" attach
        want "exit 0" rc_is attach 0
        want "attached" has attach.out "^Volume $U1 attached: .*PhysicalDrive[0-9]+$"
        want "login without auth" trace_has "LoginIScsiTargetW\(target=$T1 auth=none .*persistent=0.*= 0x00000000"
        want "no initiator secret set" hasnt trace 'SetIScsiInitiatorCHAPSharedSecret'
}

# One-way CHAP; and a secret the Microsoft initiator cannot take (9 bytes)
# refused with a clear error, before any login with it.
sc_chap() {
        s1=$(secret onewaysecret14)
        s2=$(secret short9sec)
        meta "$sdir/meta.json" "$INI" "$(vol $U1 $T1 127.0.0.1:3260 0 chapuser "$s1")" \
                "$(vol $U2 $T2 127.0.0.1:3260 0 chapuser2 "$s2")"
        export VA_SIM_TARGETS="$T1@127.0.0.1:3260:1:chapuser:$s1;$T2@127.0.0.1:3260:1:chapuser2:$s2"
        va attach --metadata "$(winpath "$sdir/meta.json")" attach
        want "exit 1 (one volume failed)" rc_is attach 1
        want "CHAP volume attached" has attach.out "^Volume $U1 attached: .*PhysicalDrive[0-9]+$"
        want "CHAP login" trace_has "LoginIScsiTargetW\(target=$T1 auth=chap user=chapuser secret=given persistent=0.*= 0x00000000"
        want "short secret: clear error" has attach.err \
                "$U2.*CHAP secret is 9 bytes; the Microsoft iSCSI initiator needs 12 to 16 bytes"
        want "short secret: never sent" hasnt trace "LoginIScsiTargetW\(target=$T2"
}

sc_mutual() {
        s1=$(secret mutualtgt1234)
        s2=$(secret initiatorsec16b)
        meta "$sdir/meta.json" "$INI" "$(vol $U1 $T1 127.0.0.1:3260 0 muser "$s1" tgtuser "$s2")"
        export VA_SIM_TARGETS="$T1@127.0.0.1:3260:1:muser:$s1:tgtuser:$s2"
        va attach --metadata "$(winpath "$sdir/meta.json")" attach
        want "exit 0" rc_is attach 0
        want "attached" has attach.out "^Volume $U1 attached: .*PhysicalDrive[0-9]+$"
        want "initiator secret through the API" trace_has 'SetIScsiInitiatorCHAPSharedSecret\(.*= 0x00000000'
        want "mutual login" trace_has "LoginIScsiTargetW\(target=$T1 auth=mutual user=muser secret=given persistent=0.*= 0x00000000"
}

sc_two_volumes() {
        meta "$sdir/meta.json" "$INI" "$(vol $U1 $T1 127.0.0.1:3260 0)" "$(vol $U2 $T2 127.0.0.2:3260 0)"
        export VA_SIM_TARGETS="$T1@127.0.0.1:3260:1;$T2@127.0.0.2:3260:1"
        va attach --json --metadata "$(winpath "$sdir/meta.json")" attach
        want "exit 0" rc_is attach 0
        want "both attached, two disks" json attach.out \
                'd["summary"]["attached"] == 2 and len({v["device"]["path"] for v in d["volumes"]}) == 2'
        want "two portals added" [ "$(trace_count 'AddIScsiSendTargetPortalW\(portal=127\.0\.0\.[12]:3260 .*= 0x00000000')" = 2 ]
}

# Two paths to one LU with the MPIO feature present (a stand-in "mpio"
# service): both logins carry the multipath flag, one disk results.
sc_multipath() {
        python3 -c '
import json, sys
u, t, ini = sys.argv[1:4]
d = {"uuid": "0c2b7a44-5f3e-4b8e-9a51-2d8c6f1e7a90", "volumes": [{"driver_volume_type": "iscsi",
     "connector": {"initiator": ini, "multipath": True},
     "data": {"volume_id": u, "target_iqn": t, "target_portal": "127.0.0.1:3260", "target_lun": 0,
              "target_iqns": [t, t], "target_portals": ["127.0.0.1:3260", "127.0.0.2:3260"],
              "target_luns": [0, 0], "access_mode": "rw"}}]}
json.dump(d, open(sys.argv[4], "w"), indent=1)' $U1 $T1 "$INI" "$sdir/meta.json"
        export VA_SIM_TARGETS="$T1@127.0.0.1:3260:1;$T1@127.0.0.2:3260:1"
        quiet wine sc create mpio binPath= 'C:\volattach-test\fake_msiscsi.exe' start= demand
        va attach --json --metadata "$(winpath "$sdir/meta.json")" attach
        quiet wine sc delete mpio
        want "exit 0" rc_is attach 0
        want "one multipath disk over two paths" json attach.out \
                'd["volumes"][0]["status"] == "attached" and d["volumes"][0]["device"]["kind"] == "multipath" and len([p for p in d["volumes"][0]["paths"] if p["ok"]]) == 2'
        want "two live logins with the multipath flag" \
                [ "$(trace_count "LoginIScsiTargetW\(target=$T1 .*flags=0x2 persistent=0 .*= 0x00000000")" = 2 ]
}

# Three reruns change nothing: no new login, the same disks, exit 0.
sc_rerun() {
        meta "$sdir/meta.json" "$INI" "$(vol $U1 $T1 127.0.0.1:3260 0)" "$(vol $U2 $T2 127.0.0.1:3260 0)"
        export VA_SIM_TARGETS="$T1@127.0.0.1:3260:1;$T2@127.0.0.1:3260:1"
        va first --json --metadata "$(winpath "$sdir/meta.json")" attach
        logins=$(trace_count 'LoginIScsiTargetW')
        adds=$(trace_count 'AddIScsiSendTargetPortalW')
        for i in 2 3 4; do
                va run$i --json --metadata "$(winpath "$sdir/meta.json")" attach
                want "run $i exit 0" rc_is run$i 0
                want "run $i: both attached on reused sessions" json run$i.out \
                        'd["summary"]["attached"] == 2 and all(p["session_reused"] for v in d["volumes"] for p in v["paths"])'
                want "run $i: same disks" [ "$(python3 -c 'import json,sys; print(sorted(v["device"]["path"] for v in json.load(open(sys.argv[1]))["volumes"]))' "$sdir/run$i.out")" = \
                        "$(python3 -c 'import json,sys; print(sorted(v["device"]["path"] for v in json.load(open(sys.argv[1]))["volumes"]))' "$sdir/first.out")" ]
        done
        want "no new login" [ "$(trace_count 'LoginIScsiTargetW')" = "$logins" ]
        want "portal added once" [ "$(trace_count 'AddIScsiSendTargetPortalW')" = "$adds" ]
}

# One of three volumes has a wrong secret: the other two are attached, the
# exit status is 1, the error names the volume and the cause.
sc_wrong_secret() {
        good=$(secret rightsecret123)
        bad=$(secret wrongsecret456)
        meta "$sdir/meta.json" "$INI" "$(vol $U1 $T1 127.0.0.1:3260 0 u1 "$good")" \
                "$(vol $U2 $T2 127.0.0.1:3260 0 u2 "$bad")" "$(vol $U3 $T3 127.0.0.1:3260 0 u3 "$good")"
        export VA_SIM_TARGETS="$T1@127.0.0.1:3260:1:u1:$good;$T2@127.0.0.1:3260:1:u2:$good;$T3@127.0.0.1:3260:1:u3:$good"
        va attach --deadline 5 --metadata "$(winpath "$sdir/meta.json")" attach
        va json --deadline 5 --json --metadata "$(winpath "$sdir/meta.json")" attach
        want "exit 1" rc_is attach 1
        want "the others attached" has attach.out "^Volume $U1 attached" 
        want "the others attached (3)" has attach.out "^Volume $U3 attached"
        want "summary" has attach.out '^Summary: 2 attached, 0 degraded, 1 failed'
        want "clear error" has attach.err "$U2.*AUTHENTICATION_FAILURE"
        want "--json: failed volume" json json.out \
                '[v["status"] for v in d["volumes"] if v["id"] == "'$U2'"] == ["failed"] and d["summary"]["exit_status"] == 1'
        want "auth failure not retried" [ "$(trace_count "LoginIScsiTargetW\(target=$T2 .*persistent=0")" -le 2 ]
}

# Two volumes on one target (LUN 0 and 1): detaching the first keeps the
# session for the second; detaching the second logs out and forgets the
# persistent login, so nothing comes back at the next boot.
sc_detach() {
        meta "$sdir/meta.json" "$INI" "$(vol $U1 $T1 127.0.0.1:3260 0)" "$(vol $U2 $T1 127.0.0.1:3260 1)"
        export VA_SIM_TARGETS="$T1@127.0.0.1:3260:2"
        va attach --metadata "$(winpath "$sdir/meta.json")" attach
        want "attach exit 0" rc_is attach 0
        va d1 detach $U1
        want "detach 1: exit 0" rc_is d1 0
        want "detach 1: reported" has d1.out "^Volume $U1 detached"
        want "detach 1: session kept for the other LUN" has d1.err 'stays: 1 other LUN'
        want "detach 1: no logout" hasnt trace 'LogoutIScsiTarget'
        va d2 detach $U2
        want "detach 2: exit 0" rc_is d2 0
        want "detach 2: logged out" trace_has 'LogoutIScsiTarget\(.*= 0x00000000'
        want "detach 2: persistent login removed" trace_has "RemoveIScsiPersistentTargetW\(target=$T1 .*= 0x00000000"
        va status --json --metadata "$(winpath "$sdir/meta.json")" status
        want "status: both unwanted volumes detached, nothing attached" json status.out \
                'all(v["status"] != "attached" for v in d["volumes"])'
        VA_SIM_REBOOT=1 va boot --json --metadata "$(winpath "$sdir/meta.json")" status
        want "after a reboot nothing comes back" hasnt trace ' - restore '
        va d3 detach --all
        want "detach --all with nothing left: exit 0" rc_is d3 0
}

# Persistent logins survive a simulated reboot: the sessions come back
# (new ids), status finds them, a rerun reuses them.
sc_reboot() {
        meta "$sdir/meta.json" "$INI" "$(vol $U1 $T1 127.0.0.1:3260 0)" "$(vol $U2 $T2 127.0.0.1:3260 0)"
        export VA_SIM_TARGETS="$T1@127.0.0.1:3260:1;$T2@127.0.0.1:3260:1"
        va attach --metadata "$(winpath "$sdir/meta.json")" attach
        VA_SIM_REBOOT=1 va status --json --metadata "$(winpath "$sdir/meta.json")" status
        want "trace: reboot and two restored logins" [ "$(trace_count " - restore .* = 0x00000000")" = 2 ]
        want "status: both attached after the reboot" json status.out \
                'len(d["volumes"]) == 2 and all(v["status"] == "attached" for v in d["volumes"])'
        va again --json --metadata "$(winpath "$sdir/meta.json")" attach
        want "rerun after the reboot: exit 0, sessions reused" json again.out \
                'd["summary"]["attached"] == 2 and all(p["session_reused"] for v in d["volumes"] for p in v["paths"])'
}

# status in text and JSON, healthy then with a session in recovery.
sc_status() {
        meta "$sdir/meta.json" "$INI" "$(vol $U1 $T1 127.0.0.1:3260 0)"
        export VA_SIM_TARGETS="$T1@127.0.0.1:3260:1"
        va empty status --metadata "$(winpath "$sdir/meta.json")"
        want "empty status: wanted, missing" has empty.out "^Volume $U1: missing"
        want "empty status: exit 1" rc_is empty 1
        va attach --metadata "$(winpath "$sdir/meta.json")" attach
        va text status --metadata "$(winpath "$sdir/meta.json")"
        want "text: volume and disk" has text.out "^Volume $U1: attached \\\\\\\\\.\\\\PhysicalDrive[0-9]+ "
        want "text: session up" has text.out "127\.0\.0\.1:3260 $T1 LUN 0: session [0-9a-f-]+ up"
        VA_SIM_FAULT="session-down=$T1" va down --json status --metadata "$(winpath "$sdir/meta.json")"
        want "json: a session in recovery is not attached" json down.out \
                'd["volumes"][0]["status"] != "attached" and d["summary"]["exit_status"] != 0'
}

# The metadata service through WinHTTP, from a real HTTP server on
# 127.0.0.1 that fails twice before it answers (the retry policy).
sc_metadata_http() {
        meta "$sdir/meta.json" "$INI" "$(vol $U1 $T1 127.0.0.1:3260 0)"
        export VA_SIM_TARGETS="$T1@127.0.0.1:3260:1"
        metaserver_start
        va attach --http-backoff-ms 50 --metadata "http://127.0.0.1:$port/flaky/openstack/latest/meta_data.json" attach
        va missing --http-attempts 2 --http-backoff-ms 50 --metadata "http://127.0.0.1:$port/notfound/" attach
        kill "$spid" 2>/dev/null
        wait "$spid" 2>/dev/null
        want "server listening" [ -n "$port" ]
        want "exit 0" rc_is attach 0
        want "attached from the service" has attach.out "^Volume $U1 attached"
        want "retried the 500s" grep -q '^/flaky/openstack/latest/meta_data.json 3$' "$sdir/http.log"
        # a URL given explicitly that answers 404 is a mistake, not "no metadata"
        want "404 of a URL given: exit 4, said" rc_is missing 4
        want "404 of a URL given: the error names it" has missing.err "answered 404.*URL given"
}

# Config drives: a volume labelled config-2 with a drive letter (found by
# "configdrive" alone), and an iso9660 image read raw, as a CD or a
# partition without a letter would be.
sc_configdrive() {
        if ! command -v genisoimage >/dev/null 2>&1; then
                problems="genisoimage missing"
                return 77
        fi
        mkdir -p "$sdir/cd/openstack/latest"
        meta "$sdir/cd/openstack/latest/meta_data.json" "$INI" "$(vol $U1 $T1 127.0.0.1:3260 0)"
        # Wine reads a drive's label from .windows-label at its root
        printf 'config-2\n' >"$sdir/cd/.windows-label"
        ln -sfn "$sdir/cd" "$WINEPREFIX/dosdevices/m:"
        wine_restart
        export VA_SIM_TARGETS="$T1@127.0.0.1:3260:1"
        va letter --metadata configdrive attach
        rm -f "$WINEPREFIX/dosdevices/m:"
        wine_restart
        want "drive letter: exit 0" rc_is letter 0
        want "drive letter: attached" has letter.out "^Volume $U1 attached"
        va letter_json --json status
        rm -rf "$drive_c/ProgramData/volattach"
        genisoimage -quiet -V config-2 -r -J -o "$sdir/cd.iso" "$sdir/cd/openstack" 2>/dev/null
        mkdir -p "$sdir/iso/openstack" && cp -r "$sdir/cd/openstack/latest" "$sdir/iso/openstack/"
        genisoimage -quiet -V config-2 -r -J -o "$sdir/cd.iso" "$sdir/iso" 2>/dev/null
        va raw --json --metadata "configdrive:$(winpath "$sdir/cd.iso")" attach
        want "iso9660 read raw: exit 0" rc_is raw 0
        want "iso9660 read raw: attached, origin named" json raw.out \
                'd["summary"]["attached"] == 1 and "cd.iso" in d["metadata"]["origin"]'
}

# A config-drive tree must not lead out of itself through a link. Wine 8
# shows a host symbolic link to a directory as a reparse point
# (FILE_ATTRIBUTE_REPARSE_POINT, ntdll's get_file_info), as Windows shows a
# junction or a directory symlink: openstack/ or openstack/latest/ that is
# one is refused before anything is read, exit 4, naming the component.
# Not testable here: a link to a file (Wine follows host file links and
# reports no reparse point; CreateSymbolicLinkW is a stub that returns TRUE
# and creates nothing; FSCTL_SET_REPARSE_POINT fails with
# ERROR_NOT_SUPPORTED), so the check on the opened file itself is not run.
sc_tree_links() {
        mkdir -p "$sdir/other/openstack/latest" "$sdir/real/openstack/latest" \
                "$sdir/linked-latest/openstack" "$sdir/linked-openstack"
        meta "$sdir/other/openstack/latest/meta_data.json" "$INI" "$(vol $U2 $T2 127.0.0.1:3260 0)"
        meta "$sdir/real/openstack/latest/meta_data.json" "$INI" "$(vol $U1 $T1 127.0.0.1:3260 0)"
        ln -s "$sdir/other/openstack/latest" "$sdir/linked-latest/openstack/latest"
        ln -s "$sdir/other/openstack" "$sdir/linked-openstack/openstack"
        export VA_SIM_TARGETS="$T1@127.0.0.1:3260:1;$T2@127.0.0.1:3260:1"
        va real plan --metadata "$(winpath "$sdir/real")"
        want "the tree itself: exit 0" rc_is real 0
        want "the tree itself: its volume planned" has real.out "1 to attach"
        for t in linked-latest linked-openstack; do
                va "$t" attach --metadata "$(winpath "$sdir/$t")"
                want "$t: exit 4" rc_is "$t" 4
                want "$t: nothing attached" hasnt "$t.out" "attached"
        done
        want "linked-latest: the link is named" has linked-latest.err \
                'meta_data.json: is under a link \(openstack\\latest is a reparse point: a symbolic link or junction\), which volattach does not follow'
        want "linked-openstack: the link is named" has linked-openstack.err \
                'meta_data.json: is under a link \(openstack is a reparse point'
        want "no login for the linked trees" [ "$(trace_count 'LoginIScsiTargetW')" = 0 ]
}

# A few of the simulator's faults: "buffer too small" as an HRESULT, a
# busy session, disks that appear late and first without a number.
sc_faults() {
        # LUN 5 of six: more devices than the first buffer holds
        meta "$sdir/meta.json" "$INI" "$(vol $U1 $T1 127.0.0.1:3260 5)"
        export VA_SIM_TARGETS="$T1@127.0.0.1:3260:6"
        VA_SIM_FAULT="buffer-hresult,session-busy=2,devices-late=3,devices-unnumbered=2" \
                va attach --json --metadata "$(winpath "$sdir/meta.json")" attach
        want "exit 0" rc_is attach 0
        want "attached with a numbered disk" json attach.out \
                'd["summary"]["attached"] == 1 and d["volumes"][0]["device"]["path"].startswith("\\\\.\\PhysicalDrive") and "4294967295" not in d["volumes"][0]["device"]["path"]'
        want "grew the buffer after 0x8007007A" trace_has '= 0x8007007A'
        VA_SIM_FAULT="in-use=$T1" va busy detach $U1
        want "a disk in use: logout refused, clear error" has busy.err 'in use \(DEVICE_BUSY_ON_SESSION\)'
        want "a disk in use: exit non-zero" sh -c "! grep -qx 0 '$sdir/busy.rc'"
        meta "$sdir/nf.json" "$INI" "$(vol $U2 $T2 127.0.0.1:3260 0)"
        VA_SIM_FAULT="fail=LoginIScsiTargetW:ISDSC_TARGET_NOT_FOUND" \
                va nf --deadline 2 --metadata "$(winpath "$sdir/nf.json")" attach
        want "target not found: exit 1, clear error" sh -c \
                "grep -qx 1 '$sdir/nf.rc' && grep -q '$U2.*TARGET_NOT_FOUND' '$sdir/nf.err'"
}

# The service: installed with this run's metadata, started by the SCM when
# Wine "boots" (a new wineserver starts the automatic services), runs
# watch (its first round attaches), logs to ProgramData, ends cleanly when
# the SCM stops it, and is removed again.
sc_service() {
        meta "$sdir/meta.json" "$INI" "$(vol $U1 $T1 127.0.0.1:3260 0 svcuser "$(secret servicesecret1)")"
        export VA_SIM_TARGETS="$T1@127.0.0.1:3260:1:svcuser:servicesecret1"
        # services get the system environment, not ours
        for v in VA_SIM_TARGETS VA_SIM_STATE VA_SIM_TRACE; do
                eval "val=\$$v"
                quiet wine reg add "$envkey" /v "$v" /d "$val" /f
        done
        rm -f "$drive_c/ProgramData/volattach.log"
        va install --metadata "$(winpath "$sdir/meta.json")" service install
        want "install: exit 0" rc_is install 0
        want "install: reported" has install.out '^service volattach installed \(delayed automatic start, after MSiSCSI and Tcpip\)'
        wine reg query 'HKLM\System\CurrentControlSet\Services\volattach' 2>/dev/null | tr -d '\r' >"$sdir/svc.reg"
        want "registry: automatic" has svc.reg 'Start +REG_DWORD +0x2$'
        want "registry: delayed" has svc.reg 'DelayedAutostart +REG_DWORD +0x1$'
        want "registry: after MSiSCSI and Tcpip" has svc.reg 'DependOnService +REG_MULTI_SZ +MSiSCSI\\0Tcpip'
        want "registry: runs 'service run' with the metadata" has svc.reg 'ImagePath .*"--metadata" ".*meta.json" .*"service" "run"'
        # a boot: wineserver stops, the next process brings services.exe
        # back, which starts the automatic services; hold.exe keeps Wine up.
        # Wine starts a delayed service late (not within 20 s): that flag goes first.
        quiet wine reg delete 'HKLM\System\CurrentControlSet\Services\volattach' /v DelayedAutostart /f
        wine_restart
        wine "$dev/hold.exe" 60 >/dev/null 2>&1 &
        hpid=$!
        log="$drive_c/ProgramData/volattach/volattach.log"
        i=0
        while ! grep -q "notice: volume $U1 attached: " "$log" 2>/dev/null && [ $i -lt 1200 ]; do
                sleep 0.1
                i=$((i + 1))
        done
        cp "$log" "$sdir/service.log" 2>/dev/null || : >"$sdir/service.log"
        want "the service runs watch" has service.log 'watching .*meta.json every 10 s'
        want "its first round attached at boot" has service.log "notice: volume $U1 attached: "
        want "service log lines: RFC 3339 UTC time stamps" sh -c "! grep -vE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z [a-z]+: ' '$sdir/service.log'"
        va status --json --metadata "$(winpath "$sdir/meta.json")" status
        want "status after boot: attached" json status.out 'len(d["volumes"]) == 1 and d["volumes"][0]["status"] == "attached"'
        # uninstall stops it (SERVICE_CONTROL_STOP): watch ends between rounds
        va uninstall service uninstall
        kill "$hpid" 2>/dev/null
        wait "$hpid" 2>/dev/null
        cp "$log" "$sdir/service.log" 2>/dev/null
        want "stopped by the SCM: watch ended cleanly" has service.log 'stopped after [0-9]+ round'
        want "stopped by the SCM: exit 0" has service.log 'watch finished, exit 0'
        want "uninstall: reported" has uninstall.out '^service volattach removed$'
        want "uninstall: gone" sh -c "! wine reg query 'HKLM\\System\\CurrentControlSet\\Services\\volattach' >/dev/null 2>&1"
        va again service uninstall
        want "uninstall again: not installed, exit 0" has again.out '^service volattach is not installed$'
        for v in VA_SIM_TARGETS VA_SIM_STATE VA_SIM_TRACE; do
                quiet wine reg delete "$envkey" /v "$v" /f
        done
}

# The MSI under Wine's msiexec: files, service and drop-in in place; the
# cloudbase-init drop-in run from there (exit 1002: run again next boot)
# against a config drive; then removed.
sc_msi() {
        msi=$(winpath "$exe_dir/volattach.msi")
        pf="$drive_c/Program Files/volattach"
        mkdir -p "$sdir/cd/openstack/latest"
        meta "$sdir/cd/openstack/latest/meta_data.json" "$INI" "$(vol $U1 $T1 127.0.0.1:3260 0)"
        printf 'config-2\n' >"$sdir/cd/.windows-label"
        export VA_SIM_TARGETS="$T1@127.0.0.1:3260:1"
        # the config drive for the drop-in, as drive M: (drive letters are
        # read when Wine starts)
        [ -n "${VA_WINE_NETNS:-}" ] && ln -sfn "$sdir/cd" "$WINEPREFIX/dosdevices/m:"
        wine_restart
        # services.exe stays up from here on, so the MSI's automatic
        # service is not started behind the test's back
        wine "$dev/hold.exe" 120 >/dev/null 2>&1 &
        hpid=$!
        sleep 1
        wine msiexec /i "$msi" /qn >"$sdir/install.out" 2>&1
        echo $? >"$sdir/install.rc"
        want "msiexec /i: exit 0" rc_is install 0
        want "exe installed" [ -f "$pf/volattach.exe" ]
        want "drop-in installed" [ -f "$pf/volattach-attach.cmd" ]
        wine reg query 'HKLM\System\CurrentControlSet\Services\volattach' 2>/dev/null | tr -d '\r' >"$sdir/svc.reg"
        want "service: automatic" has svc.reg 'Start +REG_DWORD +0x2$'
        want "service: delayed (custom action)" has svc.reg 'DelayedAutostart +REG_DWORD +0x1$'
        want "service: runs 'service run'" has svc.reg 'ImagePath .*volattach\.exe.*service.*run'
        want "mode: service (the default)" sh -c "wine reg query 'HKLM\\Software\\volattach' /v Mode 2>/dev/null | grep -q 'REG_SZ *service'"
        want "volattach.conf: the example" cmp -s "$drive_c/ProgramData/volattach/volattach.conf" "$root/dist/volattach.conf"
        want "volattach(8) as text" grep -q '^VOLATTACH(8)' "$pf/volattach.8.txt"
        # options an operator gave the service survive a repair: the custom
        # action's bare `service install` keeps the command line
        wine "$pf/volattach.exe" service install --deadline 120 --interval 30 >"$sdir/opts.out" 2>&1
        wine reg query 'HKLM\System\CurrentControlSet\Services\volattach' /v ImagePath 2>/dev/null |
                tr -d '\r' >"$sdir/opts.reg"
        want "operator's options in the service" has opts.reg 'deadline"? "?120.*interval"? "?30'
        printf 'log-level = info\n' >"$drive_c/ProgramData/volattach/volattach.conf"
        # a repair: Wine's msiexec has no /f for a package or product code
        # ("not implemented"), the REINSTALL properties are what /fa sets
        wine msiexec /i "$msi" REINSTALL=ALL REINSTALLMODE=vamus /qn >"$sdir/repair.out" 2>&1
        echo $? >"$sdir/repair.rc"
        want "repair (REINSTALL=ALL): exit 0" rc_is repair 0
        want "repair: the custom action ran, keeping the command line" has repair.out '^  command \(kept\): .*--deadline'
        wine reg query 'HKLM\System\CurrentControlSet\Services\volattach' /v ImagePath 2>/dev/null |
                tr -d '\r' >"$sdir/repaired.reg"
        want "repair: the service's options kept" has repaired.reg 'deadline"? "?120.*interval"? "?30'
        want "repair: volattach.conf kept" grep -qx 'log-level = info' "$drive_c/ProgramData/volattach/volattach.conf"
        # The drop-in reads metadata as on a real boot ("auto": the config
        # drive, else the metadata service at 169.254.169.254): only where
        # the network namespace guarantees nothing leaves the machine.
        if [ -n "${VA_WINE_NETNS:-}" ]; then
                {
                        timeout -k 5 120 wine cmd /c \
                                'C:\Program Files\volattach\volattach-attach.cmd' 2>/dev/null
                        echo $? >"$sdir/dropin.rc"
                } | tr -d '\r' >"$sdir/dropin.out"
                # cloudbase-init's "run again at the next boot"; Linux keeps 8 bits
                want "drop-in: exit 1002" sh -c "grep -qxE '1002|234' '$sdir/dropin.rc'"
                rm -f "$WINEPREFIX/dosdevices/m:"
                want "drop-in: volattach exited 0" has dropin.out 'volattach exited with 0'
                want "drop-in: volume attached" has dropin.out "^Volume $U1 attached"
                want "drop-in: log under ProgramData" grep -q "initiator name set to $INI" \
                        "$drive_c/ProgramData/volattach/volattach.log"
        fi
        wine msiexec /x "$msi" /qn >"$sdir/remove.out" 2>&1
        echo $? >"$sdir/remove.rc"
        # removal runs uninstall-state: the attached volume is kept, named
        [ -n "${VA_WINE_NETNS:-}" ] &&
                want "msiexec /x: uninstall-state kept the attached volume" has remove.out "^Volume $U1 kept: attached"
        want "msiexec /x: uninstall-state ran" has remove.out '^Summary: .* kept attached'

        kill "$hpid" 2>/dev/null
        wait "$hpid" 2>/dev/null
        rm -f "$WINEPREFIX/dosdevices/m:"
        wine_restart
        want "msiexec /x: exit 0" rc_is remove 0
        want "exe removed" [ ! -f "$pf/volattach.exe" ]
        want "service removed" sh -c "! wine reg query 'HKLM\\System\\CurrentControlSet\\Services\\volattach' >/dev/null 2>&1"
}

# The core's own unit tests, cross-built by the same meson.build, under
# Wine: the portable code behaves the same on Windows.
sc_unit() {
        sh "$root/tests/unit/mkimages.sh" "$sdir/fsimages" >/dev/null 2>&1 ||
                problems="$problems
      - tests/unit/mkimages.sh failed"
        for t in "$exe_dir"/tests/test-*.exe; do
                n=$(basename "$t" .exe)
                # Once in a few hundred starts Wine runs nothing at all (empty
                # output, seen in CI right after the prefix was made): one more
                # start then.  A test that ran prints its tally and is judged.
                for attempt in 1 2; do
                        VA_FIXTURES=$(winpath "$root/tests/fixtures/metadata") \
                                VA_FSIMAGE_DIR=$(winpath "$sdir/fsimages") \
                                timeout -k 5 120 wine "$t" 2>"$sdir/$n.err" | tr -d '\r' >"$sdir/$n.out"
                        [ -s "$sdir/$n.out" ] && break
                done
                want "$n: all passed" grep -qE '^[1-9][0-9]* passed, 0 failed$' "$sdir/$n.out"
        done
        want "unit tests found" [ -n "$(ls "$exe_dir"/tests/test-*.exe 2>/dev/null)" ]
}

# --- faults, as in the Linux lab's 2xxx scenarios ------------------------------

# The target refuses the first logins (CONNECTION_FAILED, as while it is
# down) and then comes back: retried with backoff within --deadline, attached.
sc_fault_target_back() {
        meta "$sdir/meta.json" "$INI" "$(vol $U1 $T1 127.0.0.1:3260 0)"
        export VA_SIM_TARGETS="$T1@127.0.0.1:3260:1"
        VA_SIM_FAULT="fail=LoginIScsiTargetW:ISDSC_CONNECTION_FAILED:3" \
                va attach --json --deadline 30 --metadata "$(winpath "$sdir/meta.json")" attach
        want "exit 0" rc_is attach 0
        want "attached after retries" json attach.out \
                'd["volumes"][0]["status"] == "attached" and d["volumes"][0]["paths"][0]["login_attempts"] > 1'
        want "the refused logins are in the trace" [ "$(trace_count 'LoginIScsiTargetW\(.*= 0xEFFF0003')" -ge 1 ]
        # down already when the portal is added (SendTargets fails): the same
        meta "$sdir/meta2.json" "$INI" "$(vol $U2 $T2 127.0.0.2:3260 0)"
        export VA_SIM_TARGETS="$T1@127.0.0.1:3260:1;$T2@127.0.0.2:3260:1"
        VA_SIM_FAULT="fail=AddIScsiSendTargetPortalW:ISDSC_CONNECTION_FAILED:2" \
                va portal --json --deadline 30 --metadata "$(winpath "$sdir/meta2.json")" attach
        want "portal refused at first: exit 0" rc_is portal 0
        want "portal refused at first: attached after retries" json portal.out \
                'd["volumes"][0]["status"] == "attached" and d["volumes"][0]["paths"][0]["login_attempts"] > 1'
}

# One portal never answers, the other volume's does: the good one attaches,
# the dead one fails within the deadline with a storage-network hint.
sc_fault_portal_down() {
        meta "$sdir/meta.json" "$INI" "$(vol $U1 $T1 127.0.0.1:3260 0)" "$(vol $U2 $T2 127.0.0.2:3260 0)"
        export VA_SIM_TARGETS="$T1@127.0.0.1:3260:1;$T2@127.0.0.2:3260:1"
        t0=$(date +%s)
        VA_SIM_FAULT="portal-down=127.0.0.2:3260" \
                va attach --json --deadline 5 --metadata "$(winpath "$sdir/meta.json")" attach
        t1=$(date +%s)
        want "exit 1" rc_is attach 1
        want "the good volume attached" json attach.out \
                '[v["status"] for v in d["volumes"] if v["id"] == "'$U1'"] == ["attached"]'
        want "the dead portal's volume failed with a storage-network hint" json attach.out \
                '[v for v in d["volumes"] if v["id"] == "'$U2'" and v["status"] == "failed" and "storage network" in v["hint"]]'
        want "it kept trying until the deadline" json attach.out \
                '[v for v in d["volumes"] if v["id"] == "'$U2'" and v["paths"][0]["login_attempts"] > 1 and v["elapsed_ms"] > 3000]'
        want "bounded: under 60 s" [ $((t1 - t0)) -lt 60 ]
}

# MSiSCSI stopped with start type "demand", as on a fresh image, whatever
# an earlier scenario left (an attach sets it running and automatic).
# Wine's sc has no working config: stop, delete and create it again, as
# wine-env.sh does.
msiscsi_stopped_demand() {
        quiet wine sc stop MSiSCSI
        quiet wine sc delete MSiSCSI
        quiet wine sc create MSiSCSI binPath= 'C:\volattach-test\fake_msiscsi.exe' start= demand ||
                problems="$problems
      - could not re-create the fake MSiSCSI service"
}

# MSiSCSI is stopped when volattach starts: it is started (and set to
# automatic) through the SCM before anything else.
sc_fault_service_stopped() {
        meta "$sdir/meta.json" "$INI" "$(vol $U1 $T1 127.0.0.1:3260 0)"
        export VA_SIM_TARGETS="$T1@127.0.0.1:3260:1"
        msiscsi_stopped_demand
        va attach --json --metadata "$(winpath "$sdir/meta.json")" attach
        want "exit 0" rc_is attach 0
        wine sc query MSiSCSI 2>/dev/null | tr -d '\r' >"$sdir/svc.query"
        want "MSiSCSI running again" has svc.query 'RUNNING'
        wine reg query 'HKLM\System\CurrentControlSet\Services\MSiSCSI' /v Start 2>/dev/null |
                tr -d '\r' >"$sdir/msiscsi.reg"
        want "MSiSCSI automatic again" has msiscsi.reg 'Start +REG_DWORD +0x2$'
}

# volattach killed in the middle of three slow attaches, then rerun: it
# converges (all attached, one session per target, exit 0).
sc_fault_killed_rerun() {
        meta "$sdir/meta.json" "$INI" "$(vol $U1 $T1 127.0.0.1:3260 0)" \
                "$(vol $U2 $T2 127.0.0.1:3260 0)" "$(vol $U3 $T3 127.0.0.1:3260 0)"
        export VA_SIM_TARGETS="$T1@127.0.0.1:3260:1;$T2@127.0.0.1:3260:1;$T3@127.0.0.1:3260:1"
        VA_SIM_FAULT="slow=300" timeout -s KILL 3 wine "$exe" --metadata "$(winpath "$sdir/meta.json")" \
                --jobs 1 attach >/dev/null 2>&1
        wineserver -k 2>/dev/null # the Windows process dies with its Wine
        wineserver -w 2>/dev/null
        va rerun --json --metadata "$(winpath "$sdir/meta.json")" attach
        want "rerun: exit 0" rc_is rerun 0
        want "rerun: all three attached" json rerun.out 'd["summary"]["attached"] == 3'
        va status --json --metadata "$(winpath "$sdir/meta.json")" status
        want "status: three volumes, one path each, attached" json status.out \
                'len(d["volumes"]) == 3 and all(v["status"] == "attached" and len(v["paths"]) == 1 for v in d["volumes"])'
}

# The target drops the session (recovery): status says so; once it is back,
# a rerun reports it healthy.
sc_fault_session_dropped() {
        meta "$sdir/meta.json" "$INI" "$(vol $U1 $T1 127.0.0.1:3260 0)"
        export VA_SIM_TARGETS="$T1@127.0.0.1:3260:1"
        va attach --metadata "$(winpath "$sdir/meta.json")" attach
        VA_SIM_FAULT="session-down=$T1" va down --metadata "$(winpath "$sdir/meta.json")" status
        want "status: exit 1 while down" rc_is down 1
        want "status: says what to do" has down.out "volattach attach"
        va heal --json --metadata "$(winpath "$sdir/meta.json")" attach
        want "rerun: exit 0" rc_is heal 0
        va up --json --metadata "$(winpath "$sdir/meta.json")" status
        want "status: attached again" json up.out 'd["volumes"][0]["status"] == "attached" and d["summary"]["exit_status"] == 0'
}

# watch, the rounds of lab 1140 against the simulator: a volume added is
# attached; one removed and unused is detached after two answers (logged
# out, its persistent login removed); one removed whose disk is in use is
# kept and reported every round; a metadata service (a real HTTP server on
# 127.0.0.1) that answers 500, an empty body or garbage, or is gone,
# detaches nothing; killed in the middle of a round, a restart converges.
# Each run is one process: --rounds bounds it, --interval 1 paces it.
sc_watch() {
        m=$(winpath "$sdir/meta.json")
        export VA_SIM_TARGETS="$T1@127.0.0.1:3260:1;$T2@127.0.0.1:3260:1;$T3@127.0.0.1:3260:1"
        meta "$sdir/meta.json" "$INI" "$(vol $U1 $T1 127.0.0.1:3260 0)"
        va w1 --interval 1 --rounds 1 --metadata "$m" watch
        want "round 1: exit 0" rc_is w1 0
        want "round 1: volume 1 attached, at notice level" has w1.err "notice: volume $U1 attached: .+PhysicalDrive[0-9]+"
        meta "$sdir/meta.json" "$INI" "$(vol $U1 $T1 127.0.0.1:3260 0)" "$(vol $U2 $T2 127.0.0.1:3260 0)"
        va w2 --json --interval 1 --rounds 2 --metadata "$m" watch
        want "added: volume 2 attached" has w2.err "notice: volume $U2 attached"
        # each round: one JSON line on stdout, and the same in ProgramData's result.json
        want "--json: one document per round" [ "$(wc -l <"$sdir/w2.out")" = 2 ]
        head -n 1 "$sdir/w2.out" >"$sdir/w2.first"
        tail -n 1 "$sdir/w2.out" >"$sdir/w2.last"
        want "--json: round 1 attached volume 2, kept volume 1" json w2.first \
                'd["command"] == "watch" and d["round"] == 1 and sorted((v["id"], v["status"]) for v in d["volumes"]) == [("'$U1'", "kept"), ("'$U2'", "attached")]'
        want "--json: round 2 kept both" json w2.last \
                'd["round"] == 2 and [v["status"] for v in d["volumes"]] == ["kept", "kept"] and d["summary"]["exit_status"] == 0'
        cp "$drive_c/ProgramData/volattach/result.json" "$sdir/w2.result" 2>/dev/null || : >"$sdir/w2.result"
        want "result.json is the last round's document" \
                python3 -c 'import json,sys; sys.exit(json.load(open(sys.argv[1])) != json.load(open(sys.argv[2])))' \
                "$sdir/w2.last" "$sdir/w2.result"
        want "added: volume 1 not attached again" hasnt w2.err "volume $U1 attached"
        want "added: one login each" [ "$(trace_count "LoginIScsiTargetW\(target=$T1 .*persistent=0.*= 0x00000000")" = 1 ]
        # both leave; volume 2's disk is in use; volume 3 comes
        meta "$sdir/meta.json" "$INI" "$(vol $U3 $T3 127.0.0.1:3260 0)"
        VA_SIM_FAULT="in-use=$T2" va w3 --interval 1 --rounds 4 --metadata "$m" watch
        want "removed: exit 1 (a volume kept in use)" rc_is w3 1
        want "removed: volume 3 attached" has w3.err "notice: volume $U3 attached"
        want "removed: volume 1 waits for a second answer" has w3.err "notice: volume $U1: gone from the metadata; detached if the next"
        want "removed: volume 1 detached" has w3.err "notice: volume $U1 detached: gone from the metadata"
        want "removed: volume 1 logged out" trace_has "LogoutIScsiTarget\(.*= 0x00000000"
        want "removed: volume 1's persistent login removed" trace_has "RemoveIScsiPersistentTargetW\(target=$T1 .*= 0x00000000"
        want "in use: reported in each of rounds 2-4" [ "$(grep -c "notice: volume $U2: gone from the metadata, but .* is still in use" "$sdir/w3.err")" = 3 ]
        want "in use: never forced, its persistent login kept" hasnt trace "RemoveIScsiPersistentTargetW\(target=$T2 "
        va st1 --json --metadata "$m" status
        want "status: volume 3 attached, volume 2 attached but no longer wanted" json st1.out \
                "sorted((v['id'], v['status']) for v in d['volumes']) == [('$U2', 'unwanted'), ('$U3', 'attached')] and d['summary']['exit_status'] == 1"

        # the metadata service: a real HTTP server, its answer switched per phase
        metaserver_start
        want "server listening" [ -n "$port" ]
        url="http://127.0.0.1:$port/live/openstack/latest/meta_data.json"
        for a in 500 empty garbage; do
                echo "$a" >"$sdir/meta.json.answer"
                va "h-$a" --interval 1 --rounds 3 --http-attempts 1 --metadata "$url" watch
                want "$a: nothing changes, said" has "h-$a.err" "nothing changes this round"
                want "$a: nothing detached" hasnt "h-$a.err" "detached"
        done
        rm -f "$sdir/meta.json.answer"
        kill "$spid" 2>/dev/null
        wait "$spid" 2>/dev/null
        va h-gone --interval 1 --rounds 3 --http-attempts 1 --metadata "$url" watch
        want "server gone: nothing changes, said" has h-gone.err "cannot read metadata.*nothing changes"
        want "server gone: nothing detached" hasnt h-gone.err "detached"
        va st2 --json --metadata "$m" status
        want "status: still volumes 2 and 3, both up" json st2.out \
                "sorted((v['id'], v['status']) for v in d['volumes']) == [('$U2', 'unwanted'), ('$U3', 'attached')] and all(v['paths_up'] == 1 for v in d['volumes'])"
        want "the service was asked every round" [ "$(grep -c "^/live/openstack/latest/meta_data.json " "$sdir/http.log")" -ge 9 ]

        # killed in the middle of a round that attaches two volumes, then a restart
        meta "$sdir/meta.json" "$INI" "$(vol $U1 $T1 127.0.0.1:3260 0)" "$(vol $U3 $T3 127.0.0.1:3260 0)"
        VA_SIM_FAULT="slow=300" timeout -s KILL 3 wine "$exe" --metadata "$m" --jobs 1 --interval 1 \
                watch >/dev/null 2>&1
        wineserver -k 2>/dev/null
        wineserver -w 2>/dev/null
        va w4 --interval 1 --rounds 3 --metadata "$m" watch
        want "restart: exit 0" rc_is w4 0
        want "restart: volume 2 (unused now) detached" has w4.err "notice: volume $U2 detached"
        va st3 --json --metadata "$m" status
        want "restart: volumes 1 and 3 attached, one path each, all well" json st3.out \
                "sorted(v['id'] for v in d['volumes']) == ['$U1', '$U3'] and all(v['status'] == 'attached' and len(v['paths']) == 1 for v in d['volumes']) and d['summary']['exit_status'] == 0"
        want "restart: one live session per target" [ "$(trace_count "LoginIScsiTargetW\(target=$T3 .*persistent=0.*= 0x00000000")" = 1 ]
}

# Disks under the SAN policy (docs/windows.md "Disks"): a new iSCSI disk
# starts offline and read-only under OfflineShared; attach brings it online
# and writable, persisted, and reads it back; status shows it.
sc_disk_online() {
        meta "$sdir/meta.json" "$INI" "$(vol $U1 $T1 127.0.0.1:3260 0)"
        export VA_SIM_TARGETS="$T1@127.0.0.1:3260:1"
        va attach --json --metadata "$(winpath "$sdir/meta.json")" attach
        want "exit 0" rc_is attach 0
        want "the disk was found offline and read-only (OfflineShared)" \
                trace_has 'DiskIoctl\(access=none code=700f0 disk=1 attrs=3\)'
        want "one persisted set: online, writable" \
                trace_has 'DiskIoctl\(access=rw code=7c0f4 disk=1 version=40 persist=1 attrs=0 mask=3\) = 0x00000000'
        want "read back online and writable" json attach.out \
                'd["volumes"][0]["device"]["online"] is True and d["volumes"][0]["device"]["read_only"] is False'
        va st --json --metadata "$(winpath "$sdir/meta.json")" status
        want "status --json: online, writable, raw" json st.out \
                'd["volumes"][0]["paths"][0]["device"]["online"] is True and d["volumes"][0]["paths"][0]["device"]["read_only"] is False and d["volumes"][0]["paths"][0]["device"]["partition_style"] == "raw"'
        va text --metadata "$(winpath "$sdir/meta.json")" status
        want "status text: online, read-write, raw" has text.out \
                "PhysicalDrive1 \(online, read-write, raw\)$"
}

# access_mode ro: online, and read-only in the same persisted call.
sc_disk_ro() {
        meta "$sdir/meta.json" "$INI" "$(vol $U1 $T1 127.0.0.1:3260 0 | sed 's/"access_mode": "rw"/"access_mode": "ro"/')"
        export VA_SIM_TARGETS="$T1@127.0.0.1:3260:1"
        va attach --metadata "$(winpath "$sdir/meta.json")" attach
        want "exit 0" rc_is attach 0
        want "never online and writable: one set, read-only kept" \
                trace_has 'DiskIoctl\(access=rw code=7c0f4 disk=1 version=40 persist=1 attrs=2 mask=3\) = 0x00000000'
        want "no set ever clears read-only" hasnt trace 'code=7c0f4 .*attrs=0 mask=(2|3)'
        va st --json --metadata "$(winpath "$sdir/meta.json")" status
        want "status: online, read-only" json st.out \
                'd["volumes"][0]["paths"][0]["device"]["online"] is True and d["volumes"][0]["paths"][0]["device"]["read_only"] is True'
}

# Not elevated: the disk opens only without access rights, so the set is
# refused; that volume fails (administrator named), the disk stays offline.
sc_disk_denied() {
        meta "$sdir/meta.json" "$INI" "$(vol $U1 $T1 127.0.0.1:3260 0)"
        export VA_SIM_TARGETS="$T1@127.0.0.1:3260:1"
        export VA_SIM_FAULT=disk-denied
        va attach --deadline 10 --json --metadata "$(winpath "$sdir/meta.json")" attach
        want "exit 1" rc_is attach 1
        want "failed, access denied named, administrator hinted" json attach.out \
                'd["volumes"][0]["status"] == "failed" and "administrator" in d["volumes"][0]["error"] and "administrator" in d["volumes"][0]["hint"]'
        va st --json status --metadata "$(winpath "$sdir/meta.json")"
        # the session is up, the disk there but offline: degraded, not attached
        want "status: degraded, the disk offline and read-only" json st.out \
                'd["volumes"][0]["status"] == "degraded" and d["summary"]["exit_status"] == 1 and d["volumes"][0]["paths"][0]["device"]["online"] is False and d["volumes"][0]["paths"][0]["device"]["read_only"] is True'
}

# A disk that refuses to come online (the set succeeds, the read-back still
# says offline): a failure of that volume only, with the SAN policy hinted.
sc_disk_stuck() {
        meta "$sdir/meta.json" "$INI" "$(vol $U1 $T1 127.0.0.1:3260 0)" "$(vol $U2 $T2 127.0.0.1:3260 0)"
        export VA_SIM_TARGETS="$T1@127.0.0.1:3260:1;$T2@127.0.0.1:3260:1"
        export VA_SIM_FAULT="disk-stuck=$T1"
        va attach --deadline 10 --json --metadata "$(winpath "$sdir/meta.json")" attach
        va text --deadline 10 --metadata "$(winpath "$sdir/meta.json")" attach
        want "exit 1" rc_is attach 1
        want "volume 1 failed: stays offline, OfflineShared in the hint" json attach.out \
                '[(v["status"], "stays offline" in v["error"], "OfflineShared" in v["hint"]) for v in d["volumes"] if v["id"] == "'$U1'"] == [("failed", True, True)]'
        want "volume 2 attached" json attach.out \
                '[v["status"] for v in d["volumes"] if v["id"] == "'$U2'"] == ["attached"]'
        want "text: the reason" has text.err "$U1.*stays offline"
}

# The attributes are persisted: after a reboot, before volattach runs
# again, the disk comes back online (rw) or online read-only (ro), whatever
# the SAN policy says of new disks. A disk never set comes back offline.
sc_disk_reboot() {
        meta "$sdir/meta.json" "$INI" "$(vol $U1 $T1 127.0.0.1:3260 0)" \
                "$(vol $U2 $T2 127.0.0.1:3260 0 | sed 's/"access_mode": "rw"/"access_mode": "ro"/')"
        export VA_SIM_TARGETS="$T1@127.0.0.1:3260:1;$T2@127.0.0.1:3260:1"
        va attach --metadata "$(winpath "$sdir/meta.json")" attach
        want "exit 0" rc_is attach 0
        VA_SIM_REBOOT=1 va st --json --metadata "$(winpath "$sdir/meta.json")" status
        want "trace: a reboot" trace_has ' - reboot '
        want "after the reboot: rw online and writable, ro online and read-only" json st.out \
                'sorted((v["id"], v["paths"][0]["device"]["online"], v["paths"][0]["device"]["read_only"]) for v in d["volumes"]) == [("'$U1'", True, False), ("'$U2'", True, True)]'
}

# listener_start: a TCP listener on 127.0.0.1 that accepts and says
# nothing (a portal that answers a connect); sets lpid and lport
listener_start() {
        python3 -c '
import socket, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(8)
print("PORT %d" % s.getsockname()[1], flush=True)
time.sleep(120)' >"$sdir/listener.out" 2>&1 &
        lpid=$!
        i=0
        while ! grep -q "^PORT " "$sdir/listener.out" 2>/dev/null && [ $i -lt 50 ]; do
                sleep 0.1
                i=$((i + 1))
        done
        lport=$(sed -n 's/^PORT //p' "$sdir/listener.out")
}

# va_net NAME ARGS...: va with the simulated iphlpapi.dll (sim/iphlpapi_sim.c:
# Wine's GetBestRoute2 is a stub) beside a copy of volattach.exe, routes
# from VA_SIM_ROUTES; nothing else in the prefix sees that DLL
va_net() {
        mkdir -p "$sdir/app"
        cp "$exe_dir/volattach.exe" "$dev/net/iphlpapi.dll" "$sdir/app/"
        saved_exe=$exe
        saved_overrides=$WINEDLLOVERRIDES
        exe="$sdir/app/volattach.exe"
        export WINEDLLOVERRIDES="$WINEDLLOVERRIDES;iphlpapi=n"
        va "$@"
        exe=$saved_exe
        export WINEDLLOVERRIDES="$saved_overrides"
}

SIM_ROUTES="127.0.0.0/8,Loopback Pseudo-Interface 1,127.0.0.1,-,4294967295;10.99.0.0/24,Storage,10.99.0.2,-,9000;0.0.0.0/0,Ethernet,10.0.0.5,10.0.0.1,1500"
partmgr='HKLM\System\CurrentControlSet\Services\partmgr\Parameters'

# volattach check: a preflight that changes nothing. A portal that answers,
# one that refuses, one only the default route leads to (unreachable, with
# the hint naming it); MSiSCSI stopped and manual, so reported and left so;
# the SAN policy read from partmgr's SanPolicy (OnlineAll with a read-only
# volume warns); no iSCSI call that changes anything in the trace, no
# ProgramData\volattach, the service's start type unchanged.
sc_check() {
        # It dials 192.0.2.10 and 10.99.0.x for real (only the route table
        # is simulated): outside the run's own network namespace that
        # traffic would leave the host, so never run it there.
        if [ "${VA_WINE_NETNS:-}" != 1 ]; then
                problems=" needs the run's network namespace (root, unshare, ip): its portals are not on loopback"
                return 77
        fi
        # the state it expects, whatever scenario ran before (an attach
        # leaves MSiSCSI running and automatic)
        msiscsi_stopped_demand
        listener_start
        meta "$sdir/meta.json" "$INI" \
                "$(vol $U1 $T1 127.0.0.1:$lport 0 | sed 's/"access_mode": "rw"/"access_mode": "ro"/')" \
                "$(vol $U2 $T2 127.0.0.2:1 0)" "$(vol $U3 $T3 192.0.2.10:3260 0)"
        export VA_SIM_ROUTES="$SIM_ROUTES"
        quiet wine reg add "$partmgr" /v SanPolicy /t REG_DWORD /d 1 /f
        wine reg query 'HKLM\System\CurrentControlSet\Services\MSiSCSI' /v Start 2>/dev/null |
                tr -d '\r' >"$sdir/start-before.reg"
        va_net check --json --metadata "$(winpath "$sdir/meta.json")" check
        want "exit 1: a check failed" rc_is check 1
        want "json: exit_status 1" json check.out 'd["summary"]["exit_status"] == 1'
        want "MSiSCSI stopped: warn, attach would start it" json check.out \
                '[(c["status"], "not running (start type manual)" in c["text"]) for c in d["checks"] if c["check"] == "service"] == [("warn", True)]'
        want "SAN policy OnlineAll from partmgr, warn for the ro volume" json check.out \
                '[(c["status"], c["text"].startswith("OnlineAll (HKLM"), "read-only volume" in c["hint"]) for c in d["checks"] if c["check"] == "san-policy"] == [("warn", True, True)]'
        want "the answering portal: connected, loopback route and MTU" json check.out \
                '[(c["status"], c["portal"]["tcp"], c["portal"]["route"]["interface"], c["portal"]["route"]["local"]) for c in d["checks"] if c.get("subject") == "127.0.0.1:'$lport'"] == [("ok", "connected", "Loopback Pseudo-Interface 1", True)]'
        want "the refusing portal: its hint" json check.out \
                '[(c["status"], "nothing listens on port 1" in c["hint"]) for c in d["checks"] if c.get("subject") == "127.0.0.2:1"] == [("fail", True)]'
        want "the default-route portal: route, source, gateway, MTU, the hint" json check.out \
                '[(c["status"], c["portal"]["route"]["interface"], c["portal"]["route"]["source"], c["portal"]["route"]["gateway"], c["portal"]["route"]["default_route"], c["portal"]["route"]["mtu"], "default route (gateway 10.0.0.1 on Ethernet), not a directly connected storage network" in c["hint"]) for c in d["checks"] if c.get("subject") == "192.0.2.10:3260"] == [("fail", "Ethernet", "10.0.0.5", "10.0.0.1", True, 1500, True)]'
        want "what attach would do, per volume" json check.out \
                'sorted(c["text"] for c in d["checks"] if c["check"] == "volume") == ["attach would use: single"] * 3'
        va_net text --metadata "$(winpath "$sdir/meta.json")" check
        want "text: the hint under the portal" has text.out \
                '^      hint: unreachable; the kernel sends it to the default route \(gateway 10\.0\.0\.1 on Ethernet\)'
        want "nothing changed: no iSCSI call but reads" \
                hasnt trace 'SetIScsi|AddIScsi|LoginIScsi|LogoutIScsi|RemoveIScsi'
        wine reg query 'HKLM\System\CurrentControlSet\Services\MSiSCSI' /v Start 2>/dev/null |
                tr -d '\r' >"$sdir/start-after.reg"
        want "nothing changed: MSiSCSI's start type" cmp -s "$sdir/start-before.reg" \
                "$sdir/start-after.reg"
        want "nothing changed: MSiSCSI still manual" has start-after.reg 'Start +REG_DWORD +0x3$'
        want "nothing changed: no ProgramData\\volattach" test ! -e "$drive_c/ProgramData/volattach"

        # the same host with only the answering portal, rw, under OfflineShared
        quiet wine reg add "$partmgr" /v SanPolicy /t REG_DWORD /d 2 /f
        meta "$sdir/good.json" "$INI" "$(vol $U1 $T1 127.0.0.1:$lport 0)"
        va_net good --json --metadata "$(winpath "$sdir/good.json")" check
        want "all good: exit 0 (warnings allowed)" rc_is good 0
        want "OfflineShared" json good.out \
                '[c["status"] for c in d["checks"] if c["check"] == "san-policy" and c["text"].startswith("OfflineShared")] == ["ok"]'
        quiet wine reg delete "$partmgr" /v SanPolicy /f
        va_net unset --json --metadata "$(winpath "$sdir/good.json")" check
        want "SanPolicy unset: the edition's default" json unset.out \
                '[c["text"].startswith("default (") for c in d["checks"] if c["check"] == "san-policy"] == [True]'
        kill "$lpid" 2>/dev/null
        unset VA_SIM_ROUTES
}

# The configuration file at %ProgramData%\volattach\volattach.conf, read
# without --config, CRLF and all; flags win; errors name file, line and key;
# a file Everyone may write (Wine maps mode 0666 to an Everyone ACE) is
# refused.
sc_config() {
        meta "$sdir/meta.json" "$INI" "$(vol $U1 $T1 127.0.0.1:3260 0)"
        meta "$sdir/other.json" "$INI" "$(vol $U2 $T2 127.0.0.1:3260 0)"
        conf="$drive_c/ProgramData/volattach/volattach.conf"
        mkdir -p "$drive_c/ProgramData/volattach"
        printf 'metadata = %s\r\n[plan]\r\njson = true\r\n' "$(winpath "$sdir/meta.json")" >"$conf"
        chmod 644 "$conf"
        va plan plan
        want "plan: metadata and --json from the file" json plan.out \
                'd["metadata"]["origin"].endswith("meta.json") and d["volumes"][0]["id"] == "'$U1'"'
        va flag --metadata "$(winpath "$sdir/other.json")" plan
        want "--metadata beats the file's" json flag.out \
                'd["volumes"][0]["id"] == "'$U2'"'
        va none --no-config --metadata "$(winpath "$sdir/meta.json")" plan
        want "--no-config: text, not the file's json" has none.out '^Metadata: file '
        printf 'metadata = %s\r\njobz = 4\r\n' "$(winpath "$sdir/meta.json")" >"$conf"
        va bad plan
        want "bad key: exit 2" rc_is bad 2
        want "bad key: file, line and key" has bad.err \
                'C:\\ProgramData\\volattach\\volattach\.conf:2: key .jobz.: not an option of any command'
        printf 'metadata = %s\r\n' "$(winpath "$sdir/meta.json")" >"$conf"
        chmod 666 "$conf"
        va open plan
        want "writable by Everyone: refused, exit 4" rc_is open 4
        want "writable by Everyone: says so" has open.err 'volattach\.conf: writable by S-1-1-0 \(Everyone\); refused'
        want "writable by Everyone: nothing planned" hasnt open.out 'Metadata'

        # service install writes only its flags into the service's command
        # line: the file's values stay the file's, read at every start
        printf '[service]\r\ninterval = 30\r\ntimeout = 45\r\njobs = 3\r\n' >"$conf"
        chmod 644 "$conf"
        va inst --metadata "$(winpath "$sdir/meta.json")" service install
        want "install: exit 0" rc_is inst 0
        wine reg query 'HKLM\System\CurrentControlSet\Services\volattach' /v ImagePath 2>/dev/null |
                tr -d '\r' >"$sdir/svc.reg"
        want "install: the flag in the service's command line" has svc.reg '"--metadata" ".*meta.json" .*"service" "run"'
        want "install: none of the file's values frozen there" hasnt svc.reg 'interval|timeout|deadline|jobs'
        va inst2 --config 'C:\ProgramData\other.conf' service install
        wine reg query 'HKLM\System\CurrentControlSet\Services\volattach' /v ImagePath 2>/dev/null |
                tr -d '\r' >"$sdir/svc2.reg"
        want "install --config: the service reads that file" has svc2.reg '"--config" "C:\\ProgramData\\other.conf" "service" "run"'
        va uninst service uninstall
        want "uninstall: exit 0" rc_is uninst 0
}

# The volume ids volattach recorded (HKLM\SOFTWARE\volattach\Disks), as a
# script reads them with reg.exe: "UNIQUEID VOLUMEID" lines.
recorded() {
        wine reg query 'HKLM\SOFTWARE\volattach\Disks' /s 2>/dev/null | tr -d '\r' | awk '
                /^HKEY_/ { key = $0; sub(/.*\\/, "", key) }
                $1 == "VolumeId" && $2 == "REG_SZ" { print key, $3 }'
}
forget_recorded() { quiet wine reg delete 'HKLM\SOFTWARE\volattach' /f; }

# Volumes on the disks, from the volume calls (FindFirstVolumeW,
# IOCTL_VOLUME_GET_VOLUME_DISK_EXTENTS, GetVolumePathNamesForVolumeNameW):
# status lists each disk's volumes with their drive letters and mount
# folders (none for a volume without), never the boot volume C:\ of disk
# 0; mount folders longer than volattach's first buffer come after
# ERROR_MORE_DATA; a volume over two disks (spanned) is on both.
sc_disk_volumes() {
        long='C:\mnt\'$(printf 'a%.0s' $(seq 1 200))
        u4=44444444-4444-4444-8444-444444444444
        meta "$sdir/meta.json" "$INI" "$(vol $U1 $T1 127.0.0.1:3260 0)" "$(vol $U2 $T2 127.0.0.1:3260 0)" \
                "$(vol $U3 $T3 127.0.0.1:3260 0)" "$(vol $u4 $T3 127.0.0.1:3260 1)"
        export VA_SIM_TARGETS="$T1@127.0.0.1:3260:1;$T2@127.0.0.1:3260:1;$T3@127.0.0.1:3260:2"
        export VA_SIM_VOLUMES="$T1/0=E:\\,C:\\mnt\\data\\;$T1/0=;$T2/0=$long\\x\\,$long\\y\\,$long\\z\\;$T3/0+$T3/1=G:\\"
        va attach --json --metadata "$(winpath "$sdir/meta.json")" attach
        want "exit 0" rc_is attach 0
        va st --json --metadata "$(winpath "$sdir/meta.json")" status
        want "volume 1: two volumes, one with E: and a mount folder, one with none" json st.out \
                '[[x["paths"] for x in v["paths"][0]["device"]["volumes"]] for v in d["volumes"] if v["id"] == "'$U1'"] == [[["E:\\", "C:\\mnt\\data\\"], []]]'
        want "volume GUID paths" json st.out \
                'all(x["name"].startswith("\\\\?\\Volume{") and x["name"].endswith("}\\") and len(x["name"]) == 49 for v in d["volumes"] for x in v["paths"][0]["device"]["volumes"])'
        want "volume 2: three long mount folders" json st.out \
                '[[len(p) for p in v["paths"][0]["device"]["volumes"][0]["paths"]] for v in d["volumes"] if v["id"] == "'$U2'"] == [[210, 210, 210]]'
        want "they came after ERROR_MORE_DATA" \
                trace_has 'GetVolumePathNamesForVolumeNameW\(paths=3 need=634 len=512\) = 0x000000EA'
        want "volume 3: the spanned volume G: (ERROR_MORE_DATA for its extents)" json st.out \
                '[[x["paths"] for x in v["paths"][0]["device"]["volumes"]] for v in d["volumes"] if v["id"] in ("'$U3'", "'$u4'")] == [[["G:\\"]], [["G:\\"]]]'
        want "trace: two extents" trace_has 'DiskIoctl\(access=none code=560000 extents=2\) = 0x000000EA'
        want "never the boot volume" json st.out \
                'not any("C:\\" in x["paths"] for v in d["volumes"] for x in v["paths"][0]["device"]["volumes"])'
        want "volumes mean GPT partitions" json st.out \
                'd["volumes"][0]["paths"][0]["device"]["partition_style"] == "gpt"'
        va text --metadata "$(winpath "$sdir/meta.json")" status
        want "status text: the volume line" has text.out \
                '^    volume \\\\\?\\Volume\{[0-9a-f-]+\}\\ E:\\ C:\\mnt\\data\\$'
}

# A disk that stays offline shows no volumes: Windows mounts none on it;
# the same disk once online shows its volume.
sc_disk_volumes_offline() {
        meta "$sdir/meta.json" "$INI" "$(vol $U1 $T1 127.0.0.1:3260 0)"
        export VA_SIM_TARGETS="$T1@127.0.0.1:3260:1"
        export VA_SIM_VOLUMES="$T1/0=E:\\"
        export VA_SIM_FAULT="disk-stuck=$T1"
        va attach --deadline 10 --json --metadata "$(winpath "$sdir/meta.json")" attach
        want "exit 1" rc_is attach 1
        want "offline: no volumes" json attach.out \
                'd["volumes"][0]["paths"][0]["device"]["online"] is False and d["volumes"][0]["paths"][0]["device"]["volumes"] == []'
        unset VA_SIM_FAULT
        va again --json --metadata "$(winpath "$sdir/meta.json")" attach
        want "once it comes online, its volume E:" json again.out \
                'd["volumes"][0]["device"]["online"] is True and [x["paths"] for x in d["volumes"][0]["device"]["volumes"]] == [["E:\\"]]'
}

# The volume id recorded for the disk: HKLM\SOFTWARE\volattach\Disks\<the
# disk's unique id (VPD 0x83 NAA, as Get-Disk's UniqueId)>, value VolumeId,
# read by reg.exe as a script would; status shows it; the WWID is the Linux
# form of the same designator; it survives a reboot; detach removes it. A
# disk without an LU designator attaches with a warning and no record.
sc_disk_volume_id() {
        forget_recorded
        meta "$sdir/meta.json" "$INI" "$(vol $U1 $T1 127.0.0.1:3260 0)" "$(vol $U2 $T2 127.0.0.1:3260 0)"
        export VA_SIM_TARGETS="$T1@127.0.0.1:3260:1;$T2@127.0.0.1:3260:1"
        export VA_SIM_FAULT="disk-no-id=$T2"
        va attach --json --metadata "$(winpath "$sdir/meta.json")" attach
        want "exit 0" rc_is attach 0
        recorded >"$sdir/reg.out"
        want "reg.exe: one record, volume 1 under an NAA unique id" has reg.out "^6001405[0-9A-F]{25} $U1\$"
        want "reg.exe: nothing for the disk without a designator" hasnt reg.out "$U2"
        uid=$(sed -n "s/ $U1\$//p" "$sdir/reg.out")
        want "warned: no unique id" has attach.err "$U2.*no unique id"
        want "attach --json: unique id, recorded id, WWID in the Linux form" json attach.out \
                '[(v["device"]["unique_id"], v["device"]["recorded_volume_id"], v["device"]["wwid"]) for v in d["volumes"] if v["id"] == "'$U1'"] == [("'$uid'", "'$U1'", "3" + "'$uid'".lower())]'
        va st --json --metadata "$(winpath "$sdir/meta.json")" status
        want "status: the recorded id" json st.out \
                '[v["paths"][0]["device"]["recorded_volume_id"] for v in d["volumes"] if v["id"] == "'$U1'"] == ["'$U1'"]'
        va text --metadata "$(winpath "$sdir/meta.json")" status
        want "status text: the record named" has text.out "volume id $U1 recorded \\(HKLM.*Disks.$uid\\)"
        VA_SIM_REBOOT=1 va st2 --json --metadata "$(winpath "$sdir/meta.json")" status
        want "after a reboot: still recorded" json st2.out \
                '[v["paths"][0]["device"]["recorded_volume_id"] for v in d["volumes"] if v["id"] == "'$U1'"] == ["'$U1'"]'
        va det detach "$U1"
        want "detach exit 0" rc_is det 0
        recorded >"$sdir/reg2.out"
        want "detach removed the record" hasnt reg2.out "$U1"
}

# The exe's resources read back (python3-pefile): VERSIONINFO from
# meson.build, the manifest, a message table entry per kind of event.
sc_resources() {
        if ! /usr/bin/python3 -c 'import pefile' 2>/dev/null; then
                problems="python3-pefile missing (scripts/deps.sh windows)"
                return 77
        fi
        /usr/bin/python3 "$root/tests/wine/pe-resources.py" "$exe" "$root" >"$sdir/pe.out" 2>&1
        want "pe-resources.py: all passed" grep -qE '^[1-9][0-9]* passed, 0 failed$' "$sdir/pe.out"
        grep '^FAIL' "$sdir/pe.out" >"$sdir/pe.err" || :
}

# What the Event Log gets (Wine's ReportEventW traces its arguments): each
# kind of event under its own Event ID, whatever the level; the ids are the
# exe's message table's.
sc_eventlog() {
        meta "$sdir/meta.json" "$INI" "$(vol $U1 $T1 127.0.0.1:3260 0)" "$(vol $U2 $T2 127.0.0.1:3260 0)"
        # T2 is not on the portal: that volume fails; T1's first login fails
        # and is retried
        export VA_SIM_TARGETS="$T1@127.0.0.1:3260:1"
        VA_SIM_FAULT="fail=LoginIScsiTargetW:ISDSC_CONNECTION_FAILED:1" WINEDEBUG=+eventlog \
                va watch --syslog --rounds 1 --deadline 3 --metadata "$(winpath "$sdir/meta.json")" watch
        # "ReportEventW (handle,type,category,id,...)"
        sed -n 's/.*ReportEventW *(\([^,]*\),0x\([0-9a-f]*\),0x[0-9a-f]*,0x\([0-9a-f]*\),.*/\2 \3/p' \
                "$sdir/watch.err" | sort -u >"$sdir/events"
        want "events written" [ -s "$sdir/events" ]
        # type: 1 error, 2 warning, 4 information; id in hex
        want "watch started: id 500, information" grep -qx '0004 000001f4' "$sdir/events"
        want "volume attached: id 100, information" grep -qx '0004 00000064' "$sdir/events"
        want "login retried: id 201" grep -qE ' 000000c9$' "$sdir/events"
        want "volume failed: id 200, error" grep -qx '0001 000000c8' "$sdir/events"
        want "the initiator name set: id 400" grep -qx '0004 00000190' "$sdir/events"
        want "nothing under the generic id" sh -c "! grep -q ' 00000001$' '$sdir/events'"
        # every id is one of the message table's
        ids=$(sed -n 's/^ *VA_EVENT_[A-Z_]* = \([0-9]*\),.*/\1/p' "$root/src/base/log.h" | tr '\n' ' ')
        while read -r _ id; do
                case " $ids " in *" $((0x$id)) "*) ;; *) want "event id $((0x$id)) is in log.h's table" false ;; esac
        done <"$sdir/events"
}

# --prepare gpt+ntfs: a RAW, zero-edged disk gets CREATE_DISK (GPT), the
# MSR waited for (it shows 3 layout reads late), one basic data partition
# after it, MSFT_Volume.Format NTFS, a drive letter or a mount folder. A
# rerun and a reboot only find it (the recorded partition GUID) and mount.
sc_prepare_ntfs() {
        meta "$sdir/meta.json" "$INI" "$(vol $U1 $T1 127.0.0.1:3260 0)" "$(vol $U2 $T2 127.0.0.1:3260 0)"
        export VA_SIM_TARGETS="$T1@127.0.0.1:3260:1;$T2@127.0.0.1:3260:1"
        export VA_SIM_FAULT="msr-late=3"
        set -- --json --metadata "$(winpath "$sdir/meta.json")" --prepare "$U1=gpt+ntfs,letter=E" \
                --prepare 'gpt+ntfs,mount=C:\data' attach
        va attach "$@"
        want "exit 0" rc_is attach 0
        want "both made, E:\\ and C:\\data\\" json attach.out \
                'sorted((v["id"], v["prepare"]["status"], v["prepare"]["mounted_at"]) for v in d["volumes"]) == [("'$U1'", "made", "E:\\"), ("'$U2'", "made", "C:\\data\\")]'
        want "read first and last MiB before writing" trace_has 'DiskRead\(offset=0 len=1048576\) = 0x00000000'
        want "CREATE_DISK GPT, twice" [ "$(trace_count 'create style=1\) = 0x00000000')" = 2 ]
        want "the MSR waited for" trace_has 'DiskIoctl\(access=none code=70050 disk=1 style=gpt parts=0\)'
        want "SET_DRIVE_LAYOUT_EX: MSR + data" trace_has 'set style=1 parts=2 data=[0-9]+\+[0-9]+ id=[0-9a-f-]+\) = 0x00000000'
        want "MSFT_Volume.Format NTFS volattach" trace_has 'VolumeFormat\(fs=NTFS label=volattach'
        want "SetVolumeMountPoint E:\\" trace_has 'SetVolumeMountPoint\(E:\\\) = 0x00000000'
        want "SetVolumeMountPoint C:\\data\\" trace_has 'SetVolumeMountPoint\(C:\\data\\\) = 0x00000000'
        want "the partition GUID recorded" json attach.out \
                'all(len(v["prepare"]["uuid"]) == 36 for v in d["volumes"])'
        cp "$sdir/attach.out" "$sdir/first.out"
        va again "$@"
        want "rerun: exit 0" rc_is again 0
        want "rerun: found, not made" json again.out \
                'sorted(v["prepare"]["status"] for v in d["volumes"]) == ["mounted", "mounted"]'
        want "rerun: same GUIDs" python3 -c 'import json,sys; a=json.load(open(sys.argv[1])); b=json.load(open(sys.argv[2])); sys.exit(0 if sorted(v["prepare"]["uuid"] for v in a["volumes"]) == sorted(v["prepare"]["uuid"] for v in b["volumes"]) else 1)' "$sdir/first.out" "$sdir/again.out"
        want "rerun: no second CREATE_DISK, no second mount point" \
                [ "$(trace_count 'create style=1')" = 2 ] && [ "$(trace_count 'SetVolumeMountPoint\(')" = 2 ]
        VA_SIM_REBOOT=1 va boot "$@"
        want "reboot: exit 0, found and mounted" json boot.out \
                'd["summary"]["exit_status"] == 0 and sorted(v["prepare"]["status"] for v in d["volumes"]) == ["mounted", "mounted"]'
        want "reboot: still two CREATE_DISKs" [ "$(trace_count 'create style=1')" = 2 ]
}

# Not RAW, or RAW with bytes at the end: refused and never written (no
# CREATE_DISK or SET_DRIVE_LAYOUT_EX for those disks); a blank one beside
# them is made, and the run says exit 1 for the refusals.
sc_prepare_refused() {
        meta "$sdir/meta.json" "$INI" "$(vol $U1 $T1 127.0.0.1:3260 0)" "$(vol $U2 $T1 127.0.0.1:3260 1)" \
                "$(vol $U3 $T1 127.0.0.1:3260 2)" "$(vol 44444444-4444-4444-8444-444444444444 $T1 127.0.0.1:3260 3)"
        export VA_SIM_TARGETS="$T1@127.0.0.1:3260:4"
        export VA_SIM_FAULT="disk-gpt=$T1/0,disk-mbr=$T1/1,disk-tail=$T1/2"
        va attach --json --metadata "$(winpath "$sdir/meta.json")" --prepare 'gpt+ntfs' attach
        want "exit 1" rc_is attach 1
        want "GPT, MBR, tail refused; the blank one made" json attach.out \
                '[(v["status"], v["prepare"]["status"]) for v in sorted(d["volumes"], key=lambda v: v["paths"][0]["lun"])] == [("attached", "refused"), ("attached", "refused"), ("attached", "refused"), ("attached", "made")]'
        want "the reasons: GPT, MBR, non-zero bytes at the end" json attach.out \
                '[("GPT" in r[0], "MBR" in r[1], "non-zero bytes (at byte 1073733632)" in r[2]) for r in [{v["paths"][0]["lun"]: v["prepare"].get("reason", "") for v in d["volumes"]}]] == [(True, True, True)]'
        want "one CREATE_DISK, one SET_DRIVE_LAYOUT_EX: the blank disk's" \
                [ "$(trace_count 'create style=')" = 1 ] && [ "$(trace_count ' set style=')" = 1 ]
        want "the blank disk is the 4th (LUN 3)" trace_has 'code=7c058 disk=4 create style=1'
}

# Errors on the way each fail that volume's preparation with the reason,
# and never the attach: not allowed to read the disk (access denied), the
# MSR never arrives (bounded wait), MSFT_Volume.Format fails. A disk that
# stays offline (OfflineShared, stuck) fails its attach and is never
# written.
sc_prepare_errors() {
        meta "$sdir/meta.json" "$INI" "$(vol $U1 $T1 127.0.0.1:3260 0)"
        export VA_SIM_TARGETS="$T1@127.0.0.1:3260:1"
        set -- --json --metadata "$(winpath "$sdir/meta.json")" --prepare 'gpt+ntfs,letter=F' attach
        export VA_SIM_FAULT="fail=DiskRead:5" # ERROR_ACCESS_DENIED
        va denied "$@"
        want "denied: exit 1, attached, failed naming administrator" json denied.out \
                'd["volumes"][0]["status"] == "attached" and d["volumes"][0]["prepare"]["status"] == "failed" and "administrator" in d["volumes"][0]["prepare"]["error"]'
        want "denied: nothing written" [ "$(trace_count 'create style=')" = 0 ]
        want "denied: exit 1" rc_is denied 1
        export VA_SIM_FAULT="msr-late=1000"
        va msr "$@"
        want "MSR never: failed, named" json msr.out \
                'd["volumes"][0]["prepare"]["status"] == "failed" and "Microsoft Reserved Partition" in d["volumes"][0]["prepare"]["error"]'
        want "MSR never: no SET_DRIVE_LAYOUT_EX" [ "$(trace_count ' set style=')" = 0 ]
        p=$problems
        fresh prepare-errors-format
        problems=$p
        export VA_SIM_TARGETS="$T1@127.0.0.1:3260:1"
        export VA_SIM_FAULT="fail=VolumeFormat:4"
        va format "$@"
        want "Format fails: failed, ReturnValue 4 (Failed) named" json format.out \
                'd["volumes"][0]["prepare"]["status"] == "failed" and "returned 4 (Failed)" in d["volumes"][0]["prepare"]["error"]'
        want "Format fails: exit 1" rc_is format 1
        va format2 "$@"
        want "then refused: the half-made disk is GPT, never made again" json format2.out \
                'd["volumes"][0]["prepare"]["status"] == "refused" and "GPT" in d["volumes"][0]["prepare"]["reason"]'
        p=$problems
        fresh prepare-errors-offline
        problems=$p
        export VA_SIM_TARGETS="$T1@127.0.0.1:3260:1"
        export VA_SIM_FAULT="disk-stuck=$T1"
        va offline --deadline 10 "$@"
        want "offline at start: the attach fails" json offline.out \
                'd["volumes"][0]["status"] == "failed" and "stays offline" in d["volumes"][0]["error"]'
        want "offline: never written, never read" [ "$(trace_count 'create style=|DiskRead')" = 0 ]
}

all="unit resources eventlog seed no-auth chap mutual two-volumes multipath rerun wrong-secret detach reboot status
metadata-http configdrive tree-links faults fault-target-back fault-portal-down fault-service-stopped
fault-killed-rerun fault-session-dropped watch disk-online disk-ro disk-denied disk-stuck
disk-reboot disk-volumes disk-volumes-offline disk-volume-id check config prepare-ntfs prepare-refused
prepare-errors service msi"
[ $# -gt 0 ] && all="$*"
for s in $all; do
        scenario "$s"
done

# --- no secret anywhere ---------------------------------------------------------
sdir="$run"
problems=""
# the test's own inputs hold secrets on purpose: meta_data.json, the ISO
files=$(find "$run" -type f ! -name secrets ! -name '*.json' ! -name '*.iso')
wineserver -w # writes the registry out
logs=$(find "$drive_c/ProgramData/volattach" "$drive_c/users/Public/volattach" -name '*.log' 2>/dev/null)
argv_lines=$(cat "$run"/*/trace 2>/dev/null | grep -c ' - argv ' || true)
leaks=""
for s in $(sort -u "$run/secrets"); do
        # shellcheck disable=SC2086
        hit=$(grep -lF -- "$s" $files $logs "$WINEPREFIX/system.reg" "$WINEPREFIX/user.reg" 2>/dev/null)
        [ -n "$hit" ] && leaks="$leaks $s:[$(echo "$hit" | tr '\n' ' ')]"
done
nsecrets=$(sort -u "$run/secrets" | grep -c .)
if [ -n "$leaks" ]; then
        failed=$((failed + 1))
        echo "FAIL no-secret-leaks: $leaks"
elif [ $# -eq 0 ] && { [ "$nsecrets" -lt 5 ] || [ "$argv_lines" -lt 5 ]; }; then
        failed=$((failed + 1))
        echo "FAIL no-secret-leaks: too little checked ($nsecrets secrets, $argv_lines command lines)"
else
        passed=$((passed + 1))
        echo "ok   no-secret-leaks ($nsecrets secrets; outputs, ProgramData logs, $argv_lines traced command lines, registry)"
fi

echo "wine: total $(elapsed "$t_start") s"
echo "wine: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
