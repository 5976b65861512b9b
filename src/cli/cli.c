/* SPDX-License-Identifier: Apache-2.0 */
/* The command line: every option once, the command table, a parser that
 * checks each option against the command it is given to, and the help
 * texts, all three built from those two tables. */
#include "cli/cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "cli/doc.h"
#include "platform/platform.h"

#ifndef VOLATTACH_VERSION
#error "meson.build passes VOLATTACH_VERSION, its project version"
#endif

enum opt_id {
        OPT_HELP,
        OPT_VERSION,
        OPT_METADATA,
        OPT_METADATA_URL,
        OPT_HTTP_TIMEOUT,
        OPT_HTTP_TIMEOUT_MS,
        OPT_HTTP_ATTEMPTS,
        OPT_HTTP_BACKOFF_MS,
        OPT_METADATA_DEADLINE,
        OPT_JSON,
        OPT_JOBS,
        OPT_TIMEOUT,
        OPT_DEADLINE,
        OPT_ENFORCE_MULTIPATH,
        OPT_ALL,
        OPT_FORCE,
        OPT_STATE_DIR,
        OPT_BACKEND,
        OPT_INTERVAL,
        OPT_ROUNDS,
        OPT_PREPARE,
        OPT_LOG_LEVEL,
        OPT_LOG_FILE,
        OPT_VERBOSE,
        OPT_VERBOSE2,
        OPT_QUIET,
        OPT_SYSLOG,
        OPT_CONFIG,
        OPT_NO_CONFIG,
        OPT_COUNT
};

struct option {
        enum opt_id id;
        const char *name;
        const char *alias;
        const char *arg;  /* the value's name in --help; NULL for a flag */
        unsigned set;     /* the enum cli_opt bit an entry takes it by; 0: global */
        const char *help; /* every option has one: tests/cli/test-docs.py checks
                           * that each is in --help, the man page and the README */
};

/* In the order --help lists them; "\n" continues a help text on the next
 * line, under the first. */
