#!/usr/bin/env python3
# tls-post.py PORT CAFILE NBYTES: POST /create over TLS the way the NSS
# build of abrt-retrace-client does: the whole request (head and NBYTES of
# body) sent, and only then the answer read until the server closes. A
# server that answers and closes with the body unread resets the
# connection, and the client sees a failed send or receive, not the answer.
# Prints the answer, or "send failed: ..." / "receive failed: ..." (exit 1).
import os
import socket
import ssl
import sys

port, ca, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
ctx = ssl.create_default_context(cafile=ca)
s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=60),
                    server_hostname="127.0.0.1")
head = ("POST /create HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Content-Type: application/x-xz-compressed-tar\r\n"
        "Content-Length: %d\r\nConnection: close\r\n\r\n" % n).encode()
try:
    s.sendall(head + os.urandom(n))
except OSError as e:
    print("send failed: %s" % e)
    sys.exit(1)
data = b""
try:
    while True:
        d = s.recv(65536)
        if not d:
            break
        data += d
except OSError as e:
    print("receive failed: %s (%d bytes read)" % (e, len(data)))
    sys.exit(1)
sys.stdout.write(data.decode("latin1"))
