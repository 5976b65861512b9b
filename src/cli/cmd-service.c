/* SPDX-License-Identifier: Apache-2.0 */
/* volattach service install|uninstall|run: the Windows service, which runs
 * watch. On Linux the systemd units (dist/volattach.service for boot,
 * dist/volattach-watch.service after it) play this part. */
#include <stdio.h>

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

const struct cli_entry cmd_service_entry = {
        .name = "service",
        .usage = "install|uninstall|run",
        .summary = "(Windows) the service: watch, from boot on",
        .options = CLI_OPTS_ATTACH | CLI_OPT_WATCH,
        .exec = cmd_service_exec,
};
