/* SPDX-License-Identifier: Apache-2.0 */
/* Portal parsing and formatting, without any OS resolver: DNS names are only
 * checked for form here and resolved by the backend at connect time. */
#include "core/portal.h"

#include <stdio.h>
#include <string.h>

#include "base/ascii.h"
#include "base/hex.h"

/* Strict dotted quad: four decimal octets, no leading zeros (which some
 * parsers read as octal), nothing else. */
static int
ipv4_parse(const char *s, size_t len, unsigned char out[4])
{
        size_t i = 0;
        int part;

        for (part = 0; part < 4; part++) {
                unsigned v = 0;
                size_t start = i;

                while (i < len && ascii_isdigit(s[i]) && i - start < 3)
                        v = v * 10 + (unsigned)(s[i++] - '0');
                if (i == start || v > 255 || (i - start > 1 && s[start] == '0'))
                        return -1;
                out[part] = (unsigned char)v;
                if (part < 3) {
                        if (i >= len || s[i] != '.')
                                return -1;
                        i++;
                }
        }
        return i == len ? 0 : -1;
}

/* RFC 4291 2.2 text forms: up to eight groups of 1-4 hex digits, one "::",
 * and an optional trailing dotted quad. */
static int
ipv6_parse(const char *s, size_t len, unsigned char out[16])
{
        unsigned short groups[8];
        int n = 0, gap = -1;
        size_t i = 0;

        if (len >= 2 && s[0] == ':' && s[1] == ':') {
                gap = 0;
                i = 2;
                if (i == len)
                        goto done;
        } else if (len >= 1 && s[0] == ':') {
                return -1;
        }
        while (i < len) {
                size_t start = i;
                unsigned v = 0;
                int digits = 0;

                if (n == 8)
                        return -1;
                while (i < len && hex_value(s[i]) >= 0 && digits < 5) {
                        v = v * 16 + (unsigned)hex_value(s[i++]);
                        digits++;
                }
                if (i < len && s[i] == '.') {
                        /* embedded IPv4 takes the last two groups */
                        unsigned char v4[4];

                        if (n > 6 || ipv4_parse(s + start, len - start, v4) < 0)
                                return -1;
                        groups[n++] = (unsigned short)(v4[0] << 8 | v4[1]);
                        groups[n++] = (unsigned short)(v4[2] << 8 | v4[3]);
                        i = len;
                        break;
                }
                if (digits == 0 || digits > 4)
                        return -1;
                groups[n++] = (unsigned short)v;
                if (i == len)
                        break;
                if (s[i] != ':')
                        return -1;
                i++;
                if (i < len && s[i] == ':') {
                        if (gap >= 0)
                                return -1;
                        gap = n;
                        i++;
                        if (i == len)
                                break;
                } else if (i == len) {
                        return -1; /* trailing single ':' */
                }
        }
done:
        if (gap < 0 && n != 8)
                return -1;
        if (gap >= 0 && n > 7)
                return -1;
        {
                int k, z = 8 - n;
                unsigned short full[8];

                if (gap < 0) {
                        memcpy(full, groups, sizeof(full));
                } else {
                        for (k = 0; k < gap; k++)
                                full[k] = groups[k];
                        for (k = 0; k < z; k++)
                                full[gap + k] = 0;
                        for (k = gap; k < n; k++)
                                full[k + z] = groups[k];
                }
                for (k = 0; k < 8; k++) {
                        out[2 * k] = (unsigned char)(full[k] >> 8);
                        out[2 * k + 1] = (unsigned char)(full[k] & 0xff);
                }
        }
        return 0;
}

