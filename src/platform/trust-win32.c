/* SPDX-License-Identifier: Apache-2.0 */
/* Who may write a file, from its security descriptor: the Windows half of
 * plat_read_file_trusted (POSIX reads the mode bits and the owner). */
#include <windows.h>
#include <aclapi.h>
#include <sddl.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/err.h"
#include "platform/win32-util.h"

/* NT SERVICE\TrustedInstaller, which owns what Windows itself installs */
#define TRUSTED_INSTALLER_SID L"S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464"

/* What lets an account change what the file says, directly or by changing
 * who may (generic rights as they appear in an inherited ACE). */
#define WRITE_RIGHTS \
        (FILE_WRITE_DATA | FILE_APPEND_DATA | WRITE_DAC | WRITE_OWNER | GENERIC_WRITE | GENERIC_ALL)

static int
sid_is(PSID sid, const wchar_t *text)
{
        PSID other = NULL;
        int same;

        if (!ConvertStringSidToSidW(text, &other))
                return 0;
        same = EqualSid(sid, other) != 0;
        LocalFree(other);
        return same;
}

static int
sid_is_token_user(PSID sid)
{
        union {
                TOKEN_USER user;
                char bytes[256];
        } u;
        HANDLE tok;
        DWORD n = 0;
        int same = 0;

        if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &tok))
                return 0;
        if (GetTokenInformation(tok, TokenUser, &u, sizeof(u), &n))
                same = EqualSid(sid, u.user.User.Sid) != 0;
        CloseHandle(tok);
        return same;
}

static int
sid_is_root_like(PSID sid)
{
        return IsWellKnownSid(sid, WinLocalSystemSid) ||
               IsWellKnownSid(sid, WinBuiltinAdministratorsSid) ||
               sid_is(sid, TRUSTED_INSTALLER_SID);
}

/* "S-1-1-0 (Everyone)", for the refusal */
static void
sid_describe(PSID sid, char *buf, size_t len)
{
        wchar_t name[128], domain[128];
        DWORD nn = 128, dn = 128;
        SID_NAME_USE use;
        wchar_t *text = NULL;
        char *t = NULL, *a = NULL;

        if (ConvertSidToStringSidW(sid, &text))
                t = win_utf8(text);
        if (LookupAccountSidW(NULL, sid, name, &nn, domain, &dn, &use))
                a = win_utf8(name);
        (void)snprintf(buf, len, "%s%s%s%s", t ? t : "an account", a ? " (" : "", a ? a : "",
                       a ? ")" : "");
        free(t);
        free(a);
        if (text != NULL)
                LocalFree(text);
}

int
win_file_trust_check(HANDLE h, const char *path, struct va_err *err)
{
        PSECURITY_DESCRIPTOR sd = NULL;
        PSID owner = NULL;
        PACL dacl = NULL;
        ACL_SIZE_INFORMATION info;
        char who[200];
        DWORD i, rc;
        int owner_ok, r = 0;

        rc = GetSecurityInfo(h, SE_FILE_OBJECT,
                             OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION, &owner, NULL,
                             &dacl, NULL, &sd);
        if (rc != ERROR_SUCCESS) {
                char msg[256];

                return va_err_setn(err, VA_E_IO, (long)rc, "%s: cannot read who may write it: %s",
                                   path, win_strerror(rc, msg, sizeof(msg)));
        }
        owner_ok = owner != NULL && (sid_is_root_like(owner) || sid_is_token_user(owner));
        if (!owner_ok) {
                if (owner != NULL)
                        sid_describe(owner, who, sizeof(who));
                r = va_err_set(err, VA_E_PERM,
                               "%s: owned by %s, neither an administrator nor the user running "
                               "volattach; refused (its options would steer an elevated run)",
                               path, owner != NULL ? who : "nobody");
                goto out;
        }
        if (dacl == NULL) {
                r = va_err_set(err, VA_E_PERM,
                               "%s: has no DACL, so everyone may write it; refused (its options "
                               "would steer an elevated run)",
                               path);
                goto out;
        }
        if (!GetAclInformation(dacl, &info, sizeof(info), AclSizeInformation))
                info.AceCount = 0;
        for (i = 0; i < info.AceCount; i++) {
                ACE_HEADER *hdr;
                ACCESS_ALLOWED_ACE *ace;
                PSID sid;

                if (!GetAce(dacl, i, (void **)&hdr) || hdr->AceType != ACCESS_ALLOWED_ACE_TYPE ||
                    (hdr->AceFlags & INHERIT_ONLY_ACE) != 0)
                        continue;
                ace = (ACCESS_ALLOWED_ACE *)hdr;
                sid = (PSID)&ace->SidStart;
                if ((ace->Mask & WRITE_RIGHTS) == 0 || sid_is_root_like(sid) ||
                    EqualSid(sid, owner) || IsWellKnownSid(sid, WinCreatorOwnerSid))
                        continue;
                sid_describe(sid, who, sizeof(who));
                r = va_err_set(err, VA_E_PERM,
                               "%s: writable by %s; refused (its options would steer an elevated "
                               "run): only SYSTEM and Administrators may write it (icacls)",
                               path, who);
                goto out;
        }
out:
        LocalFree(sd);
        return r;
}
