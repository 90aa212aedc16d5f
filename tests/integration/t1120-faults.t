#!/bin/bash
# Fault injection over a task's whole life: at each status a task passes
# (analyze init backtrace cleanup stats finishing success), its process is
# stopped there (RETRACE_TEST_PAUSE_AT, the worker's one fault-injection
# point: it only stops the process), then one fault is dealt:
#   kill-task    SIGKILL of the task process
#   kill-worker  SIGKILL of the worker daemon, then a new worker
#   term-worker  SIGTERM of the worker daemon (WorkerStopTimeout = 1), then a new worker
#   enospc       the spool (a small tmpfs, root only) filled up, the process continued,
#                space given back
#   inodes       the same with the tmpfs's inodes
# and after recovery: the task is finished (never PENDING), it ran to one
# statistics row, no half-written file and no upload is left, no process
# of the worker's outlives it, no mount is left on the host. (SIGKILL of
# httpd mid-upload is t0200's.)
. "$(dirname "$0")/../lib/common.sh"

need rpmbuild createrepo_c rpm2archive gdb unshare sqlite3
STATS_DB=$T/stats/stats.db
. "$RETRACE_SRC/tests/lib/worker.sh"

release_repo demo

ROOT=
if [ "$(id -u)" = 0 ]; then
	ROOT=yes
	# the spool on a small tmpfs, so that a test can fill its bytes or inodes
	mount -t tmpfs -o size=32m,nr_inodes=4000,mode=0755 "${T##*/}" "$T/spool" # named for test_gdbs
	chown nobody:nogroup "$T/spool"
fi
mkdir -p "$T/cache" "$T/stats"
[ -n "$ROOT" ] && chown nobody:nogroup "$T/cache" "$T/stats"
# (cleanup() unmounts the spool)
trap 'stop_worker; stop_httpd; cleanup' EXIT
write_config "RootfsCacheDir = $T/cache
RequireGPGCheck = 0
MaxParallelTasks = 1
WorkerStopTimeout = 1
RescanInterval = 1
DBFile = $STATS_DB"
publish
start_httpd || exit 1
rtprog_segv

# the worker's processes: the daemon, its task processes and their sandboxes
# (clones of the task process) all have the daemon's command line
worker_procs() { pgrep -f "retrace-worker -c $T/conf" | sort; }
only_daemon() { [ "$(worker_procs)" = "${WORKER_PID:-}" ]; }
stopped_at() { grep -q "task $ID: stopped at status $1 " "$T/worker.out"; }
end_lost() { grep -q "task $ID: its end could not be written" "$T/worker.out"; }
host_mounts() { findmnt -rn -o TARGET | grep "^$T/" | grep -vx "$T/spool"; }

# fill_bytes / fill_inodes: the spool takes no more data / no more files
fill_bytes() { dd if=/dev/zero of="$T/spool/filler" bs=1M 2>/dev/null; true; }
fill_inodes() {
	mkdir -p "$T/spool/fill"
	for i in $(seq 1 5000); do { : >"$T/spool/fill/$i"; } 2>/dev/null || break; done
}
unfill() { rm -rf "$T/spool/filler" "$T/spool/fill"; }

# inject STATUS FAULT: one task stopped at STATUS, then FAULT; leaves ID PW
inject() {
	local st=$1 fault=$2 pid
	RETRACE_TEST_PAUSE_AT=$st start_worker
	send "$T/segv.d" || { ok 1 "$st/$fault: uploaded"; return 1; }
	if ! eventually 60 stopped_at "$st"; then
		ok 1 "$st/$fault: the task stopped at its status"
		return 1
	fi
	pid=$(cut -d" " -f1 "$T/spool/$ID/.owner") # "PID HOST"
	case $fault in
	kill-task)
		kill -KILL "$pid"
		;;
	kill-worker)
		kill -KILL "$WORKER_PID"
		wait "$WORKER_PID" 2>/dev/null
		WORKER_PID=
		start_worker
		;;
	term-worker)
		stop_worker
		start_worker
		;;
	enospc | inodes)
		if [ $fault = enospc ]; then fill_bytes; else fill_inodes; fi
		kill -CONT "$pid"
		eventually 60 end_lost
		ok $? "$st/$fault: the worker says the task's end cannot be written yet"
		is "$(status_of "$ID" "$PW")" PENDING "$st/$fault: the task is PENDING meanwhile"
		unfill
		;;
	esac
}

# after STATUS FAULT WANT: the task ended WANT (FINISHED_SUCCESS or _FAILURE), cleanly
after() {
	local st=$1 fault=$2 want=$3 got
	got=$(wait_done "$ID" "$PW" 60)
	is "$got" "$want" "$st/$fault: $want after recovery"
	[ "$want" = FINISHED_FAILURE ] && [ $fault = kill-task ] &&
		like "$(get "$ID" "$PW" log)" "died of signal 9" "$st/$fault: its log says why"
	is "$(rows_of "$ID")" 1 "$st/$fault: one statistics row"
	is "$(find "$T/spool" -name '.*.tmp*' | wc -l) $(incoming_left) $(ls "$T/spool/.running" | wc -l)" "0 0 0" \
		"$st/$fault: no half-written file, upload or running entry is left"
	[ "$want" = FINISHED_SUCCESS ] &&
		ok $([ ! -e "$T/spool/$ID/crash/coredump" ]; echo $?) "$st/$fault: the coredump is removed"
	stop_worker
	eventually 10 only_daemon
	ok $? "$st/$fault: no process of the worker is left"
	eventually 10 no_test_gdb
	ok $? "$st/$fault: no gdb is left"
	is "$(host_mounts)" "" "$st/$fault: no mount is left on the host"
}

# T1120_STATUSES narrows the run by hand (debugging one status)
STATUSES=${T1120_STATUSES:-analyze init backtrace cleanup stats finishing success}
for st in $STATUSES; do
	# a task process killed is failed, with the signal; killed after its end, it is finished
	inject $st kill-task && after $st kill-task \
		$([ $st = success ] && echo FINISHED_SUCCESS || echo FINISHED_FAILURE)
	# a dead or stopped worker: the task is run again (or only finished) by the next
	inject $st kill-worker && after $st kill-worker FINISHED_SUCCESS
	inject $st term-worker && after $st term-worker FINISHED_SUCCESS
done

if [ -n "$ROOT" ]; then
	# a full spool: tasks whose backtrace was written end in success once
	# space is back; earlier ones fail (their writes failed), never PENDING
	for st in $STATUSES; do
		case $st in analyze | init | backtrace) want=FINISHED_FAILURE ;; *) want=FINISHED_SUCCESS ;; esac
		inject $st enospc && after $st enospc $want
		inject $st inodes && after $st inodes $want
	done
else
	diag "not root: no tmpfs spool for the full-disk cases"
fi

grep -q "Sanitizer\|runtime error" "$T/worker.out"
ok $((!$?)) "the worker logged no sanitizer report"
[ "$tap_failed" = 0 ] || sed 's/^/# worker: /' "$T/worker.out" | tail -60
done_testing
