/* SPDX-License-Identifier: Apache-2.0 */
/* Mounts and swaps by device, through libmount, which reads mountinfo's
 * octal escapes as the kernel writes them (a mount point with a blank in it
 * is named right). libmount is loaded on first use, by detach: it brings
 * libselinux and libpcre2 along, a third of a start-up's dynamic linking,
 * which no attach at boot needs. */
#include "backend/mounts.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <libmount.h>

static struct {
        int ready;
        char why[160];
        struct libmnt_table *(*new_table)(void);
        void (*unref_table)(struct libmnt_table *tb);
        int (*parse_file)(struct libmnt_table *tb, const char *filename);
        int (*parse_swaps)(struct libmnt_table *tb, const char *filename);
        struct libmnt_fs *(*find_devno)(struct libmnt_table *tb, dev_t devno, int direction);
        struct libmnt_fs *(*find_srcpath)(struct libmnt_table *tb, const char *path, int direction);
        const char *(*fs_target)(struct libmnt_fs *fs);
} api;
static pthread_once_t api_once = PTHREAD_ONCE_INIT;

static void
api_load(void)
{
        static const char *const names[] = { "mnt_new_table",        "mnt_unref_table",
                                             "mnt_table_parse_file", "mnt_table_parse_swaps",
                                             "mnt_table_find_devno", "mnt_table_find_srcpath",
                                             "mnt_fs_get_target" };
        void *lib = dlopen("libmount.so.1", RTLD_NOW | RTLD_LOCAL), *sym[7];
        size_t i;

        if (lib == NULL) {
                const char *e = dlerror();

                (void)snprintf(api.why, sizeof(api.why), "libmount (Debian: libmount1): %s",
                               e ? e : "libmount.so.1 not found");
                return;
        }
        for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
                sym[i] = dlsym(lib, names[i]);
                if (sym[i] == NULL) {
                        (void)snprintf(api.why, sizeof(api.why), "libmount.so.1 lacks %s",
                                       names[i]);
                        return; /* the library stays loaded: harmless, and rare */
                }
        }
        /* POSIX guarantees a dlsym result converts to a function pointer */
        memcpy(&api.new_table, &sym[0], sizeof(api.new_table));
        memcpy(&api.unref_table, &sym[1], sizeof(api.unref_table));
        memcpy(&api.parse_file, &sym[2], sizeof(api.parse_file));
        memcpy(&api.parse_swaps, &sym[3], sizeof(api.parse_swaps));
        memcpy(&api.find_devno, &sym[4], sizeof(api.find_devno));
        memcpy(&api.find_srcpath, &sym[5], sizeof(api.find_srcpath));
        memcpy(&api.fs_target, &sym[6], sizeof(api.fs_target));
        api.ready = 1;
}

int
mounts_uses(const char *name, unsigned maj, unsigned min, char *why, size_t len)
{
        struct libmnt_table *tb;
        struct libmnt_fs *fs;
        char dev[64];
        int r = -1;

        (void)pthread_once(&api_once, api_load);
        if (!api.ready) {
                (void)snprintf(why, len, "cannot tell whether /dev/%s is mounted: %s", name,
                               api.why);
                return 1;
        }
        tb = api.new_table();
        if (tb != NULL && api.parse_file(tb, "/proc/self/mountinfo") == 0) {
                r = 0;
                fs = api.find_devno(tb, makedev(maj, min), MNT_ITER_FORWARD);
                if (fs != NULL) {
                        const char *target = api.fs_target(fs);

                        (void)snprintf(why, len, "/dev/%s is mounted on %s", name,
                                       target != NULL ? target : "?");
                        r = 1;
                }
        }
        if (tb != NULL)
                api.unref_table(tb);
        if (r < 0) {
                (void)snprintf(why, len, "cannot read the mount table to check /dev/%s", name);
                return 1;
        }
        if (r)
                return r;
        (void)snprintf(dev, sizeof(dev), "/dev/%s", name);
        tb = api.new_table();
        if (tb != NULL && api.parse_swaps(tb, NULL) == 0 &&
            api.find_srcpath(tb, dev, MNT_ITER_FORWARD) != NULL) {
                (void)snprintf(why, len, "/dev/%s is in use as swap", name);
                r = 1;
        }
        if (tb != NULL)
                api.unref_table(tb);
        return r;
}
