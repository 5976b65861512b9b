/* The iSCSI Discovery Library (iscsidsc.dll) as the Windows SDK declares it:
 * W variants only, SDK layouts checked by static asserts. Replaces mingw-w64's
 * <iscsidsc.h>, which does not compile and has wrong W layouts. */
#ifndef VOLATTACH_ISCSIDSC_H
#define VOLATTACH_ISCSIDSC_H

/*
 * Sources: the SDK's iscsidsc.h and iscsierr.h (as mirrored in
 * microsoft/win32metadata), the Microsoft Learn function pages, and the x64
 * sizes of the win32metadata projection; docs/windows-iscsi.md has what
 * volattach relies on.
 *
 * Never include mingw's <iscsidsc.h> as well: its ISCSI_SESSION_INFOW,
 * ISCSI_CONNECTION_INFOW and PERSISTENT_ISCSI_LOGIN_INFOW declare strings as
 * single characters, and it declares every function as returning a signed
 * HRESULT. The import library libiscsidsc.a is fine: link -liscsidsc.
 *
 * The DLL's functions are declared dllimport; a simulated iscsidsc.dll built
 * with -DISCSI_SIM_BUILDING_DLL gets dllexport instead, so its definitions are
 * checked against these very prototypes.
 */
#ifdef _INC_ISCSIDSC
#error "mingw's <iscsidsc.h> is already included; its W structs have the wrong layout"
#endif
/* mingw's include guard, so a later #include <iscsidsc.h> becomes a no-op */
#define _INC_ISCSIDSC

#include <stddef.h>
#include <windows.h>
#include <winioctl.h>
#include <ntddscsi.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifdef ISCSI_SIM_BUILDING_DLL
#define ISDSC_API __declspec(dllexport) WINAPI
#else
#define ISDSC_API __declspec(dllimport) WINAPI
#endif

/* --- status codes (iscsierr.h) ---------------------------------------------
 *
 * Functions return a ULONG, not an HRESULT: ERROR_SUCCESS, a Win32 error
 * (ERROR_INSUFFICIENT_BUFFER = 122, sometimes as its HRESULT 0x8007007A), or
 * an iSCSI code 0xEFFFxxxx (error) / 0xAFFFxxxx (warning: success with a
 * note). The codes are spelled as plain unsigned constants with the same
 * tokens as src/backend/iscsidsc-util.h, which defines some of them too: C
 * allows an identical redefinition, so both headers may be included.
 */
typedef ULONG ISDSC_STATUS;

