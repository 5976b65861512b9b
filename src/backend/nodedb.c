/* SPDX-License-Identifier: Apache-2.0 */
/* open-iscsi's node database, the files under /etc/iscsi/nodes as idbm lays
 * them out: finding, updating, templating and sweeping volattach's records.
 * Every record may hold a CHAP secret: each copy read is wiped. */
#include "backend/nodedb.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend/iface.h"
#include "base/log.h"
#include "base/secret.h"
#include "platform/platform.h"

#define RECORD_MAX (256 * 1024)

/* The address part of a record directory name: open-iscsi stores the
 * address without brackets ("::1,3260,1"). */
static void
record_addr(const struct portal *p, char *buf, size_t len)
{
        if (p->family == PORTAL_IPV6 && p->zone[0])
                (void)snprintf(buf, len, "%s%%%s", p->host, p->zone);
        else
                (void)snprintf(buf, len, "%s", p->host);
}

int
nodedb_find(const struct portal *p, const char *iqn, char *buf, size_t len)
{
        char dir[512], addr[96], prefix[128];
        char **names = NULL;
        size_t n = 0, i;
        struct va_err e;
        int found = 0;

        record_addr(p, addr, sizeof(addr));
        (void)snprintf(dir, sizeof(dir), NODEDB_NODES_DIR "/%s", iqn);
        (void)snprintf(prefix, sizeof(prefix), "%s,%u,", addr, p->port);
        va_err_clear(&e);
        if (plat_list_dir(dir, &names, &n, &e) < 0)
                return -VA_E_NOTFOUND;
        /* plat_list_dir lists files only on some platforms: check both */
        for (i = 0; i < n && !found; i++) {
                struct stat st;
                char cand[1024];

                if (strncmp(names[i], prefix, strlen(prefix)) == 0) {
                        (void)snprintf(cand, sizeof(cand), "%s/%s/" IFACE_NAME, dir, names[i]);
                        if (stat(cand, &st) == 0 && S_ISREG(st.st_mode)) {
                                (void)snprintf(buf, len, "%s", cand);
                                found = 1;
                        }
                }
        }
        plat_string_list_free(names, n);
        if (!found) {
                struct stat st;

                (void)snprintf(buf, len, "%s/%s,%u", dir, addr, p->port);
                if (stat(buf, &st) == 0 && S_ISREG(st.st_mode))
                        found = 1;
        }
        return found ? 0 : -VA_E_NOTFOUND;
}

void
nodedb_sendtargets_path(const struct portal *p, char *buf, size_t len)
{
        char addr[96];

        record_addr(p, addr, sizeof(addr));
        (void)snprintf(buf, len, NODEDB_SENDTARGETS_DIR "/%s,%u/st_config", addr, p->port);
}

int
nodedb_update(const char *path, const struct noderec_set *sets, size_t nsets, struct va_err *err)
{
        char *text = NULL, *out = NULL;
        size_t len = 0, olen = 0;
        int r;

        r = plat_read_file(path, RECORD_MAX, &text, &len, err);
        if (r < 0)
                return r;
        r = noderec_rewrite(text, len, sets, nsets, &out, &olen, err);
        va_secure_zero(text, len);
        free(text);
        if (r < 0)
                return r;
        r = plat_write_file_atomic(path, out, olen, 0600, err);
        va_secure_zero(out, olen);
        free(out);
        return r;
}

