/* SPDX-License-Identifier: Apache-2.0 */
/* The command-line front end: the command table (one entry per cmd-*.c, as
 * tmux's struct cmd_entry), the options a command may take, exit codes, and
 * the helpers commands share. */
#ifndef VOLATTACH_CLI_CLI_H
#define VOLATTACH_CLI_CLI_H

#include "cli/config.h"
#include "core/attach.h"
#include "core/initiator.h"
#include "core/prepare.h"
#include "core/volume.h"
#include "meta/source.h"

/* Documented in --help and the README; never renumbered. */
enum cli_exit {
        EXIT_OK = 0,      /* everything asked for was done (or nothing to do) */
        EXIT_PARTIAL = 1, /* some volumes failed or were rejected; the rest done */
        EXIT_USAGE = 2,   /* bad command line */
        EXIT_BADMETA = 3, /* metadata unusable as a whole: nothing attempted */
        EXIT_ENV = 4,     /* environment: no metadata source, not root, no initiator */
};

/* The option sets a command entry takes, besides the global ones that
 * every command takes (logging, --help, --version). One bit may stand for
 * several options that only make sense together. */
enum cli_opt {
        CLI_OPT_METADATA = 1u << 0, /* --metadata, --metadata-url, --http-* */
        CLI_OPT_JSON = 1u << 1,
        CLI_OPT_JOBS = 1u << 2,
        CLI_OPT_TIMEOUT = 1u << 3,
        CLI_OPT_DEADLINE = 1u << 4,
        CLI_OPT_ENFORCE_MULTIPATH = 1u << 5,
        CLI_OPT_ALL = 1u << 6,
        CLI_OPT_FORCE = 1u << 7,
        CLI_OPT_STATE_DIR = 1u << 8,
        CLI_OPT_BACKEND = 1u << 9,
        CLI_OPT_WATCH = 1u << 10, /* --interval, --rounds */
        CLI_OPT_PREPARE = 1u << 11,
};

/* attach's (watch's too, but --json); service takes them and watch's,
 * since install writes them into the service's command line, and run is
 * watch */
#define CLI_OPTS_ATTACH                                                                        \
        (CLI_OPT_METADATA | CLI_OPT_JSON | CLI_OPT_JOBS | CLI_OPT_TIMEOUT | CLI_OPT_DEADLINE | \
         CLI_OPT_ENFORCE_MULTIPATH | CLI_OPT_STATE_DIR | CLI_OPT_BACKEND | CLI_OPT_PREPARE)

struct cli_entry;

struct cli {
        const struct cli_entry *entry;
        struct meta_source_opts meta;
        int json;
        unsigned jobs;
        unsigned device_timeout_s;
        unsigned login_deadline_s;
        int enforce_multipath;
        int force;
        int all;
        const char *backend;
        const char *state_dir;
        unsigned interval_s;           /* watch: seconds between rounds */
        unsigned rounds;               /* watch: stop after this many; 0: until stopped */
        struct prepare_config prepare; /* --prepare, repeatable */
        int log_level;                 /* enum va_log_level, from --log-level, -v or -q */
        int use_syslog;
        const char *log_file;
        const char *config_path; /* --config; NULL: plat_config_path() */
        int no_config;
        struct config config; /* the file's values, which options point into */
        unsigned given;       /* enum cli_opt bits given on the command line */
        char **args;          /* positional arguments after the command */
        int nargs;
        const char *command; /* the command's name once known, for the document */
        int meta_url_given;  /* --metadata-url was given: its 404 is an error */
        int doc_printed;     /* the command printed its --json document */
};

/* One command. */
struct cli_entry {
        const char *name;
        const char *usage;   /* what follows the name: "ID... | --all" */
        const char *summary; /* one line, for --help */
        unsigned options;    /* enum cli_opt bits */
        int (*exec)(struct cli *c);
        /* Optional: 0 when this run takes nothing from the configuration
         * file (service install, which writes the command line flags into
         * the service's own, and must not freeze the file's values there).
         * NULL: the file applies. */
        int (*reads_config)(const struct cli *c);
};

/* The defaults cli_parse starts from. */
#define CLI_TIMEOUT_S_DEFAULT  30u
#define CLI_DEADLINE_S_DEFAULT 60u

extern const struct cli_entry cmd_plan_entry;
extern const struct cli_entry cmd_attach_entry;
extern const struct cli_entry cmd_detach_entry;
extern const struct cli_entry cmd_status_entry;
extern const struct cli_entry cmd_service_entry;
extern const struct cli_entry cmd_watch_entry;
extern const struct cli_entry cmd_uninstall_state_entry;
extern const struct cli_entry cmd_check_entry;

/* Parses the command line into c and checks each option against the
 * command's entry. Returns EXIT_OK with c->entry set, EXIT_USAGE after
 * saying why on stderr (EXIT_ENV if out of memory), or -1 when --help or
 * --version was answered (the exit status is then 0). Free c with
 * cli_free in every case. */
int cli_parse(int argc, char **argv, struct cli *c);
void cli_free(struct cli *c);

/* Reads and validates the metadata; prints diagnostics through the log.
 * Returns EXIT_OK, EXIT_PARTIAL (some items or vendor documents bad),
 * EXIT_BADMETA or EXIT_ENV; on EXIT_BADMETA/EXIT_ENV set is empty. */
int cli_load(const struct cli *c, struct meta_docs *docs, struct volume_set *set);

/* What a command that changes the host checks first: no arguments, a
 * known backend (*ret), privileges. EXIT_OK, or the exit code after
 * saying why. */
int cli_host_command(const struct cli *c, const struct initiator_ops **ret);

/* The engine's options from --jobs, --timeout, --deadline and
 * --enforce-multipath (attach and watch). */
void cli_attach_options(const struct cli *c, struct attach_options *o);

/* {"origin": ..., "state": "read|none|unreachable|invalid|not_read"}
 * from a cli_load's documents and exit code. */
struct cJSON *cli_metadata_json(const struct meta_docs *docs, int load_code);

/* A usage error: said on stderr, recorded for the document; EXIT_USAGE. */
int cli_usage(const char *fmt, ...) __attribute__((format(VA_PRINTF_FORMAT, 1, 2)));

/* The end of a command: completes root (docs/json.md) with code as
 * summary.exit_status, writes it as the result file when result_dir is
 * not NULL (attach, each watch round), prints it under --json, and frees
 * it. Returns code. */
struct cJSON;
int cli_emit(struct cli *c, struct cJSON *root, int code, const char *result_dir);

/* The worse of two exit codes, for combining per-step outcomes. */
int cli_exit_worst(int a, int b);

/* attach and detach change the host and the state files: one run at a
 * time per state directory. Runs fn with STATE_DIR/lock held and returns
 * its exit status; a second run waits for the first, up to
 * CLI_LOCK_WAIT_MS, then fails with EXIT_ENV. */
#define CLI_LOCK_WAIT_MS (300u * 1000u)
struct initiator_ops;
struct plat_lock;
/* Takes STATE_DIR/lock (creating the directory), waiting up to wait_ms;
 * flags as plat_lock_acquire's. -VA_E_BUSY when another run still holds
 * it, err naming the holder. */
int cli_state_lock(const char *state_dir, unsigned wait_ms, unsigned flags, struct plat_lock **ret,
                   struct va_err *err);
int cli_run_locked(struct cli *c, const struct initiator_ops *ops, const char *state_dir,
                   int (*fn)(struct cli *c, const struct initiator_ops *ops,
                             const char *state_dir));

#endif
