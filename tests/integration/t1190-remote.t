#!/bin/bash
# Remote resources (design section 3): a `remote` file in the upload lists
# URLs; the worker (never httpd) fetches each that starts with one of
# RemoteResourcePrefixes, over http or ftp (servers on 127.0.0.1 here), and
# reads it as an uploaded body (a tar or a bare core, compressed or not,
# under the same limits): what it completes joins the task's crash files.
# Best effort: a URL outside the prefixes, a 404, a refused bomb or a
# stalled server is a log line; a refused resource leaves nothing. With no
# prefixes configured, httpd refuses a `remote` file at the door.
. "$(dirname "$0")/../lib/common.sh"

need rpmbuild createrepo_c rpm2archive gdb unshare xz gzip
/usr/bin/python3 -c 'import pyftpdlib' 2>/dev/null || skip_all "python3-pyftpdlib is not installed"

. "$RETRACE_SRC/tests/lib/worker.sh"

release_repo full
rtprog_segv
mkdir -p "$T/www/ok" "$T/www/secret" "$T/ftp"
xz -2 -c "$T/segv.d/coredump" >"$T/www/ok/core.xz"
cp "$T/www/ok/core.xz" "$T/www/secret/core.xz"
cp "$T/www/ok/core.xz" "$T/www/ok/hang-core.xz"
gzip -c "$T/segv.d/coredump" >"$T/ftp/core.gz"
{ head -c 4096 "$T/segv.d/coredump"; head -c $((100 * 1024 * 1024)) /dev/zero | tr '\0' A; } | xz -0 -T1 >"$T/www/ok/bomb.xz"
/usr/bin/python3 "$RETRACE_SRC/tests/tools/httpserve.py" "$T/www" "$T/http.port" hang- 2>"$T/http.log" &
HTTP_PID=$!
/usr/bin/python3 "$RETRACE_SRC/tests/tools/ftpserve.py" "$T/ftp" "$T/ftp.port" 2>"$T/ftp.log" &
FTP_PID=$!
trap 'kill $HTTP_PID $FTP_PID 2>/dev/null; stop_worker; cleanup' EXIT
eventually 10 test -s "$T/http.port" && eventually 10 test -s "$T/ftp.port"
fixture $? "an HTTP and an FTP server on 127.0.0.1" "$T/ftp.log"
H=http://127.0.0.1:$(cat "$T/http.port") F=ftp://127.0.0.1:$(cat "$T/ftp.port")

worker_config "RemoteResourcePrefixes = $H/ok/ $F/
RemoteResourceTimeout = 3"
publish
start_httpd || exit 1
start_worker

# remote_task URL...: the crash's other files and a `remote` listing URLs; sets code ID PW
remote_task() {
	rm -rf "$T/r.d" && mkdir -p "$T/r.d"
	cp "$T/segv.d"/{executable,package,os_release} "$T/r.d/"
	printf '%s\n' "$@" >"$T/r.d/remote"
	tar -C "$T/r.d" -cf - executable package os_release remote | xz -2 >"$T/r.tar.xz"
	code=$(upload "$T/r.tar.xz" $XZ)
	ID=$(header_value X-Task-Id)
	PW=$(header_value X-Task-Password)
}

remote_task "$H/ok/core.xz"
is "$code" 201 "a tar with remote and no coredump: taken"
is "$(wait_done "$ID" "$PW" 120)" FINISHED_SUCCESS "the core fetched over http: FINISHED_SUCCESS"
log=$(get "$ID" "$PW" log)
like "$log" "remote: $H/ok/core.xz: $(stat -c %s "$T/www/ok/core.xz") bytes in " "the log: the resource and its size"
like "$log" "remote: $H/ok/core.xz: coredump" "... and that it became the coredump"
like "$(get "$ID" "$PW" backtrace)" "#0  rtlib_store (where=where@entry=0x0, value=99) at rtlib.c:13" "the backtrace of the fetched core"

remote_task "$H/secret/core.xz" "$H/ok/missing.xz" "# a comment" "$F/core.gz"
is "$(wait_done "$ID" "$PW" 120)" FINISHED_SUCCESS "best effort: the ftp core after two that fail"
log=$(get "$ID" "$PW" log)
like "$log" "remote: $H/secret/core.xz: not under RemoteResourcePrefixes: not fetched" "a URL outside the prefixes is not fetched"
like "$log" "remote: $H/ok/missing.xz: The requested URL returned error: 404" "a 404 is a log line"
like "$log" "remote: $F/core.gz: coredump" "the core fetched over ftp"
grep -q "GET /secret/" "$T/http.log"
ok $((! $?)) "the server never saw a request for the URL outside the prefixes"

remote_task "$H/ok/bomb.xz"
is "$(wait_done "$ID" "$PW" 60)" FINISHED_FAILURE "a bomb: refused, the task has no core"
log=$(get "$ID" "$PW" log)
like "$log" "remote: $H/ok/bomb.xz: refused: The archive expands more than" "... the refusal in the log"
like "$log" "the task has no coredump file" "... and why the task failed"
test ! -e "$T/spool/$ID/crash/.remote"
ok $? "... nothing of it is left"

t0=$(date +%s)
remote_task "$H/ok/hang-core.xz"
is "$(wait_done "$ID" "$PW" 60)" FINISHED_FAILURE "a stalled server: the task fails"
like "$(get "$ID" "$PW" log)" "(RemoteResourceTimeout)" "... after RemoteResourceTimeout, said so"
ok $(($(date +%s) - t0 < 30 ? 0 : 1)) "... in bounded time"

# no prefixes: the door refuses `remote`
stop_httpd
setconf RemoteResourcePrefixes ""
start_httpd || exit 1
remote_task "$H/ok/core.xz"
is "$code" 403 "RemoteResourcePrefixes empty: a remote file is refused (403)"
like "$(body)" "Remote resources are disabled on this server" "... saying why"
done_testing
