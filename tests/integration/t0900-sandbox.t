#!/bin/bash
# The sandbox gdb runs in (retrace-sandbox, policy/seccomp/gdb.policy):
# the hostile programs of tests/hostile/ each try one way out and fail;
# again without seccomp (the other layers hold alone); gdb prints a real
# backtrace inside, and its fallbacks (memfd, /tmp) work.
. "$(dirname "$0")/../lib/common.sh"

SB=$BIN/retrace-sandbox
GDBPOL=$RETRACE_SRC/policy/seccomp/gdb.policy
R=$T/root
mkdir -p "$R/proc" "$R/dev" "$R/tmp" "$R/bin"
built=0
for src in "$RETRACE_SRC"/tests/hostile/[0-9]*.c; do
	gcc -static -O1 -w -I"$RETRACE_SRC/tests/hostile" -o "$R/bin/$(basename "$src" .c)" "$src" && built=$((built + 1))
done
gcc -static -O1 -o "$R/bin/fallbacks" "$RETRACE_SRC/tests/fixtures/fallbacks.c" &&
	cp "$R/bin/01-read-host-files" "$R/bin/probe-target"
ok $? "probes built ($built)"
[ "$built" -ge 31 ]
ok $? "at least 30 hostile programs"
mv "$R/bin/32-sleeper" "$R/bin/sleeper"
# 23: a setuid-root copy of itself that must gain nothing
if [ "$(id -u)" = 0 ]; then
	cp "$R/bin/23-setuid" "$R/bin/suid-check" && chmod 4755 "$R/bin/suid-check"
else
	rm -f "$R/bin/23-setuid"
	diag "not root: no setuid-root binary for 23-setuid"
fi
# 24: a bound directory to play tricks on
mkdir -p "$T/crashdir"
echo core >"$T/crashdir/core"
# 25: the host's SysV IPC objects, key 0x52545253
cat >"$T/ipc.c" <<'EOC'
#include <stdio.h>
#include <sys/msg.h>
#include <sys/shm.h>
int main(int argc, char **argv)
{
	int s = shmget(0x52545253, 4096, IPC_CREAT | 0666), q = msgget(0x52545253, IPC_CREAT | 0666);
	if (argc > 1) {
		shmctl(s, IPC_RMID, 0);
		msgctl(q, IPC_RMID, 0);
	}
	return s < 0 || q < 0;
}
EOC
gcc -o "$T/ipc" "$T/ipc.c" && "$T/ipc"
ok $? "the host has a SysV segment and queue with key 0x52545253"
# 30: another sandbox, running
$SB --root "$R" --policy "$GDBPOL" -- /bin/sleeper >/dev/null 2>&1 &
other=$!

# A listener on the host the network probe must not reach.
port=$(random_port)
python3 -c "
import socket, select, sys
t = socket.socket(); t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
t.bind(('127.0.0.1', $port)); t.listen(5)
u = socket.socket(socket.AF_UNIX); u.bind('\0retrace-probe-$$'); u.listen(5)
n = 0
while True:
    r, _, _ = select.select([t, u], [], [], 30)
    if not r: break
    for s in r:
        c, _ = s.accept(); n += 1; open('$T/hits', 'w').write(str(n))
" &
listener=$!
listening() { ss -Hltn "( sport = :$port )" 2>/dev/null | grep -q .; }
eventually 30 listening
ok $? "a listener on the host's 127.0.0.1:$port for the network probe"
sleep 600 &
survivor=$!
# A capture on the host's loopback: no packet of the probes may show up.
capture= capture_far=
FAR=198.51.100.7
if command -v tcpdump >/dev/null && [ "$(id -u)" = 0 ]; then
	tcpdump -i lo -n -U --immediate-mode -w "$T/capture.pcap" "tcp port $port or (udp and host 127.0.0.2)" \
		>/dev/null 2>"$T/tcpdump.err" &
	capture=$!
	# and one on every interface for an address outside this machine
	# (TEST-NET-2), when the host has a route to it
	if ip route get "$FAR" >/dev/null 2>&1; then
		tcpdump -i any -n -U --immediate-mode -w "$T/far.pcap" "udp and host $FAR" \
			>/dev/null 2>"$T/tcpdump-far.err" &
		capture_far=$!
	fi
	# tcpdump says so once it captures (on a loaded machine, not at once)
	ready() { grep -q "listening on" "$T/tcpdump.err" &&
		{ [ -z "$capture_far" ] || grep -q "listening on" "$T/tcpdump-far.err"; }; }
	eventually 30 ready
	ok $? "the captures are running"
