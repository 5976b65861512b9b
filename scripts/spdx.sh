#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The SPDX license line every source file carries (Apache-2.0, as
# meson.build and LICENSE say): `scripts/spdx.sh` adds it where it is
# missing, `scripts/spdx.sh --check` (scripts/checksrc.sh) lists the files
# without it. The line goes where the file's job comment stays right below
# it: line 1 in C (`/* ... */`), after the shebang in scripts, after
# `<?xml ...?>` in the MSI source, after `@echo off` in .cmd files.
# Files without comments (JSON, fuzz corpora, fixtures) are not sources here.
set -eu
cd "$(dirname "$0")/.."
id="SPDX-License-Identifier: Apache-2.0"
check=0
[ "${1:-}" = --check ] && check=1

# the sources: tracked and new files under these folders, and the top
# level's build files
list() {
        git ls-files -co --exclude-standard -- src tests scripts dist bench vendordata debian \
                meson.build meson_options.txt Makefile volattach.spec 2>/dev/null |
                grep -vE '(^|/)(corpus|fixtures)/|\.(json|md|txt|ini|sample|8|cpio|iso|img)$|^debian/(changelog|copyright|control|source/|.*\.(install|docs))' |
                while read -r f; do [ -f "$f" ] && echo "$f"; done
}

# the comment form of a file: c, xml, cmd or hash (#)
style() {
        case "$1" in
        *.c | *.h) echo c ;;
        *.wxs | *.xml) echo xml ;;
        *.cmd | *.bat) echo cmd ;;
        *) echo hash ;;
        esac
}

missing=0
for f in $(list); do
        head -5 "$f" | grep -q "$id" && continue
        if [ $check = 1 ]; then
                echo "$f: no '$id' line (scripts/spdx.sh adds it)"
                missing=1
                continue
        fi
        case $(style "$f") in
        c) line="/* $id */" after='' ;;
        xml) line="<!-- $id -->" after='^<\?xml' ;;
        cmd) line="rem $id" after='^@echo off' ;;
        hash) line="# $id" after='^#!' ;;
        esac
        # a CRLF file (the .cmd drop-in) gets a CRLF line
        if head -1 "$f" | grep -q "$(printf '\r')\$"; then
                line="$line$(printf '\r')"
        fi
        tmp="$f.spdx.$$"
        if [ -n "$after" ] && head -1 "$f" | grep -qE "$after"; then
                { head -1 "$f"; echo "$line"; tail -n +2 "$f"; } >"$tmp"
        else
                { echo "$line"; cat "$f"; } >"$tmp"
        fi
        # keep the mode (scripts stay executable)
        chmod --reference="$f" "$tmp"
        mv -f "$tmp" "$f"
done
exit $missing