static const struct option options[] = {
        { OPT_METADATA, "--metadata", NULL, "SRC", CLI_OPT_METADATA,
          "auto (default: config drive, then the metadata service),\n"
          "a meta_data.json file, a config-drive directory,\n"
          "configdrive[:DEVICE], or an http:// URL" },
        { OPT_METADATA_URL, "--metadata-url", NULL, "URL", CLI_OPT_METADATA,
          "the service auto falls back to (default\n" META_SERVICE_URL ")" },
        { OPT_HTTP_TIMEOUT, "--http-timeout", NULL, "S", CLI_OPT_METADATA,
          "per metadata request (default 10)" },
        { OPT_HTTP_TIMEOUT_MS, "--http-timeout-ms", NULL, "MS", CLI_OPT_METADATA,
          "--http-timeout in milliseconds" },
        { OPT_HTTP_ATTEMPTS, "--http-attempts", NULL, "N", CLI_OPT_METADATA,
          "metadata requests in all, with backoff (default 5)" },
        { OPT_HTTP_BACKOFF_MS, "--http-backoff-ms", NULL, "MS", CLI_OPT_METADATA,
          "first pause between metadata requests, doubling up\n"
          "to 8 s, with jitter (default 1000)" },
        { OPT_METADATA_DEADLINE, "--metadata-deadline", NULL, "S", CLI_OPT_METADATA,
          "all metadata requests of the run, retries\nincluded, end within S seconds (default "
          "30)" },
        { OPT_JSON, "--json", NULL, NULL, CLI_OPT_JSON, "machine-readable output on stdout" },
        { OPT_JOBS, "--jobs", NULL, "N", CLI_OPT_JOBS, "parallel logins (default 16)" },
        { OPT_TIMEOUT, "--timeout", NULL, "S", CLI_OPT_TIMEOUT,
          "wait for each block device at most S seconds (default 30)" },
        { OPT_DEADLINE, "--deadline", NULL, "S", CLI_OPT_DEADLINE,
          "keep retrying an unreachable target for S seconds\n(default 60)" },
        { OPT_ENFORCE_MULTIPATH, "--enforce-multipath", NULL, NULL, CLI_OPT_ENFORCE_MULTIPATH,
          "fail a multipath volume instead of falling back to one path" },
        { OPT_ALL, "--all", NULL, NULL, CLI_OPT_ALL, "detach every volume volattach attached" },
        { OPT_FORCE, "--force", NULL, NULL, CLI_OPT_FORCE, "detach even a mounted or open device" },
        { OPT_STATE_DIR, "--state-dir", NULL, "DIR", CLI_OPT_STATE_DIR,
          "where volattach keeps a state file per attached volume\n"
          "(default $VOLATTACH_STATE_DIR, else /run/volattach;\n"
          "ProgramData\\volattach on Windows)" },
        { OPT_BACKEND, "--backend", NULL, "NAME", CLI_OPT_BACKEND,
          "the initiator: the OS's own, the only one built in\n"
          "(open-iscsi; iscsidsc on Windows)" },
        { OPT_INTERVAL, "--interval", NULL, "S", CLI_OPT_WATCH,
          "watch: seconds between rounds, +-10% jitter (default 10)" },
        { OPT_ROUNDS, "--rounds", NULL, "N", CLI_OPT_WATCH,
          "watch: stop after N rounds (default: until stopped)" },
        { OPT_PREPARE, "--prepare", NULL, "[ID=]SPEC", CLI_OPT_PREPARE,
          "partition, format and mount a blank volume (repeatable; ID= for one\n"
          "volume, else the default): gpt+ext4,mount=/srv/data, gpt+xfs,...,\n"
          "gpt+ntfs,letter=E or gpt+ntfs,mount=C:\\data; a disk with any data\n"
          "on it is refused and never written" },
        { OPT_LOG_LEVEL, "--log-level", NULL, "LEVEL", 0,
          "error, warning, notice (default), info, debug" },
        { OPT_VERBOSE, "--verbose", "-v", NULL, 0, "--log-level info; twice: debug" },
        { OPT_VERBOSE2, "-vv", NULL, NULL, 0, "--log-level debug" },
        { OPT_QUIET, "--quiet", "-q", NULL, 0, "--log-level error" },
        { OPT_SYSLOG, "--syslog", NULL, NULL, 0,
          "also log to the system log (the Event Log on Windows)" },
        { OPT_LOG_FILE, "--log-file", NULL, "FILE", 0, "also log to FILE (appended to)" },
        { OPT_CONFIG, "--config", NULL, "FILE", 0,
          "read options from FILE (default /etc/volattach/volattach.conf;\n"
          "%ProgramData%\\volattach\\volattach.conf on Windows)" },
        { OPT_NO_CONFIG, "--no-config", NULL, NULL, 0, "read no configuration file" },
        { OPT_HELP, "--help", "-h", NULL, 0, "this text; after a command, that command's" },
        { OPT_VERSION, "--version", NULL, NULL, 0, "the version" },
};

#define NOPTIONS (sizeof(options) / sizeof(options[0]))

static int cmd_help_exec(struct cli *c);

static void config_err(const char *code, const char *file, const char *key, const char *fmt, ...)
    __attribute__((format(VA_PRINTF_FORMAT, 4, 5)));

/* A configuration file's mistake: as a usage error, with the file and key
 * for the document. */
static void
config_err(const char *code, const char *file, const char *key, const char *fmt, ...)
{
        char buf[768];
        va_list ap;

        va_start(ap, fmt);
        (void)vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        fprintf(stderr, "volattach: %s\n", buf);
        doc_error_quiet(VA_LOG_ERR, code, file, key, NULL, "%s", buf);
}
static int cmd_version_exec(struct cli *c);

static const struct cli_entry cmd_help_entry = {
        .name = "help",
        .usage = "[COMMAND]",
        .summary = "this text, or one command's options",
        .options = 0,
        .exec = cmd_help_exec,
};

static const struct cli_entry cmd_version_entry = {
        .name = "version",
        .usage = "",
        .summary = NULL, /* --version says it */
        .options = 0,
        .exec = cmd_version_exec,
};

static const struct cli_entry *const cmd_table[] = {
        &cmd_plan_entry,
        &cmd_check_entry,
        &cmd_attach_entry,
        &cmd_detach_entry,
        &cmd_status_entry,
        &cmd_service_entry,
        &cmd_watch_entry,
        &cmd_uninstall_state_entry,
        &cmd_help_entry,
        &cmd_version_entry,
        NULL,
};