fi


LIMITS="--memory 268435456 --procs 32 --tmp 16777216 --timeout 10"
run_probe() { # run_probe MODE NAME ARGS...: prints the exit status
	mode=$1
	name=$2
	shift 2
	if [ "$mode" = prepared ]; then
		$SB --prepared --root "$R" --policy "$GDBPOL" $LIMITS --ro-bind "$T/crashdir" /tmp/crash \
			-- "/bin/$name" "$@" >"$T/$name.$mode" 2>&1
	elif [ "$mode" = seccomp ]; then
		$SB --root "$R" --policy "$GDBPOL" $LIMITS --ro-bind "$T/crashdir" /tmp/crash \
			-- "/bin/$name" "$@" >"$T/$name.$mode" 2>&1
	else
		$SB --root "$R" --no-seccomp $LIMITS --ro-bind "$T/crashdir" /tmp/crash \
			-- "/bin/$name" "$@" >"$T/$name.$mode" 2>&1
	fi
	echo $?
}

args_for() {
	case $1 in
	11-network) echo "$port retrace-probe-$$ $FAR" ;;
	15-memory-hog | 33-memory-group) echo 256 ;;
	35-memfd-hoard) echo 16 ;;
	16-disk-filler) echo 16 ;;
	esac
}

# 33 (memory held by many processes, each under RLIMIT_AS) only a memory
# cgroup stops; without one (not root, no delegated subtree) it is skipped.
"$SB" -v --root "$R" --no-seccomp $LIMITS -- /bin/probe-target >/dev/null 2>"$T/limits.err"
if grep -q "cgroup v[12] memory" "$T/limits.err"; then
	memcg=yes
else
	memcg=
	diag "no memory cgroup here ($(grep enforced "$T/limits.err" | head -c 100)): 33-memory-group skipped"
fi
# oom_killed OUTPUT: the sandbox reported the run's memory group killing it.
# A memory hog under RLIMIT_AS N in a memory group of N is stopped by one or
# the other: the group also holds the sandbox's init, page tables and the
# page cache the run charged, so on a busy machine (reclaim lagging) the
# group's OOM killer can come first. Either way it is contained.
oom_killed() { grep -q "limits hit: the memory limit: [1-9][0-9]* process(es) killed" "$1"; }
skip_probe() { # skip_probe NAME: true when NAME cannot be contained here
	[ "$1" = 33-memory-group ] && [ -z "$memcg" ]
}

# Twice: as retrace-sandbox makes a sandbox, and the worker's way (the
# namespaces made ahead by sandbox_prepare(), the run's options sent later).
for mode in seccomp prepared; do
	for bin in "$R"/bin/[0-9]*; do
		name=$(basename "$bin")
		[ "$name" = 18-timeout ] && continue
		skip_probe "$name" && continue
		rc=$(run_probe $mode "$name" $(args_for "$name"))
		how=${mode/seccomp/}
		case $name:$rc in
		31-crash-inside:139) ok 0 "$name${how:+ ($how)}: died of its SIGSEGV" ;;
		*:0) ok 0 "$name${how:+ ($how)}: contained" ;;
		15-memory-hog:137)
			oom_killed "$T/$name.$mode"
			ok $? "$name${how:+ ($how)}: killed by the memory cgroup, which the sandbox reported"
			;;
		*:159) ok 0 "$name${how:+ ($how)}: killed by the seccomp filter" ;;
		*)
			ok 1 "$name${how:+ ($how)}: contained (exit $rc)"
			sed 's/^/#   /' "$T/$name.$mode"
			;;
		esac
	done
done

# prlimit64 on the sandbox's pid 1: the filter kills it there, after the
# program's own limits were read and changed (pid 0) without harm
for mode in seccomp prepared; do
	out=$(cat "$T/34-prlimit-others.$mode")
	like "$out" "contained: prlimit64 of the program itself works (pid 0)" \
		"34-prlimit-others ($mode): prlimit64 of the caller itself is allowed"
	like "$out" "trying prlimit64 on pid 1" "... and the one on pid 1 was tried"
	unlike "$out" "ESCAPED" "... and did not get through"
