/* SPDX-License-Identifier: Apache-2.0 */
/* meta_data.json (and vendor data) to the volume model, through cJSON,
 * enforcing the validation policy of tests/fixtures/metadata/INDEX.md. A bad
 * item is rejected with every reason found; it never stops the good ones. */
#include "meta/meta.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/ascii.h"
#include "base/log.h"
#include "meta/jsoncheck.h"

/* Per-item parsing state: where the item is, what is known of it so far,
 * and whether it has been rejected. */
/* Long number tokens remembered per document; past this many (a hostile
 * document), the rest are shown as their double's digits. */
#define RAW_NUMBERS_MAX 256

struct item {
        struct volume_set *set;
        char where[SOURCE_NAME_MAX]; /* "meta_data.json: volumes[2]" */
        char id[VOLUME_ID_LEN + 1];
        char *first_error;
        int rejected;
        int nomem;
};

static const char *
json_type_name(const cJSON *j)
{
        if (j == NULL)
                return "missing";
        if (cJSON_IsNull(j))
                return "null";
        if (cJSON_IsBool(j))
                return "a boolean";
        if (cJSON_IsNumber(j))
                return "a number";
        if (cJSON_IsString(j))
                return "a string";
        if (cJSON_IsArray(j))
                return "an array";
        if (cJSON_IsObject(j))
                return "an object";
        return "an unknown type";
}

static void
item_prefix(const struct item *it, const char *key, char *buf, size_t len)
{
        if (it->id[0] != '\0')
                (void)snprintf(buf, len, "%s (%s): %s", it->where, it->id, key);
        else
                (void)snprintf(buf, len, "%s: %s", it->where, key);
}

static void item_diag(struct item *it, int level, const char *key, const char *fmt, ...)
    __attribute__((format(VA_PRINTF_FORMAT, 4, 5)));

static void item_error(struct item *it, const char *key, const char *fmt, ...)
    __attribute__((format(VA_PRINTF_FORMAT, 3, 4)));

static void
item_error(struct item *it, const char *key, const char *fmt, ...)
{
        char msg[768];
        va_list ap;

        va_start(ap, fmt);
        (void)vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        item_diag(it, VA_LOG_ERR, key, "%s", msg);
        if (it->first_error == NULL) {
                char full[1024];

                (void)snprintf(full, sizeof(full), "%s: %s", key, msg);
                it->first_error = strdup(full);
                if (it->first_error == NULL)
                        it->nomem = 1;
        }
        it->rejected = 1;
}

static void
item_diag(struct item *it, int level, const char *key, const char *fmt, ...)
{
        char prefix[SOURCE_NAME_MAX + 128], msg[768];
        va_list ap;

        va_start(ap, fmt);
        (void)vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        item_prefix(it, key, prefix, sizeof(prefix));
        if (diag_add_at(&it->set->diags, level,
                        level <= VA_LOG_ERR                      ? "invalid_item"
                        : strcmp(key, "driver_volume_type") == 0 ? "unsupported_volume"
                                                                 : "item_warning",
                        it->where, it->id, key, "%s: %s", prefix, msg) < 0)
                it->nomem = 1;
}

/* A quoted, escaped, shortened copy of a non-secret value for messages. */
static const char *
q(const char *s, char *buf, size_t len)
{
        char inner[96];

        (void)va_log_quote(s, inner, sizeof(inner));
        (void)snprintf(buf, len, "'%s'", inner);
        return buf;
}

/* Looks a key up and checks its type. Returns the node, or NULL when the key
 * is absent (or JSON null and null_is_absent) or of the wrong type; in the
 * latter case the item is rejected with a message naming the key. */
enum want {
        WANT_STRING,
        WANT_BOOL,
        WANT_OBJECT,
        WANT_ARRAY,
};

static const cJSON *
get(struct item *it, const cJSON *obj, const char *objname, const char *key, enum want want,
    int null_is_absent)
{
        const cJSON *j = cJSON_GetObjectItemCaseSensitive(obj, key);
        char full[96];
        int ok;

        if (j == NULL)
                return NULL;
        if (cJSON_IsNull(j) && null_is_absent)
                return NULL;
        switch (want) {
        case WANT_STRING:
                ok = cJSON_IsString(j);
                break;
        case WANT_BOOL:
                ok = cJSON_IsBool(j);
                break;
        case WANT_OBJECT:
                ok = cJSON_IsObject(j);
                break;
        default:
                ok = cJSON_IsArray(j);
                break;
        }
        if (ok)
                return j;
        (void)snprintf(full, sizeof(full), "%s%s%s", objname, objname[0] ? "." : "", key);
        item_error(it, full, "must be %s, not %s",
                   want == WANT_STRING   ? "a string"
                   : want == WANT_BOOL   ? "a boolean"
                   : want == WANT_OBJECT ? "an object"
                                         : "an array",
                   json_type_name(j));
        return NULL;
}

/* LUN: a JSON integer, or a string of decimal digits (accepted with a
 * warning, as Ironic's external storage example writes target_lun="0"). */
