#!/bin/sh
# make install lays out what a distribution ships (issue 20): programs,
# seccomp policies, the configuration with every key, systemd units that
# systemd-analyze verifies, sysusers.d and tmpfiles.d entries that systemd
# applies to the tree, logrotate, docs; make dist makes a release tarball.
. "$(dirname "$0")/../lib/common.sh"
need systemd-analyze systemd-sysusers systemd-tmpfiles

R=$T/root
make -s -C "$RETRACE_SRC" O="$RETRACE_BUILD" install DESTDIR="$R" >"$T/install.out" 2>&1
fixture $? "make install DESTDIR=$R" "$T/install.out"

for p in retrace-client retrace-coredump retrace-vmcore retrace-policy retrace-sandbox; do
	[ -x "$R/usr/bin/$p" ]
	ok $? "/usr/bin/$p"
done
for p in retrace-httpd retrace-worker retrace-cleanup retrace-reposync retrace-task retrace-rootfs retrace-resolve; do
	[ -x "$R/usr/sbin/$p" ]
	ok $? "/usr/sbin/$p"
done
for f in httpd gdb crash coredump vmcore; do
	"$R/usr/bin/retrace-policy" check "$R/usr/share/retrace-server/policy/seccomp/$f.policy" >/dev/null 2>&1
	ok $? "the installed $f.policy is valid"
done
like "$(cat "$R/etc/retrace-server.conf")" "SeccompPolicyDir = /usr/share/retrace-server/policy/seccomp" \
	"/etc/retrace-server.conf names the installed policies"
# the shipped configuration loads (the server stops only for want of a listener)
"$R/usr/sbin/retrace-httpd" -c "$R/etc/retrace-server.conf" >"$T/out" 2>&1
like "$(cat "$T/out")" "neither Listen nor TLSListen is set" "the installed configuration loads"

# every unit verifies in the installed tree, without a warning
for u in retrace-httpd.service retrace-worker.service retrace-cleanup.service retrace-cleanup.timer \
	retrace-reposync.service retrace-reposync.timer retrace-debuginfod.service; do
	[ -f "$R/usr/lib/systemd/system/$u" ]
	ok $? "$u installed"
	systemd-analyze verify --root="$R" --man=no --recursive-errors=no "$R/usr/lib/systemd/system/$u" \
		>"$T/verify.out" 2>&1
	ok $? "systemd-analyze verify $u"
	is "$(cat "$T/verify.out")" "" "... says nothing against it"
done
like "$(cat "$R/usr/lib/systemd/system/retrace-worker.service")" "Delegate=memory pids" \
	"the worker's unit delegates its cgroup subtree"

# systemd makes the user and the directories from the installed entries
mkdir -p "$R/etc"
: >"$R/etc/passwd"
: >"$R/etc/group"
systemd-sysusers --root="$R" >"$T/sysusers.out" 2>&1
ok $? "systemd-sysusers applies sysusers.d/retrace-server.conf"
uid=$(awk -F: '$1 == "retrace" {print $3}' "$R/etc/passwd")
[ -n "$uid" ] && [ "$uid" -lt 1000 ]
ok $? "... making the system user retrace ($uid)"
systemd-tmpfiles --root="$R" --create "$R/usr/lib/tmpfiles.d/retrace-server.conf" >"$T/tmpfiles.out" 2>&1
ok $? "systemd-tmpfiles applies tmpfiles.d/retrace-server.conf"
for d in var/spool/retrace-server var/log/retrace-server var/cache/retrace-server; do
	is "$(stat -c '%u %a' "$R/$d" 2>&1)" "$uid $( [ $d = var/cache/retrace-server ] && echo 755 || echo 750)" \
		"... /$d belongs to retrace"
done
[ -f "$R/etc/logrotate.d/retrace-server" ] && [ -f "$R/usr/share/doc/retrace-server/SECURITY.md" ]
ok $? "logrotate entry and docs installed"
[ -f "$R/etc/apparmor.d/usr.sbin.retrace-worker" ] && [ -f "$R/etc/apparmor.d/usr.sbin.retrace-httpd" ] &&
	[ -f "$R/etc/apparmor.d/usr.sbin.retrace-debuginfod" ]
ok $? "AppArmor profiles installed"
[ -f "$R/usr/share/man/man8/retrace-httpd.8" ] && [ -f "$R/usr/share/man/man1/retrace-client.1" ] &&
	[ -f "$R/usr/share/man/man5/retrace-server.conf.5" ]
ok $? "man pages installed in sections 1, 5 and 8"

# an admin's configuration is never replaced
echo "# mine" >>"$R/etc/retrace-server.conf"
make -s -C "$RETRACE_SRC" O="$RETRACE_BUILD" install DESTDIR="$R" >"$T/install.out" 2>&1
like "$(tail -n 1 "$R/etc/retrace-server.conf")" "# mine" "a second make install keeps the admin's configuration"
[ -f "$R/etc/retrace-server.conf.dist" ]
ok $? "... and puts the shipped one beside it"

# make dist: the tracked tree, unpacked under one directory
make -s -C "$RETRACE_SRC" O="$RETRACE_BUILD" dist >"$T/dist.out" 2>&1
ok $? "make dist"
tarball=$RETRACE_SRC/$(tail -n 1 "$T/dist.out")
tar -tzf "$tarball" >"$T/dist.list" 2>&1
like "$(cat "$T/dist.list")" "retrace-server-0.1.0/Makefile" "the tarball holds the tree under retrace-server-0.1.0/"
unlike "$(cat "$T/dist.list")" "/build/" "... and no build output"
rm -f "$tarball"
done_testing
