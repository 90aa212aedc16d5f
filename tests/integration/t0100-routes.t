#!/bin/sh
# Every read route of retrace-httpd, with curl, against a real server.
. "$(dirname "$0")/../lib/common.sh"

write_config "AllowAPIDelete = 1"
start_httpd || { echo "not ok 1 - server started"; echo "1..1"; exit 1; }

code=$(http_code GET /)
is "$code" 200 "GET / is 200"
like "$(body)" "Retrace server" "index page"

code=$(http_code GET /settings)
is "$code" 200 "GET /settings is 200"
expected="running_tasks 0
max_running_tasks 60
max_packed_size 30
max_unpacked_size 600
sync_tasks 1
supported_formats application/x-xz-compressed-tar application/x-gzip application/x-tar application/octet-stream application/gzip application/x-xz
supported_releases "
is "$(body)" "$expected" "/settings body is exactly the original format"
like "$(header_value Content-Length)" "" "settings has Content-Length"
is "$(header_value Transfer-Encoding)" "" "settings is not chunked"

# The release list and package list come from the repository side.
mkdir -p "$T/spool/.published"
printf 'fedora-39-x86_64\nrhel-8-x86_64\nbad release\n' >"$T/spool/.published/releases"
printf '%s\n' \
	"bash-5.2.15-3.fc39.i686 fedora-39-x86_64" \
	"bash-5.2.15-3.fc39.x86_64 fedora-39-x86_64" \
	"coreutils-9.3-1.fc39.x86_64 fedora-39-x86_64" \
	"coreutils-9.3-1.fc39.x86_64 rhel-8-x86_64" \
	"python3-docs-3.12.0-1.fc39.noarch fedora-39-x86_64" \
	"zsh-5.9-6.fc39.x86_64 fedora-39-x86_64" | sort >"$T/spool/.published/packages"
http_code GET /settings >/dev/null
like "$(body)" "supported_releases fedora-39-x86_64 rhel-8-x86_64" "published releases listed, invalid ones dropped"

code=$(http_code GET /checkpackage)
is "$code" 403 "checkpackage without headers is 403"
like "$(body)" "X-Package-NVR" "names the missing header"
code=$(http_code GET /checkpackage -H "X-Package-NVR: coreutils-9.3-1.fc39" -H "X-Package-Arch: x86_64" -H "X-OS-Release: fedora-39-x86_64")
is "$code" 302 "known package is 302"
is "$(body)" "" "302 has an empty body"
is "$(header_value Location)" "" "302 has no Location header"
code=$(http_code GET /checkpackage -H "X-Package-NVR: coreutils-9.3-1.fc39" -H "X-Package-Arch: x86_64")
is "$code" 302 "known package without X-OS-Release is 302"
code=$(http_code GET /checkpackage -H "X-Package-NVR: coreutils-9.3-1.fc39" -H "X-Package-Arch: x86_64" -H "X-OS-Release: fedora-38-x86_64")
is "$code" 404 "package of another release is 404"
code=$(http_code GET /checkpackage -H "X-Package-NVR: bash-5.2.15-3.fc39" -H "X-Package-Arch: i586")
is "$code" 302 "i586 client finds the i686 package (same family)"
code=$(http_code GET /checkpackage -H "X-Package-NVR: 1:bash-5.2.15-3.fc39" -H "X-Package-Arch: x86_64")
is "$code" 302 "an epoch is ignored"
code=$(http_code GET /checkpackage -H "X-Package-NVR: bash-1:5.2.15-3.fc39" -H "X-Package-Arch: x86_64")
is "$code" 302 "an epoch inside the NVR, as ABRT writes name-E:V-R, is ignored"
code=$(http_code GET /checkpackage -H "X-Package-NVR: python3-docs-3.12.0-1.fc39" -H "X-Package-Arch: x86_64")
is "$code" 302 "noarch package found for any arch"
code=$(http_code GET /checkpackage -H "X-Package-NVR: zsh-5.9-7.fc39" -H "X-Package-Arch: x86_64")
is "$code" 404 "unknown version is 404"
code=$(http_code GET /checkpackage -H "X-Package-NVR: zsh-5.9-6.fc39" -H "X-Package-Arch: x86_64")
is "$code" 302 "last line of the list found"
code=$(http_code GET /checkpackage -H "X-Package-NVR: ../../etc/passwd" -H "X-Package-Arch: x86_64")
is "$code" 403 "NVR with a slash is 403"
code=$(http_code GET /checkpackage -H "X-Package-NVR: zsh-5.9-6.fc39" -H "X-Package-Arch: x86 64")
is "$code" 403 "bad arch is 403"
code=$(http_code GET /checkpackage -H "X-Package-NVR: zsh-5.9-6.fc39" -H "X-Package-Arch: x86_64" -H "X-OS-Release: fedora")
is "$code" 403 "bad release id is 403"

