#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The Windows MSI: Authenticode signing through osslsigncode with a
# throw-away certificate made here, and the major upgrade under Wine from an
# older version to this one (the exe replaced, one product registered, the
# operator's configuration kept).
#   tests/dist/msi.sh [OUTDIR]          (scripts/check.sh packages)
set -eu
# the MSI registers an automatic service; if Wine started it, it must find
# no network (as tests/wine/run.sh): a namespace of its own, loopback only
if [ -z "${VA_MSI_NETNS:-}" ] && [ "$(id -u)" = 0 ] && unshare -n true 2>/dev/null; then
        VA_MSI_NETNS=1 exec unshare -n sh -c 'ip link set lo up && exec "$0" "$@"' "$0" "$@"
fi
cd "$(dirname "$0")/../.."
root=$(pwd)
out=${1:-$root/build-check/msi}
. tests/dist/lib.sh
rm -rf "$out"
mkdir -p "$out"

# --- signing ------------------------------------------------------------------
scripts/build-windows.sh >/dev/null
osslsigncode verify -in build-windows/volattach.msi >"$out/verify-unsigned.txt" 2>&1 &&
        bad "the unsigned MSI verifies" || ok "unsigned MSI: no signature"
(umask 077 && openssl rand -hex 16 >"$out/pass")
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$out/key.pem" -out "$out/cert.pem" -days 2 \
        -subj "/CN=volattach throw-away test signing" -addext "extendedKeyUsage=codeSigning" \
        >/dev/null 2>&1
openssl pkcs12 -export -inkey "$out/key.pem" -in "$out/cert.pem" -out "$out/test.p12" \
        -passout "file:$out/pass"
VOLATTACH_SIGN_PKCS12="$out/test.p12" VOLATTACH_SIGN_PASSFILE="$out/pass" \
        scripts/build-windows.sh >/dev/null || bad "signed build"
for f in build-windows/signed/volattach.exe build-windows/volattach.msi; do
        if osslsigncode verify -CAfile "$out/cert.pem" -in "$f" >"$out/verify.txt" 2>&1; then
                ok "osslsigncode verify $f"
        else
                cat "$out/verify.txt"
                bad "osslsigncode verify $f"
        fi
        grep -q "volattach throw-away test signing" "$out/verify.txt" || bad "$f: not signed by the test certificate"
done
msiextract -C "$out/x" build-windows/volattach.msi >/dev/null
osslsigncode verify -CAfile "$out/cert.pem" -in "$(find "$out/x" -name volattach.exe)" >/dev/null 2>&1 &&
        ok "the exe inside the MSI is the signed one" || bad "the MSI holds an unsigned exe"
cp build-windows/volattach.msi "$out/new.msi"

# --- upgrade under Wine -------------------------------------------------------------
# the older release: an earlier ProductVersion, and an exe that differs,
# built by the same msi_build as the release (wixl, then msibuild)
cp build-windows/volattach.exe "$out/old.exe"
printf 'older release\n' >>"$out/old.exe"
scripts/build-windows.sh --msi-build "$out/old.msi" 0.0.1 "$out/old.exe" dist/windows/volattach-attach.cmd \
        build-windows/volattach.8.txt dist/volattach.conf dist/windows/volattach.wxs ||
        bad "building old.msi"
msiinfo export "$out/new.msi" Upgrade >"$out/upgrade-table.txt"
grep -q '6F2A5C1E-9B7D-4C3A-8E21-5D0C7A9B4F11' "$out/upgrade-table.txt" &&
        ok "Upgrade table: the UpgradeCode, for older versions" || bad "no Upgrade table row"
msiinfo export "$out/new.msi" Property | grep "^ProductVersion" | grep -q "	$version" &&
        ok "ProductVersion $version (meson's)" || bad "ProductVersion is not $version"
msiinfo export "$out/new.msi" Component >"$out/components.txt"
grep -q '^Config	.*	400	' "$out/components.txt" &&
        ok "volattach.conf: NeverOverwrite, Permanent (msibuild)" || bad "volattach.conf attributes: $(grep ^Config "$out/components.txt")"

export WINEPREFIX="$out/prefix" WINEARCH=win64 WINEDEBUG=-all
wineboot -i >/dev/null 2>&1
winpath() { printf 'Z:%s' "$1" | tr / '\\'; }
pf="$WINEPREFIX/drive_c/Program Files/volattach"
localscripts="$WINEPREFIX/drive_c/Program Files/Cloudbase Solutions/Cloudbase-Init/LocalScripts"
conf="$WINEPREFIX/drive_c/ProgramData/volattach/volattach.conf"
svckey='HKLM\System\CurrentControlSet\Services\volattach'
products() {
        wine reg query 'HKLM\Software\Microsoft\Windows\CurrentVersion\Uninstall' /s 2>/dev/null |
                tr -d '\r' >"$out/uninstall.reg"
        grep -c 'DisplayName.*REG_SZ.*volattach$' "$out/uninstall.reg" || :
}
mode() {
        wine reg query 'HKLM\Software\volattach' /v Mode /reg:64 2>/dev/null | tr -d '\r' |
                sed -n 's/.*Mode *REG_SZ *//p'
}
service() { wine reg query "$svckey" >/dev/null 2>&1; }
msi() { # msi LOG ARGS...: msiexec, its exit status
        log=$1
        shift
        wine msiexec "$@" /qn >"$out/$log.txt" 2>&1
}