static int
lun_parse(struct item *it, const char *key, const cJSON *j, unsigned *out)
{
        char qb[128];

        if (cJSON_IsNumber(j)) {
                double d = j->valuedouble;

                if (d != floor(d) || isnan(d) || isinf(d)) {
                        item_error(it, key, "must be an integer, not a fraction");
                        return -1;
                }
                if (d < 0) {
                        item_error(it, key, "must not be negative");
                        return -1;
                }
                if (d > LUN_MAX) {
                        /* as the document wrote it (meta_parse keeps the
                         * text of numbers a double cannot hold exactly),
                         * else the double's digits, which are then exact */
                        if (j->valuestring != NULL)
                                item_error(it, key, "%s is out of range 0..%d",
                                           va_log_quote(j->valuestring, qb, sizeof(qb)), LUN_MAX);
                        else
                                item_error(it, key, "%.0f is out of range 0..%d", d, LUN_MAX);
                        return -1;
                }
                *out = (unsigned)d;
                return 0;
        }
        if (cJSON_IsString(j)) {
                const char *s = j->valuestring;
                size_t n = strlen(s), i;
                unsigned v = 0;

                if (n == 0 || n > 5 || strspn(s, "0123456789") != n) {
                        item_error(it, key, "%s is not a number", q(s, qb, sizeof(qb)));
                        return -1;
                }
                for (i = 0; i < n; i++)
                        v = v * 10 + (unsigned)(s[i] - '0');
                if (v > LUN_MAX) {
                        item_error(it, key, "%u is out of range 0..%d", v, LUN_MAX);
                        return -1;
                }
                item_diag(it, VA_LOG_WARNING, key, "numeric string %s normalised to the integer %u",
                          q(s, qb, sizeof(qb)), v);
                *out = v;
                return 0;
        }
        item_error(it, key, "must be an integer, not %s", json_type_name(j));
        return -1;
}

static int
portal_value(struct item *it, const char *key, const char *s, struct portal *out)
{
        struct va_err e;
        unsigned warn;
        char qb[128];

        va_err_clear(&e);
        if (portal_parse(s, out, &warn, &e) < 0) {
                item_error(it, key, "%s: %s", q(s, qb, sizeof(qb)), e.msg);
                return -1;
        }
        if (warn & PORTAL_WARN_TPGT)
                item_diag(it, VA_LOG_INFO, key, "portal group tag ',%d' stripped", out->tpgt);
        if (warn & PORTAL_WARN_MAPPED)
                item_diag(it, VA_LOG_WARNING, key,
                          "IPv4-mapped IPv6 address used as the IPv4 address %s", out->host);
        return 0;
}

static int
iqn_value(struct item *it, const char *key, const char *s, char *out)
{
        struct va_err e;
        unsigned flags;
        char qb[128];

        va_err_clear(&e);
        if (iscsi_name_check(s, &flags, &e) < 0) {
                item_error(it, key, "%s: %s", q(s, qb, sizeof(qb)), e.msg);
                return -1;
        }
        if (flags & ISCSI_NAME_HAS_UPPER)
                item_diag(it, VA_LOG_WARNING, key,
                          "%s has upper-case letters; passed on unchanged (targets may compare "
                          "names byte for byte)",
                          q(s, qb, sizeof(qb)));
        (void)snprintf(out, ISCSI_NAME_MAX + 1, "%s", s);
        return 0;
}

/* CHAP user names and secrets: 1..255 bytes (open-iscsi AUTH_STR_MAX_LEN),
 * no blank at either end, no control characters (they would corrupt a node record line). A secret's
 * value never appears in a message. */
static int
chap_field_ok(struct item *it, const char *key, const char *s, int secret)
{
        size_t n = strlen(s), i;

        if (n == 0) {
                item_error(it, key, "must not be empty");
                return -1;
        }
        if (n > CHAP_FIELD_MAX) {
                item_error(it, key, "is %zu bytes, more than %d", n, CHAP_FIELD_MAX);
                return -1;
        }
        /* open-iscsi's idbm strips the blanks around a record value, so such
         * a name or secret would be stored as another one (the record
         * writer refuses it too); one rule for every OS (INDEX.md) */
        if (s[0] == ' ' || s[0] == '\t' || s[n - 1] == ' ' || s[n - 1] == '\t') {
                item_error(it, key, "must not begin or end with a blank (space or tab)");
                return -1;
        }
        for (i = 0; i < n; i++) {
                unsigned char c = (unsigned char)s[i];

                if (c < 0x20 || c == 0x7f) {
                        if (secret)
                                item_error(it, key, "contains a control character");
                        else
                                item_error(it, key, "contains a control character at offset %zu",
                                           i);
                        return -1;
                }
        }
        return 0;
}

/* Reads a user/secret pair named by ukey/pkey from data into c. Returns 1
 * when both are present and valid, 0 when both are absent, -1 on error. */
static int
chap_pair(struct item *it, const cJSON *data, const char *ukey, const char *pkey, const char *what,
          struct chap_cred *c)
{
        const cJSON *uraw = cJSON_GetObjectItemCaseSensitive(data, ukey);
        const cJSON *praw = cJSON_GetObjectItemCaseSensitive(data, pkey);
        const cJSON *u = get(it, data, "data", ukey, WANT_STRING, 1);
        const cJSON *p = get(it, data, "data", pkey, WANT_STRING, 1);
        char kfull[64];
        size_t plen;

