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

for t in qemu-system-x86_64 busybox cpio apt-get dpkg-deb python3; do
	command -v $t >/dev/null || skip_all "$t is not installed"
done
[ -x /bin/busybox ] || skip_all "no /bin/busybox (busybox-static)"
RV=$BIN/retrace-vmcore
Q=$T/q
mkdir -p "$Q" && chmod 777 "$Q"
pkg=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[0-9].*\)$/\1/p' | head -n 1)
[ -n "$pkg" ] || skip_all "apt knows no linux-image-cloud-amd64 (run apt-get update)"
(cd "$Q" && apt-get download "$pkg" >/dev/null 2>&1) || skip_all "cannot download $pkg"
dpkg-deb -x "$Q"/linux-image-*.deb "$Q/k" || skip_all "cannot unpack $pkg"
ok 0 "$pkg downloaded and unpacked"
vmlinuz=$(ls "$Q"/k/boot/vmlinuz-*)
fwcfg=$(find "$Q/k" -name 'qemu_fw_cfg.ko*' | head -n 1)
[ -n "$fwcfg" ]
ok $? "the kernel has qemu_fw_cfg"

mkdir -p "$Q/ir/bin" "$Q/ir/proc" "$Q/ir/sys" "$Q/ir/dev"
cp /bin/busybox "$Q/ir/bin/"
case "$fwcfg" in
*.xz) xz -dc "$fwcfg" >"$Q/ir/qemu_fw_cfg.ko" ;;
*.zst) zstd -qdc "$fwcfg" >"$Q/ir/qemu_fw_cfg.ko" ;;
*) cp "$fwcfg" "$Q/ir/qemu_fw_cfg.ko" ;;
esac
# a token of this run goes into the kernel log: the dump is this boot's
token=$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')
cat >"$Q/ir/init" <<EOI
#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sys /sys
/bin/busybox mount -t devtmpfs dev /dev
/bin/busybox insmod /qemu_fw_cfg.ko
echo "retrace-test: token $token, panicking now" >/dev/kmsg
echo 1 >/proc/sys/kernel/sysrq
echo c >/proc/sysrq-trigger
EOI
chmod +x "$Q/ir/init"
(cd "$Q/ir" && find . | cpio -o -H newc 2>/dev/null | gzip -1) >"$Q/initrd.gz"
ok $? "initramfs made"

# crash NAME EXTRA-KERNEL-ARGS FMT:OUT...: boot, panic, dump
crash() {
	name=$1 args=$2
	shift 2
	rm -f "$Q/$name.serial" "$Q/qmp.sock"
	qemu-system-x86_64 -m 256 -cpu max -device vmcoreinfo -display none -no-reboot \
		-serial "file:$Q/$name.serial" -kernel "$vmlinuz" -initrd "$Q/initrd.gz" \
		-append "console=ttyS0 panic=0 loglevel=7 $args" \
		-qmp "unix:$Q/qmp.sock,server=on,wait=off" >"$Q/$name.qemu" 2>&1 &
	qpid=$!
	python3 "$RETRACE_SRC/tests/tools/qmp-dump.py" "$Q/qmp.sock" 120 "$Q/$name.serial" "$@" 2>"$Q/$name.qmp"
	rc=$?
	kill "$qpid" 2>/dev/null
	wait "$qpid" 2>/dev/null
	return $rc
}

crash kaslr "" "elf:$Q/kaslr.elf" "kdump-zlib:$Q/kaslr.kz"
ok $? "a KASLR guest panicked and was dumped as ELF and kdump-zlib" || sed 's/^/#   /' "$Q/kaslr.qmp"
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