done

# Each layer on its own: without seccomp, namespaces, mounts, capabilities
# and limits must still hold. (22-kernel-surface, 34-prlimit-others and
# 35-memfd-hoard are for seccomp alone: io_uring, for one, is allowed to an
# unprivileged process by the kernel, lowering a limit of a process of the
# same user needs no privilege, and memfd pages are outside RLIMIT_AS -
# only a memory cgroup would count them, which an unprivileged worker does
# not get.)
for bin in "$R"/bin/[0-9]*; do
	name=$(basename "$bin")
	case $name in 18-timeout | 22-kernel-surface | 34-prlimit-others | 35-memfd-hoard) continue ;; esac
	skip_probe "$name" && continue
	rc=$(run_probe none "$name" $(args_for "$name"))
	if [ "$rc" = 0 ] || [ "$name:$rc" = 31-crash-inside:139 ]; then
		ok 0 "$name without seccomp: contained"
	elif [ "$name:$rc" = 15-memory-hog:137 ] && oom_killed "$T/$name.none"; then
		ok 0 "$name without seccomp: killed by the memory cgroup, which the sandbox reported"
	else
		ok 1 "$name without seccomp: contained (exit $rc)"
		sed 's/^/#   /' "$T/$name.none"
	fi
done

# And seccomp on its own: the host's file system in view (/etc, /usr, /var,
# /root, /home read-only), so only the filter stands between the probes and
# the syscalls they try. (The probes of files and devices are for the
# other layers.)
P=$T/permissive
mkdir -p "$P/proc" "$P/dev" "$P/tmp" "$P/usr" "$P/etc" "$P/var" "$P/root" "$P/home"
for l in bin lib lib32 lib64 sbin; do [ -e "/$l" ] && ln -s "usr/$l" "$P/$l"; done
for name in 03-ptrace 04-mount 05-namespaces 07-tiocsti 10-raw-sockets 20-i386-abi \
	22-kernel-surface 27-inotify 29-x32-abi; do
	$SB --root "$P" --policy "$GDBPOL" $LIMITS --ro-bind /usr /usr --ro-bind /etc /etc \
		--ro-bind /var /var --ro-bind /root /root --ro-bind /home /home \
		--ro-bind "$R/bin" /tmp/probes -- "/tmp/probes/$name" >"$T/$name.permissive" 2>&1
	rc=$?
	if [ $rc = 0 ] || [ $rc = 159 ]; then
		ok 0 "$name with the host's file system in view: contained by seccomp (exit $rc)"
	else
		ok 1 "$name with the host's file system in view: contained (exit $rc)"
		sed 's/^/#   /' "$T/$name.permissive"
	fi
done

start=$(date +%s)
$SB --root "$R" --no-seccomp --timeout 2 -- /bin/18-timeout >/dev/null 2>&1
is "$?" 124 "a program that ignores SIGTERM and forks is killed at the timeout"
ok $(($(date +%s) - start > 4)) "promptly"
kill -0 "$survivor" 2>/dev/null
ok $? "a host process of the same user survives kill(-1) inside"
is "$(cat "$T/hits" 2>/dev/null || echo 0)" 0 "the host's listeners saw no connection"
if [ -n "$capture" ]; then
	# The control: one packet from the host itself, which the capture must see.
	printf control >/dev/udp/127.0.0.2/53
	control_seen() { tcpdump -n -r "$T/capture.pcap" 2>/dev/null | grep -q ' > 127\.0\.0\.2\.53:'; }
	eventually 30 control_seen
	kill "$capture"
	wait "$capture" 2>/dev/null
	is "$(tcpdump -n -r "$T/capture.pcap" 2>/dev/null | wc -l)" 1 \
		"a capture on the host's loopback saw only the host's own control packet, none of the probes"
	if [ -n "$capture_far" ]; then
		printf control >/dev/udp/$FAR/9
		far_seen() { tcpdump -n -r "$T/far.pcap" 2>/dev/null | grep -qF " > $FAR.9:"; }
		eventually 30 far_seen
		kill "$capture_far"
		wait "$capture_far" 2>/dev/null
		is "$(tcpdump -n -r "$T/far.pcap" 2>/dev/null | wc -l)" 1 \
			"a capture on every interface saw only the host's own packet to $FAR, none of the probes'"
	else
		diag "no route to $FAR here: no capture for an outside address"
	fi