        /* a present key of the wrong type has been reported by get() */
        if ((uraw != NULL && !cJSON_IsNull(uraw) && u == NULL) ||
            (praw != NULL && !cJSON_IsNull(praw) && p == NULL))
                return -1;
        if (u == NULL && p == NULL)
                return 0;
        if (u == NULL || p == NULL) {
                (void)snprintf(kfull, sizeof(kfull), "data.%s", u == NULL ? ukey : pkey);
                item_error(it, kfull, "is required with data.%s for %s", u == NULL ? pkey : ukey,
                           what);
                return -1;
        }
        (void)snprintf(kfull, sizeof(kfull), "data.%s", ukey);
        if (chap_field_ok(it, kfull, u->valuestring, 0) < 0)
                return -1;
        (void)snprintf(kfull, sizeof(kfull), "data.%s", pkey);
        if (chap_field_ok(it, kfull, p->valuestring, 1) < 0)
                return -1;
        plen = strlen(p->valuestring);
        /* RFC 7143 12.1.3: under 96 bits only with IPsec; Microsoft's
         * initiator and many arrays refuse below 12 bytes. */
        if (plen < 12)
                item_diag(it, VA_LOG_WARNING, kfull,
                          "CHAP secret is %zu bytes; at least 12 are needed without IPsec (RFC "
                          "7143), and Windows initiators refuse shorter ones",
                          plen);
        (void)snprintf(c->user, sizeof(c->user), "%s", u->valuestring);
        c->secret = secret_new(p->valuestring, plen);
        if (c->secret == NULL) {
                it->nomem = 1;
                return -1;
        }
        return 1;
}

/* 1 when the method key asks for CHAP, 0 when it is absent (or null, "",
 * "none"), -1 (item rejected) for anything else. */
static int
method_is_chap(struct item *it, const cJSON *data, const char *key)
{
        const cJSON *raw = cJSON_GetObjectItemCaseSensitive(data, key);
        const cJSON *m;
        char kfull[64], qb[128];

        if (raw == NULL || cJSON_IsNull(raw))
                return 0;
        m = get(it, data, "data", key, WANT_STRING, 1);
        if (m == NULL)
                return -1;
        if (ascii_ieq(m->valuestring, "CHAP"))
                return 1;
        if (m->valuestring[0] == '\0' || ascii_ieq(m->valuestring, "none"))
                return 0;
        (void)snprintf(kfull, sizeof(kfull), "data.%s", key);
        item_error(it, kfull, "%s is not supported (only CHAP)", q(m->valuestring, qb, sizeof(qb)));
        return -1;
}

static void
parse_auth(struct item *it, const cJSON *data, struct volume *v)
{
        static const char *const nonstandard[] = { "auth_username_in", "auth_password_in",
                                                   "username_in", "password_in" };
        char ignored[160] = "";
        int r;
        size_t i;

        r = method_is_chap(it, data, "auth_method");
        if (r == 1) {
                r = chap_pair(it, data, "auth_username", "auth_password", "CHAP", &v->auth.out);
                if (r == 0)
                        item_error(it, "data.auth_username",
                                   "is required when auth_method is CHAP");
                else if (r == 1)
                        v->auth.kind = AUTH_CHAP;
        } else if (r == 0 && (cJSON_GetObjectItemCaseSensitive(data, "auth_username") != NULL ||
                              cJSON_GetObjectItemCaseSensitive(data, "auth_password") != NULL)) {
                /* os-brick applies credentials only when auth_method is set */
                item_diag(it, VA_LOG_WARNING, "data.auth_username",
                          "CHAP credentials given without auth_method; ignored, logging in "
                          "without authentication");
        }

        /* Mutual CHAP: not part of the Cinder contract, so volattach reads it
         * only from its own documented keys. */
        {
                struct chap_cred in = { "", NULL };

                r = chap_pair(it, data, "mutual_auth_username", "mutual_auth_password",
                              "mutual CHAP", &in);
                if (r == 1) {
                        if (v->auth.kind != AUTH_CHAP) {
                                item_error(it, "data.mutual_auth_username",
                                           "mutual CHAP needs auth_method CHAP with "
                                           "auth_username and auth_password");
                                in.secret = secret_free(in.secret);
                        } else {
                                if (secret_equal(in.secret, v->auth.out.secret))
                                        item_error(it, "data.mutual_auth_password",
                                                   "must differ from auth_password (RFC 7143 "
                                                   "12.1.3 forbids one secret for both "
                                                   "directions)");
                                v->auth.in = in;
                                v->auth.kind = AUTH_MUTUAL;
                        }
                }
        }

        for (i = 0; i < sizeof(nonstandard) / sizeof(nonstandard[0]); i++) {
                if (cJSON_GetObjectItemCaseSensitive(data, nonstandard[i]) != NULL) {
                        size_t o = strlen(ignored);

                        (void)snprintf(ignored + o, sizeof(ignored) - o, "%s%s", o ? ", " : "",
                                       nonstandard[i]);
                }
        }
        if (ignored[0] != '\0')
                item_diag(it, VA_LOG_WARNING, "data",
                          "non-standard keys ignored: %s (mutual CHAP is not part of Cinder's "
                          "connection_info; volattach reads mutual_auth_username and "
                          "mutual_auth_password)",
                          ignored);

        r = method_is_chap(it, data, "discovery_auth_method");
        if (r == 1) {
                r = chap_pair(it, data, "discovery_auth_username", "discovery_auth_password",
                              "discovery CHAP", &v->discovery.out);
                if (r == 0)
                        item_error(it, "data.discovery_auth_username",
                                   "is required when discovery_auth_method is CHAP");
                else if (r == 1)
                        v->discovery.kind = AUTH_CHAP;
        }
}

/* Volume identity: data.volume_id (canonical UUID), cross-checked with
 * Nova's serial. */
