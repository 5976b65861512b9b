#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Source rules a compiler does not check (curl's checksrc idea): banned
# unbounded or shell-running functions, OS tests outside the two places
# allowed, C++ comments, and any printf-like call handed a secret.
set -u
cd "$(dirname "$0")/.."
status=0
files=$(find src tests/unit tests/fuzz tests/wine tests/backend-sim -name '*.[ch]' 2>/dev/null)

banned='\b(system|popen|sprintf|vsprintf|strcpy|strcat|strncpy|strtok|atoi|atol|gets)\s*\('
if grep -nE "$banned" $files; then
        echo "checksrc: banned function (use snprintf/memcpy/strtoul, and plat_spawn, never a shell)"
        status=1
fi
# OS tests belong in src/platform/ and the backend table only
if grep -nE '^\s*#\s*if(def|ndef)?.*_WIN32' $(echo "$files" | grep '^src/') |
        grep -vE '^src/platform/|^src/backend/backend\.c:'; then
        echo "checksrc: #ifdef _WIN32 outside src/platform/ and src/backend/backend.c"
        status=1
fi
if grep -nE '(^|[^:"])//' $(echo "$files" | grep '^src/'); then
        echo "checksrc: C++ comment in src/ (use /* */)"
        status=1
fi
# a secret's bytes may only go to a backend's root-only record or login struct
if grep -n 'secret_bytes' $(echo "$files" | grep '^src/') |
        grep -vE '^src/base/secret\.[ch]:|^src/backend/(nodedb|iscsidsc)\.c:|^src/core/crosscheck\.c:'; then
        echo "checksrc: secret_bytes() used outside a backend"
        status=1
fi
# layers: a file in src/LAYER/ includes only its own layer's headers and
# those src/layers.txt lists for it (the build enforces the same)
layers=$(grep -vE '^\s*(#|$)' src/layers.txt)
for f in $(echo "$files" | grep '^src/'); do
        layer=${f#src/}
        layer=${layer%%/*}
        allowed="$layer $(echo "$layers" | sed -n "s/^$layer:\(.*\)/\1/p")"
        for inc in $(sed -n 's/^\s*#\s*include\s*"\([a-z]*\)\/.*/\1/p' "$f" | sort -u); do
                case " $allowed " in
                *" $inc "*) ;;
                *)
                        echo "$f: includes a header of layer '$inc', above or beside '$layer' (src/layers.txt)"
                        status=1
                        ;;
                esac
        done
done
# every source file carries its licence line (scripts/spdx.sh adds it)
if ! scripts/spdx.sh --check; then
        echo "checksrc: files without SPDX-License-Identifier (run scripts/spdx.sh)"
        status=1
fi
exit $status
