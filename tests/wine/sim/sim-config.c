/* SPDX-License-Identifier: Apache-2.0 */
/* The simulated initiator's configuration from the environment: the array
 * (VA_SIM_TARGETS, VA_SIM_DISCOVERY), the volumes on its LUs
 * (VA_SIM_VOLUMES), the faults (VA_SIM_FAULT) and the service check
 * (VA_SIM_SERVICE); tests/wine/README.md has the syntax. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

#define ENV_MAX 32768 /* the largest Windows environment value */

enum { ENV_TARGETS, ENV_DISCOVERY, ENV_FAULT, ENV_SERVICE, ENV_SAN, ENV_VOLUMES, ENV_COUNT };

static const char *const env_names[ENV_COUNT] = {
        "VA_SIM_TARGETS", "VA_SIM_DISCOVERY",  "VA_SIM_FAULT",
        "VA_SIM_SERVICE", "VA_SIM_SAN_POLICY", "VA_SIM_VOLUMES",
};

/* the values last parsed, to re-parse only what changed */
static char env_seen[ENV_COUNT][ENV_MAX];
static int env_parsed;

/* Copies the text up to sep (or the end) into out and moves *p past sep. */
static int
field(const char **p, char sep, char *out, size_t cap)
{
        const char *end = strchr(*p, sep);
        size_t n = end != NULL ? (size_t)(end - *p) : strlen(*p);

        if (n >= cap)
                return -1;
        memcpy(out, *p, n);
        out[n] = '\0';
        *p += n + (end != NULL ? 1 : 0);
        return 0;
}

static int
number(const char *s, unsigned long min, unsigned long max, unsigned long *ret)
{
        char *end;
        unsigned long v;

        if (*s < '0' || *s > '9')
                return -1;
        v = strtoul(s, &end, 0);
        if (*end != '\0' || v < min || v > max)
                return -1;
        *ret = v;
        return 0;
}

/* "host:port" or "[v6]:port"; a missing port is 0 when allowed. */
static int
addr_parse(const char **p, struct sim_addr *a, int port_optional)
{
        char port[16];
        unsigned long v;

        if (**p == '[') {
                const char *close = strchr(*p, ']');
                size_t n;

                if (close == NULL || (size_t)(close - *p - 1) >= sizeof(a->host))
                        return -1;
                n = (size_t)(close - *p - 1);
                memcpy(a->host, *p + 1, n);
                a->host[n] = '\0';
                *p = close + 1;
                if (**p == ':')
                        (*p)++;
                else if (**p != '\0' || !port_optional)
                        return -1;
        } else if (field(p, ':', a->host, sizeof(a->host)) < 0) {
                return -1;
        }
        if (a->host[0] == '\0')
                return -1;
        if (field(p, ':', port, sizeof(port)) < 0)
                return -1;
        if (port[0] == '\0' && port_optional) {
                a->port = 0;
                return 0;
        }
        if (number(port, 1, 65535, &v) < 0)
                return -1;
        a->port = (unsigned)v;
        return 0;
}

/* "N" is a LUN count (0..N-1); "a,b,c" lists LUNs ("5," is LUN 5 alone). */
static int
luns_parse(const char *s, unsigned char luns[SIM_LUNS])
{
        char one[8];
        unsigned long v;

        memset(luns, 0, SIM_LUNS);
        if (strchr(s, ',') == NULL) {
                unsigned long i;

                if (number(s, 0, SIM_LUNS, &v) < 0)
                        return -1;
                for (i = 0; i < v; i++)
                        luns[i] = 1;
                return 0;
        }
        while (*s != '\0') {
                if (field(&s, ',', one, sizeof(one)) < 0 || number(one, 0, SIM_LUNS - 1, &v) < 0)
                        return -1;
                luns[v] = 1;
        }
        return 0;
}

