#!/bin/bash
# FTP tasks (design 9.2; UseFTPTasks with AllowTaskManager): the worker
# lists FTPDir on FTPHost (with FTPUser/FTPPass) into the spool at start-up
# and every RescanInterval, in a child of its own; /manager shows the files
# (names a URL and a page take as they are; others are left out, and the
# worker says how many); "Start task" (a POST) makes a managed kernel task
# whose file the worker downloads like a remote resource and retraces. A
# listing that fails says why on the page; FTPSSL verifies the server's
# certificate.
. "$(dirname "$0")/../lib/common.sh"

V=$SHARED/testdata/vmcores
[ -d "$V" ] || skip_all "no $V"
/usr/bin/python3 -c 'import pyftpdlib, OpenSSL' 2>/dev/null || skip_all "python3-pyftpdlib or python3-openssl is not installed"
DUMP=$V/min-kdump-6.1-l5-kaslr.kdump-c
EXP=$V/min-kdump-6.1-l5-kaslr.elf.dmesg.txt

FTPPIDS=
trap 'kill $WORKER_PID $FTPPIDS 2>/dev/null; wait $WORKER_PID 2>/dev/null; cleanup' EXIT
WORKER_PID=
start_worker() {
	setsid "$BIN/retrace-worker" -c "$T/conf" >>"$T/worker.out" 2>&1 &
	WORKER_PID=$!
}
stop_worker() {
	kill "$WORKER_PID" 2>/dev/null
	wait "$WORKER_PID" 2>/dev/null
	WORKER_PID=
}
# ftp_server NAME [USER PASS [CERT]]: an FTP server over $T/NAME; sets FTPPORT
ftp_server() {
	local d=$1
	shift
	/usr/bin/python3 "$RETRACE_SRC/tests/tools/ftpserve.py" "$T/$d" "$T/$d.port" "$@" 2>"$T/$d.log" &
	FTPPIDS="$FTPPIDS $!"
	eventually 20 test -s "$T/$d.port"
	fixture $? "an FTP server on loopback" "$T/$d.log"
	FTPPORT=$(cat "$T/$d.port")
}

mkdir -p "$T/ftp/tasks" "$T/repo"
[ "$(id -u)" = 0 ] && chown nobody:nogroup "$T/repo"
cp "$DUMP" "$T/ftp/tasks/vmcore-1.kdump"
: >"$T/ftp/tasks/bad name.txt"
: >"$T/ftp/tasks/.hidden"
ftp_server ftp retrace s3cret
write_config "AllowTaskManager = 1
UseFTPTasks = 1
FTPHost = 127.0.0.1:$FTPPORT
FTPUser = retrace
FTPPass = s3cret
FTPDir = /tasks
AllowInteractive = 1
VmcoreDumpLevel = 31
RescanInterval = 2"

# a configuration that cannot work is refused at start
cp "$T/conf" "$T/conf.good"
sed -i '/^FTPHost = /d' "$T/conf"
"$BIN/retrace-worker" -c "$T/conf" >"$T/bad.out" 2>&1
is "$?" 1 "UseFTPTasks = 1 without FTPHost: the worker refuses to start"
like "$(cat "$T/bad.out")" "UseFTPTasks = 1 needs FTPHost" "... saying why"
cp "$T/conf.good" "$T/conf"

start_httpd || exit 1
http_code GET /manager >/dev/null
like "$(body)" "The worker has not listed the FTP directory yet" "before the worker ran: the page says the directory is not listed yet"
start_worker
eventually 30 test -s "$T/spool/.ftp-listing"
ok $? "the worker lists FTPDir into the spool"
is "$(http_code GET /manager)" 200 "GET /manager: 200"
like "$(body)" 'action="/manager/ftp/vmcore-1.kdump/start"' "the FTP file is listed with a Start form"
unlike "$(body)" "bad name" "a name with a space is left out"
unlike "$(body)" ".hidden" "... and a dot file"
like "$(cat "$T/worker.out")" "2 name(s) left out" "the worker says how many it left out"
like "$(body)" "Listed by the worker at 20" "the page says when it was listed"
http_code GET "/manager?filter=nothing-like-this" >/dev/null
unlike "$(body)" "vmcore-1.kdump" "the filter applies to FTP files"

