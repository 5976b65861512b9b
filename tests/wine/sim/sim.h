/* SPDX-License-Identifier: Apache-2.0 */
/* The simulated Microsoft iSCSI initiator service: its configuration (the
 * simulated storage array and the faults to inject), its persistent state,
 * and the call bracket every exported function runs in. */
#ifndef VA_ISCSIDSC_SIM_H
#define VA_ISCSIDSC_SIM_H

#include <stddef.h>
#include <stdint.h>

#include "iscsidsc.h"

#define SIM_NAME_MAX    (MAX_ISCSI_NAME_LEN + 1) /* an IQN, in UTF-8 */
#define SIM_ADDR_MAX    MAX_ISCSI_PORTAL_ADDRESS_LEN
#define SIM_SYMNAME_MAX MAX_ISCSI_PORTAL_NAME_LEN
#define SIM_INST_MAX    MAX_ISCSI_HBANAME_LEN
#define SIM_USER_MAX    256
#define SIM_SECRET_MAX  64  /* configured secrets; what logins send is checked */
#define SIM_LUNS        256 /* SCSI_ADDRESS.Lun is a UCHAR */

#define SIM_TARGETS       32
#define SIM_TARGET_PATHS  8
#define SIM_DISCOVERY     16
#define SIM_PORTALS       32
#define SIM_STATICS       32
#define SIM_FOUND         128
#define SIM_PLOGINS       64
#define SIM_SESSIONS      64
#define SIM_DISKS         512
#define SIM_FAULT_ENTRIES 16

/* The HBA instance of the Microsoft software initiator. */
#define SIM_HBA_INSTANCE "ROOT\\ISCSIPRT\\0000_0"

/* --- configuration: the simulated array, from the environment ------------- */

struct sim_addr {
        char host[SIM_ADDR_MAX];
        unsigned port;
};

struct sim_target {
        char iqn[SIM_NAME_MAX];
        struct sim_addr paths[SIM_TARGET_PATHS];
        size_t npaths;
        unsigned char luns[SIM_LUNS]; /* 1 where the LUN exists */
        char user[SIM_USER_MAX];      /* empty: no CHAP demanded */
        char secret[SIM_SECRET_MAX];
        char mutual_user[SIM_USER_MAX]; /* empty: no mutual CHAP */
        char mutual_secret[SIM_SECRET_MAX];
};

/* A portal that demands CHAP for SendTargets discovery. */
struct sim_discovery_auth {
        struct sim_addr addr;
        char user[SIM_USER_MAX];
        char secret[SIM_SECRET_MAX];
};

/* fail=FUNC:CODE[:N] and warn=FUNC:CODE */
struct sim_code_fault {
        char func[64];
        ULONG code;
        unsigned left; /* fail: calls still to fail (0 with always set) */
        int always;
};

/* What is on a LU before volattach writes to it (VA_SIM_FAULT disk-gpt=,
 * disk-mbr=, disk-tail=): all LUs are blank otherwise. */
enum sim_content_kind { SIM_CONTENT_GPT = 1, SIM_CONTENT_MBR, SIM_CONTENT_TAIL };

struct sim_content {
        char iqn[SIM_NAME_MAX];
        int lun; /* -1: every LUN */
        enum sim_content_kind kind;
};

struct sim_faults {
        unsigned session_busy;       /* per process, per function */
        unsigned busy_left[2];       /* what is left of it: logout, devices */
        ULONG too_small;             /* how "buffer too small" is spelled */
        unsigned devices_late;       /* per new session: empty device lists */
        unsigned devices_unnumbered; /* per new session: devices without a number */
        int upper_iqn;               /* sessions report the IQN upper-cased */
        int no_mpio;                 /* every session gets disks of its own */
        unsigned slow_ms;            /* each call holds the state this long */
        struct sim_addr down[SIM_FAULT_ENTRIES];
        size_t ndown;
        char in_use[SIM_FAULT_ENTRIES][SIM_NAME_MAX];
        int in_use_lun[SIM_FAULT_ENTRIES]; /* -1: every LUN */
        size_t nin_use;
        char recovering[SIM_FAULT_ENTRIES][SIM_NAME_MAX];
        size_t nrecovering;
        struct sim_code_fault fail[SIM_FAULT_ENTRIES];
        size_t nfail;
        struct sim_code_fault warn[SIM_FAULT_ENTRIES];
        size_t nwarn;
        int disk_denied; /* not elevated: disks open only without access rights */
        char stuck[SIM_FAULT_ENTRIES][SIM_NAME_MAX]; /* disks that stay offline */
        int stuck_lun[SIM_FAULT_ENTRIES];            /* -1: every LUN */
        size_t nstuck;
        char no_id[SIM_FAULT_ENTRIES][SIM_NAME_MAX]; /* disks without an LU designator */
        int no_id_lun[SIM_FAULT_ENTRIES];
        size_t nno_id;
        struct sim_content content[SIM_FAULT_ENTRIES];
        size_t ncontent;
        unsigned msr_late; /* layout reads after CREATE_DISK before the MSR shows */
};

