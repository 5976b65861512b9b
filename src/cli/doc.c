/* SPDX-License-Identifier: Apache-2.0 */
/* The top level of every document, the run's errors, the result file. */
#include "cli/doc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/array.h"
#include "base/log.h"
#include "platform/platform.h"

struct doc_err {
        int level;
        const char *code;
        char *text, *source, *key, *volume;
};

/* The CLI's own thread adds errors; engines report through results. */
static struct {
        struct doc_err *v;
        size_t n, cap;
} errs;

static char *
dup_or_null(const char *s)
{
        return s != NULL && s[0] != '\0' ? strdup(s) : NULL;
}

/* Past this many, a hostile document could only make the list grow. */
#define DOC_ERRORS_MAX 4096

static void
record(int level, const char *code, const char *source, const char *key, const char *volume,
       const char *text)
{
        struct doc_err *nv, *e;

        if (errs.n >= DOC_ERRORS_MAX)
                return;
        nv = array_grow(errs.v, &errs.cap, errs.n, sizeof(*nv));
        if (nv == NULL)
                return;
        errs.v = nv;
        e = &errs.v[errs.n];
        e->level = level;
        e->code = code;
        e->text = strdup(text);
        e->source = dup_or_null(source);
        e->key = dup_or_null(key);
        e->volume = dup_or_null(volume);
        if (e->text == NULL) {
                free(e->source);
                free(e->key);
                free(e->volume);
                return;
        }
        errs.n++;
}

/* The Event Log's kind of event (enum va_log_event) for an error's machine
 * code: the code already says what happened, whatever the level. */
static int
doc_event(const char *code)
{
        static const char *const volume[] = { "attach_failed", "attach_degraded", "detach_failed",
                                              "detach_refused", "forget_failed" };
        static const char *const host[] = { "initiator_unavailable", "not_privileged",
                                            "lock_failed",           "host_setup_failed",
                                            "state_unreadable",      "state_unwritable",
                                            "round_skipped" };
        size_t i;

        if (strncmp(code, "metadata_", 9) == 0 || strcmp(code, "round_failed") == 0)
                return VA_EVENT_METADATA;
        for (i = 0; i < sizeof(volume) / sizeof(volume[0]); i++)
                if (strcmp(code, volume[i]) == 0)
                        return VA_EVENT_VOLUME_FAILED;
        for (i = 0; i < sizeof(host) / sizeof(host[0]); i++)
                if (strcmp(code, host[i]) == 0)
                        return VA_EVENT_HOST;
        return VA_EVENT_MESSAGE;
}

void
doc_error(int level, const char *code, const char *source, const char *key, const char *volume,
          const char *fmt, ...)
{
        char buf[VA_ERR_MSG_MAX + 256];
        va_list ap;

        va_start(ap, fmt);
        (void)vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        va_log_event(doc_event(code), level, "%s", buf);
        record(level, code, source, key, volume, buf);
}

void
doc_error_quiet(int level, const char *code, const char *source, const char *key,
                const char *volume, const char *fmt, ...)
{
        char buf[VA_ERR_MSG_MAX + 256];
        va_list ap;

        va_start(ap, fmt);
        (void)vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        record(level, code, source, key, volume, buf);
}

void
doc_diags(const struct diag_list *d, int log_level_override)
{
        size_t i;

        for (i = 0; i < d->n; i++) {
                const struct diag *g = &d->v[i];

                va_log(log_level_override >= 0 ? log_level_override : g->level, "%s", g->msg);
                if (g->level <= VA_LOG_WARNING)
                        record(g->level <= VA_LOG_ERR ? VA_LOG_ERR : VA_LOG_WARNING,
                               g->code != NULL          ? g->code
                               : g->level <= VA_LOG_ERR ? "invalid_item"
                                                        : "item_warning",
                               g->where, g->key, g->id, g->msg);
        }
}

void
doc_errors_reset(void)
{
        size_t i;

        for (i = 0; i < errs.n; i++) {
                free(errs.v[i].text);
                free(errs.v[i].source);
                free(errs.v[i].key);
                free(errs.v[i].volume);
        }
        free(errs.v);
        memset(&errs, 0, sizeof(errs));
}

void
doc_errors_truncate(size_t n)
{
        while (errs.n > n) {
                errs.n--;
                free(errs.v[errs.n].text);
                free(errs.v[errs.n].source);
                free(errs.v[errs.n].key);
                free(errs.v[errs.n].volume);
        }
}

