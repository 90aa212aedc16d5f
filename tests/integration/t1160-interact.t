#!/bin/bash
# retrace-interact (design section 8): an interactive coredump task (type
# 3) retraced through HTTP keeps its environment; retrace-interact rebuilds
# it - the same packages from the same release through the rootfs cache,
# the same sandbox - and runs gdb with the core and debuginfo loaded (ARGS
# after --, or commands on stdin) or a shell; printdir, set-success,
# set-fail and delete as the original's. Only root and AdminGroup may use
# it; a session has no time limit; a tree the cache collected is made again.
. "$(dirname "$0")/../lib/common.sh"

need rpmbuild createrepo_c rpm2archive gdb unshare setpriv

. "$RETRACE_SRC/tests/lib/worker.sh"

release_repo full
worker_config "AllowInteractive = 1
ProcessCommunicateTimeout = 3"
publish
start_httpd || exit 1
start_worker
rtprog_segv
RI="$BIN/retrace-interact -c $T/conf"

send "$T/segv.d" 3
ok $? "an interactive task (3) uploaded"
is "$(wait_done "$ID" "$PW" 120)" FINISHED_SUCCESS "... and retraced"
I3=$ID PW3=$PW

# gdb with the arguments after --
$RI "$I3" gdb -- -batch -ex bt >"$T/bt.out" 2>"$T/bt.err"
is $? 0 "retrace-interact ID gdb -- -batch -ex bt: exit status 0"
like "$(cat "$T/bt.out")" "#0  rtlib_store (where=where@entry=0x0, value=99) at rtlib.c:13" \
	"... prints the kept task's backtrace, with the library's debuginfo"
like "$(cat "$T/bt.out")" "in main (" "... down to main"
# commands on stdin (a pipe into the sandbox, the terminal stays outside)
printf 'frame 0\nlist\nbt full\n' | $RI "$I3" gdb >"$T/stdin.out" 2>&1
like "$(cat "$T/stdin.out")" "13		*where = value;" "gdb reads its commands from stdin: the source line (debugsource)"
like "$(cat "$T/stdin.out")" "local = 2" "... and the locals"

# a shell in the same root: the crash's packages at /sysroot, the core at /core, read-only
out=$($RI "$I3" shell -- -c 'ls /sysroot/usr/bin /sysroot/usr/lib64; test -r /core && echo core-readable;
	touch /sysroot/x 2>&1; cat /etc/shadow 2>&1; echo "uid $(id -u)"' 2>"$T/shell.err")
like "$out" "rtprog" "shell: the crash's executable is under /sysroot"
like "$out" "librtlib.so.1" "shell: ... and its library"
like "$out" "core-readable" "shell: the core is at /core"
like "$out" "Read-only file system" "shell: the root is read-only"
like "$out" "No such file" "shell: the host's /etc/shadow is not there"
unlike "$out" "uid 0" "shell: not root inside"
like "$(cat "$T/shell.err")" "the crash's root is /sysroot" "shell: says where things are"
# no ProcessCommunicateTimeout (3 s here) for a session
is "$($RI "$I3" shell -- -c 'sleep 4; echo still-here' 2>/dev/null)" still-here \
	"a session outlives ProcessCommunicateTimeout"
is "$($RI "$I3" shell -- -c 'exit 7' 2>/dev/null; echo $?)" 7 "the session's exit status is the tool's"

# the cache collected the trees since: made again from the repository
rm -rf "$T/cache/trees/"*
$RI -v "$I3" gdb -- -batch -ex bt >"$T/bt2.out" 2>"$T/bt2.err"
like "$(cat "$T/bt2.out")" "#0  rtlib_store (where=where@entry=0x0, value=99) at rtlib.c:13" \
	"with the cache emptied, the trees are extracted again and gdb still prints it"
like "$(cat "$T/bt2.err")" "extracted" "... -v shows the extraction"

is "$($RI "$I3" printdir)" "$T/spool/$I3" "printdir: the task's directory"
$RI "$I3" set-fail >/dev/null
is "$(status_of "$I3" "$PW3")" FINISHED_FAILURE "set-fail: FINISHED_FAILURE over HTTP"
$RI "$I3" set-success >/dev/null
is "$(status_of "$I3" "$PW3")" FINISHED_SUCCESS "set-success: FINISHED_SUCCESS again"

# who may use it: root and AdminGroup only
out=$(setpriv --reuid nobody --regid nogroup --clear-groups "$BIN/retrace-interact" -c "$T/conf" "$I3" printdir 2>&1)
rc=$?
ok $((rc != 1 ? 1 : 0)) "another user: exit status 1"
like "$out" "only root and members of group 'retrace' (AdminGroup) may use it" "... and why"
sed 's/^AdminGroup = .*//' "$T/conf" >"$T/conf.admin"
printf 'AdminGroup = nogroup\nRequireMemoryCgroup = 0\n' >>"$T/conf.admin"
out=$(setpriv --reuid nobody --regid nogroup --clear-groups "$BIN/retrace-interact" -c "$T/conf.admin" "$I3" gdb -- -batch -ex bt 2>&1)
like "$out" "#0  rtlib_store (" "a member of AdminGroup (not root) gets the same session"

# what it refuses
send "$T/segv.d" 0
is "$(wait_done "$ID" "$PW" 120)" FINISHED_SUCCESS "a normal task (0) retraced"
out=$($RI "$ID" gdb 2>&1)
like "$out" "gdb and shell need a debug (1) or interactive coredump task (3)" "gdb on a normal task: refused, saying why"
out=$($RI "$ID" crash 2>&1)
like "$out" "crash needs an interactive kernel task (type 4)" "crash on a coredump task: refused"
out=$($RI 999999999 gdb 2>&1)
like "$out" "no task 999999999" "an unknown task"
$RI "$I3" frobnicate >/dev/null 2>&1
is $? 2 "an unknown action: usage, exit status 2"

$RI "$I3" delete >/dev/null
is "$(http_code GET "/$I3" -H "X-Task-Password: $PW3")" 404 "delete: the task is gone"
done_testing