static const char intro_text[] =
    "Attach the iSCSI volumes listed in OpenStack instance metadata, through the\n"
    "operating system's own initiator (open-iscsi on Linux, the Microsoft iSCSI\n"
    "initiator on Windows).\n";

static const char exit_text[] =
    "Exit status:\n"
    "  0  everything asked for was done, or there was nothing to do (detach: the\n"
    "     volume was already gone); status: every wanted volume attached\n"
    "  1  some volumes failed or were rejected; the others were attached\n"
    "     (check: some check failed; status: a volume degraded, missing, failed,\n"
    "     or attached but no longer wanted)\n"
    "  2  usage error, or a configuration file line that is wrong\n"
    "  3  the metadata is unusable as a whole (not JSON, too big, duplicate keys,\n"
    "     volumes not a list): nothing was attempted\n"
    "  4  environment error: no metadata source (or a 404 from a URL given), not\n"
    "     privileged, no initiator, a configuration file others may write\n"
    "\n"
    "--json prints one document of the contract in docs/json.md, failures included.\n"
    "\n"
    "CHAP secrets are never printed, logged, or passed on a command line.\n";

static const struct cli_entry *
entry_find(const char *name)
{
        size_t i;

        for (i = 0; cmd_table[i] != NULL; i++)
                if (strcmp(cmd_table[i]->name, name) == 0)
                        return cmd_table[i];
        return NULL;
}

static const struct option *
option_find(const char *name)
{
        size_t i;

        for (i = 0; i < NOPTIONS; i++)
                if (strcmp(options[i].name, name) == 0 ||
                    (options[i].alias != NULL && strcmp(options[i].alias, name) == 0))
                        return &options[i];
        return NULL;
}

/* "  --metadata SRC       auto (...)": the help column is the 24th. */
static void
option_print(FILE *f, const struct option *o)
{
        const char *h = o->help, *nl;
        char spelled[64];

        if (o->alias != NULL)
                (void)snprintf(spelled, sizeof(spelled), "%s, %s", o->alias, o->name);
        else if (o->arg != NULL)
                (void)snprintf(spelled, sizeof(spelled), "%s %s", o->name, o->arg);
        else
                (void)snprintf(spelled, sizeof(spelled), "%s", o->name);
        /* a long name gets the help text on the next line, in the column */
        if (strlen(spelled) > 20)
                fprintf(f, "  %s\n%23s", spelled, "");
        else
                fprintf(f, "  %-20s ", spelled);
        while ((nl = strchr(h, '\n')) != NULL) {
                fprintf(f, "%.*s\n%23s", (int)(nl - h), h, "");
                h = nl + 1;
        }
        fprintf(f, "%s\n", h);
}

/* The documented options of one set: global (set 0), one entry's, or, for
 * the general help, every command's (mask ~0u). */
static void
options_print(FILE *f, unsigned mask, int global)
{
        size_t i;

        for (i = 0; i < NOPTIONS; i++)
                if (options[i].help != NULL &&
                    (global ? options[i].set == 0 : (options[i].set & mask) != 0))
                        option_print(f, &options[i]);
}

static void
usage_print(FILE *f)
{
        char head[64];
        size_t i;

        fprintf(f, "Usage: volattach [OPTIONS] COMMAND [ARGS]\n\n%s\nCommands:\n", intro_text);
        for (i = 0; cmd_table[i] != NULL; i++) {
                const struct cli_entry *e = cmd_table[i];

                if (e->summary == NULL)
                        continue;
                (void)snprintf(head, sizeof(head), "%s%s%s", e->name, e->usage[0] ? " " : "",
                               e->usage);
                fprintf(f, strlen(head) > 20 ? "  %s   %s\n" : "  %-20s %s\n", head, e->summary);
        }
        fprintf(f, "\nOptions ('volattach COMMAND --help' lists those a command takes):\n");
        options_print(f, ~0u, 0);
        fprintf(f, "\nGlobal options, for every command:\n");
        options_print(f, 0, 1);
        fprintf(f, "\n%s", exit_text);
}

