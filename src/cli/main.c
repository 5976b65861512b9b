/* volattach: attach iSCSI volumes named in instance metadata. This file
 * parses the command line and hands over to one command. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "base/log.h"
#include "platform/platform.h"

static const char usage_text[] =
    "Usage: volattach [OPTIONS] COMMAND [ARGS]\n"
    "\n"
    "Attach the iSCSI volumes listed in OpenStack instance metadata, through the\n"
    "operating system's own initiator (open-iscsi on Linux, the Microsoft iSCSI\n"
    "initiator on Windows).\n"
    "\n"
    "Commands:\n"
    "  plan                 print what attach would do; changes nothing\n"
    "  attach               log in to every volume and report its block device\n"
    "  detach ID... | --all flush, remove the devices and log out\n"
    "  status               what volattach has attached, with sessions and devices\n"
    "  service install|uninstall|run   (Windows) the boot-time service\n"
    "\n"
    "Options:\n"
    "  --metadata SRC       auto (default: config drive, then the metadata service),\n"
    "                       a meta_data.json file, a config-drive directory,\n"
    "                       configdrive[:DEVICE], or an http:// URL\n"
    "  --metadata-url URL   the service auto falls back to (default\n"
    "                       " META_SERVICE_URL ")\n"
    "  --http-timeout S     per metadata request (default 10)\n"
    "  --http-attempts N    metadata requests in all, with backoff (default 5)\n"
    "  --json               machine-readable output on stdout\n"
    "  --jobs N             parallel logins (default 16)\n"
    "  --timeout S          wait for each block device at most S seconds (default 30)\n"
    "  --deadline S         keep retrying an unreachable target for S seconds\n"
    "                       (default 60)\n"
    "  --enforce-multipath  fail a multipath volume instead of falling back to one path\n"
    "  --all                detach: every volume volattach attached\n"
    "  --force              detach: even a mounted or open device\n"
    "  --log-level LEVEL    error, warning, notice (default), info, debug\n"
    "  -v, --verbose        --log-level info; twice: debug\n"
    "  -q, --quiet          --log-level error\n"
    "  --syslog             also log to the system log (the Event Log on Windows)\n"
    "  --help, --version\n"
    "\n"
    "Exit status:\n"
    "  0  everything asked for was done, or there was nothing to do\n"
    "  1  some volumes failed or were rejected; the others were attached\n"
    "  2  usage error\n"
    "  3  the metadata is unusable as a whole (not JSON, too big, duplicate keys,\n"
    "     volumes not a list): nothing was attempted\n"
    "  4  environment error: no metadata source, not privileged, no initiator\n"
    "\n"
    "CHAP secrets are never printed, logged, or passed on a command line.\n";

static int
parse_uint(const char *opt, const char *s, unsigned min, unsigned max, unsigned *out)
{
        unsigned long v = 0;
        size_t i;

        if (s == NULL || s[0] == '\0' || strlen(s) > 9)
                goto bad;
        for (i = 0; s[i] != '\0'; i++) {
                if (s[i] < '0' || s[i] > '9')
                        goto bad;
                v = v * 10 + (unsigned long)(s[i] - '0');
        }
        if (v < min || v > max)
                goto bad;
        *out = (unsigned)v;
        return 0;
bad:
        fprintf(stderr, "volattach: %s needs a number %u..%u\n", opt, min, max);
        return -1;
}

/* Under systemd, stderr goes to the journal, which reads a "<N>" prefix as
 * the line's priority (sd-daemon(3)). */
static void
journal_sink(int level, const char *msg, void *ctx)
{
        (void)ctx;
        fprintf(stderr, "<%d>%s: %s\n", level, va_log_level_name(level), msg);
}

static void
file_sink(int level, const char *msg, void *ctx)
{
        FILE *f = ctx;

        fprintf(f, "%s: %s\n", va_log_level_name(level), msg);
        (void)fflush(f);
}

