#!/bin/bash
# Kernel tasks end to end: a vmcore uploaded as a tar.xz (X-Task-Type 2),
# stored by /create only, read by the worker in its confined dump reader;
# FINISHED_SUCCESS with the kernel log (the oops's Call Trace) as the
# backtrace, identical to makedumpfile's. A hostile dump fails the task
# with the reader's reason; an interactive kernel task keeps its dump.
. "$(dirname "$0")/../lib/common.sh"

V=$SHARED/testdata/vmcores
[ -d "$V" ] || skip_all "no $V"
XZ=application/x-xz-compressed-tar
write_config "AllowInteractive = 1
VmcoreDumpLevel = 31"
mkdir -p "$T/repo"
[ "$(id -u)" = 0 ] && chown nobody:nogroup "$T/repo"
start_httpd || exit 1
WORKER_PID=
setsid "$BIN/retrace-worker" -c "$T/conf" >"$T/worker.out" 2>&1 &
WORKER_PID=$!
sleep 0.3
kill -0 "$WORKER_PID" 2>/dev/null
ok $? "retrace-worker runs" || { sed 's/^/#   /' "$T/worker.out"; done_testing; exit 1; }
trap 'kill $WORKER_PID 2>/dev/null; wait $WORKER_PID 2>/dev/null; cleanup' EXIT

send() { # send FILE TYPE: a tar.xz holding FILE as "vmcore"; sets ID PW
	rm -rf "$T/up" && mkdir -p "$T/up"
	cp "$1" "$T/up/vmcore"
	tar -C "$T/up" -cf - vmcore | xz -2 >"$T/up.tar.xz"
	code=$(upload "$T/up.tar.xz" $XZ -H "X-Task-Type: $2")
	ID=$(header_value X-Task-Id)
	PW=$(header_value X-Task-Password)
	[ "$code" = 201 ]
}

EXP=$V/min-kdump-6.1-l5-kaslr.elf.dmesg.txt
for f in min-kdump-6.1-l5-kaslr.kdump-c min-kdump-6.1-l5-kaslr.flat-c; do
	send "$V/$f" 2
	ok $? "$f: /create stores it (201)"
	is "$(cat "$T/spool/$ID/type")" 2 "$f: a type 2 task"
	is "$(wait_done "$ID" "$PW")" FINISHED_SUCCESS "$f: FINISHED_SUCCESS"
	get "$ID" "$PW" backtrace >"$T/bt"
	cmp -s "$T/bt" "$EXP"
	ok $? "$f: the backtrace is the kernel log, byte for byte"
	like "$(cat "$T/bt")" "sysrq_handle_crash+0x16/0x20" "$f: with the oops's Call Trace"
	log=$(get "$ID" "$PW" log)
	like "$log" "kernel 6.1.0-56-cloud-amd64, x86_64, build-id 3b43fad5034874490492495d552c0af6a5fab235: " "$f: the log names the kernel, its arch and build-id"
	like "$log" "crash is not run" "$f: and says what was not done"
	like "$log" "VmcoreDumpLevel = 31: not needed, a type 2 task does not keep its dump" "$f: no stripping for a dump not kept"
	test ! -e "$T/spool/$ID/crash/vmcore"
	ok $? "$f: the vmcore is removed after a type 2 task"
done

xz -dc "$V/min-qemu-6.1-l4-kaslr-logbuf1M.elf.xz" >"$T/qemu.elf"
send "$T/qemu.elf" 4
is "$(wait_done "$ID" "$PW")" FINISHED_SUCCESS "interactive kernel task (4): FINISHED_SUCCESS"
get "$ID" "$PW" backtrace >"$T/bt2"
cmp -s "$T/bt2" "$V/min-qemu-6.1-l4-kaslr-logbuf1M.elf.dmesg.txt"
ok $? "interactive: the log of the qemu dump with its ring in the direct map"
cmp -s "$T/qemu.elf" "$T/spool/$ID/crash/vmcore"
ok $? "interactive: the vmcore is kept, as uploaded"
like "$(get "$ID" "$PW" log)" "VmcoreDumpLevel = 31: makedumpfile failed" \
	"interactive: makedumpfile -d 31 fails on this minimised dump, and the original stays"
test ! -e "$T/spool/$ID/crash/.strip"
ok $? "interactive: nothing of the failed attempt is left"