#define ISDSC_NON_SPECIFIC_ERROR                     0xEFFF0001u
#define ISDSC_LOGIN_FAILED                           0xEFFF0002u
#define ISDSC_CONNECTION_FAILED                      0xEFFF0003u
#define ISDSC_AUTHENTICATION_FAILURE                 0xEFFF0009u
#define ISDSC_AUTHORIZATION_FAILURE                  0xEFFF000Au
#define ISDSC_NOT_FOUND                              0xEFFF000Bu
#define ISDSC_SESSION_ALREADY_EXISTS                 0xEFFF0016u
#define ISDSC_INITIATOR_INSTANCE_NOT_FOUND           0xEFFF0017u
#define ISDSC_TARGET_ALREADY_EXISTS                  0xEFFF0018u
#define ISDSC_INVALID_SESSION_ID                     0xEFFF001Cu
#define ISDSC_TOO_MANY_SESSIONS                      0xEFFF001Eu
#define ISDSC_SESSION_BUSY                           0xEFFF001Fu
#define ISDSC_LOGON_FAILED                           0xEFFF0022u
#define ISDSC_SEND_FAILED                            0xEFFF0023u
#define ISDSC_TRANSPORT_ERROR                        0xEFFF0024u
#define ISDSC_TARGET_NOT_FOUND                       0xEFFF0029u
#define ISDSC_INVALID_PORT_NUMBER                    0xEFFF002Du
#define ISDSC_OPERATION_NOT_ALL_SUCCESS              0xAFFF002Eu
#define ISDSC_TARGET_PORTAL_ALREADY_EXISTS           0xEFFF0032u
#define ISDSC_OPERATION_REQUIRES_REBOOT              0xAFFF003Bu
#define ISDSC_NO_PORTAL_SPECIFIED                    0xEFFF003Cu
#define ISDSC_SERVICE_NOT_RUNNING                    0xEFFF003Eu
#define ISDSC_TARGET_ALREADY_LOGGED_IN               0xEFFF003Fu
#define ISDSC_DEVICE_BUSY_ON_SESSION                 0xEFFF0040u
#define ISDSC_COULD_NOT_SAVE_PERSISTENT_LOGIN_DATA   0xEFFF0041u
#define ISDSC_COULD_NOT_REMOVE_PERSISTENT_LOGIN_DATA 0xEFFF0042u
#define ISDSC_PORTAL_NOT_FOUND                       0xEFFF0043u
#define ISDSC_INITIATOR_NOT_FOUND                    0xEFFF0044u
/* 0xAFFF0048 in iscsierr.h; Microsoft Learn's table prints 0xEFFF0048 */
#define ISDSC_SHORT_CHAP_SECRET             0xAFFF0048u
#define ISDSC_INVALID_CHAP_SECRET           0xEFFF004Au
#define ISDSC_INVALID_TARGET_CHAP_SECRET    0xEFFF004Bu
#define ISDSC_INVALID_INITIATOR_CHAP_SECRET 0xEFFF004Cu
#define ISDSC_INVALID_CHAP_USER_NAME        0xEFFF004Du
#define ISDSC_INVALID_LOGON_AUTH_TYPE       0xEFFF004Eu
#define ISDSC_INVALID_ISCSI_NAME            0xEFFF0051u
#define ISDSC_BUFFER_TOO_SMALL              0xEFFF0054u
#define ISDSC_INVALID_PARAMETER             0xEFFF0056u

/* HRESULT_FROM_WIN32(ERROR_INSUFFICIENT_BUFFER); os-win masks with 0xFFFF
 * because this form occurs */
#define ISDSC_HR_INSUFFICIENT_BUFFER 0x8007007Au

/* Severity is the top two bits: 00 success, 10 warning, 11 error. Win32
 * codes (small numbers) have severity 00 too, so these only classify codes
 * of the iSCSI facility (0xFFF). */
#define ISDSC_SEVERITY(st)   ((ULONG)(st) >> 30)
#define ISDSC_IS_WARNING(st) ((0xCFFF0000u & (ULONG)(st)) == 0x8FFF0000u)
#define ISDSC_IS_ERROR(st)   ((0xCFFF0000u & (ULONG)(st)) == 0xCFFF0000u)
/* success, or success with a warning to log */
#define ISDSC_SUCCEEDED(st) ((ULONG)(st) == ERROR_SUCCESS || ISDSC_IS_WARNING(st))
/* every spelling of "the buffer is too small" (docs/windows-iscsi.md 3) */
#define ISDSC_IS_BUFFER_TOO_SMALL(st)                \
        ((ULONG)(st) == ERROR_INSUFFICIENT_BUFFER || \
         (ULONG)(st) == ISDSC_HR_INSUFFICIENT_BUFFER || (ULONG)(st) == ISDSC_BUFFER_TOO_SMALL)

/* --- limits and special values -------------------------------------------- */

#define MAX_ISCSI_HBANAME_LEN        256
#define MAX_ISCSI_NAME_LEN           223
#define MAX_ISCSI_ALIAS_LEN          255
#define MAX_ISCSI_PORTAL_NAME_LEN    256
#define MAX_ISCSI_PORTAL_ALIAS_LEN   256
#define MAX_ISCSI_TEXT_ADDRESS_LEN   256
#define MAX_ISCSI_PORTAL_ADDRESS_LEN MAX_ISCSI_TEXT_ADDRESS_LEN

