/* SPDX-License-Identifier: Apache-2.0 */
/* Shared text and JSON renderings of the model for plan, attach and status.
 * Credentials appear only as a user name and "(set)". */
#ifndef VOLATTACH_CLI_REPORT_H
#define VOLATTACH_CLI_REPORT_H

#include <cjson/cJSON.h>
#include <stdio.h>

#include "core/initiator.h"
#include "core/volume.h"

cJSON *report_volume_json(const struct volume *v);
/* A block device as attach and status show it. */
cJSON *report_device_json(const struct initiator_device *d);
/* What the OS says of a disk now (Windows: online, partition style, volumes with their drive
 * letters and mount folders, unique id, recorded volume id), added to o; nothing where the OS says
 * nothing. */
void report_disk_state_json(cJSON *o, const struct initiator_device *d);
/* The same as text lines, each "<indent>volume ..." / "<indent>recorded ...". */
void report_disk_state_text(FILE *f, const char *indent, const struct initiator_device *d);
cJSON *report_items_json(const struct volume_set *s);
cJSON *report_diags_json(const struct diag_list *d);

/* Prints the document on stdout with a final newline and frees it.
 * Returns -1 if it could not be rendered. */
int report_print_json(cJSON *root);

/* The per-volume header block shared by plan and attach text output. */
void report_volume_text(FILE *f, const struct volume *v);

/* "rejected items" block for text output; nothing when there are none. */
void report_items_text(FILE *f, const struct volume_set *s);

#endif
