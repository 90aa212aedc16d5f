#!/bin/bash
# make bench, part 5: the spool shared by hosts on CephFS (docs/SCALE-OUT.md).
# The lab of make check-cluster (tests/lib/cluster.sh: a single-node Ceph
# cluster, hosts made of namespaces); make demo's crash, retraced with warm
# rootfs caches:
#  - retraces per minute with 1, 2 and 3 worker hosts on the CephFS spool,
#    against one host on a spool on local disk (the same host, the same
#    cache, the same front end program), BENCH_CLUSTER_TASKS (30) tasks
#    sent by 4 parallel uploaders, min / median of 3 runs
#  - the task's own time in the worker (its "success in" line), median: what
#    CephFS adds to each task
#  - MDS client requests per task
# This machine has 2 cores: more hosts cannot be faster here; the rows show
# the cost of the cluster file system, not a speed-up.
set -uo pipefail
cd "$(dirname "$0")/.."
SRC=$PWD
B=${RETRACE_BUILD:-$PWD/build}
fixture() { # as the tests' (tests/lib/cluster.sh calls it)
	[ "$1" = 0 ] && return 0
	echo "bench/cluster.sh: $2: failed" >&2
	[ -n "${3:-}" ] && [ -s "$3" ] && tail -n 20 "$3" >&2
	exit 1
}
. tests/lib/cluster.sh
for t in ceph-mon ceph-mgr ceph-osd ceph-mds ceph-fuse rados ip nsenter rpmbuild createrepo_c curl; do
	command -v $t >/dev/null || { echo "$t is not installed: the cluster bench is skipped"; exit 0; }
done
[ "$(id -u)" = 0 ] && [ -c /dev/fuse ] || { echo "not root or no /dev/fuse: the cluster bench is skipped"; exit 0; }
lab_enter "$@"

T=$(mktemp -d /tmp/retrace-bench-cluster.XXXXXX)
chmod 755 "$T"
trap 'lab_down; rm -rf "$T"' EXIT
N=${BENCH_CLUSTER_TASKS:-30}
REL=fedora-39-x86_64
P=$T/repo/$REL/Packages

echo
echo "== the spool on CephFS: $N retraces of make demo's crash per run, 4 uploaders, warm caches"
tests/fixtures/rpm/mkrepo.sh "$T/repo" $REL demo >"$T/mkrepo.out" 2>&1
fixture $? "the demo repository" "$T/mkrepo.out"
"$B/bin/retrace-resolve" --repodir "$T/repo" --release $REL --reindex >/dev/null 2>&1
tests/fixtures/rpm/crash.sh "$T/crash" "$P/rtprog-1.0-1.x86_64.rpm $P/rtprog-libs-1.0-1.x86_64.rpm" rtprog-1.0-1 \
	-- /usr/bin/rtprog crash abc >"$T/crash.out" 2>&1
fixture $? "the crash" "$T/crash.out"
tar -C "$T/crash" -cf - coredump executable package os_release | xz -2 >"$T/up.tar.xz"

lab_up
for h in a b c; do
	host_up $h "$(echo " $LAB_HOSTS" | wc -w)"
	fixture $? "host $h" "$T/fuse-$h.out"
