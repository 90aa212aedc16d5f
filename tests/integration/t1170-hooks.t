#!/bin/bash
# Hooks: the administrator's programs in HookDir/<hook>/, run by the worker
# at the original server's hook points, in name order, as the worker's user,
# with the hook, the task id and directory (argv and environment), their
# exit status and output in the task's log, killed with their process group
# after HookTimeout; they never change the task's outcome. Deleting a task
# (retrace-task, retrace-cleanup) runs pre_remove_task and post_remove_task.
. "$(dirname "$0")/../lib/common.sh"

need rpmbuild createrepo_c rpm2archive gdb unshare

. "$RETRACE_SRC/tests/lib/worker.sh"

release_repo full
H=$T/hooks
mkdir -p "$T/hooklog"
chmod 777 "$T/hooklog"
HOOKS="pre_start start pre_prepare_debuginfo post_prepare_debuginfo pre_prepare_mock post_prepare_mock
pre_retrace post_retrace success fail pre_clean_task post_clean_task pre_remove_task post_remove_task"
for h in $HOOKS; do
	mkdir -p "$H/$h"
	cat >"$H/$h/20-record" <<'EOS'
#!/bin/sh
echo "$RETRACE_HOOK $1 $2 $3 $RETRACE_TASK_ID $RETRACE_TASK_DIR $(id -u) $(pwd)" >>"${0%/*}/../../hooklog/calls"
echo "recorded $1"
EOS
	chmod 755 "$H/$h/20-record"
done
# a failing one (runs first: name order), a file that is not executable, a sleeper
printf '#!/bin/sh\necho "about to fail" >&2\nexit 3\n' >"$H/start/10-fails"
chmod 755 "$H/start/10-fails"
printf '#!/bin/sh\necho never >>"%s/hooklog/never"\n' "$T" >"$H/start/30-not-executable"
printf '#!/bin/sh\n(sleep 30; echo orphan >>"%s/hooklog/orphan") &\nsleep 30\n' "$T" >"$H/pre_retrace/30-sleeps"
chmod 755 "$H/pre_retrace/30-sleeps"
chmod -R go+rX "$H"

worker_config "HookDir = $H
HookTimeout = 2"
publish
start_httpd || exit 1
start_worker
rtprog_segv

send "$T/segv.d"
ok $? "a task uploaded"
is "$(wait_done "$ID" "$PW" 120)" FINISHED_SUCCESS "the task succeeds: hooks (one failing, one killed) do not change it"
log=$(get "$ID" "$PW" log)
eventually 10 test -s "$T/hooklog/calls"
calls=$(grep " $ID " "$T/hooklog/calls" | cut -d' ' -f1 | tr '\n' ' ')
is "$calls" "pre_start start pre_prepare_debuginfo post_prepare_debuginfo pre_prepare_mock post_prepare_mock pre_retrace post_retrace success pre_clean_task post_clean_task " \
	"the hooks ran at their points, in order"
line=$(grep "^start " "$T/hooklog/calls" | head -n 1)
is "$line" "start start $ID $T/spool/$ID $ID $T/spool/$ID $(id -u nobody) $H/start" \
	"argv HOOK TASKID TASKDIR, RETRACE_* in the environment, the worker's user, cwd HookDir/HOOK"
like "$log" "hook start 10-fails: exit status 3" "a failing hook: its exit status in the task log"
like "$log" "hook start 10-fails: about to fail" "... and its stderr"
like "$log" "hook start 20-record: recorded start" "a hook's stdout in the task log"
like "$log" "hook pre_retrace 30-sleeps: killed after HookTimeout = 2 s" "a hook past HookTimeout is killed"
test ! -e "$T/hooklog/never"
ok $? "a file that is not executable is not run"
sleep 0.5
pgrep -f "sleep 30" >/dev/null
ok $((! $?)) "what the killed hook started in the background was killed with it"
unlike "$log" "post_clean_task" "post_clean_task runs after the log is written (its lines go to the worker's log)"
like "$(cat "$T/worker.out")" "hook post_clean_task 20-record: recorded post_clean_task" "... there they are"

# a failing task: the fail hook
mkdir -p "$T/bad.d"
cp "$T/segv.d"/{executable,package,os_release} "$T/bad.d/"
head -c 300000 /dev/urandom >"$T/bad.d/coredump"
send "$T/bad.d"
is "$(wait_done "$ID" "$PW" 60)" FINISHED_FAILURE "a task that fails"
like "$(get "$ID" "$PW" log)" "hook fail 20-record: recorded fail" "... runs the fail hook"

# deleting a task
$BIN/retrace-task -c "$T/conf" delete "$ID" >"$T/del.out" 2>&1
like "$(cat "$T/del.out")" "hook pre_remove_task 20-record: recorded pre_remove_task" "retrace-task delete: pre_remove_task"
like "$(cat "$T/del.out")" "hook post_remove_task 20-record: recorded post_remove_task" "... and post_remove_task"
done_testing
