/* SPDX-License-Identifier: Apache-2.0 */
/* volattach: attach iSCSI volumes named in instance metadata. This file
 * sets up logging from the parsed command line and runs the command. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "cli/cli.h"
#include "cli/doc.h"
#include "platform/platform.h"

/* Under systemd, stderr goes to the journal, which reads a "<N>" prefix as
 * the line's priority (sd-daemon(3)). */
static void
journal_sink(int level, const char *msg, void *ctx)
{
        (void)ctx;
        fprintf(stderr, "<%d>%s: %s\n", level, va_log_level_name(level), msg);
}

/* On Windows this file is the only file log a service run leaves, and it
 * is appended to run after run: each line says when (RFC 3339, UTC). */
static void
file_sink(int level, const char *msg, void *ctx)
{
        FILE *f = ctx;
        char when[PLAT_RFC3339_LEN];

        plat_rfc3339_now(when);
        fprintf(f, "%s %s: %s\n", when, va_log_level_name(level), msg);
        (void)fflush(f);
}

/* Every exit under --json prints a document: the command's own, or this
 * one with what went wrong before it could make one. */
static int
finish(struct cli *c, int code)
{
        if (c->json && !c->doc_printed)
                (void)cli_emit(c, doc_new(c->command), code, NULL);
        doc_errors_reset();
        cli_free(c);
        return code;
}

int
main(int argc, char **argv)
{
        struct cli c;
        int r;

        if (plat_utf8_args(&argc, &argv) < 0) {
                fprintf(stderr, "volattach: the command line is not valid Unicode\n");
                return EXIT_USAGE;
        }
        plat_harden();

        r = cli_parse(argc, argv, &c);
        if (r < 0) {
                cli_free(&c);
                return EXIT_OK;
        }
        if (r != EXIT_OK)
                return finish(&c, r);
        va_log_set_level(c.log_level);
        if (getenv("JOURNAL_STREAM") != NULL)
                va_log_set_sink(journal_sink, NULL);
        if (c.use_syslog) {
                plat_syslog_open("volattach");
                va_log_add_tee(plat_syslog_sink, NULL);
        }
        if (c.log_file != NULL) {
                /* "e": O_CLOEXEC, so no helper inherits the log */
                FILE *f = fopen(c.log_file, "ae");

                if (f == NULL) {
                        const char *why = strerror(errno);

                        fprintf(stderr, "volattach: cannot open log file '%s': %s\n", c.log_file,
                                why);
                        doc_error_quiet(VA_LOG_ERR, "log_file_unusable", c.log_file, NULL, NULL,
                                        "cannot open log file '%s': %s", c.log_file, why);
                        return finish(&c, EXIT_ENV);
                }
                va_log_add_tee(file_sink, f);
        }
        r = c.entry->exec(&c);
        return finish(&c, r);
}