size_t
nodedb_auth_sets(const struct auth *a, const char *prefix, struct noderec_set *sets,
                 char keys[][96], size_t k)
{
        static const char *const names[] = { "authmethod", "username", "password", "username_in",
                                             "password_in" };
        const char *values[5] = { "None", NULL, NULL, NULL, NULL };
        size_t lens[5] = { 4, 0, 0, 0, 0 };
        size_t i;

        if (a->kind != AUTH_NONE) {
                values[0] = "CHAP";
                lens[0] = 4;
                values[1] = a->out.user;
                lens[1] = strlen(a->out.user);
                values[2] = (const char *)secret_bytes(a->out.secret);
                lens[2] = secret_len(a->out.secret);
        }
        if (a->kind == AUTH_MUTUAL) {
                values[3] = a->in.user;
                lens[3] = strlen(a->in.user);
                values[4] = (const char *)secret_bytes(a->in.secret);
                lens[4] = secret_len(a->in.secret);
        }
        /* Unused keys are removed, not left: open-iscsi sends stored
         * credentials even with authmethod None (open-iscsi #438). */
        for (i = 0; i < 5; i++) {
                (void)snprintf(keys[k], 96, "%s.%s", prefix, names[i]);
                sets[k].key = keys[k];
                sets[k].value = values[i];
                sets[k].value_len = lens[i];
                k++;
        }
        return k;
}

int
nodedb_remove(const char *path)
{
        char dir[1024], *slash;

        if (unlink(path) != 0)
                return -VA_E_IO;
        (void)snprintf(dir, sizeof(dir), "%s", path);
        while ((slash = strrchr(dir, '/')) != NULL && strlen(dir) > strlen(NODEDB_NODES_DIR "/")) {
                *slash = '\0';
                if (strlen(dir) <= strlen(NODEDB_NODES_DIR) || rmdir(dir) != 0)
                        break; /* not empty: other portals of the target */
        }
        return 0;
}

int
nodedb_template_init(struct nodedb_template *t)
{
        memset(t, 0, sizeof(*t));
        t->mu = plat_mutex_new();
        return t->mu != NULL ? 0 : -VA_E_NOMEM;
}

void
nodedb_template_free(struct nodedb_template *t)
{
        if (t->text != NULL) {
                va_secure_zero(t->text, t->len);
                free(t->text);
        }
        plat_mutex_free(t->mu);
        memset(t, 0, sizeof(*t));
}

int
nodedb_from_template(struct nodedb_template *t, const struct portal *p, const char *iqn, char *path,
                     size_t len)
{
        struct noderec_set sets[3];
        char dir[512], addr[96], port[8], *text = NULL, *out = NULL;
        size_t tlen = 0, olen = 0;
        struct va_err e;
        int r;

        if (p->family == PORTAL_IPV6 && p->zone[0])
                return -VA_E_NOTFOUND; /* not seen in the lab: leave it to iscsiadm */
        plat_mutex_lock(t->mu);
        if (t->text != NULL) {
                text = malloc(t->len);
                if (text != NULL) {
                        memcpy(text, t->text, t->len);
                        tlen = t->len;
                }
        }
        plat_mutex_unlock(t->mu);
        if (text == NULL)
                return -VA_E_NOTFOUND;
        record_addr(p, addr, sizeof(addr));
        (void)snprintf(port, sizeof(port), "%u", p->port);
        sets[0].key = "node.name";
        sets[0].value = iqn;
        sets[0].value_len = strlen(iqn);
        sets[1].key = "node.conn[0].address";
        sets[1].value = addr;
        sets[1].value_len = strlen(addr);
        sets[2].key = "node.conn[0].port";
        sets[2].value = port;
        sets[2].value_len = strlen(port);
        va_err_clear(&e);
        r = noderec_rewrite(text, tlen, sets, 3, &out, &olen, &e);
        va_secure_zero(text, tlen);
        free(text);
        (void)snprintf(dir, sizeof(dir), NODEDB_NODES_DIR "/%s", iqn);
        (void)snprintf(path, len, "%s/%s,%u", dir, addr, p->port);
        if (r == 0)
                r = plat_mkdir_p(dir, 0700, &e);
        if (r == 0)
                r = plat_write_file_atomic(path, out, olen, 0600, &e);
        if (out != NULL) {
                va_secure_zero(out, olen);
                free(out);
        }
        if (r < 0)
                va_log(VA_LOG_DEBUG, "record of %s from the template: %s", iqn, e.msg);
        return r;
}

