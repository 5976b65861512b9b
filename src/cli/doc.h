/* SPDX-License-Identifier: Apache-2.0 */
/* The one machine-readable contract (docs/json.md, docs/volattach.schema.json):
 * every command's --json document has the same top level (schema_version,
 * command, summary with exit_status, volumes, errors), built here; the
 * errors of a run are collected here as they are logged; the result file
 * (STATE_DIR/result.json) is the same document, written atomically. */
#ifndef VOLATTACH_CLI_DOC_H
#define VOLATTACH_CLI_DOC_H

#include <cjson/cJSON.h>

#include "base/diag.h"
#include "base/err.h"

/* Raised only when a consumer would misread an older document. */
#define DOC_SCHEMA_VERSION 1
#define DOC_RESULT_FILE    "result.json"
#define DOC_RESULT_MAX     (4u * 1024 * 1024)

/* Logs the message at level (VA_LOG_ERR or VA_LOG_WARNING) and records it
 * for the document: code is a literal from docs/json.md; source, key and
 * volume may be NULL. */
void doc_error(int level, const char *code, const char *source, const char *key, const char *volume,
               const char *fmt, ...) __attribute__((format(VA_PRINTF_FORMAT, 6, 7)));
/* Records without logging: the message was already said another way
 * (a usage error on stderr). */
void doc_error_quiet(int level, const char *code, const char *source, const char *key,
                     const char *volume, const char *fmt, ...)
    __attribute__((format(VA_PRINTF_FORMAT, 6, 7)));
/* Logs every diagnostic at its level, or at log_level_override when that
 * is not negative (a watch says an unchanged document's again only at
 * debug), and records those at warning or above. */
void doc_diags(const struct diag_list *d, int log_level_override);
/* Forgets the errors collected so far (a watch round starts afresh). */
void doc_errors_reset(void);
size_t doc_errors_count(void);
/* Drops the errors recorded after the first n (a look-up whose failure is
 * not the run's). */
void doc_errors_truncate(size_t n);

/* {"schema_version": 1, "command": command} */
cJSON *doc_new(const char *command);

/* Appends {"id", "status", "error"} to a volumes array (detach and
 * uninstall-state: a volume is only an id and what became of it); error
 * NULL is JSON null. */
void doc_volume_add(cJSON *vols, const char *id, const char *status, const char *error);
/* Adds what every document has and the command did not: summary (with
 * exit_status), volumes (empty), errors (the ones collected). */
void doc_finish(cJSON *root, int exit_status);
/* Renders root and writes it atomically, root-only, to
 * STATE_DIR/result.json. No secret is ever in a document. */
int doc_result_write(const char *state_dir, const cJSON *root, struct va_err *err);
/* Reads STATE_DIR/result.json back (status: a volume's last error); NULL
 * when absent or unusable. */
cJSON *doc_result_read(const char *state_dir);

#endif
