#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The Debian packages: builds them with dpkg-buildpackage from a copy of the
# tree (tracked and new files, as `git archive` would plus what is not
# committed yet), runs lintian (no errors), checks the control fields and
# the contents, then installs volattach on this machine, checks that the
# boot unit is enabled and that `volattach plan` runs on the seed's example,
# purges it and checks that nothing of it is left. With vendordata/ in the
# tree, volattach-vendordata is built, checked and (when its Python
# dependencies are installed) installed and purged too.
#   tests/dist/deb.sh [OUTDIR]      (root: it installs; scripts/check.sh packages)
set -eu
cd "$(dirname "$0")/../.."
root=$(pwd)
out=${1:-$root/build-check/deb}
. tests/dist/lib.sh

deb_version=$(dpkg-parsechangelog -l debian/changelog -S Version)
[ "${deb_version%%-*}" = "$version" ] && ok "debian/changelog $deb_version is meson's $version" ||
        bad "debian/changelog says $deb_version, meson.build $version"

rm -rf "$out"
mkdir -p "$out/src/volattach-$version"
git ls-files -co --exclude-standard -z | xargs -0 cp --parents -t "$out/src/volattach-$version" 2>/dev/null ||
        git ls-files -co --exclude-standard -z | (cd "$root" && xargs -0 tar cf -) | tar xf - -C "$out/src/volattach-$version"
profiles=""
[ -d vendordata/volattach_vendordata ] || profiles="-Ppkg.volattach.novendordata"
(cd "$out/src/volattach-$version" &&
        # shellcheck disable=SC2086
        dpkg-buildpackage -b -us -uc -j2 $profiles) >"$out/build.log" 2>&1 ||
        { tail -30 "$out/build.log"; bad "dpkg-buildpackage (log: $out/build.log)"; exit 1; }
ok "dpkg-buildpackage -b $profiles"
deb=$(ls "$out"/src/volattach_"$version"_*.deb)
changes=$(ls "$out"/src/volattach_"$version"_*.changes)

# lintian: no errors; the warnings are printed (docs/packaging.md explains them)
if lintian --fail-on error "$changes" >"$out/lintian.txt" 2>&1; then
        ok "lintian: no errors ($(grep -c '^W:' "$out/lintian.txt") warnings)"
else
        cat "$out/lintian.txt"
        bad "lintian found errors"
fi
sed -n 's/^[WE]: /  lintian: /p' "$out/lintian.txt"

deps=$(dpkg-deb -f "$deb" Depends)
for d in open-iscsi libcurl4 libmount1 libcjson1 libblkid1 libfdisk1; do
        case ", $deps," in *", $d"[\ ,]*) ok "Depends: $d" ;; *) bad "Depends lacks $d: $deps" ;; esac
done
[ "$(dpkg-deb -f "$deb" Recommends)" = multipath-tools ] && ok "Recommends: multipath-tools" ||
        bad "Recommends: $(dpkg-deb -f "$deb" Recommends)"
dpkg-deb -c "$deb" | awk '{print $6}' | sed 's#^\.##' >"$out/contents.txt"
for f in /usr/sbin/volattach /usr/share/doc/volattach/README.md /usr/share/doc/volattach/copyright; do
        grep -qx "$f" "$out/contents.txt" && ok "contains $f" || bad "no $f in the .deb"
done
grep -Eqx '(/usr)?/lib/systemd/system/volattach.service' "$out/contents.txt" &&
        ok "contains volattach.service" || bad "no volattach.service in the .deb"
# what meson installs beyond those: the watch unit, the man page, the bash
# completion, the example configuration, the udev rule
for want in /systemd/system/volattach-watch.service /usr/share/man/man8/volattach.8.gz \
        /usr/share/bash-completion/completions/volattach /etc/volattach/volattach.conf \
        /lib/udev/rules.d/65-volattach.rules; do
        grep -q -- "$want\$" "$out/contents.txt" && ok "contains $want" || bad "no $want in the .deb"
done
grep -q 'no-manual-page' "$out/lintian.txt" && bad "lintian: no-manual-page" || ok "lintian: the man page is found"
dpkg-deb --ctrl-tarfile "$deb" | tar xOf - ./conffiles >"$out/conffiles" 2>/dev/null || :
grep -qx /etc/volattach/volattach.conf "$out/conffiles" && ok "/etc/volattach/volattach.conf is a conffile" ||
        bad "/etc/volattach/volattach.conf is not a conffile"