void
nodedb_template_keep(struct nodedb_template *t, const char *path)
{
        char *text = NULL;
        size_t len = 0;
        struct va_err e;

        /* only the plain "-o new" form, never a discovered <tpgt>/<iface> one */
        if (strlen(path) > strlen("/" IFACE_NAME) &&
            strcmp(path + strlen(path) - strlen("/" IFACE_NAME), "/" IFACE_NAME) == 0)
                return;
        va_err_clear(&e);
        if (plat_read_file(path, RECORD_MAX, &text, &len, &e) < 0)
                return;
        plat_mutex_lock(t->mu);
        if (t->text == NULL) {
                t->text = text;
                t->len = len;
                text = NULL;
        }
        plat_mutex_unlock(t->mu);
        if (text != NULL) {
                va_secure_zero(text, len);
                free(text);
        }
}

/* One record of the sweep: 1 when path was removed or is wanted or in use,
 * 0 when it is not volattach's, negative when it could not be removed. */
static int
leftover(const char *path, const char *iqn, char *const *want, size_t nwant,
         const struct initiator_session *ses, size_t nses)
{
        char *text = NULL, iface[64], addr[96] = "", port[8] = "";
        struct portal p;
        size_t len = 0, i;
        struct va_err e;
        int ours;

        for (i = 0; i < nwant; i++)
                if (strcmp(want[i], path) == 0)
                        return 1;
        va_err_clear(&e);
        if (plat_read_file(path, RECORD_MAX, &text, &len, &e) < 0)
                return 0;
        ours = noderec_get(text, len, "iface.iscsi_ifacename", iface, sizeof(iface)) &&
               strcmp(iface, IFACE_NAME) == 0;
        (void)noderec_get(text, len, "node.conn[0].address", addr, sizeof(addr));
        (void)noderec_get(text, len, "node.conn[0].port", port, sizeof(port));
        va_secure_zero(text, len); /* it holds a CHAP secret */
        free(text);
        if (!ours)
                return 0;
        /* matched as find_session matches: the address as sysfs gives it */
        if (portal_addr_parse(addr, &p) == 0) {
                p.port = (unsigned)strtoul(port, NULL, 10);
                for (i = 0; i < nses; i++)
                        if (strcmp(ses[i].iqn, iqn) == 0 && portal_equal(&ses[i].portal, &p))
                                return 1; /* logged in: the batch leaves it as it is */
        }
        if (nodedb_remove(path) != 0) /* with its directories left empty */
                return -VA_E_IO;
        va_log(VA_LOG_NOTICE,
               "removed the node record of %s at %s,%s: not in this attach and not logged in "
               "(a volume no longer in the metadata?)",
               iqn, addr, port);
        return 1;
}

int
nodedb_sweep_leftovers(char *const *want, size_t nwant, const struct initiator_session *ses,
                       size_t nses, struct va_err *err)
{
        DIR *top;
        struct dirent *t;
        int r = 0;

        top = opendir(NODEDB_NODES_DIR);
        if (top == NULL)
                return 0;
        while (r == 0 && (t = readdir(top)) != NULL) {
                char dir[1024];
                DIR *d;
                struct dirent *n;

                if (t->d_name[0] == '.')
                        continue;
                (void)snprintf(dir, sizeof(dir), NODEDB_NODES_DIR "/%s", t->d_name);
                d = opendir(dir);
                if (d == NULL)
                        continue;
                while (r == 0 && (n = readdir(d)) != NULL) {
                        char path[1536];
                        struct stat st;

                        if (n->d_name[0] == '.')
                                continue;
                        /* the plain file <addr>,<port>, or <addr>,<port>,<tpgt>/<iface> */
                        (void)snprintf(path, sizeof(path), "%s/%s", dir, n->d_name);
                        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
                                (void)snprintf(path, sizeof(path), "%s/%s/" IFACE_NAME, dir,
                                               n->d_name);
                        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
                                continue;
                        if (leftover(path, t->d_name, want, nwant, ses, nses) < 0)
                                r = va_err_setn(err, VA_E_IO, errno,
                                                "cannot remove the leftover node record %s: %s",
                                                path, strerror(errno));
                }
                closedir(d);
        }
        closedir(top);
        return r;
}