static void
parse_identity(struct item *it, const cJSON *item, const cJSON *data, struct volume *v)
{
        const cJSON *vid = get(it, data, "data", "volume_id", WANT_STRING, 0);
        const cJSON *ser = get(it, item, "", "serial", WANT_STRING, 1);
        char qb[128];

        if (vid != NULL && !uuid_is_canonical(vid->valuestring)) {
                item_error(it, "data.volume_id", "%s is not a canonical UUID",
                           q(vid->valuestring, qb, sizeof(qb)));
                vid = NULL;
        }
        if (ser != NULL && !uuid_is_canonical(ser->valuestring)) {
                item_error(it, "serial", "%s is not a canonical UUID",
                           q(ser->valuestring, qb, sizeof(qb)));
                ser = NULL;
        }
        if (vid != NULL) {
                (void)snprintf(v->id, sizeof(v->id), "%s", vid->valuestring);
                if (ser != NULL && !ascii_ieq(ser->valuestring, vid->valuestring))
                        item_diag(it, VA_LOG_WARNING, "serial",
                                  "'%s' differs from data.volume_id; using data.volume_id",
                                  ser->valuestring);
        } else if (ser != NULL && cJSON_GetObjectItemCaseSensitive(data, "volume_id") == NULL) {
                (void)snprintf(v->id, sizeof(v->id), "%s", ser->valuestring);
                item_diag(it, VA_LOG_WARNING, "data.volume_id",
                          "missing; using serial as the volume id");
        } else if (cJSON_GetObjectItemCaseSensitive(data, "volume_id") == NULL) {
                item_error(it, "data.volume_id", "is required");
        }
        (void)snprintf(it->id, sizeof(it->id), "%s", v->id);
}

static int
path_add(struct volume *v, const struct portal *p, const char *iqn, unsigned lun)
{
        struct target_path *np;
        size_t i;

        for (i = 0; i < v->npaths; i++)
                if (portal_equal(&v->paths[i].portal, p) && strcmp(v->paths[i].iqn, iqn) == 0)
                        return 1; /* duplicate */
        np = realloc(v->paths, (v->npaths + 1) * sizeof(*np));
        if (np == NULL)
                return -1;
        v->paths = np;
        memset(&np[v->npaths], 0, sizeof(*np));
        np[v->npaths].portal = *p;
        (void)snprintf(np[v->npaths].iqn, sizeof(np[v->npaths].iqn), "%s", iqn);
        np[v->npaths].lun = lun;
        v->npaths++;
        return 0;
}