/* "any port" (login) and "all ports" (portals) share the value */
#define ISCSI_ANY_INITIATOR_PORT  ((ULONG)-1)
#define ISCSI_ALL_INITIATOR_PORTS ((ULONG)-1)

/* 64 bits on every architecture: the i686 import library's decorations
 * (_LoginIScsiTargetW@56, _AddIScsiSendTargetPortalW@24) prove it */
typedef ULONGLONG ISCSI_SECURITY_FLAGS, *PISCSI_SECURITY_FLAGS;

#define ISCSI_SECURITY_FLAG_TUNNEL_MODE_PREFERRED    0x00000040
#define ISCSI_SECURITY_FLAG_TRANSPORT_MODE_PREFERRED 0x00000020
#define ISCSI_SECURITY_FLAG_PFS_ENABLED              0x00000010
#define ISCSI_SECURITY_FLAG_AGGRESSIVE_MODE_ENABLED  0x00000008
#define ISCSI_SECURITY_FLAG_MAIN_MODE_ENABLED        0x00000004
#define ISCSI_SECURITY_FLAG_IKE_IPSEC_ENABLED        0x00000002
/* without it the others are ignored and the registry defaults apply */
#define ISCSI_SECURITY_FLAG_VALID 0x00000001

/* --- login options ---------------------------------------------------------- */

typedef enum { ISCSI_DIGEST_TYPE_NONE = 0, ISCSI_DIGEST_TYPE_CRC32C = 1 } ISCSI_DIGEST_TYPES;
typedef ISCSI_DIGEST_TYPES *PISCSI_DIGEST_TYPES;

typedef enum {
        ISCSI_NO_AUTH_TYPE = 0,
        ISCSI_CHAP_AUTH_TYPE = 1,
        ISCSI_MUTUAL_CHAP_AUTH_TYPE = 2
} ISCSI_AUTH_TYPES;
typedef ISCSI_AUTH_TYPES *PISCSI_AUTH_TYPES;

typedef ULONG ISCSI_LOGIN_FLAGS, *PISCSI_LOGIN_FLAGS;

#define ISCSI_LOGIN_FLAG_REQUIRE_IPSEC 0x00000001
/* without it a second session to a target is "already logged in" */
#define ISCSI_LOGIN_FLAG_MULTIPATH_ENABLED       0x00000002
#define ISCSI_LOGIN_FLAG_RESERVED1               0x00000004
#define ISCSI_LOGIN_FLAG_ALLOW_PORTAL_HOPPING    0x00000008
#define ISCSI_LOGIN_FLAG_USE_RADIUS_RESPONSE     0x00000010
#define ISCSI_LOGIN_FLAG_USE_RADIUS_VERIFICATION 0x00000020

/* which fields of ISCSI_LOGIN_OPTIONS are valid */
typedef ULONG ISCSI_LOGIN_OPTIONS_INFO_SPECIFIED, *PISCSI_LOGIN_OPTIONS_INFO_SPECIFIED;

#define ISCSI_LOGIN_OPTIONS_HEADER_DIGEST         0x00000001
#define ISCSI_LOGIN_OPTIONS_DATA_DIGEST           0x00000002
#define ISCSI_LOGIN_OPTIONS_MAXIMUM_CONNECTIONS   0x00000004
#define ISCSI_LOGIN_OPTIONS_DEFAULT_TIME_2_WAIT   0x00000008
#define ISCSI_LOGIN_OPTIONS_DEFAULT_TIME_2_RETAIN 0x00000010
#define ISCSI_LOGIN_OPTIONS_USERNAME              0x00000020
#define ISCSI_LOGIN_OPTIONS_PASSWORD              0x00000040
#define ISCSI_LOGIN_OPTIONS_AUTH_TYPE             0x00000080

#define ISCSI_LOGIN_OPTIONS_VERSION 0

/* Username is CHAP_N (the initiator node name when omitted), Password the
 * target's CHAP secret: byte blobs with explicit lengths, not NUL-terminated,
 * ANSI if they are text (SDK header comment). */