static void
entry_usage_print(FILE *f, const struct cli_entry *e)
{
        fprintf(f, "Usage: volattach %s%s%s%s\n", e->name, e->options ? " [OPTIONS]" : "",
                e->usage[0] ? " " : "", e->usage);
        if (e->summary != NULL)
                fprintf(f, "  %s\n", e->summary);
        if (e->options != 0) {
                fprintf(f, "\nOptions:\n");
                options_print(f, e->options, 0);
        }
        fprintf(f, "\nGlobal options:\n");
        options_print(f, 0, 1);
        fprintf(f, "\n%s", exit_text);
}

static int
cmd_help_exec(struct cli *c)
{
        const struct cli_entry *e;

        if (c->nargs == 0) {
                usage_print(stdout);
                return EXIT_OK;
        }
        if (c->nargs > 1) {
                (void)cli_usage("help takes one command name");
                return EXIT_USAGE;
        }
        e = entry_find(c->args[0]);
        if (e == NULL) {
                (void)cli_usage("unknown command '%s'", c->args[0]);
                return EXIT_USAGE;
        }
        entry_usage_print(stdout, e);
        return EXIT_OK;
}

static int
cmd_version_exec(struct cli *c)
{
        (void)c;
        printf("volattach %s\n", VOLATTACH_VERSION);
        return EXIT_OK;
}

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
        (void)cli_usage("%s needs a number %u..%u", opt, min, max);
        return -1;
}

/* What the options given so far ask for, beyond struct cli itself. */
struct parse {
        int verbose;
        int log_level;
        unsigned given;        /* enum cli_opt bits */
        const char *first[16]; /* per bit, the first option given with it */
        unsigned order[16];    /* and where that came, to name the first wrong one */
        unsigned n;
        /* per option_dest, set on the command line or by the file's
         * command section: what the file's other lines leave alone */
        unsigned char given_dest[OPT_COUNT];
        int prepare_in_section; /* the command's section gave --prepare */
};
_Static_assert(CLI_OPT_PREPARE < (1u << 16), "struct parse: first[] has a place per bit");

/* what: how messages name the option ("--jobs", "FILE:LINE: jobs") */
static int
option_apply(struct cli *c, struct parse *p, const struct option *o, const char *val,
             const char *what)
{
        unsigned u;

        switch (o->id) {
        case OPT_METADATA:
                c->meta.spec = val;
                break;
        case OPT_METADATA_URL:
                c->meta.service_url = val;
                c->meta_url_given = 1;
                break;
        case OPT_HTTP_TIMEOUT:
                if (parse_uint(what, val, 1, 300, &u) < 0)
                        return -1;
                c->meta.http.timeout_ms = u * 1000;
                break;
        case OPT_HTTP_TIMEOUT_MS:
                if (parse_uint(what, val, 1, 300000, &u) < 0)
                        return -1;
                c->meta.http.timeout_ms = u;
                break;
        case OPT_HTTP_ATTEMPTS:
                if (parse_uint(what, val, 1, 20, &u) < 0)
                        return -1;
                c->meta.http.attempts = u;
                break;
        case OPT_HTTP_BACKOFF_MS:
                if (parse_uint(what, val, 0, 60000, &u) < 0)
                        return -1;
                c->meta.http.backoff_ms = u;
                if (c->meta.http.backoff_max_ms < u)
                        c->meta.http.backoff_max_ms = u;
                break;
        case OPT_METADATA_DEADLINE:
                if (parse_uint(what, val, 1, 3600, &u) < 0)
                        return -1;
                c->meta.deadline_ms = u * 1000;
                break;
        case OPT_JSON:
                c->json = 1;
                break;
        case OPT_JOBS:
                return parse_uint(what, val, 1, 256, &c->jobs);
        case OPT_TIMEOUT:
                return parse_uint(what, val, 1, 3600, &c->device_timeout_s);
        case OPT_DEADLINE:
                return parse_uint(what, val, 0, 3600, &c->login_deadline_s);
        case OPT_ENFORCE_MULTIPATH:
                c->enforce_multipath = 1;
                break;
        case OPT_ALL:
                c->all = 1;
                break;
        case OPT_FORCE:
                c->force = 1;
                break;
        case OPT_STATE_DIR:
                c->state_dir = val;
                break;
        case OPT_BACKEND:
                c->backend = val;
                break;
        case OPT_INTERVAL:
                return parse_uint(what, val, 1, 86400, &c->interval_s);
        case OPT_ROUNDS:
                return parse_uint(what, val, 1, 1000000, &c->rounds);
        case OPT_PREPARE: {
                struct va_err err;

                va_err_clear(&err);
                if (prepare_config_add(&c->prepare, what, val, &err) < 0) {
                        fprintf(stderr, "volattach: %s\n", err.msg);
                        return -1;
                }
                break;
        }
        case OPT_LOG_LEVEL:
                p->log_level = va_log_level_parse(val);
                if (p->log_level < 0) {
                        (void)cli_usage("%s: unknown log level '%s'", what, val);
                        return -1;
                }
                break;
        case OPT_LOG_FILE:
                c->log_file = val;
                break;
        case OPT_VERBOSE:
                p->verbose++;
                break;
        case OPT_VERBOSE2:
                p->verbose += 2;
                break;
        case OPT_QUIET:
                p->verbose = -1;
                break;
        case OPT_SYSLOG:
                c->use_syslog = 1;
                break;
        case OPT_CONFIG:
                c->config_path = val;
                break;
        case OPT_NO_CONFIG:
                c->no_config = 1;
                break;
        case OPT_HELP:
        case OPT_VERSION:
        case OPT_COUNT:
                break; /* answered by cli_parse itself */
        }
        return 0;
}

