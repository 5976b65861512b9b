/* SPDX-License-Identifier: Apache-2.0 */
/* On Linux, boot-time attach is the systemd unit's job (dist/volattach.service,
 * `systemctl enable volattach.service`); there is no service to install
 * from the binary itself. */
#include <stdio.h>

#include "cli/service.h"

int
service_command(const char *verb, struct cli *c)
{
        (void)c;
        fprintf(stderr,
                "volattach: 'service %s' is for Windows. On Linux, boot-time attach runs from "
                "the systemd unit: systemctl enable volattach.service\n",
                verb);
        return EXIT_USAGE;
}
