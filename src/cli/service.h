/* SPDX-License-Identifier: Apache-2.0 */
/* The boot-time service, one implementation per OS (service-win32.c: the
 * Windows service; service-posix.c: points at the systemd unit). */
#ifndef VOLATTACH_CLI_SERVICE_H
#define VOLATTACH_CLI_SERVICE_H

#include "cli/cli.h"

int service_command(const char *verb, struct cli *c);

#endif
