/* SPDX-License-Identifier: Apache-2.0 */
/* udev's database of block devices through libudev, never its private
 * files under /run/udev: libudev is the interface systemd keeps stable.
 * A device is ready for its users (by-path links, multipathd, mount units)
 * only once udev has processed its "add" event, which under load lags the
 * device node by a second or more. */
#include "backend/udevdb.h"

#include <libudev.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "platform/platform.h"

static int
initialized(struct udev *u, const char *name)
{
        struct udev_device *d = udev_device_new_from_subsystem_sysname(u, "block", name);
        int r;

        if (d == NULL)
                return 0;
        r = udev_device_get_is_initialized(d) > 0;
        udev_device_unref(d);
        return r;
}

static int
udevd_active(struct udev *u)
{
        struct udev_queue *q = udev_queue_new(u);
        int r;

        if (q == NULL)
                return 0;
        r = udev_queue_get_udev_is_active(q) > 0;
        udev_queue_unref(q);
        return r;
}

int
udevdb_wait_initialized(const char *name, unsigned timeout_ms)
{
        struct udev *u = udev_new();
        struct udev_monitor *mon = NULL;
        uint64_t deadline = plat_monotonic_ms() + timeout_ms;
        int r = 1;

        if (u == NULL)
                return 1; /* not knowable: the disk is there, go on */
        if (!udevd_active(u))
                goto out;
        /* listening before the first look, so that an event between the
         * look and the wait is not lost */
        mon = udev_monitor_new_from_netlink(u, "udev");
        if (mon != NULL &&
            (udev_monitor_filter_add_match_subsystem_devtype(mon, "block", NULL) < 0 ||
             udev_monitor_enable_receiving(mon) < 0)) {
                udev_monitor_unref(mon);
                mon = NULL;
        }
        while (!initialized(u, name)) {
                uint64_t now = plat_monotonic_ms();
                struct pollfd pfd;

                if (now >= deadline) {
                        r = 0;
                        break;
                }
                if (mon == NULL) {
                        /* no event socket (no netlink access?): look again */
                        plat_sleep_ms(40);
                        continue;
                }
                pfd.fd = udev_monitor_get_fd(mon);
                pfd.events = POLLIN;
                pfd.revents = 0;
                if (poll(&pfd, 1, (int)(deadline - now)) > 0) {
                        /* drain: any block event may be ours, the look decides */
                        struct udev_device *d;

                        while ((d = udev_monitor_receive_device(mon)) != NULL)
                                udev_device_unref(d);
                }
        }
out:
        if (mon != NULL)
                udev_monitor_unref(mon);
        udev_unref(u);
        return r;
}

int
udevdb_property(const char *name, const char *key, char *buf, size_t len)
{
        struct udev *u = udev_new();
        struct udev_device *d;
        const char *v;
        int r = -1;

        if (len > 0)
                buf[0] = '\0';
        if (u == NULL)
                return -1;
        d = udev_device_new_from_subsystem_sysname(u, "block", name);
        if (d != NULL) {
                v = udev_device_get_is_initialized(d) > 0 ? udev_device_get_property_value(d, key)
                                                          : NULL;
                if (v != NULL && v[0] != '\0' && strlen(v) < len) {
                        (void)snprintf(buf, len, "%s", v);
                        r = 0;
                }
                udev_device_unref(d);
        }
        udev_unref(u);
        return r;
}

int
udevdb_queue_busy(void)
{
        struct udev *u = udev_new();
        struct udev_queue *q = u != NULL ? udev_queue_new(u) : NULL;
        int r = q != NULL && udev_queue_get_queue_is_empty(q) == 0;

        udev_queue_unref(q);
        udev_unref(u);
        return r;
}

int
udevdb_running(void)
{
        struct udev *u = udev_new();
        int r = u != NULL && udevd_active(u);

        udev_unref(u);
        return r;
}
