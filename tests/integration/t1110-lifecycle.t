#!/bin/bash
# A task's life beyond its run, attacked as an operator's bad day would:
# a full disk when a task ends, a task that runs too long, the rescan of
# tasks nothing lists, the admin's retrace-task (list, show, fail, restart,
# delete), and retrace-cleanup's every key (DeleteTaskAfter,
# DeleteFailedTaskAfter, ArchiveTaskAfter into DropDir, MaxTaskRunTime,
# interactive tasks skipped, leftovers of killed processes, the statistics
# pruned to 100 rows per package and release), with back-dated tasks.
# Real crashes of a packaged program, the real httpd and worker; a gdb that
# hangs (tests/fixtures/rpm/rtfakegdb.c) keeps a task running on demand.
. "$(dirname "$0")/../lib/common.sh"

need rpmbuild createrepo_c rpm2archive gdb unshare sqlite3
# the statistics beside the spool, not in it: a full spool must not lose them
STATS_DB=$T/stats/stats.db
. "$RETRACE_SRC/tests/lib/worker.sh"

release_repo demo
fake_gdb HANG fedora-37-x86_64

mkdir -p "$T/cache" "$T/drop" "$T/stats"
[ "$(id -u)" = 0 ] && chown nobody:nogroup "$T/cache" "$T/drop" "$T/stats"
write_config "RootfsCacheDir = $T/cache
AllowInteractive = 1
RequireGPGCheck = 0
MaxParallelTasks = 1
WorkerStopTimeout = 1
RescanInterval = 1
DBFile = $STATS_DB
DropDir = $T/drop"
publish
start_httpd || exit 1
rtprog_segv

task_cli() { $BIN/retrace-task -c "$T/conf" "$@" 2>&1; }
cleanup_run() { $BIN/retrace-cleanup -c "$T/conf" 2>&1; }
# backdate ID HOURS: the task was created HOURS ago (the password file's mtime)
backdate() { touch -d "@$(($(date +%s) - $2 * 3600))" "$T/spool/$1/password"; }

# --- MaxTaskRunTime: retrace-cleanup terminates a task that runs too long ---------
hang_task "$T/segv.d"
fixture $? "a task runs in the hanging gdb"
is "$(task_cli list | awk -v id="$ID" '$1 == id { print $2, $3 }')" "running backtrace" \
	"retrace-task list: the task is running, in its backtrace step"
show=$(task_cli show "$ID")
like_re "$show" "^owner: +held \(process [0-9]+ on $(hostname)\)" "retrace-task show: its owner process and host"
out=$(cleanup_run)
unlike "$out" "task $ID" "retrace-cleanup leaves a task alone within MaxTaskRunTime"
# it started 2 hours ago, as far as retrace-cleanup can tell
echo $(($(date +%s) - 7200)) >"$T/spool/$ID/started_time"
out=$(cleanup_run)
# (7200 s or a few more: the clock may tick between the two commands)
like_re "$out" "task $ID: running for 720[0-9] s, longer than MaxTaskRunTime \(3600 s\): terminated" \
	"retrace-cleanup terminates a task running longer than MaxTaskRunTime, with a log line"
is "$(wait_done "$ID" "$PW" 30)" FINISHED_FAILURE "... the task fails"
like "$(get "$ID" "$PW" log)" "the task ran longer than MaxTaskRunTime (3600 s): terminated" \
	"... its log says why"
eventually 10 no_test_gdb
ok $? "... its gdb is gone"
is "$(rows_of "$ID")" 1 "... one statistics row"
ok $([ ! -e "$T/spool/.running/$ID" ]; echo $?) "... and it is in no list"
STALLED=$ID STALLED_PW=$PW

# --- retrace-task fail: a running task ------------------------------------------
send "$T/segv.d"
eventually 30 has_test_gdb
fixture $? "a second task runs in the hanging gdb"
out=$(task_cli fail "$ID" "a test says so")
like "$out" "task $ID: process" "retrace-task fail kills a running task's process"
is "$(wait_done "$ID" "$PW" 30)" FINISHED_FAILURE "... the task fails"
like "$(get "$ID" "$PW" log)" "failed by an administrator (retrace-task fail): a test says so" "... saying who and why"
eventually 10 no_test_gdb
ok $? "... its gdb is gone"
FAILED=$ID FAILED_PW=$PW

