/* SPDX-License-Identifier: Apache-2.0 */
/* volattach service install|uninstall|run: the Windows service, which runs
 * watch. On Linux the systemd units (dist/volattach.service for boot,
 * dist/volattach-watch.service after it) play this part. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/service.h"

static int
cmd_service_exec(struct cli *c)
{
        if (c->nargs != 1) {
                fprintf(stderr, "volattach: service needs one of install, uninstall, run\n");
                return EXIT_USAGE;
        }
        return service_command(c->args[0], c);
}

/* `service run` (the SCM's start) reads the file, at every start; install
 * and uninstall do not: install writes only the flags it was given into the
 * service's command line, so the file stays in charge of the rest. */
static int
cmd_service_reads_config(const struct cli *c)
{
        return c->nargs == 1 && strcmp(c->args[0], "run") == 0;
}

const struct cli_entry cmd_service_entry = {
        .name = "service",
        .usage = "install|uninstall|run",
        .summary = "(Windows) the service: watch, from boot on",
        .options = CLI_OPTS_ATTACH | CLI_OPT_WATCH,
        .exec = cmd_service_exec,
        .reads_config = cmd_service_reads_config,
};