enum sim_service_mode { SIM_SERVICE_SCM, SIM_SERVICE_RUNNING, SIM_SERVICE_STOPPED };

/* The SAN policy (diskpart san, Set-StorageSetting -NewDiskPolicy): what a
 * new disk on a shared bus (iSCSI is one) starts as. */
enum sim_san_policy { SIM_SAN_OFFLINE_SHARED = 0, SIM_SAN_ONLINE_ALL, SIM_SAN_OFFLINE_ALL };

/* A volume on simulated disks (VA_SIM_VOLUMES): its extents' LUs and its
 * drive letters and mount folders, as GetVolumePathNamesForVolumeNameW
 * gives them ("E:\\", "C:\\mnt\\data\\"). */
#define SIM_VOLUMES         16
#define SIM_VOLUME_LUS      4
#define SIM_VOLUME_PATHS    4
#define SIM_VOLUME_PATH_MAX 260

struct sim_volume {
        char iqn[SIM_VOLUME_LUS][SIM_NAME_MAX];
        unsigned lun[SIM_VOLUME_LUS];
        size_t nlus;
        char paths[SIM_VOLUME_PATHS][SIM_VOLUME_PATH_MAX];
        size_t npaths;
};

struct sim_config {
        struct sim_target targets[SIM_TARGETS];
        size_t ntargets;
        struct sim_discovery_auth discovery[SIM_DISCOVERY];
        size_t ndiscovery;
        struct sim_faults faults;
        enum sim_service_mode service;
        enum sim_san_policy san_policy;
        struct sim_volume volumes[SIM_VOLUMES];
        size_t nvolumes;
};

/* --- state: what the initiator service keeps (its registry and memory) ----
 *
 * Secrets are kept only as a length and a fingerprint (sim_fingerprint), so
 * the state file never holds one; the model only needs to compare them.
 */
struct sim_secret_ref {
        size_t len;
        uint64_t fp;
};

struct sim_login_opts {
        ULONG info; /* InformationSpecified */
        ULONG flags;
        ULONG auth_type;
        ULONG header_digest;
        ULONG data_digest;
        ULONG max_connections;
        ULONG time2wait;
        ULONG time2retain;
        char user[SIM_USER_MAX]; /* CHAP_N as sent; bytes kept as text */
        size_t user_len;
        struct sim_secret_ref password;
};

struct sim_portal {
        struct sim_addr addr;
        char symbolic[SIM_SYMNAME_MAX];
        char instance[SIM_INST_MAX];
        ULONG instance_port;
        ULONGLONG security_flags;
        struct sim_login_opts opts;
};

struct sim_static {
        char iqn[SIM_NAME_MAX];
        ULONG flags;
        int persist;
        struct sim_addr portal; /* port 0: no portal group given */
};

/* A target that SendTargets on a portal reported. */
struct sim_found {
        char iqn[SIM_NAME_MAX];
        struct sim_addr via;
};

struct sim_plogin {
        char iqn[SIM_NAME_MAX];
        int informational;
        char instance[SIM_INST_MAX];
        ULONG instance_port;
        struct sim_addr portal; /* port 0: none given */
        char symbolic[SIM_SYMNAME_MAX];
        ULONGLONG security_flags;
        struct sim_login_opts opts;
};

struct sim_session {
        ULONGLONG id;  /* AdapterSpecific of the session id */
        ULONGLONG cid; /* AdapterSpecific of its connection id */
        char iqn[SIM_NAME_MAX];
        struct sim_addr portal;
        ULONG login_flags;
        int informational;
        unsigned hidden_polls;     /* devices-late still to serve */
        unsigned unnumbered_polls; /* devices-unnumbered still to serve */
        unsigned tsid;
        unsigned initiator_socket;
};

struct sim_disk {
        char iqn[SIM_NAME_MAX];
        unsigned lun;
        char path[SIM_ADDR_MAX + 8]; /* the portal with no-mpio, else empty */
        ULONG number;
        /* DISK_ATTRIBUTE_* now, and what a persisted set left for the
         * next boot (has_persisted 0: the SAN policy decides again) */
        ULONGLONG attrs;
        ULONGLONG persisted;
        int has_persisted;
};

/* A LU's layout and volume once volattach wrote to it (sim-prepare.c),
 * kept with the LU (iqn, lun) across logouts and reboots as data is. */
