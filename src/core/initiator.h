/* SPDX-License-Identifier: Apache-2.0 */
/* The seam between the core and an OS initiator: one table of operations.
 * The core decides what to do (which targets, in which order, with which
 * retries and waits); a backend only knows how to do one step on its OS.
 * Backends: openiscsi.c (Linux), iscsidsc.c (Windows), tests/backend-sim
 * (in memory, for tests). New members are only ever appended. */
#ifndef VOLATTACH_CORE_INITIATOR_H
#define VOLATTACH_CORE_INITIATOR_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "core/prepare.h"
#include "core/volume.h"

struct initiator; /* one backend instance, opaque to the core */

/* One rule for "cannot": an operation a backend cannot do is left NULL in
 * its table (the initiator_can_* helpers below read that, as nbdkit derives
 * can_* from the callback being there), and a capability bit exists only for
 * a property that is not an operation. What the host offers at run time
 * (multipathd running) is a query: initiator_multipath_ready. */
#define INITIATOR_CAP_MUTUAL_CHAP 0x02u /* the target proves itself back */
/* A LUN's disk stays until its session logs out (Windows): device_remove
 * cannot take it away. */
#define INITIATOR_CAP_DISKS_STAY 0x10u

#define INITIATOR_HANDLE_MAX 64
#define INITIATOR_PATH_MAX   256

enum initiator_session_state {
        INITIATOR_SESSION_UP = 0,
        INITIATOR_SESSION_RECOVERING, /* connection lost, the initiator is retrying */
        INITIATOR_SESSION_FAILED,
};

struct initiator_session {
        char handle[INITIATOR_HANDLE_MAX]; /* "7" (Linux sid), "ffff...-4000..." (Windows) */
        struct portal portal;
        char iqn[ISCSI_NAME_MAX + 1];
        enum initiator_session_state state;
        int reused; /* login found it already established */
};

enum initiator_device_kind {
        INITIATOR_DEVICE_DISK = 0,
        INITIATOR_DEVICE_MULTIPATH, /* dm-multipath map / MPIO disk */
};

struct initiator_device {
        enum initiator_device_kind kind;
        char path[INITIATOR_PATH_MAX];        /* /dev/sdb, /dev/dm-3, \\.\PhysicalDrive2 */
        char by_path[2 * INITIATOR_PATH_MAX]; /* /dev/disk/by-path/... when udev made it */
        char name[INITIATOR_PATH_MAX];        /* sdb, dm-3, mpatha; PhysicalDrive2 */
        char wwid[128];                       /* SCSI WWID (VPD 0x83) */
        char serial[128];                     /* unit serial (VPD 0x80) */
        uint64_t size_bytes;
        int read_only;
        char session[INITIATOR_HANDLE_MAX]; /* the session it is behind (disks) */
        unsigned host_lun;
        /* What the OS says of the disk now (Windows disk attributes and
         * layout); zero where it does not say. */
        int online;              /* 1 online, -1 offline, 0 unknown */
        char partition_style[8]; /* "raw", "mbr", "gpt"; "" unknown */
        /* The name by volume id, when the OS has made it: Linux
         * /dev/disk/by-volume-id/<id> (udev, fed by device_tag). */
        char by_volume_id[INITIATOR_PATH_MAX];
        /* Windows: the disk's unique id (VPD page 0x83, as Get-Disk's
         * UniqueId has it), the volume id recorded for it (device_tag),
         * read back, and its volumes, one line each: the volume GUID path,
         * then its drive letters and mount folders, '|' between them (no
         * Windows path holds one). "" where unknown. */
        char unique_id[128];
        char recorded_id[VOLUME_ID_LEN + 1];
        char volumes[1024];
};

/* A target found by SendTargets. */
struct initiator_target {
        struct portal portal;
        char iqn[ISCSI_NAME_MAX + 1];
};

/* Everything one login needs. */
struct initiator_login {
        const struct target_path *path;
        const struct auth *auth;
        const char *initiator_name;   /* the host's name to log in as; NULL: as configured */
        int multipath;                /* one of several paths to one volume */
        unsigned timeout_ms;          /* bound on this one attempt */
        const struct auth *discovery; /* SendTargets CHAP, for initiators that
                                       * discover while recording a target */
};

/* What `volattach check` learns of the initiator on this host, read
 * without changing anything (initiator_ops.probe). */
enum initiator_tristate {
        INITIATOR_UNKNOWN = 0,
        INITIATOR_YES,
        INITIATOR_NO,
};

