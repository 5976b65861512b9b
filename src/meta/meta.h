/* SPDX-License-Identifier: Apache-2.0 */
/* Metadata documents: turning meta_data.json, vendor_data.json and
 * vendor_data2.json into a validated volume_set. Where the
 * documents come from is source.h's. */
#ifndef VOLATTACH_META_META_H
#define VOLATTACH_META_META_H

#include <stddef.h>

#include "base/err.h"
#include "core/volume.h"

#define META_DOC_MAX (1024 * 1024) /* 1 MiB per document (policy, INDEX.md) */

enum meta_doc_kind {
        META_DOC_META_DATA = 0, /* meta_data.json, or bare Cinder connection_info */
        META_DOC_VENDOR_DATA,   /* vendor_data.json: an object with "volumes" */
        META_DOC_VENDOR_DATA2,  /* vendor_data2.json: {provider: {"volumes": ...}} */
};

/* Parses one document into set. Item-level problems become rejected or
 * skipped items with diagnostics in set->diags; a document-level problem
 * (not UTF-8 JSON, too big, duplicate keys, volumes not an array) returns
 * -VA_E_PARSE / -VA_E_TOOBIG / -VA_E_INVAL and adds nothing.
 * docname names the document in every message ("meta_data.json",
 * "/dev/sr0:openstack/latest/meta_data.json"). */
int meta_parse(const char *docname, const char *buf, size_t len, enum meta_doc_kind kind,
               struct volume_set *set, struct va_err *err);

#endif
