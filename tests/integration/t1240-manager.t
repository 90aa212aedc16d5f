#!/bin/bash
# The task manager (design 9, AllowTaskManager = 1): a task sent with
# X-Task-Managed: 1 is created but held (.held/<id>) - not run, not queued by
# the worker's recovery however old it is - until /manager/<id>/start (a
# POST from the task's page). /manager lists the managed tasks (never the
# others), filterable; /manager/<id> shows one with its log, backtrace and
# results (results/ and results/misc/<key>), every client byte escaped;
# restart and delete as the original; retrace-cleanup deletes a held task
# DeleteTaskAfter after its creation. Off (the default): 403 everywhere.
. "$(dirname "$0")/../lib/common.sh"

need rpmbuild createrepo_c rpm2archive gdb unshare

. "$RETRACE_SRC/tests/lib/worker.sh"

release_repo full
# a post_retrace hook leaves a misc result, as an administrator's would
H=$T/hooks
mkdir -p "$H/post_retrace"
cat >"$H/post_retrace/10-misc" <<'EOS'
#!/bin/sh
mkdir -p "$RETRACE_TASK_DIR/results/misc" &&
	printf 'frames: %s\n' "$(grep -c '^#' "$RETRACE_TASK_DIR/retrace_backtrace")" >"$RETRACE_TASK_DIR/results/misc/frame-count"
EOS
chmod -R go+rX,+x "$H"
worker_config "HookDir = $H
AllowMetrics = 1"
publish
rtprog_segv
tar -C "$T/segv.d" -cf - coredump executable package os_release | xz -2 >"$T/up.tar.xz"

# --- off by default --------------------------------------------------------
start_httpd || exit 1
is "$(http_code GET /manager)" 403 "AllowTaskManager = 0: /manager is 403"
like "$(body)" "Task manager was disabled by the server administrator" "... saying why"
is "$(http_code GET /manager/123456789)" 403 "... and so is every page under it"
before=$(spool_tasks)
is "$(upload "$T/up.tar.xz" $XZ -H "X-Task-Managed: 1")" 403 "X-Task-Managed: 1 without a task manager: 403"
like "$(body)" "Task manager was disabled" "... saying why"
is "$(spool_tasks)" "$before" "... and no task is made"
stop_httpd

setconf AllowTaskManager 1
start_httpd || exit 1
like "$(cat "$T/httpd.out")" "without authentication" "httpd warns at start that the task manager is public"
start_worker

# --- a managed task is held -------------------------------------------------
is "$(upload "$T/up.tar.xz" $XZ -H "X-Task-Managed: 1")" 201 "X-Task-Managed: 1: 201"
MID=$(header_value X-Task-Id)
MPW=$(header_value X-Task-Password)
like_re "$MID" "^[0-9]{9}$" "... with a task id"
[ -e "$T/spool/.held/$MID" ] && [ ! -e "$T/spool/.queue/$MID" ]; ok $? "... held in .held, not queued"
[ -e "$T/spool/$MID/managed" ]; ok $? "... marked managed"
is "$(status_of "$MID" "$MPW")" PENDING "its status is PENDING for a client"
is "$(curl -s "$(URL /metrics)" | sed -n 's/^retrace_tasks_held //p')" 1 "/metrics: retrace_tasks_held 1"
is "$(upload "$T/up.tar.xz" $XZ -H "X-Task-Managed: yes")" 400 "X-Task-Managed: yes: 400"
like "$(body)" "X-Task-Managed must be 0 or 1" "... saying why"
is "$(upload "$T/up.tar.xz" $XZ -H "X-Task-Managed: 1" -H "X-Task-Sync: 1")" 400 \
	"X-Task-Managed with X-Task-Sync: 400 (the stream would wait for a start)"

# an ordinary task: retraced, and never the manager's
send "$T/segv.d"
NID=$ID
NPW=$PW
is "$(wait_done "$NID" "$NPW" 120)" FINISHED_SUCCESS "an ordinary task is retraced meanwhile"
is "$(status_of "$MID" "$MPW")" PENDING "the managed task still waits"
[ ! -e "$T/spool/$MID/started_time" ]; ok $? "... and never started"

# recovery: a held task is no unlisted one, however old
touch -d '-3 hours' "$T/spool/$MID/password" "$T/spool/$MID"
stop_worker
start_worker
eventually 20 test "$(grep -c 'watching' "$T/worker.out")" -ge 2
sleep 1
[ -e "$T/spool/.held/$MID" ] && [ ! -e "$T/spool/.queue/$MID" ] && [ ! -e "$T/spool/$MID/started_time" ]; ok $? \
	"a worker starting up (its recovery) leaves a 3-hour-old held task held"
