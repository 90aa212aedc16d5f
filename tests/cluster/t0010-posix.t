#!/bin/bash
# What of POSIX the spool relies on holds across two hosts sharing a CephFS
# (ceph-fuse), as measured in ../shared/cephfs/CEPHFS.md and relied on in
# docs/SCALE-OUT.md - kept as a test so that a Ceph upgrade that changes
# one of them is seen: claims by link(2) have exactly one winner, a file's
# flock is exclusive across hosts and a directory's is not, rename2 and
# O_TMPFILE are missing, SQLite loses rows from two hosts unless its
# writers hold a whole-file flock (what worker/stats.c does).
. "$(dirname "$0")/../lib/cluster.sh"
lab_enter "$@"
. "$(dirname "$0")/../lib/common.sh"

need ceph-mon ceph-mgr ceph-osd ceph-mds ceph-fuse ceph rados ip nsenter flock /usr/bin/python3
[ -c /dev/fuse ] || skip_all "no /dev/fuse"
trap 'lab_down; cleanup' EXIT
lab_up
for h in a b; do
	host_up $h "$(echo " $LAB_HOSTS" | wc -w)"
	fixture $? "host $h with the CephFS mounted" "$T/fuse-$h.out"
done
S=$T/spool
PY=/usr/bin/python3

got=$(host_run a $PY -c '
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
open("'"$S"'/r1", "w").close()
r = libc.renameat2(-100, b"'"$S"'/r1", -100, b"'"$S"'/r2", 1)  # RENAME_NOREPLACE
print(os.strerror(ctypes.get_errno()) if r < 0 else "renamed")
try:
    os.open("'"$S"'", os.O_TMPFILE | os.O_RDWR, 0o600); print("tmpfile")
except OSError as e:
    print(os.strerror(e.errno))')
is "$got" "Invalid argument
Operation not supported" "renameat2(RENAME_NOREPLACE) is EINVAL, O_TMPFILE is EOPNOTSUPP: the spool uses link(2) and rename(2)"

# claims: both hosts link their own file to the same 300 names at once
cat >"$T/claim.py" <<'EOP'
import os, sys
d, who = sys.argv[1], sys.argv[2]
src = os.path.join(d, "src-" + who)
open(src, "w").close()
won = 0
for i in range(300):
    try:
        os.link(src, os.path.join(d, "claim-%03d" % i)); won += 1
        open(os.path.join(d, "won-%s-%03d" % (who, i)), "w").close()
    except FileExistsError:
        pass
print(won)
EOP
host_run a mkdir -p "$S/c"
host_run a $PY "$T/claim.py" "$S/c" a >"$T/won-a" &
pa=$!
host_run b $PY "$T/claim.py" "$S/c" b >"$T/won-b" &
pb=$!
wait $pa $pb
grep -qx '[0-9]*' "$T/won-a" && grep -qx '[0-9]*' "$T/won-b"
fixture $? "both hosts raced their claims"
is "$(($(cat "$T/won-a") + $(cat "$T/won-b")))" 300 "link(2) claims raced from two hosts: 300 names, 300 winners"
both=$(host_run a ls "$S/c" | sed -n 's/^won-[ab]-//p' | sort | uniq -d | wc -l)
is "$both" 0 "... no name won by both hosts"

# flock: a file's lock excludes the other host; a directory's does not
host_run a touch "$S/lockfile"
host_run a mkdir -p "$S/lockdir"
host_run a flock -x "$S/lockfile" sleep 4 &
pf=$!
host_run a flock -x "$S/lockdir" sleep 4 &
pd=$!
sleep 1.5
host_run b flock -n -x "$S/lockfile" true
ok $([ $? != 0 ]; echo $?) "a file's flock held on host a: host b cannot take it"
host_run b flock -n -x "$S/lockdir" true
ok $? "a directory's flock held on host a: host b takes it all the same (never used by the spool)"
wait $pf $pd
host_run b flock -n -x "$S/lockfile" true
ok $? "... the file's lock, once host a let it go, is host b's"

# SQLite from both hosts at once, plain and with worker/stats.c's flock
cat >"$T/ins.py" <<'EOP'
import sqlite3, sys, fcntl
db, who, mode = sys.argv[1], sys.argv[2], sys.argv[3]
for i in range(150):
    lk = open(db + "-flock", "a") if mode == "flock" else None
    if lk:
        fcntl.flock(lk, fcntl.LOCK_EX)
    c = sqlite3.connect(db, timeout=30)
    c.execute("CREATE TABLE IF NOT EXISTS t (who, i)")
    c.execute("INSERT INTO t VALUES (?, ?)", (who, i))
    c.commit()
    c.close()
    if lk:
        lk.close()
EOP
for mode in plain flock; do
	host_run a $PY -c "import sqlite3; sqlite3.connect('$S/$mode.db').execute('CREATE TABLE t (who, i)')"
	host_run a $PY "$T/ins.py" "$S/$mode.db" a $mode 2>"$T/sql-a.err" &
	pa=$!
	host_run b $PY "$T/ins.py" "$S/$mode.db" b $mode 2>"$T/sql-b.err" &
	pb=$!
	wait $pa $pb
	rows=$(host_run a $PY -c "import sqlite3; print(sqlite3.connect('$S/$mode.db').execute('SELECT count(*) FROM t').fetchone()[0])")
	eval "rows_$mode=$rows"
done
diag "SQLite, 150 rows inserted by each of two hosts: $rows_plain kept with SQLite's own locks (byte-range fcntl)"
is "$rows_flock" 300 "SQLite with a whole-file flock around each writer (worker/stats.c): all 300 rows kept"
done_testing
