/* SPDX-License-Identifier: Apache-2.0 */
/* The storage network as Linux sees it, for `volattach check`: the route to
 * a portal from rtnetlink (RTM_GETROUTE, as `ip route get` asks it), the
 * interface's MTU, a bounded TCP connect, name resolution. */
#include "platform/platform.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "base/log.h"

union addr {
        struct sockaddr sa;
        struct sockaddr_in in4;
        struct sockaddr_in6 in6;
        struct sockaddr_storage ss;
};

/* "192.0.2.1", "2001:db8::1", "fe80::1%eth1" into a socket address */
static int
addr_parse(const char *text, unsigned port, union addr *a, socklen_t *alen)
{
        char buf[PLAT_ADDR_MAX], *pct;

        memset(a, 0, sizeof(*a));
        if (inet_pton(AF_INET, text, &a->in4.sin_addr) == 1) {
                a->in4.sin_family = AF_INET;
                a->in4.sin_port = htons((uint16_t)port);
                *alen = sizeof(a->in4);
                return 0;
        }
        (void)snprintf(buf, sizeof(buf), "%s", text);
        pct = strchr(buf, '%');
        if (pct != NULL)
                *pct++ = '\0';
        if (inet_pton(AF_INET6, buf, &a->in6.sin6_addr) != 1)
                return -1;
        a->in6.sin6_family = AF_INET6;
        a->in6.sin6_port = htons((uint16_t)port);
        if (pct != NULL && (a->in6.sin6_scope_id = if_nametoindex(pct)) == 0)
                return -1;
        *alen = sizeof(a->in6);
        return 0;
}

static void
addr_format(int family, const void *bytes, char *buf, size_t len)
{
        if (inet_ntop(family, bytes, buf, (socklen_t)len) == NULL && len > 0)
                buf[0] = '\0';
}

/* One RTM_GETROUTE request and its one answer (or NLMSG_ERROR). fib_match:
 * the FIB entry that matched (its prefix), rather than the resolved route. */
static int
route_ask(const union addr *dst, int fib_match, char *reply, size_t len, ssize_t *got,
          struct va_err *err)
{
        struct {
                struct nlmsghdr n;
                struct rtmsg r;
                char attrs[64];
        } req;
        struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
        struct timeval tv = { .tv_sec = 2 };
        struct rtattr *rta;
        size_t alen = dst->sa.sa_family == AF_INET ? 4 : 16;
        int fd;

        memset(&req, 0, sizeof(req));
        req.n.nlmsg_len = NLMSG_LENGTH(sizeof(struct rtmsg));
        req.n.nlmsg_type = RTM_GETROUTE;
        req.n.nlmsg_flags = NLM_F_REQUEST;
        req.n.nlmsg_seq = 1;
        req.r.rtm_family = (unsigned char)dst->sa.sa_family;
        req.r.rtm_dst_len = (unsigned char)(alen * 8);
        req.r.rtm_flags = fib_match ? RTM_F_FIB_MATCH : 0;
        rta = (struct rtattr *)((char *)&req + NLMSG_ALIGN(req.n.nlmsg_len));
        rta->rta_type = RTA_DST;
        rta->rta_len = (unsigned short)RTA_LENGTH(alen);
        memcpy(RTA_DATA(rta),
               dst->sa.sa_family == AF_INET ? (const void *)&dst->in4.sin_addr
                                            : (const void *)&dst->in6.sin6_addr,
               alen);
        req.n.nlmsg_len = NLMSG_ALIGN(req.n.nlmsg_len) + RTA_ALIGN(rta->rta_len);
        if (dst->sa.sa_family == AF_INET6 && dst->in6.sin6_scope_id != 0) {
                struct rtattr *oif = (struct rtattr *)((char *)&req + req.n.nlmsg_len);

                oif->rta_type = RTA_OIF;
                oif->rta_len = (unsigned short)RTA_LENGTH(sizeof(uint32_t));
                memcpy(RTA_DATA(oif), &dst->in6.sin6_scope_id, sizeof(uint32_t));
                req.n.nlmsg_len += RTA_ALIGN(oif->rta_len);
        }

        fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_ROUTE);
        if (fd < 0)
                return va_err_setn(err, VA_E_ENV, errno, "rtnetlink: %s", strerror(errno));
        (void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        if (sendto(fd, &req, req.n.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0) {
                int e = errno;

                (void)close(fd);
                return va_err_setn(err, VA_E_ENV, e, "rtnetlink: %s", strerror(e));
        }
        do
                *got = recv(fd, reply, len, 0);
        while (*got < 0 && errno == EINTR);
        if (*got < 0) {
                int e = errno;

                (void)close(fd);
                return va_err_setn(err, VA_E_ENV, e, "rtnetlink: no answer: %s", strerror(e));
        }
        (void)close(fd);
        return 0;
}

/* NLMSG_OK with the length kept signed, as NLMSG_NEXT needs it (an
 * unsigned one wraps past the end), and compared without a sign mismatch */
static int
nl_ok(const struct nlmsghdr *h, int len)
{
        return len >= (int)sizeof(*h) && h->nlmsg_len >= sizeof(*h) &&
               h->nlmsg_len <= (unsigned)len;
}

/* The route message in reply, or the kernel's error as a return code. */
static int
route_msg(const char *addr, char *reply, ssize_t got, struct rtmsg **ret, int *rlen,
          struct va_err *err)
{
        struct nlmsghdr *h = (struct nlmsghdr *)reply;
        int len = (int)got;

        for (; nl_ok(h, len); h = NLMSG_NEXT(h, len)) {
                if (h->nlmsg_type == NLMSG_ERROR) {
                        const struct nlmsgerr *e = NLMSG_DATA(h);
                        int code = -e->error;

                        if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)) || code == 0)
                                continue;
                        /* unreachable, prohibit and blackhole routes answer
                         * with these, as does no route at all */
                        if (code == ENETUNREACH || code == EHOSTUNREACH || code == EACCES ||
                            code == EINVAL || code == EPERM)
                                return va_err_setn(err, VA_E_NOTFOUND, code, "no route to %s (%s)",
                                                   addr, strerror(code));
                        return va_err_setn(err, VA_E_NET, code, "route to %s: %s", addr,
                                           strerror(code));
                }
                if (h->nlmsg_type == RTM_NEWROUTE) {
                        *ret = NLMSG_DATA(h);
                        *rlen = (int)RTM_PAYLOAD(h);
                        return 0;
                }
        }
        return va_err_set(err, VA_E_NET, "route to %s: the kernel's answer has no route", addr);
}

static unsigned
ifmtu(const char *ifname)
{
        struct ifreq ifr;
        int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        unsigned mtu = 0;

        if (fd < 0)
                return 0;
        memset(&ifr, 0, sizeof(ifr));
        (void)snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
        if (ioctl(fd, SIOCGIFMTU, &ifr) == 0 && ifr.ifr_mtu > 0)
                mtu = (unsigned)ifr.ifr_mtu;
        (void)close(fd);
        return mtu;
}

int
plat_route_lookup(const char *addr, struct plat_route *ret, struct va_err *err)
{
        union addr dst;
        socklen_t dlen;
        /* a route message is well under 1 KiB; the buffer is bounded anyway */
        char reply[8192];
        struct rtmsg *rt;
        struct rtattr *a;
        ssize_t got;
        int rlen, r, family;

        memset(ret, 0, sizeof(*ret));
        ret->prefix_len = -1;
        if (addr_parse(addr, 0, &dst, &dlen) < 0)
                return va_err_set(err, VA_E_INVAL, "'%s' is not a numeric address", addr);
        family = dst.sa.sa_family;
        r = route_ask(&dst, 0, reply, sizeof(reply), &got, err);
        if (r == 0)
                r = route_msg(addr, reply, got, &rt, &rlen, err);
        if (r < 0)
                return r;
        ret->local = rt->rtm_type == RTN_LOCAL;
        for (a = RTM_RTA(rt); RTA_OK(a, rlen); a = RTA_NEXT(a, rlen)) {
                size_t alen = family == AF_INET ? 4 : 16;

                switch (a->rta_type) {
                case RTA_OIF:
                        if (RTA_PAYLOAD(a) >= sizeof(uint32_t))
                                memcpy(&ret->ifindex, RTA_DATA(a), sizeof(uint32_t));
                        break;
                case RTA_PREFSRC:
                        if (RTA_PAYLOAD(a) >= alen)
                                addr_format(family, RTA_DATA(a), ret->source, sizeof(ret->source));
                        break;
                case RTA_GATEWAY:
                        if (RTA_PAYLOAD(a) >= alen)
                                addr_format(family, RTA_DATA(a), ret->gateway,
                                            sizeof(ret->gateway));
                        break;
                case RTA_METRICS: {
                        struct rtattr *m = RTA_DATA(a);
                        int mlen = (int)RTA_PAYLOAD(a);

                        for (; RTA_OK(m, mlen); m = RTA_NEXT(m, mlen))
                                if (m->rta_type == RTAX_MTU && RTA_PAYLOAD(m) >= sizeof(uint32_t))
                                        memcpy(&ret->mtu, RTA_DATA(m), sizeof(uint32_t));
                        break;
                }
                default:
                        break;
                }
        }
        if (ret->ifindex != 0 && if_indextoname(ret->ifindex, ret->ifname) == NULL)
                ret->ifname[0] = '\0';
        if (ret->mtu == 0 && ret->ifname[0] != '\0')
                ret->mtu = ifmtu(ret->ifname);
        /* which FIB entry matched says whether this is the default route
         * (kernels before 4.13 lack RTM_F_FIB_MATCH: left unknown) */
        {
                struct va_err e2;

                va_err_clear(&e2);
                if (route_ask(&dst, 1, reply, sizeof(reply), &got, &e2) == 0 &&
                    route_msg(addr, reply, got, &rt, &rlen, &e2) == 0)
                        ret->prefix_len = rt->rtm_dst_len;
        }
        return 0;
}

