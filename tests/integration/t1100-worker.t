#!/bin/bash
# retrace-worker end to end through HTTP: real crashes of packaged programs
# (C NULL store in a library from another package, a failed assertion, a
# fault in a second thread, an uncaught C++ exception through libstdc++),
# uploaded to retrace-httpd, retraced by the worker daemon as an unprivileged
# user, and compared frame by frame with what this machine's gdb prints for
# the same core over the same packages unpacked by rpm2archive. Then what
# must fail fails cleanly: a malicious core, an unknown release; tasks
# beyond MaxParallelTasks wait; a worker killed with SIGKILL mid-task
# leaves a task that is retried once, then failed. Last, the same with gdb
# from the release (ToolRoot = <release-id>) instead of this machine's.
. "$(dirname "$0")/../lib/common.sh"

need rpmbuild createrepo_c rpm2archive gdb unshare

. "$RETRACE_SRC/tests/lib/worker.sh"

release_repo full

worker_config "AllowInteractive = 1
MaxParallelTasks = 1"
$BIN/retrace-reposync -c "$T/conf" --publish-only >/dev/null 2>&1
ok $? "the release and its packages published for /settings and /checkpackage"
start_httpd || exit 1

# frames FILE PREFIX: "#N function at file:line" / "from lib" / "Thread N"
# lines of a gdb backtrace, the library paths without PREFIX
frames() {
	sed -nE -e 's/^(Thread [0-9]+) \(.*/\1/p' \
		-e 's/^#([0-9]+) +(0x[0-9a-f]+ in )?([^ (]+).*( at [^ ]+:[0-9]+| from [^ ]+)$/#\1 \3\4/p' "$1" |
		sed "s| from $2| from |"
}

# reference CORE EXE PACKAGES...: this machine's gdb over the packages
# unpacked by rpm2archive (no sandbox, no cache, no solver)
reference() {
	core=$1 exe=$2
	shift 2
	ref=$T/ref.$$
	rm -rf "$ref"
	mkdir -p "$ref"
	for p in "$@"; do
		rpm2archive - <"$P/$p.x86_64.rpm" | tar -xzf - -C "$ref"
	done
	gdb -nx -batch -iex 'set auto-load off' -iex 'set debuginfod enabled off' \
		-iex "set sysroot $ref" -iex "set debug-file-directory $ref/usr/lib/debug" \
		-iex "set substitute-path /usr/src/debug $ref/usr/src/debug" \
		-ex "file $ref$exe" -ex "core-file $core" \
		-ex 'thread apply all -ascending backtrace full 2048' >"$T/ref.out" 2>/dev/null
	frames "$T/ref.out" "$ref"
	rm -rf "$ref"
}

start_worker

# --- the crashes ------------------------------------------------------------------
# crash NAME PACKAGE 'RPMS' CMD...: a crash in place; NAME.d is the crash dir
crash() {
	name=$1 pkg=$2 rpms=
	for r in $3; do rpms="$rpms $P/$r.x86_64.rpm"; done
	shift 3
	"$F/crash.sh" "$T/$name.d" "$rpms" "$pkg" -- "$@" 2>"$T/$name.crash.err"
	fixture $? "$name: $* crashed with a core" "$T/$name.crash.err"
	cp "$T/$name.d/coredump" "$T/$name.core"
}
RTPROG="rtprog-1.0-1 rtprog-libs-1.0-1"
REFPROG="$RTPROG rtsys-1-1 rtprog-debuginfo-1.0-1 rtprog-libs-debuginfo-1.0-1 rtprog-debugsource-1.0-1"
crash segv rtprog-1.0-1 "$RTPROG" /usr/bin/rtprog crash abc
crash abort rtprog-1.0-1 "$RTPROG" /usr/bin/rtprog abort
crash thread rtprog-1.0-1 "$RTPROG" /usr/bin/rtprog thread ab
crash cxx rtcxx-1.0-1 "rtcxx-1.0-1" /usr/bin/rtcxx throw ab

