#!/bin/bash
# The sandbox on a cgroup v2 host, which this machine is not (its
# controllers are bound to cgroup v1): Debian's cloud kernel booted under
# qemu with a busybox initramfs that mounts only cgroup2, runs
# retrace-sandbox in delegated groups - as root, as an unprivileged user
# owning its group, in a group it shares - and prints what it saw on the
# serial console. The hostile probes that only a cgroup stops (a fork
# bomb; memory held by many processes, each under RLIMIT_AS) must be
# stopped by the v2 group, the hits reported, no group left behind.
# Without the kernel package or qemu (no network) the test says SKIP.
. "$(dirname "$0")/../lib/common.sh"

need qemu-system-x86_64 cpio gcc
[ -x /bin/busybox ] || skip_all "no /bin/busybox (busybox-static)"
vmlinuz=$("$RETRACE_SRC/tests/tools/debian-kernel.sh" "$T/kernel" 2>"$T/k.err")
rc=$?
[ $rc = 77 ] && skip_all "$(tail -n 1 "$T/k.err")"
ok $rc "Debian's kernel: $(basename "$vmlinuz")" || sed 's/^/#   /' "$T/k.err"

# --- the initramfs ---------------------------------------------------------
IR=$T/ir
mkdir -p "$IR/bin" "$IR/sbox/bin" "$IR/sbox/proc" "$IR/sbox/dev" "$IR/sbox/tmp"
cp /bin/busybox "$IR/bin/" && cp /bin/busybox "$IR/sbox/bin/"
cp "$BIN/retrace-sandbox" "$IR/retrace-sandbox"
# a dynamic build (the sanitized one) brings its libraries along
ldd "$BIN/retrace-sandbox" 2>/dev/null | grep -o '/[^ ]*' | while read -r lib; do
	mkdir -p "$IR$(dirname "$lib")" && cp -L "$lib" "$IR$lib"
done
built=0
for p in 14-fork-bomb 33-memory-group; do
	gcc -static -O1 -w -I"$RETRACE_SRC/tests/hostile" -o "$IR/sbox/bin/$p" \
		"$RETRACE_SRC/tests/hostile/$p.c" && built=$((built + 1))
done
gcc -static -O1 -o "$IR/run-as" "$RETRACE_SRC/tests/fixtures/run-as.c" && built=$((built + 1))
is "$built" 3 "the probes and run-as built static"

# Stage 1 moves everything to a tmpfs and switches root to it: the
# sandbox's pivot_root cannot leave the initial rootfs.
cat >"$IR/init" <<'EOI'
#!/bin/busybox sh
/bin/busybox mkdir -p /new
/bin/busybox mount -t tmpfs -o size=96m tmpfs /new
/bin/busybox cp -a /bin /sbox /retrace-sandbox /run-as /stage2 /new/
[ -d /lib ] && /bin/busybox cp -a /lib /lib64 /usr /new/ 2>/dev/null
/bin/busybox mkdir -p /new/proc /new/sys /new/dev /new/tmp
exec /bin/busybox switch_root /new /stage2
EOI
cat >"$IR/stage2" <<'EOI'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t cgroup2 none /sys/fs/cgroup
echo "+memory +pids" >/sys/fs/cgroup/cgroup.subtree_control
CG=/sys/fs/cgroup
mkdir $CG/svc $CG/user $CG/shared
# delegated to uid 1000 the way systemd's Delegate=yes does it
chown 1000:1000 $CG/user $CG/user/cgroup.procs $CG/user/cgroup.subtree_control $CG/user/cgroup.threads
SB="/retrace-sandbox -v --root /sbox --no-seccomp --memory 268435456 --procs 32 --timeout 60"
run() { # run NAME GROUP CMD...: CMD alone in GROUP, output between markers
	name=$1 group=$2
	shift 2
	echo "@@begin $name"
	sh -c 'echo $$ >'"$group"'/cgroup.procs && exec "$@"' sh "$@" 2>&1
	echo "@@end $name rc=$?"
}
# as root, alone in svc: it moves itself into svc/retrace-supervisor
run cgroup $CG/svc $SB -- /bin/busybox cat /proc/self/cgroup
# later runs start in the leaf, as the worker's task processes do
run forkbomb $CG/svc/retrace-supervisor $SB -- /bin/14-fork-bomb
run memory $CG/svc/retrace-supervisor $SB -- /bin/33-memory-group 256
run quiet $CG/svc/retrace-supervisor $SB -- /bin/busybox true
echo "@@begin left"
ls $CG/svc
echo "@@end left rc=$?"
# unprivileged, owning its delegated group
run user $CG/user /run-as 1000 1000 $SB -- /bin/33-memory-group 256
echo "@@begin userleft"
ls $CG/user
echo "@@end userleft rc=$?"
# sharing its group with another process: no v2 subtree may be made there
sleep 600 &
echo $! >$CG/shared/cgroup.procs
run shared $CG/shared $SB -- /bin/busybox true
echo "@@done"
poweroff -f
EOI
chmod +x "$IR/init" "$IR/stage2"
(cd "$IR" && find . | cpio -o -H newc 2>/dev/null | gzip -1) >"$T/initrd.gz"
ok $? "initramfs of $(($(stat -c %s "$T/initrd.gz") / 1024)) KiB"

