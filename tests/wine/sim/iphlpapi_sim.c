/* SPDX-License-Identifier: Apache-2.0 */
/* A simulated iphlpapi.dll for `volattach check` under Wine, whose
 * GetBestRoute2 is a stub (ERROR_NOT_SUPPORTED in Wine 8). It exports the
 * five calls volattach.exe imports and answers them from a routing table in
 * VA_SIM_ROUTES, as their documentation describes: longest prefix first, the
 * route's next hop (zero on a directly connected network), the source
 * address, the interface's LUID, index, alias and MTU;
 * ERROR_NETWORK_UNREACHABLE when nothing matches, ERROR_NOT_FOUND for an
 * unknown interface, ERROR_INVALID_PARAMETER for a NULL argument.
 *   VA_SIM_ROUTES="PREFIX/LEN,ALIAS,SOURCE,NEXTHOP|-,MTU;..."
 * It is installed only beside the copy of volattach.exe a check scenario
 * runs (WINEDLLOVERRIDES iphlpapi=n), so nothing else in the prefix sees it. */
#include <winsock2.h>
#include <ws2tcpip.h>
#include <iphlpapi.h>
#include <netioapi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SIM_ROUTES_MAX 16

struct sim_route {
        ADDRESS_FAMILY family;
        unsigned char prefix[16];
        unsigned len;
        WCHAR alias[64];
        SOCKADDR_INET source, next_hop;
        ULONG mtu;
};

static struct sim_route routes[SIM_ROUTES_MAX];
static size_t nroutes;

__declspec(dllexport) DWORD WINAPI
    GetBestRoute2(NET_LUID *luid, NET_IFINDEX index, const SOCKADDR_INET *src,
                  const SOCKADDR_INET *dst, ULONG options, PMIB_IPFORWARD_ROW2 row,
                  SOCKADDR_INET *best_src);
__declspec(dllexport) DWORD WINAPI GetIpInterfaceEntry(PMIB_IPINTERFACE_ROW row);
__declspec(dllexport) VOID WINAPI InitializeIpInterfaceEntry(PMIB_IPINTERFACE_ROW row);
__declspec(dllexport) DWORD WINAPI GetIfEntry2(PMIB_IF_ROW2 row);
__declspec(dllexport) DWORD WINAPI
    ConvertInterfaceLuidToAlias(const NET_LUID *luid, PWSTR alias, SIZE_T len);

/* "10.0.0.5" into a SOCKADDR_INET, without Winsock (not started here) */
static int
addr_parse(const char *s, SOCKADDR_INET *a)
{
        memset(a, 0, sizeof(*a));
        if (inet_pton(AF_INET, s, &a->Ipv4.sin_addr) == 1) {
                a->si_family = AF_INET;
                return 0;
        }
        if (inet_pton(AF_INET6, s, &a->Ipv6.sin6_addr) == 1) {
                a->si_family = AF_INET6;
                return 0;
        }
        return -1;
}

static const unsigned char *
addr_bytes(const SOCKADDR_INET *a)
{
        return a->si_family == AF_INET ? (const unsigned char *)&a->Ipv4.sin_addr
                                       : (const unsigned char *)&a->Ipv6.sin6_addr;
}

/* once per process, and only once: volattach asks for several portals'
 * routes from as many threads at the same time */
static BOOL CALLBACK
routes_parse(PINIT_ONCE once, PVOID param, PVOID *ctx)
{
        char env[2048], *entry, *save = NULL;

        (void)once;
        (void)param;
        (void)ctx;
        if (GetEnvironmentVariableA("VA_SIM_ROUTES", env, sizeof(env)) == 0)
                return TRUE;
        for (entry = strtok_r(env, ";", &save); entry != NULL && nroutes < SIM_ROUTES_MAX;
             entry = strtok_r(NULL, ";", &save)) {
                char prefix[64], alias[64], source[64], hop[64];
                unsigned len, mtu;
                struct sim_route *r = &routes[nroutes];
                SOCKADDR_INET p;
                char *slash;

                if (sscanf(entry, "%63[^,],%63[^,],%63[^,],%63[^,],%u", prefix, alias, source, hop,
                           &mtu) != 5 ||
                    (slash = strchr(prefix, '/')) == NULL)
                        continue;
                *slash = '\0';
                len = (unsigned)strtoul(slash + 1, NULL, 10);
                if (addr_parse(prefix, &p) < 0 || addr_parse(source, &r->source) < 0 ||
                    len > (p.si_family == AF_INET ? 32u : 128u))
                        continue;
                r->family = p.si_family;
                memcpy(r->prefix, addr_bytes(&p), p.si_family == AF_INET ? 4 : 16);
                r->len = len;
                if (strcmp(hop, "-") == 0) {
                        memset(&r->next_hop, 0, sizeof(r->next_hop));
                        r->next_hop.si_family = p.si_family;
                } else if (addr_parse(hop, &r->next_hop) < 0) {
                        continue;
                }
                (void)MultiByteToWideChar(CP_UTF8, 0, alias, -1, r->alias, 64);
                r->mtu = mtu;
                nroutes++;
        }
        return TRUE;
}

