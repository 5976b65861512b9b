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
# the older release: an earlier ProductVersion, and an exe that differs
cp build-windows/volattach.exe "$out/old.exe"
printf 'older release\n' >>"$out/old.exe"
# (wixl takes sources relative to the current directory only)
cp dist/windows/volattach.wxs dist/windows/volattach-attach.cmd "$out/"
(cd "$out" && wixl -a x64 -o old.msi -D Version=0.0.1 -D Exe=old.exe \
        -D DropIn=volattach-attach.cmd volattach.wxs)
msiinfo export "$out/new.msi" Upgrade >"$out/upgrade-table.txt"
grep -q '6F2A5C1E-9B7D-4C3A-8E21-5D0C7A9B4F11' "$out/upgrade-table.txt" &&
        ok "Upgrade table: the UpgradeCode, for older versions" || bad "no Upgrade table row"
msiinfo export "$out/new.msi" Property | grep "^ProductVersion" | grep -q "	$version" &&
        ok "ProductVersion $version (meson's)" || bad "ProductVersion is not $version"

export WINEPREFIX="$out/prefix" WINEARCH=win64 WINEDEBUG=-all
wineboot -i >/dev/null 2>&1
winpath() { printf 'Z:%s' "$1" | tr / '\\'; }
pf="$WINEPREFIX/drive_c/Program Files/volattach"
conf="$WINEPREFIX/drive_c/ProgramData/volattach/volattach.conf"
products() {
        wine reg query 'HKLM\Software\Microsoft\Windows\CurrentVersion\Uninstall' /s 2>/dev/null |
                tr -d '\r' >"$out/uninstall.reg"
        grep -c 'DisplayName.*REG_SZ.*volattach$' "$out/uninstall.reg" || :
}
wine msiexec /i "$(winpath "$out/old.msi")" /qn >"$out/install-old.txt" 2>&1 &&
        ok "msiexec /i old.msi (0.0.1)" || bad "msiexec /i old.msi"
cmp -s "$pf/volattach.exe" "$out/old.exe" && ok "the old exe installed" || bad "old exe not installed"
mkdir -p "$(dirname "$conf")"
printf 'log_level = debug\n' >"$conf"
wine msiexec /i "$(winpath "$out/new.msi")" /qn >"$out/install-new.txt" 2>&1 &&
        ok "msiexec /i new.msi ($version) over it" || bad "msiexec /i new.msi"
cmp -s "$pf/volattach.exe" build-windows/signed/volattach.exe && ok "the new exe installed" ||
        bad "the exe is not the new one"
n=$(products)
[ "$n" = 1 ] && ok "one volattach product registered" || bad "$n volattach products registered"
grep -A6 'DisplayName.*volattach$' "$out/uninstall.reg" | grep -q "DisplayVersion.*$version" ||
        grep -B6 'DisplayName.*volattach$' "$out/uninstall.reg" | grep -q "DisplayVersion.*$version" &&
        ok "it is $version" || bad "the registered product is not $version"
[ "$(cat "$conf" 2>/dev/null)" = "log_level = debug" ] && ok "the configuration kept" ||
        bad "the configuration was not kept"
wine reg query 'HKLM\System\CurrentControlSet\Services\volattach' >/dev/null 2>&1 &&
        ok "the service is registered after the upgrade" || bad "no service after the upgrade"
wine msiexec /x "$(winpath "$out/new.msi")" /qn >"$out/remove.txt" 2>&1 && ok "msiexec /x" || bad "msiexec /x"
[ ! -e "$pf/volattach.exe" ] && ok "exe removed" || bad "exe left"
n=$(products)
[ "$n" = 0 ] && ok "no product registered" || bad "$n products left"
wineserver -k 2>/dev/null || :
exit $fail