code=$(http_code GET /stats)
is "$code" 200 "/stats is 200 without a database"
like "$(body)" "No statistics yet" "empty statistics page"
sqlite3 "$T/spool/stats.db" "CREATE TABLE tasks (id INTEGER PRIMARY KEY AUTOINCREMENT, taskid, package, version, arch, starttime NOT NULL, duration NOT NULL, coresize, status NOT NULL);
CREATE TABLE package_time (id INTEGER PRIMARY KEY AUTOINCREMENT, package, release, time);
INSERT INTO tasks (taskid, package, starttime, duration, status) VALUES (1, 'bash', 0, 5, 'success'), (2, 'bash', 0, 7, 'fail'), (3, 'zsh', 0, 9, 'success');
INSERT INTO package_time (package, release, time) VALUES ('bash', 'fedora-39-x86_64', 10), ('bash', 'fedora-39-x86_64', 20), ('<script>', 'x', 1);"
chmod 644 "$T/spool/stats.db"
code=$(http_code GET /stats)
is "$code" 200 "/stats is 200 with a database"
like "$(body)" "<tr><th>Tasks</th><td>3</td></tr>" "task count from the database"
like "$(body)" "<tr><th>Succeeded</th><td>2</td></tr>" "success count"
like "$(body)" "<td>bash</td><td>fedora-39-x86_64</td><td>2</td><td>15.0</td>" "average time per package"
like "$(body)" "&lt;script&gt;" "database text is escaped"

code=$(http_code GET /metrics)
is "$code" 403 "/metrics is 403 when AllowMetrics is off"
code=$(http_code GET /manager)
is "$code" 403 "/manager is 403 (AllowTaskManager is off by default)"
code=$(http_code GET /nonexistent)
is "$code" 404 "unknown URL is 404"
code=$(http_code GET /12345)
is "$code" 404 "short task id is 404"
code=$(http_code GET /012345678)
is "$code" 404 "task id with a leading zero is 404"
code=$(http_code POST /settings -d x)
is "$code" 405 "POST /settings is 405"
is "$(header_value Allow)" "GET, HEAD" "... with Allow: GET, HEAD"
code=$(http_code GET /123456789)
is "$code" 404 "unknown task is 404"
like "$(body)" "There is no such task" "unknown task message"