static void
routes_load(void)
{
        static INIT_ONCE once = INIT_ONCE_STATIC_INIT;

        (void)InitOnceExecuteOnce(&once, routes_parse, NULL, NULL);
}

static int
prefix_match(const struct sim_route *r, const SOCKADDR_INET *a)
{
        const unsigned char *b = addr_bytes(a);
        unsigned i;

        if (r->family != a->si_family)
                return 0;
        for (i = 0; i < r->len; i++) {
                unsigned char mask = (unsigned char)(0x80u >> (i % 8));

                if ((b[i / 8] & mask) != (r->prefix[i / 8] & mask))
                        return 0;
        }
        return 1;
}

static const struct sim_route *
route_by_luid(const NET_LUID *luid)
{
        routes_load();
        if (luid == NULL || luid->Value == 0 || luid->Value > nroutes)
                return NULL;
        return &routes[luid->Value - 1];
}

DWORD WINAPI
GetBestRoute2(NET_LUID *luid, NET_IFINDEX index, const SOCKADDR_INET *src, const SOCKADDR_INET *dst,
              ULONG options, PMIB_IPFORWARD_ROW2 row, SOCKADDR_INET *best_src)
{
        const struct sim_route *best = NULL;
        size_t i;

        (void)luid;
        (void)index;
        (void)src;
        (void)options;
        if (dst == NULL || row == NULL || best_src == NULL)
                return ERROR_INVALID_PARAMETER;
        routes_load();
        for (i = 0; i < nroutes; i++)
                if (prefix_match(&routes[i], dst) && (best == NULL || routes[i].len > best->len))
                        best = &routes[i];
        if (best == NULL)
                return ERROR_NETWORK_UNREACHABLE;
        memset(row, 0, sizeof(*row));
        row->InterfaceLuid.Value = (ULONG64)(best - routes) + 1;
        row->InterfaceIndex = (NET_IFINDEX)(best - routes) + 1;
        row->DestinationPrefix.PrefixLength = (UINT8)best->len;
        row->DestinationPrefix.Prefix.si_family = best->family;
        row->NextHop = best->next_hop;
        row->Protocol = MIB_IPPROTO_NETMGMT;
        *best_src = best->source;
        return NO_ERROR;
}

VOID WINAPI
InitializeIpInterfaceEntry(PMIB_IPINTERFACE_ROW row)
{
        if (row != NULL)
                memset(row, 0, sizeof(*row));
}

DWORD WINAPI
GetIpInterfaceEntry(PMIB_IPINTERFACE_ROW row)
{
        const struct sim_route *r;

        if (row == NULL)
                return ERROR_INVALID_PARAMETER;
        r = route_by_luid(&row->InterfaceLuid);
        if (r == NULL || r->family != row->Family)
                return ERROR_NOT_FOUND;
        row->InterfaceIndex = (NET_IFINDEX)(r - routes) + 1;
        row->NlMtu = r->mtu;
        row->Connected = TRUE;
        return NO_ERROR;
}

DWORD WINAPI
GetIfEntry2(PMIB_IF_ROW2 row)
{
        const struct sim_route *r;

        if (row == NULL)
                return ERROR_INVALID_PARAMETER;
        r = route_by_luid(&row->InterfaceLuid);
        if (r == NULL)
                return ERROR_FILE_NOT_FOUND;
        row->Mtu = r->mtu;
        (void)memcpy(row->Alias, r->alias, sizeof(r->alias));
        return NO_ERROR;
}

DWORD WINAPI
ConvertInterfaceLuidToAlias(const NET_LUID *luid, PWSTR alias, SIZE_T len)
{
        const struct sim_route *r;

        if (luid == NULL || alias == NULL)
                return ERROR_INVALID_PARAMETER;
        r = route_by_luid(luid);
        if (r == NULL)
                return ERROR_FILE_NOT_FOUND;
        if (wcslen(r->alias) + 1 > len)
                return ERROR_NOT_ENOUGH_MEMORY;
        wcscpy(alias, r->alias);
        return NO_ERROR;
}