unlike "$(cat "$T/worker.out")" "task $MID: unfinished and in no queue" "... and does not call it unlisted"

# --- the list ----------------------------------------------------------------
is "$(http_code GET /manager)" 200 "GET /manager: 200"
page=$(body)
like "$page" "no authentication" "the page says it is public"
like "$page" "href=\"/manager/$MID\"" "the held task is listed"
like "$(sed -n '/id="held"/,/<\/table>/p' "$T/body")" "$MID" "... under Not started"
unlike "$page" "$NID" "an ordinary task is not listed"
is "$(header_value Content-Security-Policy | cut -d';' -f1)" "default-src 'none'" "the page runs no script (CSP)"
is "$(http_code GET "/manager?filter=rtprog")" 200 "a filter: 200"
like "$(body)" "$MID" "... matching the package lists the task"
http_code GET "/manager?filter=nothing-like-this" >/dev/null
unlike "$(body)" "$MID" "... a filter matching nothing lists nothing"
http_code GET "/manager?filter=rt*prog*&state=held" >/dev/null
like "$(body)" "$MID" "... a glob and a state"
http_code GET "/manager?state=finished" >/dev/null
unlike "$(body)" "$MID" "... state=finished leaves the held task out"
is "$(http_code GET "/manager?state=bogus")" 400 "an unknown state: 400"
is "$(http_code GET "/manager?filter=$(head -c 200 /dev/zero | tr '\0' a)")" 400 "a filter of 200 characters: 400"

# --- one task ----------------------------------------------------------------
is "$(http_code GET "/manager/$MID")" 200 "GET /manager/ID: 200"
like "$(body)" "not started" "... status: not started"
like "$(body)" "action=\"/manager/$MID/start\"" "... with a Start form"
is "$(http_code GET "/manager/$NID")" 404 "an ordinary task's page: 404 (the manager does not show it)"
is "$(http_code GET "/manager/$NID/backtrace")" 404 "... nor its backtrace"
is "$(http_code GET /manager/999999999)" 404 "an unknown task: 404"
is "$(http_code GET "/manager/$MID/misc/../../password" --path-as-is)" 404 "a misc key with a path: 404"
is "$(http_code GET "/manager/$MID/misc/.hidden")" 404 "a misc key starting with a dot: 404"

# --- start ------------------------------------------------------------------
is "$(http_code GET "/manager/$MID/start")" 405 "GET of /start: 405 (a form POSTs)"
is "$(header_value Allow)" POST "... with Allow: POST"
[ -e "$T/spool/.held/$MID" ]; ok $? "... still held"
is "$(http_code POST "/manager/$MID/start" -H "Origin: http://evil.example")" 403 "a POST from another site's form: 403"
is "$(http_code POST "/manager/$MID/start" -H "Sec-Fetch-Site: cross-site")" 403 "... (Sec-Fetch-Site: cross-site): 403"
[ -e "$T/spool/.held/$MID" ]; ok $? "... still held"
is "$(http_code POST "/manager/$MID/start" -H "Origin: http://127.0.0.1:$PORT")" 303 "POST /manager/ID/start: 303"
is "$(header_value Location)" "/manager/$MID" "... back to the task's page"
like "$(cat "$T/httpd.out")" "task manager: task $MID started" "httpd logs the start"
is "$(http_code POST "/manager/$MID/start")" 409 "a second start: 409"
is "$(wait_done "$MID" "$MPW" 120)" FINISHED_SUCCESS "the started task is retraced"
http_code GET "/manager/$MID" >/dev/null
page=$(body)
like "$page" '<td id="status" class="success">success</td>' "its page: success"
like "$page" "$(head -n 1 "$T/spool/$MID/retrace_backtrace" | sed 's/&/\&amp;/g; s/</\&lt;/g; s/>/\&gt;/g; s/"/\&quot;/g')" "... the backtrace"
like "$page" "href=\"/manager/$MID/misc/frame-count\"" "... a link to the hook's misc result"
like "$page" "href=\"/manager/$MID/results/exploitable\"" "... and to the worker's results"
is "$(http_code GET "/manager/$MID/misc/frame-count%00.html")" 404 "a key with %00 in it: 404 (not the key before it)"
is "$(http_code GET "/manager/$MID/misc/frame-count")" 200 "a misc result: 200"
like "$(body)" "frames: " "... its value"
is "$(header_value Content-Type)" "text/plain; charset=utf-8" "... as text"
is "$(header_value X-Content-Type-Options)" nosniff "... never sniffed"
is "$(http_code GET "/manager/$MID/backtrace")" 200 "the raw backtrace: 200"
is "$(body)" "$(get "$MID" "$MPW" backtrace)" "... the one the API gives"
http_code GET "/manager?state=finished" >/dev/null
like "$(body)" "$MID" "the list: under Finished"
# a finished ordinary task keeps no crash data: restart says why
is "$(http_code POST "/manager/$MID/restart")" 409 "restart of a task whose crash data is gone: 409"
like "$(body)" "crash data is gone" "... saying why"