void
portal_ipv6_format(const unsigned char addr[16], char *buf, size_t len)
{
        unsigned g[8];
        int i, best = -1, bestlen = 0, cur = -1, curlen = 0;
        size_t o = 0;

        for (i = 0; i < 8; i++)
                g[i] = (unsigned)(addr[2 * i] << 8 | addr[2 * i + 1]);
        /* RFC 5952 4.2: compress the longest run of two or more zero groups,
         * the first one on a tie. */
        for (i = 0; i < 8; i++) {
                if (g[i] != 0) {
                        cur = -1;
                        continue;
                }
                if (cur < 0) {
                        cur = i;
                        curlen = 0;
                }
                if (++curlen > bestlen) {
                        best = cur;
                        bestlen = curlen;
                }
        }
        if (bestlen < 2)
                best = -1;
        if (len == 0)
                return;
        buf[0] = '\0';
        for (i = 0; i < 8 && o + 6 < len;) {
                if (i == best) {
                        o += (size_t)snprintf(buf + o, len - o, "::");
                        i += bestlen;
                        continue;
                }
                /* the "::" already separates the group after it */
                if (i > 0 && !(best >= 0 && i == best + bestlen))
                        o += (size_t)snprintf(buf + o, len - o, ":");
                o += (size_t)snprintf(buf + o, len - o, "%x", g[i]);
                i++;
        }
}

static int
dns_name_ok(const char *s, size_t len)
{
        size_t i, label = 0;
        int all_digits_label = 1;

        if (len == 0 || len > PORTAL_HOST_MAX)
                return 0;
        for (i = 0; i < len; i++) {
                char c = s[i];

                if (c == '.') {
                        if (label == 0 || s[i - 1] == '-')
                                return 0;
                        label = 0;
                        all_digits_label = 1;
                        continue;
                }
                if (!(ascii_isalnum(c) || c == '-'))
                        return 0;
                if (c == '-' && label == 0)
                        return 0;
                if (!ascii_isdigit(c))
                        all_digits_label = 0;
                if (++label > 63)
                        return 0;
        }
        /* A trailing dot is not accepted; an all-numeric last label would be
         * a malformed address, not a name (RFC 3696 2). */
        if (label == 0 || s[len - 1] == '-' || all_digits_label)
                return 0;
        return 1;
}

static int
port_parse(const char *s, size_t len, unsigned *out)
{
        unsigned v = 0;
        size_t i;

        if (len == 0 || len > 5)
                return -1;
        for (i = 0; i < len; i++) {
                if (!ascii_isdigit(s[i]))
                        return -1;
                v = v * 10 + (unsigned)(s[i] - '0');
        }
        if (v < 1 || v > 65535)
                return -1;
        *out = v;
        return 0;
}

static int
zone_ok(const char *s, size_t len)
{
        size_t i;

        if (len == 0 || len > PORTAL_ZONE_MAX)
                return 0;
        for (i = 0; i < len; i++) {
                char c = s[i];

                if (!(ascii_isalnum(c) || c == '-' || c == '_' || c == '.'))
                        return 0;
        }
        return 1;
}

static int
ipv4_unicast_check(const unsigned char a[4], struct va_err *err)
{
        if (a[0] == 0 || a[0] >= 224)
                return va_err_set(err, VA_E_INVAL, "%u.%u.%u.%u is not a unicast address", a[0],
                                  a[1], a[2], a[3]);
        return 0;
}