#define SIM_PREP_MOUNTS 256
struct sim_prep {
        char iqn[SIM_NAME_MAX];
        unsigned lun;
        int style;          /* PARTITION_STYLE_* */
        int msr;            /* the MSR is there */
        unsigned msr_polls; /* layout reads still to answer without it */
        int data;           /* one basic data partition */
        ULONGLONG data_off, data_len;
        char guid[40]; /* its PartitionId: also the volume's GUID */
        char fs[8];    /* "NTFS"; "" RAW */
        char label[40];
        char mounts[SIM_PREP_MOUNTS]; /* "E:\|C:\data\" */
};

struct sim_state {
        char boot_id[64];
        unsigned boot_count;
        int restore_pending; /* persistent logins to restore at service start */
        ULONGLONG next_id;
        ULONG next_disk;
        char node_name[SIM_NAME_MAX]; /* empty: the default name */
        int initiator_secret_set;
        struct sim_secret_ref initiator_secret;
        struct sim_portal portals[SIM_PORTALS];
        size_t nportals;
        struct sim_static statics[SIM_STATICS];
        size_t nstatics;
        struct sim_found found[SIM_FOUND];
        size_t nfound;
        struct sim_plogin plogins[SIM_PLOGINS];
        size_t nplogins;
        struct sim_session sessions[SIM_SESSIONS];
        size_t nsessions;
        struct sim_disk disks[SIM_DISKS];
        size_t ndisks;
        struct sim_prep preps[SIM_DISKS];
        size_t npreps;
};

/* --- one exported call ------------------------------------------------------ */

struct sim_call {
        const char *func;
        struct sim_config *cfg;
        struct sim_state *st;
        int dirty;      /* the state changed: save it */
        char note[768]; /* the arguments, for the trace: never a secret */
        size_t note_len;
};

/* Locks, loads configuration and state, applies a pending reboot, checks the
 * MSiSCSI service and injected failures. ERROR_SUCCESS to go on; otherwise
 * the status to return through sim_end(). */
ULONG sim_begin(struct sim_call *c, const char *func);

/* Saves the state if dirty, applies warn= faults, traces, unlocks. */
ULONG sim_end(struct sim_call *c, ULONG status);

/* Appends to the call's trace line. Never pass a secret. */
void sim_note(struct sim_call *c, const char *fmt, ...) __attribute__((format(gnu_printf, 2, 3)));

/* How a too-small buffer is answered (documented: ERROR_INSUFFICIENT_BUFFER;
 * a fault can choose the HRESULT or ISDSC_BUFFER_TOO_SMALL). */
ULONG sim_too_small(const struct sim_call *c);

/* Per-process counter of the session-busy fault for one function: 1 while
 * the call must answer ISDSC_SESSION_BUSY. */
int sim_session_busy(struct sim_call *c, int which);

/* The disk key of a session's LUs: its portal with no-mpio, else empty. */
void sim_disk_path_key(const struct sim_call *c, const struct sim_session *s, char *out,
                       size_t cap);

/* DISK_ATTRIBUTE_* a new iSCSI disk starts with under the SAN policy. */
ULONGLONG sim_disk_new_attrs(const struct sim_config *cfg);

/* The reboot's second half, run at the first call with the service up. */
void sim_restore_persistent(struct sim_call *c);

/* From the model (iscsidsc_sim.c), used by the reboot. */
void sim_discover_all(struct sim_call *c);
ULONG sim_session_create(struct sim_call *c, const struct sim_target *t,
                         const struct sim_addr *portal, ULONG login_flags, int informational,
                         struct sim_session **ret);
ULONG sim_check_login(struct sim_call *c, const struct sim_target *t,
                      const struct sim_login_opts *o);

/* --- the disks (sim-disk.c) -------------------------------------------------- */

/* The Windows backend's disk seam (src/backend/iscsidsc-disk.h): one
 * CreateFileW + DeviceIoControl on \\.\PhysicalDriveN, answered from the
 * simulated disks, since Wine has no disk driver to model. */
__declspec(dllexport) BOOL WINAPI
    VaSimDiskIoctl(const WCHAR *path, DWORD access, DWORD code, void *in, DWORD inlen, void *out,
                   DWORD outlen, DWORD *got);

/* The volume calls of the same seam (sim-volume.c): the simulated volumes
 * of the disks present and online, and the boot volume on PhysicalDrive0. */
__declspec(dllexport) HANDLE WINAPI VaSimFindFirstVolumeW(WCHAR *name, DWORD len);
__declspec(dllexport) BOOL WINAPI VaSimFindNextVolumeW(HANDLE h, WCHAR *name, DWORD len);
__declspec(dllexport) BOOL WINAPI VaSimFindVolumeClose(HANDLE h);
__declspec(dllexport) BOOL WINAPI
    VaSimGetVolumePathNamesForVolumeNameW(const WCHAR *volume, WCHAR *paths, DWORD len,
                                          DWORD *needed);

