#!/usr/bin/env python3
"""A small HTTP file server on 127.0.0.1 for the reposync tests.

    httpserve.py DIR PORTFILE [HANG-SUBSTRING]

Serves DIR (GET and HEAD). A request whose path contains HANG-SUBSTRING
gets its headers and half of its body, then nothing for 600 seconds: a
mirror that stalls mid-transfer. A file PATH.redirect makes a request for
PATH a 302 to the URL it holds. With HTTPSERVE_TLS=CERT:KEY in the
environment it speaks HTTPS. The chosen port is written to PORTFILE.
"""
import http.server
import os
import sys
import time

root, portfile = sys.argv[1], sys.argv[2]
hang = sys.argv[3] if len(sys.argv) > 3 else None


class Handler(http.server.SimpleHTTPRequestHandler):
    def __init__(self, *a, **kw):
        super().__init__(*a, directory=root, **kw)

    def log_message(self, fmt, *args):
        sys.stderr.write("httpserve: " + fmt % args + "\n")

    def do_GET(self):
        target = self.translate_path(self.path) + ".redirect"
        if os.path.isfile(target):
            with open(target) as f:
                location = f.read().strip()
            self.send_response(302)
            self.send_header("Location", location)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if hang and hang in self.path:
            path = self.translate_path(self.path)
            with open(path, "rb") as f:
                data = f.read()
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            time.sleep(600)
            return
        super().do_GET()


srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
if os.environ.get("HTTPSERVE_TLS"):
    import ssl
    cert, key = os.environ["HTTPSERVE_TLS"].split(":")
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
with open(portfile + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(portfile + ".tmp", portfile)
srv.serve_forever()
