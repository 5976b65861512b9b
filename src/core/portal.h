/* SPDX-License-Identifier: Apache-2.0 */
/* iSCSI portals: "a.b.c.d[:port]", "[v6addr[%zone]][:port]" or
 * "dns.name[:port]", with an optional ",tpgt" suffix (os-brick strips it).
 * Parsing is strict because open-iscsi's own parser range-checks nothing. */
#ifndef VOLATTACH_CORE_PORTAL_H
#define VOLATTACH_CORE_PORTAL_H

#include <stddef.h>

#include "base/err.h"

#define PORTAL_HOST_MAX     253 /* longest DNS name (RFC 1035) */
#define PORTAL_ZONE_MAX     15  /* IFNAMSIZ - 1 */
#define PORTAL_DEFAULT_PORT 3260
#define PORTAL_TEXT_MAX     (PORTAL_HOST_MAX + PORTAL_ZONE_MAX + 16)

enum portal_family {
        PORTAL_DNS = 1,
        PORTAL_IPV4 = 4,
        PORTAL_IPV6 = 6,
};

struct portal {
        enum portal_family family;
        /* IPv4 dotted quad, IPv6 in RFC 5952 form without brackets, or the
         * DNS name as given. */
        char host[PORTAL_HOST_MAX + 1];
        char zone[PORTAL_ZONE_MAX + 1]; /* IPv6 scope, "" if none */
        unsigned char addr[16];         /* IPv4 in addr[0..3], or IPv6 */
        unsigned port;
        int tpgt; /* -1 when the text had no ",tpgt" */
};

/* Warnings set in *ret_warn: accepted, but worth telling the operator. */
#define PORTAL_WARN_MAPPED 1u /* [::ffff:a.b.c.d] was turned into a.b.c.d */
#define PORTAL_WARN_TPGT   2u /* a ",tpgt" suffix was stripped */

/* Parses s into ret. Returns 0 or -VA_E_INVAL with the reason in err. */
int portal_parse(const char *s, struct portal *ret, unsigned *ret_warn, struct va_err *err);

/* Parses a bare address as found in sysfs or iscsiadm output ("::1",
 * "127.0.0.1"), without brackets or port. 0 or -VA_E_INVAL. */
int portal_addr_parse(const char *s, struct portal *ret);

/* "127.0.0.1:3260", "[::1]:3260", "[fe80::1%eth0]:3260", "name:3260".
 * Returns the length, or 0 if buf is too small. */
size_t portal_format(const struct portal *p, char *buf, size_t len);

/* The host as udev names it in /dev/disk/by-path: no brackets. */
size_t portal_format_bypath(const struct portal *p, char *buf, size_t len);

/* Same address family, address (or DNS name, case-insensitively) and port. */
int portal_equal(const struct portal *a, const struct portal *b);

/* Formats a 16-byte IPv6 address in RFC 5952 form (lower case, longest run
 * of zero groups as "::"). buf needs 40 bytes. */
void portal_ipv6_format(const unsigned char addr[16], char *buf, size_t len);

#endif