static void
parse_targets(struct item *it, const cJSON *data, int multipath, struct volume *v)
{
        const cJSON *portal = get(it, data, "data", "target_portal", WANT_STRING, 0);
        const cJSON *iqn = get(it, data, "data", "target_iqn", WANT_STRING, 0);
        const cJSON *lunj = cJSON_GetObjectItemCaseSensitive(data, "target_lun");
        const cJSON *portals = get(it, data, "data", "target_portals", WANT_ARRAY, 1);
        const cJSON *iqns = get(it, data, "data", "target_iqns", WANT_ARRAY, 1);
        const cJSON *luns = get(it, data, "data", "target_luns", WANT_ARRAY, 1);
        const cJSON *am = get(it, data, "data", "addressing_mode", WANT_STRING, 1);
        unsigned lun = 0;
        int have_lun = 0, use_lists = 0;
        size_t i;

        if (am != NULL) {
                static const struct {
                        const char *name;
                        enum lun_addressing mode;
                } modes[] = {
                        { "SAM", LUN_ADDR_SAM },
                        { "transparent", LUN_ADDR_TRANSPARENT },
                        { "SAM2", LUN_ADDR_SAM2 },
                        { "SAM3-flat", LUN_ADDR_SAM3_FLAT },
                };
                char qb[128];
                int found = 0;

                for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
                        if (ascii_ieq(am->valuestring, modes[i].name)) {
                                v->addressing = modes[i].mode;
                                found = 1;
                        }
                }
                if (!found)
                        item_error(it, "data.addressing_mode",
                                   "%s is not one of SAM, transparent, SAM2, SAM3-flat",
                                   q(am->valuestring, qb, sizeof(qb)));
        }

        if (lunj != NULL && !cJSON_IsNull(lunj)) {
                if (lun_parse(it, "data.target_lun", lunj, &lun) == 0)
                        have_lun = 1;
        }

        if (portals != NULL && iqns != NULL) {
                int np = cJSON_GetArraySize(portals), ni = cJSON_GetArraySize(iqns);

                if (np == 0 || ni == 0) {
                        item_error(it, "data.target_portals",
                                   "target_portals and target_iqns must not be empty");
                } else if (np != ni) {
                        item_error(it, "data.target_portals",
                                   "has %d entries but target_iqns has %d (os-brick would "
                                   "silently drop the extra ones)",
                                   np, ni);
                } else if (np > VOLUME_MAX_PATHS) {
                        item_error(it, "data.target_portals", "has %d entries, more than %d", np,
                                   VOLUME_MAX_PATHS);
                } else if (luns != NULL && cJSON_GetArraySize(luns) != np) {
                        item_error(it, "data.target_luns",
                                   "has %d entries but target_portals has %d",
                                   cJSON_GetArraySize(luns), np);
                } else {
                        use_lists = 1;
                }
        } else if (portals != NULL || iqns != NULL) {
                item_diag(it, VA_LOG_WARNING,
                          portals != NULL ? "data.target_portals" : "data.target_iqns",
                          "given without %s; ignored, as os-brick does",
                          portals != NULL ? "target_iqns" : "target_portals");
        } else if (luns != NULL) {
                item_diag(it, VA_LOG_WARNING, "data.target_luns",
                          "given without target_portals and target_iqns; ignored");
        }

        if (use_lists) {
                int n = cJSON_GetArraySize(portals);

                for (i = 0; i < (size_t)n; i++) {
                        const cJSON *pj = cJSON_GetArrayItem(portals, (int)i);
                        const cJSON *ij = cJSON_GetArrayItem(iqns, (int)i);
                        char kp[48], ki[48], kl[48], name[ISCSI_NAME_MAX + 1];
                        struct portal p;
                        unsigned l = lun;
                        int bad = 0;

                        (void)snprintf(kp, sizeof(kp), "data.target_portals[%zu]", i);
                        (void)snprintf(ki, sizeof(ki), "data.target_iqns[%zu]", i);
                        (void)snprintf(kl, sizeof(kl), "data.target_luns[%zu]", i);
                        if (!cJSON_IsString(pj)) {
                                item_error(it, kp, "must be a string, not %s", json_type_name(pj));
                                bad = 1;
                        } else if (portal_value(it, kp, pj->valuestring, &p) < 0) {
                                bad = 1;
                        }
                        if (!cJSON_IsString(ij)) {
                                item_error(it, ki, "must be a string, not %s", json_type_name(ij));
                                bad = 1;
                        } else if (iqn_value(it, ki, ij->valuestring, name) < 0) {
                                bad = 1;
                        }
                        if (luns != NULL) {
                                if (lun_parse(it, kl, cJSON_GetArrayItem(luns, (int)i), &l) < 0)
                                        bad = 1;
                        } else if (!have_lun && lunj != NULL && !cJSON_IsNull(lunj)) {
                                bad = 1; /* target_lun itself was bad */
                        }
                        if (bad)
                                continue;
                        if (path_add(v, &p, name, l) < 0)
                                it->nomem = 1;
                }
                if (!it->rejected && v->npaths < (size_t)n)
                        item_diag(it, VA_LOG_WARNING, "data.target_portals",
                                  "%zu duplicate (portal, iqn) entries dropped",
                                  (size_t)n - v->npaths);
                /* The singular keys conventionally repeat entry 0. */
                if (!it->rejected && portal != NULL && iqn != NULL && v->npaths > 0) {
                        struct portal p0;
                        struct va_err e;
                        char name0[ISCSI_NAME_MAX + 1];

                        va_err_clear(&e);
                        /* both are printed below: each is validated like
                         * any other name, never printed raw */
                        if (portal_parse(portal->valuestring, &p0, NULL, &e) < 0) {
                                (void)portal_value(it, "data.target_portal", portal->valuestring,
                                                   &p0);
                        } else if (iqn_value(it, "data.target_iqn", iqn->valuestring, name0) < 0) {
                                /* rejected, with the reason */
                        } else {
                                int listed = 0;

                                for (i = 0; i < v->npaths; i++)
                                        if (portal_equal(&v->paths[i].portal, &p0) &&
                                            strcmp(v->paths[i].iqn, iqn->valuestring) == 0)
                                                listed = 1;
                                if (!listed)
                                        item_diag(it, VA_LOG_WARNING, "data.target_portal",
                                                  "(%s, %s) is not among target_portals / "
                                                  "target_iqns; using the lists",
                                                  p0.host, iqn->valuestring);
                        }
                }
        } else {
                struct portal p;
                char name[ISCSI_NAME_MAX + 1];
                int bad = 0;

                if (iqn == NULL && cJSON_GetObjectItemCaseSensitive(data, "target_iqn") == NULL) {
                        item_error(it, "data.target_iqn", "is required");
                        bad = 1;
                } else if (iqn == NULL) {
                        bad = 1; /* wrong type, already reported */
                } else if (iqn_value(it, "data.target_iqn", iqn->valuestring, name) < 0) {
                        bad = 1;
                }
                if (portal == NULL &&
                    cJSON_GetObjectItemCaseSensitive(data, "target_portal") == NULL) {
                        item_error(it, "data.target_portal", "is required");
                        bad = 1;
                } else if (portal == NULL) {
                        bad = 1;
                } else if (portal_value(it, "data.target_portal", portal->valuestring, &p) < 0) {
                        bad = 1;
                }
                if (lunj != NULL && !cJSON_IsNull(lunj) && !have_lun)
                        bad = 1;
                if (!bad && path_add(v, &p, name, lun) < 0)
                        it->nomem = 1;
        }

        for (i = 0; i < v->npaths; i++)
                v->paths[i].host_lun = lun_for_addressing(v->paths[i].lun, v->addressing);

        if (v->npaths > 1)
                v->policy = multipath ? PATHS_MULTIPATH : PATHS_SINGLE;
        else
                v->policy = multipath ? PATHS_DISCOVER : PATHS_SINGLE;
}

static void
parse_behaviour(struct item *it, const cJSON *data, struct volume *v)
{
        const cJSON *am = get(it, data, "data", "access_mode", WANT_STRING, 1);
        const cJSON *enc = get(it, data, "data", "encrypted", WANT_BOOL, 1);
        const cJSON *em = get(it, data, "data", "enforce_multipath", WANT_BOOL, 1);
        const cJSON *qos = cJSON_GetObjectItemCaseSensitive(data, "qos_specs");
        static const char *const info_bools[] = { "cacheable", "discard" };
        char qb[128];
        size_t i;

        if (am != NULL) {
                if (strcmp(am->valuestring, "ro") == 0)
                        v->read_only = 1;
                else if (strcmp(am->valuestring, "rw") != 0)
                        item_error(it, "data.access_mode", "%s is not \"rw\" or \"ro\"",
                                   q(am->valuestring, qb, sizeof(qb)));
        }
        if (enc != NULL && cJSON_IsTrue(enc)) {
                v->encrypted = 1;
                item_diag(it, VA_LOG_WARNING, "data.encrypted",
                          "volume is encrypted; it is attached as a raw block device only (no "
                          "key is available to volattach)");
        }
        if (em != NULL && cJSON_IsTrue(em))
                v->enforce_multipath = 1;
        if (qos != NULL && cJSON_IsObject(qos) && qos->child != NULL)
                item_diag(it, VA_LOG_INFO, "data.qos_specs",
                          "front-end QoS is enforced by a hypervisor, not by volattach; "
                          "informational only");
        for (i = 0; i < sizeof(info_bools) / sizeof(info_bools[0]); i++) {
                const cJSON *b = get(it, data, "data", info_bools[i], WANT_BOOL, 1);
                char key[32];

                (void)snprintf(key, sizeof(key), "data.%s", info_bools[i]);
                if (b != NULL && cJSON_IsTrue(b))
                        item_diag(it, VA_LOG_INFO, key, "true; informational only");
        }
}

