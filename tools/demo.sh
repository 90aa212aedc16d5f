#!/bin/sh
# make demo: start retrace-httpd on 127.0.0.1 with a spool under build/demo,
# make a real crash (a small program killed by SIGSEGV, its core taken by
# gdb at the crash), pack it like abrt-retrace-client does, upload it with
# curl and follow the task. DEMO_KEEP=1 leaves the server running.
set -eu
cd "$(dirname "$0")/.."
B=${RETRACE_BUILD:-$PWD/build}
D=$PWD/build/demo
PORT=${DEMO_PORT:-8080}

if [ -f "$D/httpd.pid" ] && kill "$(cat "$D/httpd.pid")" 2>/dev/null; then
	sleep 0.3
fi
rm -rf "$D"
mkdir -p "$D/spool" "$D/log" "$D/crash"
chmod 755 "$D" build
if [ "$(id -u)" = 0 ]; then
	# As in production: root starts it; it reads its configuration, binds,
	# confines itself and switches to RunAsUser, who owns the spool.
	chown nobody:nogroup "$D/spool" "$D/log"
fi
while ss -Htln "sport = :$PORT" 2>/dev/null | grep -q .; do PORT=$((PORT + 1)); done

cat >"$D/retrace-server.conf" <<EOC
[retrace]
Listen = 127.0.0.1:$PORT
RequireHTTPS = 0
SaveDir = $D/spool
LogDir = $D/log
RepoDir = $D/repo
MinStorageLeft = 100
RunAsUser = nobody
SeccompPolicyDir = $PWD/policy/seccomp
EOC

echo "== starting retrace-httpd on http://127.0.0.1:$PORT (spool $D/spool)"
"$B/bin/retrace-httpd" -c "$D/retrace-server.conf" >"$D/httpd.out" 2>&1 &
echo $! >"$D/httpd.pid"
i=0
until curl -s -o /dev/null "http://127.0.0.1:$PORT/settings"; do
	i=$((i + 1))
	if [ $i -gt 50 ]; then
		cat "$D/httpd.out"
		exit 1
	fi
	sleep 0.1
done

echo "== a real crash: a program dereferencing NULL, its core taken at the fault"
gcc -g -O0 -o "$D/crasher" tests/fixtures/crasher.c
gdb -q -batch -ex run -ex "gcore $D/crash/coredump" "$D/crasher" >"$D/gdb.out" 2>&1 || true
if [ ! -s "$D/crash/coredump" ]; then
	echo "gdb could not write a core:"
	cat "$D/gdb.out"
	exit 1
fi
grep -m1 "SIGSEGV" "$D/gdb.out" || true
printf '%s' "$D/crasher" >"$D/crash/executable"
printf 'demo-crasher-1.0-1.fc39' >"$D/crash/package"
printf 'Fedora release 39 (Thirty Nine)' >"$D/crash/os_release"
ls -l "$D/crash"

echo
echo "== GET /settings"
curl -s "http://127.0.0.1:$PORT/settings"
echo
echo
echo "== POST /create (tar | xz -2, as abrt-retrace-client sends it)"
tar -C "$D/crash" -cf - coredump executable package os_release | xz -2 >"$D/crash.tar.xz"
curl -s -D "$D/create.headers" -o /dev/null \
	-H "Content-Type: application/x-xz-compressed-tar" -H "X-Task-Type: 0" \
	--data-binary "@$D/crash.tar.xz" "http://127.0.0.1:$PORT/create"
tr -d '\r' <"$D/create.headers"
ID=$(tr -d '\r' <"$D/create.headers" | sed -n 's/^X-Task-Id: //p')
PW=$(tr -d '\r' <"$D/create.headers" | sed -n 's/^X-Task-Password: //p')
[ -n "$ID" ] || { echo "no task was created"; cat "$D/httpd.out"; exit 1; }

echo "== GET /$ID (status)"
curl -s -D - -H "X-Task-Password: $PW" "http://127.0.0.1:$PORT/$ID" | tr -d '\r'
echo
echo
echo "== the task in the spool"
ls -l "$D/spool/$ID" "$D/spool/$ID/crash"
echo
echo "== a wrong password"
curl -s -w ' (HTTP %{http_code})\n' -H "X-Task-Password: 0123456789abcdefABCDEF0123456789" \
	"http://127.0.0.1:$PORT/$ID"
echo
echo "== the worker's first step: modules and build-ids from the uploaded core (confined reader)"
"$B/bin/retrace-coredump" --policy "$PWD/policy/seccomp/coredump.policy" "$D/crash/coredump"
"$B/bin/retrace-coredump" --policy "$PWD/policy/seccomp/coredump.policy" --json "$D/crash/coredump" |
	grep -E '^  "(crash|executable)"'
echo
echo "== the server's log"
cat "$D/log/retrace-httpd.log"
echo
echo "The task stays PENDING: the worker that turns it into a backtrace is not built yet."
if [ "${DEMO_KEEP:-0}" = 1 ]; then
	echo "The server keeps running (pid $(cat "$D/httpd.pid")); stop it with: kill $(cat "$D/httpd.pid")"
else
	kill "$(cat "$D/httpd.pid")"
	rm -f "$D/httpd.pid"
	echo "Server stopped (DEMO_KEEP=1 keeps it running)."
fi
