/* The command-line front end: options shared by every command, the command
 * table, exit codes, and the helpers commands share. */
#ifndef VOLATTACH_CLI_CLI_H
#define VOLATTACH_CLI_CLI_H

#include "core/volume.h"
#include "meta/source.h"

#define VOLATTACH_VERSION "0.1.0"

/* Documented in --help and volattach(8); never renumbered. */
enum cli_exit {
        EXIT_OK = 0,      /* everything asked for was done (or nothing to do) */
        EXIT_PARTIAL = 1, /* some volumes failed or were rejected; the rest done */
        EXIT_USAGE = 2,   /* bad command line */
        EXIT_BADMETA = 3, /* metadata unusable as a whole: nothing attempted */
        EXIT_ENV = 4,     /* environment: no metadata source, not root, no initiator */
};

struct cli {
        const char *command;
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
        int use_syslog;
        const char *log_file;
        char **args; /* positional arguments after the command */
        int nargs;
};

/* Reads and validates the metadata; prints diagnostics through the log.
 * Returns EXIT_OK, EXIT_PARTIAL (some items or vendor documents bad),
 * EXIT_BADMETA or EXIT_ENV; on EXIT_BADMETA/EXIT_ENV set is empty. */
int cli_load(const struct cli *c, struct meta_docs *docs, struct volume_set *set);

int cmd_plan(struct cli *c);
int cmd_attach(struct cli *c);
int cmd_detach(struct cli *c);
int cmd_status(struct cli *c);
int cmd_service(struct cli *c);

/* The worse of two exit codes, for combining per-step outcomes. */
int cli_exit_worst(int a, int b);

#endif
