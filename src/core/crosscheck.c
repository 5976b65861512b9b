/* SPDX-License-Identifier: Apache-2.0 */
/* Rules that need every volume at once: a volume listed twice, two volumes
 * on one LUN, one target with two sets of credentials, two initiator names.
 * When two items disagree, neither is attached: volattach does not guess. */
#include "base/ascii.h"
#include "base/log.h"
#include "core/volume.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
chap_eq(const struct chap_cred *a, const struct chap_cred *b)
{
        return strcmp(a->user, b->user) == 0 && secret_equal(a->secret, b->secret);
}

static int
auth_eq(const struct auth *a, const struct auth *b)
{
        return a->kind == b->kind && chap_eq(&a->out, &b->out) && chap_eq(&a->in, &b->in);
}

static int
path_eq(const struct target_path *a, const struct target_path *b)
{
        return portal_equal(&a->portal, &b->portal) && strcmp(a->iqn, b->iqn) == 0;
}

/* Same paths (in any order), LUNs, policy and credentials. */
static int
volume_same(const struct volume *a, const struct volume *b)
{
        size_t i, j;

        if (a->npaths != b->npaths || a->policy != b->policy || !auth_eq(&a->auth, &b->auth) ||
            !auth_eq(&a->discovery, &b->discovery) || a->read_only != b->read_only ||
            strcmp(a->initiator, b->initiator) != 0)
                return 0;
        for (i = 0; i < a->npaths; i++) {
                int found = 0;

                for (j = 0; j < b->npaths; j++)
                        if (path_eq(&a->paths[i], &b->paths[j]) &&
                            a->paths[i].host_lun == b->paths[j].host_lun)
                                found = 1;
                if (!found)
                        return 0;
        }
        return 1;
}

struct verdict {
        int reject; /* 1: reject, 2: drop silently as a duplicate */
        char reason[512];
};

/* Another item, earlier in the list, is rejected for the very same reason:
 * one conflict between them, which that item's diagnostic reports. */
static int
reason_said(const struct verdict *vd, size_t i)
{
        size_t k;

        for (k = 0; k < i; k++)
                if (vd[k].reject == 1 && strcmp(vd[k].reason, vd[i].reason) == 0)
                        return 1;
        return 0;
}

static void
mark(struct verdict *v, int how, const char *reason)
{
        if (v->reject)
                return;
        v->reject = how;
        (void)snprintf(v->reason, sizeof(v->reason), "%s", reason);
}

