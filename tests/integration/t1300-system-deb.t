#!/bin/bash
# The installed service, for real (issue 20): a fresh Debian 12 root
# (minbase, plus systemd) boots with systemd as PID 1 in systemd-nspawn,
# `apt-get install ./retrace-server_*.deb` pulls in what the package needs,
# makes the retrace user and its directories, the units start, and the
# demo crash is retraced through them with retrace-client. The worker runs
# the way ADMIN.md says for a cgroup v1 host (started as root by a drop-in,
# it hands itself v1 groups), and the task's sandbox gets its own memory
# group. nspawn mounts the v1 hierarchies read-only in a container; the
# test binds writable ones over them before the services start, as a v1
# host has them. The packaged build is not the sanitized one: the ASan
# pass skips this file.
. "$(dirname "$0")/../lib/common.sh"
case "$RETRACE_BUILD" in */san) skip_all "the .deb is built from source, not sanitized: the first pass ran it" ;; esac
[ "$(id -u)" = 0 ] || skip_all "needs root (a container, apt in its root)"
need systemd-nspawn debootstrap rpmbuild createrepo_c rpm2archive dpkg-buildpackage git nsenter
[ -e /sys/fs/cgroup/memory/cgroup.procs ] || skip_all "no cgroup v1 memory hierarchy (t0910 covers cgroup v2 under qemu)"
. "$RETRACE_SRC/tests/lib/worker.sh"

G=$T/guest
NSPID=
guest() { nsenter -t "$LEADER" -a -- "$@"; }
stop_guest() {
	[ -n "$NSPID" ] || return 0
	[ -n "${LEADER:-}" ] && guest systemctl poweroff >/dev/null 2>&1
	for _ in $(seq 1 100); do kill -0 "$NSPID" 2>/dev/null || break; sleep 0.2; done
	kill -KILL "$NSPID" 2>/dev/null
	wait "$NSPID" 2>/dev/null
	NSPID=
}
trap 'stop_guest; stop_worker; cleanup' EXIT

# --- the package and what the demo sends ----------------------------------------
git clone -q "$RETRACE_SRC" "$T/src" 2>"$T/clone.err"
fixture $? "a clone of the checkout" "$T/clone.err"
make -s -C "$T/src" deb >"$T/deb.out" 2>&1
fixture $? "make deb" "$T/deb.out"
DEB=$(ls "$T"/src/build/deb/retrace-server_*.deb | head -n 1)
release_repo full
rtprog_segv
HOG=fedora-35-x86_64
fake_gdb HOG $HOG

# --- a fresh Debian 12 with systemd ----------------------------------------------
base=$(ls /var/cache/retrace-ci/bookworm-minbase-*.tar 2>/dev/null | head -n 1)
mkdir -p "$G"
if [ -n "$base" ]; then
	tar -C "$G" --numeric-owner -xpf "$base"
else
	mirror=$(sed -n 's/^deb \(http[^ ]*\) bookworm main.*/\1/p' /etc/apt/sources.list 2>/dev/null | head -n 1)
	timeout 600 debootstrap --variant=minbase bookworm "$G" "${mirror:-http://deb.debian.org/debian}" \
		>"$T/debootstrap.out" 2>&1
fi
fixture $? "a minbase Debian 12 root" "$T/debootstrap.out"
cp /etc/resolv.conf "$G/etc/resolv.conf" 2>/dev/null
cp "$DEB" "$G/root/"
cp -r "$T/segv.d" "$G/root/segv.d"
chroot "$G" /bin/sh -c 'export DEBIAN_FRONTEND=noninteractive
	apt-get update -q && apt-get install -y -q --no-install-recommends systemd systemd-sysv dbus &&
	apt-get install -y -q --no-install-recommends /root/'"$(basename "$DEB")" >"$T/apt.out" 2>&1
ok $? "apt-get install of the .deb in the fresh root pulls in what it needs" || tail -n 20 "$T/apt.out" | sed 's/^/#   /'
uid=$(awk -F: '$1 == "retrace" {print $3}' "$G/etc/passwd")
[ -n "$uid" ] && [ "$uid" -lt 1000 ]
ok $? "... it made the system user retrace ($uid)"
is "$(stat -c '%u %a' "$G/var/spool/retrace-server" 2>&1)" "$uid 750" "... and its spool"
[ -x "$G/usr/sbin/retrace-httpd" ] && [ -f "$G/lib/systemd/system/retrace-worker.service" ]
ok $? "... the programs and the units"
is "$(chroot "$G" systemctl is-enabled retrace-httpd.service 2>&1)" disabled \
	"... the services installed, not enabled (the configuration names no listener yet)"