struct initiator_probe {
        enum initiator_tristate running;   /* the service answers now */
        char service[256];                 /* its state in words: "running", "stopped, start type
                                            * manual: attach starts it and sets it automatic" */
        enum initiator_tristate startable; /* NO: attach could not start it (disabled) */
        /* where the initiator keeps its configuration ("/etc/iscsi"), and
         * whether volattach could write there; "" when it keeps none volattach
         * writes */
        char config_dir[INITIATOR_PATH_MAX];
        enum initiator_tristate config_writable;
        char config_why[256];
        /* the OS's policy for new SAN disks (Windows: "OfflineShared"); ""
         * where there is none, and where it was read */
        char san_policy[32];
        char san_policy_from[256];
};

/* Operations marked "optional" may be NULL: the backend cannot do that at
 * all, and the core plans without it (initiator_can_*). Every other one is
 * mandatory. */
struct initiator_ops {
        const char *name;
        unsigned caps;            /* INITIATOR_CAP_* */
        const char *service_name; /* for messages: "iscsid", "MSiSCSI" */

        int (*open)(struct initiator **ret, struct va_err *err);
        void (*close)(struct initiator *ini);

        /* Makes sure the initiator service runs (and starts at boot). */
        int (*ensure_service)(struct initiator *ini, struct va_err *err);

        int (*get_name)(struct initiator *ini, char *buf, size_t len, struct va_err *err);
        /* Sets the host's initiator name persistently and makes the running
         * initiator use it. */
        int (*set_name)(struct initiator *ini, const char *name, struct va_err *err);

        /* All sessions on the host (ours or not). *ret is malloc'd. */
        int (*list_sessions)(struct initiator *ini, struct initiator_session **ret, size_t *ret_n,
                             struct va_err *err);

        /* Optional. SendTargets on a portal (with discovery CHAP), creating
         * no records for what it lists. NULL (Windows: ReportIScsiTargetsW
         * does not say which portals offer which target): a volume that
         * asks for discovery uses its one listed portal. */
        int (*discover)(struct initiator *ini, const struct portal *p, const struct auth *auth,
                        struct initiator_target **ret, size_t *ret_n, struct va_err *err);

        /* Records the target with its credentials (node record, static
         * target), idempotently, never putting a secret on a command line. */
        int (*add_target)(struct initiator *ini, const struct initiator_login *l,
                          struct va_err *err);

        /* Logs in once; an existing session to the same target through the
         * same portal is success (ret->reused = 1). Errors: -VA_E_AUTH (do
         * not retry), -VA_E_NET / -VA_E_TIMEOUT (retry later), others. */
        int (*login)(struct initiator *ini, const struct initiator_login *l,
                     struct initiator_session *ret, struct va_err *err);

        /* Looks for the block device of host_lun behind a session; with scan
         * set, first asks the initiator to scan that LUN only. -VA_E_NOTFOUND
         * when it is not there yet: the core polls with a bounded wait. */
        int (*find_device)(struct initiator *ini, const struct initiator_session *s,
                           unsigned host_lun, int scan, struct initiator_device *ret,
                           struct va_err *err);

        /* Optional. One multipath device over path devices of one LU;
         * -VA_E_UNSUPPORTED when the host cannot build one now (see
         * multipath_ready). NULL: multipath volumes use one path. */
        int (*multipath_assemble)(struct initiator *ini, const struct initiator_device *paths,
                                  size_t n, struct initiator_device *ret, struct va_err *err);

        /* Optional. NULL: a volume with access_mode ro is refused. */
        int (*set_readonly)(struct initiator *ini, const struct initiator_device *d,
                            struct va_err *err);

        /* 1 (and a reason) if the device is mounted, held by another device
         * or open; 0 if free; negative on error. */
        int (*device_in_use)(struct initiator *ini, const struct initiator_device *d, char *why,
                             size_t len, struct va_err *err);

        /* Flushes and removes a device from the host (a multipath map, or a
         * SCSI disk). Never writes to the volume's data. */
        int (*device_remove)(struct initiator *ini, const struct initiator_device *d,
                             struct va_err *err);

        /* Block devices still present behind a session. *ret is malloc'd. */
        int (*session_devices)(struct initiator *ini, const struct initiator_session *s,
                               struct initiator_device **ret, size_t *ret_n, struct va_err *err);

        int (*logout)(struct initiator *ini, const struct initiator_session *s, struct va_err *err);

        /* Forgets a target recorded by add_target (node record, persistent
         * login, static target); absent is success. */
        int (*remove_target)(struct initiator *ini, const struct target_path *p,
                             struct va_err *err);

        /* Optional, with multipath_assemble: 1 when multipath devices can be
         * built on this host now (Linux: multipath-tools present and
         * multipathd running; Windows: the MPIO feature). NULL: whenever
         * multipath_assemble is there. A live query: plan does not ask it. */
        int (*multipath_ready)(struct initiator *ini);

