/* SPDX-License-Identifier: Apache-2.0 */
/* The call bracket of the simulated initiator: lock, reload the state shared
 * by a test's processes (VA_SIM_STATE), apply a simulated reboot, check
 * MSiSCSI; then save atomically and write one trace line (VA_SIM_TRACE). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

#define STATE_MAGIC "va-iscsidsc-sim-state 2"
#define STATE_MAX   (1024 * 1024)

static SRWLOCK lock = SRWLOCK_INIT;
static struct sim_config config;
static struct sim_state state;
static int state_ready;      /* in-memory state initialised (no VA_SIM_STATE) */
static int process_rebooted; /* VA_SIM_REBOOT=1 is served once per process */
static unsigned call_seq;
static HANDLE file_mutex;
static WCHAR file_mutex_for[MAX_PATH];
static WCHAR state_path[MAX_PATH];
static int mutex_held;
static char text[STATE_MAX + 1];

void
sim_state_reset(struct sim_state *st)
{
        memset(st, 0, sizeof(*st));
        st->next_id = 1;
        /* PhysicalDrive0 is the boot disk */
        st->next_disk = 1;
}

/* --- trace ------------------------------------------------------------------ */

static void
trace_write(const char *line)
{
        WCHAR path[MAX_PATH];
        DWORD n = GetEnvironmentVariableW(L"VA_SIM_TRACE", path, MAX_PATH);
        DWORD done;
        HANDLE h;

        if (n == 0 || n >= MAX_PATH)
                return;
        /* FILE_APPEND_DATA alone: every write lands at the end, so lines of
         * concurrent processes do not overwrite each other */
        h = CreateFileW(path, FILE_APPEND_DATA, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL,
                        OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
        if (h == INVALID_HANDLE_VALUE)
                return;
        (void)WriteFile(h, line, (DWORD)strlen(line), &done, NULL);
        CloseHandle(h);
}

static int argv_traced;

static void trace_event(const char *fmt, ...) __attribute__((format(gnu_printf, 1, 2)));

static void
trace_event(const char *fmt, ...)
{
        char line[1024];
        int n;
        va_list ap;

        n = snprintf(line, sizeof(line), "%lu - ", (unsigned long)GetCurrentProcessId());
        va_start(ap, fmt);
        (void)vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
        va_end(ap);
        n = (int)strlen(line);
        line[n] = '\n';
        line[n + 1] = '\0';
        trace_write(line);
}

void
sim_note(struct sim_call *c, const char *fmt, ...)
{
        va_list ap;
        int n;

        if (c->note_len >= sizeof(c->note) - 1)
                return;
        va_start(ap, fmt);
        n = vsnprintf(c->note + c->note_len, sizeof(c->note) - c->note_len, fmt, ap);
        va_end(ap);
        if (n > 0)
                c->note_len += (size_t)n;
        if (c->note_len >= sizeof(c->note))
                c->note_len = sizeof(c->note) - 1;
}

/* --- the state file ------------------------------------------------------------
 *
 * Text, one record a line, strings as "=" plus the bytes with %XX escapes
 * for anything outside printable ASCII, so a test can read it. Secrets are
 * stored as a length and fingerprint only.
 */

struct out {
        size_t len;
        int overflow;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(gnu_printf, 2, 3)));

static void
put(struct out *o, const char *fmt, ...)
{
        va_list ap;
        int n;

        if (o->overflow)
                return;
        va_start(ap, fmt);
        n = vsnprintf(text + o->len, sizeof(text) - o->len, fmt, ap);
        va_end(ap);
        if (n < 0 || (size_t)n >= sizeof(text) - o->len)
                o->overflow = 1;
        else
                o->len += (size_t)n;
}

static void
put_str(struct out *o, const char *s)
{
        put(o, " =");
        for (; *s != '\0'; s++) {
                unsigned char ch = (unsigned char)*s;

                if (ch <= 0x20 || ch >= 0x7f || ch == '%')
                        put(o, "%%%02X", ch);
                else
                        put(o, "%c", ch);
        }
}