/* iqn@addr:port:luns[:user:secret[:mutual_user:mutual_secret]] */
static int
target_parse(struct sim_config *cfg, const char *spec, char *err, size_t errlen)
{
        struct sim_target t;
        struct sim_target *have;
        const char *p = spec;
        char luns[1024];
        size_t i;

        memset(&t, 0, sizeof(t));
        if (field(&p, '@', t.iqn, sizeof(t.iqn)) < 0 || t.iqn[0] == '\0' || *p == '\0' ||
            addr_parse(&p, &t.paths[0], 0) < 0 || field(&p, ':', luns, sizeof(luns)) < 0 ||
            luns_parse(luns, t.luns) < 0 || field(&p, ':', t.user, sizeof(t.user)) < 0 ||
            field(&p, ':', t.secret, sizeof(t.secret)) < 0 ||
            field(&p, ':', t.mutual_user, sizeof(t.mutual_user)) < 0 ||
            field(&p, ':', t.mutual_secret, sizeof(t.mutual_secret)) < 0 || *p != '\0' ||
            (t.user[0] != '\0') != (t.secret[0] != '\0') ||
            (t.mutual_user[0] != '\0') != (t.mutual_secret[0] != '\0') ||
            (t.mutual_user[0] != '\0' && t.user[0] == '\0')) {
                /* the entry itself may carry a secret: say where, not what */
                (void)snprintf(err, errlen,
                               "VA_SIM_TARGETS: entry %zu is not "
                               "iqn@addr:port:luns[:user:secret[:mutual_user:mutual_secret]]",
                               cfg->ntargets + 1);
                return -1;
        }
        t.npaths = 1;
        /* one IQN listed at several addresses is one target with several
         * paths (multipath) */
        for (i = 0; i < cfg->ntargets; i++) {
                have = &cfg->targets[i];
                if (!sim_streqi(have->iqn, t.iqn))
                        continue;
                if (have->npaths == SIM_TARGET_PATHS) {
                        (void)snprintf(err, errlen, "VA_SIM_TARGETS: %s has too many paths", t.iqn);
                        return -1;
                }
                have->paths[have->npaths++] = t.paths[0];
                return 0;
        }
        if (cfg->ntargets == SIM_TARGETS) {
                (void)snprintf(err, errlen, "VA_SIM_TARGETS: more than %d targets", SIM_TARGETS);
                return -1;
        }
        cfg->targets[cfg->ntargets++] = t;
        return 0;
}

/* addr:port:user:secret */
static int
discovery_parse(struct sim_config *cfg, const char *spec, char *err, size_t errlen)
{
        struct sim_discovery_auth d;
        const char *p = spec;

        memset(&d, 0, sizeof(d));
        if (cfg->ndiscovery == SIM_DISCOVERY || addr_parse(&p, &d.addr, 0) < 0 ||
            field(&p, ':', d.user, sizeof(d.user)) < 0 ||
            field(&p, ':', d.secret, sizeof(d.secret)) < 0 || *p != '\0' || d.user[0] == '\0' ||
            d.secret[0] == '\0') {
                (void)snprintf(err, errlen,
                               "VA_SIM_DISCOVERY: entry %zu is not addr:port:user:secret",
                               cfg->ndiscovery + 1);
                return -1;
        }
        cfg->discovery[cfg->ndiscovery++] = d;
        return 0;
}

static int
code_parse(const char *s, ULONG *code)
{
        unsigned long v;

        if (sim_status_code(s, code) == 0)
                return 0;
        if (number(s, 0, 0xFFFFFFFFul, &v) < 0)
                return -1;
        *code = (ULONG)v;
        return 0;
}

/* FUNC:CODE[:N] */
static int
code_fault_parse(const char *s, struct sim_code_fault *f, int with_count)
{
        char code[64], count[16];
        unsigned long v;

        memset(f, 0, sizeof(*f));
        if (field(&s, ':', f->func, sizeof(f->func)) < 0 || f->func[0] == '\0' ||
            field(&s, ':', code, sizeof(code)) < 0 || code_parse(code, &f->code) < 0 ||
            field(&s, ':', count, sizeof(count)) < 0 || *s != '\0')
                return -1;
        f->always = 1;
        if (count[0] != '\0') {
                if (!with_count || number(count, 1, 1000000, &v) < 0)
                        return -1;
                f->left = (unsigned)v;
                f->always = 0;
        }
        return 0;
}

static int
count_parse(const char *s, unsigned *ret)
{
        unsigned long v;

        if (number(s, 0, 1000000, &v) < 0)
                return -1;
        *ret = (unsigned)v;
        return 0;
}

/* "iqn" (lun -1: every LUN) or "iqn/lun" */
static int
iqn_lun_parse(const char *val, char *iqn, int *lun)
{
        const char *slash = strrchr(val, '/');
        unsigned long v;
        size_t n = slash != NULL ? (size_t)(slash - val) : strlen(val);

        if (n == 0 || n >= SIM_NAME_MAX)
                return -1;
        memcpy(iqn, val, n);
        iqn[n] = '\0';
        *lun = -1;
        if (slash != NULL) {
                if (number(slash + 1, 0, SIM_LUNS - 1, &v) < 0)
                        return -1;
                *lun = (int)v;
        }
        return 0;
}

