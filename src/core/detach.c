/* SPDX-License-Identifier: Apache-2.0 */
/* Taking a volume apart, in the reverse order of attach. */
#include "core/detach.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"

void
attached_volume_clear(struct attached_volume *av)
{
        free(av->paths);
        av->paths = NULL;
        av->npaths = 0;
}

void
attached_volumes_free(struct attached_volume *v, size_t n)
{
        size_t i;

        if (v == NULL)
                return;
        for (i = 0; i < n; i++)
                attached_volume_clear(&v[i]);
        free(v);
}

/* The live session to (portal, target), found by address and name rather
 * than by the handle remembered at attach time: a session that was
 * re-established since then has a new handle. */
static int
find_session(const struct initiator_session *v, size_t n, const struct target_path *p)
{
        size_t i;

        for (i = 0; i < n; i++)
                if (portal_equal(&v[i].portal, &p->portal) && strcmp(v[i].iqn, p->iqn) == 0)
                        return (int)i;
        return -1;
}

static int
uses_lun(const struct attached_volume *v, const struct target_path *p, unsigned host_lun)
{
        size_t j;

        for (j = 0; j < v->npaths; j++)
                if (portal_equal(&v->paths[j].path.portal, &p->portal) &&
                    strcmp(v->paths[j].path.iqn, p->iqn) == 0 &&
                    v->paths[j].path.host_lun == host_lun)
                        return 1;
        return 0;
}

/* Devices behind a session that belong to other volumes. This volume's own
 * LUNs never count. Where disks stay until logout and the other attached
 * volumes are known, only their LUNs count: the disks left by volumes
 * detached before would otherwise keep the session forever. */
static size_t
other_luns(const struct attached_volume *av, const struct attached_volume *others, size_t nothers,
           int disks_stay, const struct target_path *p, const struct initiator_device *left,
           size_t nleft)
{
        size_t n = 0, i, k;

        for (i = 0; i < nleft; i++) {
                int counts = !uses_lun(av, p, left[i].host_lun);

                if (counts && disks_stay && others != NULL) {
                        counts = 0;
                        for (k = 0; k < nothers; k++)
                                if (strcmp(others[k].id, av->id) != 0 &&
                                    uses_lun(&others[k], p, left[i].host_lun))
                                        counts = 1;
                }
                n += counts;
        }
        return n;
}

int
detach_volume(const struct initiator_ops *ops, struct initiator *ini,
              const struct attached_volume *av, int force, struct va_err *err)
{
        return detach_volume_among(ops, ini, av, NULL, 0, force, err);
}

int
detach_volume_among(const struct initiator_ops *ops, struct initiator *ini,
                    const struct attached_volume *av, const struct attached_volume *others,
                    size_t nothers, int force, struct va_err *err)
{
        struct initiator_session *sessions = NULL;
        size_t nsessions = 0, i;
        char why[256] = "";
        int r, first = 0;

        r = ops->device_in_use(ini, &av->device, why, sizeof(why), err);
        if (r < 0)
                return r;
        if (r == 1 && !force)
                return va_err_set(err, VA_E_BUSY,
                                  "volume %s: %s is in use (%s); unmount it or stop its users "
                                  "first, or use --force",
                                  av->id, av->device.path, why);
        if (r == 1)
                va_log(VA_LOG_WARNING, "volume %s: %s is in use (%s); detaching anyway (--force)",
                       av->id, av->device.path, why);

        /* The multipath map first: its paths cannot go while it holds them. */
        if (av->device.kind == INITIATOR_DEVICE_MULTIPATH) {
                struct va_err e;

                va_err_clear(&e);
                r = ops->device_remove(ini, &av->device, &e);
                if (r < 0) {
                        if (!force) {
                                *err = e;
                                return r;
                        }
                        va_log(VA_LOG_WARNING, "volume %s: %s", av->id, e.msg);
                }
        }
        for (i = 0; i < av->npaths; i++) {
                struct va_err e;

                if (av->paths[i].device.path[0] == '\0')
                        continue;
                va_err_clear(&e);
                r = ops->device_remove(ini, &av->paths[i].device, &e);
                if (r < 0 && first == 0) {
                        *err = e;
                        first = r;
                }
        }
        if (ops->device_untag != NULL) {
                struct va_err e;

                va_err_clear(&e);
                /* a name left behind would come back with the LU */
                if (ops->device_untag(ini, av->id, &av->device, &e) < 0)
                        va_log(VA_LOG_WARNING, "volume %s: %s", av->id, e.msg);
        }

        r = ops->list_sessions(ini, &sessions, &nsessions, err);
        if (r < 0)
                return first ? first : r;
        for (i = 0; i < av->npaths; i++) {
                const struct target_path *p = &av->paths[i].path;
                struct initiator_device *left = NULL;
                size_t nleft = 0, j;
                int si = find_session(sessions, nsessions, p), shared = 0;
                struct va_err e;

                va_err_clear(&e);
                /* Another path entry of this volume on the same session was
                 * already handled. */
                for (j = 0; j < i; j++)
                        if (portal_equal(&av->paths[j].path.portal, &p->portal) &&
                            strcmp(av->paths[j].path.iqn, p->iqn) == 0)
                                shared = 1;
                if (shared)
                        continue;
                if (si >= 0) {
                        r = ops->session_devices(ini, &sessions[si], &left, &nleft, &e);
                        if (r == 0)
                                nleft = other_luns(av, others, nothers, initiator_disks_stay(ops),
                                                   p, left, nleft);
                        if (r == 0 && nleft > 0) {
                                /* Logging out would pull the disks of other
                                 * volumes (kubelet #39202; os-brick). */
                                va_log(VA_LOG_NOTICE,
                                       "volume %s: session %s to %s stays: %zu other LUN(s) "
                                       "still use it",
                                       av->id, sessions[si].handle, p->iqn, nleft);
                                free(left);
                                continue;
                        }
                        free(left);
                        if (r == 0)
                                r = ops->logout(ini, &sessions[si], &e);
                        if (r < 0) {
                                if (first == 0) {
                                        *err = e;
                                        first = r;
                                }
                                continue;
                        }
                        va_log(VA_LOG_INFO, "volume %s: logged out of %s", av->id, p->iqn);
                }
                r = ops->remove_target(ini, p, &e);
                if (r < 0 && first == 0) {
                        *err = e;
                        first = r;
                }
        }
        free(sessions);
        return first;
}
