/* SPDX-License-Identifier: Apache-2.0 */
/* --prepare: the spec grammar "[VOLUME_ID=]gpt+FS[,mount=PATH][,letter=X]",
 * which spec a volume gets, and the make/mount/refuse decision. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/array.h"
#include "base/ascii.h"
#include "core/prepare.h"

static const char *const fs_names[] = { "ext4", "xfs", "ntfs" };

static int
is_alpha(int c)
{
        return ascii_isalnum(c) && !ascii_isdigit(c);
}

static int
is_xdigit(int c)
{
        return ascii_isdigit(c) || (ascii_lower(c) >= 'a' && ascii_lower(c) <= 'f');
}

const char *
prepare_fs_name(enum prepare_fs fs)
{
        return (unsigned)fs < sizeof(fs_names) / sizeof(fs_names[0]) ? fs_names[fs] : "?";
}

/* A volume id as the metadata gives it: canonical UUID text (meta.c checks
 * the same; the id only has to match one). */
static int
id_valid(const char *s, size_t n)
{
        size_t i;

        if (n != VOLUME_ID_LEN)
                return 0;
        for (i = 0; i < n; i++) {
                if (i == 8 || i == 13 || i == 18 || i == 23) {
                        if (s[i] != '-')
                                return 0;
                } else if (!is_xdigit((unsigned char)s[i])) {
                        return 0;
                }
        }
        return 1;
}

/* Mount points that hold the system itself: a volume over one of them
 * would hide the OS. */
static const char *const posix_reserved[] = { "/",    "/bin",   "/boot", "/dev",  "/etc", "/home",
                                              "/lib", "/lib64", "/proc", "/root", "/run", "/sbin",
                                              "/sys", "/tmp",   "/usr",  "/var" };

/* An absolute, normalised POSIX path: no "//", no "." or ".." component,
 * no trailing "/", printable ASCII without blanks, quotes or backslashes
 * (it goes into a unit file and a unit name). */
static int
posix_mount_check(const char *p, char *why, size_t len)
{
        size_t i, n = strlen(p);

        if (p[0] != '/') {
                (void)snprintf(why, len, "must be an absolute path");
                return -1;
        }
        for (i = 0; i < n; i++) {
                unsigned char ch = (unsigned char)p[i];

                if (ch <= ' ' || ch >= 0x7f || ch == '\\' || ch == '"' || ch == '\'' || ch == '%' ||
                    ch == ',') {
                        (void)snprintf(why, len, "character 0x%02x not allowed", ch);
                        return -1;
                }
                if (ch == '/' && (p[i + 1] == '/' || p[i + 1] == '\0') && n > 1) {
                        (void)snprintf(why, len, "empty component or trailing '/'");
                        return -1;
                }
                if (ch == '/' && p[i + 1] == '.' &&
                    (p[i + 2] == '/' || p[i + 2] == '\0' ||
                     (p[i + 2] == '.' && (p[i + 3] == '/' || p[i + 3] == '\0')))) {
                        (void)snprintf(why, len, "'.' or '..' component");
                        return -1;
                }
        }
        for (i = 0; i < sizeof(posix_reserved) / sizeof(posix_reserved[0]); i++)
                if (strcmp(p, posix_reserved[i]) == 0) {
                        (void)snprintf(why, len, "%s holds the system", p);
                        return -1;
                }
        return 0;
}

/* "D:\data\x": a drive letter, then components without the characters
 * Windows forbids in names, none ending in a blank or '.'. */
static int
win_mount_check(const char *p, char *why, size_t len)
{
        size_t i, n = strlen(p);

        if (n < 4 || !is_alpha((unsigned char)p[0]) || p[1] != ':' || p[2] != '\\') {
                (void)snprintf(why, len, "must be a folder like C:\\data");
                return -1;
        }
        for (i = 3; i < n; i++) {
                unsigned char ch = (unsigned char)p[i];

                if (ch < ' ' || ch >= 0x7f || strchr("<>:\"/|?*,", ch) != NULL) {
                        (void)snprintf(why, len, "character 0x%02x not allowed", ch);
                        return -1;
                }
                if (ch == '\\' &&
                    (p[i + 1] == '\\' || p[i + 1] == '\0' || p[i - 1] == ' ' || p[i - 1] == '.')) {
                        (void)snprintf(why, len, "empty component, or one ending in ' ' or '.'");
                        return -1;
                }
        }
        if (p[n - 1] == ' ' || p[n - 1] == '.') {
                (void)snprintf(why, len, "ends in ' ' or '.'");
                return -1;
        }
        return 0;
}

