/* SPDX-License-Identifier: Apache-2.0 */
/* multipathd's command socket through libmpathcmd, loaded on first use:
 * multipath-tools is optional (single-path hosts lack it), and each
 * `multipath`/`multipathd` process would load libmultipath and its
 * configuration, ~200 ms of CPU at boot in the lab (BENCHMARKS.md), where
 * a command on the socket costs multipathd only the command. */
#include "backend/mpathd.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
/* after sys/types.h: it uses ssize_t without including it */
#include <mpath_cmd.h>

#include "base/log.h"
#include "base/strutil.h"
#include "platform/platform.h"

static struct {
        int ready;
        char why[160];
        int (*connect)(void);
        int (*disconnect)(int fd);
        int (*process_cmd)(int fd, const char *cmd, char **reply, unsigned int timeout);
} api;
static pthread_once_t api_once = PTHREAD_ONCE_INIT;

static void
api_load(void)
{
        void *lib = dlopen("libmpathcmd.so.0", RTLD_NOW | RTLD_LOCAL), *sym[3];

        if (lib == NULL) {
                const char *e = dlerror();

                (void)snprintf(api.why, sizeof(api.why),
                               "multipath needs libmpathcmd (Debian: multipath-tools): %s",
                               e ? e : "libmpathcmd.so.0 not found");
                return;
        }
        sym[0] = dlsym(lib, "mpath_connect");
        sym[1] = dlsym(lib, "mpath_disconnect");
        sym[2] = dlsym(lib, "mpath_process_cmd");
        if (sym[0] == NULL || sym[1] == NULL || sym[2] == NULL) {
                (void)snprintf(api.why, sizeof(api.why),
                               "libmpathcmd.so.0 lacks mpath_connect, mpath_disconnect or "
                               "mpath_process_cmd");
                return; /* the library stays loaded: harmless, and rare */
        }
        /* POSIX guarantees a dlsym result converts to a function pointer */
        memcpy(&api.connect, &sym[0], sizeof(api.connect));
        memcpy(&api.disconnect, &sym[1], sizeof(api.disconnect));
        memcpy(&api.process_cmd, &sym[2], sizeof(api.process_cmd));
        api.ready = 1;
}

int
mpathd_available(void)
{
        (void)pthread_once(&api_once, api_load);
        /* a listening socket, not a command: with systemd's multipathd.socket
         * the first connection starts the daemon */
        return api.ready && plat_abstract_socket_listening(DEFAULT_SOCKET);
}

int
mpathd_command(const char *cmd, unsigned timeout_ms, char *reply, size_t len, struct va_err *err)
{
        char *answer = NULL, shown[256];
        size_t n;
        int fd, r;

        if (reply != NULL && len > 0)
                reply[0] = '\0';
        (void)pthread_once(&api_once, api_load);
        if (!api.ready)
                return va_err_set(err, VA_E_ENV, "%s", api.why);
        fd = api.connect();
        if (fd < 0)
                return va_err_set(err, VA_E_ENV, "multipathd does not answer on its socket");
        r = api.process_cmd(fd, cmd, &answer, timeout_ms);
        (void)api.disconnect(fd);
        if (r < 0 || answer == NULL) {
                free(answer);
                return va_err_set(err, VA_E_TIMEOUT, "multipathd %s: no answer within %u ms", cmd,
                                  timeout_ms);
        }
        n = str_trim_end(answer, strlen(answer));
        answer[n] = '\0';
        (void)va_log_quote(answer, shown, sizeof(shown));
        if (reply != NULL)
                (void)snprintf(reply, len, "%s", shown);
        /* multipathd answers "ok" or, for a map it removes later, "delayed";
         * anything else ("fail", "timeout", a reason) is a refusal */
        r = strcmp(answer, "ok") == 0 || strcmp(answer, "delayed") == 0
                ? 0
                : va_err_set(err, VA_E_INITIATOR, "multipathd %s: %s", cmd, shown);
        free(answer);
        return r;
}