typedef struct {
        ULONG Version;
        ISCSI_LOGIN_OPTIONS_INFO_SPECIFIED InformationSpecified;
        ISCSI_LOGIN_FLAGS LoginFlags;
        ISCSI_AUTH_TYPES AuthType;
        ISCSI_DIGEST_TYPES HeaderDigest;
        ISCSI_DIGEST_TYPES DataDigest;
        ULONG MaximumConnections;
        ULONG DefaultTime2Wait;
        ULONG DefaultTime2Retain;
        ULONG UsernameLength;
        ULONG PasswordLength;
        PUCHAR Username;
        PUCHAR Password;
} ISCSI_LOGIN_OPTIONS, *PISCSI_LOGIN_OPTIONS;

/* --- targets and portals ---------------------------------------------------- */

typedef ULONG ISCSI_TARGET_FLAGS, *PISCSI_TARGET_FLAGS;

/* not reported by ReportIScsiTargets unless also discovered dynamically */
#define ISCSI_TARGET_FLAG_HIDE_STATIC_TARGET 0x00000002
/* merge with the stored information instead of overwriting it */
#define ISCSI_TARGET_FLAG_MERGE_TARGET_INFORMATION 0x00000004

/* Not the SCSI ISID: an opaque handle for a session (or a connection). */
typedef struct _ISCSI_UNIQUE_SESSION_ID {
        ULONGLONG AdapterUnique;
        ULONGLONG AdapterSpecific;
} ISCSI_UNIQUE_SESSION_ID, *PISCSI_UNIQUE_SESSION_ID;
typedef ISCSI_UNIQUE_SESSION_ID ISCSI_UNIQUE_CONNECTION_ID, *PISCSI_UNIQUE_CONNECTION_ID;

typedef struct {
        ULONG OSLUN;
        ULONGLONG TargetLUN;
} SCSI_LUN_LIST, *PSCSI_LUN_LIST;

typedef struct {
        WCHAR InitiatorName[MAX_ISCSI_HBANAME_LEN];
        WCHAR TargetName[MAX_ISCSI_NAME_LEN + 1];
        WCHAR OSDeviceName[MAX_PATH];
        ISCSI_UNIQUE_SESSION_ID SessionId;
        ULONG OSBusNumber;
        ULONG OSTargetNumber;
        ULONG LUNCount;
        PSCSI_LUN_LIST LUNList;
} ISCSI_TARGET_MAPPINGW, *PISCSI_TARGET_MAPPINGW;

/* Address is an IP address or a DNS name; Socket the TCP port (3260). */
typedef struct {
        WCHAR SymbolicName[MAX_ISCSI_PORTAL_NAME_LEN];
        WCHAR Address[MAX_ISCSI_PORTAL_ADDRESS_LEN];
        USHORT Socket;
} ISCSI_TARGET_PORTALW, *PISCSI_TARGET_PORTALW;

typedef struct {
        ULONG Count;
        ISCSI_TARGET_PORTALW Portals[1];
} ISCSI_TARGET_PORTAL_GROUPW, *PISCSI_TARGET_PORTAL_GROUPW;

typedef struct {
        WCHAR InitiatorName[MAX_ISCSI_HBANAME_LEN];
        ULONG InitiatorPortNumber;
        WCHAR SymbolicName[MAX_ISCSI_PORTAL_NAME_LEN];
        WCHAR Address[MAX_ISCSI_PORTAL_ADDRESS_LEN];
        USHORT Socket;
        ISCSI_SECURITY_FLAGS SecurityFlags;
        ISCSI_LOGIN_OPTIONS LoginOptions;
} ISCSI_TARGET_PORTAL_INFO_EXW, *PISCSI_TARGET_PORTAL_INFO_EXW;

/* --- sessions and devices ---------------------------------------------------
 *
 * The strings and the Connections array of a session point into the
 * caller's buffer: copy them out before freeing or moving it.
 */