# retrace NAME EXE REFERENCE-PACKAGES: upload, wait, compare with the reference
retrace() {
	name=$1 exe=$2 refpkgs=$3
	send "$T/$name.d"
	ok $? "$name: uploaded ($code)"
	eval "ID_$name=$ID PW_$name=$PW"
	is "$(wait_done "$ID" "$PW")" FINISHED_SUCCESS "$name: FINISHED_SUCCESS"
	get "$ID" "$PW" backtrace >"$T/$name.bt"
	get "$ID" "$PW" log >"$T/$name.log"
	# shellcheck disable=SC2086
	reference "$T/$name.core" "$exe" $refpkgs >"$T/$name.ref"
	frames "$T/$name.bt" /sysroot >"$T/$name.got"
	[ -s "$T/$name.ref" ] && [ "$(grep -c '^#' "$T/$name.ref")" -ge 3 ]
	ok $? "$name: the reference gdb printed a backtrace"
	if diff -u "$T/$name.ref" "$T/$name.got" >"$T/$name.diff"; then
		ok 0 "$name: same threads, functions and source lines, in the same order, as gdb here"
	else
		ok 1 "$name: same threads, functions and source lines as gdb here"
		sed 's/^/#   /' "$T/$name.diff"
		sed 's/^/#   log: /' "$T/$name.log"
	fi
}

retrace segv /usr/bin/rtprog "$REFPROG"
bt=$(cat "$T/segv.bt")
like "$bt" "#0  rtlib_store (where=where@entry=0x0, value=99) at rtlib.c:13" "segv: crashing frame with arguments and file:line"
unlike "$(cat "$T/segv.log")" "during file-backed mapping note processing" \
	"segv: gdb found the executable the core's file notes name (/bin/rtprog: the usrmerge links under the packages)"
ok $(! grep -qE '^\$[0-9]+ = 0x0$' "$T/segv.bt"; echo $?) \
	"segv: no stray value lines (no abort message: nothing printed)"
like "$bt" "13		*where = value;" "segv: the source line (from -debugsource)"
like "$bt" "        local = 2" "segv: local variables (backtrace full)"
like "$bt" "in main (" "segv: down to main"
like "$bt" "/sysroot/usr/lib64/librtlib.so.1" "segv: info sharedlib lists the library from rtprog-libs"
like "$bt" "rip            0x" "segv: registers"
like "$bt" "=> 0x" "segv: disassembly around the PC"
log=$(cat "$T/segv.log")
like "$log" "rtprog-libs-1.0-1.x86_64, rtprog-libs-debuginfo-1.0-1.x86_64" "segv log: the library's package and its debuginfo"
libc_id=$(readelf -n /usr/lib/x86_64-linux-gnu/libc.so.6 | awk '/Build ID/ { print $3 }')
like "$log" "missing-debuginfo: $libc_id" "segv log: the C library's missing debuginfo, by build-id"
like "$log" "sandbox: " "segv log: the limits the sandbox enforced"
like "$log" "generating the backtrace took" "segv log: timings per step"
is "$(get "$ID_segv" "$PW_segv" exploitable | sed -n 2p)" "Exploitable rating (0-9 scale): 1" "segv: /exploitable rates a NULL store 1"
like "$(body)" "NULL pointer dereference (write at 0x0)" "segv: ... with its reason"
test ! -e "$T/spool/$ID_segv/crash/coredump"
ok $? "segv: the coredump is deleted after a normal task"
test -s "$T/spool/$ID_segv/started_time" && test -s "$T/spool/$ID_segv/finished_time"
ok $? "segv: started_time and finished_time written"
test ! -e "$T/spool/$ID_segv/.root"
ok $? "segv: the sandbox's root directory is gone"

