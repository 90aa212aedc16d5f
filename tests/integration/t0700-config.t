#!/bin/sh
# Configuration errors stop every program with FILE:LINE and a reason.
. "$(dirname "$0")/../lib/common.sh"

refuse() { # refuse NAME EXPECTED-MESSAGE EXTRA-CONFIG
	write_config "$3"
	"$BIN/retrace-httpd" -c "$T/conf" >"$T/out" 2>&1
	is "$?" 1 "$1: refuses to start"
	like "$(cat "$T/out")" "$2" "$1: says where and why"
}

refuse "unknown key" "$T/conf:10: unknown key 'MaxParalelTasks'" "MaxParalelTasks = 3"
refuse "bad boolean" "$T/conf:9: RequireHTTPS = 'perhaps'" "RequireHTTPS = perhaps"
refuse "bad number" "$T/conf:10: MaxPackedSize = '10MB'" "MaxPackedSize = 10MB"
refuse "bad section" "$T/conf:11: unknown section '[hookscripts]'" "
[hookscripts]"
refuse "bad listen address" "$T/conf:9: Listen = 'localhost:80'" "Listen = localhost:80"
refuse "no listener" "neither Listen nor TLSListen is set" "Listen ="
refuse "missing policy" "httpd.policy: cannot read" "SeccompPolicyDir = $T/nowhere"
mkdir -p "$T/pol"
printf 'default kill\nallow read writ\n' >"$T/pol/httpd.policy"
refuse "policy with an unknown syscall" "httpd.policy:2: unknown syscall 'writ'" "SeccompPolicyDir = $T/pol"
# The worker compiles its policies when it starts: a bad one stops it there.
mkdir -p "$T/wpol" "$T/repo" "$T/spool"
cp "$RETRACE_SRC"/policy/seccomp/*.policy "$T/wpol/"
printf 'default kill\nallow read writ\n' >"$T/wpol/crash.policy"
chmod -R a+rwX "$T/wpol" "$T/repo" "$T/spool"
write_config "SeccompPolicyDir = $T/wpol"
"$BIN/retrace-worker" -c "$T/conf" --once 1 >"$T/out" 2>&1
is "$?" 1 "worker with a bad crash.policy: refuses to start"
like "$(cat "$T/out")" "SeccompPolicyDir: $T/wpol/crash.policy:2: unknown syscall 'writ'" \
	"worker with a bad crash.policy: says which policy, where and why"
"$BIN/retrace-httpd" -c "$T/does-not-exist.conf" >"$T/out" 2>&1
is "$?" 1 "missing configuration file: refuses to start"
like "$(cat "$T/out")" "does-not-exist.conf: cannot open" "missing configuration file: says so"

# an original server's configuration with its task manager on starts it, with a warning
write_config "AllowTaskManager = 1"
start_httpd
ok $? "AllowTaskManager = 1 (an original server's file): the server starts"
like "$(cat "$T/httpd.out")" "AllowTaskManager = 1: /manager shows, starts and deletes managed tasks without authentication" \
	"... and warns that the task manager is public"
is "$(http_code GET /manager)" 200 "... which it serves (t1240)"
stop_httpd

write_config "AuthGroup = retrace"
start_httpd
ok $? "a key of the original server that has no effect is accepted"
grep -q "key 'AuthGroup' of the original server has no effect here" "$T/httpd.out"
ok $? "with a warning"
stop_httpd

# every key of the original server's shipped retrace-server.conf (its keys,
# values of ours): the file loads, each key it does not implement warned about by name
orig="AuthGroup = retrace
AllowAPIDelete = 0
AllowInteractive = 0
AllowExternalDir = 0
AllowTaskManager = 0
TaskManagerAuthDelete = 0
TaskManagerDeleteUsers =
RequireGPGCheck = 0
MaxParallelTasks = 5
MaxPackedSize = 50
MaxUnpackedSize = 1024
DeleteTaskAfter = 0
ArchiveTaskAfter = 0
DBFile = stats.db
DropDir = /srv/retrace/archive
UseWorkDir = 0
WorkDir = /tmp/retrace-server
UseCreaterepoUpdate = False
KeepRawhideLatest = 3
KernelChrootRepo = http://mirror.example/\$ARCH/os/
KojiRoot = /mnt/koji
UseFTPTasks = 0
FTPSSL = 0
FTPHost = ftp.example.com
FTPUser = user
FTPPass = password
FTPDir = /
FTPBufferSize = 16
WgetKernelDebuginfos = 0
KernelDebuginfoURL = http://koji.example/\$VERSION/
VmcoreDumpLevel = 0
UseFafPackages = 0
FafLinkDir = /var/spool/faf/retrace-tmp
EmailNotify = 0
EmailNotifyFrom = retrace@localhost
AllowVMCoreTask = 1
AllowUsrCoreTask = 1
CalculateMd5 = 0
VmcoreRunKmem = 0
ProcessCommunicateTimeout = 3600"
write_config "$orig"
start_httpd
ok $? "the original server's configuration file, every key of it, loads"
for k in AuthGroup UseWorkDir KojiRoot FTPBufferSize EmailNotifyFrom UseFafPackages; do
	grep -q "key '$k' of the original server has no effect here" "$T/httpd.out"
	ok $? "... $k: a warning naming it"
done
grep -q "key 'FTPHost' of the original server has no effect here" "$T/httpd.out"
ok $((!$?)) "... FTPHost is one of ours now (FTP tasks): no warning"
stop_httpd

check "retrace-policy check accepts the shipped policies" "$BIN/retrace-policy" check "$RETRACE_SRC"/policy/seccomp/*.policy
"$BIN/retrace-policy" check "$T/pol/httpd.policy" >"$T/out" 2>&1
is "$?" 1 "retrace-policy check refuses a bad policy"
like "$(cat "$T/out")" "unknown syscall 'writ'" "and names the syscall"
done_testing