else
	diag "tcpdump is not installed (or not root): no capture"
fi
kill "$survivor" "$listener" 2>/dev/null
is "$(find "$R" "$T/crashdir" -name 'core*' -newer "$T/ipc.c" | wc -l)" 0 "the crash inside left no core anywhere"
"$T/ipc" remove
kill "$other" 2>/dev/null
wait "$other" 2>/dev/null

# The policy is compiled while the sandbox is being set up: one that does
# not compile stops the run before the program exists, with the reason.
printf 'default kill\nallow read write\nallow no_such_syscall\n' >"$T/bad.policy"
$SB --root "$R" --policy "$T/bad.policy" -- /bin/01-read-host-files >"$T/out" 2>"$T/err"
is "$?" 125 "a policy that does not compile: exit 125"
like "$(cat "$T/err")" "bad.policy:3: unknown syscall 'no_such_syscall'" "with the file, line and reason"
is "$(wc -c <"$T/out")" 0 "and the program never ran"
$SB --prepared --root "$R" --policy "$T/bad.policy" -- /bin/01-read-host-files >"$T/out" 2>"$T/err"
is "$?" 125 "the same in a prepared sandbox: exit 125"
like "$(cat "$T/err")" "bad.policy:3: unknown syscall 'no_such_syscall'" "with the file, line and reason"
is "$(wc -c <"$T/out")" 0 "and the program never ran"
for how in "" --prepared; do
	$SB $how --root "$R" --no-seccomp -- /bin/no-such-program >"$T/out" 2>"$T/err"
	is "$?" 125 "a${how:+ prepared} sandbox whose program cannot start: exit 125"
	like "$(cat "$T/err")" "sandbox setup failed: execve /bin/no-such-program: No such file" "and why"
done

# Output is passed on up to the limit.
$SB --root "$R" --policy "$GDBPOL" --max-output 100 -- /bin/01-read-host-files >"$T/out" 2>"$T/err"
is "$(wc -c <"$T/out")" 100 "output cut at --max-output"
like "$(cat "$T/err")" "output cut at 100 bytes" "and the cut is reported"

# Without root: the worker runs as an ordinary user, and so must the sandbox.
if [ "$(id -u)" = 0 ]; then
	cp "$SB" "$GDBPOL" "$T/" && chmod a+rx "$T/retrace-sandbox" && chmod a+r "$T/gdb.policy"
	for name in 01-read-host-files 04-mount 06-capabilities 12-leaked-fds 35-memfd-hoard; do
		setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$T/retrace-sandbox" --root "$R" \
			--policy "$T/gdb.policy" $LIMITS -- "/bin/$name" $(args_for $name) >"$T/nobody.out" 2>&1
		rc=$?
		if [ $rc = 0 ] || [ $rc = 159 ]; then
			ok 0 "$name, sandbox started by nobody: contained"
			[ $name = 35-memfd-hoard ] && like "$(cat "$T/nobody.out")" "held 0 MiB in memfds" \
				"... no memfd for the unprivileged sandbox, which has no memory cgroup"
		else
			ok 1 "$name, sandbox started by nobody: contained (exit $rc)"
			sed 's/^/#   /' "$T/nobody.out"
		fi
	done
fi

# gdb's fallback under the gdb policy: no memfd (ENOSYS), /tmp works.
out=$($SB --root "$R" --policy "$GDBPOL" -- /bin/fallbacks 2>&1)
is "$?" 0 "memfd_create is ENOSYS and a /tmp file works under the gdb policy"
is "$out" "memfd_create: ENOSYS; /tmp works" "... as the program says"