size_t
doc_errors_count(void)
{
        return errs.n;
}

void
doc_volume_add(cJSON *vols, const char *id, const char *status, const char *error)
{
        cJSON *v = cJSON_CreateObject();

        if (v == NULL)
                return;
        (void)cJSON_AddStringToObject(v, "id", id);
        (void)cJSON_AddStringToObject(v, "status", status);
        if (error != NULL)
                (void)cJSON_AddStringToObject(v, "error", error);
        else
                (void)cJSON_AddNullToObject(v, "error");
        (void)cJSON_AddItemToArray(vols, v);
}

cJSON *
doc_new(const char *command)
{
        cJSON *root = cJSON_CreateObject();

        if (root == NULL)
                return NULL;
        (void)cJSON_AddNumberToObject(root, "schema_version", DOC_SCHEMA_VERSION);
        if (command != NULL)
                (void)cJSON_AddStringToObject(root, "command", command);
        else
                (void)cJSON_AddNullToObject(root, "command");
        return root;
}

static void
add_or_null(cJSON *o, const char *key, const char *s)
{
        if (s != NULL)
                (void)cJSON_AddStringToObject(o, key, s);
        else
                (void)cJSON_AddNullToObject(o, key);
}

void
doc_finish(cJSON *root, int exit_status)
{
        cJSON *summary, *a;
        size_t i;

        if (root == NULL)
                return;
        summary = cJSON_GetObjectItemCaseSensitive(root, "summary");
        if (summary == NULL)
                summary = cJSON_AddObjectToObject(root, "summary");
        cJSON_DeleteItemFromObjectCaseSensitive(summary, "exit_status");
        (void)cJSON_AddNumberToObject(summary, "exit_status", exit_status);
        if (cJSON_GetObjectItemCaseSensitive(root, "volumes") == NULL)
                (void)cJSON_AddArrayToObject(root, "volumes");
        cJSON_DeleteItemFromObjectCaseSensitive(root, "errors");
        a = cJSON_AddArrayToObject(root, "errors");
        for (i = 0; a != NULL && i < errs.n; i++) {
                cJSON *e = cJSON_CreateObject();

                if (e == NULL)
                        break;
                (void)cJSON_AddStringToObject(e, "code", errs.v[i].code);
                (void)cJSON_AddStringToObject(e, "level",
                                              errs.v[i].level <= VA_LOG_ERR ? "error" : "warning");
                (void)cJSON_AddStringToObject(e, "text", errs.v[i].text);
                add_or_null(e, "source", errs.v[i].source);
                add_or_null(e, "key", errs.v[i].key);
                add_or_null(e, "volume", errs.v[i].volume);
                (void)cJSON_AddItemToArray(a, e);
        }
}

static int
result_path(const char *state_dir, char *buf, size_t len, struct va_err *err)
{
        int n = snprintf(buf, len, "%s/%s", state_dir, DOC_RESULT_FILE);

        if (n < 0 || (size_t)n >= len)
                return va_err_set(err, VA_E_INVAL,
                                  "the state directory path is too long (%zu bytes)",
                                  strlen(state_dir));
        return 0;
}

int
doc_result_write(const char *state_dir, const cJSON *root, struct va_err *err)
{
        char path[1024], *text;
        int r;

        r = result_path(state_dir, path, sizeof(path), err);
        if (r < 0)
                return r;
        r = plat_mkdir_p(state_dir, 0700, err);
        if (r < 0)
                return r;
        text = cJSON_Print(root);
        if (text == NULL)
                return va_err_set(err, VA_E_NOMEM, "out of memory");
        /* temp + rename, 0600 (a private ACL on Windows): readers see the
         * old document or the new one, never half of one */
        r = plat_write_file_atomic(path, text, strlen(text), 0600, err);
        free(text);
        return r;
}

cJSON *
doc_result_read(const char *state_dir)
{
        char path[1024], *buf = NULL;
        size_t len = 0;
        struct va_err err;
        cJSON *root;

        va_err_clear(&err);
        if (result_path(state_dir, path, sizeof(path), &err) < 0 ||
            plat_read_file(path, DOC_RESULT_MAX, &buf, &len, &err) < 0)
                return NULL;
        root = cJSON_ParseWithLength(buf, len);
        free(buf);
        if (root != NULL && !cJSON_IsObject(root)) {
                cJSON_Delete(root);
                root = NULL;
        }
        return root;
}
