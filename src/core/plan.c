/* SPDX-License-Identifier: Apache-2.0 */
/* Building the plan from the validated model and the strategy of each
 * volume (strategy.c). Pure: no OS calls. */
#include "core/plan.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"

const char *
plan_step_kind_name(enum plan_step_kind k)
{
        static const char *const names[] = {
                "initiator", "service",  "discover", "target", "login",    "scan",
                "multipath", "failover", "readonly", "raw",    "fallback", "refuse",
        };

        if ((size_t)k < sizeof(names) / sizeof(names[0]))
                return names[k];
        return "unknown";
}

void
plan_describe_auth(const struct auth *a, char *buf, size_t len)
{
        char u[CHAP_FIELD_MAX * 4 + 8], uin[CHAP_FIELD_MAX * 4 + 8];

        switch (a->kind) {
        case AUTH_CHAP:
                (void)snprintf(buf, len, "CHAP, user '%s', secret (set)",
                               va_log_quote(a->out.user, u, sizeof(u)));
                break;
        case AUTH_MUTUAL:
                (void)snprintf(buf, len,
                               "mutual CHAP, user '%s', secret (set); target user '%s', target "
                               "secret (set)",
                               va_log_quote(a->out.user, u, sizeof(u)),
                               va_log_quote(a->in.user, uin, sizeof(uin)));
                break;
        default:
                (void)snprintf(buf, len, "none");
                break;
        }
}

static int add_step(struct plan_step **v, size_t *n, enum plan_step_kind kind, const char *fmt, ...)
    __attribute__((format(VA_PRINTF_FORMAT, 4, 5)));

static int
add_step(struct plan_step **v, size_t *n, enum plan_step_kind kind, const char *fmt, ...)
{
        struct plan_step *nv = realloc(*v, (*n + 1) * sizeof(*nv));
        va_list ap;

        if (nv == NULL)
                return -VA_E_NOMEM;
        *v = nv;
        nv[*n].kind = kind;
        va_start(ap, fmt);
        (void)vsnprintf(nv[*n].text, sizeof(nv[*n].text), fmt, ap);
        va_end(ap);
        (*n)++;
        return 0;
}

/* The earlier volume, if any, that logs in to the same (portal, target):
 * one session then serves both (Cinder "shared targets"). */
static const struct volume *
shared_with(const struct volume_set *s, size_t vi, const struct target_path *p)
{
        size_t i, k;

        for (i = 0; i < vi; i++)
                for (k = 0; k < s->v[i].npaths; k++)
                        if (portal_equal(&s->v[i].paths[k].portal, &p->portal) &&
                            strcmp(s->v[i].paths[k].iqn, p->iqn) == 0)
                                return &s->v[i];
        return NULL;
}

static int
multipath_step(const struct strategy *st, struct plan_volume *pv)
{
        const char *otherwise;

        if (st->enforced)
                otherwise = "fail if multipath is unavailable (enforce_multipath)";
        else if (st->host_dependent)
                otherwise = "without multipath support, warn and use the first working path";
        else
                otherwise = "if the paths give none, warn and use the first working path";
        return add_step(&pv->steps, &pv->nsteps, PLAN_STEP_MULTIPATH,
                        "build one multipath device over every path; %s", otherwise);
}

static int
volume_steps(const struct volume_set *s, size_t vi, const struct plan_options *o,
             struct plan_volume *pv)
{
        const struct volume *v = &s->v[vi];
        const struct strategy *st = &pv->strategy;
        char auth[CHAP_FIELD_MAX * 8 + 128], portal[PORTAL_TEXT_MAX];
        size_t i, npaths;
        int r = 0;

