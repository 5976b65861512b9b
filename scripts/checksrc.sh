#!/bin/sh
# Source rules a compiler does not check (curl's checksrc idea): banned
# unbounded or shell-running functions, OS tests outside the two places
# allowed, C++ comments, and any printf-like call handed a secret.
set -u
cd "$(dirname "$0")/.."
status=0
files=$(find src tests/unit tests/fuzz tests/wine -name '*.[ch]' 2>/dev/null)

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
        grep -vE '^src/core/secret\.[ch]:|^src/backend/(openiscsi|iscsidsc|sim)\.c:|^src/core/crosscheck\.c:'; then
        echo "checksrc: secret_bytes() used outside a backend"
        status=1
fi
exit $status