/* IOCTL_VOLUME_GET_VOLUME_DISK_EXTENTS on "\\?\Volume{GUID}" for
 * VaSimDiskIoctl (sim-volume.c). */
DWORD sim_volume_ioctl(struct sim_call *c, const WCHAR *path, DWORD code, void *out, DWORD outlen,
                       DWORD *got);

/* The number of the disk present now for a LU, or 0xFFFFFFFF (sim-disk.c);
 * online set to whether it is online. */
ULONG sim_disk_of(struct sim_call *c, const char *iqn, unsigned lun, int *online);

/* 1 when a configured volume lives on this LU (its layout is then GPT). */
int sim_lu_has_volume(const struct sim_config *cfg, const char *iqn, unsigned lun);
/* The disk \\.\PhysicalDriveN names, when a session has it now. */
struct sim_disk *sim_disk_by_path(struct sim_call *c, const WCHAR *path);

/* --- --prepare's calls (sim-prepare.c) ---------------------------------------- */

/* The IOCTLs sim-disk.c leaves to it: CREATE_DISK, SET_DRIVE_LAYOUT_EX,
 * UPDATE_PROPERTIES, GET_LENGTH_INFO, and GET_DRIVE_LAYOUT_EX itself.
 * ERROR_INVALID_FUNCTION for a code it does not model either. */
DWORD sim_prep_ioctl(struct sim_call *c, struct sim_disk *d, DWORD access, DWORD code,
                     const void *in, DWORD inlen, void *out, DWORD outlen, DWORD *got);

/* The Windows backend's --prepare seam (src/backend/iscsidsc-prepare.h). */
__declspec(dllexport) BOOL WINAPI
    VaSimDiskRead(const WCHAR *disk, ULONGLONG offset, void *buf, DWORD len, DWORD *got);
__declspec(dllexport) BOOL WINAPI VaSimVolumeOf(ULONG n, ULONGLONG offset, WCHAR *vol, DWORD len);
__declspec(dllexport) ULONG WINAPI
    VaSimVolumeFormat(const WCHAR *vol, const WCHAR *fs, const WCHAR *label);
__declspec(dllexport) BOOL WINAPI
    VaSimVolumeInfo(const WCHAR *vol, WCHAR *label, DWORD llen, WCHAR *fs, DWORD flen);
__declspec(dllexport) BOOL WINAPI
    VaSimVolumePaths(const WCHAR *vol, WCHAR *buf, DWORD len, DWORD *got);
__declspec(dllexport) BOOL WINAPI
    VaSimSetVolumeMountPoint(const WCHAR *mount_point, const WCHAR *vol);

/* --- configuration (sim-config.c) ------------------------------------------- */

/* Re-reads VA_SIM_* when they changed; 0, or -1 with why in err. Faults'
 * per-process counters restart when VA_SIM_FAULT changes. */
int sim_config_refresh(struct sim_config *cfg, int *changed, char *err, size_t errlen);

const struct sim_target *sim_target_find(const struct sim_config *cfg, const char *iqn);
int sim_target_has_path(const struct sim_target *t, const struct sim_addr *a);
const struct sim_discovery_auth *sim_discovery_find(const struct sim_config *cfg,
                                                    const struct sim_addr *a);
int sim_portal_down(const struct sim_config *cfg, const struct sim_addr *a);

/* 1 when the stuck fault names this disk (sim-config.c) */
int sim_disk_stuck(const struct sim_config *cfg, const char *iqn, unsigned lun);
/* 1 when the no-id fault names this disk */
int sim_disk_no_id(const struct sim_config *cfg, const char *iqn, unsigned lun);

/* --- state (sim-state.c) ---------------------------------------------------- */

void sim_state_reset(struct sim_state *st);

/* --- small helpers (sim-util.c) ---------------------------------------------- */

/* UTF-16 <-> UTF-8; -1 when the text does not fit or is not valid. */
int sim_from_wide(const WCHAR *w, char *out, size_t cap);
int sim_to_wide(const char *s, WCHAR *out, size_t cap);
/* WCHARs needed for s, its NUL included */
size_t sim_wide_len(const char *s);

int sim_streqi(const char *a, const char *b); /* ASCII case-insensitive */
int sim_addr_eq(const struct sim_addr *a, const struct sim_addr *b);
void sim_copy(char *dst, size_t cap, const char *src); /* truncating, always NUL-ended */

/* A length-and-hash stand-in for a secret: enough to compare, useless to
 * read back. Not cryptographic; it only keeps plaintext out of the files. */
struct sim_secret_ref sim_fingerprint(const void *bytes, size_t len);
int sim_secret_eq(struct sim_secret_ref a, struct sim_secret_ref b);

/* Name of an ISDSC/Win32 status for traces, or NULL; and back (faults). */
const char *sim_status_name(ULONG status);
int sim_status_code(const char *name, ULONG *code);

#endif
