/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by plan and attach: fetch, validate, report the diagnostics. */
#include "cli/cli.h"

#include <stdio.h>
#include <string.h>

#include "base/log.h"
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

int
cli_load(const struct cli *c, struct meta_docs *docs, struct volume_set *set)
{
        struct va_err err;
        unsigned bad_docs = 0;
        size_t i;
        int r;

        va_err_clear(&err);
        memset(docs, 0, sizeof(*docs));
        /* a --metadata or --metadata-url too long to use is the caller's
         * mistake, told before anything is read */
        if (meta_source_check(&c->meta, &err) < 0) {
                va_log(VA_LOG_ERR, "%s", err.msg);
                return EXIT_USAGE;
        }
        r = meta_fetch(&c->meta, docs, &err);
        if (r < 0) {
                va_log(VA_LOG_ERR, "cannot read metadata: %s", err.msg);
                /* a document over the 1 MiB bound is unusable metadata (3),
                 * like one that is not JSON, wherever it came from */
                return r == -VA_E_TOOBIG ? EXIT_BADMETA : EXIT_ENV;
        }
        va_log(VA_LOG_INFO, "metadata from %s", docs->origin);
        if (docs->none) {
                va_log(VA_LOG_NOTICE,
                       "%s: the metadata service has no metadata for this "
                       "instance (404); nothing to do",
                       docs->origin);
                return EXIT_OK;
        }
        r = meta_load(docs, set, &bad_docs, &err);
        for (i = 0; i < set->diags.n; i++)
                va_log(set->diags.v[i].level, "%s", set->diags.v[i].msg);
        if (r < 0) {
                va_log(VA_LOG_ERR, "%s", err.msg);
                volume_set_free(set);
                return r == -VA_E_NOMEM ? EXIT_ENV : EXIT_BADMETA;
        }
        if (bad_docs > 0 || volume_set_count(set, ITEM_REJECTED) > 0)
                return EXIT_PARTIAL;
        return EXIT_OK;
}

int
cli_host_command(const struct cli *c, const struct initiator_ops **ret)
{
        *ret = initiator_backend(c->backend);
        if (c->nargs > 0) {
                fprintf(stderr, "volattach: %s takes no arguments\n", c->entry->name);
                return EXIT_USAGE;
        }
        if (*ret == NULL) {
                fprintf(stderr, "volattach: unknown backend '%s'\n", c->backend);
                return EXIT_USAGE;
        }
        if (!plat_is_privileged()) {
                va_log(VA_LOG_ERR, "%s needs root (Administrator on Windows)", c->entry->name);
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
                va_log(VA_LOG_ERR, "%s", err.msg);
                return EXIT_ENV;
        }
        code = fn(c, ops, state_dir);
        plat_lock_release(lock);
        return code;
}