static void
set_ipv4(struct portal *p, const unsigned char a[4])
{
        p->family = PORTAL_IPV4;
        memset(p->addr, 0, sizeof(p->addr));
        memcpy(p->addr, a, 4);
        (void)snprintf(p->host, sizeof(p->host), "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
}

int
portal_parse(const char *s, struct portal *ret, unsigned *ret_warn, struct va_err *err)
{
        struct portal p;
        const char *comma, *host, *portstr = NULL;
        size_t len, hostlen, portlen = 0;
        unsigned warn = 0;

        memset(&p, 0, sizeof(p));
        p.port = PORTAL_DEFAULT_PORT;
        p.tpgt = -1;
        if (ret_warn != NULL)
                *ret_warn = 0;
        if (s == NULL || s[0] == '\0')
                return va_err_set(err, VA_E_INVAL, "empty portal");
        len = strlen(s);
        if (len > PORTAL_TEXT_MAX)
                return va_err_set(err, VA_E_INVAL, "portal is %zu bytes, more than %d", len,
                                  PORTAL_TEXT_MAX);

        comma = memchr(s, ',', len);
        if (comma != NULL) {
                unsigned tpgt;
                size_t tlen = len - (size_t)(comma - s) - 1;

                /* port_parse rejects 0, which is a valid tag */
                if (tlen == 1 && comma[1] == '0')
                        tpgt = 0;
                else if (port_parse(comma + 1, tlen, &tpgt) < 0)
                        return va_err_set(err, VA_E_INVAL,
                                          "portal group tag after ',' must be 0..65535");
                p.tpgt = (int)tpgt;
                warn |= PORTAL_WARN_TPGT;
                len = (size_t)(comma - s);
        }

        if (s[0] == '[') {
                const char *close = memchr(s, ']', len);
                const char *pct;
                size_t alen;

                if (close == NULL)
                        return va_err_set(err, VA_E_INVAL, "'[' without a closing ']'");
                host = s + 1;
                hostlen = (size_t)(close - host);
                pct = memchr(host, '%', hostlen);
                alen = pct ? (size_t)(pct - host) : hostlen;
                if (ipv6_parse(host, alen, p.addr) < 0)
                        return va_err_set(err, VA_E_INVAL, "not a valid IPv6 address in brackets");
                if (pct != NULL) {
                        size_t zlen = hostlen - alen - 1;

                        if (!zone_ok(pct + 1, zlen))
                                return va_err_set(err, VA_E_INVAL,
                                                  "IPv6 zone must be an interface name of 1..%d "
                                                  "characters",
                                                  PORTAL_ZONE_MAX);
                        memcpy(p.zone, pct + 1, zlen);
                        p.zone[zlen] = '\0';
                }
                if ((size_t)(close - s) + 1 < len) {
                        if (close[1] != ':')
                                return va_err_set(err, VA_E_INVAL, "expected ':port' after ']'");
                        portstr = close + 2;
                        portlen = len - (size_t)(portstr - s);
                }
                p.family = PORTAL_IPV6;
                {
                        static const unsigned char mapped[12] = { 0, 0, 0, 0, 0,    0,
                                                                  0, 0, 0, 0, 0xff, 0xff };

                        if (memcmp(p.addr, mapped, 12) == 0) {
                                /* open-iscsi misreads [::ffff:a.b.c.d] because it
                                 * contains a '.': use the IPv4 address itself. */
                                unsigned char v4[4];

                                memcpy(v4, p.addr + 12, 4);
                                if (p.zone[0] != '\0')
                                        return va_err_set(err, VA_E_INVAL,
                                                          "IPv4-mapped address with a zone");
                                if (ipv4_unicast_check(v4, err) < 0)
                                        return -VA_E_INVAL;
                                set_ipv4(&p, v4);
                                warn |= PORTAL_WARN_MAPPED;
                        }
                }
                if (p.family == PORTAL_IPV6) {
                        int all_zero = 1, k;

                        for (k = 0; k < 16; k++)
                                if (p.addr[k] != 0)
                                        all_zero = 0;
                        if (all_zero)
                                return va_err_set(err, VA_E_INVAL,
                                                  "the unspecified address :: is not a portal");
                        if (p.addr[0] == 0xff)
                                return va_err_set(err, VA_E_INVAL,
                                                  "a multicast address is not a portal");
                        if (p.addr[0] == 0xfe && (p.addr[1] & 0xc0) == 0x80 && p.zone[0] == '\0')
                                return va_err_set(err, VA_E_INVAL,
                                                  "link-local IPv6 address without an interface "
                                                  "zone (e.g. [fe80::1%%eth0]) cannot be "
                                                  "connected");
                        portal_ipv6_format(p.addr, p.host, sizeof(p.host));
                }
        } else {
                const char *colon = memchr(s, ':', len);

                if (colon != NULL && memchr(colon + 1, ':', len - (size_t)(colon - s) - 1) != NULL)
                        return va_err_set(err, VA_E_INVAL,
                                          "an IPv6 address must be written in brackets, "
                                          "e.g. [2001:db8::1]:3260");
                host = s;
                hostlen = colon ? (size_t)(colon - s) : len;
                if (colon != NULL) {
                        portstr = colon + 1;
                        portlen = len - hostlen - 1;
                }
                if (hostlen == 0)
                        return va_err_set(err, VA_E_INVAL, "portal has no host");
                if (strspn(host, "0123456789.") >= hostlen) {
                        unsigned char v4[4];

                        if (ipv4_parse(host, hostlen, v4) < 0)
                                return va_err_set(err, VA_E_INVAL,
                                                  "not a valid IPv4 address (four decimal octets "
                                                  "0..255 without leading zeros)");
                        if (ipv4_unicast_check(v4, err) < 0)
                                return -VA_E_INVAL;
                        set_ipv4(&p, v4);
                } else {
                        if (!dns_name_ok(host, hostlen))
                                return va_err_set(err, VA_E_INVAL,
                                                  "not a valid IPv4 address or DNS name");
                        p.family = PORTAL_DNS;
                        memcpy(p.host, host, hostlen);
                        p.host[hostlen] = '\0';
                }
        }
        if (portstr != NULL && port_parse(portstr, portlen, &p.port) < 0)
                return va_err_set(err, VA_E_INVAL, "port must be a decimal number 1..65535");

        *ret = p;
        if (ret_warn != NULL)
                *ret_warn = warn;
        return 0;
}

int
portal_addr_parse(const char *s, struct portal *ret)
{
        size_t len = strlen(s);
        struct portal p;

        memset(&p, 0, sizeof(p));
        p.tpgt = -1;
        p.port = PORTAL_DEFAULT_PORT;
        if (len > 2 && s[0] == '[' && s[len - 1] == ']') {
                s++;
                len -= 2;
        }
        if (memchr(s, ':', len) != NULL) {
                const char *pct = memchr(s, '%', len);
                size_t alen = pct ? (size_t)(pct - s) : len;

                if (ipv6_parse(s, alen, p.addr) < 0)
                        return -VA_E_INVAL;
                if (pct != NULL) {
                        size_t zlen = len - alen - 1;

                        if (!zone_ok(pct + 1, zlen))
                                return -VA_E_INVAL;
                        memcpy(p.zone, pct + 1, zlen);
                        p.zone[zlen] = '\0';
                }
                p.family = PORTAL_IPV6;
                portal_ipv6_format(p.addr, p.host, sizeof(p.host));
        } else {
                unsigned char v4[4];

                if (ipv4_parse(s, len, v4) < 0)
                        return -VA_E_INVAL;
                set_ipv4(&p, v4);
        }
        *ret = p;
        return 0;
}

size_t
portal_format(const struct portal *p, char *buf, size_t len)
{
        int n;

        if (p->family == PORTAL_IPV6)
                n = snprintf(buf, len, "[%s%s%s]:%u", p->host, p->zone[0] ? "%" : "", p->zone,
                             p->port);
        else
                n = snprintf(buf, len, "%s:%u", p->host, p->port);
        if (n < 0 || (size_t)n >= len)
                return 0;
        return (size_t)n;
}

size_t
portal_format_bypath(const struct portal *p, char *buf, size_t len)
{
        int n = snprintf(buf, len, "%s:%u", p->host, p->port);

        if (n < 0 || (size_t)n >= len)
                return 0;
        return (size_t)n;
}

int
portal_equal(const struct portal *a, const struct portal *b)
{
        if (a->family != b->family || a->port != b->port)
                return 0;
        if (a->family == PORTAL_DNS)
                return ascii_ieq(a->host, b->host);
        if (memcmp(a->addr, b->addr, a->family == PORTAL_IPV4 ? 4 : 16) != 0)
                return 0;
        return strcmp(a->zone, b->zone) == 0;
}