# --- the boot ----------------------------------------------------------------
timeout 600 qemu-system-x86_64 -m 768 -cpu max -display none -no-reboot \
	-serial "file:$T/serial" -kernel "$vmlinuz" -initrd "$T/initrd.gz" \
	-append "console=ttyS0 panic=-1 loglevel=1 quiet" >"$T/qemu.out" 2>&1
ok $? "the guest booted and powered off" || sed 's/^/#   /' "$T/qemu.out"
tr -d '\r' <"$T/serial" >"$T/console"
grep -q '^@@done' "$T/console"
ok $? "the guest ran every step" || tail -n 20 "$T/console" | sed 's/^/#   /'

section() { sed -n "/^@@begin $1\$/,/^@@end $1 /p" "$T/console"; }
rc_of() { section "$1" | sed -n 's/^@@end .* rc=\([0-9]*\)$/\1/p'; }

out=$(section cgroup)
is "$(rc_of cgroup)" 0 "as root: a run in a delegated group" || echo "$out" | sed 's/^/#   /'
like "$out" "cgroups: cgroup v2 under /sys/fs/cgroup/svc: memory pids" "the group was split: a leaf for us, the controllers for the runs"
like "$out" "enforced: cgroup v2 memory 268435456 bytes, no swap; cgroup v2 pids 32;" "the run's memory and pids limits are v2's"
like_re "$out" "^0::/\.\./retrace-sandbox\.[0-9]+\.[0-9]+\.[0-9]+$" "the program runs in the run's own group (seen from its cgroup namespace)"

out=$(section forkbomb)
is "$(rc_of forkbomb)" 0 "14-fork-bomb: contained by pids.max" || echo "$out" | sed 's/^/#   /'
like "$out" "cgroups: cgroup v2 under /sys/fs/cgroup/svc: memory pids" "a process in the leaf finds the same base"
like_re "$out" "limits hit: the process limit: [1-9][0-9]* fork\(s\) refused" "the refused forks are reported"

out=$(section memory)
is "$(rc_of memory)" 0 "33-memory-group: contained by memory.max" || echo "$out" | sed 's/^/#   /'
like_re "$out" "; [0-3] held it at once$" "no more than the limit was held at once"
like_re "$out" "limits hit: the memory limit: [1-9][0-9]* process\(es\) killed" "the OOM kills are reported"

out=$(section quiet)
is "$(rc_of quiet)" 0 "a run that hits nothing"
unlike "$out" "limits hit" "reports no hit"

out=$(section left)
is "$(echo "$out" | grep -c 'retrace-sandbox\.')" 0 "no run's group is left behind" || echo "$out" | sed 's/^/#   /'
like "$out" "retrace-supervisor" "the leaf stays (it is the service's)"

out=$(section user)
is "$(rc_of user)" 0 "as uid 1000 owning its delegated group: contained" || echo "$out" | sed 's/^/#   /'
like "$out" "cgroups: cgroup v2 under /sys/fs/cgroup/user: memory pids" "an unprivileged process splits its own group too"
like_re "$out" "limits hit: the memory limit: [1-9][0-9]* process\(es\) killed" "and its runs are held by memory.max"
is "$(section userleft | grep -c 'retrace-sandbox\.')" 0 "no group of its runs is left behind"

out=$(section shared)
is "$(rc_of shared)" 0 "in a group shared with another process: the run still runs" || echo "$out" | sed 's/^/#   /'
like "$out" "cgroups: no cgroup may be created here: rlimits only" "and says it has no cgroup (v2 forbids controllers over a group's own processes)"
like "$out" "enforced: no cgroup (none may be created here): rlimits only;" "the run's note says so too"
done_testing