done
view_up
fixture $? "the CephFS seen from the lab" "$T/fuse-view.out"
mkdir -p "$T/local" "$T/bin" "$T/policy"
cp "$B/bin/retrace-httpd" "$T/bin/"
cp policy/seccomp/*.policy "$T/policy/"
chmod -R a+rX "$T/bin" "$T/policy"
chown nobody:nogroup "$T/view" "$T/local"
# conf SPOOL HOST PORT
conf() {
	mkdir -p "$T/cache-$2"
	chown nobody:nogroup "$T/cache-$2"
	cat <<EOF
[retrace]
Listen = $LAB_NET.10:$3
SaveDir = $1
RepoDir = $T/repo
RootfsCacheDir = $T/cache-$2
RequireHTTPS = 0
RequireGPGCheck = 0
MinStorageLeft = 1
RunAsUser = nobody
SeccompPolicyDir = $T/policy
MaxParallelTasks = 2
MaxQueuedTasks = 1000
MaxUploadsPerAddress = 8
WorkerStopTimeout = 1
WorkerPollInterval = 1
EOF
}
for h in a b c; do conf "$T/spool" $h 8080 >"$T/conf-$h"; done
conf "$T/local" a 8081 >"$T/conf-local"
"$B/bin/retrace-reposync" -c "$T/conf-local" --publish-only >/dev/null 2>&1
host_run a "$B/bin/retrace-reposync" -c "$T/conf-a" --publish-only >/dev/null 2>&1
host_run a setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$T/bin/retrace-httpd" -c "$T/conf-a" \
	>"$T/httpd-a.out" 2>&1 &
host_run a setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$T/bin/retrace-httpd" -c "$T/conf-local" \
	>"$T/httpd-local.out" 2>&1 &
for p in 8080 8081; do
	for _ in $(seq 100); do curl -sf -o /dev/null "http://$LAB_NET.10:$p/settings" && break; sleep 0.1; done
done

workers_start() { # workers_start CONF-SUFFIX HOST...
	local c=$1 h
	shift
	for h in "$@"; do
		[ "$c" = host ] && cc=$h || cc=$c
		host_run $h setsid "$B/bin/retrace-worker" -c "$T/conf-$cc" >>"$T/worker-$h-$c.out" 2>&1 &
	done
	sleep 1
}
workers_stop() {
	local h
	for h in a b c; do host_run $h pkill -TERM -x retrace-worker 2>/dev/null; done
	for _ in $(seq 100); do
		for h in a b c; do host_run $h pgrep -x retrace-worker >/dev/null && break; done || return 0
		sleep 0.1
	done
}
# run PORT SPOOLVIEW: N tasks sent by 4 uploaders; seconds until all finished
run() {
	local t0 t1 ids
	t0=$(date +%s%N)
	ids=$(seq "$N" | xargs -P 4 -I{} curl -s -o /dev/null -D - -H "Content-Type: application/x-xz-compressed-tar" \
		--data-binary "@$T/up.tar.xz" "http://$LAB_NET.10:$1/create" | tr -d '\r' | sed -n 's/^X-Task-Id: //Ip')
	[ "$(echo $ids | wc -w)" = "$N" ] || { echo "bench: not every upload was accepted" >&2; exit 1; }
	for _ in $(seq 6000); do
		local left=0 id
		for id in $ids; do [ -e "$2/$id/finished_time" ] || { left=1; break; }; done
		[ $left = 0 ] && break
		sleep 0.05
	done
	[ $left = 0 ] || { echo "bench: tasks not finished within 300 s" >&2; exit 1; }
	t1=$(date +%s%N)
	for id in $ids; do grep -q success "$2/$id/status" || { echo "bench: task $id failed" >&2; exit 1; }; done
	awk -v a="$t0" -v b="$t1" -v n="$N" 'BEGIN { printf "%.0f\n", n * 60 / ((b - a) / 1e9) }'
}
minmed() { sort -n | awk '{ v[NR] = $1 } END { printf "%s / %s", v[1], v[int((NR + 1) / 2)] }'; }
task_median() { # the median of the "success in X s" lines of the given worker logs, ms
	cat "$@" | sed -n 's/.*: success in \([0-9.]*\) s$/\1/p' | sort -n |
		awk '{ v[NR] = $1 } END { printf "%.0f", v[int((NR + 1) / 2)] * 1000 }'
}
mds_requests() {
	ceph --admin-daemon "$CEPH/run/ceph-mds.a.asok" perf dump mds_server 2>/dev/null |
		sed -n 's/.*"handle_client_request": \([0-9]*\).*/\1/p'
}

# warm every host's rootfs cache: each alone runs a few tasks
for h in a b c; do
	workers_start host $h
	N=3 run 8080 "$T/view" >/dev/null
	workers_stop
done
workers_start local a
N=3 run 8081 "$T/local" >/dev/null
workers_stop
rm -f "$T"/worker-*.out

rows=
workers_start local a
for i in 1 2 3; do run 8081 "$T/local"; done >"$T/rate-local"
workers_stop
ms_local=$(task_median "$T"/worker-a-local.out)
rows="| local disk | 1 | $(minmed <"$T/rate-local") | $ms_local |"
for k in 1 2 3; do
	hosts=$(echo a b c | cut -d' ' -f1-$k)
	rm -f "$T"/worker-*-host.out
	workers_start host $hosts
	m0=$(mds_requests)
	for i in 1 2 3; do run 8080 "$T/view"; done >"$T/rate-$k"
	m1=$(mds_requests)
	workers_stop
	ms=$(task_median "$T"/worker-*-host.out)
	[ "$k" = 1 ] && ms_ceph1=$ms
	req=$([ -n "$m0" ] && [ -n "$m1" ] && echo $(((m1 - m0) / (3 * N))) || echo "?")
	rows="$rows
| CephFS (ceph-fuse) | $k | $(minmed <"$T/rate-$k") | $ms | $req |"
done
printf '\n| spool | worker hosts | retraces/min (min / median of 3) | task time in the worker, median (ms) | MDS requests per task |\n|---|---|---|---|---|\n'
echo "$rows" | sed '1s/ |$/ | - |/'
echo "(2 slots per host, one front end on host a; 2 cores in all: more hosts share the same CPUs,"
echo " so the rows show what the cluster file system costs. CephFS adds $((ms_ceph1 - ms_local)) ms to each task's"
echo " own time here; the front end's commit and the queue's poll add the rest.)"