# debug (1) and interactive (3) tasks keep the crash data and say what their root was
for type in 1 3; do
	send "$T/segv.d" $type
	is "$(wait_done "$ID" "$PW")" FINISHED_SUCCESS "type $type task: FINISHED_SUCCESS"
	cmp -s "$T/segv.core" "$T/spool/$ID/crash/coredump"
	ok $? "type $type task: the coredump is kept"
	grep -q "^rtprog-libs-debuginfo-1.0-1.x86_64 $T/cache/trees/[^ ]*/root$" "$T/spool/$ID/rootfs"
	ok $? "type $type task: rootfs lists each package and its cached tree"
	like "$(get "$ID" "$PW" log)" "the crash data and the root description (rootfs) are kept" "type $type task: the log says so"
done

retrace abort /usr/bin/rtprog "$REFPROG"
like "$(cat "$T/abort.bt")" "rtlib_check (value=value@entry=-3) at rtlib.c:" "abort: the asserting frame"
like "$(cat "$T/abort.bt")" "Assertion \`doubled >= 0" "abort: __abort_msg's text"
like "$(get "$ID_abort" "$PW_abort" exploitable)" "aborted itself" "abort: rated as an abort"

retrace thread /usr/bin/rtprog "$REFPROG"
like "$(cat "$T/thread.bt")" "in worker_thread (arg=" "thread: the faulting thread's own stack"
is "$(grep -c '^Thread [0-9]' "$T/thread.bt")" 2 "thread: both threads"

retrace cxx /usr/bin/rtcxx "rtcxx-1.0-1 rtsys-1-1 rtcxx-debuginfo-1.0-1 rtcxx-debugsource-1.0-1"
like "$(cat "$T/cxx.bt")" "__cxa_throw () from /sysroot/lib/x86_64-linux-gnu/libstdc++.so.6" "cxx: through libstdc++"
like "$(cat "$T/cxx.bt")" "rt::Parser::parse (this=" "cxx: the throwing method"

# --- a release whose repository has no debuginfo at all -------------------------------
NODBG=fedora-38-x86_64
mkdir -p "$REPO/$NODBG/Packages"
cp "$P"/rtprog-1.0-1.x86_64.rpm "$P"/rtprog-libs-1.0-1.x86_64.rpm "$P"/rtsys-1-1.x86_64.rpm "$REPO/$NODBG/Packages/"
createrepo_c --quiet "$REPO/$NODBG" >/dev/null 2>&1
$BIN/retrace-resolve --repodir "$REPO" --release $NODBG --reindex >/dev/null 2>&1
rm -rf "$T/nodbg.d"
cp -r "$T/segv.d" "$T/nodbg.d"
printf 'Fedora release 38 (Thirty Eight)' >"$T/nodbg.d/os_release"
send "$T/nodbg.d"
is "$(wait_done "$ID" "$PW")" FINISHED_SUCCESS "no debuginfo anywhere: still FINISHED_SUCCESS"
get "$ID" "$PW" backtrace >"$T/nodbg.bt"
get "$ID" "$PW" log >"$T/nodbg.log"
lib_id=$(readelf -n "$T/cache/trees/"*/root/usr/lib64/librtlib.so.1 2>/dev/null | awk '/Build ID/ { print $3; exit }')
like "$(cat "$T/nodbg.log")" "missing-debuginfo: $lib_id /lib64/librtlib.so.1 (rtprog-libs-1.0-1.x86_64)" \
	"no debuginfo: the crashing library's build-id is logged as missing debuginfo"
like "$(cat "$T/nodbg.bt")" "in ?? () from /sysroot/usr/lib64/librtlib.so.1" \
	"no debuginfo: the frames in librtlib have no names, and say where they are"
reference "$T/segv.core" /usr/bin/rtprog rtprog-1.0-1 rtprog-libs-1.0-1 rtsys-1-1 >"$T/nodbg.ref"
frames "$T/nodbg.bt" /sysroot >"$T/nodbg.got"
[ "$(grep -c '^#' "$T/nodbg.ref")" -ge 3 ] && diff -u "$T/nodbg.ref" "$T/nodbg.got" >"$T/nodbg.diff"
ok $? "no debuginfo: the same frames as gdb here over the same packages" || sed 's/^/#   /' "$T/nodbg.diff"

