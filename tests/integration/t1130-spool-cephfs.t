#!/bin/bash
# The spool on CephFS, as the scale-out deployment shares it: a throw-away
# single-node Ceph cluster (tests/lib/cluster.sh, memstore, in a network
# namespace of the test's own) mounted with ceph-fuse, and the real httpd
# and worker with SaveDir there; tests/cluster (make check-cluster) runs
# three hosts on it. On
# ceph-fuse renameat2(RENAME_NOREPLACE) fails with EINVAL (measured in
# ../shared/cephfs/CEPHFS.md, checked again here), so every commit, take,
# requeue and delete goes through the spool's link(2) and rename(2) paths:
# uploads are queued, run once and finished, a killed worker's task is run
# again, deleted tasks are gone, and nothing is left behind.
. "$(dirname "$0")/../lib/cluster.sh"
lab_enter "$@"
. "$(dirname "$0")/../lib/common.sh"

need ceph-mon ceph-mgr ceph-osd ceph-mds ceph-fuse ceph rados ip rpmbuild createrepo_c rpm2archive gdb sqlite3 python3
[ -c /dev/fuse ] || skip_all "no /dev/fuse"

STATS_DB=$T/stats/stats.db
. "$RETRACE_SRC/tests/lib/worker.sh"
release_repo demo

trap 'stop_worker; stop_httpd; lab_down; cleanup' EXIT
lab_up
view_up
fixture $? "the CephFS mounted with ceph-fuse" "$T/fuse-view.out"
M=$T/view
is "$(findmnt -rn -o FSTYPE "$M")" fuse.ceph-fuse "the spool's file system is ceph-fuse"

# the reason for the fallbacks, measured on this mount
: >"$M/a"
got=$(python3 -c '
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
r = libc.renameat2(-100, b"'"$M"'/a", -100, b"'"$M"'/b", 1)  # AT_FDCWD, RENAME_NOREPLACE
print(os.strerror(ctypes.get_errno()) if r < 0 else "renamed")')
is "$got" "Invalid argument" "renameat2(RENAME_NOREPLACE) fails with EINVAL on ceph-fuse"
rm -f "$M/a" "$M/b"

# the sandboxes' mounts of this spool (the core), for test_gdbs: their source
# is the CephFS, named by its path there
SPOOL_MOUNT_MARK="ceph-fuse[/spool/"
mkdir -p "$M/spool" "$T/cache" "$T/stats"
chown nobody:nogroup "$M/spool" "$T/cache" "$T/stats"
write_config "SaveDir = $M/spool
RootfsCacheDir = $T/cache
RequireGPGCheck = 0
MaxParallelTasks = 1
WorkerStopTimeout = 1
RescanInterval = 1
AllowAPIDelete = 1
DBFile = $STATS_DB"
publish
start_httpd || exit 1
rtprog_segv

# uploads: committed (the task directory renamed into place, the queue
# entry linked), taken, run once, finished
start_worker
for i in 1 2 3; do
	send "$T/segv.d"
	ok $? "upload $i: 201 on CephFS"
	is "$(wait_done "$ID" "$PW" 120)" FINISHED_SUCCESS "upload $i: FINISHED_SUCCESS"
	is "$(rows_of "$ID")" 1 "upload $i: run once (one statistics row)"
	like "$(get "$ID" "$PW" backtrace)" "rtlib_crash (" "upload $i: its backtrace names the crashing function"
done

# a killed worker: its task is taken again from .running (moved back to
# .queue) and run once more
fake_gdb HANG fedora-37-x86_64
stop_worker
HANG_TIMEOUT=60 hang_task "$T/segv.d"
fixture $? "a task runs in the hanging gdb, its spool on CephFS"
kill -KILL "$WORKER_PID"
wait "$WORKER_PID" 2>/dev/null
WORKER_PID=
eventually 10 no_test_gdb
ok $? "the killed worker's gdb is gone"
setconf ToolRoot host
start_worker
is "$(wait_done "$ID" "$PW" 120)" FINISHED_SUCCESS "the next worker runs the interrupted task: FINISHED_SUCCESS"
is "$(rows_of "$ID")" 1 "... once (one statistics row)"

# delete: the task is moved to the trash (a rename) and removed
code=$(http_code GET "/$ID/delete" -H "X-Task-Password: $PW")
is "$code" 200 "GET /ID/delete of a finished task: 200"
ok $([ ! -e "$M/spool/$ID" ]; echo $?) "... its directory is gone"
is "$(http_code GET "/$ID" -H "X-Task-Password: $PW")" 404 "... and it is unknown: 404"
is "$(ls -A "$M/spool/.trash" 2>/dev/null | wc -l)" 0 "... nothing of it is left in the trash"

stop_worker
is "$(ls "$M/spool/.queue" "$M/spool/.running" "$M/spool/.incoming" 2>/dev/null | grep -c '^[0-9.]')" 0 \
	"nothing is left queued, running or half-uploaded"
is "$(find "$M/spool" -name '.*.tmp*' | wc -l)" 0 "no half-written file is left"
done_testing