int
main(int argc, char **argv)
{
        struct cli c;
        int i, verbose = 0, r, log_level = -1;
        unsigned u;

        if (plat_utf8_args(&argc, &argv) < 0) {
                fprintf(stderr, "volattach: the command line is not valid Unicode\n");
                return EXIT_USAGE;
        }
        memset(&c, 0, sizeof(c));
        c.meta.spec = "auto";
        c.meta.service_url = META_SERVICE_URL;
        c.meta.http = (struct meta_http_policy)META_HTTP_POLICY_DEFAULT;
        c.jobs = 16;
        c.device_timeout_s = 30;
        c.login_deadline_s = 60;
        c.args = calloc((size_t)argc + 1, sizeof(*c.args));
        if (c.args == NULL)
                return EXIT_ENV;

        plat_harden();

        for (i = 1; i < argc; i++) {
                const char *a = argv[i];
                const char *val = NULL;
                char name[64];
                const char *eq = strchr(a, '=');

                if (strncmp(a, "--", 2) == 0 && eq != NULL && (size_t)(eq - a) < sizeof(name)) {
                        memcpy(name, a, (size_t)(eq - a));
                        name[eq - a] = '\0';
                        val = eq + 1;
                        a = name;
                }
#define NEEDARG()                                                                    \
        do {                                                                         \
                if (val == NULL) {                                                   \
                        if (i + 1 >= argc) {                                         \
                                fprintf(stderr, "volattach: %s needs a value\n", a); \
                                goto usage;                                          \
                        }                                                            \
                        val = argv[++i];                                             \
                }                                                                    \
        } while (0)
                if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
                        fputs(usage_text, stdout);
                        free(c.args);
                        return EXIT_OK;
                } else if (strcmp(a, "--version") == 0) {
                        printf("volattach %s\n", VOLATTACH_VERSION);
                        free(c.args);
                        return EXIT_OK;
                } else if (strcmp(a, "--metadata") == 0) {
                        NEEDARG();
                        c.meta.spec = val;
                } else if (strcmp(a, "--metadata-url") == 0) {
                        NEEDARG();
                        c.meta.service_url = val;
                } else if (strcmp(a, "--http-timeout") == 0) {
                        NEEDARG();
                        if (parse_uint(a, val, 1, 300, &u) < 0)
                                goto usage;
                        c.meta.http.timeout_ms = u * 1000;
                } else if (strcmp(a, "--http-timeout-ms") == 0) {
                        NEEDARG();
                        if (parse_uint(a, val, 1, 300000, &u) < 0)
                                goto usage;
                        c.meta.http.timeout_ms = u;
                } else if (strcmp(a, "--http-attempts") == 0) {
                        NEEDARG();
                        if (parse_uint(a, val, 1, 20, &u) < 0)
                                goto usage;
                        c.meta.http.attempts = u;
                } else if (strcmp(a, "--http-backoff-ms") == 0) {
                        NEEDARG();
                        if (parse_uint(a, val, 0, 60000, &u) < 0)
                                goto usage;
                        c.meta.http.backoff_ms = u;
                        if (c.meta.http.backoff_max_ms < u)
                                c.meta.http.backoff_max_ms = u;
                } else if (strcmp(a, "--json") == 0) {
                        c.json = 1;
                } else if (strcmp(a, "--jobs") == 0) {
                        NEEDARG();
                        if (parse_uint(a, val, 1, 256, &c.jobs) < 0)
                                goto usage;
                } else if (strcmp(a, "--timeout") == 0) {
                        NEEDARG();
                        if (parse_uint(a, val, 1, 3600, &c.device_timeout_s) < 0)
                                goto usage;
                } else if (strcmp(a, "--deadline") == 0) {
                        NEEDARG();
                        if (parse_uint(a, val, 0, 3600, &c.login_deadline_s) < 0)
                                goto usage;
                } else if (strcmp(a, "--enforce-multipath") == 0) {
                        c.enforce_multipath = 1;
                } else if (strcmp(a, "--all") == 0) {
                        c.all = 1;
                } else if (strcmp(a, "--force") == 0) {
                        c.force = 1;
                } else if (strcmp(a, "--backend") == 0) {
                        NEEDARG();
                        c.backend = val;
                } else if (strcmp(a, "--state-dir") == 0) {
                        NEEDARG();
                        c.state_dir = val;
                } else if (strcmp(a, "--log-level") == 0) {
                        NEEDARG();
                        log_level = va_log_level_parse(val);
                        if (log_level < 0) {
                                fprintf(stderr, "volattach: unknown log level '%s'\n", val);
                                goto usage;
                        }
                } else if (strcmp(a, "--log-file") == 0) {
                        NEEDARG();
                        c.log_file = val;
                } else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
                        verbose++;
                } else if (strcmp(a, "-vv") == 0) {
                        verbose += 2;
                } else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
                        verbose = -1;
                } else if (strcmp(a, "--syslog") == 0) {
                        c.use_syslog = 1;
                } else if (a[0] == '-' && a[1] != '\0') {
                        fprintf(stderr, "volattach: unknown option '%s'\n", a);
                        goto usage;
                } else if (c.command == NULL) {
                        c.command = a;
                } else {
                        c.args[c.nargs++] = argv[i];
                }
#undef NEEDARG
        }

        if (log_level < 0)
                log_level = verbose < 0    ? VA_LOG_ERR
                            : verbose == 0 ? VA_LOG_NOTICE
                            : verbose == 1 ? VA_LOG_INFO
                                           : VA_LOG_DEBUG;
        va_log_set_level(log_level);
        if (getenv("JOURNAL_STREAM") != NULL)
                va_log_set_sink(journal_sink, NULL);
        if (c.use_syslog) {
                plat_syslog_open("volattach");
                va_log_add_tee(plat_syslog_sink, NULL);
        }
        if (c.log_file != NULL) {
                FILE *f = fopen(c.log_file, "a");

                if (f == NULL) {
                        fprintf(stderr, "volattach: cannot open log file '%s': %s\n", c.log_file,
                                strerror(errno));
                        free(c.args);
                        return EXIT_ENV;
                }
                va_log_add_tee(file_sink, f);
        }

        if (c.command == NULL) {
                fprintf(stderr, "volattach: no command given\n");
                goto usage;
        }
        if (strcmp(c.command, "plan") == 0)
                r = cmd_plan(&c);
        else if (strcmp(c.command, "attach") == 0)
                r = cmd_attach(&c);
        else if (strcmp(c.command, "detach") == 0)
                r = cmd_detach(&c);
        else if (strcmp(c.command, "status") == 0)
                r = cmd_status(&c);
        else if (strcmp(c.command, "service") == 0)
                r = cmd_service(&c);
        else if (strcmp(c.command, "help") == 0) {
                fputs(usage_text, stdout);
                r = EXIT_OK;
        } else if (strcmp(c.command, "version") == 0) {
                printf("volattach %s\n", VOLATTACH_VERSION);
                r = EXIT_OK;
        } else {
                fprintf(stderr, "volattach: unknown command '%s'\n", c.command);
                goto usage;
        }
        free(c.args);
        return r;
usage:
        fprintf(stderr, "Try 'volattach --help'.\n");
        free(c.args);
        return EXIT_USAGE;
}