typedef struct {
        ISCSI_UNIQUE_CONNECTION_ID ConnectionId;
        PWCHAR InitiatorAddress;
        PWCHAR TargetAddress;
        USHORT InitiatorSocket;
        USHORT TargetSocket;
        UCHAR CID[2];
} ISCSI_CONNECTION_INFOW, *PISCSI_CONNECTION_INFOW;

/* InitiatorName is the initiator node name (IQN), not the HBA instance
 * (os-win); os-win's ctypes mirror swaps TargetNodeName and TargetName. */
typedef struct {
        ISCSI_UNIQUE_SESSION_ID SessionId;
        PWCHAR InitiatorName;
        PWCHAR TargetNodeName;
        PWCHAR TargetName;
        UCHAR ISID[6];
        UCHAR TSID[2];
        ULONG ConnectionCount;
        PISCSI_CONNECTION_INFOW Connections;
} ISCSI_SESSION_INFOW, *PISCSI_SESSION_INFOW;

/* One per LUN. The disk is \\.\PhysicalDrive<StorageDeviceNumber.DeviceNumber>
 * (also in LegacyName); ScsiAddress.Lun is a UCHAR, so LUNs above 255 do not
 * fit. InitiatorName here is the HBA instance. */
typedef struct {
        WCHAR InitiatorName[MAX_ISCSI_HBANAME_LEN];
        WCHAR TargetName[MAX_ISCSI_NAME_LEN + 1];
        SCSI_ADDRESS ScsiAddress;
        GUID DeviceInterfaceType;
        WCHAR DeviceInterfaceName[MAX_PATH];
        WCHAR LegacyName[MAX_PATH];
        STORAGE_DEVICE_NUMBER StorageDeviceNumber;
        DWORD DeviceInstance;
} ISCSI_DEVICE_ON_SESSIONW, *PISCSI_DEVICE_ON_SESSIONW;

/* Exactly the arguments RemoveIScsiPersistentTargetW needs to forget it. */
typedef struct {
        WCHAR TargetName[MAX_ISCSI_NAME_LEN + 1];
        BOOLEAN IsInformationalSession;
        WCHAR InitiatorInstance[MAX_ISCSI_HBANAME_LEN];
        ULONG InitiatorPortNumber;
        ISCSI_TARGET_PORTALW TargetPortal;
        ISCSI_SECURITY_FLAGS SecurityFlags;
        PISCSI_TARGET_MAPPINGW Mappings;
        ISCSI_LOGIN_OPTIONS LoginOptions;
} PERSISTENT_ISCSI_LOGIN_INFOW, *PPERSISTENT_ISCSI_LOGIN_INFOW;

typedef struct {
        ULONG MajorVersion;
        ULONG MinorVersion;
        ULONG BuildNumber;
} ISCSI_VERSION_INFO, *PISCSI_VERSION_INFO;

/* --- layout checks ------------------------------------------------------------
 *
 * Sizes and offsets of the x64 SDK layouts (win32metadata projection,
 * docs/windows-iscsi.md 1); a wrong field type or order breaks the build here
 * instead of corrupting memory at run time.
 */
_Static_assert(sizeof(ISCSI_SECURITY_FLAGS) == 8, "ISCSI_SECURITY_FLAGS is 64-bit");
_Static_assert(sizeof(ISCSI_AUTH_TYPES) == 4, "the SDK enums are 4 bytes");
_Static_assert(sizeof(BOOLEAN) == 1, "BOOLEAN is a UCHAR");
_Static_assert(sizeof(ISCSI_UNIQUE_SESSION_ID) == 16, "ISCSI_UNIQUE_SESSION_ID");
_Static_assert(sizeof(SCSI_ADDRESS) == 8, "SCSI_ADDRESS");
_Static_assert(sizeof(STORAGE_DEVICE_NUMBER) == 12, "STORAGE_DEVICE_NUMBER");
_Static_assert(sizeof(ISCSI_TARGET_PORTALW) == 1026, "ISCSI_TARGET_PORTALW");
#ifdef _WIN64
_Static_assert(sizeof(ISCSI_LOGIN_OPTIONS) == 64, "ISCSI_LOGIN_OPTIONS");
_Static_assert(offsetof(ISCSI_LOGIN_OPTIONS, Username) == 48, "ISCSI_LOGIN_OPTIONS.Username");
_Static_assert(sizeof(ISCSI_SESSION_INFOW) == 64, "ISCSI_SESSION_INFOW");
_Static_assert(offsetof(ISCSI_SESSION_INFOW, TargetNodeName) == 24,
               "ISCSI_SESSION_INFOW.TargetNodeName");
