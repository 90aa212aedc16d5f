#!/usr/bin/env python3
# hostile-clients.py PORT SCENARIO [ARGS...]: attack retrace-httpd on
# 127.0.0.1:PORT from several loopback addresses while a well-behaved
# client at 127.0.0.200 polls GET /settings every 0.2 s (env GOOD_PATH: another
# path, /metrics for retrace-debuginfod) and, where the scenario says, sends a
# real upload. Prints "key value" lines for the
# test to check; exits 2 on a usage or setup error.
#
# Scenarios:
#   slowloris ADDRS CONNS SECONDS  CONNS connections from each of ADDRS
#       addresses, one header byte every 0.5 s, reconnecting when closed.
#   flood CONNS SECONDS            CONNS idle connections from 127.0.0.6.
#   halfclose N SECONDS            N uploads from 127.0.0.7 that send 5000 of
#       100000 body bytes and close their sending side: each must be
#       answered at once (a 400 on plain HTTP), never left to a timeout.
#   slowbody ADDRS PER RATE SECONDS  PER uploads from each of ADDRS
#       addresses, each sending RATE bytes/s of a 4 MiB body; the good
#       client uploads GOOD (an archive file, env GOOD_UPLOAD) after 1/2 of
#       SECONDS, with a 10 s limit.
import os
import socket
import sys
import threading
import time

PORT = int(sys.argv[1])
SCENARIO = sys.argv[2]
ARGS = sys.argv[3:]
GOOD_ADDR = "127.0.0.200"
GOOD_PATH = os.environ.get("GOOD_PATH", "/settings").encode()
lock = threading.Lock()
stop = threading.Event()
stats = {}


def add(key, n=1):
    with lock:
        stats[key] = stats.get(key, 0) + n


def setmax(key, v):
    with lock:
        stats[key] = max(stats.get(key, 0), v)


def connect(src, timeout=10):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.bind((src, 0))
    s.connect(("127.0.0.1", PORT))
    return s


def closed_by_peer(s):
    """True if the server closed or reset the connection (non-blocking peek)."""
    try:
        s.setblocking(False)
        d = s.recv(4096, socket.MSG_PEEK)
        return d == b""
    except BlockingIOError:
        return False
    except OSError:
        return True
    finally:
        s.setblocking(True)


def read_answer(s, limit=30):
    s.settimeout(limit)
    data = b""
    try:
        while True:
            d = s.recv(65536)
            if not d:
                break
            data += d
            if b"\r\n\r\n" in data:
                head, _, rest = data.partition(b"\r\n\r\n")
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        if len(rest) >= int(line.split(b":")[1]):
                            return data
    except OSError:
        pass
    return data


def status_of(answer):
    try:
        return int(answer.split(b" ", 2)[1])
    except (IndexError, ValueError):
        return 0