static void
put_opts(struct out *o, const struct sim_login_opts *x)
{
        put(o, " %lu %lu %lu %lu %lu %lu %lu %lu", x->info, x->flags, x->auth_type,
            x->header_digest, x->data_digest, x->max_connections, x->time2wait, x->time2retain);
        put_str(o, x->user);
        put(o, " %zu %zu %llu", x->user_len, x->password.len, (unsigned long long)x->password.fp);
}

static void
put_addr(struct out *o, const struct sim_addr *a)
{
        put_str(o, a->host);
        put(o, " %u", a->port);
}

static void
state_format(const struct sim_state *st, struct out *o)
{
        size_t i;

        put(o, "%s\nboot", STATE_MAGIC);
        put_str(o, st->boot_id);
        put(o, " %u %d\nids %llu %lu\nname", st->boot_count, st->restore_pending,
            (unsigned long long)st->next_id, st->next_disk);
        put_str(o, st->node_name);
        put(o, "\nisecret %d %zu %llu\n", st->initiator_secret_set, st->initiator_secret.len,
            (unsigned long long)st->initiator_secret.fp);
        for (i = 0; i < st->nportals; i++) {
                const struct sim_portal *p = &st->portals[i];

                put(o, "portal");
                put_addr(o, &p->addr);
                put_str(o, p->symbolic);
                put_str(o, p->instance);
                put(o, " %lu %llu", p->instance_port, (unsigned long long)p->security_flags);
                put_opts(o, &p->opts);
                put(o, "\n");
        }
        for (i = 0; i < st->nstatics; i++) {
                const struct sim_static *s = &st->statics[i];

                put(o, "static");
                put_str(o, s->iqn);
                put(o, " %lu %d", s->flags, s->persist);
                put_addr(o, &s->portal);
                put(o, "\n");
        }
        for (i = 0; i < st->nfound; i++) {
                put(o, "found");
                put_str(o, st->found[i].iqn);
                put_addr(o, &st->found[i].via);
                put(o, "\n");
        }
        for (i = 0; i < st->nplogins; i++) {
                const struct sim_plogin *l = &st->plogins[i];

                put(o, "plogin");
                put_str(o, l->iqn);
                put(o, " %d", l->informational);
                put_str(o, l->instance);
                put(o, " %lu", l->instance_port);
                put_addr(o, &l->portal);
                put_str(o, l->symbolic);
                put(o, " %llu", (unsigned long long)l->security_flags);
                put_opts(o, &l->opts);
                put(o, "\n");
        }
        for (i = 0; i < st->nsessions; i++) {
                const struct sim_session *s = &st->sessions[i];

                put(o, "session %llu %llu", (unsigned long long)s->id, (unsigned long long)s->cid);
                put_str(o, s->iqn);
                put_addr(o, &s->portal);
                put(o, " %lu %d %u %u %u %u\n", s->login_flags, s->informational, s->hidden_polls,
                    s->unnumbered_polls, s->tsid, s->initiator_socket);
        }
        for (i = 0; i < st->npreps; i++) {
                const struct sim_prep *x = &st->preps[i];

                put(o, "prep");
                put_str(o, x->iqn);
                put(o, " %u %d %d %u %d %llu %llu", x->lun, x->style, x->msr, x->msr_polls, x->data,
                    (unsigned long long)x->data_off, (unsigned long long)x->data_len);
                put_str(o, x->guid);
                put_str(o, x->fs);
                put_str(o, x->label);
                put_str(o, x->mounts);
                put(o, "\n");
        }
        for (i = 0; i < st->ndisks; i++) {
                put(o, "disk");
                put_str(o, st->disks[i].iqn);
                put(o, " %u", st->disks[i].lun);
                put_str(o, st->disks[i].path);
                put(o, " %lu %llu %llu %d\n", st->disks[i].number,
                    (unsigned long long)st->disks[i].attrs,
                    (unsigned long long)st->disks[i].persisted, st->disks[i].has_persisted);
        }
}

/* One line's fields, read in place. */
struct rd {
        char *p;
        int bad;
};

