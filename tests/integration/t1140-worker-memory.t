#!/bin/bash
# A task's memory, held with the worker as it runs in production (issue
# 19): started as root, the worker hands itself cgroup groups before it
# switches to RunAsUser, so the unprivileged worker's sandboxes get a
# memory group. A "gdb" that fills 100 MiB of memory (under its RLIMIT_AS)
# and 200 MiB of its /tmp (a tmpfs of 256 MiB) runs under
# SandboxMemoryLimit = 128: the group, which counts the tmpfs too, must
# stop it. A worker that can get no memory group refuses to start unless
# RequireMemoryCgroup = 0 - and then the same gdb holds its 300 MiB: what
# the opt-out costs (per task: the address space plus /tmp; gdb may start
# no other process, so that is all).
. "$(dirname "$0")/../lib/common.sh"

need rpmbuild createrepo_c gdb unshare
[ "$(id -u)" = 0 ] || skip_all "the worker is started by root here, as in production"
[ -e /sys/fs/cgroup/memory/cgroup.procs ] || [ -e /sys/fs/cgroup/cgroup.subtree_control ] ||
	skip_all "no cgroup hierarchy is mounted"

. "$RETRACE_SRC/tests/lib/worker.sh"

release_repo full
rtprog_segv
HOG=fedora-35-x86_64
fake_gdb HOG $HOG
mkdir -p "$T/cache"
chown nobody:nogroup "$T/cache"
write_config "RootfsCacheDir = $T/cache
RequireGPGCheck = 0
MaxParallelTasks = 1
ToolRoot = $HOG
SandboxMemoryLimit = 128"
publish
start_httpd || exit 1

# --- root-started: the sandboxes get a memory group --------------------------
start_worker
send "$T/segv.d"
ok $? "a task sent"
s=$(wait_done "$ID" "$PW" 120)
log=$(get "$ID" "$PW" log)
like "$(cat "$T/worker.out")" "sandbox cgroups: cgroup v" "the worker says which cgroups its sandboxes get"
like "$log" "memory 134217728 bytes" "the task's sandbox had a memory group of SandboxMemoryLimit"
like "$log" "limits hit: the memory limit" "the hog was stopped by it ($s)"
unlike "$(get "$ID" "$PW" backtrace)$log" "200 MiB in /tmp" "... before it held 300 MiB"
stop_worker

# --- a worker that can get no memory group --------------------------------------
# started as nobody: it may create no cgroup anywhere on this machine
chown -R nobody:nogroup "$T/spool" "$T/repo" 2>/dev/null
setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$BIN/retrace-worker" -c "$T/conf" \
	>"$T/nocg.out" 2>&1 &
pid=$!
wait_exit "$pid" 30
ok $? "unprivileged with no memory group: the worker stops at once"
wait "$pid"
is "$?" 1 "... with status 1"
like "$(cat "$T/nocg.out")" "the sandboxes can get no memory cgroup" "... saying why"
like "$(cat "$T/nocg.out")" "RequireMemoryCgroup = 0" "... and how to run it anyway"

setconf RequireMemoryCgroup 0
setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$BIN/retrace-worker" -c "$T/conf" \
	>"$T/nocg.out" 2>&1 &
WORKER_PID=$!
send "$T/segv.d"
ok $? "RequireMemoryCgroup = 0: a task sent"
s=$(wait_done "$ID" "$PW" 120)
log=$(get "$ID" "$PW" log)
like "$(cat "$T/nocg.out")" "RequireMemoryCgroup = 0: the sandboxes get no memory cgroup" \
	"RequireMemoryCgroup = 0: the worker starts, with a warning"
unlike "$log" "limits hit: the memory limit" "... nothing stops the hog ($s)"
like "$(get "$ID" "$PW" backtrace)$log" "hog: held 100 MiB in memory and 200 MiB in /tmp" \
	"... it held 300 MiB under SandboxMemoryLimit = 128 (its address space, and /tmp)"
stop_worker
done_testing
