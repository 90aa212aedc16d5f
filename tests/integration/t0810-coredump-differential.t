#!/bin/bash
# retrace-coredump against eu-unstrip on real cores made here and now:
# kernel cores (core_pattern "core") and gdb's gcore, of C, C++,
# multi-threaded, static, non-PIE, dlopen()ing, deleted-file, i386 and
# system programs. Same modules, same build-ids, same addresses.
. "$(dirname "$0")/../lib/common.sh"

command -v eu-unstrip >/dev/null || skip_all "eu-unstrip (elfutils) is not installed"
command -v gdb >/dev/null || skip_all "gdb is not installed"
RC="$BIN/retrace-coredump --policy $RETRACE_SRC/policy/seccomp/coredump.policy"
F=$RETRACE_SRC/tests/fixtures
W=$T/cores
mkdir -p "$W"
cd "$W" || exit 1

kernel_cores=false
pattern=$(cat /proc/sys/kernel/core_pattern 2>/dev/null)
case "$pattern" in
core | core.*) kernel_cores=true ;;
esac
$kernel_cores || diag "core_pattern is '$pattern': kernel cores are made with gdb instead"

gcc -g -O0 -o crasher "$F/crasher.c" &&
	gcc -g -O0 -no-pie -fno-pie -o crasher-nopie "$F/crasher.c" &&
	gcc -g -O0 -static -o crasher-static "$F/crasher.c" &&
	g++ -g -O0 -o crasher-cxx "$F/crasher-cxx.cc" &&
	gcc -g -O0 -pthread -o threads "$F/threads.c" &&
	gcc -g -O0 -shared -fPIC -o plugin.so "$F/plugin.c" &&
	gcc -g -O0 -o dlopen-main "$F/dlopen-main.c" -ldl
ok $? "test programs built"
have_m32=false
if gcc -m32 -g -O0 -o crasher-i386 "$F/crasher.c" 2>/dev/null &&
	gcc -m32 -g -O0 -static -o crasher-i386-static "$F/crasher.c" 2>/dev/null; then
	have_m32=true
else
	diag "gcc -m32 does not work here (gcc-multilib): no i386 cores"
fi

n=0
# kcore NAME CMD...: a kernel core of CMD (which must crash), or gcore at the crash
kcore() {
	name=$1
	shift
	mkdir -p "$W/$name.d"
	if $kernel_cores; then
		# (the braces keep bash's "Segmentation fault (core dumped)" out of the log)
		{ (cd "$W/$name.d" && ulimit -c unlimited && exec "$@") >/dev/null 2>&1; } 2>/dev/null
		mv "$W/$name.d"/core* "$W/$name.core" 2>/dev/null
	else
		gdb -q -batch -ex run -ex "gcore $W/$name.core" --args "$@" >/dev/null 2>&1
	fi
}
# gcore_crash NAME CMD...: gdb runs CMD and takes the core at the crash
gcore_crash() {
	name=$1
	shift
	gdb -q -batch -ex run -ex "gcore $W/$name.core" --args "$@" >/dev/null 2>&1
}
# settled PID: PID sleeps and used no CPU time over the last 0.3 s (it has
# started up: gdb attaching to a process still in its dynamic loader, as a
# fixed sleep allowed on a loaded machine, has crashed gdb)
settled() {
	local a b
	a=$(cut -d' ' -f3,14,15 "/proc/$1/stat" 2>/dev/null) || return 1
	sleep 0.3
	b=$(cut -d' ' -f3,14,15 "/proc/$1/stat" 2>/dev/null) || return 1
	[ "${a%% *}" = S ] && [ "$a" = "$b" ]
}
# gcore_live NAME CMD...: gdb attaches to running CMD and takes its core
gcore_live() {
	name=$1
	shift
	"$@" >/dev/null 2>&1 &
	pid=$!
	eventually 30 settled "$pid" || diag "$name: did not settle within 30 s"
	gdb -q -batch -p "$pid" -ex "gcore $W/$name.core" >/dev/null 2>&1
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
}
# kill_core NAME SIGNAL CMD...: run CMD, kill it with SIGNAL, keep the kernel core
kill_core() {
	name=$1
	sig=$2
	shift 2
	$kernel_cores || { gcore_live "$name" "$@"; return; }
	mkdir -p "$W/$name.d"
	(cd "$W/$name.d" && ulimit -c unlimited && exec "$@") >/dev/null 2>&1 &
	pid=$!
	eventually 30 settled "$pid" || diag "$name: did not settle within 30 s"
	kill -"$sig" "$pid"
	wait "$pid" 2>/dev/null
	mv "$W/$name.d"/core* "$W/$name.core" 2>/dev/null
}

