#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Unpacks Debian's cJSON source package, Debian's patches applied (the bare
# upstream tarball lacks the security fixes), into DESTDIR for the mingw build.
#   scripts/cjson-src.sh DESTDIR        prints the unpacked source directory
# A private apt configuration leaves the machine's sources.list, lists and
# caches alone (it works without root); only deb.debian.org is contacted.
set -eu

if [ $# -ne 1 ]; then
        echo "usage: $0 DESTDIR" >&2
        exit 2
fi
mkdir -p "$1"
dest=$(cd "$1" && pwd)

# Idempotent: an earlier run left an unpacked tree (dpkg-source writes
# debian/ only after the patches applied cleanly).
for d in "$dest"/cjson-*/; do
        if [ -f "$d/cJSON.c" ] && [ -f "$d/debian/changelog" ]; then
                echo "${d%/}"
                exit 0
        fi
done

for tool in apt-get dpkg-source; do
        if ! command -v "$tool" >/dev/null 2>&1; then
                echo "cjson-src.sh: $tool is missing (apt-get install dpkg-dev)" >&2
                exit 1
        fi
done
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
if [ ! -r "$keyring" ]; then
        echo "cjson-src.sh: $keyring is missing (apt-get install debian-archive-keyring)" >&2
        exit 1
fi

apt="$dest/.apt"
mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial"
cat >"$apt/sources.list" <<EOF
deb-src [signed-by=$keyring] http://deb.debian.org/debian bookworm main
deb-src [signed-by=$keyring] http://deb.debian.org/debian bookworm-updates main
deb-src [signed-by=$keyring] http://deb.debian.org/debian-security bookworm-security main
EOF

# Dir::Etc::SourceParts=/dev/null keeps /etc/apt/sources.list.d out;
# Dir::Cache keeps the private package cache off the system's. The Sources
# index is signature-checked by apt, and apt-get source checks the .dsc and
# tarballs against its hashes before dpkg-source unpacks and patches.
set -- -o Dir::Etc::SourceList="$apt/sources.list" \
        -o Dir::Etc::SourceParts=/dev/null \
        -o Dir::State::Lists="$apt/lists" \
        -o Dir::Cache="$apt/cache" \
        -o Debug::NoLocking=1 \
        -o APT::Sandbox::User=root \
        -o Acquire::Languages=none

apt-get -q "$@" update >&2
(cd "$dest" && apt-get -q "$@" source cjson) >&2
# the indexes (about 20 MB) are only needed to pick the source package
rm -rf "$apt"

for d in "$dest"/cjson-*/; do
        if [ -f "$d/cJSON.c" ] && [ -f "$d/debian/changelog" ]; then
                echo "${d%/}"
                exit 0
        fi
done
echo "cjson-src.sh: apt-get source cjson left no cjson-*/cJSON.c in $dest" >&2
exit 1
