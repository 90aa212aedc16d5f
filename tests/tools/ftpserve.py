#!/usr/bin/python3
"""An anonymous, read-only FTP server on 127.0.0.1 for the remote resources test.

    ftpserve.py DIR PORTFILE

Serves DIR to anonymous users (list and retrieve only) on a free port,
written to PORTFILE once it listens. Debian's python3-pyftpdlib.
"""
import sys

from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler
from pyftpdlib.servers import FTPServer

root, portfile = sys.argv[1], sys.argv[2]
auth = DummyAuthorizer()
auth.add_anonymous(root, perm="elr")
handler = FTPHandler
handler.authorizer = auth
server = FTPServer(("127.0.0.1", 0), handler)
with open(portfile + ".tmp", "w") as f:
    f.write(str(server.socket.getsockname()[1]))
import os

os.rename(portfile + ".tmp", portfile)
server.serve_forever(timeout=1)