        strategy_decide(v, o->ops, o->multipath_ready, o->enforce_multipath, &pv->strategy);
        if (st->kind == STRATEGY_REFUSED)
                return add_step(&pv->steps, &pv->nsteps, PLAN_STEP_REFUSE, "attempt nothing: %s",
                                st->why);
        if (st->why[0] != '\0') {
                r = add_step(&pv->steps, &pv->nsteps, PLAN_STEP_FALLBACK,
                             "%s (the volume is reported degraded)", st->why);
                if (r < 0)
                        return r;
        }
        npaths = st->kind == STRATEGY_SINGLE ? 1 : v->npaths;
        plan_describe_auth(&v->auth, auth, sizeof(auth));
        if (st->kind == STRATEGY_DISCOVER) {
                char dauth[CHAP_FIELD_MAX * 8 + 128];

                (void)portal_format(&v->paths[0].portal, portal, sizeof(portal));
                plan_describe_auth(&v->discovery, dauth, sizeof(dauth));
                r = add_step(&pv->steps, &pv->nsteps, PLAN_STEP_DISCOVER,
                             "SendTargets discovery on %s (discovery auth: %s); use every portal "
                             "that offers %s, and nothing else it lists",
                             portal, dauth, v->paths[0].iqn);
                if (r < 0)
                        return r;
        }
        for (i = 0; i < npaths && r == 0; i++) {
                const struct target_path *p = &v->paths[i];
                const struct volume *other = shared_with(s, vi, p);

                (void)portal_format(&p->portal, portal, sizeof(portal));
                if (st->kind == STRATEGY_DISCOVER)
                        (void)snprintf(portal, sizeof(portal), "each discovered portal");
                if (other != NULL) {
                        r = add_step(&pv->steps, &pv->nsteps, PLAN_STEP_LOGIN,
                                     "share the session to %s through %s with volume %s", p->iqn,
                                     portal, other->id);
                } else {
                        r = add_step(&pv->steps, &pv->nsteps, PLAN_STEP_TARGET,
                                     "record target %s at %s, auth: %s", p->iqn, portal, auth);
                        if (r == 0)
                                r = add_step(&pv->steps, &pv->nsteps, PLAN_STEP_LOGIN,
                                             "log in to %s through %s (an existing session is "
                                             "reused)",
                                             p->iqn, portal);
                }
                if (r == 0) {
                        char lun[48] = "";

                        if (p->host_lun != p->lun)
                                (void)snprintf(lun, sizeof(lun), " (host LUN %u by %s addressing)",
                                               p->host_lun,
                                               v->addressing == LUN_ADDR_SAM2 ? "SAM-2"
                                                                              : "SAM-3 flat");
                        r = add_step(&pv->steps, &pv->nsteps, PLAN_STEP_SCAN,
                                     "scan LUN %u%s only and wait up to %u s for its block device",
                                     p->lun, lun, o->device_timeout_s);
                }
        }
        if (r == 0 && st->kind == STRATEGY_SINGLE && v->npaths > 1)
                r = add_step(
                    &pv->steps, &pv->nsteps, PLAN_STEP_FAILOVER,
                    "if that path fails, try the other %zu listed paths in order%s", v->npaths - 1,
                    v->policy == PATHS_SINGLE ? " (single path: connector.multipath is false)"
                                              : "");
        if (r == 0 && st->kind != STRATEGY_SINGLE)
                r = multipath_step(st, pv);
        if (r == 0 && v->read_only)
                r = add_step(&pv->steps, &pv->nsteps, PLAN_STEP_READONLY,
                             "mark the block device read-only (access_mode ro)");
        if (r == 0 && v->encrypted)
                r = add_step(&pv->steps, &pv->nsteps, PLAN_STEP_RAW,
                             "leave it a raw block device: encrypted, and no key is available");
        return r;
}

int
plan_build(const struct volume_set *s, const struct plan_options *o, struct plan *ret)
{
        const char *svc = o->ops->service_name ? o->ops->service_name : "the initiator service";
        struct plan p;
        size_t i;
        int r;

        memset(&p, 0, sizeof(p));
        if (s->n > 0) {
                if (s->initiator[0] != '\0')
                        r = add_step(&p.host, &p.nhost, PLAN_STEP_INITIATOR,
                                     "set the host's initiator name to %s (from %s), persistently",
                                     s->initiator, s->initiator_from);
                else
                        r = add_step(&p.host, &p.nhost, PLAN_STEP_INITIATOR,
                                     "keep the host's initiator name (no connector.initiator in "
                                     "the metadata)");
                if (r == 0)
                        r = add_step(&p.host, &p.nhost, PLAN_STEP_SERVICE,
                                     "make sure %s is running", svc);
                if (r < 0)
                        goto fail;
        }
        if (s->n > 0) {
                p.vols = calloc(s->n, sizeof(*p.vols));
                if (p.vols == NULL) {
                        r = -VA_E_NOMEM;
                        goto fail;
                }
        }
        for (i = 0; i < s->n; i++) {
                p.vols[i].vol = &s->v[i];
                p.n++;
                r = volume_steps(s, i, o, &p.vols[i]);
                if (r < 0)
                        goto fail;
        }
        *ret = p;
        return 0;
fail:
        plan_free(&p);
        return r;
}

void
plan_free(struct plan *p)
{
        size_t i;

        for (i = 0; i < p->n; i++)
                free(p->vols[i].steps);
        free(p->vols);
        free(p->host);
        memset(p, 0, sizeof(*p));
}