# gdb itself: a real core, a real backtrace with symbols, inside the sandbox.
if command -v gdb >/dev/null; then
	G=$T/gdbroot
	mkdir -p "$G/proc" "$G/dev" "$G/tmp" "$G/usr" "$G/etc" "$T/crash"
	for l in bin lib lib32 lib64 sbin; do [ -e "/$l" ] && ln -s "usr/$l" "$G/$l"; done
	touch "$G/etc/ld.so.cache"
	gcc -g -O0 -o "$T/crash/crasher" "$RETRACE_SRC/tests/fixtures/crasher.c"
	gdb -q -batch -ex run -ex "gcore $T/crash/core" "$T/crash/crasher" >/dev/null 2>&1
	$SB --root "$G" --policy "$GDBPOL" --ro-bind /usr /usr --ro-bind /etc/ld.so.cache /etc/ld.so.cache \
		--ro-bind "$T/crash" /tmp/crash -- /usr/bin/gdb -nx -batch -iex 'set auto-load off' \
		-iex 'set debuginfod enabled off' -ex 'thread apply all -ascending backtrace full' \
		-ex 'info sharedlib' -ex 'info registers' -ex 'disassemble' \
		/tmp/crash/crasher /tmp/crash/core >"$T/bt" 2>&1
	is "$?" 0 "gdb runs to the end under the gdb policy"
	like "$(cat "$T/bt")" "in count_retries (c=0x0) at" "backtrace frame #0 with arguments"
	like "$(cat "$T/bt")" "in main (argc=1" "backtrace frame #1"
	like "$(cat "$T/bt")" "libc.so.6" "info sharedlib"
	like "$(cat "$T/bt")" "=> 0x" "disassemble marks the faulting instruction"
else
	diag "gdb is not installed"
fi
# The program starts inside the sandbox's cgroups when the host has them
# (the supervisor moves pid 1 while it mounts; pid 1 forks the program after)
mkdir -p "$T/cgroot/proc" "$T/cgroot/dev" "$T/cgroot/tmp" "$T/cgroot/usr"
for l in bin lib lib64; do ln -sf "usr/$l" "$T/cgroot/$l"; done
"$SB" -v --root "$T/cgroot" --no-seccomp --ro-bind /usr /usr -- /usr/bin/cat /proc/self/cgroup >"$T/cg.out" 2>"$T/cg.err"
if grep -q "cgroup v1 memory" "$T/cg.err"; then
	grep -q "^[0-9]*:memory:.*/retrace-sandbox\.[0-9]*\.[0-9]*\.[0-9]*$" "$T/cg.out" &&
		grep -q "^[0-9]*:pids:.*/retrace-sandbox\.[0-9]*\.[0-9]*\.[0-9]*$" "$T/cg.out"
	ok $? "the program runs in the sandbox's memory and pids cgroups (named by pid namespace, pid, run)"
	# Another pid namespace's run (a second host made of namespaces on this
	# machine, a container) has made its group and not joined it yet: an
	# empty group whose pid does not exist here. Our start-up sweep of
	# groups left by killed runs must leave it alone; one of ours whose pid
	# is gone goes.
	cgdir=$(sed -n 's/.*cgroup v1: memory.* under \(\/[^ ]*\) .*/\1/p' "$T/cg.err" | head -n 1)
	ns=$(stat -L -c %i /proc/self/ns/pid)
	foreign=$cgdir/retrace-sandbox.$((ns + 1)).4000000.0
	ours=$cgdir/retrace-sandbox.$ns.4000000.0
	mkdir "$foreign" "$ours"
	"$SB" --root "$T/cgroot" --no-seccomp --ro-bind /usr /usr -- /usr/bin/true 2>/dev/null
	ok $([ -d "$foreign" ]; echo $?) "another pid namespace's fresh, empty group is not swept as stale"
	ok $([ ! -d "$ours" ]; echo $?) "... one of our namespace whose pid is gone is"
	rmdir "$foreign" "$ours" 2>/dev/null
	# what was hit is reported: the fork bomb's refused forks, the group's OOM kill
	"$SB" -v --root "$R" --no-seccomp $LIMITS -- /bin/14-fork-bomb >/dev/null 2>"$T/hit.err"
	like_re "$(cat "$T/hit.err")" "limits hit: the process limit: [1-9][0-9]* fork\(s\) refused" \
		"the fork bomb's refused forks are reported"
	"$SB" -v --root "$R" --no-seccomp $LIMITS -- /bin/33-memory-group 256 >/dev/null 2>"$T/hit.err"
	like_re "$(cat "$T/hit.err")" "limits hit: the memory limit: [1-9][0-9]* process\(es\) killed" \
		"the memory cgroup's OOM kills are reported"
	"$SB" -v --root "$R" --no-seccomp $LIMITS -- /bin/probe-target >/dev/null 2>"$T/hit.err"
	unlike "$(cat "$T/hit.err")" "limits hit" "a run that hits no limit reports none"
else
	diag "no cgroup here ($(head -c 80 "$T/cg.err")): membership not checked"
fi
done_testing