# the release the crash came from, and the configuration an admin writes
REL=fedora-39-x86_64
mkdir -p "$G/var/cache/retrace-server"
cp -r "$REPO/$REL" "$G/var/cache/retrace-server/"
chroot "$G" chown -R retrace:retrace /var/cache/retrace-server
sed -i -e 's/^Listen =.*/Listen = 127.0.0.1:8080/' -e 's/^RequireHTTPS =.*/RequireHTTPS = 0/' \
	-e 's/^RequireGPGCheck =.*/RequireGPGCheck = 0/' -e 's/^MinStorageLeft =.*/MinStorageLeft = 1/' \
	"$G/etc/retrace-server.conf"
# a cgroup v1 host: the worker starts as root and hands itself v1 groups (ADMIN.md)
mkdir -p "$G/etc/systemd/system/retrace-worker.service.d"
printf '[Service]\nUser=root\nGroup=root\n' >"$G/etc/systemd/system/retrace-worker.service.d/cgroup-v1.conf"

# --- boot it ---------------------------------------------------------------------
systemd-nspawn -q --boot --register=no --keep-unit --private-network -D "$G" >"$T/boot.out" 2>&1 &
NSPID=$!
LEADER=
for _ in $(seq 1 300); do
	LEADER=$(pgrep -P "$NSPID" -x systemd 2>/dev/null | head -n 1)
	[ -n "$LEADER" ] && case "$(guest systemctl is-system-running 2>/dev/null)" in running | degraded) break ;; esac
	sleep 0.2
done
state=$(guest systemctl is-system-running 2>&1)
like "$state" "running" "the guest booted with systemd as PID 1 ($state)" || tail -n 20 "$T/boot.out" | sed 's/^/#   /'
is "$(guest cat /proc/1/comm 2>&1)" systemd "... PID 1 is systemd"
# what a v1 host has: writable memory and pids hierarchies (nspawn mounts them read-only)
guest sh -c 'for c in memory pids; do mkdir -p /run/cg-$c && mount -t cgroup -o $c cgroup /run/cg-$c &&
	mount --bind /run/cg-$c /sys/fs/cgroup/$c || exit 1; done' >"$T/cg.out" 2>&1
fixture $? "writable cgroup v1 memory and pids hierarchies in the guest" "$T/cg.out"

guest runuser -u retrace -- retrace-resolve --repodir /var/cache/retrace-server --release $REL --reindex \
	>"$T/reindex.out" 2>&1
fixture $? "the release indexed in the guest" "$T/reindex.out"
guest runuser -u retrace -- retrace-reposync -c /etc/retrace-server.conf --publish-only >"$T/publish.out" 2>&1
fixture $? "the release published in the guest" "$T/publish.out"

guest systemctl start retrace-httpd.service retrace-worker.service >"$T/start.out" 2>&1
ok $? "systemctl start retrace-httpd retrace-worker" || sed 's/^/#   /' "$T/start.out"
up() { guest bash -c 'exec 3<>/dev/tcp/127.0.0.1/8080' 2>/dev/null; }
eventually 20 up
is "$(guest systemctl is-active retrace-httpd.service retrace-worker.service | tr '\n' ' ')" "active active " \
	"both services are active"
for u in retrace-httpd retrace-worker; do
	guest journalctl -q -u $u.service --no-pager >"$T/$u.journal" 2>&1
done
like "$(cat "$T/retrace-worker.journal")" "sandbox cgroups: cgroup v1: memory pids under /sys/fs/cgroup/memory/retrace-worker" \
	"the worker handed itself cgroup v1 groups"

# --- the demo crash, through the installed services --------------------------------
guest timeout 120 retrace-client --url http://127.0.0.1:8080 batch --dir /root/segv.d --status-delay 1 \
	>"$T/bt" 2>"$T/client.err"
