/* SPDX-License-Identifier: Apache-2.0 */
/* The volume model: ownership, bookkeeping, and small pure helpers. */
#include "core/volume.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/array.h"
#include "base/hex.h"

static void
chap_clear(struct chap_cred *c)
{
        c->secret = secret_free(c->secret);
        c->user[0] = '\0';
}

void
volume_clear(struct volume *v)
{
        if (v == NULL)
                return;
        chap_clear(&v->auth.out);
        chap_clear(&v->auth.in);
        chap_clear(&v->discovery.out);
        chap_clear(&v->discovery.in);
        free(v->paths);
        v->paths = NULL;
        v->npaths = 0;
}

void
volume_set_free(struct volume_set *s)
{
        size_t i;

        if (s == NULL)
                return;
        for (i = 0; i < s->n; i++)
                volume_clear(&s->v[i]);
        free(s->v);
        for (i = 0; i < s->nitems; i++)
                free(s->items[i].reason);
        free(s->items);
        free(s->lists);
        diag_list_free(&s->diags);
        memset(s, 0, sizeof(*s));
}

int
volume_set_add(struct volume_set *s, struct volume *v)
{
        struct volume *nv = array_grow(s->v, &s->cap, s->n, sizeof(*nv));

        if (nv == NULL)
                return -VA_E_NOMEM;
        s->v = nv;
        s->v[s->n++] = *v;
        memset(v, 0, sizeof(*v));
        return 0;
}

int
volume_set_item(struct volume_set *s, const char *source, const char *id, enum item_status status,
                const char *reason)
{
        struct item_report *ni = array_grow(s->items, &s->items_cap, s->nitems, sizeof(*ni)), *it;

        if (ni == NULL)
                return -VA_E_NOMEM;
        s->items = ni;
        it = &s->items[s->nitems];
        memset(it, 0, sizeof(*it));
        (void)snprintf(it->source, sizeof(it->source), "%s", source);
        (void)snprintf(it->id, sizeof(it->id), "%s", id ? id : "");
        it->status = status;
        if (reason != NULL) {
                it->reason = strdup(reason);
                if (it->reason == NULL)
                        return -VA_E_NOMEM;
        }
        s->nitems++;
        return 0;
}

void
volume_set_reject(struct volume_set *s, size_t i, const char *reason)
{
        size_t k;

        for (k = 0; k < s->nitems; k++) {
                struct item_report *it = &s->items[k];

                if (it->status == ITEM_OK && strcmp(it->source, s->v[i].source) == 0) {
                        it->status = ITEM_REJECTED;
                        free(it->reason);
                        it->reason = strdup(reason);
                        break;
                }
        }
        volume_clear(&s->v[i]);
        memmove(&s->v[i], &s->v[i + 1], (s->n - i - 1) * sizeof(s->v[0]));
        s->n--;
}

int
volume_set_list(struct volume_set *s, const char *docname, const char *listname)
{
        if (s->nlists == s->lists_cap) {
                size_t ncap = s->lists_cap ? s->lists_cap * 2 : 4;
                char(*nl)[SOURCE_NAME_MAX] = realloc(s->lists, ncap * sizeof(*nl));

                if (nl == NULL)
                        return -VA_E_NOMEM;
                s->lists = nl;
                s->lists_cap = ncap;
        }
        (void)snprintf(s->lists[s->nlists++], SOURCE_NAME_MAX, "%s: %s", docname, listname);
        return 0;
}

void
volume_set_truncate(struct volume_set *s, size_t n, size_t nitems)
{
        while (s->n > n)
                volume_clear(&s->v[--s->n]);
        while (s->nitems > nitems) {
                s->nitems--;
                free(s->items[s->nitems].reason);
        }
}

size_t
volume_set_count(const struct volume_set *s, enum item_status status)
{
        size_t i, c = 0;

        for (i = 0; i < s->nitems; i++)
                if (s->items[i].status == status)
                        c++;
        return c;
}

const char *
auth_kind_name(enum auth_kind k)
{
        switch (k) {
        case AUTH_CHAP:
                return "CHAP";
        case AUTH_MUTUAL:
                return "mutual CHAP";
        default:
                return "none";
        }
}

const char *
path_policy_name(enum path_policy p)
{
        switch (p) {
        case PATHS_MULTIPATH:
                return "multipath";
        case PATHS_DISCOVER:
                return "multipath (SendTargets discovery)";
        default:
                return "single path";
        }
}

unsigned
lun_for_addressing(unsigned lun, enum lun_addressing mode)
{
        switch (mode) {
        case LUN_ADDR_SAM2:
                return lun >= 256 ? lun + 16384 : lun;
        case LUN_ADDR_SAM3_FLAT:
                return lun + 16384;
        default:
                return lun;
        }
}

size_t
lun_format_bypath(unsigned host_lun, char *buf, size_t len)
{
        int n;

        /* udev's path_id: decimal below 256, otherwise the 8-byte SCSI LUN
         * in hex with the two 16-bit levels swapped into place. */
        if (host_lun < 256)
                n = snprintf(buf, len, "lun-%u", host_lun);
        else
                n = snprintf(buf, len, "lun-0x%04x%04x00000000", host_lun & 0xffff,
                             (host_lun >> 16) & 0xffff);
        if (n < 0 || (size_t)n >= len)
                return 0;
        return (size_t)n;
}

int
uuid_is_canonical(const char *s)
{
        static const int dash[] = { 8, 13, 18, 23 };
        size_t i, d = 0;

        if (s == NULL || strlen(s) != VOLUME_ID_LEN)
                return 0;
        for (i = 0; i < VOLUME_ID_LEN; i++) {
                char c = s[i];

                if (d < 4 && (int)i == dash[d]) {
                        if (c != '-')
                                return 0;
                        d++;
                        continue;
                }
                if (hex_value(c) < 0)
                        return 0;
        }
        return 1;
}