static char *
rd_tok(struct rd *r)
{
        char *start;

        while (*r->p == ' ')
                r->p++;
        if (*r->p == '\0') {
                r->bad = 1;
                return NULL;
        }
        start = r->p;
        while (*r->p != ' ' && *r->p != '\0')
                r->p++;
        if (*r->p == ' ')
                *r->p++ = '\0';
        return start;
}

static unsigned long long
rd_u(struct rd *r)
{
        char *t = rd_tok(r), *end;
        unsigned long long v;

        if (t == NULL)
                return 0;
        v = strtoull(t, &end, 10);
        if (*end != '\0' || *t < '0' || *t > '9')
                r->bad = 1;
        return v;
}

static ULONG
rd_ul(struct rd *r)
{
        unsigned long long v = rd_u(r);

        if (v > 0xFFFFFFFFull)
                r->bad = 1;
        return (ULONG)v;
}

static int
hexval(char ch)
{
        if (ch >= '0' && ch <= '9')
                return ch - '0';
        if (ch >= 'A' && ch <= 'F')
                return ch - 'A' + 10;
        return -1;
}

static void
rd_s(struct rd *r, char *out, size_t cap)
{
        char *t = rd_tok(r);
        size_t n = 0;

        out[0] = '\0';
        if (t == NULL || *t++ != '=') {
                r->bad = 1;
                return;
        }
        while (*t != '\0') {
                int ch = (unsigned char)*t++;

                if (ch == '%') {
                        int hi = hexval(t[0]), lo = hi < 0 ? -1 : hexval(t[1]);

                        if (lo < 0) {
                                r->bad = 1;
                                return;
                        }
                        ch = hi * 16 + lo;
                        t += 2;
                }
                if (n + 1 >= cap) {
                        r->bad = 1;
                        return;
                }
                out[n++] = (char)ch;
        }
        out[n] = '\0';
}

static void
rd_addr(struct rd *r, struct sim_addr *a)
{
        rd_s(r, a->host, sizeof(a->host));
        a->port = (unsigned)rd_ul(r);
}

static void
rd_opts(struct rd *r, struct sim_login_opts *x)
{
        x->info = rd_ul(r);
        x->flags = rd_ul(r);
        x->auth_type = rd_ul(r);
        x->header_digest = rd_ul(r);
        x->data_digest = rd_ul(r);
        x->max_connections = rd_ul(r);
        x->time2wait = rd_ul(r);
        x->time2retain = rd_ul(r);
        rd_s(r, x->user, sizeof(x->user));
        x->user_len = (size_t)rd_u(r);
        x->password.len = (size_t)rd_u(r);
        x->password.fp = rd_u(r);
        if (x->user_len >= sizeof(x->user))
                r->bad = 1;
}

/* Room for one more record of a kind, or the file is not ours. */
#define ROOM(n, max, r) ((n) < (max) ? 1 : ((r)->bad = 1, 0))