def good_poller():
    """GET GOOD_PATH every 0.2 s from GOOD_ADDR: count answers, worst latency."""
    while not stop.is_set():
        t0 = time.monotonic()
        try:
            s = connect(GOOD_ADDR)
            s.sendall(b"GET " + GOOD_PATH + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            a = read_answer(s, 10)
            s.close()
            if status_of(a) == 200:
                add("good_ok")
            else:
                add("good_failed")
        except OSError:
            add("good_failed")
        setmax("good_worst_ms", int((time.monotonic() - t0) * 1000))
        stop.wait(0.2)


def slow_header_conn(src, first_delay):
    req = b"GET " + GOOD_PATH + b" HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"a" * 4000
    time.sleep(first_delay)
    while not stop.is_set():
        try:
            s = connect(src)
        except OSError:
            add("slow_connect_failed")
            stop.wait(0.5)
            continue
        t0 = time.monotonic()
        add("slow_opened")
        i = 0
        if stop.wait(0.1):
            break
        if closed_by_peer(s):
            add("slow_closed_at_once")
            s.close()
            continue
        while not stop.is_set():
            try:
                s.send(req[i:i + 1])
                i += 1
            except OSError:
                break
            if stop.wait(0.5):
                break
            if closed_by_peer(s):
                break
        held = time.monotonic() - t0
        if not stop.is_set():
            add("slow_closed")
            setmax("slow_longest_ms", int(held * 1000))
        s.close()


def flood_conn(out):
    try:
        s = connect("127.0.0.6")
    except OSError:
        add("flood_connect_failed")
        return
    time.sleep(0.2)
    add("flood_refused_at_once" if closed_by_peer(s) else "flood_accepted")
    out.append(s)


def body_conn(src, rate, size):
    try:
        s = connect(src, 30)
        s.sendall(b"POST /create HTTP/1.1\r\nHost: x\r\n"
                  b"Content-Type: application/x-xz-compressed-tar\r\n"
                  b"Content-Length: %d\r\n\r\n" % size)
    except OSError:
        add("body_connect_failed")
        return
    t0 = time.monotonic()
    sent = 0
    chunk = max(1, rate // 4)
    while not stop.is_set() and sent < size:
        try:
            s.send(os.urandom(min(chunk, size - sent)))
        except OSError:
            break
        sent += chunk
        if stop.wait(0.25):
            break
        if closed_by_peer(s):
            break
    if stop.is_set():
        add("body_held_to_end")
        s.close()
        return
    # the server ended the upload (a refusal is answered only once the
    # body is read, so a trickling client never sees it)
    a = read_answer(s, 2)
    st = status_of(a)
    add("body_status_%d" % st)
    add("body_ended")
    setmax("body_longest_ms", int((time.monotonic() - t0) * 1000))
    s.close()


def half_close():
    t0 = time.monotonic()
    try:
        s = connect("127.0.0.7", 30)
        s.sendall(b"POST /create HTTP/1.1\r\nHost: x\r\n"
                  b"Content-Type: application/x-xz-compressed-tar\r\n"
                  b"Content-Length: 100000\r\n\r\n" + os.urandom(5000))
        s.shutdown(socket.SHUT_WR)
        s.settimeout(30)
        data = b""
        while True:
            d = s.recv(65536)
            if not d:
                break
            data += d
        s.close()
    except OSError:
        add("halfclose_error")
        return
    setmax("halfclose_worst_ms", int((time.monotonic() - t0) * 1000))
    add("halfclose_status_%d" % status_of(data))
    setmax("halfclose_most_status_lines", data.count(b"HTTP/1."))


def good_upload(path, result):
    data = open(path, "rb").read()
    t0 = time.monotonic()
    try:
        s = connect(GOOD_ADDR, 10)
        s.sendall(b"POST /create HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                  b"Content-Type: application/x-xz-compressed-tar\r\n"
                  b"Content-Length: %d\r\n\r\n" % len(data) + data)
        a = read_answer(s, 10)
        s.close()
        result["status"] = status_of(a)
    except OSError as e:
        result["status"] = 0
        result["error"] = str(e)
    result["ms"] = int((time.monotonic() - t0) * 1000)


def main():
    threads = [threading.Thread(target=good_poller, daemon=True)]
    keep = []
    seconds = float(ARGS[-1])
    upload = {}
    if SCENARIO == "slowloris":
        naddr, conns = int(ARGS[0]), int(ARGS[1])
        for a in range(naddr):
            for c in range(conns):
                threads.append(threading.Thread(
                    target=slow_header_conn, args=("127.0.0.%d" % (2 + a), c * 0.01),
                    daemon=True))
    elif SCENARIO == "flood":
        for _ in range(int(ARGS[0])):
            threads.append(threading.Thread(target=flood_conn, args=(keep,), daemon=True))
    elif SCENARIO == "halfclose":
        for _ in range(int(ARGS[0])):
            threads.append(threading.Thread(target=half_close, daemon=True))
    elif SCENARIO == "slowbody":
        naddr, per, rate = int(ARGS[0]), int(ARGS[1]), int(ARGS[2])
        for a in range(naddr):
            for _ in range(per):
                threads.append(threading.Thread(
                    target=body_conn, args=("127.0.0.%d" % (10 + a), rate, 4 << 20),
                    daemon=True))
    else:
        print("unknown scenario %s" % SCENARIO, file=sys.stderr)
        sys.exit(2)
    for t in threads:
        t.start()
    if SCENARIO == "slowbody":
        time.sleep(seconds / 2)
        good_upload(os.environ["GOOD_UPLOAD"], upload)
        time.sleep(seconds / 2)
    else:
        time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join(5)
    for k in sorted(stats):
        print(k, stats[k])
    for k in sorted(upload):
        print("good_upload_%s" % k, upload[k])


main()
