/* SPDX-License-Identifier: Apache-2.0 */
/* The validated model: what metadata asks for, per volume, once every value
 * has been checked. Everything downstream (plan, backends, reports) reads
 * only this, never JSON. */
#ifndef VOLATTACH_CORE_VOLUME_H
#define VOLATTACH_CORE_VOLUME_H

#include <stddef.h>

#include "base/diag.h"
#include "core/iscsiname.h"
#include "core/portal.h"
#include "base/secret.h"

#define VOLUME_ID_LEN    36  /* canonical UUID text */
#define VOLUME_MAX       256 /* items per document, and volumes per run */
#define VOLUME_MAX_PATHS 32  /* entries in target_portals */
#define CHAP_FIELD_MAX   255 /* open-iscsi AUTH_STR_MAX_LEN - 1 */
#define LUN_MAX          16383
#define SOURCE_NAME_MAX  128

enum auth_kind {
        AUTH_NONE = 0,
        AUTH_CHAP,   /* one-way: the initiator proves itself */
        AUTH_MUTUAL, /* and the target proves itself back */
};

struct chap_cred {
        char user[CHAP_FIELD_MAX + 1]; /* "" when unset */
        struct va_secret *secret;      /* NULL when unset */
};

struct auth {
        enum auth_kind kind;
        struct chap_cred out; /* initiator -> target (auth_username/password) */
        struct chap_cred in;  /* target -> initiator (mutual only) */
};

/* SCSI LUN addressing (os-brick constants.py, linuxscsi.lun_for_addressing) */
enum lun_addressing {
        LUN_ADDR_SAM = 0,
        LUN_ADDR_TRANSPARENT,
        LUN_ADDR_SAM2,
        LUN_ADDR_SAM3_FLAT,
};

struct target_path {
        struct portal portal;
        char iqn[ISCSI_NAME_MAX + 1];
        unsigned lun;      /* as written in the metadata */
        unsigned host_lun; /* as the OS numbers it, after addressing_mode */
};

enum path_policy {
        PATHS_SINGLE = 0, /* one path; further entries are failover alternatives */
        PATHS_MULTIPATH,  /* log in through every listed path, one multipath device */
        PATHS_DISCOVER,   /* multipath wanted but no lists: SendTargets on the portal */
};

struct volume {
        char source[SOURCE_NAME_MAX]; /* "meta_data.json: volumes[2]" */
        size_t index;                 /* position in its source list */
        char id[VOLUME_ID_LEN + 1];
        char initiator[ISCSI_NAME_MAX + 1]; /* connector.initiator, "" if absent */
        struct target_path *paths;
        size_t npaths;
        enum path_policy policy;
        enum lun_addressing addressing;
        int enforce_multipath;
        struct auth auth;      /* session CHAP */
        struct auth discovery; /* SendTargets CHAP; kind AUTH_NONE when unset */
        int read_only;
        int encrypted;
};

enum item_status {
        ITEM_OK = 0,
        ITEM_SKIPPED,  /* well-formed but not for us (rbd, iser, ...) */
        ITEM_REJECTED, /* invalid: nothing is attempted for it */
};

/* One entry per item seen in any source, valid or not, for reports. */
struct item_report {
        char source[SOURCE_NAME_MAX];
        char id[VOLUME_ID_LEN + 1]; /* "" when unknown */
        enum item_status status;
        char *reason; /* first error or skip reason; NULL when ITEM_OK */
};

struct volume_set {
        struct volume *v;
        size_t n, cap;
        struct item_report *items;
        size_t nitems, items_cap;
        /* The host initiator name the metadata asks for ("" if none). */
        char initiator[ISCSI_NAME_MAX + 1];
        char initiator_from[SOURCE_NAME_MAX];
        struct diag_list diags;
        /* Every volume list the documents carried, empty or not, by source
         * ("meta_data.json: volumes"): a watch detaches a volume only when
         * its list is there and leaves it out, since a missing list is no
         * answer (Nova serves {} for a vendordata target that failed). */
        char (*lists)[SOURCE_NAME_MAX];
        size_t nlists, lists_cap;
};

void volume_clear(struct volume *v);
void volume_set_free(struct volume_set *s);

/* Appends *v (taking ownership of its paths and secrets) to the set. */
int volume_set_add(struct volume_set *s, struct volume *v);

/* Records an item outcome; reason is copied. */
int volume_set_item(struct volume_set *s, const char *source, const char *id,
                    enum item_status status, const char *reason);

/* Removes volume i (freeing it) and marks its item report rejected. */
void volume_set_reject(struct volume_set *s, size_t i, const char *reason);

/* Records that the document docname has the list listname ("" for a
 * top-level array, "connection_info" for a bare one). -VA_E_NOMEM. */
int volume_set_list(struct volume_set *s, const char *docname, const char *listname);

/* Drops volumes and item reports added after the set had n and nitems. */
void volume_set_truncate(struct volume_set *s, size_t n, size_t nitems);

/* Cross-item rules, once every document is in: duplicate volume ids, two
 * volumes on one LUN, conflicting initiators, different credentials for a
 * shared target. Offenders are rejected with a diagnostic; the rest stay.
 * Also fills s->initiator. Returns 0 or -VA_E_NOMEM. */
int volume_set_crosscheck(struct volume_set *s);

size_t volume_set_count(const struct volume_set *s, enum item_status status);

const char *auth_kind_name(enum auth_kind k);
const char *path_policy_name(enum path_policy p);

/* Host-side LUN for a metadata LUN under an addressing mode (SAM-2 flat
 * addressing adds 16384 from LUN 256 up; SAM-3 flat always). */
unsigned lun_for_addressing(unsigned lun, enum lun_addressing mode);

/* The by-path suffix udev uses: "lun-7", or "lun-0x412c000000000000". */
size_t lun_format_bypath(unsigned host_lun, char *buf, size_t len);

/* 1 when s is a canonical 8-4-4-4-12 hex UUID. */
int uuid_is_canonical(const char *s);

#endif