is "$(http_code GET /manager/ftp/vmcore-1.kdump/start)" 405 "GET of an FTP start: 405"
is "$(http_code POST /manager/ftp/vmcore-2.kdump/start)" 404 "a file that is not listed: 404"
like "$(body)" "There is no file 'vmcore-2.kdump' in the FTP directory" "... saying so"
is "$(http_code POST "/manager/ftp/..%2Fpassword/start")" 404 "a name with a path: 404"
is "$(http_code POST /manager/ftp/vmcore-1.kdump/start -H "Sec-Fetch-Site: cross-site")" 403 "another site's form: 403"
before=$(spool_tasks)
is "$(http_code POST /manager/ftp/vmcore-1.kdump/start)" 303 "POST /manager/ftp/NAME/start: 303"
loc=$(header_value Location)
ID=${loc#/manager/}
like_re "$ID" "^[0-9]{9}$" "... to the new task's page"
is "$(spool_tasks)" $((before + 1)) "one task made"
is "$(cat "$T/spool/$ID/type" 2>/dev/null)" 4 "... an interactive kernel task (AllowInteractive)"
is "$(cat "$T/spool/$ID/ftp_file" 2>/dev/null)" vmcore-1.kdump "... naming its FTP file"
ok "$([ -e "$T/spool/$ID/managed" ]; echo $?)" "... managed"
like "$(cat "$T/httpd.out")" "task manager: task $ID created from the FTP file vmcore-1.kdump" "httpd logs it"
eventually 120 test -e "$T/spool/$ID/finished_time"
ok $? "the FTP task finishes"
is "$(cat "$T/spool/$ID/status")" success "... with success"
like "$(cat "$T/spool/$ID/retrace_log")" "ftp: the task manager's file vmcore-1.kdump, from ftp://127.0.0.1:$FTPPORT/tasks/vmcore-1.kdump" \
	"its log says what it fetched from where"
like "$(cat "$T/spool/$ID/retrace_log")" "remote: ftp://127.0.0.1:$FTPPORT/tasks/vmcore-1.kdump: $(stat -c %s "$DUMP") bytes" \
	"... all of it"
cmp -s "$T/spool/$ID/retrace_backtrace" "$EXP"
ok $? "the backtrace is the dump's kernel log, as from an upload"
http_code GET "/manager/$ID" >/dev/null
like "$(body)" '<td id="status" class="success">success</td>' "its page: success"
unlike "$(cat "$T/spool/$ID/retrace_log")" "s3cret" "the password is in no log"
unlike "$(cat "$T/worker.out" "$T/httpd.out")" "s3cret" "... of the worker or httpd"

# a wrong password: the page says what the server answered
stop_worker
sed -i 's/^FTPPass = .*/FTPPass = wrong/' "$T/conf"
rm -f "$T/spool/.ftp-listing"
start_worker
eventually 30 test -s "$T/spool/.ftp-listing"
http_code GET /manager >/dev/null
like "$(body)" "could not list the FTP directory" "a wrong password: the page says the directory could not be listed"
like "$(body)" "Access denied: 530" "... with the server's answer (530)"
is "$(http_code POST /manager/ftp/vmcore-1.kdump/start)" 404 "... and nothing can be started from it"

# FTPSSL: TLS required, the certificate verified (a self-signed one is not trusted)
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/ftps.pem" -out "$T/ftps.crt" -days 2 \
	-subj /CN=127.0.0.1 >/dev/null 2>&1 && cat "$T/ftps.crt" >>"$T/ftps.pem"
fixture $? "a self-signed certificate for the FTPS server"
mkdir -p "$T/ftps/tasks" && cp "$DUMP" "$T/ftps/tasks/vmcore-1.kdump"
ftp_server ftps retrace s3cret "$T/ftps.pem"
stop_worker
sed -i "s/^FTPPass = .*/FTPPass = s3cret/; s/^FTPHost = .*/FTPHost = 127.0.0.1:$FTPPORT/" "$T/conf"
echo "FTPSSL = 1" >>"$T/conf"
rm -f "$T/spool/.ftp-listing"
start_worker
eventually 30 test -s "$T/spool/.ftp-listing"
http_code GET /manager >/dev/null
like "$(body)" "could not list the FTP directory" "FTPSSL = 1, a server whose certificate is not trusted: not listed"
like "$(body)" "certificate" "... the page says it is the certificate"
# the same server without FTPSSL: it requires TLS, so plain FTP is refused too
stop_worker
sed -i '/^FTPSSL = /d' "$T/conf"
rm -f "$T/spool/.ftp-listing"
start_worker
eventually 30 test -s "$T/spool/.ftp-listing"
http_code GET /manager >/dev/null
like "$(body)" "could not list the FTP directory" "plain FTP to a server that requires TLS: not listed either"

stop_worker
stop_httpd
done_testing
