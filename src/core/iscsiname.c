/* SPDX-License-Identifier: Apache-2.0 */
/* iSCSI name validation. */
#include "core/iscsiname.h"

#include <string.h>

#include "base/ascii.h"
#include "base/hex.h"

/* RFC 3722 leaves, after case folding, only '-', '.', ':', digits and
 * lower-case letters among ASCII; upper case folds to lower, so it is
 * accepted here and reported through the flag. */
static int
name_char_ok(char c)
{
        return c == '-' || c == '.' || c == ':' || ascii_isalnum(c);
}

static int
hex_name_check(const char *s, size_t len, const char *kind, int n1, int n2, struct va_err *err)
{
        size_t i, digits = len - 4;

        for (i = 4; i < len; i++)
                if (hex_value(s[i]) < 0)
                        return va_err_set(err, VA_E_INVAL,
                                          "%s name must be hex digits after '%.4s'", kind, s);
        if ((int)digits != n1 && (int)digits != n2) {
                if (n1 == n2)
                        return va_err_set(err, VA_E_INVAL,
                                          "%s name must have %d hex digits, not %zu", kind, n1,
                                          digits);
                return va_err_set(err, VA_E_INVAL, "%s name must have %d or %d hex digits, not %zu",
                                  kind, n1, n2, digits);
        }
        return 0;
}

int
iscsi_name_check(const char *s, unsigned *ret_flags, struct va_err *err)
{
        size_t len, i;
        unsigned flags = 0;
        int r;

        if (ret_flags != NULL)
                *ret_flags = 0;
        if (s == NULL || s[0] == '\0')
                return va_err_set(err, VA_E_INVAL, "empty iSCSI name");
        len = strlen(s);
        if (len > ISCSI_NAME_MAX)
                return va_err_set(err, VA_E_INVAL, "iSCSI name is %zu bytes, more than %d", len,
                                  ISCSI_NAME_MAX);
        for (i = 0; i < len; i++) {
                unsigned char c = (unsigned char)s[i];

                if (c >= 0x80)
                        return va_err_set(err, VA_E_INVAL,
                                          "non-ASCII byte at offset %zu (only ASCII names are "
                                          "accepted)",
                                          i);
                if (!name_char_ok((char)c))
                        return va_err_set(err, VA_E_INVAL,
                                          "character 0x%02x at offset %zu is prohibited by RFC "
                                          "3722 (allowed: letters, digits, '-', '.', ':')",
                                          c, i);
        }

        if (ascii_istarts(s, "eui.")) {
                r = hex_name_check(s, len, "eui.", 16, 16, err);
                return r < 0 ? r : ISCSI_NAME_EUI;
        }
        if (ascii_istarts(s, "naa.")) {
                r = hex_name_check(s, len, "naa.", 16, 32, err);
                return r < 0 ? r : ISCSI_NAME_NAA;
        }
        if (!ascii_istarts(s, "iqn."))
                return va_err_set(err, VA_E_INVAL,
                                  "iSCSI name must start with 'iqn.', 'eui.' or 'naa.'");

        /* iqn.yyyy-mm.reversed.domain[:anything] (RFC 3720 3.2.6.3.1) */
        if (len < 12 || !ascii_isdigit(s[4]) || !ascii_isdigit(s[5]) || !ascii_isdigit(s[6]) ||
            !ascii_isdigit(s[7]) || s[8] != '-' || !ascii_isdigit(s[9]) || !ascii_isdigit(s[10]) ||
            s[11] != '.')
                return va_err_set(err, VA_E_INVAL,
                                  "iqn. name must continue with a date 'yyyy-mm.'");
        {
                int month = (s[9] - '0') * 10 + (s[10] - '0');

                if (month < 1 || month > 12)
                        return va_err_set(err, VA_E_INVAL, "iqn. name has month %02d, not 01..12",
                                          month);
        }
        if (len == 12 || s[12] == '.' || s[12] == ':' || s[12] == '-')
                return va_err_set(err, VA_E_INVAL,
                                  "iqn. name must name a reversed domain after the date");
        for (i = 0; i < len; i++)
                if (s[i] >= 'A' && s[i] <= 'Z')
                        flags |= ISCSI_NAME_HAS_UPPER;
        if (ret_flags != NULL)
                *ret_flags = flags;
        return ISCSI_NAME_IQN;
}
