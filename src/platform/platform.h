/* SPDX-License-Identifier: Apache-2.0 */
/* The few OS primitives the rest of volattach needs. One implementation per
 * OS (posix.c, win32.c, plus http-*.c and configdrive-*.c), picked by the
 * build; callers never test the OS themselves. */
#ifndef VOLATTACH_PLATFORM_PLATFORM_H
#define VOLATTACH_PLATFORM_PLATFORM_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

/* --- files --- */

/* Reads a whole file into a NUL-terminated malloc'd buffer (the NUL is not
 * counted in *ret_len). Only a regular file is read: a FIFO, socket or
 * device is refused (-VA_E_IO) without blocking. -VA_E_NOTFOUND,
 * -VA_E_TOOBIG past max, -VA_E_IO. */
int plat_read_file(const char *path, size_t max, char **ret_buf, size_t *ret_len,
                   struct va_err *err);

/* plat_read_file for a file whose contents steer a privileged run (the
 * configuration file): also refused (-VA_E_PERM, saying which file and why)
 * when someone other than its owner, root or the administrators may write
 * it, or when its owner is neither root/an administrator nor the user
 * running volattach. Linux: group/other write bits and the owner;
 * Windows: the owner and every ACE of the DACL that grants write. */
int plat_read_file_trusted(const char *path, size_t max, char **ret_buf, size_t *ret_len,
                           struct va_err *err);

/* The same for rel ("openstack/latest/meta_data.json", '/'-separated, no
 * "." or "..") inside the directory root, following no symbolic link (or
 * Windows reparse point) in any component of rel: a tree from a config
 * drive cannot point the read outside itself. root itself may be a link.
 * name is what messages call the file. */
int plat_read_file_beneath(const char *root, const char *rel, const char *name, size_t max,
                           char **ret_buf, size_t *ret_len, struct va_err *err);

/* Writes a file atomically: a temporary file in the same directory with the
 * given mode (0600 for anything holding a secret; an owner-only ACL on
 * Windows), flushed to disk, then renamed over path. Nothing half-written is
 * ever visible under path. */
int plat_write_file_atomic(const char *path, const void *data, size_t len, int mode,
                           struct va_err *err);

/* 1 if path is a directory, 0 otherwise. */
int plat_is_dir(const char *path);

/* Creates a directory and its parents with the given mode; existing is fine. */
int plat_mkdir_p(const char *path, int mode, struct va_err *err);

/* Removes a file; a missing file is success. */
int plat_unlink(const char *path, struct va_err *err);

/* Removes an empty directory; a missing one is success, one that is not
 * empty an error. */
int plat_rmdir(const char *path, struct va_err *err);

/* Names (not paths) of the regular files in a directory, sorted. A missing
 * directory gives an empty list. Free with plat_string_list_free(). */
int plat_list_dir(const char *path, char ***ret, size_t *ret_n, struct va_err *err);

/* An exclusive lock on a file (created 0600 if missing; Linux: flock, so
 * the kernel drops it when the holder dies, even by SIGKILL; Windows: the
 * file opened without sharing). Waits up to wait_ms, saying once that it
 * waits unless PLAT_LOCK_QUIET; -VA_E_BUSY when it is still held then, the
 * message naming the holder. The holder's pid is kept in the file for those
 * messages while it holds it, and the file emptied on release (POSIX;
 * Windows cannot read a file opened without sharing).
 * With PLAT_LOCK_STOPPABLE a stop request (plat_stop_wait) ends the wait
 * at once with -VA_E_BUSY: a service being stopped must not sit out a
 * 300 s wait first. */
#define PLAT_LOCK_QUIET     1u
#define PLAT_LOCK_STOPPABLE 2u
struct plat_lock;
int plat_lock_acquire(const char *path, unsigned wait_ms, unsigned flags, struct plat_lock **ret,
                      struct va_err *err);
void plat_lock_release(struct plat_lock *l);