static int
fault_parse(struct sim_faults *f, const char *tok)
{
        char name[32];
        const char *val = strchr(tok, '=');
        const char *p;

        if (val == NULL) {
                if (strcmp(tok, "buffer-hresult") == 0)
                        f->too_small = ISDSC_HR_INSUFFICIENT_BUFFER;
                else if (strcmp(tok, "buffer-isdsc") == 0)
                        f->too_small = ISDSC_BUFFER_TOO_SMALL;
                else if (strcmp(tok, "upper-iqn") == 0)
                        f->upper_iqn = 1;
                else if (strcmp(tok, "no-mpio") == 0)
                        f->no_mpio = 1;
                else if (strcmp(tok, "disk-denied") == 0)
                        f->disk_denied = 1;
                else
                        return -1;
                return 0;
        }
        if ((size_t)(val - tok) >= sizeof(name))
                return -1;
        memcpy(name, tok, (size_t)(val - tok));
        name[val - tok] = '\0';
        val++;
        if (strcmp(name, "session-busy") == 0)
                return count_parse(val, &f->session_busy);
        if (strcmp(name, "slow") == 0)
                return count_parse(val, &f->slow_ms);
        if (strcmp(name, "devices-late") == 0)
                return count_parse(val, &f->devices_late);
        if (strcmp(name, "devices-unnumbered") == 0)
                return count_parse(val, &f->devices_unnumbered);
        if (strcmp(name, "portal-down") == 0) {
                p = val;
                if (f->ndown == SIM_FAULT_ENTRIES || addr_parse(&p, &f->down[f->ndown], 1) < 0)
                        return -1;
                f->ndown++;
                return 0;
        }
        if (strcmp(name, "in-use") == 0) {
                if (f->nin_use == SIM_FAULT_ENTRIES ||
                    iqn_lun_parse(val, f->in_use[f->nin_use], &f->in_use_lun[f->nin_use]) < 0)
                        return -1;
                f->nin_use++;
                return 0;
        }
        if (strcmp(name, "disk-gpt") == 0 || strcmp(name, "disk-mbr") == 0 ||
            strcmp(name, "disk-tail") == 0) {
                struct sim_content *x = &f->content[f->ncontent];

                if (f->ncontent == SIM_FAULT_ENTRIES || iqn_lun_parse(val, x->iqn, &x->lun) < 0)
                        return -1;
                x->kind = name[5] == 'g'   ? SIM_CONTENT_GPT
                          : name[5] == 'm' ? SIM_CONTENT_MBR
                                           : SIM_CONTENT_TAIL;
                f->ncontent++;
                return 0;
        }
        if (strcmp(name, "msr-late") == 0)
                return count_parse(val, &f->msr_late);
        if (strcmp(name, "disk-stuck") == 0) {
                if (f->nstuck == SIM_FAULT_ENTRIES ||
                    iqn_lun_parse(val, f->stuck[f->nstuck], &f->stuck_lun[f->nstuck]) < 0)
                        return -1;
                f->nstuck++;
                return 0;
        }
        if (strcmp(name, "disk-no-id") == 0) {
                if (f->nno_id == SIM_FAULT_ENTRIES ||
                    iqn_lun_parse(val, f->no_id[f->nno_id], &f->no_id_lun[f->nno_id]) < 0)
                        return -1;
                f->nno_id++;
                return 0;
        }
        if (strcmp(name, "session-down") == 0) {
                if (f->nrecovering == SIM_FAULT_ENTRIES || strlen(val) >= SIM_NAME_MAX)
                        return -1;
                sim_copy(f->recovering[f->nrecovering++], SIM_NAME_MAX, val);
                return 0;
        }
        if (strcmp(name, "fail") == 0) {
                if (f->nfail == SIM_FAULT_ENTRIES ||
                    code_fault_parse(val, &f->fail[f->nfail], 1) < 0)
                        return -1;
                f->nfail++;
                return 0;
        }
        if (strcmp(name, "warn") == 0) {
                if (f->nwarn == SIM_FAULT_ENTRIES ||
                    code_fault_parse(val, &f->warn[f->nwarn], 0) < 0)
                        return -1;
                f->nwarn++;
                return 0;
        }
        return -1;
}

/* Calls fn for each sep-separated, non-empty entry of s. */
static int
each_entry(const char *s, char sep, int (*fn)(void *ctx, const char *entry), void *ctx)
{
        static char one[4096];

        while (*s != '\0') {
                if (field(&s, sep, one, sizeof(one)) < 0)
                        return -1;
                if (one[0] != '\0' && fn(ctx, one) < 0)
                        return -1;
        }
        return 0;
}