compare() { # compare NAME: modules, build-ids and addresses as eu-unstrip sees them
	name=$1
	f=$W/$name.core
	if [ ! -s "$f" ]; then
		ok 1 "$name: core made"
		return
	fi
	n=$((n + 1))
	# eu-unstrip ends a module where its ELF file on the disk says (not
	# page-aligned) when it finds that file, on the page boundary when it
	# does not; we never open files, and always end on the page boundary.
	eu-unstrip -n --core "$f" 2>/dev/null | while read -r range bid rest; do
		size=$(((${range#*+} + 4095) / 4096 * 4096))
		printf '%s+%#x %s\n' "${range%%+*}" "$size" "$bid"
	done | sort >"$W/$name.eu"
	$RC "$f" >"$W/$name.ours" 2>"$W/$name.err"
	rc=$?
	awk '{print $1, $2}' "$W/$name.ours" | sort >"$W/$name.ours2"
	if [ $rc -eq 0 ] && cmp -s "$W/$name.eu" "$W/$name.ours2" && [ -s "$W/$name.eu" ]; then
		ok 0 "$name: $(wc -l <"$W/$name.eu") modules as eu-unstrip"
	else
		ok 1 "$name: same modules as eu-unstrip"
		diff "$W/$name.eu" "$W/$name.ours2" | sed 's/^/#   /'
		sed 's/^/#   /' "$W/$name.err"
	fi
}

json() { $RC --json "$W/$1.core"; }

kcore c-pie "$W/crasher"
compare c-pie
like "$(json c-pie)" '"signal": 11, "signal_name": "SIGSEGV", "si_code": 1, "fault_address": "0x8"' \
	"c-pie: SIGSEGV at address 0x8 (NULL->retries)"
gcore_crash c-pie-gcore "$W/crasher"
compare c-pie-gcore
kcore c-nopie "$W/crasher-nopie"
compare c-nopie
gcore_crash c-nopie-gcore "$W/crasher-nopie"
compare c-nopie-gcore
kcore c-static "$W/crasher-static"
compare c-static
gcore_crash c-static-gcore "$W/crasher-static"
compare c-static-gcore
kcore cxx "$W/crasher-cxx"
compare cxx
like "$(json cxx)" '"signal_name": "SIGABRT"' "cxx: uncaught exception is SIGABRT"
gcore_crash cxx-gcore "$W/crasher-cxx"
compare cxx-gcore
kcore threads "$W/threads"
compare threads
is "$(json threads | grep -c '"tid":')" 7 "threads: six threads (and the crash record)"
gcore_crash threads-gcore "$W/threads"
compare threads-gcore
kcore dlopen "$W/dlopen-main" "$W/plugin.so"
compare dlopen
grep -q "plugin.so$" "$W/dlopen.ours"
ok $? "dlopen: the plugin is a module"
cp plugin.so plugin-deleted.so
kcore deleted "$W/dlopen-main" "$W/plugin-deleted.so" delete
compare deleted
json deleted | grep '"path": "[^"]*plugin-deleted.so"' | grep -q '"deleted": true'
ok $? "deleted: the plugin's file is marked deleted, its build-id read from memory"
(
	echo 0x10 >/proc/self/coredump_filter
	kcore headers-only "$W/crasher"
)
compare headers-only
if $have_m32; then
	kcore i386 "$W/crasher-i386"
	compare i386
	like "$(json i386)" '"arch": "i386"' "i386: arch"
	like "$(json i386)" '"eip": ' "i386: i386 registers"
	kcore i386-static "$W/crasher-i386-static"
	compare i386-static
	gcore_crash i386-gcore "$W/crasher-i386"
	compare i386-gcore
fi
gcore_live sleep sleep 100
compare sleep
kill_core sleep-segv SEGV sleep 100
compare sleep-segv
gcore_live python3 python3 -c "import time; time.sleep(100)"
compare python3
kill_core python3-abort ABRT python3 -c "import time; time.sleep(100)"
compare python3-abort
gcore_live bash bash -c 'while :; do sleep 1; done'
compare bash
kill_core bash-abort ABRT bash -c 'while :; do sleep 1; done'
compare bash-abort
gcore_live gdb gdb -q -batch -ex "python import time; time.sleep(100)"
compare gdb
gcore_live threads-live "$W/threads" idle
compare threads-live

[ "$n" -ge 20 ]
ok $? "at least 20 cores compared ($n)"
cd /
done_testing