# --- retrace-task restart: a failed task whose crash data is kept ---------------------
stop_worker
setconf ToolRoot host
out=$(task_cli restart "$FAILED")
like "$out" "task $FAILED: queued again" "retrace-task restart queues a failed task again"
is "$(status_of "$FAILED" "$FAILED_PW")" PENDING "... it is PENDING"
ok $([ -e "$T/spool/.queue/$FAILED" ] && [ ! -e "$T/spool/$FAILED/finished_time" ]; echo $?) "... queued, not finished"
start_worker
is "$(wait_done "$FAILED" "$FAILED_PW")" FINISHED_SUCCESS "... and the worker runs it: FINISHED_SUCCESS"
unlike "$(get "$FAILED" "$FAILED_PW" log)" "retrace-task fail" "... its log is the new run's"
is "$(rows_of "$FAILED")" 1 "... one statistics row for the task"
out=$(task_cli restart "$FAILED")
ok $((!$?)) "retrace-task restart refuses a successful task"
like "$out" "only a failed task is restarted" "... saying so"

# --- a failed task keeps no crash data (a debug task does) -----------------------------
# a few KiB of xz that unpack to a 64 MiB "core" of zeros, failed at once
mkdir -p "$T/bomb.d"
cp "$T/segv.d"/executable "$T/segv.d"/package "$T/segv.d"/os_release "$T/bomb.d/"
head -c $((64 << 20)) /dev/zero >"$T/bomb.d/coredump"
send "$T/bomb.d"
ok $? "a 64 MiB core of zeros is accepted ($(stat -c %s "$T/up.tar.xz") bytes sent)"
is "$(wait_done "$ID" "$PW")" FINISHED_FAILURE "... and fails"
ok $([ ! -e "$T/spool/$ID/crash/coredump" ]; echo $?) "... its coredump is removed at once"
like "$(get "$ID" "$PW" log)" "the coredump is removed: a failed task keeps no crash data" "... its log says so"
send "$T/bomb.d" 1
is "$(wait_done "$ID" "$PW")" FINISHED_FAILURE "the same as a debug task (type 1) fails too"
is "$(stat -c %s "$T/spool/$ID/crash/coredump" 2>/dev/null)" $((64 << 20)) "... and keeps its coredump"
rm -rf "$T/bomb.d"

# --- the rescan: a task in no list is found and run ------------------------------------
stop_worker
setconf ToolRoot fedora-37-x86_64
setconf ProcessCommunicateTimeout 120
start_worker
send "$T/segv.d"
eventually 30 has_test_gdb
fixture $? "the only slot is busy in the hanging gdb"
HUNG=$ID HUNG_PW=$PW
send "$T/segv.d"
ok $? "a second task is queued behind it"
rm "$T/spool/.queue/$ID"
backdate "$ID" 1
is "$(task_cli list | awk -v id="$ID" '$1 == id { print $2 }')" unlisted "retrace-task list: a task with no queue entry is unlisted"
queued_again() { [ -e "$T/spool/.queue/$ID" ]; }
eventually 15 queued_again
ok $? "the worker's rescan (RescanInterval = 1) queues it again"
like "$(cat "$T/worker.out")" "task $ID: unfinished and in no queue: queued" "... and says so"
out=$(task_cli delete "$HUNG")
ok $((!$?)) "retrace-task delete refuses a running task"
like "$out" "fail it first" "... saying what to do"
# a stopping worker queues the running task again (WorkerStopTimeout = 1)
stop_worker
out=$(task_cli fail "$HUNG")
like "$out" "task $HUNG: failed" "retrace-task fail fails a queued task"
is "$(status_of "$HUNG" "$HUNG_PW")" FINISHED_FAILURE "... at once: FINISHED_FAILURE"
ok $([ ! -e "$T/spool/.queue/$HUNG" ] && [ ! -e "$T/spool/.running/$HUNG" ]; echo $?) "... and in no list"
setconf ToolRoot host
start_worker
is "$(wait_done "$ID" "$PW" 60)" FINISHED_SUCCESS "the rescued task runs: FINISHED_SUCCESS"
is "$(rows_of "$ID")" 1 "... once"
is "$(rows_of "$HUNG")" 1 "the task failed by hand has one statistics row too"
stop_worker

# --- retrace-task delete, show ------------------------------------------------------------
send "$T/segv.d"
out=$(task_cli delete "$ID")
like "$out" "task $ID: deleted" "retrace-task delete removes a queued task"
ok $([ ! -e "$T/spool/$ID" ] && [ ! -e "$T/spool/.queue/$ID" ]; echo $?) "... its directory and queue entry are gone"
out=$(task_cli show 123456789)
ok $((!$?)) "retrace-task show of an unknown task fails"
like "$out" "no task 123456789" "... saying so"
out=$(task_cli show ../etc)
ok $((!$?)) "retrace-task refuses what is not a task id"
like "$out" "not a task id" "... saying so"