# A task, then the worker's files as the worker writes them.
crash=$(make_crash_dir)
tar -C "$crash" -cJf "$T/up.tar.xz" coredump executable package os_release
code=$(upload "$T/up.tar.xz" application/x-xz-compressed-tar)
is "$code" 201 "task created"
id=$(header_value X-Task-Id)
pw=$(header_value X-Task-Password)
code=$(http_code GET "/$id")
is "$code" 403 "status without password is 403"
code=$(http_code GET "/$id" -H "X-Task-Password: AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
is "$code" 403 "status with a wrong password is 403"
like "$(body)" "Invalid password" "wrong password message"
code=$(http_code GET "/$id" -H "X-Task-Password: $pw")
is "$code" 200 "status with the password is 200"
is "$(header_value X-Task-Status)" PENDING "new task is PENDING"
is "$(body)" "Waiting for a free retrace slot" "queued status message"
code=$(http_code GET "/$id/backtrace" -H "X-Task-Password: $pw")
is "$code" 404 "no backtrace yet"
code=$(http_code GET "/$id/log" -H "X-Task-Password: $pw")
is "$code" 404 "no log yet"
code=$(http_code GET "/$id/exploitable" -H "X-Task-Password: $pw")
is "$code" 404 "no exploitable yet"
code=$(http_code GET "/$id/backtrace" -H "X-Task-Password: BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB")
is "$code" 403 "backtrace with a wrong password is 403"

td=$T/spool/$id
mv "$T/spool/.queue/$id" "$T/spool/.running/$id"
printf 'backtrace' >"$td/status"
code=$(http_code GET "/$id" -H "X-Task-Password: $pw")
is "$(body)" "Generating backtrace" "running status message"
code=$(http_code GET "/$id/delete" -H "X-Task-Password: $pw")
is "$code" 409 "a running task cannot be deleted"
printf 'Thread 1 (LWP 42):\n#0  0x0000 in main () at x.c:1\n' >"$td/retrace_backtrace"
mkdir "$td/results"
printf 'Likely crash reason: Null pointer dereference\nExploitable rating (0-9 scale): 1\n' >"$td/results/exploitable"
printf 'success' >"$td/status"
date +%s >"$td/finished_time"
rm "$T/spool/.running/$id"
code=$(http_code GET "/$id" -H "X-Task-Password: $pw")
is "$(header_value X-Task-Status)" FINISHED_SUCCESS "finished task is FINISHED_SUCCESS"
is "$(body)" "Retrace job finished successfully" "success message"
code=$(http_code GET "/$id/backtrace" -H "X-Task-Password: $pw")
is "$code" 200 "backtrace is 200"
is "$(body)" "$(cat "$td/retrace_backtrace")" "backtrace served byte for byte"
like "$(header_value Content-Type)" "text/plain" "backtrace is text/plain"
is "$(header_value Content-Length)" "$(stat -c %s "$td/retrace_backtrace")" "backtrace Content-Length"
code=$(http_code GET "/$id/exploitable" -H "X-Task-Password: $pw")
is "$code" 200 "exploitable is 200"
like "$(body)" "Exploitable rating (0-9 scale): 1" "exploitable content"
ln -s /etc/passwd "$td/retrace_log"
code=$(http_code GET "/$id/log" -H "X-Task-Password: $pw")
is "$code" 500 "a symlinked log is not followed"
rm "$td/retrace_log"

# A failed task.
code=$(upload "$T/up.tar.xz" application/x-xz-compressed-tar)
id2=$(header_value X-Task-Id)
pw2=$(header_value X-Task-Password)
printf 'gdb failed: killed by the wall-clock timeout\n' >"$T/spool/$id2/retrace_log"
printf 'fail' >"$T/spool/$id2/status"
date +%s >"$T/spool/$id2/finished_time"
code=$(http_code GET "/$id2" -H "X-Task-Password: $pw2")
is "$(header_value X-Task-Status)" FINISHED_FAILURE "failed task is FINISHED_FAILURE"
is "$(body)" "Retrace job failed" "failure message"
code=$(http_code GET "/$id2/log" -H "X-Task-Password: $pw2")
is "$code" 200 "log is 200"
like "$(body)" "wall-clock timeout" "log content"
code=$(http_code GET "/$id2/delete" -H "X-Task-Password: $pw")
is "$code" 403 "delete with another task's password is 403"
code=$(http_code GET "/$id2/delete" -H "X-Task-Password: $pw2")
is "$code" 200 "delete is 200"
test ! -e "$T/spool/$id2"
ok $? "deleted task directory is gone"
code=$(http_code GET "/$id2" -H "X-Task-Password: $pw2")
is "$code" 404 "deleted task is 404"

code=$(curl -s -I -o /dev/null -w '%{http_code}' "$(URL /settings)")
is "$code" 200 "HEAD /settings"

stop_httpd
ok $? "server stops cleanly on SIGTERM"
grep -q "GET /$id: 403 Invalid password" "$T/log/retrace-httpd.log"
ok $? "refusals are logged with the request and the reason"
done_testing