static unsigned
bit_index(unsigned bit)
{
        unsigned i = 0;

        while (bit > 1) {
                bit >>= 1;
                i++;
        }
        return i;
}

/* An option the command does not take is a mistake worth stopping for:
 * `volattach status --metadata X` would otherwise look as if it read X. */
static int
options_check(const struct cli_entry *e, const struct parse *p)
{
        unsigned extra = p->given & ~e->options, i, wrong = 16;

        for (i = 0; i < 16; i++)
                if ((extra & (1u << i)) != 0 && (wrong == 16 || p->order[i] < p->order[wrong]))
                        wrong = i;
        if (wrong == 16)
                return 0;
        (void)cli_usage("%s is not an option of %s", p->first[wrong], e->name);
        return -1;
}

static void
try_help(const struct cli_entry *e)
{
        if (e != NULL)
                fprintf(stderr, "Try 'volattach %s --help'.\n", e->name);
        else
                fprintf(stderr, "Try 'volattach --help'.\n");
}

/* Options that set the same thing: one given on the command line keeps
 * the file from setting any of them (-q beats the file's log-level). */
static enum opt_id
option_dest(enum opt_id id)
{
        switch (id) {
        case OPT_HTTP_TIMEOUT_MS:
                return OPT_HTTP_TIMEOUT;
        case OPT_VERBOSE:
        case OPT_VERBOSE2:
        case OPT_QUIET:
                return OPT_LOG_LEVEL;
        default:
                return id;
        }
}

/* The option a configuration key names: its long name without "--";
 * never one that only makes sense on a command line. */
static const struct option *
config_option(const char *key)
{
        size_t i;

        for (i = 0; i < NOPTIONS; i++) {
                const struct option *o = &options[i];

                if (o->id == OPT_HELP || o->id == OPT_VERSION || o->id == OPT_CONFIG ||
                    o->id == OPT_NO_CONFIG || strncmp(o->name, "--", 2) != 0)
                        continue;
                if (strcmp(o->name + 2, key) == 0)
                        return o;
        }
        return NULL;
}

static int
option_taken(const struct cli_entry *e, const struct option *o)
{
        return o->set == 0 || (o->set & e->options) != 0;
}

/* One entry of the file: checked whatever the command (a typo in [watch]
 * is reported by attach too), applied when it is for this command and not
 * already given. pass 0 applies the command's own section, pass 1 the
 * lines before any section. */