static int
spec_parse(const char *opt, const char *value, const char *text, struct prepare_spec *s,
           struct va_err *err)
{
        const char *p = text, *end;
        char field[PREPARE_SPEC_MAX + 1];
        size_t i;
        int have_mount = 0;

        memset(s, 0, sizeof(*s));
        (void)snprintf(s->text, sizeof(s->text), "%s", text);
        if (strncmp(p, "gpt+", 4) != 0)
                return va_err_set(err, VA_E_INVAL,
                                  "%s \"%s\": layout: expected \"gpt+FS\" (the only layout is "
                                  "gpt)",
                                  opt, value);
        p += 4;
        end = p + strcspn(p, ",");
        for (i = 0; i < sizeof(fs_names) / sizeof(fs_names[0]); i++)
                if ((size_t)(end - p) == strlen(fs_names[i]) &&
                    strncmp(p, fs_names[i], (size_t)(end - p)) == 0)
                        break;
        if (i == sizeof(fs_names) / sizeof(fs_names[0]))
                return va_err_set(err, VA_E_INVAL,
                                  "%s \"%s\": filesystem \"%.*s\": expected ext4, xfs or ntfs", opt,
                                  value, (int)(end - p), p);
        s->fs = (enum prepare_fs)i;
        while (*end == ',') {
                const char *eq;
                size_t flen;

                p = end + 1;
                end = p + strcspn(p, ",");
                flen = (size_t)(end - p);
                (void)snprintf(field, sizeof(field), "%.*s", (int)flen, p);
                eq = strchr(field, '=');
                if (eq == NULL)
                        return va_err_set(err, VA_E_INVAL,
                                          "%s \"%s\": field \"%s\": expected KEY=VALUE", opt, value,
                                          field);
                if (strncmp(field, "mount=", 6) == 0) {
                        if (have_mount || s->letter)
                                return va_err_set(err, VA_E_INVAL,
                                                  "%s \"%s\": field mount: given twice, or "
                                                  "with letter",
                                                  opt, value);
                        if (strlen(eq + 1) >= sizeof(s->mount))
                                return va_err_set(err, VA_E_INVAL,
                                                  "%s \"%s\": field mount: longer than %d "
                                                  "bytes",
                                                  opt, value, PREPARE_MOUNT_MAX - 1);
                        (void)snprintf(s->mount, sizeof(s->mount), "%s", eq + 1);
                        have_mount = 1;
                } else if (strncmp(field, "letter=", 7) == 0) {
                        const char *l = eq + 1;

                        if (have_mount || s->letter)
                                return va_err_set(err, VA_E_INVAL,
                                                  "%s \"%s\": field letter: given twice, or "
                                                  "with mount",
                                                  opt, value);
                        if (!is_alpha((unsigned char)l[0]) ||
                            !(l[1] == '\0' || (l[1] == ':' && l[2] == '\0')))
                                return va_err_set(err, VA_E_INVAL,
                                                  "%s \"%s\": field letter: \"%s\": expected "
                                                  "one drive letter D..Z",
                                                  opt, value, l);
                        s->letter = (char)(ascii_lower((unsigned char)l[0]) - 'a' + 'A');
                        if (s->letter < 'D')
                                return va_err_set(err, VA_E_INVAL,
                                                  "%s \"%s\": field letter: %c: A, B and C "
                                                  "are the system's; expected D..Z",
                                                  opt, value, s->letter);
                } else {
                        return va_err_set(err, VA_E_INVAL,
                                          "%s \"%s\": field \"%.*s\": unknown (expected mount "
                                          "or letter)",
                                          opt, value, (int)(eq - field), field);
                }
        }
        if (*end != '\0')
                return va_err_set(err, VA_E_INVAL, "%s \"%s\": trailing text", opt, value);
        if (have_mount && s->mount[0] == '\0')
                return va_err_set(err, VA_E_INVAL, "%s \"%s\": field mount: empty", opt, value);
        return 0;
}

int
prepare_config_add(struct prepare_config *cfg, const char *opt, const char *value,
                   struct va_err *err)
{
        struct prepare_entry e, *nv;
        const char *text = value, *eq = strchr(value, '=');
        size_t i, idlen = 0;
        int r;