# --- restart and delete (a debug task keeps its crash data) --------------------
tar -C "$T/segv.d" -cf - coredump executable package os_release | xz -2 >"$T/up.tar.xz"
is "$(upload "$T/up.tar.xz" $XZ -H "X-Task-Managed: 1" -H "X-Task-Type: 1")" 201 "a managed debug task: 201"
DID=$(header_value X-Task-Id)
DPW=$(header_value X-Task-Password)
is "$(http_code POST "/manager/$DID/restart")" 409 "restart of a task that never ran: 409"
is "$(http_code POST "/manager/$DID/start")" 303 "started"
is "$(wait_done "$DID" "$DPW" 120)" FINISHED_SUCCESS "... retraced"
first=$(cat "$T/spool/$DID/finished_time")
sleep 1.1
is "$(http_code POST "/manager/$DID/restart")" 303 "restart of the finished debug task: 303"
like "$(cat "$T/httpd.out")" "task manager: task $DID restarted" "httpd logs the restart"
is "$(wait_done "$DID" "$DPW" 120)" FINISHED_SUCCESS "... retraced again"
[ "$(cat "$T/spool/$DID/finished_time")" != "$first" ]; ok $? "... a second run (a new finished_time)"
is "$(http_code GET "/manager/$DID/delete")" 405 "GET of /delete: 405"
is "$(http_code POST "/manager/$DID/delete")" 303 "POST /manager/ID/delete: 303"
is "$(header_value Location)" /manager "... back to the list"
[ ! -e "$T/spool/$DID" ]; ok $? "... the task is gone"
is "$(http_code GET "/manager/$DID")" 404 "... its page: 404"

# --- hostile text is escaped ---------------------------------------------------
H2=$T/hostile.d
mkdir -p "$H2"
cp "$T/segv.d/coredump" "$T/segv.d/executable" "$T/segv.d/os_release" "$H2/"
printf '%s' '<img src=x onerror=alert(1)>"&' >"$H2/package"
tar -C "$H2" -cf - coredump executable package os_release | xz -2 >"$T/hostile.tar.xz"
code=$(upload "$T/hostile.tar.xz" $XZ -H "X-Task-Managed: 1")
if [ "$code" = 201 ]; then
	XID=$(header_value X-Task-Id)
	http_code GET /manager >/dev/null
	unlike "$(body)" "<img src=x" "a package name with markup is escaped in the list"
	like "$(body)" "&lt;img src=x onerror=alert(1)&gt;&quot;&amp;" "... shown as text"
	http_code GET "/manager/$XID" >/dev/null
	unlike "$(body)" "<img src=x" "... and on its page"
else
	is "$code" 201 "a package name with markup is taken (it is the client's text)"
fi

# --- cleanup deletes a held task after DeleteTaskAfter --------------------------
touch -d '-200 hours' "$T/spool/$XID/password"
$BIN/retrace-cleanup -c "$T/conf" >"$T/cleanup.out" 2>&1
[ ! -e "$T/spool/$XID" ] && [ ! -e "$T/spool/.held/$XID" ]; ok $? \
	"retrace-cleanup deletes a held task older than DeleteTaskAfter (and its .held entry)"
like "$(cat "$T/cleanup.out")" "managed, never started" "... saying so"

# --- attacks found by a review --------------------------------------------------
# DNS rebinding: a name that is not this server's is refused, one in TaskManagerHosts is not
is "$(http_code GET /manager -H "Host: rebind.attacker.example:$PORT")" 403 "a Host that is not ours: 403 (DNS rebinding)"
like "$(body)" "TaskManagerHosts" "... saying which key allows a name"
is "$(http_code POST "/manager/$MID/delete" -H "Host: rebind.attacker.example:$PORT" \
	-H "Origin: http://rebind.attacker.example:$PORT" -H "Sec-Fetch-Site: same-origin")" 403 \
	"... also for a POST the browser calls same-origin"