int
volume_set_crosscheck(struct volume_set *s)
{
        struct verdict *vd;
        size_t i, j, k, l;
        int r = 0;

        if (s->n == 0)
                return 0;
        vd = calloc(s->n, sizeof(*vd));
        if (vd == NULL)
                return -VA_E_NOMEM;

        for (i = 0; i < s->n; i++) {
                for (j = i + 1; j < s->n; j++) {
                        struct volume *a = &s->v[i], *b = &s->v[j];

                        char why[512];

                        /* ids are canonical UUIDs (metajson.c), any case */
                        if (ascii_ieq(a->id, b->id)) {
                                if (volume_same(a, b)) {
                                        (void)snprintf(why, sizeof(why),
                                                       "volume %s listed twice with the same "
                                                       "targets (also at %s); attached once",
                                                       a->id, a->source);
                                        mark(&vd[j], 2, why);
                                } else {
                                        (void)snprintf(why, sizeof(why),
                                                       "volume %s listed twice with different "
                                                       "targets (%s and %s); attaching neither",
                                                       a->id, a->source, b->source);
                                        mark(&vd[i], 1, why);
                                        mark(&vd[j], 1, why);
                                }
                                continue;
                        }
                        for (k = 0; k < a->npaths; k++) {
                                for (l = 0; l < b->npaths; l++) {
                                        char what[ISCSI_NAME_MAX + 64];

                                        if (!path_eq(&a->paths[k], &b->paths[l]))
                                                continue;
                                        if (a->paths[k].host_lun == b->paths[l].host_lun) {
                                                (void)snprintf(what, sizeof(what),
                                                               "LUN %u of target %s",
                                                               a->paths[k].lun, a->paths[k].iqn);
                                                (void)snprintf(why, sizeof(why),
                                                               "volumes %s and %s both name %s; "
                                                               "attaching neither",
                                                               a->id, b->id, what);
                                                mark(&vd[i], 1, why);
                                                mark(&vd[j], 1, why);
                                        } else if (!auth_eq(&a->auth, &b->auth)) {
                                                /* one session carries one login's credentials */
                                                (void)snprintf(why, sizeof(why),
                                                               "volumes %s and %s share target "
                                                               "%s but give different "
                                                               "credentials; attaching neither",
                                                               a->id, b->id, a->paths[k].iqn);
                                                mark(&vd[i], 1, why);
                                                mark(&vd[j], 1, why);
                                        }
                                }
                        }
                }
        }

        /* The first volume that names an initiator names the host's, even if
         * it is rejected for another reason: a document naming two initiators
         * contradicts itself, whichever items survive. */
        s->initiator[0] = '\0';
        for (i = 0; i < s->n; i++) {
                struct volume *a = &s->v[i];

                if (a->initiator[0] == '\0')
                        continue;
                if (s->initiator[0] == '\0') {
                        (void)snprintf(s->initiator, sizeof(s->initiator), "%s", a->initiator);
                        (void)snprintf(s->initiator_from, sizeof(s->initiator_from), "%s",
                                       a->source);
                } else if (strcmp(s->initiator, a->initiator) != 0) {
                        char why[512];

                        (void)snprintf(why, sizeof(why),
                                       "connector.initiator %s conflicts with %s from %s; a host "
                                       "has one initiator name",
                                       a->initiator, s->initiator, s->initiator_from);
                        mark(&vd[i], 1, why);
                }
        }

        /* from the end, as entries are removed; no wrap below 0 (the
         * clang sanitizer build checks unsigned wrap-around) */
        for (i = s->n; i > 0;) {
                i--;
                if (!vd[i].reject)
                        continue;
                if (vd[i].reject == 2) {
                        if (diag_add_at(&s->diags, VA_LOG_WARNING, "volume_repeated",
                                        s->v[i].source, s->v[i].id, NULL, "%s (%s): %s",
                                        s->v[i].source, s->v[i].id, vd[i].reason) < 0)
                                r = -VA_E_NOMEM;
                        /* not an error: the item counts as the same volume */
                        for (k = 0; k < s->nitems; k++) {
                                if (strcmp(s->items[k].source, s->v[i].source) != 0)
                                        continue;
                                s->items[k].status = ITEM_SKIPPED;
                                free(s->items[k].reason);
                                s->items[k].reason = strdup(vd[i].reason);
                        }
                        volume_clear(&s->v[i]);
                        memmove(&s->v[i], &s->v[i + 1], (s->n - i - 1) * sizeof(s->v[0]));
                        s->n--;
                        continue;
                }
                /* a conflict between two items is one error, said once
                 * (its text names both); each item is still rejected */
                if (!reason_said(vd, i) &&
                    diag_add_at(&s->diags, VA_LOG_ERR, "volume_conflict", s->v[i].source,
                                s->v[i].id, NULL, "%s (%s): %s", s->v[i].source, s->v[i].id,
                                vd[i].reason) < 0)
                        r = -VA_E_NOMEM;
                volume_set_reject(s, i, vd[i].reason);
        }
        free(vd);
        /* the host's name matters only if a surviving volume asks for it */
        for (i = 0; i < s->n && s->v[i].initiator[0] == '\0'; i++)
                ;
        if (i == s->n) {
                s->initiator[0] = '\0';
                s->initiator_from[0] = '\0';
        }
        return r;
}
