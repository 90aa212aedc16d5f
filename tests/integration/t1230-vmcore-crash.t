#!/bin/bash
# Kernel tasks with kernel-debuginfo: a fresh real vmcore (Debian's cloud
# kernel under qemu, tests/tools/make-vmcore.sh) and that kernel's real
# debug symbols (Debian's linux-image-*-dbg, repackaged as a Fedora-style
# kernel-debuginfo RPM by tests/fixtures/rpm/kernel-debuginfo.sh) in a
# release's repository. The worker finds the package by the dump's
# BUILD-ID, extracts only vmlinux and the oops's modules into the rootfs
# cache (once), and runs the real crash in the sandbox under crash.policy:
# sys, mod, bt -a and log land in results/. crash's log must be ours byte
# for byte (this is the check "where makedumpfile fails": it cannot read
# qemu's KASLR dumps). A debuginfo whose vmlinux is another build is
# refused by build-id; no debuginfo is a log line, never a failure.
# Without the downloads (no network) the test says SKIP.
. "$(dirname "$0")/../lib/common.sh"

need qemu-system-x86_64 rpmbuild createrepo_c crash
Q=$T/q
K=$T/kdbg
token=$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')
"$RETRACE_SRC/tests/tools/make-vmcore.sh" "$Q" "$token" "" "kdump-zlib:$Q/vmcore.kz" 2>"$T/mk.err"
rc=$?
[ $rc = 77 ] && skip_all "$(tail -n 1 "$T/mk.err")"
fixture $rc "a guest panicked and was dumped (kdump-zlib)" "$T/mk.err"
krel=$(basename "$(ls "$Q"/k/boot/vmlinuz-*)")
krel=${krel#vmlinuz-}
bid=$("$BIN/retrace-vmcore" info "$Q/vmcore.kz" | sed -n 's/^build-id: //p')
like_re "$bid" "^[0-9a-f]{40}$" "retrace-vmcore info names the dump's build-id"

R=debian-12-x86_64 WRONG=zz-1-x86_64
"$RETRACE_SRC/tests/fixtures/rpm/kernel-debuginfo.sh" "$K" "$T/repo/$R/Packages" "$krel" fedora 2>"$T/kd.err"
rc=$?
[ $rc = 77 ] && skip_all "$(tail -n 1 "$T/kd.err")"
fixture $rc "kernel-debuginfo of $krel built from linux-image-$krel-dbg" "$T/kd.err"
# another release's "kernel-debuginfo" holds the right path but another ELF file
"$RETRACE_SRC/tests/fixtures/rpm/kernel-debuginfo.sh" "$K" "$T/repo/$WRONG/Packages" "$krel" debian /usr/bin/crash 2>"$T/kd2.err"
fixture $? "a wrong kernel-debuginfo (another ELF file as vmlinux) for $WRONG" "$T/kd2.err"
[ -n "${KEEP_KDBG:-}" ] || rm -rf "$K" # 900 MB of download and extraction: the RPMs hold what is needed
createrepo_c --quiet "$T/repo/$R" >/dev/null && createrepo_c --quiet "$T/repo/$WRONG" >/dev/null
ok $? "createrepo_c"
[ "$(id -u)" = 0 ] && chown -R nobody:nogroup "$T/repo"

XZ=application/x-xz-compressed-tar
write_config "AllowInteractive = 1
RequireGPGCheck = 0
MaxPackedSize = 200
MaxUnpackedSize = 1000"
start_httpd || exit 1
start_worker() {
	setsid "$BIN/retrace-worker" -c "$T/conf" >>"$T/worker.out" 2>&1 &
	WORKER_PID=$!
}
start_worker
trap 'kill $WORKER_PID 2>/dev/null; wait $WORKER_PID 2>/dev/null; cleanup' EXIT
send() { # send FILE TYPE: a tar.xz holding FILE as "vmcore"; sets ID PW
	rm -rf "$T/up" && mkdir -p "$T/up"
	ln -s "$1" "$T/up/vmcore"
	tar -C "$T/up" -chf - vmcore | xz -0 -T2 >"$T/up.tar.xz"
	code=$(upload "$T/up.tar.xz" $XZ -H "X-Task-Type: $2")
	ID=$(header_value X-Task-Id)
	PW=$(header_value X-Task-Password)
	[ "$code" = 201 ]
}

"$BIN/retrace-vmcore" dmesg "$Q/vmcore.kz" >"$T/ours.log"
send "$Q/vmcore.kz" 2
ok $? "type 2 task created"
is "$(wait_done "$ID" "$PW" 180)" FINISHED_SUCCESS "FINISHED_SUCCESS"
log=$(get "$ID" "$PW" log)
like_re "$log" "kernel debuginfo: kernel-debuginfo-[0-9.]+-[0-9]+.x86_64 from $R, found by the dump's BUILD-ID" \
	"the debuginfo is found by the dump's build-id"
like_re "$log" "vmlinux: build-id $bid, the dump's" "the extracted vmlinux has the dump's build-id"
like_re "$log" "kernel debuginfo: vmlinux of kernel-debuginfo-[^:]*: extracted into the cache" "vmlinux extracted into the cache"
like_re "$log" "kernel modules: the log names none" "a panic without an oops names no modules in the log"
like_re "$log" "crash: 4 of 4 results in results/" "crash wrote its four results"
like_re "$log" "kernel modules: crash's mod names 1, 1 with debuginfo" "crash's mod lists one module, qemu_fw_cfg, with debuginfo in the package"
like_re "$log" "crash: 1 module\\(s\\) to load; commands: mod, bt -a" "a second run loads it for mod and bt -a"
like_re "$log" "crash: 2 of 2 results in results/" "and replaces those two results"
unlike "$log" "crash is not run" "nothing says crash was not run"
R1=$T/spool/$ID/results
like_re "$(cat "$R1/sys" 2>/dev/null)" "RELEASE: $krel" "results/sys: the release"
like_re "$(cat "$R1/sys" 2>/dev/null)" "PANIC: \"Kernel panic - not syncing: sysrq triggered crash\"" "results/sys: the panic"
like_re "$(cat "$R1/sys" 2>/dev/null)" "DUMPFILE: /vmcore" "results/sys: crash read the dump at its bound path"
like_re "$(cat "$R1/bt-a" 2>/dev/null)" "sysrq_handle_crash at " "results/bt-a: the panicking task's stack, symbolised"
like_re "$(cat "$R1/mod" 2>/dev/null)" "qemu_fw_cfg +[0-9a-f]+ +[0-9]+ +/kernel/modules/usr/lib/debug/lib/modules/$krel/kernel/drivers/firmware/qemu_fw_cfg.ko.debug" \
	"results/mod: qemu_fw_cfg with its debuginfo loaded"
cmp -s "$R1/log" "$T/ours.log"
ok $? "crash's log is ours, byte for byte ($(wc -l <"$T/ours.log") lines)" ||
	diff "$T/ours.log" "$R1/log" | head -5 | sed 's/^/#   /'
get "$ID" "$PW" backtrace | cmp -s - "$T/ours.log"
ok $? "the backtrace is still the log read without debuginfo"
test ! -e "$T/spool/$ID/.crash" && test ! -e "$T/spool/$ID/crash/vmcore"
ok $? "nothing of crash's run is left, and the type 2 dump is removed"
ls "$T/repo/.rootfs/trees" >"$T/trees"
is "$(grep -c '+vmlinux$' "$T/trees")" 1 "one partial tree for vmlinux"
is "$(grep -c '+modules-[0-9a-f]\{16\}$' "$T/trees")" 1 "one partial tree for the module set"
is "$(find "$T/repo/.rootfs/trees" -type f -path '*/root/*' | wc -l)" 2 "the cache holds two files of the package: vmlinux and qemu_fw_cfg.ko.debug"

# an interactive task: the same kernel from the cache, the dump bound read-only and kept
sum=$(sha256sum <"$Q/vmcore.kz")
send "$Q/vmcore.kz" 4
is "$(wait_done "$ID" "$PW" 180)" FINISHED_SUCCESS "type 4: FINISHED_SUCCESS"
log=$(get "$ID" "$PW" log)
like_re "$log" "kernel debuginfo: vmlinux of [^:]*: from the cache" "type 4: vmlinux from the cache"
like_re "$log" "kernel debuginfo: modules-[0-9a-f]+ of [^:]*: from the cache" "type 4: the module tree from the cache"
like_re "$log" "crash: 4 of 4 results" "type 4: crash ran"
is "$(sha256sum <"$T/spool/$ID/crash/vmcore")" "$sum" "type 4: the kept dump is unchanged (crash asked for O_RDWR; the bind said no)"
like_re "$(cat "$T/spool/$ID/kernel" 2>/dev/null)" "^vmlinux $T/repo/.rootfs/trees/[^ ]*\\+vmlinux/root/usr/lib/debug/lib/modules/$krel/vmlinux" \
	"type 4: \`kernel\` names the vmlinux for retrace-interact"
# retrace-interact crash: the real crash over the kept dump and vmlinux, commands on stdin
printf 'sys\nbt\nexit\n' | "$BIN/retrace-interact" -c "$T/conf" "$ID" crash -- -s >"$T/ri.out" 2>"$T/ri.err"
is $? 0 "retrace-interact ID crash: exit status 0" || sed 's/^/#   /' "$T/ri.err"
like "$(cat "$T/ri.out")" "RELEASE: $krel" "... crash's sys names the dump's kernel"
like "$(cat "$T/ri.out")" "sysrq_handle_crash" "... and bt the oops's stack"

# without the right release, the other one is found by path and refused by build-id
kill "$WORKER_PID"
wait "$WORKER_PID" 2>/dev/null
rm -rf "${T:?}/repo/$R"
start_worker
send "$Q/vmcore.kz" 2
is "$(wait_done "$ID" "$PW" 180)" FINISHED_SUCCESS "wrong debuginfo: still FINISHED_SUCCESS (the log is the result)"
log=$(get "$ID" "$PW" log)
like_re "$log" "found by the vmlinux path of OSRELEASE" "wrong debuginfo: found by the vmlinux path"
like_re "$log" "crash is not run: the vmlinux of kernel-debuginfo-[^ ]* has build-id [0-9a-f]+, the dump's kernel $bid" \
	"wrong debuginfo: refused by build-id"
test ! -e "$T/spool/$ID/results/sys"
ok $? "wrong debuginfo: no crash results"
kill "$WORKER_PID"
wait "$WORKER_PID" 2>/dev/null
grep -q "Sanitizer\|runtime error" "$T/worker.out"
ok $((!$?)) "the worker logged no sanitizer report"
done_testing
