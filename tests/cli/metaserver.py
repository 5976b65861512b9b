#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A real HTTP server on 127.0.0.1 that misbehaves on purpose, for the
metadata-service tests: volattach must retry what is transient, give up on
what is final, and bound everything. Each URL path picks a behaviour:

  /ok/...           serve the file given with --file (vendor_data*.json: 404)
  /notfound/...     404 always
  /flaky/...        500 twice, then the file (counts per path)
  /busy/...         429 then 408, then the file
  /forbidden/...    403 always (final: no retry)
  /stall/...        accept, then never answer
  /oversize/...     a 2 MiB body
  /truncated/...    Content-Length larger than the body, then close
  /redirect/...     302 to /ok/ (must not be followed)
  /live/...         the --file as it is now, re-read at every request (a
                    watch's changing metadata); while FILE.answer exists it
                    says what to answer instead: "500", "empty" (200, no
                    body) or "garbage" (200, not JSON)
  /stallvendor/...  serve meta_data.json, never answer for vendor_data*.json

Prints "PORT <n>" on stdout once listening; request counts go to --log.
"""
import argparse
import http.server
import socketserver
import sys
import threading
import time

counts = {}
lock = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def send_body(self, code, body, ctype="application/json"):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        with lock:
            counts[self.path] = counts.get(self.path, 0) + 1
            n = counts[self.path]
            if self.server.logfile:
                with open(self.server.logfile, "a") as f:
                    f.write("%s %d\n" % (self.path, n))
        mode = self.path.split("/")[1]
        if mode == "stallvendor" and self.path.endswith(("vendor_data.json", "vendor_data2.json")):
            time.sleep(3600)
            return
        if mode == "stallvendor":
            return self.send_body(200, self.server.body)
        if self.path.endswith(("vendor_data.json", "vendor_data2.json")) and mode != "vendor":
            return self.send_body(404, b"not found\n", "text/plain")
        body = self.server.body
        if mode == "vendor" and self.path.endswith("vendor_data2.json"):
            body = self.server.vendor2
        elif mode == "vendor" and self.path.endswith("vendor_data.json"):
            return self.send_body(404, b"not found\n", "text/plain")
        if mode in ("ok", "vendor"):
            return self.send_body(200, body)
        if mode == "live":
            try:
                with open(self.server.path + ".answer") as f:
                    answer = f.read().strip()
            except OSError:
                answer = ""
            if answer == "500":
                return self.send_body(500, b"oops\n", "text/plain")
            if answer == "empty":
                return self.send_body(200, b"")
            if answer == "garbage":
                return self.send_body(200, b"<html>gateway</html>\n", "text/html")
            with open(self.server.path, "rb") as f:
                return self.send_body(200, f.read())
        if mode == "notfound":
            return self.send_body(404, b"not found\n", "text/plain")
        if mode == "flaky":
            if n <= 2:
                return self.send_body(500, b"oops\n", "text/plain")
            return self.send_body(200, body)
        if mode == "busy":
            if n == 1:
                return self.send_body(429, b"slow down\n", "text/plain")
            if n == 2:
                return self.send_body(408, b"timeout\n", "text/plain")
            return self.send_body(200, body)
        if mode == "forbidden":
            return self.send_body(403, b"no\n", "text/plain")
        if mode == "stall":
            time.sleep(3600)
            return
        if mode == "oversize":
            return self.send_body(200, b" " * (2 * 1024 * 1024))
        if mode == "truncated":
            self.send_response(200)
            self.send_header("Content-Length", str(len(body) + 1000))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        if mode == "redirect":
            self.send_response(302)
            self.send_header("Location", "/ok/openstack/latest/meta_data.json")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_body(400, b"unknown mode\n", "text/plain")


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        # volattach hangs up on oversize and stalled answers by design
        pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--file", required=True)
    ap.add_argument("--vendor2")
    ap.add_argument("--log")
    a = ap.parse_args()
    srv = Server(("127.0.0.1", 0), Handler)
    srv.body = open(a.file, "rb").read()
    srv.path = a.file
    srv.vendor2 = open(a.vendor2, "rb").read() if a.vendor2 else b"{}"
    srv.logfile = a.log
    print("PORT %d" % srv.server_address[1], flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