        memset(&e, 0, sizeof(e));
        if (strlen(value) > PREPARE_SPEC_MAX)
                return va_err_set(err, VA_E_INVAL, "%s: value longer than %d bytes", opt,
                                  PREPARE_SPEC_MAX);
        /* "ID=SPEC" when what comes before the first '=' is no spec text */
        if (eq != NULL && memchr(value, '+', (size_t)(eq - value)) == NULL &&
            memchr(value, ',', (size_t)(eq - value)) == NULL) {
                idlen = (size_t)(eq - value);
                if (!id_valid(value, idlen))
                        return va_err_set(err, VA_E_INVAL,
                                          "%s \"%s\": volume id \"%.*s\": expected a volume "
                                          "UUID (8-4-4-4-12 hex digits)",
                                          opt, value, (int)idlen, value);
                for (i = 0; i < idlen; i++)
                        e.volume_id[i] = (char)ascii_lower((unsigned char)value[i]);
                text = eq + 1;
        }
        (void)snprintf(e.origin, sizeof(e.origin), "%s", opt);
        r = spec_parse(opt, value, text, &e.spec, err);
        if (r < 0)
                return r;
        for (i = 0; i < cfg->n; i++)
                if (strcmp(cfg->v[i].volume_id, e.volume_id) == 0)
                        return va_err_set(err, VA_E_INVAL, "%s \"%s\": %s%s already has \"%s\"",
                                          opt, value, e.volume_id[0] ? "volume " : "the default",
                                          e.volume_id, cfg->v[i].spec.text);
        if (cfg->n >= PREPARE_ENTRIES)
                return va_err_set(err, VA_E_TOOBIG, "%s: more than %d given", opt, PREPARE_ENTRIES);
        nv = array_grow(cfg->v, &cfg->cap, cfg->n, sizeof(*cfg->v));
        if (nv == NULL)
                return va_err_set(err, VA_E_NOMEM, "out of memory");
        cfg->v = nv;
        cfg->v[cfg->n++] = e;
        return 0;
}

void
prepare_config_free(struct prepare_config *cfg)
{
        free(cfg->v);
        cfg->v = NULL;
        cfg->n = cfg->cap = 0;
}

const struct prepare_spec *
prepare_config_find(const struct prepare_config *cfg, const char *id)
{
        const struct prepare_spec *dflt = NULL;
        size_t i;

        for (i = 0; i < cfg->n; i++) {
                if (cfg->v[i].volume_id[0] == '\0')
                        dflt = &cfg->v[i].spec;
                else if (ascii_ieq(cfg->v[i].volume_id, id))
                        return &cfg->v[i].spec;
        }
        return dflt;
}

static int
word_in(const char *list, const char *w)
{
        size_t n = strlen(w);

        while (list != NULL && *list) {
                size_t k = strcspn(list, " ");

                if (k == n && strncmp(list, w, n) == 0)
                        return 1;
                list += k;
                list += strspn(list, " ");
        }
        return 0;
}

int
prepare_config_check(const struct prepare_config *cfg, const char *opt, const char *backend,
                     const char *fs_list, struct va_err *err)
{
        size_t i;

        for (i = 0; i < cfg->n; i++) {
                const struct prepare_spec *s = &cfg->v[i].spec;
                const char *where = cfg->v[i].origin[0] ? cfg->v[i].origin : opt;
                char why[128];

                if (fs_list == NULL)
                        return va_err_set(err, VA_E_UNSUPPORTED,
                                          "%s \"%s\": this initiator (%s) cannot prepare "
                                          "disks",
                                          where, s->text, backend);
                if (!word_in(fs_list, prepare_fs_name(s->fs)))
                        return va_err_set(err, VA_E_UNSUPPORTED,
                                          "%s \"%s\": filesystem %s: this initiator (%s) "
                                          "makes %s",
                                          where, s->text, prepare_fs_name(s->fs), backend, fs_list);
                if (s->fs == PREPARE_FS_NTFS) {
                        if (s->mount[0] && win_mount_check(s->mount, why, sizeof(why)) < 0)
                                return va_err_set(err, VA_E_INVAL,
                                                  "%s \"%s\": field mount: \"%s\": %s", where,
                                                  s->text, s->mount, why);
                } else {
                        if (s->letter)
                                return va_err_set(err, VA_E_INVAL,
                                                  "%s \"%s\": field letter: only for ntfs; "
                                                  "%s needs mount=PATH",
                                                  where, s->text, prepare_fs_name(s->fs));
                        if (s->mount[0] && posix_mount_check(s->mount, why, sizeof(why)) < 0)
                                return va_err_set(err, VA_E_INVAL,
                                                  "%s \"%s\": field mount: \"%s\": %s", where,
                                                  s->text, s->mount, why);
                }
        }
        return 0;
}