ok $? "retrace-client batch through the installed services" || sed 's/^/#   /' "$T/client.err"
like "$(cat "$T/bt")" "#0  rtlib_store (where=where@entry=0x0, value=99) at rtlib.c:13" \
	"the backtrace: the crashing frame with arguments and file:line"
like "$(cat "$T/bt")" "in main (" "... down to main"
id=$(ls "$G/var/spool/retrace-server" | grep -E '^[1-9][0-9]{8}$' | head -n 1)
log=$(cat "$G/var/spool/retrace-server/$id/retrace_log" 2>&1)
like "$log" "cgroup v1 memory 4294967296 bytes" "the task's sandbox had its own memory group with SandboxMemoryLimit"

# --- retrace-debuginfod as its unit runs it: the debuginfo of the crash's executable
rpm2archive - <"$REPO/$REL/Packages/rtprog-1.0-1.x86_64.rpm" | tar -xzOf - ./usr/bin/rtprog >"$T/rtprog.bin"
BID=$(readelf -n "$T/rtprog.bin" | awk '/Build ID/ { print $3 }')
sed -i 's/^DebuginfodListen =.*/DebuginfodListen = 127.0.0.1:8002/' "$G/etc/retrace-server.conf"
guest systemctl start retrace-debuginfod.service >"$T/dstart.out" 2>&1
ok $? "systemctl start retrace-debuginfod" || sed 's/^/#   /' "$T/dstart.out"
dget() { # dget PATH: the status line of GET PATH, over bash's /dev/tcp (the guest has no curl)
	guest bash -c "exec 3<>/dev/tcp/127.0.0.1/8002 && printf 'GET $1 HTTP/1.0\r\n\r\n' >&3 && head -n 1 <&3" 2>/dev/null |
		tr -d '\r' | cut -d' ' -f2-
}
eventually 20 test -n "$(dget /metrics)"
is "$(dget "/buildid/$BID/debuginfo")" "200 OK" "the unit's retrace-debuginfod serves the crash's debuginfo (build-id $BID)"
is "$(dget /buildid/0000000000000000000000000000000000000000/debuginfo)" "404 Not Found" "... and 404 for an unknown id"
is "$(guest systemctl is-active retrace-debuginfod.service)" active "... still active"
guest journalctl -q -u retrace-debuginfod.service --no-pager >"$T/debuginfod.journal" 2>&1
like "$(cat "$T/debuginfod.journal")" "200 /usr/lib/debug/.build-id/" "its journal says what it served"

# --- the memory limit, enforced: a "gdb" that fills 100 MiB of memory and 200
# MiB of its /tmp (tests/fixtures/rpm/rtfakegdb.c) as the release's gdb,
# under SandboxMemoryLimit = 128
cp -r "$REPO/$HOG" "$G/var/cache/retrace-server/"
chroot "$G" chown -R retrace:retrace "/var/cache/retrace-server/$HOG"
guest runuser -u retrace -- retrace-resolve --repodir /var/cache/retrace-server --release $HOG --reindex \
	>"$T/reindex2.out" 2>&1
fixture $? "the hog's release indexed in the guest" "$T/reindex2.out"
sed -i -e "s/^ToolRoot =.*/ToolRoot = $HOG/" -e 's/^SandboxMemoryLimit =.*/SandboxMemoryLimit = 128/' \
	"$G/etc/retrace-server.conf"
guest systemctl restart retrace-worker.service
ok $? "the worker restarted with ToolRoot = $HOG, SandboxMemoryLimit = 128"
guest timeout 120 retrace-client --url http://127.0.0.1:8080 batch --dir /root/segv.d --status-delay 1 \
	>"$T/bt2" 2>"$T/client2.err"
is "$?" 1 "the hog's task fails"
id2=$(ls -t "$G/var/spool/retrace-server" | grep -E '^[1-9][0-9]{8}$' | grep -v "^$id\$" | head -n 1)
log2=$(cat "$G/var/spool/retrace-server/$id2/retrace_log" 2>&1)
like "$log2" "cgroup v1 memory 134217728 bytes" "... its sandbox had a memory group of 128 MiB"
like "$log2" "limits hit: the memory limit" "... which stopped it"
stop_guest
ok $([ -z "$NSPID" ]; echo $?) "the guest powered off"
done_testing
