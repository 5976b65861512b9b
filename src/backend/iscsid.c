/* SPDX-License-Identifier: Apache-2.0 */
/* Starting open-iscsi's iscsid: through systemctl when systemd runs (so the
 * unit's state stays true), else the daemon itself; then waiting until it
 * answers on iscsiadm's socket. */
#include "backend/iscsid.h"

#include <stdint.h>
#include <sys/stat.h>

#include "backend/iscsiadm.h"
#include "platform/platform.h"

/* iscsid listens on the abstract socket iscsiadm uses (open-iscsi
 * usr/mgmt_ipc.h ISCSIADM_NAMESPACE). */
int
iscsid_reachable(void)
{
        return plat_abstract_socket_listening("ISCSIADM_ABSTRACT_NAMESPACE");
}

static int
systemd_running(void)
{
        struct stat st;

        return stat("/run/systemd/system", &st) == 0 && S_ISDIR(st.st_mode) &&
               plat_have_program("systemctl");
}

static int
start(const char *verb, struct va_err *err)
{
        struct plat_spawn_result res;
        uint64_t deadline;
        int r;

        if (systemd_running()) {
                const char *argv[] = { "systemctl", verb, "iscsid.service", NULL };

                r = plat_spawn(argv, 60000, 4096, &res, err);
        } else {
                /* iscsid daemonizes: the parent exits once it is ready */
                const char *argv[] = { "iscsid", NULL };

                r = plat_spawn(argv, 30000, 4096, &res, err);
        }
        if (r < 0)
                return r;
        if (!res.exited || res.status != 0) {
                char tail[256];

                iscsiadm_tail(res.out, tail, sizeof(tail));
                plat_spawn_result_free(&res);
                return va_err_set(err, VA_E_ENV, "could not start iscsid: %s", tail);
        }
        plat_spawn_result_free(&res);
        deadline = plat_monotonic_ms() + 10000;
        while (!iscsid_reachable()) {
                if (plat_monotonic_ms() > deadline)
                        return va_err_set(err, VA_E_ENV, "iscsid started but does not answer");
                plat_sleep_ms(20);
        }
        return 0;
}

int
iscsid_start(struct va_err *err)
{
        return start("start", err);
}

int
iscsid_restart(struct va_err *err)
{
        const char *args[] = { "-k", "0", NULL };
        uint64_t deadline;

        if (systemd_running())
                return start("restart", err);
        deadline = plat_monotonic_ms() + 10000;
        (void)iscsiadm_run(args, 15000, NULL, NULL);
        while (iscsid_reachable() && plat_monotonic_ms() < deadline)
                plat_sleep_ms(20);
        return start("start", err);
}