# --- what must fail ----------------------------------------------------------------
# a core that is not one: the reader refuses it, the task fails, nothing else does
mkdir -p "$T/bad.d"
cp "$T/segv.d"/{executable,package,os_release} "$T/bad.d/"
head -c 64 "$T/segv.core" >"$T/bad.d/coredump"
head -c 300000 /dev/urandom >>"$T/bad.d/coredump"
send "$T/bad.d"
ok $? "malicious core uploaded"
is "$(wait_done "$ID" "$PW")" FINISHED_FAILURE "malicious core: FINISHED_FAILURE"
like "$(get "$ID" "$PW" log)" "failed: " "malicious core: the log names the failing step"
diag "$(grep -m1 'failed: ' "$T/body")"
is "$(http_code GET "/$ID/backtrace" -H "X-Task-Password: $PW")" 404 "malicious core: no backtrace"

# real cores made hostile: an NT_FILE claiming 2^60 mappings, a PT_NOTE past the end
for h in "ntfile-count 0x1000000000000000" "phdr-of 4 offset 0x7fffffff0000"; do
	rm -rf "$T/h.d"
	cp -r "$T/segv.d" "$T/h.d"
	# shellcheck disable=SC2086
	"$TOOLS/corepatch" "$T/h.d/coredump" $h
	send "$T/h.d"
	is "$(wait_done "$ID" "$PW")" FINISHED_FAILURE "hostile core ($h): FINISHED_FAILURE"
	like "$(get "$ID" "$PW" log)" "reading the coredump failed: " "hostile core ($h): the core reader refused it"
	diag "$(grep -m1 'failed: ' "$T/body")"
done

mkdir -p "$T/norel.d"
cp "$T/segv.d"/{coredump,executable} "$T/norel.d/"
printf 'Plan 9 release 4' >"$T/norel.d/os_release"
printf 'rtprog-1.0-1' >"$T/norel.d/package" # no dist tag to guess from either
send "$T/norel.d"
is "$(wait_done "$ID" "$PW")" FINISHED_FAILURE "unknown release: FINISHED_FAILURE"
like "$(get "$ID" "$PW" log)" "nor the package (rtprog-1.0-1) names a known release" "unknown release: the log says why"
diag "$(grep -m1 'failed: ' "$T/body")"

# the server and the worker still serve
send "$T/segv.d"
is "$(wait_done "$ID" "$PW")" FINISHED_SUCCESS "after the failures, a good task still succeeds"

# --- MaxParallelTasks = 1: five tasks run one after the other -----------------------
ids=
for i in 1 2 3 4 5; do
	send "$T/thread.d"
	ids="$ids $ID:$PW"