static int
state_parse(struct sim_state *st, char *s)
{
        char *line = s, *next;
        int first = 1;

        sim_state_reset(st);
        for (; line != NULL && *line != '\0'; line = next) {
                struct rd r = { line, 0 };
                char *kind;

                next = strchr(line, '\n');
                if (next != NULL)
                        *next++ = '\0';
                if (first) {
                        if (strcmp(line, STATE_MAGIC) != 0)
                                return -1;
                        first = 0;
                        continue;
                }
                kind = rd_tok(&r);
                if (kind == NULL) {
                        return -1;
                } else if (strcmp(kind, "boot") == 0) {
                        rd_s(&r, st->boot_id, sizeof(st->boot_id));
                        st->boot_count = (unsigned)rd_ul(&r);
                        st->restore_pending = (int)rd_ul(&r);
                } else if (strcmp(kind, "ids") == 0) {
                        st->next_id = rd_u(&r);
                        st->next_disk = rd_ul(&r);
                } else if (strcmp(kind, "name") == 0) {
                        rd_s(&r, st->node_name, sizeof(st->node_name));
                } else if (strcmp(kind, "isecret") == 0) {
                        st->initiator_secret_set = (int)rd_ul(&r);
                        st->initiator_secret.len = (size_t)rd_u(&r);
                        st->initiator_secret.fp = rd_u(&r);
                } else if (strcmp(kind, "portal") == 0 && ROOM(st->nportals, SIM_PORTALS, &r)) {
                        struct sim_portal *p = &st->portals[st->nportals++];

                        rd_addr(&r, &p->addr);
                        rd_s(&r, p->symbolic, sizeof(p->symbolic));
                        rd_s(&r, p->instance, sizeof(p->instance));
                        p->instance_port = rd_ul(&r);
                        p->security_flags = rd_u(&r);
                        rd_opts(&r, &p->opts);
                } else if (strcmp(kind, "static") == 0 && ROOM(st->nstatics, SIM_STATICS, &r)) {
                        struct sim_static *x = &st->statics[st->nstatics++];

                        rd_s(&r, x->iqn, sizeof(x->iqn));
                        x->flags = rd_ul(&r);
                        x->persist = (int)rd_ul(&r);
                        rd_addr(&r, &x->portal);
                } else if (strcmp(kind, "found") == 0 && ROOM(st->nfound, SIM_FOUND, &r)) {
                        rd_s(&r, st->found[st->nfound].iqn, SIM_NAME_MAX);
                        rd_addr(&r, &st->found[st->nfound].via);
                        st->nfound++;
                } else if (strcmp(kind, "plogin") == 0 && ROOM(st->nplogins, SIM_PLOGINS, &r)) {
                        struct sim_plogin *l = &st->plogins[st->nplogins++];

                        rd_s(&r, l->iqn, sizeof(l->iqn));
                        l->informational = (int)rd_ul(&r);
                        rd_s(&r, l->instance, sizeof(l->instance));
                        l->instance_port = rd_ul(&r);
                        rd_addr(&r, &l->portal);
                        rd_s(&r, l->symbolic, sizeof(l->symbolic));
                        l->security_flags = rd_u(&r);
                        rd_opts(&r, &l->opts);
                } else if (strcmp(kind, "session") == 0 && ROOM(st->nsessions, SIM_SESSIONS, &r)) {
                        struct sim_session *x = &st->sessions[st->nsessions++];

                        x->id = rd_u(&r);
                        x->cid = rd_u(&r);
                        rd_s(&r, x->iqn, sizeof(x->iqn));
                        rd_addr(&r, &x->portal);
                        x->login_flags = rd_ul(&r);
                        x->informational = (int)rd_ul(&r);
                        x->hidden_polls = (unsigned)rd_ul(&r);
                        x->unnumbered_polls = (unsigned)rd_ul(&r);
                        x->tsid = (unsigned)rd_ul(&r);
                        x->initiator_socket = (unsigned)rd_ul(&r);
                } else if (strcmp(kind, "prep") == 0 && ROOM(st->npreps, SIM_DISKS, &r)) {
                        struct sim_prep *x = &st->preps[st->npreps++];

                        rd_s(&r, x->iqn, sizeof(x->iqn));
                        x->lun = (unsigned)rd_ul(&r);
                        x->style = (int)rd_ul(&r);
                        x->msr = (int)rd_ul(&r);
                        x->msr_polls = (unsigned)rd_ul(&r);
                        x->data = (int)rd_ul(&r);
                        x->data_off = rd_u(&r);
                        x->data_len = rd_u(&r);
                        rd_s(&r, x->guid, sizeof(x->guid));
                        rd_s(&r, x->fs, sizeof(x->fs));
                        rd_s(&r, x->label, sizeof(x->label));
                        rd_s(&r, x->mounts, sizeof(x->mounts));
                } else if (strcmp(kind, "disk") == 0 && ROOM(st->ndisks, SIM_DISKS, &r)) {
                        struct sim_disk *d = &st->disks[st->ndisks++];

                        rd_s(&r, d->iqn, sizeof(d->iqn));
                        d->lun = (unsigned)rd_ul(&r);
                        rd_s(&r, d->path, sizeof(d->path));
                        d->number = rd_ul(&r);
                        d->attrs = rd_u(&r);
                        d->persisted = rd_u(&r);
                        d->has_persisted = (int)rd_ul(&r);
                } else {
                        r.bad = 1;
                }
                if (r.bad || *r.p != '\0')
                        return -1;
        }
        return first ? -1 : 0;
}