_Static_assert(offsetof(ISCSI_SESSION_INFOW, TargetName) == 32, "ISCSI_SESSION_INFOW.TargetName");
_Static_assert(offsetof(ISCSI_SESSION_INFOW, Connections) == 56, "ISCSI_SESSION_INFOW.Connections");
_Static_assert(sizeof(ISCSI_CONNECTION_INFOW) == 40, "ISCSI_CONNECTION_INFOW");
_Static_assert(sizeof(ISCSI_DEVICE_ON_SESSIONW) == 2040, "ISCSI_DEVICE_ON_SESSIONW");
_Static_assert(offsetof(ISCSI_DEVICE_ON_SESSIONW, ScsiAddress) == 960,
               "ISCSI_DEVICE_ON_SESSIONW.ScsiAddress");
_Static_assert(offsetof(ISCSI_DEVICE_ON_SESSIONW, LegacyName) == 1504,
               "ISCSI_DEVICE_ON_SESSIONW.LegacyName");
_Static_assert(offsetof(ISCSI_DEVICE_ON_SESSIONW, StorageDeviceNumber) == 2024,
               "ISCSI_DEVICE_ON_SESSIONW.StorageDeviceNumber");
_Static_assert(sizeof(PERSISTENT_ISCSI_LOGIN_INFOW) == 2080, "PERSISTENT_ISCSI_LOGIN_INFOW");
_Static_assert(offsetof(PERSISTENT_ISCSI_LOGIN_INFOW, InitiatorInstance) == 450,
               "PERSISTENT_ISCSI_LOGIN_INFOW.InitiatorInstance");
_Static_assert(offsetof(PERSISTENT_ISCSI_LOGIN_INFOW, TargetPortal) == 968,
               "PERSISTENT_ISCSI_LOGIN_INFOW.TargetPortal");
_Static_assert(offsetof(PERSISTENT_ISCSI_LOGIN_INFOW, LoginOptions) == 2016,
               "PERSISTENT_ISCSI_LOGIN_INFOW.LoginOptions");
_Static_assert(sizeof(ISCSI_TARGET_PORTAL_INFO_EXW) == 1616, "ISCSI_TARGET_PORTAL_INFO_EXW");
#endif

/* --- functions -----------------------------------------------------------------
 *
 * Buffer sizes (docs/windows-iscsi.md 3): GetIScsiSessionListW,
 * ReportIScsiSendTargetPortalsExW and ReportIScsiPersistentLoginsW count
 * bytes (note the last one's argument order), GetDevicesForIScsiSessionW
 * counts elements, ReportIScsiTargetsW counts WCHARs; on "too small" the
 * required size comes back in the same argument.
 */

/* Status of the iSCSI service itself. */
ISDSC_STATUS ISDSC_API GetIScsiVersionInformation(PISCSI_VERSION_INFO VersionInfo);

/* InitiatorNodeName holds MAX_ISCSI_NAME_LEN + 1 WCHARs ("bytes" in the
 * docs is a slip). */
ISDSC_STATUS ISDSC_API GetIScsiInitiatorNodeNameW(PWCHAR InitiatorNodeName);

/* NULL restores the default name derived from the computer name; the name
 * is not validated. */
ISDSC_STATUS ISDSC_API SetIScsiInitiatorNodeNameW(PWSTR InitiatorNodeName);