/* --- time and randomness --- */
uint64_t plat_monotonic_ms(void);
void plat_sleep_ms(unsigned ms);
/* The wall-clock time now as RFC 3339 in UTC with milliseconds,
 * "2026-12-02T05:40:12.345Z" (24 characters and the NUL). */
#define PLAT_RFC3339_LEN 25
void plat_rfc3339_now(char buf[PLAT_RFC3339_LEN]);
/* Not for secrets: jitter for retry backoff. */
uint32_t plat_random_u32(void);

/* --- stop requests --- */

/* Makes SIGTERM and SIGINT (Windows: Ctrl+C, Ctrl+Break, console close)
 * a stop request instead of the end of the process, so a long-running
 * command finishes its step cleanly. Call once, early. */
int plat_stop_init(struct va_err *err);
/* Waits up to ms for a stop request: 1 when one came (now or earlier), 0
 * when ms passed. */
int plat_stop_wait(unsigned ms);
/* Makes a stop request (the Windows service's stop control). */
void plat_stop_request(void);

/* --- threads --- */
struct plat_thread;
struct plat_mutex;
int plat_thread_start(struct plat_thread **ret, void *(*fn)(void *), void *arg);
void plat_thread_join(struct plat_thread *t);
struct plat_mutex *plat_mutex_new(void);
void plat_mutex_lock(struct plat_mutex *m);
void plat_mutex_unlock(struct plat_mutex *m);
void plat_mutex_free(struct plat_mutex *m);
/* A condition variable used with a plat_mutex. Waits may wake spuriously:
 * callers re-check their condition in a loop. timedwait measures ms on the
 * monotonic clock (a wall-clock step never stretches it) and returns
 * -VA_E_TIMEOUT when they passed, 0 when woken. */
struct plat_cond;
struct plat_cond *plat_cond_new(void);
void plat_cond_wait(struct plat_cond *c, struct plat_mutex *m);
int plat_cond_timedwait(struct plat_cond *c, struct plat_mutex *m, unsigned ms);
void plat_cond_signal(struct plat_cond *c);
void plat_cond_broadcast(struct plat_cond *c);
void plat_cond_free(struct plat_cond *c);

/* --- processes --- */
struct plat_spawn_result {
        int exited; /* 1 when the process exited (else killed or timed out) */
        int status; /* exit status when exited */
        int timed_out;
        char *out; /* stdout and stderr, merged, NUL-terminated, capped */
        size_t outlen;
};

/* Runs argv[0] (a full path, or searched in PATH) with a fixed argument
 * vector, never through a shell. The child's stdin is /dev/null. Output
 * beyond max_out is discarded. A child still running after timeout_ms is
 * killed. Returns 0 when the child was started (whatever its status), or a
 * negative code when it could not be. */
int plat_spawn(const char *const argv[], unsigned timeout_ms, size_t max_out,
               struct plat_spawn_result *ret, struct va_err *err);
void plat_spawn_result_free(struct plat_spawn_result *r);

/* 1 if an executable with this name is found (full path or in PATH). */
int plat_have_program(const char *name);

/* 1 when a daemon accepts connections on the abstract AF_UNIX socket name
 * (Linux: iscsid, multipathd), without running a program to ask; 0
 * otherwise and on systems without abstract sockets. */
int plat_abstract_socket_listening(const char *name);

/* --- the storage network (check) --- */

#define PLAT_ADDR_MAX 64 /* a numeric IPv4 or IPv6 address, with a zone */

/* The route the kernel would pick for a packet to an address, asked of the
 * kernel without sending anything there (Linux: rtnetlink RTM_GETROUTE;
 * Windows: GetBestRoute2 and GetIpInterfaceEntry). */