/* One connection_info item. */
static int
parse_item(struct volume_set *set, const char *where, const cJSON *item)
{
        struct item it;
        struct volume v;
        const cJSON *dvt, *data, *conn;
        int multipath = 0, r = 0;
        char qb[128];

        memset(&it, 0, sizeof(it));
        memset(&v, 0, sizeof(v));
        it.set = set;
        (void)snprintf(it.where, sizeof(it.where), "%s", where);
        (void)snprintf(v.source, sizeof(v.source), "%s", where);

        if (!cJSON_IsObject(item)) {
                item_error(&it, "item", "must be an object, not %s", json_type_name(item));
                goto out;
        }
        data = cJSON_GetObjectItemCaseSensitive(item, "data");
        dvt = cJSON_GetObjectItemCaseSensitive(item, "driver_volume_type");
        if (cJSON_IsString(dvt) && !ascii_ieq(dvt->valuestring, "iscsi")) {
                /* Not ours: nothing else in it is validated, only named. */
                const cJSON *vid = cJSON_IsObject(data)
                                       ? cJSON_GetObjectItemCaseSensitive(data, "volume_id")
                                       : NULL;
                char why[256];

                if (cJSON_IsString(vid) && uuid_is_canonical(vid->valuestring)) {
                        (void)snprintf(v.id, sizeof(v.id), "%s", vid->valuestring);
                        (void)snprintf(it.id, sizeof(it.id), "%s", v.id);
                }
                if (ascii_ieq(dvt->valuestring, "iser"))
                        (void)snprintf(why, sizeof(why),
                                       "driver_volume_type 'iser' (iSCSI over RDMA) is not "
                                       "supported by volattach, skipping");
                else
                        (void)snprintf(why, sizeof(why),
                                       "driver_volume_type %s is not handled by volattach (only "
                                       "iscsi), skipping",
                                       q(dvt->valuestring, qb, sizeof(qb)));
                item_diag(&it, VA_LOG_WARNING, "driver_volume_type", "%s", why);
                r = it.nomem ? -VA_E_NOMEM : volume_set_item(set, where, v.id, ITEM_SKIPPED, why);
                volume_clear(&v);
                return r;
        }
        /* Identity first, so every later message can name the volume. */
        if (cJSON_IsObject(data))
                parse_identity(&it, item, data, &v);
        if (get(&it, item, "", "driver_volume_type", WANT_STRING, 0) == NULL) {
                if (dvt == NULL)
                        item_error(&it, "driver_volume_type", "is required");
                goto out;
        }
        if (data == NULL) {
                if (cJSON_GetObjectItemCaseSensitive(item, "target_portal") != NULL ||
                    cJSON_GetObjectItemCaseSensitive(item, "target_iqn") != NULL)
                        item_error(&it, "data",
                                   "'data' object missing; the flattened attachment form "
                                   "(target keys beside driver_volume_type) is not accepted");
                else
                        item_error(&it, "data", "is required");
                goto out;
        }
        if (!cJSON_IsObject(data)) {
                item_error(&it, "data", "must be an object, not %s", json_type_name(data));
                goto out;
        }

        conn = get(&it, item, "", "connector", WANT_OBJECT, 1);
        if (conn != NULL) {
                const cJSON *ini = get(&it, conn, "connector", "initiator", WANT_STRING, 1);
                const cJSON *mp = get(&it, conn, "connector", "multipath", WANT_BOOL, 1);
                const cJSON *em = get(&it, conn, "connector", "enforce_multipath", WANT_BOOL, 1);

                if (ini != NULL)
                        (void)iqn_value(&it, "connector.initiator", ini->valuestring, v.initiator);
                if (mp != NULL)
                        multipath = cJSON_IsTrue(mp);
                if (em != NULL && cJSON_IsTrue(em))
                        v.enforce_multipath = 1;
        }

        parse_targets(&it, data, multipath, &v);
        parse_auth(&it, data, &v);
        parse_behaviour(&it, data, &v);

        if (!it.rejected && v.initiator[0] == '\0')
                item_diag(&it, VA_LOG_WARNING, "connector.initiator",
                          "not given; the host's existing initiator name is used unchanged");
out:
        if (it.nomem) {
                volume_clear(&v);
                free(it.first_error);
                return -VA_E_NOMEM;
        }
        if (it.rejected) {
                r = volume_set_item(set, where, v.id, ITEM_REJECTED, it.first_error);
                volume_clear(&v);
        } else {
                v.index = set->nitems;
                r = volume_set_item(set, where, v.id, ITEM_OK, NULL);
                if (r == 0)
                        r = volume_set_add(set, &v);
                else
                        volume_clear(&v);
        }
        free(it.first_error);
        return r;
}

static int
parse_list(struct volume_set *set, const char *docname, const char *listname, const cJSON *list,
           struct va_err *err)
{
        const cJSON *item;
        size_t i = 0;
        int n = cJSON_GetArraySize(list);

