/* SPDX-License-Identifier: Apache-2.0 */
/* The storage network as Windows sees it, for `volattach check`: the route
 * to a portal from GetBestRoute2 (the route and source address the stack
 * would pick, nothing sent), the interface's MTU from GetIpInterfaceEntry,
 * a bounded TCP connect, name resolution. */
#include <winsock2.h>
#include <ws2tcpip.h>
#include <iphlpapi.h>
#include <netioapi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform/platform.h"
#include "platform/win32-util.h"

static int
wsa_start(struct va_err *err)
{
        WSADATA wsa;
        int r = WSAStartup(MAKEWORD(2, 2), &wsa);

        if (r != 0)
                return va_err_setn(err, VA_E_ENV, r, "Winsock: WSAStartup failed (%d)", r);
        return 0;
}

/* "192.0.2.1", "fe80::1%12" into a SOCKADDR_INET (Winsock started) */
static int
addr_parse(const char *text, unsigned port, SOCKADDR_INET *a)
{
        struct addrinfo hints, *ai = NULL;

        memset(&hints, 0, sizeof(hints));
        hints.ai_flags = AI_NUMERICHOST;
        hints.ai_family = AF_UNSPEC;
        if (getaddrinfo(text, NULL, &hints, &ai) != 0 || ai == NULL)
                return -1;
        memset(a, 0, sizeof(*a));
        if (ai->ai_addrlen > sizeof(*a)) {
                freeaddrinfo(ai);
                return -1;
        }
        memcpy(a, ai->ai_addr, ai->ai_addrlen);
        freeaddrinfo(ai);
        if (a->si_family == AF_INET)
                a->Ipv4.sin_port = htons((u_short)port);
        else
                a->Ipv6.sin6_port = htons((u_short)port);
        return 0;
}

static void
addr_format(const SOCKADDR_INET *a, char *buf, size_t len)
{
        const void *bytes = a->si_family == AF_INET ? (const void *)&a->Ipv4.sin_addr
                                                    : (const void *)&a->Ipv6.sin6_addr;

        if (inet_ntop(a->si_family, bytes, buf, len) == NULL && len > 0)
                buf[0] = '\0';
}

static int
addr_is_zero(const SOCKADDR_INET *a)
{
        static const unsigned char zero[16];

        if (a->si_family == AF_INET)
                return a->Ipv4.sin_addr.s_addr == 0;
        return memcmp(&a->Ipv6.sin6_addr, zero, 16) == 0;
}

static int
addr_same(const SOCKADDR_INET *a, const SOCKADDR_INET *b)
{
        if (a->si_family != b->si_family)
                return 0;
        if (a->si_family == AF_INET)
                return a->Ipv4.sin_addr.s_addr == b->Ipv4.sin_addr.s_addr;
        return memcmp(&a->Ipv6.sin6_addr, &b->Ipv6.sin6_addr, 16) == 0;
}

static int
addr_is_loopback(const SOCKADDR_INET *a)
{
        if (a->si_family == AF_INET)
                return (ntohl(a->Ipv4.sin_addr.s_addr) >> 24) == 127;
        return IN6_IS_ADDR_LOOPBACK(&a->Ipv6.sin6_addr);
}

static void
interface_fill(const NET_LUID *luid, ADDRESS_FAMILY family, struct plat_route *r)
{
        MIB_IPINTERFACE_ROW ip;
        wchar_t alias[IF_MAX_STRING_SIZE + 1];
        char *u;

        if (ConvertInterfaceLuidToAlias(luid, alias, sizeof(alias) / sizeof(alias[0])) ==
                NO_ERROR &&
            (u = win_utf8(alias)) != NULL) {
                (void)snprintf(r->ifname, sizeof(r->ifname), "%s", u);
                free(u);
        }
        InitializeIpInterfaceEntry(&ip);
        ip.Family = family;
        ip.InterfaceLuid = *luid;
        if (GetIpInterfaceEntry(&ip) == NO_ERROR)
                r->mtu = ip.NlMtu;
        if (r->mtu == 0) {
                MIB_IF_ROW2 row;

                memset(&row, 0, sizeof(row));
                row.InterfaceLuid = *luid;
                if (GetIfEntry2(&row) == NO_ERROR)
                        r->mtu = row.Mtu;
        }
}

int
plat_route_lookup(const char *addr, struct plat_route *ret, struct va_err *err)
{
        SOCKADDR_INET dst, src;
        MIB_IPFORWARD_ROW2 row;
        DWORD rc;
        char msg[300];
        int r;

        memset(ret, 0, sizeof(*ret));
        ret->prefix_len = -1;
        r = wsa_start(err);
        if (r < 0)
                return r;
        if (addr_parse(addr, 0, &dst) < 0) {
                WSACleanup();
                return va_err_set(err, VA_E_INVAL, "'%s' is not a numeric address", addr);
        }
        memset(&row, 0, sizeof(row));
        memset(&src, 0, sizeof(src));
        rc = GetBestRoute2(NULL, 0, NULL, &dst, 0, &row, &src);
        if (rc != NO_ERROR) {
                WSACleanup();
                if (rc == ERROR_NETWORK_UNREACHABLE || rc == ERROR_HOST_UNREACHABLE ||
                    rc == ERROR_NOT_FOUND)
                        return va_err_setn(err, VA_E_NOTFOUND, (long)rc, "no route to %s (%s)",
                                           addr, win_strerror(rc, msg, sizeof(msg)));
                return va_err_setn(err, VA_E_NET, (long)rc, "route to %s: GetBestRoute2: %s", addr,
                                   win_strerror(rc, msg, sizeof(msg)));
        }
        ret->ifindex = row.InterfaceIndex;
        ret->prefix_len = row.DestinationPrefix.PrefixLength;
        addr_format(&src, ret->source, sizeof(ret->source));
        if (!addr_is_zero(&row.NextHop))
                addr_format(&row.NextHop, ret->gateway, sizeof(ret->gateway));
        ret->local = addr_is_loopback(&dst) || addr_same(&src, &dst);
        interface_fill(&row.InterfaceLuid, dst.si_family, ret);
        WSACleanup();
        return 0;
}