/* The one initiator secret for mutual CHAP, for every target: 12 to 16 bytes
 * without IPsec. */
ISDSC_STATUS ISDSC_API SetIScsiInitiatorCHAPSharedSecret(ULONG SharedSecretLength,
                                                         PUCHAR SharedSecret);

ISDSC_STATUS ISDSC_API ReportIScsiSendTargetPortalsExW(PULONG PortalCount, PULONG PortalInfoSize,
                                                       PISCSI_TARGET_PORTAL_INFO_EXW PortalInfo);

ISDSC_STATUS ISDSC_API AddIScsiSendTargetPortalW(PWSTR InitiatorInstance, ULONG InitiatorPortNumber,
                                                 PISCSI_LOGIN_OPTIONS LoginOptions,
                                                 ISCSI_SECURITY_FLAGS SecurityFlags,
                                                 PISCSI_TARGET_PORTALW Portal);

ISDSC_STATUS ISDSC_API RemoveIScsiSendTargetPortalW(PWSTR InitiatorInstance,
                                                    ULONG InitiatorPortNumber,
                                                    PISCSI_TARGET_PORTALW Portal);

/* A multi-sz list (NUL after each name, one more at the end). */
ISDSC_STATUS ISDSC_API ReportIScsiTargetsW(BOOLEAN ForceUpdate, PULONG BufferSize, PWCHAR Buffer);

ISDSC_STATUS ISDSC_API AddIScsiStaticTargetW(PWSTR TargetName, PWSTR TargetAlias,
                                             ISCSI_TARGET_FLAGS TargetFlags, BOOLEAN Persist,
                                             PISCSI_TARGET_MAPPINGW Mappings,
                                             PISCSI_LOGIN_OPTIONS LoginOptions,
                                             PISCSI_TARGET_PORTAL_GROUPW PortalGroup);

ISDSC_STATUS ISDSC_API RemoveIScsiStaticTargetW(PWSTR TargetName);

/* The target must already be discovered (or static). With a NULL
 * InitiatorInstance the port must be ISCSI_ANY_INITIATOR_PORT. */
ISDSC_STATUS ISDSC_API LoginIScsiTargetW(
    PWSTR TargetName, BOOLEAN IsInformationalSession, PWSTR InitiatorInstance,
    ULONG InitiatorPortNumber, PISCSI_TARGET_PORTALW TargetPortal,
    ISCSI_SECURITY_FLAGS SecurityFlags, PISCSI_TARGET_MAPPINGW Mappings,
    PISCSI_LOGIN_OPTIONS LoginOptions, ULONG KeySize, PCHAR Key, BOOLEAN IsPersistent,
    PISCSI_UNIQUE_SESSION_ID UniqueSessionId, PISCSI_UNIQUE_CONNECTION_ID UniqueConnectionId);

ISDSC_STATUS ISDSC_API LogoutIScsiTarget(PISCSI_UNIQUE_SESSION_ID UniqueSessionId);

ISDSC_STATUS ISDSC_API GetIScsiSessionListW(ULONG *BufferSize, ULONG *SessionCount,
                                            PISCSI_SESSION_INFOW SessionInfo);

ISDSC_STATUS ISDSC_API GetDevicesForIScsiSessionW(PISCSI_UNIQUE_SESSION_ID UniqueSessionId,
                                                  ULONG *DeviceCount,
                                                  PISCSI_DEVICE_ON_SESSIONW Devices);

ISDSC_STATUS ISDSC_API ReportIScsiPersistentLoginsW(
    ULONG *Count, PPERSISTENT_ISCSI_LOGIN_INFOW PersistentLoginInfo, PULONG BufferSizeInBytes);

ISDSC_STATUS ISDSC_API RemoveIScsiPersistentTargetW(PWSTR InitiatorInstance,
                                                    ULONG InitiatorPortNumber, PWSTR TargetName,
                                                    PISCSI_TARGET_PORTALW Portal);

#ifdef __cplusplus
}
#endif

#endif