/* 0 loaded, 1 no file yet, -1 unreadable or corrupt */
static int
state_load(struct sim_state *st)
{
        HANDLE h = CreateFileW(state_path, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_DELETE, NULL,
                               OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
        DWORD got = 0, total = 0;

        if (h == INVALID_HANDLE_VALUE) {
                if (GetLastError() == ERROR_FILE_NOT_FOUND) {
                        sim_state_reset(st);
                        return 1;
                }
                return -1;
        }
        while (total < STATE_MAX &&
               ReadFile(h, text + total, (DWORD)(STATE_MAX - total), &got, NULL) && got > 0)
                total += got;
        CloseHandle(h);
        if (total >= STATE_MAX)
                return -1;
        text[total] = '\0';
        return state_parse(st, text);
}

/* Written beside the file, then renamed over it: a reader sees the old or
 * the new state, never half of one. No flush to disk: the rename is atomic
 * for the processes of a test, which is all the state has to survive (and
 * an fsync per call would make every call ten times slower). */
static int
state_save(const struct sim_state *st)
{
        WCHAR tmp[MAX_PATH + 32];
        struct out o = { 0, 0 };
        DWORD done = 0;
        HANDLE h;
        BOOL ok;

        state_format(st, &o);
        if (o.overflow)
                return -1;
        if (swprintf(tmp, MAX_PATH + 32, L"%ls.%lu.tmp", state_path,
                     (unsigned long)GetCurrentProcessId()) < 0)
                return -1;
        h = CreateFileW(tmp, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
        if (h == INVALID_HANDLE_VALUE)
                return -1;
        ok = WriteFile(h, text, (DWORD)o.len, &done, NULL) && done == o.len;
        CloseHandle(h);
        if (!ok || !MoveFileExW(tmp, state_path, MOVEFILE_REPLACE_EXISTING)) {
                DeleteFileW(tmp);
                return -1;
        }
        return 0;
}

/* The processes of one test share the state file: one named mutex per
 * file path serialises their load-change-save. */
static int
file_lock(void)
{
        char name[64];
        struct sim_secret_ref id;
        DWORD w;

        if (file_mutex == NULL || wcscmp(file_mutex_for, state_path) != 0) {
                if (file_mutex != NULL)
                        CloseHandle(file_mutex);
                id = sim_fingerprint(state_path, wcslen(state_path) * sizeof(WCHAR));
                (void)snprintf(name, sizeof(name), "Local\\va-iscsidsc-sim-%016llx",
                               (unsigned long long)id.fp);
                file_mutex = CreateMutexA(NULL, FALSE, name);
                if (file_mutex == NULL)
                        return -1;
                memcpy(file_mutex_for, state_path, sizeof(file_mutex_for));
        }
        w = WaitForSingleObject(file_mutex, 30000);
        /* an abandoned mutex means a test process died holding it; the file
         * itself is intact thanks to the rename */
        if (w != WAIT_OBJECT_0 && w != WAIT_ABANDONED)
                return -1;
        mutex_held = 1;
        return 0;
}

/* --- reboot and service ------------------------------------------------------ */

/* A reboot loses what lives in memory: sessions, SendTargets results and
 * non-persistent static targets (documented: Persist=FALSE does not survive
 * a service restart). Portals, persistent logins, the node name and the
 * initiator secret are in the registry and stay. */
static void
reboot(struct sim_call *c, const char *why)
{
        struct sim_state *st = c->st;
        size_t i, kept = 0;

        trace_event("reboot (%s): %zu sessions dropped, %zu persistent logins to restore", why,
                    st->nsessions, st->nplogins);
        st->nsessions = 0;
        st->nfound = 0;
        for (i = 0; i < st->nstatics; i++)
                if (st->statics[i].persist)
                        st->statics[kept++] = st->statics[i];
        st->nstatics = kept;
        st->boot_count++;
        st->restore_pending = 1;
        c->dirty = 1;
}

/* The SCM handles stay open between calls: one status query per call is
 * what the check costs (about 1 ms under Wine, against 6 ms for opening
 * them every time). A stale handle (the test deleted and re-created the
 * service) is dropped and opened again once. */
static SC_HANDLE scm_handle, svc_handle;

static void
service_close(void)
{
        if (svc_handle != NULL)
                CloseServiceHandle(svc_handle);
        if (scm_handle != NULL)
                CloseServiceHandle(scm_handle);
        svc_handle = NULL;
        scm_handle = NULL;
}

static int
service_query(SERVICE_STATUS *ss)
{
        if (svc_handle == NULL) {
                if (scm_handle == NULL)
                        scm_handle = OpenSCManagerW(NULL, NULL, SC_MANAGER_CONNECT);
                if (scm_handle == NULL)
                        return 0;
                svc_handle = OpenServiceW(scm_handle, L"MSiSCSI", SERVICE_QUERY_STATUS);
                if (svc_handle == NULL)
                        return 0;
        }
        return QueryServiceStatus(svc_handle, ss);
}

static int
service_running(const struct sim_config *cfg)
{
        SERVICE_STATUS ss;
        int ok;

        if (cfg->service != SIM_SERVICE_SCM)
                return cfg->service == SIM_SERVICE_RUNNING;
        /* the real DLL talks to the MSiSCSI service; without it every call
         * fails with ISDSC_SERVICE_NOT_RUNNING (iscsierr.h) */
        ok = service_query(&ss);
        if (!ok) {
                service_close();
                ok = service_query(&ss);
        }
        if (!ok)
                service_close();
        return ok && ss.dwCurrentState == SERVICE_RUNNING;
}

/* Persistent logins come back when the service starts after a boot
 * (documented; how long it takes is not modelled). Failures are traced and
 * skipped, as the service logs them to the event log (assumed). */
void
sim_restore_persistent(struct sim_call *c)
{
        struct sim_state *st = c->st;
        size_t i, j;

        sim_discover_all(c);
        for (i = 0; i < st->nplogins; i++) {
                const struct sim_plogin *l = &st->plogins[i];
                const struct sim_target *t = sim_target_find(c->cfg, l->iqn);
                struct sim_addr portal;
                struct sim_session *s;
                ULONG rc;

                if (t == NULL) {
                        trace_event("restore %s: no such target", l->iqn);
                        continue;
                }
                portal = l->portal.port != 0 ? l->portal : t->paths[0];
                rc = ERROR_SUCCESS;
                for (j = 0; j < st->nsessions; j++)
                        if (sim_streqi(st->sessions[j].iqn, t->iqn) &&
                            (!(l->opts.flags & ISCSI_LOGIN_FLAG_MULTIPATH_ENABLED) ||
                             sim_addr_eq(&st->sessions[j].portal, &portal)))
                                rc = ISDSC_TARGET_ALREADY_LOGGED_IN;
                if (rc == ERROR_SUCCESS &&
                    (sim_portal_down(c->cfg, &portal) || !sim_target_has_path(t, &portal)))
                        rc = ISDSC_CONNECTION_FAILED;
                if (rc == ERROR_SUCCESS)
                        rc = sim_check_login(c, t, &l->opts);
                if (rc == ERROR_SUCCESS)
                        rc = sim_session_create(c, t, &portal, l->opts.flags, l->informational, &s);
                trace_event("restore %s via %s:%u = 0x%08lX %s", l->iqn, portal.host, portal.port,
                            rc, sim_status_name(rc) ? sim_status_name(rc) : "");
        }
        st->restore_pending = 0;
        c->dirty = 1;
}

/* --- the call bracket -------------------------------------------------------- */

static int
env_is(const char *name, const char *want)
{
        char v[64];
        DWORD n = GetEnvironmentVariableA(name, v, sizeof(v));

        return n > 0 && n < sizeof(v) && strcmp(v, want) == 0;
}

ULONG
sim_begin(struct sim_call *c, const char *func)
{
        char err[256], boot[64];
        DWORD n;
        int changed, rc;
        size_t i;

        AcquireSRWLockExclusive(&lock);
        memset(c, 0, sizeof(*c));
        c->func = func;
        c->cfg = &config;
        c->st = &state;
        call_seq++;

        if (sim_config_refresh(&config, &changed, err, sizeof(err)) < 0) {
                /* loud: a test with a broken configuration must not pass */
                (void)fprintf(stderr, "iscsidsc-sim: %s\n", err);
                sim_note(c, "%s", err);
                return ISDSC_NON_SPECIFIC_ERROR;
        }

        n = GetEnvironmentVariableW(L"VA_SIM_STATE", state_path, MAX_PATH);
        if (n > 0 && n < MAX_PATH) {
                if (file_lock() < 0) {
                        sim_note(c, "cannot lock the state file");
                        return ISDSC_NON_SPECIFIC_ERROR;
                }
                rc = state_load(&state);
                if (rc < 0) {
                        (void)fprintf(stderr,
                                      "iscsidsc-sim: VA_SIM_STATE is unreadable or corrupt\n");
                        sim_note(c, "state file unreadable or corrupt");
                        return ISDSC_NON_SPECIFIC_ERROR;
                }
        } else {
                state_path[0] = 0;
                if (!state_ready)
                        sim_state_reset(&state);
                state_ready = 1;
        }

        /* widens the load-change-save window, so a test can show that
         * concurrent processes do not lose each other's changes */
        if (config.faults.slow_ms > 0)
                Sleep(config.faults.slow_ms);

        n = GetEnvironmentVariableA("VA_SIM_BOOT_ID", boot, sizeof(boot));
        if (n > 0 && n < sizeof(boot) && strcmp(boot, state.boot_id) != 0) {
                reboot(c, "VA_SIM_BOOT_ID");
                sim_copy(state.boot_id, sizeof(state.boot_id), boot);
        }
        /* the caller's command line, once per process: the tests prove no
         * secret ever reaches a process argument list */
        if (!argv_traced) {
                char cmd[900];

                argv_traced = 1;
                if (sim_from_wide(GetCommandLineW(), cmd, sizeof(cmd)) < 0)
                        sim_copy(cmd, sizeof(cmd), "(too long or not UTF-16)");
                trace_event("argv %s", cmd);
        }
        if (!process_rebooted && env_is("VA_SIM_REBOOT", "1")) {
                process_rebooted = 1;
                reboot(c, "VA_SIM_REBOOT");
        }

        if (!service_running(&config))
                return ISDSC_SERVICE_NOT_RUNNING;
        if (state.restore_pending)
                sim_restore_persistent(c);

        for (i = 0; i < config.faults.nfail; i++) {
                struct sim_code_fault *f = &config.faults.fail[i];

                if (strcmp(f->func, func) != 0 || (!f->always && f->left == 0))
                        continue;
                if (!f->always)
                        f->left--;
                sim_note(c, "injected ");
                return f->code;
        }
        return ERROR_SUCCESS;
}

ULONG
sim_end(struct sim_call *c, ULONG status)
{
        char line[1024];
        const char *name;
        size_t i;

        if (status == ERROR_SUCCESS)
                for (i = 0; i < config.faults.nwarn; i++)
                        if (strcmp(config.faults.warn[i].func, c->func) == 0) {
                                status = config.faults.warn[i].code;
                                break;
                        }
        if (c->dirty && state_path[0] != 0 && state_save(&state) < 0) {
                (void)fprintf(stderr, "iscsidsc-sim: cannot save VA_SIM_STATE\n");
                status = ISDSC_NON_SPECIFIC_ERROR;
        }
        name = sim_status_name(status);
        (void)snprintf(line, sizeof(line), "%lu %u %s(%s) = 0x%08lX %s\n",
                       (unsigned long)GetCurrentProcessId(), call_seq, c->func, c->note,
                       (unsigned long)status, name != NULL ? name : "");
        trace_write(line);
        if (mutex_held) {
                mutex_held = 0;
                ReleaseMutex(file_mutex);
        }
        ReleaseSRWLockExclusive(&lock);
        return status;
}

ULONG
sim_too_small(const struct sim_call *c)
{
        return c->cfg->faults.too_small;
}

int
sim_session_busy(struct sim_call *c, int which)
{
        unsigned *left = &c->cfg->faults.busy_left[which];

        if (*left == 0)
                return 0;
        (*left)--;
        return 1;
}