head -c 300000 /dev/urandom >"$T/junk"
send "$T/junk" 2
is "$(wait_done "$ID" "$PW")" FINISHED_FAILURE "random bytes: FINISHED_FAILURE"
like "$(get "$ID" "$PW" log)" "reading the kernel log failed: not a vmcore" "random bytes: the reader's reason"
is "$(http_code GET "/$ID/backtrace" -H "X-Task-Password: $PW")" 404 "random bytes: no backtrace"
python3 - "$V/min-kdump-6.1-l5-kaslr.kdump-c" "$T/bad" <<'EOP'
import struct, sys
d = bytearray(open(sys.argv[1], 'rb').read())
struct.pack_into('<I', d, 436, 0x7fffffff)
open(sys.argv[2], 'wb').write(d)
EOP
send "$T/bad" 2
is "$(wait_done "$ID" "$PW")" FINISHED_FAILURE "a kdump with absurd bitmaps: FINISHED_FAILURE"
like "$(get "$ID" "$PW" log)" "the bitmaps" "... with the reason"
send "$V/min-kdump-6.1-l5-kaslr.kdump-l" 2
is "$(wait_done "$ID" "$PW")" FINISHED_SUCCESS "after the failures the next dump still succeeds"
# VmcoreDumpLevel = 1 (zero pages) does work on it: the stripped dump replaces the original
kill "$WORKER_PID"
wait "$WORKER_PID"
sed -i 's/^VmcoreDumpLevel = .*/VmcoreDumpLevel = 1/' "$T/conf"
setsid "$BIN/retrace-worker" -c "$T/conf" >>"$T/worker.out" 2>&1 &
WORKER_PID=$!
xz -dc "$V/min-kdump-6.1-l5-kaslr.elf.xz" >"$T/kdump.elf"
send "$T/kdump.elf" 4
is "$(wait_done "$ID" "$PW")" FINISHED_SUCCESS "interactive, VmcoreDumpLevel = 1: FINISHED_SUCCESS"
like "$(get "$ID" "$PW" log)" "VmcoreDumpLevel = 1: the dump was stripped from $(stat -c %s "$T/kdump.elf") to " "... stripped, and the log says by how much"
[ "$(stat -c %s "$T/spool/$ID/crash/vmcore")" -lt "$(stat -c %s "$T/kdump.elf")" ]
ok $? "... the kept dump is smaller"
"$BIN/retrace-vmcore" dmesg "$T/spool/$ID/crash/vmcore" | cmp -s - "$EXP"
ok $? "... and still gives the same log"

# crash that fails: a "kernel-debuginfo" whose vmlinux has the dump's
# build-id but no symbols (a 1 KiB ELF): crash refuses it, the task still
# succeeds with the kernel log, and the log carries crash's own message
if command -v crash >/dev/null && command -v rpmbuild >/dev/null && command -v createrepo_c >/dev/null; then
	bid=3b43fad5034874490492495d552c0af6a5fab235 krel=6.1.0-56-cloud-amd64
	kt=$T/kdtop kr=$T/kdtop/SOURCES/kroot/usr/lib/debug
	mkdir -p "$kr/lib/modules/$krel" "$kr/.build-id/${bid:0:2}" "$T/repo/debian-12-x86_64/Packages"
	echo 'void _start(void) {}' >"$T/v.c"
	gcc -nostdlib -static -Wl,--build-id=0x$bid -o "$kr/lib/modules/$krel/vmlinux" "$T/v.c" &&
		ln -s "../../lib/modules/$krel/vmlinux" "$kr/.build-id/${bid:0:2}/${bid:2}.debug" &&
		rpmbuild -bb --nodeps --quiet -D "_topdir $kt" -D 'rt_name kernel-debuginfo' -D 'rt_version 6.1.0' \
			-D 'rt_release 56' -D "rt_krel $krel" -D '_arch x86_64' \
			"$RETRACE_SRC/tests/fixtures/rpm/kernel-debuginfo.spec" >"$T/kd.log" 2>&1 &&
		mv "$kt"/RPMS/x86_64/*.rpm "$T/repo/debian-12-x86_64/Packages/" &&
		createrepo_c --quiet "$T/repo/debian-12-x86_64" >>"$T/kd.log" 2>&1
	fixture $? "a kernel-debuginfo whose vmlinux has no symbols" "$T/kd.log"
	[ "$(id -u)" = 0 ] && chown -R nobody:nogroup "$T/repo"
	kill "$WORKER_PID"
	wait "$WORKER_PID"
	echo "RequireGPGCheck = 0" >>"$T/conf"
	setsid "$BIN/retrace-worker" -c "$T/conf" >>"$T/worker.out" 2>&1 &
	WORKER_PID=$!
	send "$V/min-kdump-6.1-l5-kaslr.kdump-c" 2
	is "$(wait_done "$ID" "$PW" 120)" FINISHED_SUCCESS "crash failing: the task still succeeds with the kernel log"
	log=$(get "$ID" "$PW" log)
	like "$log" "kernel debuginfo: kernel-debuginfo-6.1.0-56.x86_64 from debian-12-x86_64" "... crash ran over the package's vmlinux"
	like "$log" "crash failed (exit status 1): crash: /kernel/vmlinux: no debugging data available" \
		"... and the log says why crash failed, in crash's words"
fi
kill "$WORKER_PID"
wait "$WORKER_PID"
grep -q "Sanitizer\|runtime error" "$T/worker.out"
ok $((!$?)) "the worker logged no sanitizer report"
done_testing
