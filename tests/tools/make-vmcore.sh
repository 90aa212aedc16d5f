#!/bin/bash
# Make a real vmcore now: Debian's cloud kernel under qemu (TCG), a busybox
# initramfs that loads qemu_fw_cfg (VMCOREINFO), writes TOKEN to the
# kernel log and panics with sysrq-c; QMP stops the guest and dumps it.
#   make-vmcore.sh WORKDIR TOKEN "KERNEL-ARGS" FMT:OUT...   (FMT: elf, kdump-zlib...)
# WORKDIR keeps the downloaded kernel and the initramfs between calls.
# Exit 77 when the kernel package or a tool is not there (the caller skips),
# 1 when the guest did not panic or the dump failed.
set -u
w=$1 token=$2 args=$3
shift 3
src=$(cd "$(dirname "$0")" && pwd)
for t in qemu-system-x86_64 cpio python3; do
	command -v $t >/dev/null || { echo "make-vmcore: $t is not installed" >&2; exit 77; }
done
[ -x /bin/busybox ] || { echo "make-vmcore: no /bin/busybox (busybox-static)" >&2; exit 77; }
vmlinuz=$("$src/debian-kernel.sh" "$w") || exit $?
fwcfg=$(find "$w/k" -name 'qemu_fw_cfg.ko*' | head -n 1)
[ -n "$fwcfg" ] || { echo "make-vmcore: the kernel has no qemu_fw_cfg module" >&2; exit 1; }
rm -rf "$w/ir"
mkdir -p "$w/ir/bin" "$w/ir/proc" "$w/ir/sys" "$w/ir/dev"
cp /bin/busybox "$w/ir/bin/"
case "$fwcfg" in
*.xz) xz -dc "$fwcfg" >"$w/ir/qemu_fw_cfg.ko" ;;
*.zst) zstd -qdc "$fwcfg" >"$w/ir/qemu_fw_cfg.ko" ;;
*) cp "$fwcfg" "$w/ir/qemu_fw_cfg.ko" ;;
esac
cat >"$w/ir/init" <<EOI
#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sys /sys
/bin/busybox mount -t devtmpfs dev /dev
/bin/busybox insmod /qemu_fw_cfg.ko
echo "retrace-test: token $token, panicking now" >/dev/kmsg
echo 1 >/proc/sys/kernel/sysrq
echo c >/proc/sysrq-trigger
EOI
chmod +x "$w/ir/init"
(cd "$w/ir" && find . | cpio -o -H newc 2>/dev/null | gzip -1) >"$w/initrd.gz" || exit 1
rm -f "$w/serial" "$w/qmp.sock"
qemu-system-x86_64 -m 256 -cpu max -device vmcoreinfo -display none -no-reboot \
	-serial "file:$w/serial" -kernel "$vmlinuz" -initrd "$w/initrd.gz" \
	-append "console=ttyS0 panic=0 loglevel=7 $args" \
	-qmp "unix:$w/qmp.sock,server=on,wait=off" >"$w/qemu.out" 2>&1 &
qpid=$!
python3 "$src/qmp-dump.py" "$w/qmp.sock" 120 "$w/serial" "$@"
rc=$?
kill "$qpid" 2>/dev/null
wait "$qpid" 2>/dev/null
[ $rc = 0 ] || cat "$w/qemu.out" >&2
exit $rc
