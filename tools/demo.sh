#!/bin/bash
# make demo: the whole retrace on this machine, end to end.
#  1. a release repository made with rpmbuild + createrepo_c from a small real
#     program (rtprog, its library in rtprog-libs, -debuginfo and -debugsource
#     subpackages) and this machine's C library (rtsys, no debuginfo);
#  2. retrace-httpd and retrace-worker started on 127.0.0.1 (as root they
#     drop to nobody);
#  3. rtprog crashes where its packages put it (a private mount namespace);
#  4. retrace-client sends the crash and prints the backtrace the worker made.
# It stops what it started. DEMO_KEEP=1 leaves the server and worker running.
set -euo pipefail
cd "$(dirname "$0")/.."
SRC=$PWD
B=${RETRACE_BUILD:-$PWD/build}
# under /tmp: the unprivileged server must reach it whatever the checkout's modes
D=${DEMO_DIR:-/tmp/retrace-demo}
REL=fedora-39-x86_64
PORT=${DEMO_PORT:-8080}

stop_pid() { [ -f "$1" ] && kill "$(cat "$1")" 2>/dev/null && sleep 0.3; rm -f "$1"; }
stop_pid "$D/httpd.pid" || true
stop_pid "$D/worker.pid" || true
rm -rf "$D"
mkdir -p "$D/spool" "$D/log" "$D/cache" "$D/policy"
cp "$SRC"/policy/seccomp/*.policy "$D/policy/"
chmod -R a+rX "$D"
if [ "$(id -u)" = 0 ]; then
	# as in production: root starts both; they switch to RunAsUser, who owns the spool
	chown nobody:nogroup "$D/spool" "$D/log" "$D/cache"
fi
while ss -Htln "sport = :$PORT" 2>/dev/null | grep -q .; do PORT=$((PORT + 1)); done

cleanup() {
	if [ "${DEMO_KEEP:-0}" = 1 ]; then
		echo "retrace-httpd (pid $(cat "$D/httpd.pid")) and retrace-worker (pid $(cat "$D/worker.pid")) keep running:"
		echo "  kill $(cat "$D/httpd.pid") $(cat "$D/worker.pid")"
		return
	fi
	stop_pid "$D/worker.pid" || true
	stop_pid "$D/httpd.pid" || true
	echo "== retrace-httpd and retrace-worker stopped (DEMO_KEEP=1 keeps them running)"
}
trap cleanup EXIT

echo "== 1. a release repository: rpmbuild + createrepo_c ($D/repo/$REL)"
t0=$(date +%s.%N)
tests/fixtures/rpm/mkrepo.sh "$D/repo" $REL demo
ls "$D/repo/$REL/Packages"
cat >"$D/retrace-server.conf" <<EOC
[retrace]
Listen = 127.0.0.1:$PORT
RequireHTTPS = 0
SaveDir = $D/spool
LogDir = $D/log
RepoDir = $D/repo
RootfsCacheDir = $D/cache
RequireGPGCheck = 0
MinStorageLeft = 100
MaxParallelTasks = 2
RunAsUser = nobody
SeccompPolicyDir = $D/policy
EOC
# what retrace-reposync does after mirroring a release: index it, publish it
"$B/bin/retrace-resolve" -c "$D/retrace-server.conf" --release $REL --reindex
"$B/bin/retrace-reposync" -c "$D/retrace-server.conf" --publish-only

echo
echo "== 2. retrace-httpd and retrace-worker on http://127.0.0.1:$PORT"
"$B/bin/retrace-httpd" -c "$D/retrace-server.conf" >"$D/httpd.out" 2>&1 &
echo $! >"$D/httpd.pid"
"$B/bin/retrace-worker" -c "$D/retrace-server.conf" >"$D/worker.out" 2>&1 &
echo $! >"$D/worker.pid"
i=0
until curl -s -o /dev/null "http://127.0.0.1:$PORT/settings"; do
	i=$((i + 1))
	if [ $i -gt 50 ] || ! kill -0 "$(cat "$D/httpd.pid")" 2>/dev/null; then
		cat "$D/httpd.out"
		exit 1
	fi
	sleep 0.1
done
kill -0 "$(cat "$D/worker.pid")" || { cat "$D/worker.out"; exit 1; }
curl -s "http://127.0.0.1:$PORT/settings"
echo

echo
echo "== 3. rtprog 1.0-1 crashes (a NULL store in librtlib, three calls deep)"
P=$D/repo/$REL/Packages
tests/fixtures/rpm/crash.sh "$D/crash" "$P/rtprog-1.0-1.x86_64.rpm $P/rtprog-libs-1.0-1.x86_64.rpm" \
	rtprog-1.0-1 -- /usr/bin/rtprog crash abc
ls -l "$D/crash"

echo
echo "== 4. retrace-client batch --dir $D/crash"
# the client polls for as long as the task is pending, as abrt-retrace-client
# does; the demo gives the whole retrace 300 s
timeout 300 "$B/bin/retrace-client" --url "http://127.0.0.1:$PORT" batch --dir "$D/crash" --status-delay 0.2 \
	>"$D/backtrace.txt" 2>"$D/client.err" || {
	[ $? = 124 ] && echo "demo: no backtrace within 300 s" >&2
	cat "$D/client.err" "$D/backtrace.txt"
	echo "== the worker's log"
	cat "$D/worker.out"
	exit 1
}
cat "$D/client.err"
echo
# the crashing thread, the libraries, the rating: the parts a developer reads first
sed -n '/^Core was generated/,/^From /p' "$D/backtrace.txt" | sed '$d'
echo "[... info sharedlib, registers, disassembly: $D/backtrace.txt]"
tail -n 3 "$D/backtrace.txt"
echo
t1=$(date +%s.%N)
ID=$(sed -n 's/^Task Id: //p' "$D/client.err")
echo "== the worker's log of task $ID"
cat "$D/spool/$ID/retrace_log"
echo
awk -v a="$t0" -v b="$t1" 'BEGIN { printf "== everything above took %.1f s, the repository build included\n", b - a }'
