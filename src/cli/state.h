/* SPDX-License-Identifier: Apache-2.0 */
/* State files: one small JSON file per attached volume under the state
 * directory (/run/volattach/volumes/<id>.json, 0600, never a secret), so
 * that status and detach know what attach did, even in another process. */
#ifndef VOLATTACH_CLI_STATE_H
#define VOLATTACH_CLI_STATE_H

#include "core/attach.h"
#include "core/detach.h"

int state_save(const char *state_dir, const struct attach_result *res, struct va_err *err);
int state_load(const char *state_dir, const char *id, struct attached_volume *ret,
               struct va_err *err);
/* Ids of every state file, sorted. */
int state_list(const char *state_dir, char ***ret, size_t *ret_n, struct va_err *err);
int state_remove(const char *state_dir, const char *id, struct va_err *err);
/* The state directory and every file in it (uninstall-state, once no
 * volume is attached); absent is success. */
int state_dir_remove(const char *state_dir, struct va_err *err);

#endif