struct parse_ctx {
        struct sim_config *cfg;
        char *err;
        size_t errlen;
};

static int
target_entry(void *ctx, const char *entry)
{
        struct parse_ctx *pc = ctx;

        return target_parse(pc->cfg, entry, pc->err, pc->errlen);
}

static int
discovery_entry(void *ctx, const char *entry)
{
        struct parse_ctx *pc = ctx;

        return discovery_parse(pc->cfg, entry, pc->err, pc->errlen);
}

static int
fault_entry(void *ctx, const char *entry)
{
        struct parse_ctx *pc = ctx;

        if (fault_parse(&pc->cfg->faults, entry) < 0) {
                (void)snprintf(pc->err, pc->errlen, "VA_SIM_FAULT: bad token '%s'", entry);
                return -1;
        }
        return 0;
}

/* The index of value in words (NULL-ended); empty is the first one. */
static int
keyword(const char *var, const char *value, const char *const *words, int *ret, char *err,
        size_t errlen)
{
        int i;
        size_t o = 0;

        if (value[0] == '\0') {
                *ret = 0;
                return 0;
        }
        for (i = 0; words[i] != NULL; i++)
                if (strcmp(value, words[i]) == 0) {
                        *ret = i;
                        return 0;
                }
        o = (size_t)snprintf(err, errlen, "%s: '%s' is not ", var, value);
        for (i = 0; words[i] != NULL && o < errlen; i++)
                o += (size_t)snprintf(err + o, errlen - o, "%s%s", i ? "|" : "", words[i]);
        return -1;
}

/* "IQN/LUN[+IQN/LUN...]=PATH[,PATH...]": one volume, its extents' LUs
 * (several: a spanned dynamic volume) and its mount points (none: a volume
 * without a drive letter). */
static int
volume_entry(void *ctx, const char *entry)
{
        struct parse_ctx *pc = ctx;
        struct sim_config *cfg = pc->cfg;
        struct sim_volume v;
        const char *eq = strchr(entry, '='), *p = entry;
        char lu[SIM_NAME_MAX + 8];

        memset(&v, 0, sizeof(v));
        if (eq == NULL || cfg->nvolumes == SIM_VOLUMES)
                goto bad;
        while (p < eq) {
                const char *end = memchr(p, '+', (size_t)(eq - p));
                size_t n = end != NULL ? (size_t)(end - p) : (size_t)(eq - p);
                int lun;

                if (n >= sizeof(lu) || v.nlus == SIM_VOLUME_LUS)
                        goto bad;
                memcpy(lu, p, n);
                lu[n] = '\0';
                if (iqn_lun_parse(lu, v.iqn[v.nlus], &lun) < 0 || lun < 0)
                        goto bad;
                v.lun[v.nlus++] = (unsigned)lun;
                p += n + (end != NULL ? 1 : 0);
        }
        p = eq + 1;
        while (*p != '\0') {
                if (v.npaths == SIM_VOLUME_PATHS ||
                    field(&p, ',', v.paths[v.npaths], SIM_VOLUME_PATH_MAX) < 0)
                        goto bad;
                if (v.paths[v.npaths][0] != '\0')
                        v.npaths++;
        }
        if (v.nlus == 0)
                goto bad;
        cfg->volumes[cfg->nvolumes++] = v;
        return 0;
bad:
        (void)snprintf(pc->err, pc->errlen,
                       "VA_SIM_VOLUMES: entry '%s' is not IQN/LUN[+IQN/LUN]=PATH[,PATH]", entry);
        return -1;
}