        if (n > VOLUME_MAX)
                return va_err_set(err, VA_E_TOOBIG, "%s: %s has %d items, more than %d", docname,
                                  listname, n, VOLUME_MAX);
        /* the bound is per run: meta_data, vendor_data and vendor_data2
         * together (each document alone is bounded above) */
        if (set->nitems + (size_t)n > VOLUME_MAX)
                return va_err_set(err, VA_E_TOOBIG,
                                  "%s: %s has %d items, which with the %zu before it make more "
                                  "than %d in one run",
                                  docname, listname, n, set->nitems, VOLUME_MAX);
        if (volume_set_list(set, docname, listname) < 0)
                return va_err_set(err, VA_E_NOMEM, "%s: out of memory", docname);
        cJSON_ArrayForEach (item, list) {
                char where[SOURCE_NAME_MAX];
                int r;

                (void)snprintf(where, sizeof(where), "%s: %s[%zu]", docname, listname, i++);
                r = parse_item(set, where, item);
                if (r < 0)
                        return va_err_set(err, -r, "%s: out of memory", docname);
        }
        return 0;
}

static int
name_cmp(const void *a, const void *b)
{
        const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;

        return strcmp(x->string, y->string);
}

/* JSON leaves duplicate keys undefined (RFC 8259 4); a document that has them
 * could mean two things, so it is refused. Sorting keeps this O(n log n). */
static int
check_duplicates(const cJSON *j, const char *docname, struct va_err *err)
{
        const cJSON *c;
        int n = 0, r = 0;

        if (!cJSON_IsObject(j) && !cJSON_IsArray(j))
                return 0;
        for (c = j->child; c != NULL; c = c->next) {
                n++;
                r = check_duplicates(c, docname, err);
                if (r < 0)
                        return r;
        }
        if (cJSON_IsObject(j) && n > 1) {
                const cJSON **v = malloc((size_t)n * sizeof(*v));
                int i = 0;

                if (v == NULL)
                        return va_err_set(err, VA_E_NOMEM, "%s: out of memory", docname);
                for (c = j->child; c != NULL; c = c->next)
                        v[i++] = c;
                qsort(v, (size_t)n, sizeof(*v), name_cmp);
                for (i = 1; i < n; i++) {
                        if (strcmp(v[i - 1]->string, v[i]->string) == 0) {
                                char qb[128];

                                r = va_err_set(err, VA_E_PARSE,
                                               "%s: duplicate key %s in one object (JSON leaves "
                                               "its meaning undefined)",
                                               docname, q(v[i]->string, qb, sizeof(qb)));
                                break;
                        }
                }
                free(v);
        }
        return r;
}

/* Secrets were copied into the model; the tree's copies are wiped before it
 * is freed, since cJSON_Delete does not clear memory. */
static void
wipe_strings(cJSON *j)
{
        cJSON *c;

        for (c = j; c != NULL; c = c->next) {
                if (c->valuestring != NULL)
                        va_secure_zero(c->valuestring, strlen(c->valuestring));
                if (c->child != NULL)
                        wipe_strings(c->child);
        }
}

static int
volumes_key(struct volume_set *set, const char *docname, const char *prefix, const cJSON *obj,
            int absent_is_notice, struct va_err *err)
{
        const cJSON *vols = cJSON_GetObjectItemCaseSensitive(obj, "volumes");
        char listname[96];

        (void)snprintf(listname, sizeof(listname), "%svolumes", prefix);
        if (vols == NULL) {
                if (absent_is_notice)
                        (void)diag_add_at(&set->diags, VA_LOG_NOTICE, "no_volumes", docname, NULL,
                                          listname, "%s: no volumes in metadata", docname);
                return 0;
        }
        if (cJSON_IsNull(vols)) {
                (void)diag_add_at(&set->diags, VA_LOG_WARNING, "volumes_null", docname, NULL,
                                  listname, "%s: %s is null; treated as absent (no volumes)",
                                  docname, listname);
                return 0;
        }
        if (!cJSON_IsArray(vols))
                return va_err_set(err, VA_E_INVAL, "%s: %s must be an array, not %s", docname,
                                  listname, json_type_name(vols));
        return parse_list(set, docname, listname, vols, err);
}

/* Number tokens whose double may print otherwise than the document wrote
 * them (longer than a LUN's 5 digits, or with an exponent), by their place
 * among all numbers of the document, so that a message shows the text. */
struct raw_numbers {
        const char *buf;
        size_t count; /* numbers seen so far */
        struct {
                size_t ordinal, off, n;
        } v[RAW_NUMBERS_MAX];
        size_t nv;
};

static void
raw_number_seen(size_t off, size_t n, void *ctx)
{
        struct raw_numbers *rn = ctx;

        if ((n > 5 || memchr(rn->buf + off, 'e', n) != NULL ||
             memchr(rn->buf + off, 'E', n) != NULL) &&
            rn->nv < RAW_NUMBERS_MAX) {
                rn->v[rn->nv].ordinal = rn->count;
                rn->v[rn->nv].off = off;
                rn->v[rn->nv].n = n;
                rn->nv++;
        }
        rn->count++;
}

/* cJSON's tree lists values in document order, as the scan saw them: the
 * k-th number node is the k-th token. Its text goes in valuestring, which
 * cJSON leaves NULL for numbers and frees with the node. */
