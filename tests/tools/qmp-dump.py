#!/usr/bin/env python3
"""qmp-dump.py SOCKET SECONDS SERIAL-LOG FMT:OUT...

For the vmcore tests: talk QMP to a qemu started with -qmp unix:SOCKET,
wait (at most SECONDS) until the guest panicked (the pvpanic status, or
the end-of-panic line on its serial console), stop it, write one
dump-guest-memory per FMT:OUT (FMT: elf, kdump-zlib, kdump-lzo,
kdump-snappy...) and quit qemu. Exit 1 with a reason otherwise.
"""
import json
import socket
import sys
import time

path = sys.argv[1]
serial = sys.argv[3]
s = socket.socket(socket.AF_UNIX)
for _ in range(200):
    try:
        s.connect(path); break
    except OSError:
        time.sleep(0.05)
f = s.makefile('rw')
def cmd(c, **a):
    f.write(json.dumps({"execute": c, "arguments": a} if a else {"execute": c}) + "\n"); f.flush()
    while True:
        r = json.loads(f.readline())
        if "return" in r or "error" in r:
            return r
json.loads(f.readline()); cmd("qmp_capabilities")
deadline = time.time() + float(sys.argv[2])
while time.time() < deadline:
    st = cmd("query-status")["return"]["status"]
    try:
        text = open(serial, errors="replace").read()
    except OSError:
        text = ""
    if st == "guest-panicked" or "end Kernel panic" in text:
        cmd("stop")
        break
    time.sleep(0.1)
else:
    print("no panic within the time", file=sys.stderr); sys.exit(1)
for spec in sys.argv[4:]:
    fmt, out = spec.split(":", 1)
    a = {"paging": False, "protocol": "file:" + out}
    if fmt != "elf":
        a["format"] = fmt
    r = cmd("dump-guest-memory", **a)
    if "error" in r:
        print(r, file=sys.stderr); sys.exit(1)
cmd("quit")