static int
config_entry_apply(struct cli *c, struct parse *p, const char *file, const struct config_entry *e,
                   int pass)
{
        const struct cli_entry *sect = NULL;
        const struct option *o;
        const char *val = e->value;
        char what[512];
        int apply, b = 1;

        if (e->section != NULL) {
                sect = entry_find(e->section);
                if (sect == NULL || sect->options == 0) {
                        config_err("config_invalid", file, e->section,
                                   "%s:%u: [%s]: not a command with options", file, e->section_line,
                                   e->section);
                        return -1;
                }
        }
        o = config_option(e->key);
        if (o == NULL) {
                config_err("config_invalid", file, e->key,
                           "%s:%u: key '%s': not an option of any command", file, e->line, e->key);
                return -1;
        }
        if (sect != NULL && !option_taken(sect, o)) {
                config_err("config_invalid", file, e->key, "%s:%u: key '%s': not an option of %s",
                           file, e->line, e->key, sect->name);
                return -1;
        }
        (void)snprintf(what, sizeof(what), "%s:%u: key '%s'", file, e->line, e->key);
        if (o->arg == NULL) {
                b = config_bool(e->value);
                if (b < 0) {
                        config_err("config_invalid", file, e->key, "%s: 'true' or 'false'", what);
                        return -1;
                }
                val = NULL;
        }
        /* --prepare repeats: every line of the command's section counts,
         * and together they beat the lines before any section, as the
         * command line's --prepare options beat the whole file */
        apply = (pass == 0 ? sect == c->entry : sect == NULL) && option_taken(c->entry, o) &&
                (!p->given_dest[option_dest(o->id)] ||
                 (o->id == OPT_PREPARE && pass == 0 && p->prepare_in_section));
        if (!apply) {
                /* the value is still checked, on a copy that is thrown away
                 * (with a --prepare list of its own, never c's) */
                struct cli scratch = *c;
                struct parse sp = *p;
                int r;

                memset(&scratch.prepare, 0, sizeof(scratch.prepare));
                r = o->arg != NULL ? option_apply(&scratch, &sp, o, val, what) : 0;
                prepare_config_free(&scratch.prepare);
                return r;
        }
        if (o->arg == NULL && b == 0)
                return 0;
        if (option_apply(c, p, o, val, what) < 0)
                return -1;
        if (pass == 0) {
                p->given_dest[option_dest(o->id)] = 1;
                p->prepare_in_section |= o->id == OPT_PREPARE;
        }
        return 0;
}

/* The configuration file, under what the command line gave: EXIT_OK (no
 * file at the default place is fine), EXIT_USAGE for what the file says,
 * EXIT_ENV for a file that cannot be read or is refused. */
static int
config_read(struct cli *c, struct parse *p)
{
        const char *file = c->config_path != NULL ? c->config_path : plat_config_path();
        struct va_err err;
        char *text = NULL, why[CONFIG_MESSAGE_MAX];
        size_t len = 0, i;
        int pass, r;

        if (c->no_config) {
                if (c->config_path != NULL) {
                        (void)cli_usage("--config and --no-config contradict");
                        return EXIT_USAGE;
                }
                return EXIT_OK;
        }
        /* help and version must work whatever the file says */
        if (c->entry->options == 0 ||
            (c->entry->reads_config != NULL && !c->entry->reads_config(c)))
                return EXIT_OK;
        va_err_clear(&err);
        r = plat_read_file_trusted(file, CONFIG_MAX_BYTES, &text, &len, &err);
        if (r == -VA_E_NOTFOUND && c->config_path == NULL)
                return EXIT_OK;
        if (r == -VA_E_TOOBIG) {
                config_err("config_invalid", file, NULL, "%s: larger than %u bytes", file,
                           CONFIG_MAX_BYTES);
                return EXIT_USAGE;
        }
        if (r < 0) {
                config_err("config_unreadable", file, NULL, "configuration file: %s", err.msg);
                return EXIT_ENV;
        }
        r = config_parse(file, text, len, &c->config, why, sizeof(why));
        free(text);
        if (r < 0) {
                config_err("config_invalid", file, NULL, "%s", why);
                return EXIT_USAGE;
        }
        for (pass = 0; pass < 2; pass++)
                for (i = 0; i < c->config.n; i++)
                        if (config_entry_apply(c, p, file, &c->config.v[i], pass) < 0)
                                return EXIT_USAGE;
        return EXIT_OK;
}