static void
raw_numbers_attach(cJSON *j, const char *buf, const struct raw_numbers *rn, size_t *k, size_t *next)
{
        for (; j != NULL && *next < rn->nv; j = j->next) {
                if (cJSON_IsNumber(j)) {
                        if (rn->v[*next].ordinal == *k) {
                                /* an allocation failure only loses the text */
                                j->valuestring = malloc(rn->v[*next].n + 1);
                                if (j->valuestring != NULL) {
                                        memcpy(j->valuestring, buf + rn->v[*next].off,
                                               rn->v[*next].n);
                                        j->valuestring[rn->v[*next].n] = '\0';
                                }
                                (*next)++;
                        }
                        (*k)++;
                }
                if (j->child != NULL)
                        raw_numbers_attach(j->child, buf, rn, k, next);
        }
}

int
meta_parse(const char *docname, const char *buf, size_t len, enum meta_doc_kind kind,
           struct volume_set *set, struct va_err *err)
{
        struct raw_numbers *rn = NULL;
        const char *end = NULL;
        cJSON *root = NULL;
        size_t n0 = set->n, items0 = set->nitems, lists0 = set->nlists;
        int r;

        if (len > META_DOC_MAX)
                return va_err_set(err, VA_E_TOOBIG, "%s: document is %zu bytes, more than %d",
                                  docname, len, META_DOC_MAX);
        rn = calloc(1, sizeof(*rn));
        if (rn == NULL)
                return va_err_set(err, VA_E_NOMEM, "%s: out of memory", docname);
        rn->buf = buf;
        r = jsoncheck_numbers(buf, len, err, raw_number_seen, rn);
        if (r < 0) {
                free(rn);
                va_err_prefix(err, "%s: not valid JSON", docname);
                return r;
        }
        root = cJSON_ParseWithLengthOpts(buf, len, &end, 0);
        if (root != NULL) {
                size_t k = 0, next = 0;

                raw_numbers_attach(root, buf, rn, &k, &next);
        }
        free(rn);
        if (root == NULL) {
                unsigned long line, col;
                size_t off = end != NULL && end >= buf ? (size_t)(end - buf) : 0;

                json_position(buf, len, off, &line, &col);
                if (off >= len)
                        return va_err_set(err, VA_E_PARSE,
                                          "%s: not valid JSON: document ends early at line %lu "
                                          "column %lu (byte %zu): truncated?",
                                          docname, line, col, off);
                return va_err_set(err, VA_E_PARSE,
                                  "%s: not valid JSON: syntax error at line %lu column %lu (byte "
                                  "%zu)",
                                  docname, line, col, off);
        }
        /* cJSON stops after the first value; anything but whitespace after it
         * is a second value or garbage. */
        while (end != NULL && (size_t)(end - buf) < len &&
               (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n'))
                end++;
        if (end != NULL && (size_t)(end - buf) < len) {
                unsigned long line, col;

                json_position(buf, len, (size_t)(end - buf), &line, &col);
                r = va_err_set(err, VA_E_PARSE,
                               "%s: not valid JSON: unexpected data after the document at line "
                               "%lu column %lu",
                               docname, line, col);
                goto out;
        }
        r = check_duplicates(root, docname, err);
        if (r < 0)
                goto out;

        switch (kind) {
        case META_DOC_META_DATA:
                if (cJSON_IsArray(root)) {
                        r = parse_list(set, docname, "", root, err);
                } else if (!cJSON_IsObject(root)) {
                        r = va_err_set(err, VA_E_INVAL,
                                       "%s: the document must be a JSON object, not %s", docname,
                                       json_type_name(root));
                } else if (cJSON_GetObjectItemCaseSensitive(root, "driver_volume_type") != NULL) {
                        /* bare Cinder connection_info, one volume */
                        char where[SOURCE_NAME_MAX];

                        (void)snprintf(where, sizeof(where), "%s: connection_info", docname);
                        r = volume_set_list(set, docname, "connection_info");
                        if (r == 0)
                                r = parse_item(set, where, root);
                        if (r < 0)
                                r = va_err_set(err, -r, "%s: out of memory", docname);
                } else if (cJSON_IsObject(
                               cJSON_GetObjectItemCaseSensitive(root, "connection_info"))) {
                        /* Cinder's os-initialize_connection response */
                        char where[SOURCE_NAME_MAX];

                        (void)snprintf(where, sizeof(where), "%s: connection_info", docname);
                        r = volume_set_list(set, docname, "connection_info");
                        if (r == 0)
                                r = parse_item(
                                    set, where,
                                    cJSON_GetObjectItemCaseSensitive(root, "connection_info"));
                        if (r < 0)
                                r = va_err_set(err, -r, "%s: out of memory", docname);
                } else {
                        r = volumes_key(set, docname, "", root, 1, err);
                }
                break;
        case META_DOC_VENDOR_DATA:
                if (!cJSON_IsObject(root)) {
                        r = 0; /* vendor data may be anything; only an object can carry volumes */
                        break;
                }
                r = volumes_key(set, docname, "", root, 0, err);
                break;
        case META_DOC_VENDOR_DATA2: {
                const cJSON *prov;

                if (!cJSON_IsObject(root)) {
                        r = 0;
                        break;
                }
                cJSON_ArrayForEach (prov, root) {
                        char prefix[80], qb[64];

                        if (!cJSON_IsObject(prov))
                                continue;
                        (void)snprintf(prefix, sizeof(prefix), "%s.",
                                       va_log_quote(prov->string, qb, 48));
                        r = volumes_key(set, docname, prefix, prov, 0, err);
                        if (r < 0)
                                break;
                }
                break;
        }
        }
out:
        /* a document-level failure adds nothing, even after a partial walk */
        if (r < 0) {
                volume_set_truncate(set, n0, items0);
                set->nlists = lists0;
        }
        wipe_strings(root);
        cJSON_Delete(root);
        return r;
}
