#!/bin/bash
# Synchronous tasks (design 11.9): /create with X-Task-Sync: 1 answers 201
# with the task's headers at once, then streams the task's progress, an
# X-Task-Status: PENDING line every 5 s without news, the final
# X-Task-Status line and, on success, the backtrace. A client that goes
# away leaves an ordinary task; a stopping server ends each stream with a
# line saying so, and stops. retrace-client batch uses it when /settings
# says sync_tasks 1.
. "$(dirname "$0")/../lib/common.sh"

need rpmbuild createrepo_c rpm2archive gdb unshare

. "$RETRACE_SRC/tests/lib/worker.sh"

release_repo full
worker_config "MaxUploadsPerAddress = 1"
publish
start_httpd || exit 1
rtprog_segv
tar -C "$T/segv.d" -cf - coredump executable package os_release | xz -2 >"$T/up.tar.xz"
like "$(curl -s "$(URL /settings)")" "sync_tasks 1" "/settings offers synchronous tasks"

# sync_post SECONDS: POST the crash with X-Task-Sync: 1, reading at most SECONDS; sets ID PW
sync_post() {
	curl -s -N --max-time "$1" -o "$T/sync.body" -D "$T/sync.headers" -w '%{http_code}' \
		-H "Content-Type: $XZ" -H "X-Task-Sync: 1" --data-binary "@$T/up.tar.xz" "$(URL /create)" >"$T/sync.code"
	sync_ids
}
sync_ids() { # ID PW of the last synchronous answer
	ID=$(tr -d '\r' <"$T/sync.headers" | sed -n 's/^X-Task-Id: //Ip')
	PW=$(tr -d '\r' <"$T/sync.headers" | sed -n 's/^X-Task-Password: //Ip')
}

# no worker yet: the task waits; the stream says so, then PENDING every 5 s
rm -f "$T/sync.body"
(sync_post 7) &
spid=$!
eventually 10 grep -qs "Waiting for a free retrace slot" "$T/sync.body"
# a waiting stream is no upload: it holds no upload slot (MaxUploadsPerAddress = 1
# here) and its task counts once in the load
is "$(upload "$T/up.tar.xz" $XZ)" 201 "another upload from the same address while the stream waits: 201"
is "$(curl -s "$(URL /settings)" | sed -n 's/^running_tasks //p')" 2 "/settings: the two waiting tasks count once each"
wait "$spid"
sync_ids
is "$(cat "$T/sync.code")" 201 "X-Task-Sync: 1: 201 with the task's headers"
like_re "$ID" "^[0-9]{9}$" "... X-Task-Id"
is "$(tr -d '\r' <"$T/sync.headers" | sed -n 's/^Transfer-Encoding: //Ip')" chunked "... the body chunked (its end is the end of the task)"
is "$(head -n 1 "$T/sync.body")" "Waiting for a free retrace slot" "the first line: the task waits for a slot"
is "$(grep -c '^X-Task-Status: PENDING$' "$T/sync.body")" 1 "one X-Task-Status: PENDING line after 5 s without news"
# the client went away (curl's --max-time): an ordinary task, retraced when a worker comes
start_worker
is "$(wait_done "$ID" "$PW" 120)" FINISHED_SUCCESS "the client that went away left an ordinary task, retraced"

# with a worker: progress, the final status and the backtrace, in one answer
t0=$(date +%s.%N)
sync_post 120
t1=$(date +%s.%N)
body=$(cat "$T/sync.body")
is "$(cat "$T/sync.code")" 201 "a synchronous task with a worker: 201"
like "$body" "Analyzing crash data" "progress: analyzing"
like "$body" "Generating backtrace" "progress: generating the backtrace"
like "$body" "X-Task-Status: FINISHED_SUCCESS" "the final status line"
sed '1,/^X-Task-Status: FINISHED_SUCCESS$/d' "$T/sync.body" >"$T/sync.bt"
get "$ID" "$PW" backtrace >"$T/get.bt"
cmp -s "$T/sync.bt" "$T/get.bt" && [ -s "$T/sync.bt" ]
ok $? "after it, the backtrace, byte for byte as GET /ID/backtrace"
like "$(cat "$T/sync.bt")" "#0  rtlib_store (where=where@entry=0x0, value=99) at rtlib.c:13" "... with the crashing frame"
diag "synchronous task: $(awk "BEGIN { printf \"%.2f\", $t1 - $t0 }") s from upload to the end of the answer"

# a failing task: FINISHED_FAILURE, no backtrace
mkdir -p "$T/bad.d"
cp "$T/segv.d"/{executable,package,os_release} "$T/bad.d/"
head -c 100000 /dev/urandom >"$T/bad.d/coredump"
tar -C "$T/bad.d" -cf - coredump executable package os_release | xz -2 >"$T/up.tar.xz"
sync_post 60
is "$(tail -n 1 "$T/sync.body")" "X-Task-Status: FINISHED_FAILURE" "a failing task: the stream ends with FINISHED_FAILURE"

# retrace-client batch streams it: the backtrace on stdout, the progress on stderr
$BIN/retrace-client --url "$(URL '')" batch --dir "$T/segv.d" --status-delay 30 >"$T/rc.out" 2>"$T/rc.err"
is $? 0 "retrace-client batch: exit status 0"
like "$(cat "$T/rc.out")" "#0  rtlib_store (where=where@entry=0x0, value=99) at rtlib.c:13" "retrace-client: the backtrace on stdout"
like "$(cat "$T/rc.err")" "Generating backtrace" "retrace-client: the server's progress on stderr"
like "$(cat "$T/rc.out")" "Exploitable rating (0-9 scale): 1" "retrace-client: then the rating"
$BIN/retrace-client --url "$(URL '')" batch --no-sync --dir "$T/segv.d" --status-delay 1 >"$T/rc2.out" 2>/dev/null
like "$(cat "$T/rc2.out")" "#0  rtlib_store (" "retrace-client --no-sync polls, and gets the same"

# a stopping server ends the streams it holds, and stops
stop_worker
tar -C "$T/segv.d" -cf - coredump executable package os_release | xz -2 >"$T/up.tar.xz"
rm -f "$T/sync.body"
(sync_post 60) &
cpid=$!
eventually 10 grep -qs "Waiting for a free retrace slot" "$T/sync.body"
# a progress line longer than a stream's buffer (none the worker writes) must not stall it
sid=$(tr -d '\r' <"$T/sync.headers" 2>/dev/null | sed -n 's/^X-Task-Id: //Ip')
[ -n "$sid" ] && head -c 700 /dev/zero | tr '\0' x >>"$T/spool/$sid/progress"
sleep 0.6
kill "$HTTPD_PID"
wait_exit "$HTTPD_PID" 10
ok $? "httpd stops within 10 s with a synchronous stream open"
wait "$cpid"
like "$(cat "$T/sync.body")" "The server is stopping: ask for the task's status later" "... the stream's last line says so"
like "$(cat "$T/sync.body")" "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" "... after the overlong line, said in pieces"
HTTPD_PID=
done_testing
