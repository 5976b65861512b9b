/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: HTTP response handling.  The input is the raw response a
 * metadata service sends (status line, headers, body: any bytes), served on
 * 127.0.0.1 to the real client (libcurl through plat_http_get) and, when it
 * is a 200, through the retry policy and the metadata parser.  The body cap
 * must hold whatever Content-Length, chunking or truncation the input has. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/log.h"
#include "meta/meta.h"
#include "meta/source.h"
#include "platform/platform.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define BODY_MAX 65536 /* small, so the cap is reached often */

static int listen_fd = -1;
static unsigned short port;

struct serve {
        const uint8_t *data;
        size_t size;
};

/* Accepts one connection, reads the request head, answers with the input
 * and closes (the end of the response when it has no length). */
static void *
serve_one(void *arg)
{
        const struct serve *sv = arg;
        char req[4096];
        size_t have = 0, off = 0;
        int c = accept(listen_fd, NULL, NULL);

        if (c < 0)
                return NULL;
        while (have < sizeof(req) - 1) {
                ssize_t n = read(c, req + have, sizeof(req) - 1 - have);

                if (n <= 0)
                        break;
                have += (size_t)n;
                req[have] = '\0';
                if (strstr(req, "\r\n\r\n") != NULL)
                        break;
        }
        while (off < sv->size) {
                ssize_t n = send(c, sv->data + off, sv->size - off, MSG_NOSIGNAL);

                if (n <= 0)
                        break;
                off += (size_t)n;
        }
        (void)shutdown(c, SHUT_RDWR);
        (void)close(c);
        return NULL;
}

static int
setup(void)
{
        struct sockaddr_in a;
        socklen_t alen = sizeof(a);

        listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (listen_fd < 0)
                return -1;
        memset(&a, 0, sizeof(a));
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (bind(listen_fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(listen_fd, 4) < 0 ||
            getsockname(listen_fd, (struct sockaddr *)&a, &alen) < 0)
                return -1;
        port = ntohs(a.sin_port);
        return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct serve sv = { data, size };
        struct plat_http_response resp;
        struct va_err err;
        pthread_t t;
        char url[96];
        int r;

        if (size > 4 * BODY_MAX)
                return 0;
        va_log_set_level(VA_LOG_ERR - 1); /* silent */
        if (listen_fd < 0 && setup() < 0)
                abort();
        if (pthread_create(&t, NULL, serve_one, &sv) != 0)
                abort();
        (void)snprintf(url, sizeof(url), "http://127.0.0.1:%u/openstack/latest/meta_data.json",
                       port);
        va_err_clear(&err);
        r = plat_http_get(url, 5000, BODY_MAX, &resp, &err);
        (void)pthread_join(t, NULL);
        if (r < 0) {
                if (err.msg[0] == '\0')
                        abort(); /* every failure says why */
                (void)meta_http_retryable(r, 0);
                return 0;
        }
        if (resp.len > BODY_MAX || (resp.body != NULL && resp.body[resp.len] != '\0'))
                abort();
        (void)meta_http_retryable(0, resp.status);
        if (resp.status == 200 && resp.body != NULL) {
                struct volume_set s;

                memset(&s, 0, sizeof(s));
                va_err_clear(&err);
                (void)meta_parse("http", resp.body, resp.len, META_DOC_META_DATA, &s, &err);
                volume_set_free(&s);
        }
        plat_http_response_free(&resp);
        return 0;
}
