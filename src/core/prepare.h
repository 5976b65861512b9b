/* SPDX-License-Identifier: Apache-2.0 */
/* Opt-in disk preparation (--prepare [VOLUME_ID=]SPEC): the spec's grammar
 * and validation, which spec a volume gets, and the one decision that keeps
 * data safe: make a filesystem only on a disk with nothing on it, only mount
 * one volattach made itself, refuse everything else. No OS calls. */
#ifndef VOLATTACH_CORE_PREPARE_H
#define VOLATTACH_CORE_PREPARE_H

#include <stddef.h>

#include "base/err.h"
#include "core/volume.h"

/* The filesystem label volattach gives what it makes: fits ext4 (16), xfs
 * (12) and NTFS (32). Recognition needs the label AND the UUID recorded when
 * it was made; the label alone proves nothing. */
#define PREPARE_LABEL      "volattach"
#define PREPARE_MOUNT_MAX  240 /* bytes of a mount path */
#define PREPARE_SPEC_MAX   300 /* bytes of one --prepare value */
#define PREPARE_ENTRIES    256 /* --prepare options in one run */
#define PREPARE_UUID_MAX   40
#define PREPARE_WHAT_MAX   160
#define PREPARE_ZERO_BYTES (1024u * 1024u) /* the first and last MiB must be zeros */

enum prepare_fs {
        PREPARE_FS_EXT4 = 0,
        PREPARE_FS_XFS,
        PREPARE_FS_NTFS,
};

struct prepare_spec {
        enum prepare_fs fs;              /* the partition table is always GPT */
        char mount[PREPARE_MOUNT_MAX];   /* "/srv/data", "C:\data"; "" none */
        char letter;                     /* 'E' (ntfs only); 0 none */
        char text[PREPARE_SPEC_MAX + 1]; /* as given, for messages */
};

struct prepare_entry {
        char origin[192]; /* "--prepare", "FILE:LINE: key 'prepare'": for messages */
        char volume_id[VOLUME_ID_LEN + 1]; /* "" for the default */
        struct prepare_spec spec;
};

struct prepare_config {
        struct prepare_entry *v;
        size_t n, cap;
};

/* Parses one --prepare value into cfg; a second default or a second entry
 * for one volume is an error. Errors name opt ("--prepare"), the value and
 * the field. */
int prepare_config_add(struct prepare_config *cfg, const char *opt, const char *value,
                       struct va_err *err);
void prepare_config_free(struct prepare_config *cfg);

/* The spec for volume id: its own entry, else the default, else NULL
 * (preparation is off unless asked for). */
const struct prepare_spec *prepare_config_find(const struct prepare_config *cfg, const char *id);

/* Checks every entry against what the initiator can make: fs_list is the
 * backend's space-separated names ("ext4 xfs"; NULL: nothing), and the
 * mount's form (POSIX path for ext4/xfs, "X:\..." for ntfs). */
int prepare_config_check(const struct prepare_config *cfg, const char *opt, const char *backend,
                         const char *fs_list, struct va_err *err);

const char *prepare_fs_name(enum prepare_fs fs);

/* What is on a disk now, as the backend's probe found it (read only). */
struct prepare_probe {
        int readable;                /* the whole size could be read: first and last MiB */
        int zero;                    /* the first and last MiB hold only zeros */
        int signatures;              /* partition tables and signatures found, any kind */
        char what[PREPARE_WHAT_MAX]; /* the first of them: "gpt partition table", ... */
        char pttype[16];             /* "gpt", "dos"; "" none */
        int nparts;                  /* partitions in it */
        char part_fs[16];            /* the one partition's filesystem: "ext4" */
        char part_uuid[PREPARE_UUID_MAX];
        char part_label[64];
};

enum prepare_action {
        PREPARE_MAKE = 0, /* blank: partition and format it */
        PREPARE_MOUNT,    /* volattach made it (label and recorded UUID): mount only */
        PREPARE_REFUSE,   /* anything else: never written */
};

/* The decision, from the probe, the spec and the UUID recorded when
 * volattach made this volume's filesystem ("" none). On PREPARE_REFUSE why
 * names the reason. */
struct prepare_request;
enum prepare_action prepare_decide(const struct prepare_probe *p, const struct prepare_request *rq,
                                   char *why, size_t len);

/* What the CLI asks a backend to do for one volume. */
struct prepare_request {
        const char *volume_id;
        const struct prepare_spec *spec;
        const char *recorded_uuid; /* from volattach's record of this volume; "" none */
        int read_only;
        int in_use;             /* mounted, held or open (device_in_use) */
        const char *in_use_why; /* its reason */
};

/* What the backend did or found. */
struct prepare_outcome {
        enum prepare_action action;
        char why[256];                      /* PREPARE_REFUSE: the reason */
        char uuid[PREPARE_UUID_MAX];        /* the filesystem's, made or found */
        char partition[256];                /* /dev/sdb1; a Windows volume GUID path */
        char unit[PREPARE_MOUNT_MAX + 16];  /* srv-data.mount; "" none */
        char mounted_at[PREPARE_MOUNT_MAX]; /* "" not mounted */
};

/* systemd's unit name for a mount path (systemd-escape --path
 * --suffix=mount): "/srv/data" -> "srv-data.mount". */
int prepare_unit_name(const char *path, char *buf, size_t len);

/* The text of the generated mount unit. */
int prepare_unit_text(const char *volume_id, const struct prepare_spec *s, const char *uuid,
                      char *buf, size_t len);

#endif
