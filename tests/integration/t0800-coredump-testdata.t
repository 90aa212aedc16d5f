#!/bin/sh
# retrace-coredump on the cores of ../shared/testdata: elfutils' test suite
# (x86_64, i386, x32, aarch64, ppc, ppc64le, s390, s390x, sparc, riscv64,
# m68k; without NT_FILE; with a cut link_map; without ELF headers in
# memory; an old binary mapping its data from offset 0) and a real Fedora
# core from satyr. Each must give exactly tests/expected/coredump/*.unstrip
# (checked by hand against eu-unstrip; docs/DESIGN.md lists where we differ
# and why). Read in the confined reader.
. "$(dirname "$0")/../lib/common.sh"

D=$SHARED/testdata
[ -d "$D/elfutils-cores" ] || skip_all "../shared/testdata is not beside the checkout"
RC="$BIN/retrace-coredump --policy $RETRACE_SRC/policy/seccomp/coredump.policy"
E=$RETRACE_SRC/tests/expected/coredump

for exp in "$E"/*.unstrip; do
	name=$(basename "$exp" .unstrip)
	if [ -f "$D/elfutils-cores/$name.bz2" ]; then
		bzip2 -dc "$D/elfutils-cores/$name.bz2" >"$T/core"
	elif [ -f "$D/satyr/$name" ]; then
		cp "$D/satyr/$name" "$T/core"
	else
		ok 1 "$name: fixture found"
		continue
	fi
	$RC "$T/core" >"$T/out" 2>"$T/err"
	if [ $? -eq 0 ] && cmp -s "$T/out" "$exp"; then
		ok 0 "$name: $(wc -l <"$exp") modules, as expected"
	else
		ok 1 "$name: as expected"
		diff "$exp" "$T/out" | sed 's/^/#   /'
		sed 's/^/#   /' "$T/err"
	fi
	case $name in
	backtrace.x86_64.core) cp "$T/core" "$T/x86_64.core" ;;
	backtrace.i386.core) cp "$T/core" "$T/i386.core" ;;
	null_dereference.core.x86_64) cp "$T/core" "$T/satyr.core" ;;
	esac
done

# Threads, registers, the signal, psinfo and auxv, checked against eu-readelf -n.
j=$($RC --json "$T/x86_64.core")
like "$j" '"crash": {"tid": 23097, "signal": 6, "signal_name": "SIGABRT", "si_code": -6' "x86_64: crashing thread and signal"
like "$j" '{"tid": 23097, "signal": 6, "crashed": true, "registers": {"r15": "0", "r14": "0x7f7155923700"' "x86_64: registers of the crashing thread"
like "$j" '"rip": "0x40a62b"' "x86_64: rip"
like "$j" '{"tid": 23096, "signal": 6, "crashed": false' "x86_64: the other thread"
like "$j" '"psinfo": {"pid": 23096, "fname": "backtrace.x86_6", "psargs": "./backtrace.x86_64.exec --gencore "}' "x86_64: NT_PRPSINFO"
like "$j" '"execfn": "./backtrace.x86_64.exec"' "x86_64: AT_EXECFN string"
like "$j" '"executable": "/home/jkratoch/redhat/elfutils/tests/backtrace.x86_64.exec"' "x86_64: executable path"
j=$($RC --json "$T/i386.core")
like "$j" '"arch": "i386"' "i386: arch"
like "$j" '"eip": "0xf77f7430"' "i386: eip"
j=$($RC --json "$T/satyr.core")
like "$j" '"crash": {"tid": 21729, "signal": 11, "signal_name": "SIGSEGV"}' "satyr: SIGSEGV (a 2013 kernel: no NT_SIGINFO, no NT_FILE)"
like "$j" '"rip": "0x4004b3"' "satyr: rip"
like "$j" '"name": "linux-vdso.so.1", "path": null' "satyr: the vdso (on the link_map too) has a name, no path"

# Without --policy: a program of the build tree reads the checkout's policy
# (build/bin/.retrace-source names it); the same program elsewhere, as if
# installed, looks for the installed one and says so when it is not there.
out=$("$BIN/retrace-coredump" "$T/x86_64.core" 2>&1)
is "$out" "$(cat "$E/backtrace.x86_64.core.unstrip")" "build/bin/retrace-coredump without --policy finds the checkout's policy"
like "$("$BIN/retrace-coredump" --help)" "(default $RETRACE_SRC/policy/seccomp/coredump.policy)" "... and names it in --help"
mkdir -p "$T/installed"
cp "$BIN/retrace-coredump" "$T/installed/"
out=$("$T/installed/retrace-coredump" "$T/x86_64.core" 2>&1)
rc=$?
if [ -e /usr/share/retrace-server/policy/seccomp/coredump.policy ]; then
	is "$rc" 0 "a copy outside the build tree uses the installed policy"
else
	like "$rc: $out" "1: retrace-coredump: $T/x86_64.core: /usr/share/retrace-server/policy/seccomp/coredump.policy: cannot read" \
		"a copy outside the build tree looks for the installed policy, and says it is missing"
fi
done_testing
