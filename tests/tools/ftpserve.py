#!/usr/bin/python3
"""A read-only FTP server on 127.0.0.1 for the remote resources and FTP task tests.

    ftpserve.py DIR PORTFILE [USER PASSWORD [CERTFILE]]

Serves DIR (list and retrieve only) on a free port, written to PORTFILE
once it listens: to anonymous users, or only to USER with PASSWORD; with
CERTFILE (a PEM holding the certificate and its key) it requires TLS
(AUTH TLS, protected data channel). Debian's python3-pyftpdlib (and
python3-openssl for TLS).
"""
import os
import sys

from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler
from pyftpdlib.servers import FTPServer

root, portfile = sys.argv[1], sys.argv[2]
auth = DummyAuthorizer()
if len(sys.argv) > 4:
    auth.add_user(sys.argv[3], sys.argv[4], root, perm="elr")
else:
    auth.add_anonymous(root, perm="elr")
if len(sys.argv) > 5:
    from pyftpdlib.handlers import TLS_FTPHandler

    handler = TLS_FTPHandler
    handler.certfile = sys.argv[5]
    handler.tls_control_required = True
    handler.tls_data_required = True
else:
    handler = FTPHandler
handler.authorizer = auth
server = FTPServer(("127.0.0.1", 0), handler)
with open(portfile + ".tmp", "w") as f:
    f.write(str(server.socket.getsockname()[1]))
os.rename(portfile + ".tmp", portfile)
server.serve_forever(timeout=1)