int
cli_parse(int argc, char **argv, struct cli *c)
{
        struct parse p;
        const char *command = NULL;
        int i, help = 0;

        memset(c, 0, sizeof(*c));
        memset(&p, 0, sizeof(p));
        p.log_level = -1;
        c->meta.spec = "auto";
        c->meta.service_url = META_SERVICE_URL;
        c->meta.http = (struct meta_http_policy)META_HTTP_POLICY_DEFAULT;
        c->meta.deadline_ms = META_DEADLINE_MS_DEFAULT;
        c->jobs = 16;
        c->device_timeout_s = CLI_TIMEOUT_S_DEFAULT;
        c->login_deadline_s = CLI_DEADLINE_S_DEFAULT;
        c->interval_s = 10;
        /* known before anything can go wrong: a usage error under --json
         * is a document too */
        for (i = 1; i < argc; i++)
                if (strcmp(argv[i], "--json") == 0)
                        c->json = 1;
        c->args = calloc((size_t)argc + 1, sizeof(*c->args));
        if (c->args == NULL) {
                (void)cli_usage("out of memory");
                return EXIT_ENV;
        }

        for (i = 1; i < argc && !help; i++) {
                const char *a = argv[i], *val = NULL, *eq = strchr(a, '=');
                const struct option *o;
                char name[64];

                if (a[0] != '-' || a[1] == '\0') {
                        if (command == NULL)
                                command = a;
                        else
                                c->args[c->nargs++] = argv[i];
                        continue;
                }
                if (strncmp(a, "--", 2) == 0 && eq != NULL && (size_t)(eq - a) < sizeof(name)) {
                        memcpy(name, a, (size_t)(eq - a));
                        name[eq - a] = '\0';
                        val = eq + 1;
                        a = name;
                }
                o = option_find(a);
                if (o == NULL) {
                        (void)cli_usage("unknown option '%s'", a);
                        goto usage;
                }
                if (o->id == OPT_HELP) {
                        /* `volattach --help detach` asks about detach too */
                        if (command == NULL && i + 1 < argc && entry_find(argv[i + 1]) != NULL)
                                command = argv[i + 1];
                        help = 1;
                        continue;
                }
                if (o->id == OPT_VERSION) {
                        (void)cmd_version_exec(c);
                        return -1;
                }
                /* a flag takes no value: --json=no would otherwise turn it on */
                if (o->arg == NULL && val != NULL) {
                        (void)cli_usage("%s takes no value (given '%s')", a, val);
                        goto usage;
                }
                if (o->arg != NULL && val == NULL) {
                        if (i + 1 >= argc) {
                                (void)cli_usage("%s needs a value", a);
                                goto usage;
                        }
                        val = argv[++i];
                }
                if (option_apply(c, &p, o, val, a) < 0)
                        goto usage;
                p.given_dest[option_dest(o->id)] = 1;
                if (o->set != 0 && p.first[bit_index(o->set)] == NULL) {
                        p.first[bit_index(o->set)] = o->name;
                        p.order[bit_index(o->set)] = p.n++;
                }
                p.given |= o->set;
        }

        if (command == NULL) {
                if (help) {
                        usage_print(stdout);
                        return -1;
                }
                (void)cli_usage("no command given");
                goto usage;
        }
        c->entry = entry_find(command);
        c->command = c->entry != NULL ? c->entry->name : NULL;
        if (c->entry == NULL) {
                (void)cli_usage("unknown command '%s'", command);
                goto usage;
        }
        if (help) {
                entry_usage_print(stdout, c->entry);
                return -1;
        }
        if (options_check(c->entry, &p) < 0)
                goto usage;
        /* before the file: what the command line itself asked for */
        c->given = p.given;
        i = config_read(c, &p);
        if (i != EXIT_OK)
                return i;
        if (p.log_level >= 0)
                c->log_level = p.log_level;
        else
                c->log_level = p.verbose < 0    ? VA_LOG_ERR
                               : p.verbose == 0 ? VA_LOG_NOTICE
                               : p.verbose == 1 ? VA_LOG_INFO
                                                : VA_LOG_DEBUG;
        return EXIT_OK;
usage:
        if (c->command == NULL && command != NULL && entry_find(command) != NULL)
                c->command = entry_find(command)->name;
        try_help(c->entry != NULL ? c->entry : command != NULL ? entry_find(command) : NULL);
        return EXIT_USAGE;
}

void
cli_free(struct cli *c)
{
        free(c->args);
        c->args = NULL;
        config_free(&c->config);
        prepare_config_free(&c->prepare);
}
