/* SPDX-License-Identifier: Apache-2.0 */
/* volattach's iface record, made once per host by iscsiadm: it is plain
 * TCP with no hardware binding, like "default". */
#include "backend/iface.h"

#include <stdlib.h>
#include <sys/stat.h>

#include "backend/iscsiadm.h"
#include "backend/nodedb.h"
#include "platform/platform.h"

int
iface_ensure(struct iface_state *st, struct va_err *err)
{
        const char *args[] = { "-m", "iface", "-I", IFACE_NAME, "-o", "new", NULL };
        struct stat sb;
        char *out = NULL;
        int r, ok;

        plat_mutex_lock(st->mu);
        ok = st->ok;
        plat_mutex_unlock(st->mu);
        if (ok)
                return 0;
        if (stat(NODEDB_IFACES_DIR "/" IFACE_NAME, &sb) != 0 || !S_ISREG(sb.st_mode)) {
                r = plat_mkdir_p(NODEDB_IFACES_DIR, 0700, err);
                if (r < 0)
                        return r;
                r = iscsiadm_run(args, 30000, &out, err);
                if (r > 0)
                        r = iscsiadm_error(r, out, "creating the iface record " IFACE_NAME, err);
                free(out);
                if (r < 0)
                        return r;
        }
        plat_mutex_lock(st->mu);
        st->ok = 1;
        plat_mutex_unlock(st->mu);
        return 0;
}
