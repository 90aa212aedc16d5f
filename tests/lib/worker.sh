# Helpers for the tests that run retrace-worker against a test repository
# (sourced after common.sh; the file writes $T/conf).
XZ=application/x-xz-compressed-tar
REL=fedora-39-x86_64
REPO=$T/repo
P=$REPO/$REL/Packages
F=$RETRACE_SRC/tests/fixtures/rpm
STATS_DB=${STATS_DB:-$T/spool/stats.db}

WORKER_PID=
start_worker() {
	# root starts it, as in production: it drops to RunAsUser (nobody)
	setsid "$BIN/retrace-worker" -c "$T/conf" >>"$T/worker.out" 2>&1 &
	WORKER_PID=$!
}
# (bounded: a worker that does not stop within 30 s is a failure, and killed)
stop_worker() {
	[ -n "$WORKER_PID" ] || return 0
	kill "$WORKER_PID" 2>/dev/null
	if ! wait_exit "$WORKER_PID" 30; then
		ok 1 "the worker stopped within 30 s of SIGTERM (it was $(ps -o stat= -p "$WORKER_PID"))"
		kill -KILL "$WORKER_PID" 2>/dev/null
	fi
	wait "$WORKER_PID" 2>/dev/null
	WORKER_PID=
}
trap 'stop_worker; cleanup' EXIT

# send DIR [TYPE]: pack DIR like abrt-retrace-client and POST it; sets ID PW
send() {
	tar -C "$1" -cf - coredump executable package os_release | xz -2 >"$T/up.tar.xz"
	code=$(upload "$T/up.tar.xz" $XZ -H "X-Task-Type: ${2:-0}")
	ID=$(header_value X-Task-Id)
	PW=$(header_value X-Task-Password)
	[ "$code" = 201 ]
}

# worker_config [MORE-KEYS]: $T/conf for a worker with its rootfs cache in
# $T/cache (owned by the worker's user), no signature checks (the test
# packages are unsigned), and MORE-KEYS
worker_config() {
	mkdir -p "$T/cache"
	[ "$(id -u)" = 0 ] && chown nobody:nogroup "$T/cache"
	write_config "RootfsCacheDir = $T/cache
RequireGPGCheck = 0
${1:-}"
}

setconf() { # setconf KEY VALUE: replace or add KEY in $T/conf
	sed -i "/^$1 = /d" "$T/conf"
	echo "$1 = $2" >>"$T/conf"
}
# rows_of ID: the task's rows in the statistics (never creating the database as root)
rows_of() {
	[ -s "$STATS_DB" ] || { echo 0; return; }
	sqlite3 -readonly "$STATS_DB" "SELECT count(*) FROM tasks WHERE taskid = '$1'"
}

# wait_exit PID SECONDS: the process is gone within SECONDS
wait_exit() {
	for _ in $(seq 1 $(($2 * 10))); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.1
	done
	return 1
}

# fake_gdb MODE RELEASE: a release whose gdb is tests/fixtures/rpm/rtfakegdb.c built with MODE
fake_gdb() {
	mkdir -p "$T/fake/SOURCES" "$REPO/$2/Packages"
	cp "$F/rtfakegdb.c" "$T/fake/SOURCES/"
	rpmbuild -bb --nodeps --quiet -D "_topdir $T/fake" -D 'rt_version 1' -D 'rt_release 1' \
		-D "rt_mode $1" "$F/rtfakegdb.spec" >"$T/fake/build.log" 2>&1 &&
		mv "$T"/fake/RPMS/*/gdb-1-1.*.rpm "$REPO/$2/Packages/"
	fixture $? "a gdb that does $1 built for $2" "$T/fake/build.log"
	createrepo_c --quiet "$REPO/$2" >/dev/null 2>&1
	$BIN/retrace-resolve --repodir "$REPO" --release "$2" --reindex >/dev/null 2>&1
}

# hang_task CRASHDIR: a task that runs in the hanging gdb (release
# fedora-37-x86_64 made by fake_gdb HANG); starts a worker, sets ID PW,
# waits until gdb runs
hang_task() {
	setconf ToolRoot fedora-37-x86_64
	setconf ProcessCommunicateTimeout "${HANG_TIMEOUT:-120}"
	start_worker
	send "$1"
	eventually 30 has_test_gdb
}

# test_gdbs: the gdb processes in this test's sandboxes - those with a
# mount whose source names $T (the core bound from $T/spool; a spool on a
# tmpfs of its own is mounted with $T's name as its source), or
# SPOOL_MOUNT_MARK where the spool is elsewhere - not another test's or
# another run's beside it
test_gdbs() {
	local p
	for p in $(pgrep -f /usr/bin/gdb); do
		findmnt -N "$p" -rn -o SOURCE 2>/dev/null | grep -qF "${SPOOL_MOUNT_MARK:-${T##*/}}" && echo "$p"
	done
}
has_test_gdb() { [ -n "$(test_gdbs)" ]; }
no_test_gdb() { [ -z "$(test_gdbs)" ]; }

# release_repo PROFILE: $REPO/$REL built by tests/fixtures/rpm/mkrepo.sh
# PROFILE and indexed as retrace-reposync would, or the file ends
release_repo() {
	"$F/mkrepo.sh" "$REPO" $REL "$1" >"$T/mkrepo.out" 2>&1
	fixture $? "a release repository built with rpmbuild and createrepo_c" "$T/mkrepo.out"
	$BIN/retrace-resolve --repodir "$REPO" --release $REL --reindex >"$T/reindex.out" 2>&1
	fixture $? "the release indexed" "$T/reindex.out"
}

# publish: the release's package list published (retrace-reposync
# --publish-only with $T/conf), or the file ends
publish() {
	$BIN/retrace-reposync -c "$T/conf" --publish-only >"$T/publish.out" 2>&1
	fixture $? "the release published" "$T/publish.out"
}

# rtprog_segv: $T/segv.d, a crash of the release's rtprog (a SIGSEGV), as
# abrt-retrace-client would pack it, or the file ends
rtprog_segv() {
	"$F/crash.sh" "$T/segv.d" "$P/rtprog-1.0-1.x86_64.rpm $P/rtprog-libs-1.0-1.x86_64.rpm" rtprog-1.0-1 \
		-- /usr/bin/rtprog crash abc 2>"$T/crash.err"
	fixture $? "rtprog crashed with a core" "$T/crash.err"
}

# find_ ARGS...: debuginfod-find against $DURL (a retrace-debuginfod), a
# fresh client cache ($T/dout) each time, its stderr in $T/find.err
D=$T/dout
find_() {
	rm -rf "$D"
	DEBUGINFOD_URLS=$DURL DEBUGINFOD_CACHE_PATH=$D DEBUGINFOD_TIMEOUT=60 debuginfod-find "$@" 2>"$T/find.err"
}