        /* Optional. Logs in the targets of l[] (each recorded by add_target
         * first) in one go, where the initiator does that much more cheaply
         * than one by one (open-iscsi: one iscsiadm for all, not one process
         * each). Advisory: the core sees in list_sessions which came up, and
         * still runs login for every path, which then finds its session (and
         * retries a failed one alone); a failure only means each path logs in
         * alone. No add_target runs while it does. NULL: no batch. */
        int (*login_batch)(struct initiator *ini, const struct initiator_login *l, size_t n,
                           struct va_err *err);

        /* The largest host LUN find_device can match; 0: no limit. */
        unsigned max_host_lun;

        /* Optional. Makes a found disk usable after login: online, and
         * writable unless read_only (Windows: the SAN policy leaves new
         * iSCSI disks offline and read-only), persistently, then reads the
         * state back into d. A disk that stays offline is an error naming
         * why. NULL: disks are usable as they come. */
        int (*device_online)(struct initiator *ini, struct initiator_device *d, int read_only,
                             struct va_err *err);

        /* Optional (uninstall-state). Forgets what the backend keeps on the
         * host for volattach besides the targets: records of its own that
         * no session uses, its iface once none is in use, the multipath
         * WWIDs it added whose disks are gone. Never logs out; what it
         * keeps because it is in use is added to *kept. NULL: nothing. */
        int (*forget_host)(struct initiator *ini, unsigned *kept, struct va_err *err);

        /* Optional (check). Fills ret with the service's state, the
         * configuration directory's writability and the SAN policy, reading
         * only: no service started, no file written, not even for a moment.
         * NULL: check reports them unknown. */
        int (*probe)(struct initiator *ini, struct initiator_probe *ret, struct va_err *err);

        /* Optional. Records the volume id for an attached device, so that
         * the OS names the device by it (Linux: udev's
         * /dev/disk/by-volume-id/<id>, kept across udev's own events and
         * made again by the next boot's attach; Windows: a registry value
         * beside the disk's unique id), and fills d->by_volume_id. A
         * failure leaves the device attached, without that name. NULL: no
         * such name on this OS. */
        int (*device_tag)(struct initiator *ini, const char *volume_id, struct initiator_device *d,
                          struct va_err *err);

        /* Optional, with device_tag: forgets the volume id of a device
         * being detached (the device itself may be gone); none recorded is
         * success. */
        int (*device_untag)(struct initiator *ini, const char *volume_id,
                            const struct initiator_device *d, struct va_err *err);

        /* Optional (--prepare). The filesystems disk_prepare makes, space
         * separated ("ext4 xfs"); NULL with disk_prepare NULL. */
        const char *prepare_fs;
        /* Optional. Probes disk d without writing, decides with
         * prepare_decide (core/prepare.h) and acts on it: PREPARE_MAKE
         * writes a GPT with one partition and formats it (label
         * PREPARE_LABEL, a new UUID, both in ret); PREPARE_MOUNT finds the
         * filesystem volattach made; PREPARE_REFUSE writes nothing and says
         * why in ret. Any doubt (a probe that fails, a disk in use) is a
         * refusal or an error, never a write. */
        int (*disk_prepare)(struct initiator *ini, const struct initiator_device *d,
                            const struct prepare_request *rq, struct prepare_outcome *ret,
                            struct va_err *err);
        /* Optional, with disk_prepare. Mounts what disk_prepare made or found
         * where rq->spec says, now and at every boot (a systemd mount unit;
         * a drive letter or folder), idempotently; fills ret's unit and
         * mounted_at. */
        int (*disk_mount)(struct initiator *ini, const struct initiator_device *d,
                          const struct prepare_request *rq, struct prepare_outcome *ret,
                          struct va_err *err);
};

static inline int
initiator_can_discover(const struct initiator_ops *ops)
{
        return ops->discover != NULL;
}

static inline int
initiator_can_multipath(const struct initiator_ops *ops)
{
        return ops->multipath_assemble != NULL;
}

static inline int
initiator_can_readonly(const struct initiator_ops *ops)
{
        return ops->set_readonly != NULL;
}

static inline int
initiator_can_batch(const struct initiator_ops *ops)
{
        return ops->login_batch != NULL;
}

static inline int
initiator_can_mutual_chap(const struct initiator_ops *ops)
{
        return (ops->caps & INITIATOR_CAP_MUTUAL_CHAP) != 0;
}

static inline int
initiator_disks_stay(const struct initiator_ops *ops)
{
        return (ops->caps & INITIATOR_CAP_DISKS_STAY) != 0;
}

/* 1 when a multipath device can be built on this host now. */
static inline int
initiator_multipath_ready(const struct initiator_ops *ops, struct initiator *ini)
{
        if (!initiator_can_multipath(ops))
                return 0;
        return ops->multipath_ready == NULL || ops->multipath_ready(ini);
}

/* The backend table (backend.c): the OS's own by default, "sim" for tests. */
const struct initiator_ops *initiator_backend(const char *name);
const struct initiator_ops *initiator_backend_default(void);

#endif