int
sim_config_refresh(struct sim_config *cfg, int *changed, char *err, size_t errlen)
{
        static char now[ENV_COUNT][ENV_MAX];
        struct parse_ctx pc = { cfg, err, errlen };
        int i, v, diff[ENV_COUNT];

        *changed = 0;
        for (i = 0; i < ENV_COUNT; i++) {
                DWORD n = GetEnvironmentVariableA(env_names[i], now[i], ENV_MAX);

                if (n >= ENV_MAX)
                        n = 0;
                now[i][n] = '\0';
                diff[i] = !env_parsed || strcmp(now[i], env_seen[i]) != 0;
                *changed |= diff[i];
        }
        if (!*changed)
                return 0;
        /* a parse error leaves the variable marked unparsed, so every call
         * reports it until it is fixed */
        env_parsed = 0;
        if (diff[ENV_TARGETS] || diff[ENV_DISCOVERY]) {
                cfg->ntargets = 0;
                cfg->ndiscovery = 0;
                if (each_entry(now[ENV_TARGETS], ';', target_entry, &pc) < 0 ||
                    each_entry(now[ENV_DISCOVERY], ';', discovery_entry, &pc) < 0)
                        return -1;
        }
        if (diff[ENV_VOLUMES]) {
                cfg->nvolumes = 0;
                if (each_entry(now[ENV_VOLUMES], ';', volume_entry, &pc) < 0)
                        return -1;
        }
        if (diff[ENV_FAULT]) {
                memset(&cfg->faults, 0, sizeof(cfg->faults));
                cfg->faults.too_small = ERROR_INSUFFICIENT_BUFFER;
                if (each_entry(now[ENV_FAULT], ',', fault_entry, &pc) < 0)
                        return -1;
                cfg->faults.busy_left[0] = cfg->faults.session_busy;
                cfg->faults.busy_left[1] = cfg->faults.session_busy;
        }
        if (diff[ENV_SERVICE]) {
                static const char *const modes[] = { "scm", "running", "stopped", NULL };

                if (keyword("VA_SIM_SERVICE", now[ENV_SERVICE], modes, &v, err, errlen) < 0)
                        return -1;
                cfg->service = (enum sim_service_mode)v;
        }
        if (diff[ENV_SAN]) {
                /* Windows Server's default is OfflineShared (VDS_SP_OFFLINE_SHARED) */
                static const char *const policies[] = { "OfflineShared", "OnlineAll", "OfflineAll",
                                                        NULL };

                if (keyword("VA_SIM_SAN_POLICY", now[ENV_SAN], policies, &v, err, errlen) < 0)
                        return -1;
                cfg->san_policy = (enum sim_san_policy)v;
        }
        memcpy(env_seen, now, sizeof(env_seen));
        env_parsed = 1;
        return 0;
}

const struct sim_target *
sim_target_find(const struct sim_config *cfg, const char *iqn)
{
        size_t i;

        /* iSCSI names compare case-insensitively (RFC 3722 folds them) */
        for (i = 0; i < cfg->ntargets; i++)
                if (sim_streqi(cfg->targets[i].iqn, iqn))
                        return &cfg->targets[i];
        return NULL;
}

int
sim_target_has_path(const struct sim_target *t, const struct sim_addr *a)
{
        size_t i;

        for (i = 0; i < t->npaths; i++)
                if (sim_addr_eq(&t->paths[i], a))
                        return 1;
        return 0;
}

const struct sim_discovery_auth *
sim_discovery_find(const struct sim_config *cfg, const struct sim_addr *a)
{
        size_t i;

        for (i = 0; i < cfg->ndiscovery; i++)
                if (sim_addr_eq(&cfg->discovery[i].addr, a))
                        return &cfg->discovery[i];
        return NULL;
}

int
sim_portal_down(const struct sim_config *cfg, const struct sim_addr *a)
{
        size_t i;

        for (i = 0; i < cfg->faults.ndown; i++) {
                const struct sim_addr *d = &cfg->faults.down[i];

                if (sim_streqi(d->host, a->host) && (d->port == 0 || d->port == a->port))
                        return 1;
        }
        return 0;
}

/* 1 when a fault's "iqn[/lun]" list names this LU (lun -1: all of them) */
static int
lu_listed(const char (*iqns)[SIM_NAME_MAX], const int *luns, size_t n, const char *iqn,
          unsigned lun)
{
        size_t i;

        for (i = 0; i < n; i++)
                if (sim_streqi(iqns[i], iqn) && (luns[i] < 0 || (unsigned)luns[i] == lun))
                        return 1;
        return 0;
}

int
sim_disk_stuck(const struct sim_config *cfg, const char *iqn, unsigned lun)
{
        return lu_listed(cfg->faults.stuck, cfg->faults.stuck_lun, cfg->faults.nstuck, iqn, lun);
}

int
sim_disk_no_id(const struct sim_config *cfg, const char *iqn, unsigned lun)
{
        return lu_listed(cfg->faults.no_id, cfg->faults.no_id_lun, cfg->faults.nno_id, iqn, lun);
}

int
sim_lu_has_volume(const struct sim_config *cfg, const char *iqn, unsigned lun)
{
        size_t i, j;

        for (i = 0; i < cfg->nvolumes; i++)
                for (j = 0; j < cfg->volumes[i].nlus; j++)
                        if (sim_streqi(cfg->volumes[i].iqn[j], iqn) &&
                            cfg->volumes[i].lun[j] == lun)
                                return 1;
        return 0;
}