int
plat_tcp_probe(const char *addr, unsigned port, unsigned timeout_ms, char *source,
               size_t source_len, struct va_err *err)
{
        SOCKADDR_INET dst, me;
        SOCKET s;
        u_long nb = 1;
        fd_set wr, ex;
        struct timeval tv;
        int e = 0, elen = sizeof(e), mlen = sizeof(me), r;
        char msg[300];

        if (source != NULL && source_len > 0)
                source[0] = '\0';
        r = wsa_start(err);
        if (r < 0)
                return r;
        if (addr_parse(addr, port, &dst) < 0) {
                WSACleanup();
                return va_err_set(err, VA_E_INVAL, "'%s' is not a numeric address", addr);
        }
        s = WSASocketW(dst.si_family, SOCK_STREAM, IPPROTO_TCP, NULL, 0,
                       WSA_FLAG_NO_HANDLE_INHERIT);
        if (s == INVALID_SOCKET) {
                e = WSAGetLastError();
                WSACleanup();
                return va_err_setn(err, VA_E_ENV, e, "socket: %s",
                                   win_strerror((DWORD)e, msg, sizeof(msg)));
        }
        (void)ioctlsocket(s, FIONBIO, &nb);
        if (connect(s, (const struct sockaddr *)&dst,
                    dst.si_family == AF_INET ? (int)sizeof(dst.Ipv4) : (int)sizeof(dst.Ipv6)) !=
            0) {
                e = WSAGetLastError();
                if (e == WSAEWOULDBLOCK) {
                        e = 0;
                        FD_ZERO(&wr);
                        FD_ZERO(&ex);
                        FD_SET(s, &wr);
                        FD_SET(s, &ex);
                        tv.tv_sec = (long)(timeout_ms / 1000);
                        tv.tv_usec = (long)(timeout_ms % 1000) * 1000;
                        r = select(0, NULL, &wr, &ex, &tv);
                        if (r == 0) {
                                closesocket(s);
                                WSACleanup();
                                return va_err_set(err, VA_E_TIMEOUT, "no answer within %u ms",
                                                  timeout_ms);
                        }
                        if (r < 0)
                                e = WSAGetLastError();
                        else if (FD_ISSET(s, &ex) &&
                                 getsockopt(s, SOL_SOCKET, SO_ERROR, (char *)&e, &elen) != 0)
                                e = WSAGetLastError();
                }
        }
        if (e == 0 && source != NULL && getsockname(s, (struct sockaddr *)&me, &mlen) == 0)
                addr_format(&me, source, source_len);
        closesocket(s);
        WSACleanup();
        if (e == 0)
                return 0;
        if (e == WSAECONNREFUSED)
                return va_err_setn(err, VA_E_NET, e, "Connection refused");
        if (e == WSAETIMEDOUT)
                return va_err_setn(err, VA_E_TIMEOUT, e, "no answer (timed out)");
        /* Winsock's own names: FormatMessage has no text for them under Wine */
        if (e == WSAENETUNREACH)
                return va_err_setn(err, VA_E_NET, e, "network unreachable (WSAENETUNREACH)");
        if (e == WSAEHOSTUNREACH)
                return va_err_setn(err, VA_E_NET, e, "host unreachable (WSAEHOSTUNREACH)");
        return va_err_setn(err, VA_E_NET, e, "%s", win_strerror((DWORD)e, msg, sizeof(msg)));
}

int
plat_resolve(const char *host, char *addr, size_t len, struct va_err *err)
{
        struct addrinfo hints, *ai = NULL;
        int r = wsa_start(err);

        if (r < 0)
                return r;
        memset(&hints, 0, sizeof(hints));
        hints.ai_socktype = SOCK_STREAM;
        hints.ai_flags = AI_ADDRCONFIG;
        r = getaddrinfo(host, NULL, &hints, &ai);
        if (r != 0 || ai == NULL) {
                WSACleanup();
                return va_err_setn(err, VA_E_NOTFOUND, r, "cannot resolve '%s' (error %d)", host,
                                   r);
        }
        r = getnameinfo(ai->ai_addr, (socklen_t)ai->ai_addrlen, addr, (DWORD)len, NULL, 0,
                        NI_NUMERICHOST);
        freeaddrinfo(ai);
        WSACleanup();
        if (r != 0)
                return va_err_setn(err, VA_E_NOTFOUND, r, "cannot resolve '%s' (error %d)", host,
                                   r);
        return 0;
}
