#!/bin/bash
# Fresh real vmcores, made now: Debian's cloud kernel booted under qemu
# (TCG) with a busybox initramfs that loads qemu_fw_cfg (so the dump has
# VMCOREINFO) and panics with sysrq-c; QMP dump-guest-memory writes it as
# ELF and as kdump-zlib (flattened). Our log must be the same from both,
# hold every line the serial console printed, in order, and - booted with
# nokaslr, where makedumpfile can read qemu's kdump files - be byte for
# byte what makedumpfile --dump-dmesg prints. Without the packages (no
# network) the test says SKIP; the fixtures in t1200 still run.
. "$(dirname "$0")/../lib/common.sh"

RV=$BIN/retrace-vmcore
Q=$T/q
MK=$RETRACE_SRC/tests/tools/make-vmcore.sh
# a token of this run goes into the kernel log: the dump is this boot's
token=$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')
crash() { # crash NAME KERNEL-ARGS FMT:OUT...
	name=$1 args=$2
	shift 2
	"$MK" "$Q" "$token" "$args" "$@" 2>"$Q.$name.err"
	rc=$?
	[ $rc = 77 ] && skip_all "$(tail -n 1 "$Q.$name.err")"
	cp "$Q/serial" "$Q/$name.serial" 2>/dev/null
	return $rc
}
crash kaslr "" "elf:$Q/kaslr.elf" "kdump-zlib:$Q/kaslr.kz"
ok $? "a KASLR guest panicked and was dumped as ELF and kdump-zlib" || sed 's/^/#   /' "$Q.kaslr.err"
"$RV" dmesg "$Q/kaslr.elf" >"$Q/kaslr.elf.log" 2>"$T/err"
ok $? "ELF dump of $(($(stat -c %s "$Q/kaslr.elf") / 1048576)) MiB: log read" || sed 's/^/#   /' "$T/err"
"$RV" dmesg "$Q/kaslr.kz" >"$Q/kaslr.kz.log" 2>"$T/err"
ok $? "kdump-zlib (flattened) dump: log read" || sed 's/^/#   /' "$T/err"
cmp -s "$Q/kaslr.elf.log" "$Q/kaslr.kz.log"
ok $? "the same log from both"
like "$(cat "$Q/kaslr.elf.log")" "sysrq_handle_crash" "the oops's Call Trace is there"
like "$(cat "$Q/kaslr.elf.log")" "retrace-test: token $token, panicking now" "and this boot's token, written to /dev/kmsg by our init"
# every line the console printed is in our log, in the same order
tr -d '\r' <"$Q/kaslr.serial" | grep '^\[' >"$Q/kaslr.console"
python3 - "$Q/kaslr.console" "$Q/kaslr.elf.log" <<'EOP'
import sys
want = open(sys.argv[1], errors="replace").read().splitlines()
have = open(sys.argv[2], errors="replace").read().splitlines()
i = 0
for line in have:
    if i < len(want) and line == want[i]:
        i += 1
sys.exit(0 if want and i == len(want) else 1)
EOP
ok $? "every one of the console's $(wc -l <"$Q/kaslr.console") lines, in order"
"$RV" --policy "$RETRACE_SRC/policy/seccomp/vmcore.policy" dmesg "$Q/kaslr.elf" | cmp -s - "$Q/kaslr.elf.log"
ok $? "the confined reader reads the full-size ELF the same"

if command -v makedumpfile >/dev/null; then
	crash nokaslr nokaslr "kdump-zlib:$Q/nokaslr.kz"
	ok $? "a nokaslr guest dumped as kdump-zlib"
	makedumpfile -R "$Q/nokaslr.kdump" <"$Q/nokaslr.kz" >/dev/null 2>&1 &&
		makedumpfile --dump-dmesg "$Q/nokaslr.kdump" "$Q/nokaslr.mk" >/dev/null 2>&1
	ok $? "makedumpfile -R and --dump-dmesg read it"
	"$RV" dmesg "$Q/nokaslr.kz" | cmp -s - "$Q/nokaslr.mk"
	ok $? "our log is byte-identical to makedumpfile's"
else
	diag "makedumpfile is not installed: no byte comparison"
fi
done_testing