vdeb=""
if [ -z "$profiles" ]; then
        vdeb=$(ls "$out"/src/volattach-vendordata_"$version"_all.deb)
        dpkg-deb -c "$vdeb" | awk '{print $6}' | sed 's#^\.##' >"$out/vcontents.txt"
        for f in /usr/lib/python3/dist-packages/volattach_vendordata/wsgi.py \
                /etc/volattach-vendordata/uwsgi.ini /etc/volattach-vendordata/api-paste.ini \
                /lib/systemd/system/volattach-vendordata.service \
                /usr/share/doc/volattach-vendordata/README.md; do
                grep -qx "$f" "$out/vcontents.txt" && ok "vendordata contains $f" || bad "vendordata lacks $f"
        done
        vdeps=$(dpkg-deb -f "$vdeb" Depends)
        for d in python3-keystonemiddleware python3-keystoneauth1 python3-oslo.config python3-pastedeploy; do
                case "$vdeps" in *"$d"*) ok "vendordata Depends: $d" ;; *) bad "vendordata Depends lacks $d" ;; esac
        done
fi

# every unit's Documentation=file:... is a file the packages install
for d in "$out"/src/*.deb; do
        case "$d" in *dbgsym*) continue ;; esac
        mkdir -p "$out/x" && dpkg-deb -x "$d" "$out/x"
done
for u in "$out"/x/lib/systemd/system/*.service "$out"/x/usr/lib/systemd/system/*.service; do
        [ -f "$u" ] || continue
        for doc in $(sed -n 's#^Documentation=.*file:/*\(/[^ ]*\).*#\1#p' "$u" | sed 's#^/*#/#'); do
                [ -f "$out/x$doc" ] && ok "$(basename "$u"): Documentation $doc is in the package" ||
                        bad "$(basename "$u") names $doc, which no package installs"
        done
done

# --- install on this machine, then purge ------------------------------------
if [ "$(id -u)" != 0 ]; then
        echo "deb.sh: not root: the install test is skipped"
        exit $fail
fi
exec 9>/tmp/volattach-deb-test.lock
flock -w 600 9 || { bad "another deb.sh holds /tmp/volattach-deb-test.lock"; exit 1; }
if dpkg-query -W -f='${Status}' volattach 2>/dev/null | grep -q installed; then
        bad "volattach is already installed here: the install test would remove it"
        exit 1
fi
# what exists before (other tests on this machine) is not counted as left over
had_run=0 had_iface=0
[ -e /run/volattach ] && had_run=1
[ -e /etc/iscsi/ifaces/volattach ] && had_iface=1
purge() { dpkg --purge volattach-vendordata volattach >>"$out/purge.log" 2>&1; }
# the script's own status for total, after the purge
trap 'rc=$?; purge; (exit $rc); total' EXIT
if dpkg -i "$deb" >"$out/install.log" 2>&1; then
        ok "dpkg -i $(basename "$deb")"
else
        cat "$out/install.log"
        bad "dpkg -i"
        exit 1
fi
st=$(systemctl is-enabled volattach.service 2>&1) || :
[ "$st" = enabled ] && ok "systemctl is-enabled volattach.service: enabled" || bad "is-enabled: $st"
if [ -f /lib/systemd/system/volattach-watch.service ] || [ -f /usr/lib/systemd/system/volattach-watch.service ]; then
        st=$(systemctl is-enabled volattach-watch.service 2>&1) || :
        [ "$st" = disabled ] && ok "volattach-watch.service installed, disabled" || bad "watch is-enabled: $st"
fi
/usr/sbin/volattach plan --metadata "$root/tests/fixtures/metadata/01-seed-example.json" >"$out/plan.txt" 2>&1 &&
        grep -q iqn "$out/plan.txt" && ok "installed volattach plans the seed's example" ||
        { cat "$out/plan.txt"; bad "volattach plan --metadata 01-seed-example.json"; }
/usr/sbin/volattach --version | grep -q "$version" && ok "volattach --version: $version" || bad "--version"
# the man page, the completion and the example configuration, as installed
MANWIDTH=80 man --warnings volattach >"$out/man.txt" 2>"$out/man.err" && [ ! -s "$out/man.err" ] &&
        grep -q "^VOLATTACH(8)" "$out/man.txt" && ok "man volattach: renders, no warning" ||
        { cat "$out/man.err"; bad "man volattach"; }
got=$(bash --norc -c '. /usr/share/bash-completion/completions/volattach; COMP_WORDS=(volattach det);
        COMP_CWORD=1; _volattach volattach det volattach; echo "${COMPREPLY[*]}"' 2>&1)
[ "$got" = detach ] && ok "the installed completion completes 'det' to detach" || bad "completion: '$got'"
grep -Eq '^[a-z]' /etc/volattach/volattach.conf && bad "the example configuration sets a key" ||
        ok "/etc/volattach/volattach.conf: every key commented out"
/usr/sbin/volattach plan --metadata "$root/tests/fixtures/metadata/01-seed-example.json" >/dev/null 2>&1 &&
        ok "volattach runs with the shipped configuration" || bad "volattach plan with the shipped volattach.conf"
if [ -n "$vdeb" ]; then
        if dpkg -i "$vdeb" >>"$out/install.log" 2>&1; then
                ok "dpkg -i $(basename "$vdeb")"
                # the paste pipeline (auth_token, then the app) built from the
                # installed files, with the sample as the operator's config
                # (Debian's python3: the one uwsgi-plugin-python3 runs)
                cp /usr/share/doc/volattach-vendordata/volattach-vendordata.conf.sample \
                        /etc/volattach-vendordata/volattach-vendordata.conf
                if VOLATTACH_VENDORDATA_NO_AUTOLOAD=1 timeout 120 /usr/bin/python3 -c \
                        'from volattach_vendordata import wsgi; wsgi.load_app()' >"$out/vload.txt" 2>&1; then
                        ok "the installed vendordata service loads its pipeline"
                else
                        tail -5 "$out/vload.txt"
                        bad "the installed vendordata service does not load"
                fi
                getent passwd volattach-vendordata >/dev/null && ok "user volattach-vendordata" || bad "no user"
                dpkg --purge volattach-vendordata >>"$out/purge.log" 2>&1 && ok "dpkg --purge volattach-vendordata" ||
                        bad "purge vendordata"
                [ ! -e /etc/volattach-vendordata ] && ok "/etc/volattach-vendordata gone" || bad "/etc/volattach-vendordata left"
                [ ! -e /lib/systemd/system/volattach-vendordata.service ] && ok "vendordata unit gone" || bad "vendordata unit left"
        else
                echo "  (volattach-vendordata not installed here: $(grep -o 'depends on [^;]*' "$out/install.log" | head -3 | tr '\n' ' '))"
                dpkg --remove volattach-vendordata >/dev/null 2>&1 || :
        fi
fi

dpkg --purge volattach >"$out/purge.log" 2>&1 && ok "dpkg --purge volattach" || { cat "$out/purge.log"; bad "purge"; }
trap total EXIT
dpkg -L volattach >/dev/null 2>&1 && bad "dpkg -L volattach still lists files" || ok "dpkg -L volattach: not installed"
while read -r f; do
        case "$f" in */ | "" | /) continue ;; esac
        [ -d "$f" ] && continue
        [ -e "$f" ] && bad "left after purge: $f"
done <"$out/contents.txt"
[ ! -e /etc/volattach ] && ok "/etc/volattach gone" || bad "/etc/volattach left after purge"
for f in /usr/share/man/man8/volattach.8.gz /usr/share/bash-completion/completions/volattach; do
        [ ! -e "$f" ] && ok "$f gone" || bad "$f left after purge"
done
left=$(find /etc/systemd /lib/systemd /usr/lib/systemd /var/lib/systemd/deb-systemd-helper-enabled \
        -name 'volattach*' 2>/dev/null | head -5)
[ -z "$left" ] && ok "no unit or enablement link left" || bad "left: $left"
[ $had_run = 1 ] || { [ ! -e /run/volattach ] && ok "no state dir" || bad "/run/volattach left"; }
[ $had_iface = 1 ] || { [ ! -e /etc/iscsi/ifaces/volattach ] && ok "no volattach iface" || bad "iface left"; }
[ ! -e /var/lib/volattach ] && ok "no /var/lib/volattach" || bad "/var/lib/volattach left"
exit $fail