done
all=true
for t in $ids; do
	[ "$(wait_done "${t%%:*}" "${t#*:}")" = FINISHED_SUCCESS ] || all=false
done
$all
ok $? "five queued tasks all succeed"
# the worker's log, in order: each task starts after the one before ended
for t in $ids; do
	echo "task ${t%%:*}: started"
	echo "task ${t%%:*}: success in"
done >"$T/want.seq"
grep -oE "task ($(echo $ids | sed -E 's/:[^ ]+//g; s/ /|/g')): (started|success in)" "$T/worker.out" >"$T/got.seq"
is "$(cat "$T/got.seq")" "$(cat "$T/want.seq")" "with MaxParallelTasks = 1 the tasks ran one at a time, in order"

# --- statistics ----------------------------------------------------------------------
n=$(sqlite3 "$T/spool/stats.db" "SELECT count(*) FROM tasks" 2>&1)
[ "$n" -ge 14 ] 2>/dev/null
ok $? "the tasks table has a row per finished task ($n)"
is "$(sqlite3 "$T/spool/stats.db" "SELECT count(*) FROM package_time WHERE package = 'rtprog'")" \
	"$(sqlite3 "$T/spool/stats.db" "SELECT count(*) FROM tasks WHERE package = 'rtprog' AND status = 'success'")" \
	"package_time: one row per successful rtprog task"

total=$(sqlite3 "$T/spool/stats.db" "SELECT count(*) FROM tasks")
http_code GET /stats >/dev/null
like "$(body)" "<tr><th>Tasks</th><td>$total</td></tr>" "/stats counts the worker's tasks from stats.db"
like "$(body)" "<tr><td>rtprog</td><td>$REL</td>" "/stats lists rtprog's package_time"

# X-Task-Est-Time (design 11.10): the mean of rtprog's successful runs on this release
want=$(sqlite3 "$T/spool/stats.db" "SELECT MAX(1, CAST(AVG(time) + 0.999 AS INTEGER)) FROM package_time WHERE package = 'rtprog' AND release = '$REL'")
send "$T/segv.d"
is "$(header_value X-Task-Est-Time)" "$want" "/create answers X-Task-Est-Time from package_time ($want s)"
wait_done "$ID" "$PW" >/dev/null
cp -r "$T/segv.d" "$T/other.d"
printf 'rtother-1.0-1.fc39' >"$T/other.d/package"
send "$T/other.d"
is "$(header_value X-Task-Est-Time)" "" "... and none for a package never retraced"
wait_done "$ID" "$PW" >/dev/null

# --- retrace-client ------------------------------------------------------------------
CL="$BIN/retrace-client --url http://127.0.0.1:$PORT"
$CL batch --dir "$T/segv.d" --status-delay 0.05 >"$T/cl.out" 2>"$T/cl.err"
ok $? "retrace-client batch: exit 0"
out=$(cat "$T/cl.out")
like "$out" "#0  rtlib_store (where=where@entry=0x0, value=99) at rtlib.c:13" "batch prints the backtrace"
like "$out" "Exploitable rating (0-9 scale): 1" "... and the exploitability rating"
like "$(cat "$T/cl.err")" "Retrace job finished successfully" "... and the status messages on stderr"
cid=$(sed -n 's/^Task Id: //p' "$T/cl.err")
cpw=$(sed -n 's/^Task Password: //p' "$T/cl.err")
is "$($CL status --task "$cid" --password "$cpw" | head -n 1)" FINISHED_SUCCESS "retrace-client status"
$CL backtrace --task "$cid" --password "$cpw" >"$T/cl.bt"
cmp -s "$T/cl.bt" "$T/spool/$cid/retrace_backtrace"
ok $? "retrace-client backtrace: the server's file, byte for byte"
like "$($CL log --task "$cid" --password "$cpw")" "task $cid succeeded" "retrace-client log"
like "$($CL exploitable --task "$cid" --password "$cpw")" "Likely crash reason: NULL pointer" "retrace-client exploitable"
$CL backtrace --task "$cid" --password wrongwrongwrongwrongwrongwrong12 >/dev/null 2>"$T/cl.err"
ok $((!$?)) "a wrong password: exit 1"
# the tar.xz it sends is one the server unpacks: the coredump arrives intact
# (looked at while no worker runs, which would delete it when done)
stop_worker
$CL create --dir "$T/abort.d" >"$T/cl.out" 2>&1
cid=$(sed -n 's/^Task Id: //p' "$T/cl.out")
cmp -s "$T/abort.d/coredump" "$T/spool/$cid/crash/coredump"
ok $? "retrace-client create: the archive unpacks to the same coredump"
start_worker
# refusals before any upload
n0=$(spool_tasks)
cp -r "$T/segv.d" "$T/unk.d"
printf 'rtprog-9.9-9' >"$T/unk.d/package"
$CL batch --dir "$T/unk.d" >/dev/null 2>"$T/cl.err"
ok $((!$?)) "an unknown package: exit 1"
like "$(cat "$T/cl.err")" "cannot process package rtprog-9.9-9.x86_64" "... /checkpackage's 404 explained"
cp -r "$T/segv.d" "$T/rel.d"
printf 'Fedora release 12 (Constantine)' >"$T/rel.d/os_release"
$CL batch --dir "$T/rel.d" >/dev/null 2>"$T/cl.err"
ok $((!$?)) "an unsupported release: exit 1"
like "$(cat "$T/cl.err")" "does not support fedora-12-x86_64" "... /settings' release list explained"
is "$(spool_tasks)" "$n0" "neither refusal created a task"
# a failed task: the client prints the log and fails
cp -r "$T/segv.d" "$T/hc.d"
"$TOOLS/corepatch" "$T/hc.d/coredump" ntfile-count 0x1000000000000000
$CL batch --dir "$T/hc.d" --status-delay 0.05 >"$T/cl.out" 2>"$T/cl.err"
ok $((!$?)) "a task that fails: exit 1"
like "$(cat "$T/cl.out")" "reading the coredump failed" "... and the task's log printed"
$CL batch --dir "$T/nonexistent" >/dev/null 2>&1
is $? 1 "a missing crash directory: exit 1"
$CL frobnicate >/dev/null 2>&1
is $? 2 "an unknown command: exit 2"

# --- SIGKILL mid-task, restart ---------------------------------------------------------
stop_worker
rm -rf "$T/cache"/* 2>/dev/null # a cold cache makes the task long enough to catch
killed=
for attempt in 1 2 3 4 5; do
	send "$T/cxx.d"
	start_worker
	for _ in $(seq 1 500); do
		[ -e "$T/spool/.running/$ID" ] && break
		sleep 0.01
	done
	kill -STOP -- -"$WORKER_PID" 2>/dev/null
	if [ -e "$T/spool/.running/$ID" ] && [ ! -e "$T/spool/$ID/finished_time" ]; then
		kill -KILL -- -"$WORKER_PID"
		wait "$WORKER_PID" 2>/dev/null
		WORKER_PID=
		killed=$ID:$PW
		break
	fi
	kill -CONT -- -"$WORKER_PID" 2>/dev/null
	wait_done "$ID" "$PW" >/dev/null
	stop_worker
	rm -rf "$T/cache"/* 2>/dev/null
done
[ -n "$killed" ]
ok $? "the worker was killed with SIGKILL in the middle of a task (attempt $attempt)"
ID=${killed%%:*} PW=${killed#*:}
is "$(status_of "$ID" "$PW")" PENDING "the killed task is PENDING meanwhile"
# the parent-death signals go down the chain (task process, sandbox, gdb):
# on a loaded machine that takes more than a moment
eventually 10 no_test_gdb
ok $? "no gdb is left behind by the killed worker (parent-death signal)"
start_worker
is "$(wait_done "$ID" "$PW")" FINISHED_SUCCESS "the restarted worker retries it once: FINISHED_SUCCESS"
like "$(get "$ID" "$PW" log)" "task $ID started" "and its log is the retry's"
grep -q "task $ID: interrupted by a stopped worker: queued again" "$T/worker.out"
ok $? "the worker's log says it was queued again"

# a task interrupted twice is failed, with the reason, never PENDING forever
stop_worker
send "$T/segv.d"
mv "$T/spool/.queue/$ID" "$T/spool/.running/$ID"
: >"$T/spool/$ID/.retried"
[ "$(id -u)" = 0 ] && chown nobody:nogroup "$T/spool/$ID/.retried" "$T/spool/.running/$ID"
start_worker
is "$(wait_done "$ID" "$PW")" FINISHED_FAILURE "a task interrupted twice is FINISHED_FAILURE"
like "$(get "$ID" "$PW" log)" "stopped twice while running this task" "... and its log says why"
stop_worker

# --- ToolRoot = <release-id>: gdb and its closure from the release ------------------
# The release's gdb package is this machine's gdb with its libraries and
# Python (tests/fixtures/rpm/rtgdb.spec); the sandbox's whole root is the
# stack of gdb and rtsys: no /usr of the host.
echo "ToolRoot = $REL" >>"$T/conf"
start_worker
for name in segv cxx; do
	send "$T/$name.d"
	is "$(wait_done "$ID" "$PW")" FINISHED_SUCCESS "ToolRoot = $REL: $name: FINISHED_SUCCESS"
	get "$ID" "$PW" log >"$T/$name.tlog"
	like "$(cat "$T/$name.tlog")" "tools: gdb from $REL, 2 packages" "ToolRoot = $REL: $name: gdb resolved from the release"
	get "$ID" "$PW" backtrace >"$T/$name.tbt"
	frames "$T/$name.tbt" /sysroot >"$T/$name.tgot"
	if diff -u "$T/$name.ref" "$T/$name.tgot" >"$T/$name.tdiff"; then
		ok 0 "ToolRoot = $REL: $name: the same backtrace as gdb here"
	else
		ok 1 "ToolRoot = $REL: $name: the same backtrace as gdb here"
		sed 's/^/#   /' "$T/$name.tdiff" "$T/$name.tlog"
	fi
done
like "$(cat "$T/segv.tlog")" "package gdb-" "the gdb package came through the rootfs cache"
# toolroot_fails RELEASE WHY: a task under ToolRoot = RELEASE fails, saying WHY
toolroot_fails() {
	stop_worker
	sed -i "s/^ToolRoot = .*/ToolRoot = $1/" "$T/conf"
	start_worker
	send "$T/segv.d"
	is "$(wait_done "$ID" "$PW")" FINISHED_FAILURE "ToolRoot = $1: FINISHED_FAILURE"
	like "$(get "$ID" "$PW" log)" "$2" "... and the log says: $2"
	stop_worker
}
toolroot_fails fedora-40-x86_64 "ToolRoot fedora-40-x86_64 is not served here"
# a release that has no gdb at all
NOGDB=rhel-9-x86_64
mkdir -p "$REPO/$NOGDB/Packages"
cp "$P"/rtprog-1.0-1.x86_64.rpm "$P"/rtsys-1-1.x86_64.rpm "$REPO/$NOGDB/Packages/"
createrepo_c --quiet "$REPO/$NOGDB" >/dev/null 2>&1
$BIN/retrace-resolve --repodir "$REPO" --release $NOGDB --reindex >/dev/null 2>&1
toolroot_fails $NOGDB "gdb cannot be installed from ToolRoot $NOGDB"

# --- a gdb that hangs, a gdb that crashes --------------------------------------------------
fake_gdb HANG fedora-37-x86_64
fake_gdb CRASH fedora-36-x86_64
echo "ProcessCommunicateTimeout = 2" >>"$T/conf"
toolroot_fails fedora-37-x86_64 "gdb ran past the timeout (ProcessCommunicateTimeout = 2 s) and was killed"
no_test_gdb
ok $? "the hung gdb is gone with its sandbox"
toolroot_fails fedora-36-x86_64 "gdb was killed by signal 11"

# --- a task's life when the worker stops or dies ------------------------------------
# The hanging gdb (fedora-37) keeps a task running for as long as a test needs.
# SIGTERM: no new task; the running one gets WorkerStopTimeout, then is
# queued again - not failed, not counted as an interruption
setconf WorkerStopTimeout 1
hang_task "$T/segv.d"
fixture $? "a task runs in the hanging gdb"
task_proc=$(pgrep -P "$WORKER_PID" | head -n 1)
kill -TERM "$WORKER_PID"
wait_exit "$WORKER_PID" 30
ok $? "SIGTERM: the worker stops within WorkerStopTimeout and a little"
wait "$WORKER_PID" 2>/dev/null
WORKER_PID=
is "$(status_of "$ID" "$PW")" PENDING "SIGTERM: the running task is PENDING, not failed"
ok $([ -e "$T/spool/.queue/$ID" ] && [ ! -e "$T/spool/.running/$ID" ]; echo $?) "... queued again"
ok $([ ! -e "$T/spool/$ID/.retried" ]; echo $?) "... not counted as an interruption"
like "$(cat "$T/worker.out")" "task $ID: stopped with the worker: queued again" "... and the worker's log says so"
ok $([ -z "$task_proc" ] || ! kill -0 "$task_proc" 2>/dev/null; echo $?) "... its process is gone"
no_test_gdb
ok $? "... and so is its gdb"
setconf ToolRoot host
start_worker
is "$(wait_done "$ID" "$PW")" FINISHED_SUCCESS "the next worker runs it: FINISHED_SUCCESS"
is "$(rows_of "$ID")" 1 "... once (one statistics row)"
stop_worker

# A stopped task process, a killed worker, a new worker, the process continued:
# the task process died with its worker (parent-death signal), the new worker
# runs the task once
hang_task "$T/segv.d"
fixture $? "a task runs in the hanging gdb"
task_proc=$(pgrep -P "$WORKER_PID" | head -n 1)
ok $([ -n "$task_proc" ]; echo $?) "the task's process found ($task_proc)"
kill -STOP "$task_proc"
kill -KILL "$WORKER_PID"
wait "$WORKER_PID" 2>/dev/null
WORKER_PID=
wait_exit "$task_proc" 10
ok $? "the stopped task process died with its worker"
setconf ToolRoot host
start_worker
kill -CONT "$task_proc" 2>/dev/null
is "$(wait_done "$ID" "$PW")" FINISHED_SUCCESS "the new worker retries it: FINISHED_SUCCESS"
sleep 1
is "$(rows_of "$ID")" 1 "... and it ran once (one statistics row)"
unlike "$(get "$ID" "$PW" log)" "cannot remove the coredump" "... its log is one run's"
stop_worker

# The owner lock: a task in .running whose process lives (here: a process
# that holds the lock, as a task's process does) is left alone by a starting
# worker; once that process is gone, the rescan takes it over
send "$T/segv.d"
mv "$T/spool/.queue/$ID" "$T/spool/.running/$ID"
[ "$(id -u)" = 0 ] && chown nobody:nogroup "$T/spool/.running/$ID"
touch "$T/spool/$ID/.owner" "$T/spool/$ID/.status.tmp0123456789ab"
[ "$(id -u)" = 0 ] && chown nobody:nogroup "$T/spool/$ID/.owner" "$T/spool/$ID/.status.tmp0123456789ab"
# (the process that holds the lock is the one killed below: no child keeps it)
(exec 9<>"$T/spool/$ID/.owner" && flock -x 9 && exec sleep 300) &
holder=$!
held() { ! flock -n -s "$T/spool/$ID/.owner" true; }
eventually 10 held
fixture $? "a process holds the task's owner lock"
started=$(grep -c "retrace-worker: 1 slots" "$T/worker.out")
start_worker
# the worker has done its start-up recovery when it says it watches the queue
watching() { [ "$(grep -c "retrace-worker: 1 slots" "$T/worker.out")" -gt "$started" ]; }
eventually 30 watching
ok $([ -e "$T/spool/.running/$ID" ] && [ ! -e "$T/spool/$ID/.retried" ]; echo $?) \
	"a starting worker leaves a task alone while its owner lives"
is "$(status_of "$ID" "$PW")" PENDING "... PENDING"
kill "$holder"
wait "$holder" 2>/dev/null
stop_worker
start_worker
is "$(wait_done "$ID" "$PW")" FINISHED_SUCCESS "once the owner is gone, a worker takes it over: FINISHED_SUCCESS"
ok $([ ! -e "$T/spool/$ID/.status.tmp0123456789ab" ]; echo $?) "... and the half-written file of the dead run is removed"
stop_worker

grep -q "Sanitizer\|runtime error" "$T/worker.out"
ok $((!$?)) "the worker logged no sanitizer report"
[ "$tap_failed" = 0 ] || sed 's/^/# worker: /' "$T/worker.out" | tail -40
done_testing