# --- a full spool when a task ends (root: a small tmpfs) ------------------------------------
if [ "$(id -u)" = 0 ]; then
	stop_httpd
	mkdir -p "$T/small"
	mount -t tmpfs -o size=24m,mode=0755 "${T##*/}" "$T/small" # named for test_gdbs
	mkdir "$T/small/spool"
	chown nobody:nogroup "$T/small/spool"
	setconf SaveDir "$T/small/spool"
	setconf ToolRoot fedora-37-x86_64
	setconf ProcessCommunicateTimeout 4
	start_httpd || exit 1
	start_worker
	send "$T/segv.d"
	eventually 30 has_test_gdb
	fixture $? "a task runs in the hanging gdb, on a 24 MiB spool"
	# while gdb hangs, the spool fills up; gdb's timeout ends the task on a full disk
	dd if=/dev/zero of="$T/small/spool/filler" bs=1M count=64 2>/dev/null
	lost_end() { grep -q "task $ID: its end could not be written" "$T/worker.out"; }
	eventually 30 lost_end
	ok $? "the task's end cannot be written: the worker says so"
	is "$(status_of "$ID" "$PW")" PENDING "... the task stays PENDING (owned, not lost)"
	rm -f "$T/small/spool/filler"
	is "$(wait_done "$ID" "$PW" 30)" FINISHED_FAILURE "once space is back, it finishes with its result"
	like "$(get "$ID" "$PW" log)" "gdb ran past the timeout" "... its own log"
	is "$(rows_of "$ID")" 1 "... one statistics row"
	is "$(find "$T/small/spool" -name '.*.tmp*' | wc -l)" 0 "... no half-written file is left"
	stop_worker
	stop_httpd
	umount "$T/small"
	setconf SaveDir "$T/spool"
	setconf ToolRoot host
	start_httpd || exit 1
else
	diag "not root: no tmpfs for the full-spool test"
fi

# --- retrace-cleanup -------------------------------------------------------------------------
start_worker
task_ok() { # task_ok [TYPE]: a finished task; sets ID PW
	send "$T/segv.d" "${1:-0}" && [ "$(wait_done "$ID" "$PW")" = FINISHED_SUCCESS ]
}
task_ok && OLD=$ID && task_ok && MIDDLE=$ID && task_ok && FRESH=$ID
fixture $? "three finished tasks"
task_ok 3
fixture $? "a finished interactive task"
INTER=$ID
stop_worker
backdate "$OLD" 200000   # 2003: far past DeleteTaskAfter (120 h)
backdate "$MIDDLE" 48    # past DeleteFailedTaskAfter (24 h), not DeleteTaskAfter
backdate "$INTER" 200000
backdate "$STALLED" 48   # failed, 48 h old
# leftovers of killed processes
touch "$T/spool/$FRESH/.status.tmp0123456789ab"
mkdir -p "$T/spool/.incoming/deadupload/crash" "$T/spool/.incoming/liveupload/crash"
head -c 1000 /dev/zero >"$T/spool/.incoming/deadupload/crash/coredump"
touch -d '-2 hours' "$T/spool/.incoming/deadupload/crash/coredump" "$T/spool/.incoming/deadupload/crash" \
	"$T/spool/.incoming/deadupload"
touch -d '-2 hours' "$T/spool/.queue/.new-deadupload"
mkdir -p "$T/spool/.trash/123456789.0011223344556677/crash"
touch -d '-2 hours' "$T/spool/.trash/123456789.0011223344556677/crash" "$T/spool/.trash/123456789.0011223344556677"
# (made by root here; httpd and the worker, their makers, run as RunAsUser)
[ "$(id -u)" = 0 ] && chown -R -h nobody:nogroup "$T/spool/.incoming" "$T/spool/.queue" "$T/spool/.trash" "$T/spool/$FRESH"
# the statistics: 150 rows of one package and release, 5 of another
sqlite3 "$STATS_DB" "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 150)
	INSERT INTO package_time (package, release, time) SELECT 'bigpkg', 'fedora-39-x86_64', i FROM n;
	WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5)
	INSERT INTO package_time (package, release, time) SELECT 'smallpkg', 'fedora-39-x86_64', i FROM n;"
