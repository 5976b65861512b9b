/* SPDX-License-Identifier: Apache-2.0 */
/* --prepare for attach and watch: per attached volume, the record of what
 * volattach made on it (kept across reboots), the backend's prepare and
 * mount, and the lines that report it. */
#ifndef VOLATTACH_CLI_PREPARE_H
#define VOLATTACH_CLI_PREPARE_H

#include <cjson/cJSON.h>
#include "cli/cli.h"
#include "core/attach.h"
#include "core/prepare.h"

enum prep_status {
        PREP_NONE = 0, /* not asked for */
        PREP_MADE,     /* partitioned, formatted (and mounted) now */
        PREP_MOUNTED,  /* made earlier by volattach: only mounted */
        PREP_REFUSED,  /* the disk was not written: why says so */
        PREP_FAILED,   /* an error on the way: err says so */
};

struct prep_result {
        enum prep_status status;
        struct prepare_outcome out;
        struct va_err err;
};

/* Checks c's --prepare entries against the backend: EXIT_OK or EXIT_USAGE
 * after saying why. */
int prep_check(const struct cli *c, const struct initiator_ops *ops);

/* Prepares the volume of res when c asks for it; never fails the attach
 * itself. The record goes under STATE_DIR/prepared when --state-dir is
 * given, else under plat_data_dir()/prepared. */
void prep_volume(const struct cli *c, const struct initiator_ops *ops, struct initiator *ini,
                 const struct attach_result *res, struct prep_result *ret);

/* The exit status it adds: EXIT_PARTIAL when refused or failed. */
int prep_exit(const struct prep_result *r);
void prep_text(const struct prep_result *r);
cJSON *prep_json(const struct prep_result *r);

#endif
