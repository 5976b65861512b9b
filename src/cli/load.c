/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by plan and attach: fetch, validate, report the diagnostics. */
#include "cli/cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/log.h"
#include "cli/doc.h"
#include "cli/report.h"
#include "platform/platform.h"

int
cli_exit_worst(int a, int b)
{
        /* ENV and BADMETA mean nothing could be attempted; they outrank a
         * partial failure. */
        static const int rank[] = { [EXIT_OK] = 0,
                                    [EXIT_PARTIAL] = 1,
                                    [EXIT_USAGE] = 4,
                                    [EXIT_BADMETA] = 2,
                                    [EXIT_ENV] = 3 };

        if (a < 0 || a > EXIT_ENV)
                return b;
        if (b < 0 || b > EXIT_ENV)
                return a;
        return rank[a] >= rank[b] ? a : b;
}

/* The machine code for a failure to read the metadata at all. */
static const char *
fetch_code(int r)
{
        switch (-r) {
        case VA_E_TOOBIG:
                return "metadata_too_big";
        case VA_E_PARSE:
        case VA_E_INVAL:
                return "metadata_invalid";
        case VA_E_NOMEM:
                return "out_of_memory";
        default:
                return "metadata_unreachable";
        }
}

/* A 404 from a URL the operator named is a typo or a wrong path, said at
 * every boot; only the default service's 404 means "no metadata". */
static int
url_explicit(const struct cli *c)
{
        return c->meta_url_given || strncmp(c->meta.spec, "http://", 7) == 0 ||
               strncmp(c->meta.spec, "https://", 8) == 0;
}

int
cli_load(const struct cli *c, struct meta_docs *docs, struct volume_set *set)
{
        struct va_err err;
        unsigned bad_docs = 0;
        int r;

        va_err_clear(&err);
        memset(docs, 0, sizeof(*docs));
        /* a --metadata or --metadata-url too long to use is the caller's
         * mistake, told before anything is read */
        if (meta_source_check(&c->meta, &err) < 0) {
                doc_error(VA_LOG_ERR, "usage", NULL, NULL, NULL, "%s", err.msg);
                return EXIT_USAGE;
        }
        r = meta_fetch(&c->meta, docs, &err);
        if (r < 0) {
                doc_error(VA_LOG_ERR, fetch_code(r), docs->origin[0] ? docs->origin : NULL, NULL,
                          NULL, "cannot read metadata: %s", err.msg);
                /* a document over the 1 MiB bound is unusable metadata (3),
                 * like one that is not JSON, wherever it came from */
                return r == -VA_E_TOOBIG ? EXIT_BADMETA : EXIT_ENV;
        }
        va_log(VA_LOG_INFO, "metadata from %s", docs->origin);
        if (docs->none) {
                if (url_explicit(c)) {
                        doc_error(VA_LOG_ERR, "metadata_not_found", docs->origin, NULL, NULL,
                                  "%s: the metadata service answered 404 (not found) for the "
                                  "URL given; is it right?",
                                  docs->origin);
                        return EXIT_ENV;
                }
                va_log(VA_LOG_NOTICE,
                       "%s: the metadata service has no metadata for this "
                       "instance (404); nothing to do",
                       docs->origin);
                return EXIT_OK;
        }
        r = meta_load(docs, set, &bad_docs, &err);
        doc_diags(&set->diags, -1);
        if (r < 0) {
                doc_error(VA_LOG_ERR, r == -VA_E_NOMEM ? "out_of_memory" : "metadata_invalid",
                          docs->origin, NULL, NULL, "%s", err.msg);
                volume_set_free(set);
                return r == -VA_E_NOMEM ? EXIT_ENV : EXIT_BADMETA;
        }
        if (bad_docs > 0 || volume_set_count(set, ITEM_REJECTED) > 0)
                return EXIT_PARTIAL;
        return EXIT_OK;
}