int
plat_tcp_probe(const char *addr, unsigned port, unsigned timeout_ms, char *source,
               size_t source_len, struct va_err *err)
{
        union addr dst, src;
        socklen_t dlen, slen = sizeof(src);
        struct pollfd pfd;
        int fd, e = 0, r;
        socklen_t elen = sizeof(e);

        if (source != NULL && source_len > 0)
                source[0] = '\0';
        if (addr_parse(addr, port, &dst, &dlen) < 0)
                return va_err_set(err, VA_E_INVAL, "'%s' is not a numeric address", addr);
        fd = socket(dst.sa.sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return va_err_setn(err, VA_E_ENV, errno, "socket: %s", strerror(errno));
        r = connect(fd, &dst.sa, dlen);
        if (r < 0 && errno != EINPROGRESS) {
                e = errno;
                goto out;
        }
        if (r < 0) {
                pfd.fd = fd;
                pfd.events = POLLOUT;
                do
                        r = poll(&pfd, 1, (int)timeout_ms);
                while (r < 0 && errno == EINTR);
                if (r == 0) {
                        (void)close(fd);
                        return va_err_set(err, VA_E_TIMEOUT, "no answer within %u ms", timeout_ms);
                }
                if (r < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &elen) < 0)
                        e = errno;
        }
        if (e == 0 && source != NULL && getsockname(fd, &src.sa, &slen) == 0)
                addr_format(src.sa.sa_family,
                            src.sa.sa_family == AF_INET ? (const void *)&src.in4.sin_addr
                                                        : (const void *)&src.in6.sin6_addr,
                            source, source_len);
out:
        (void)close(fd);
        if (e == 0)
                return 0;
        if (e == ETIMEDOUT)
                return va_err_setn(err, VA_E_TIMEOUT, e, "%s", strerror(e));
        return va_err_setn(err, VA_E_NET, e, "%s", strerror(e));
}

int
plat_resolve(const char *host, char *addr, size_t len, struct va_err *err)
{
        struct addrinfo hints, *ai = NULL;
        int r;

        memset(&hints, 0, sizeof(hints));
        hints.ai_socktype = SOCK_STREAM;
        hints.ai_flags = AI_ADDRCONFIG;
        r = getaddrinfo(host, NULL, &hints, &ai);
        if (r != 0 || ai == NULL)
                return va_err_set(err, VA_E_NOTFOUND, "cannot resolve '%s': %s", host,
                                  gai_strerror(r));
        r = getnameinfo(ai->ai_addr, ai->ai_addrlen, addr, (socklen_t)len, NULL, 0, NI_NUMERICHOST);
        freeaddrinfo(ai);
        if (r != 0)
                return va_err_set(err, VA_E_NOTFOUND, "cannot resolve '%s': %s", host,
                                  gai_strerror(r));
        return 0;
}
