#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The RPM: volattach.spec built by Debian's rpmbuild from a tarball of the
# tree (tracked and new files, under volattach-VERSION/), then its file list
# (rpm -qlp), dependencies (rpm -qpR) and scriptlets checked. Debian's rpm
# has no Fedora macros and no RPM database of the build dependencies: the
# missing macros come from tests/dist/rpm-macros, and --nodeps skips the
# BuildRequires check (the Debian packages scripts/deps.sh installs are
# what provides them here).
#   tests/dist/rpm.sh [OUTDIR]
set -eu
cd "$(dirname "$0")/../.."
out=${1:-$(pwd)/build-check/rpm}
. tests/dist/lib.sh

spec_version=$(sed -n 's/^Version: *//p' volattach.spec)
[ "$spec_version" = "$version" ] && ok "volattach.spec Version $spec_version is meson's" ||
        bad "volattach.spec Version $spec_version, meson.build $version"

rm -rf "$out"
mkdir -p "$out/SOURCES" "$out/tree/volattach-$version"
git ls-files -co --exclude-standard -z | xargs -0 tar cf - | tar xf - -C "$out/tree/volattach-$version"
tar czf "$out/SOURCES/volattach-$version.tar.gz" -C "$out/tree" "volattach-$version"
if rpmbuild -bb --nodeps --load tests/dist/rpm-macros --define "_topdir $out" \
        --define "_smp_mflags -j2" volattach.spec >"$out/build.log" 2>&1; then
        ok "rpmbuild -bb volattach.spec"
else
        tail -30 "$out/build.log"
        bad "rpmbuild (log: $out/build.log)"
        exit 1
fi
rpm=$(ls "$out"/RPMS/*/volattach-"$version"-1.*.rpm | grep -v debug | head -1)
rpm -qlp "$rpm" >"$out/files.txt" 2>/dev/null
for f in /usr/sbin/volattach /usr/lib/systemd/system/volattach.service \
        /usr/share/doc/volattach/README.md /usr/share/licenses/volattach/LICENSE; do
        grep -qx "$f" "$out/files.txt" && ok "rpm -qlp: $f" || bad "rpm -qlp lacks $f"
done
# the man page (rpm compresses it), the completion, the example
# configuration, the udev rule
for f in /usr/lib/systemd/system/volattach-watch.service /usr/share/man/man8/volattach.8 \
        /usr/share/bash-completion/completions/volattach /etc/volattach/volattach.conf \
        /usr/lib/udev/rules.d/65-volattach.rules; do
        grep -q "^$f" "$out/files.txt" && ok "rpm -qlp: $f" || bad "rpm lacks $f"
done
rpm -qcp "$rpm" 2>/dev/null | grep -qx /etc/volattach/volattach.conf &&
        ok "/etc/volattach/volattach.conf is %config" || bad "/etc/volattach/volattach.conf not %config"
rpm -qp --qf '[%{FILENAMES} %{FILEFLAGS:fflags}\n]' "$rpm" 2>/dev/null | grep -q '^/etc/volattach/volattach.conf .*n' &&
        ok "volattach.conf is %config(noreplace): an operator's edits survive an upgrade" ||
        bad "volattach.conf is not noreplace"
rpm -qpR "$rpm" >"$out/requires.txt" 2>/dev/null
for d in iscsi-initiator-utils libcurl libmount 'libcjson.so.1()(64bit)' 'libblkid.so.1()(64bit)' \
        'libfdisk.so.1()(64bit)'; do
        grep -qxF "$d" "$out/requires.txt" && ok "rpm -qpR: $d" || bad "rpm -qpR lacks $d"
done
grep -q '^open-iscsi' "$out/requires.txt" && bad "Requires names Debian's open-iscsi" || :
rpm -qp --recommends "$rpm" 2>/dev/null | grep -qx device-mapper-multipath &&
        ok "Recommends: device-mapper-multipath" || bad "no Recommends device-mapper-multipath"
rpm -qp --scripts "$rpm" >"$out/scripts.txt" 2>/dev/null
grep -A8 '^preuninstall' "$out/scripts.txt" | grep -q 'volattach uninstall-state' &&
        ok "%preun runs uninstall-state on erase" || bad "no uninstall-state in %preun"
grep -A3 '^postinstall' "$out/scripts.txt" | grep -q 'preset volattach.service' &&
        ok "%post presets volattach.service" || bad "no systemctl preset in %post"
grep -A8 '^preuninstall' "$out/scripts.txt" | grep -q 'disable --now volattach.service volattach-watch.service' &&
        ok "%preun disables the units" || bad "%preun does not disable the units"
exit $fail