cJSON *
cli_metadata_json(const struct meta_docs *docs, int load_code)
{
        cJSON *o = cJSON_CreateObject();

        if (o == NULL)
                return NULL;
        if (docs->origin[0])
                (void)cJSON_AddStringToObject(o, "origin", docs->origin);
        else
                (void)cJSON_AddNullToObject(o, "origin");
        (void)cJSON_AddStringToObject(o, "state",
                                      load_code == EXIT_USAGE     ? "not_read"
                                      : load_code == EXIT_ENV     ? "unreachable"
                                      : load_code == EXIT_BADMETA ? "invalid"
                                      : docs->none                ? "none"
                                                                  : "read");
        return o;
}

int
cli_usage(const char *fmt, ...)
{
        char buf[512];
        va_list ap;

        va_start(ap, fmt);
        (void)vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        fprintf(stderr, "volattach: %s\n", buf);
        doc_error_quiet(VA_LOG_ERR, "usage", NULL, NULL, NULL, "%s", buf);
        return EXIT_USAGE;
}

int
cli_emit(struct cli *c, cJSON *root, int code, const char *result_dir)
{
        struct va_err err;

        if (root == NULL) {
                va_log(VA_LOG_ERR, "out of memory");
                return code;
        }
        doc_finish(root, code);
        va_err_clear(&err);
        if (result_dir != NULL && doc_result_write(result_dir, root, &err) < 0) {
                /* said, but not in this document: it is written already */
                va_log(VA_LOG_WARNING, "the result file could not be written: %s", err.msg);
        }
        if (c->json && !c->doc_printed) {
                c->doc_printed = 1;
                (void)report_print_json(root);
        } else {
                cJSON_Delete(root);
        }
        return code;
}

int
cli_host_command(const struct cli *c, const struct initiator_ops **ret)
{
        *ret = initiator_backend(c->backend);
        if (c->nargs > 0)
                return cli_usage("%s takes no arguments", c->entry->name);
        if (*ret == NULL)
                return cli_usage("unknown backend '%s'", c->backend);
        if (!plat_is_privileged()) {
                doc_error(VA_LOG_ERR, "not_privileged", NULL, NULL, NULL,
                          "%s needs root (Administrator on Windows)", c->entry->name);
                return EXIT_ENV;
        }
        return EXIT_OK;
}

void
cli_attach_options(const struct cli *c, struct attach_options *o)
{
        memset(o, 0, sizeof(*o));
        o->jobs = c->jobs;
        o->device_timeout_ms = c->device_timeout_s * 1000u;
        o->login_deadline_ms = c->login_deadline_s * 1000u;
        o->login_attempt_ms = 15000;
        o->enforce_multipath = c->enforce_multipath;
}

int
cli_state_lock(const char *state_dir, unsigned wait_ms, unsigned flags, struct plat_lock **ret,
               struct va_err *err)
{
        char path[1024];
        int n, r;

        *ret = NULL;
        n = snprintf(path, sizeof(path), "%s/lock", state_dir);
        if (n < 0 || (size_t)n >= sizeof(path))
                return va_err_set(err, VA_E_INVAL,
                                  "the state directory path is too long (%zu bytes)",
                                  strlen(state_dir));
        r = plat_mkdir_p(state_dir, 0700, err);
        if (r < 0)
                return r;
        return plat_lock_acquire(path, wait_ms, flags, ret, err);
}

int
cli_run_locked(struct cli *c, const struct initiator_ops *ops, const char *state_dir,
               int (*fn)(struct cli *c, const struct initiator_ops *ops, const char *state_dir))
{
        struct plat_lock *lock = NULL;
        struct va_err err;
        int code;

        va_err_clear(&err);
        if (cli_state_lock(state_dir, CLI_LOCK_WAIT_MS, 0, &lock, &err) < 0) {
                doc_error(VA_LOG_ERR, "lock_failed", state_dir, NULL, NULL, "%s", err.msg);
                return EXIT_ENV;
        }
        code = fn(c, ops, state_dir);
        plat_lock_release(lock);
        return code;
}