# a mode that is neither: refused, nothing installed
msi bogus /i "$(winpath "$out/new.msi")" VOLATTACH_MODE=bogus && bad "VOLATTACH_MODE=bogus installed" ||
        ok "VOLATTACH_MODE=bogus refused"
[ "$(products)" = 0 ] && [ ! -e "$pf/volattach.exe" ] && ok "nothing installed with a bogus mode" ||
        bad "a bogus mode installed something"

# 1. cloudbase-init: the drop-in in LocalScripts, no service; kept by an
# upgrade that names no mode
msi cbi-old /i "$(winpath "$out/old.msi")" VOLATTACH_MODE=cloudbase-init &&
        ok "msiexec /i old.msi VOLATTACH_MODE=cloudbase-init" || bad "msiexec /i old.msi cloudbase-init"
cmp -s "$pf/volattach.exe" "$out/old.exe" && ok "the old exe installed" || bad "old exe not installed"
[ -f "$localscripts/volattach-attach.cmd" ] && ok "cloudbase-init: the drop-in in LocalScripts" ||
        bad "cloudbase-init: no drop-in in LocalScripts"
service && bad "cloudbase-init: a service registered" || ok "cloudbase-init: no service"
[ "$(mode)" = cloudbase-init ] && ok "Mode cloudbase-init recorded" || bad "Mode: '$(mode)'"
cmp -s "$conf" dist/volattach.conf && ok "the example volattach.conf installed where there was none" ||
        bad "no example volattach.conf"
cmp -s "$conf.example" dist/volattach.conf && ok "volattach.conf.example beside it" || bad "no volattach.conf.example"
printf 'log-level = debug\n' >"$conf"
msi cbi-new /i "$(winpath "$out/new.msi")" && ok "msiexec /i new.msi ($version) over it, no mode given" ||
        bad "msiexec /i new.msi"
cmp -s "$pf/volattach.exe" build-windows/signed/volattach.exe && ok "the new exe installed" ||
        bad "the exe is not the new one"
n=$(products)
[ "$n" = 1 ] && ok "one volattach product registered" || bad "$n volattach products registered"
grep -A6 'DisplayName.*volattach$' "$out/uninstall.reg" | grep -q "DisplayVersion.*$version" ||
        grep -B6 'DisplayName.*volattach$' "$out/uninstall.reg" | grep -q "DisplayVersion.*$version" &&
        ok "it is $version" || bad "the registered product is not $version"
[ "$(mode)" = cloudbase-init ] && ok "upgrade: the mode kept (cloudbase-init)" || bad "upgrade: Mode '$(mode)'"
[ -f "$localscripts/volattach-attach.cmd" ] && ok "upgrade: the drop-in still in LocalScripts" || bad "upgrade: drop-in gone"
service && bad "upgrade: a service appeared" || ok "upgrade: still no service"
[ "$(cat "$conf" 2>/dev/null)" = "log-level = debug" ] && ok "upgrade: the configuration kept" ||
        bad "upgrade: the configuration was not kept: $(head -3 "$conf" 2>/dev/null)"
msi cbi-remove /x "$(winpath "$out/new.msi")" && ok "msiexec /x" || bad "msiexec /x"
[ ! -e "$pf/volattach.exe" ] && [ ! -e "$localscripts/volattach-attach.cmd" ] && ok "exe and drop-in removed" ||
        bad "exe or drop-in left"
[ -z "$(mode)" ] && ok "Mode removed" || bad "Mode left: $(mode)"
[ "$(cat "$conf" 2>/dev/null)" = "log-level = debug" ] && ok "remove: the operator's configuration stays" ||
        bad "remove: the configuration is gone"
n=$(products)
[ "$n" = 0 ] && ok "no product registered" || bad "$n products left"

# 2. the service (the default), over an operator's configuration: never
# replaced; the mode kept by an upgrade
msi svc-old /i "$(winpath "$out/old.msi")" && ok "msiexec /i old.msi (default mode)" || bad "msiexec /i old.msi"
[ "$(mode)" = service ] && ok "Mode service recorded" || bad "Mode: '$(mode)'"
service && ok "service: registered" || bad "service: not registered"
[ ! -e "$localscripts/volattach-attach.cmd" ] && ok "service: no drop-in in LocalScripts" || bad "service: a LocalScripts drop-in"
[ "$(cat "$conf" 2>/dev/null)" = "log-level = debug" ] && ok "install: an existing volattach.conf is not replaced" ||
        bad "install: volattach.conf replaced"
# (the service's own options across a repair: tests/wine/run.sh msi, where
# the exe runs against the simulated iscsidsc.dll)
msi svc-new /i "$(winpath "$out/new.msi")" && ok "msiexec /i new.msi over it" || bad "msiexec /i new.msi"
[ "$(mode)" = service ] && ok "upgrade: the mode kept (service)" || bad "upgrade: Mode '$(mode)'"
service && ok "upgrade: the service registered" || bad "upgrade: no service"
[ "$(cat "$conf" 2>/dev/null)" = "log-level = debug" ] && ok "upgrade: the configuration kept" ||
        bad "upgrade: the configuration was not kept"
msi svc-remove /x "$(winpath "$out/new.msi")" && ok "msiexec /x" || bad "msiexec /x"
[ ! -e "$pf/volattach.exe" ] && ok "exe removed" || bad "exe left"
service && bad "service left" || ok "service removed"
n=$(products)
[ "$n" = 0 ] && ok "no product registered" || bad "$n products left"
wineserver -k 2>/dev/null || :
exit $fail