chown nobody:nogroup "$STATS_DB" 2>/dev/null
out=$(cleanup_run)
rc=$?
ok $rc "retrace-cleanup succeeds"
like "$out" "task $OLD: finished task, created 200000 h ago: deleted" "DeleteTaskAfter: a finished task past 120 h is deleted, with a log line"
ok $([ ! -e "$T/spool/$OLD" ]; echo $?) "... its directory is gone"
ok $([ -e "$T/spool/$MIDDLE/finished_time" ]; echo $?) "a finished task of 48 h stays (DeleteTaskAfter = 120)"
like "$out" "task $STALLED: failed task, created 48 h ago: deleted" "DeleteFailedTaskAfter: a failed task past 24 h is deleted"
ok $([ -e "$T/spool/$INTER/finished_time" ]; echo $?) "an interactive task is never deleted by the cleanup (design 8.3)"
ok $([ -e "$T/spool/$FRESH/finished_time" ]; echo $?) "a fresh task stays"
ok $([ ! -e "$T/spool/$FRESH/.status.tmp0123456789ab" ]; echo $?) "a killed writer's half-written file is removed"
ok $([ ! -e "$T/spool/.incoming/deadupload" ] && [ -e "$T/spool/.incoming/liveupload" ]; echo $?) \
	"an upload untouched for longer than the idle timeout is removed, a live one stays"
ok $([ ! -e "$T/spool/.queue/.new-deadupload" ]; echo $?) "a commit's stale queue entry is removed"
ok $([ ! -e "$T/spool/.trash/123456789.0011223344556677" ]; echo $?) "a delete's stale trash entry is removed"
is "$(sqlite3 "$STATS_DB" "SELECT count(*), min(time) FROM package_time WHERE package = 'bigpkg'")" "100|51" \
	"the statistics keep the newest 100 rows of a package and release (design 11.11)"
is "$(sqlite3 "$STATS_DB" "SELECT count(*) FROM package_time WHERE package = 'smallpkg'")" 5 "... and a package with fewer keeps them all"
like "$out" "50 statistics rows pruned" "... and says how many it pruned"
rm -rf "$T/spool/.incoming/liveupload"

# ArchiveTaskAfter: a tar.gz in DropDir, written whole, and the task gone
setconf ArchiveTaskAfter 24
setconf DeleteTaskAfter 0
out=$(cleanup_run)
like "$out" "task $MIDDLE: finished task, created 48 h ago: archived into DropDir and deleted" \
	"ArchiveTaskAfter: a task past it is archived and deleted"
ok $([ ! -e "$T/spool/$MIDDLE" ]; echo $?) "... its directory is gone"
tar -tzf "$T/drop/$MIDDLE.tar.gz" >"$T/archive.list" 2>&1
ok $? "... DropDir/$MIDDLE.tar.gz is a whole tar.gz"
like "$(cat "$T/archive.list")" "$MIDDLE/retrace_backtrace" "... with the backtrace"
like "$(cat "$T/archive.list")" "$MIDDLE/retrace_log" "... and the log"
unlike "$(cat "$T/archive.list")" ".owner" "... without the bookkeeping"
is "$(find "$T/drop" -name '.*' | wc -l)" 0 "... and no temporary file is left in DropDir"
ok $([ -e "$T/spool/$FRESH" ] && [ -e "$T/spool/$INTER" ]; echo $?) "a fresh task and an interactive one stay"
# DeleteTaskAfter equal to ArchiveTaskAfter: delete (design section 4)
backdate "$FRESH" 30
setconf DeleteTaskAfter 24
out=$(cleanup_run)
like "$out" "task $FRESH: finished task, created 30 h ago: deleted" "when both match, the task is deleted, not archived"
ok $([ ! -e "$T/drop/$FRESH.tar.gz" ]; echo $?) "... no archive"
# an interactive task goes only when the admin says so
out=$(task_cli delete "$INTER")
like "$out" "task $INTER: deleted" "retrace-task delete removes an interactive task"

# retrace-cleanup runs while the worker runs: a queued and a running task stay
setconf ToolRoot fedora-37-x86_64
start_worker
send "$T/segv.d"
RUN=$ID RUN_PW=$PW
eventually 30 has_test_gdb
send "$T/segv.d"
QUEUED=$ID
backdate "$RUN" 200000
backdate "$QUEUED" 200000
out=$(cleanup_run)
ok $([ -e "$T/spool/$RUN" ] && [ -e "$T/spool/$QUEUED" ] && [ -e "$T/spool/.queue/$QUEUED" ]; echo $?) \
	"retrace-cleanup leaves a running and a queued task alone, however old"
task_cli fail "$RUN" >/dev/null
is "$(wait_done "$RUN" "$RUN_PW" 30)" FINISHED_FAILURE "(the running one failed by hand)"
stop_worker
task_cli delete "$QUEUED" >/dev/null

grep -q "Sanitizer\|runtime error" "$T/worker.out"
ok $((!$?)) "the worker logged no sanitizer report"
[ "$tap_failed" = 0 ] || sed 's/^/# worker: /' "$T/worker.out" | tail -40
done_testing