enum prepare_action
prepare_decide(const struct prepare_probe *p, const struct prepare_request *rq, char *why,
               size_t len)
{
        const struct prepare_spec *s = rq->spec;
        const char *recorded_uuid = rq->recorded_uuid;

        if (rq->read_only) {
                (void)snprintf(why, len, "the volume is read-only (access_mode ro)");
                return PREPARE_REFUSE;
        }
        if (!p->readable) {
                (void)snprintf(why, len, "the disk's first and last MiB could not be read");
                return PREPARE_REFUSE;
        }
        if (p->signatures == 0 && p->zero) {
                if (!rq->in_use)
                        return PREPARE_MAKE;
                (void)snprintf(why, len, "the disk is blank but in use: %s",
                               rq->in_use_why != NULL ? rq->in_use_why : "?");
                return PREPARE_REFUSE;
        }
        /* ours: GPT, its one partition holding our filesystem, with the
         * label and the UUID this host recorded when it made it */
        if (recorded_uuid != NULL && recorded_uuid[0] != '\0' && strcmp(p->pttype, "gpt") == 0 &&
            p->nparts == 1 && strcmp(p->part_fs, prepare_fs_name(s->fs)) == 0 &&
            strcmp(p->part_label, PREPARE_LABEL) == 0 && ascii_ieq(p->part_uuid, recorded_uuid))
                return PREPARE_MOUNT;
        if (p->signatures == 0)
                (void)snprintf(why, len, "the disk holds data no probe recognises: %s",
                               p->what[0] ? p->what : "non-zero bytes in its first or last MiB");
        else if (recorded_uuid != NULL && recorded_uuid[0] != '\0')
                (void)snprintf(why, len,
                               "the disk holds %s, not the %s filesystem %s volattach made on "
                               "it",
                               p->what, prepare_fs_name(s->fs), recorded_uuid);
        else
                (void)snprintf(why, len, "the disk holds %s", p->what);
        return PREPARE_REFUSE;
}

/* systemd's unit_name_path_escape: strip the slashes at both ends, '/'
 * becomes '-', and anything but [A-Za-z0-9:_.] (and a leading '.')
 * becomes \xNN. */
int
prepare_unit_name(const char *path, char *buf, size_t len)
{
        static const char hexd[] = "0123456789abcdef";
        size_t o = 0, i = 0, n = strlen(path);
        const char suffix[] = ".mount";

        while (i < n && path[i] == '/')
                i++;
        while (n > i && path[n - 1] == '/')
                n--;
        if (i == n)
                return -VA_E_INVAL; /* "/" itself: never a target here */
        for (; i < n; i++) {
                unsigned char ch = (unsigned char)path[i];
                int plain = ascii_isalnum(ch) || ch == ':' || ch == '_' || (ch == '.' && o > 0);

                if (o + 5 >= len)
                        return -VA_E_TOOBIG;
                if (ch == '/')
                        buf[o++] = '-';
                else if (plain)
                        buf[o++] = (char)ch;
                else {
                        buf[o++] = '\\';
                        buf[o++] = 'x';
                        buf[o++] = hexd[ch >> 4];
                        buf[o++] = hexd[ch & 15];
                }
        }
        if (o + sizeof(suffix) > len)
                return -VA_E_TOOBIG;
        memcpy(buf + o, suffix, sizeof(suffix));
        return 0;
}

int
prepare_unit_text(const char *volume_id, const struct prepare_spec *s, const char *uuid, char *buf,
                  size_t len)
{
        int r;

        /* Requires+After are what fstab's x-systemd.requires= becomes; the
         * option is kept in Options= too so the unit reads like the fstab
         * line it stands for (mount(8) ignores x-* options). nofail: the
         * boot goes on without the volume; _netdev: it waits for the
         * network and is unmounted before the network goes down. */
        r = snprintf(buf, len,
                     "# Generated by volattach --prepare for volume %s; volattach rewrites "
                     "it.\n"
                     "[Unit]\n"
                     "Description=volattach volume %s\n"
                     "Documentation=man:volattach(8)\n"
                     "Requires=volattach.service\n"
                     "After=volattach.service\n"
                     "\n"
                     "[Mount]\n"
                     "What=/dev/disk/by-uuid/%s\n"
                     "Where=%s\n"
                     "Type=%s\n"
                     "Options=_netdev,nofail,x-systemd.requires=volattach.service\n"
                     "\n"
                     "[Install]\n"
                     "WantedBy=remote-fs.target\n",
                     volume_id, volume_id, uuid, s->mount, prepare_fs_name(s->fs));
        return r < 0 || (size_t)r >= len ? -VA_E_TOOBIG : 0;
}
