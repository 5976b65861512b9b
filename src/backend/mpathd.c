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
#include "platform/platform.h"

static struct {
        int ready;
        char why[160];
        int (*connect)(void);
        int (*disconnect)(int fd);
        int (*process_cmd)(int fd, const char *cmd, char **reply, unsigned int timeout);
} api;
static pthread_once_t api_once = PTHREAD_ONCE_INIT;

static int
api_sym(void *lib, const char *name, void *fnptr, size_t fnsize)
{
        void *p = dlsym(lib, name);

        if (p == NULL) {
                (void)snprintf(api.why, sizeof(api.why), "libmpathcmd has no %s", name);
                return -1;
        }
        /* POSIX guarantees a dlsym result converts to a function pointer */
        memcpy(fnptr, &p, fnsize);
        return 0;
}

static void
api_load(void)
{
        void *lib = dlopen("libmpathcmd.so.0", RTLD_NOW | RTLD_LOCAL);

        if (lib == NULL) {
                const char *e = dlerror();

                (void)snprintf(api.why, sizeof(api.why),
                               "multipath needs libmpathcmd (Debian: multipath-tools): %s",
                               e ? e : "libmpathcmd.so.0 not found");
                return;
        }
#define SYM(field, name) api_sym(lib, name, &api.field, sizeof(api.field))
        if (SYM(connect, "mpath_connect") < 0 || SYM(disconnect, "mpath_disconnect") < 0 ||
            SYM(process_cmd, "mpath_process_cmd") < 0)
                return; /* the library stays loaded: harmless, and rare */
#undef SYM
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
        n = strlen(answer);
        while (n > 0 && (answer[n - 1] == '\n' || answer[n - 1] == ' '))
                answer[--n] = '\0';
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