is "$(http_code GET /manager -H "Host: localhost:$PORT")" 200 "Host localhost: 200"
is "$(http_code GET /manager -H "Host: [::1]:$PORT")" 200 "Host [::1]: 200"
# a task's results/ that is a symlink to another task's, a hard link to another task's file
touch -d '-1 min' "$T/spool/$MID/password"
mkdir -p "$T/spool/$NID/results"
echo secret-of-another-task >"$T/spool/$NID/results/other"
mv "$T/spool/$MID/results" "$T/spool/$MID/results.real"
ln -s "../$NID/results" "$T/spool/$MID/results"
is "$(http_code GET "/manager/$MID/results/other")" 404 "results/ a symlink to another task's: 404"
rm "$T/spool/$MID/results"
mv "$T/spool/$MID/results.real" "$T/spool/$MID/results"
ln "$T/spool/$NID/password" "$T/spool/$MID/results/other-pw"
is "$(http_code GET "/manager/$MID/results/other-pw")" 404 "a hard link to another task's password: 404"
http_code GET "/manager/$MID" >/dev/null
unlike "$(body)" "other-pw" "... and not listed"
mkfifo "$T/spool/$MID/results/fifo"
is "$(http_code GET "/manager/$MID/results/fifo")" 404 "a FIFO as a result: 404"
# restart racing delete: never a queue entry the worker spins on
stop_worker
tar -C "$T/segv.d" -cf - coredump executable package os_release | xz -2 >"$T/up.tar.xz"
upload "$T/up.tar.xz" $XZ -H "X-Task-Managed: 1" -H "X-Task-Type: 1" >/dev/null
RID=$(header_value X-Task-Id)
start_worker
http_code POST "/manager/$RID/start" >/dev/null
eventually 60 test -e "$T/spool/$RID/finished_time"
stop_worker
curl -s -o /dev/null -X POST "$(URL "/manager/$RID/restart")" &
c1=$!
curl -s -o /dev/null -X POST "$(URL "/manager/$RID/delete")" &
c2=$!
wait "$c1" "$c2"
# whatever won, a leftover entry is dropped by the worker, once
: >"$T/worker.out"
start_worker
sleep 2
[ ! -e "$T/spool/$RID" ] || [ -e "$T/spool/$RID/finished_time" ] || [ -e "$T/spool/.queue/$RID" ] ||
	[ -e "$T/spool/.running/$RID" ]
ok $? "restart racing delete leaves a consistent task (or none)"
ok "$([ "$(grep -c "cannot take its owner lock" "$T/worker.out")" -le 1 ]; echo $?)" "... and the worker does not spin on a stale entry"
stop_worker
# a list with more than 43 tasks (glibc's qsort asks sysinfo() for more than 1 KiB)
for i in $(seq 100000001 100000060); do mkdir "$T/spool/$i"; done
[ "$(id -u)" = 0 ] && chown nobody:nogroup "$T/spool"/1000000*
is "$(http_code GET /manager)" 200 "/manager over a spool of more than 60 tasks: 200"
kill -0 "$HTTPD_PID"
ok $? "... and httpd is alive"
rm -rf "$T/spool"/1000000*

# a start queues a task: refused with 503 as /create is when the queue is full
stop_httpd
setconf MaxParallelTasks 1
setconf MaxQueuedTasks 0
start_httpd || exit 1
is "$(upload "$T/up.tar.xz" $XZ -H "X-Task-Managed: 1")" 201 "capacity 1: a managed task is held"
FID=$(header_value X-Task-Id)
is "$(upload "$T/up.tar.xz" $XZ)" 201 "... a normal task takes the one place (no worker runs)"
QID=$(header_value X-Task-Id)
is "$(http_code POST "/manager/$FID/start")" 503 "start with the queue full: 503"
like "$(body)" "Retrace server is fully loaded at the moment; start task $FID later" "... saying why"
[ -e "$T/spool/.held/$FID" ]; ok $? "... and the task is still held"
rm -rf "$T/spool/$QID" "$T/spool/.queue/$QID"
is "$(http_code POST "/manager/$FID/start")" 303 "once there is room: 303"

stop_httpd
done_testing