struct plat_route {
        char source[PLAT_ADDR_MAX]; /* the address it would send from */
        char ifname[64];            /* its interface ("eth1"; Windows: the alias) */
        unsigned ifindex;
        unsigned mtu;                /* the route's MTU, else the interface's; 0 unknown */
        char gateway[PLAT_ADDR_MAX]; /* the next hop; "" on a directly connected network */
        int prefix_len;              /* of the route that matched (0: the default route);
                                      * -1 unknown */
        int local;                   /* the address is this host's own */
};

/* Numeric addr ("192.0.2.1", "2001:db8::1"); -VA_E_NOTFOUND when no route
 * leads there (unreachable, blackhole, prohibit), with the kernel's words. */
int plat_route_lookup(const char *addr, struct plat_route *ret, struct va_err *err);

/* One TCP connection to addr:port, closed at once without a byte sent,
 * bounded by timeout_ms. 0, with the local address it used in source (may
 * be NULL); -VA_E_NET (refused, unreachable) or -VA_E_TIMEOUT. */
int plat_tcp_probe(const char *addr, unsigned port, unsigned timeout_ms, char *source,
                   size_t source_len, struct va_err *err);

/* A host name's first address (numeric ones come back as they are), as
 * connect(2) would try it. */
int plat_resolve(const char *host, char *addr, size_t len, struct va_err *err);

/* --- metadata service --- */
struct plat_http_response {
        long status; /* HTTP status code */
        char *body;  /* NUL-terminated; NULL when empty */
        size_t len;
};

/* One GET, no retries (the retry policy is portable, in meta/). Returns 0
 * with any HTTP status, or -VA_E_NET (connect failed), -VA_E_TIMEOUT,
 * -VA_E_TOOBIG (body over max_body), -VA_E_IO (truncated body, other
 * transfer errors). Only http:// and https:// URLs; no redirects. */
int plat_http_get(const char *url, unsigned timeout_ms, size_t max_body,
                  struct plat_http_response *ret, struct va_err *err);
void plat_http_response_free(struct plat_http_response *r);

/* --- config drive --- */

/* Devices (or, on Windows, drive roots and raw partitions) that may hold a
 * config drive, best first. Caller frees with plat_string_list_free(). */
int plat_configdrive_candidates(char ***ret, size_t *ret_n, struct va_err *err);
void plat_string_list_free(char **list, size_t n);

/* A block device or image file opened read-only (Windows: a raw disk, with
 * an "@OFFSET+LENGTH" suffix for a partition on it). */
struct plat_blockdev;
int plat_blockdev_open(const char *path, struct plat_blockdev **ret, struct va_err *err);
uint64_t plat_blockdev_size(const struct plat_blockdev *b);
/* Reads exactly len bytes at offset: 0, or -VA_E_IO. */
int plat_blockdev_read_at(struct plat_blockdev *b, uint64_t offset, void *buf, size_t len);
void plat_blockdev_close(struct plat_blockdev *b);

/* --- logging and process --- */

/* A log sink for the system log (syslog / Event Log); ctx unused. */
void plat_syslog_open(const char *ident);
void plat_syslog_sink(int level, const char *msg, void *ctx);

/* Makes the process non-dumpable (no core files, no same-user ptrace or
 * /proc/PID/mem reads) since it holds CHAP secrets in memory. */
void plat_harden(void);

/* 1 when running as root / elevated administrator. */
int plat_is_privileged(void);

/* Default locations (state directory for status/detach records). */
const char *plat_state_dir(void);
/* Where volattach keeps what must outlive a reboot (the records of disks
 * --prepare made): /var/lib/volattach (VOLATTACH_DATA_DIR overrides it);
 * on Windows the state directory, which is under ProgramData. */
const char *plat_data_dir(void);

/* The configuration file read when no --config is given:
 * /etc/volattach/volattach.conf; %ProgramData%\volattach\volattach.conf. */
const char *plat_config_path(void);

/* Replaces argv with UTF-8 arguments (Windows passes main() the ANSI code
 * page; POSIX arguments are bytes already and are left alone). */
int plat_utf8_args(int *argc, char ***argv);

#endif
