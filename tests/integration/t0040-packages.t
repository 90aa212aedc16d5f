#!/bin/sh
# make rpm and make deb build packages from make dist's tarball (issue 20):
# what each holds, its configuration files, the scriptlets that make the
# user and the directories. The packages are built from the committed
# tree (git archive HEAD), as a release would be.
. "$(dirname "$0")/../lib/common.sh"
need rpmbuild dpkg-buildpackage dh git
[ -f /usr/share/selinux/devel/Makefile ] || skip_all "selinux-policy-dev is not installed"
git -C "$RETRACE_SRC" rev-parse --git-dir >/dev/null 2>&1 || skip_all "not a git checkout: make dist needs one"

# a copy of the checkout, so that the packages' build trees stay out of it
git clone -q "$RETRACE_SRC" "$T/src" 2>"$T/clone.err"
fixture $? "a clone of the checkout" "$T/clone.err"

make -s -C "$T/src" rpm RPMBUILD_FLAGS=--nodeps >"$T/rpm.out" 2>&1
ok $? "make rpm (rpmbuild --nodeps: the build dependencies here are Debian's)" || tail -n 20 "$T/rpm.out" | sed 's/^/#   /'
RPM=$(ls "$T"/src/build/rpm/RPMS/x86_64/retrace-server-0.1.0-1.*.rpm 2>/dev/null | head -n 1)
SRPM=$(ls "$T"/src/build/rpm/RPMS/noarch/retrace-server-selinux-0.1.0-1.*.rpm 2>/dev/null | head -n 1)
[ -n "$RPM" ] && [ -n "$SRPM" ]
ok $? "... the package and its -selinux subpackage"
rpm -qpl "$RPM" >"$T/rpm.list" 2>/dev/null
for f in /usr/sbin/retrace-httpd /usr/sbin/retrace-worker /usr/bin/retrace-client \
	/usr/share/retrace-server/policy/seccomp/gdb.policy /usr/lib/systemd/system/retrace-worker.service \
	/usr/lib/systemd/system/retrace-cleanup.timer /usr/lib/sysusers.d/retrace-server.conf; do
	grep -qx "$f" "$T/rpm.list"
	ok $? "rpm holds $f"
done
like "$(rpm -qpc "$RPM" 2>/dev/null)" "/etc/retrace-server.conf" "rpm: the configuration is a %config file"
like "$(rpm -qp --scripts "$RPM" 2>/dev/null)" "useradd -r -g retrace" "rpm: %pre makes the retrace user"
like "$(rpm -qpl "$SRPM" 2>/dev/null)" "/usr/share/selinux/packages/targeted/retrace.pp" \
	"rpm: the -selinux subpackage holds the compiled module"

make -s -C "$T/src" deb >"$T/deb.out" 2>&1
ok $? "make deb (dpkg-buildpackage)" || tail -n 20 "$T/deb.out" | sed 's/^/#   /'
DEB=$(ls "$T"/src/build/deb/retrace-server_0.1.0-1_*.deb 2>/dev/null | head -n 1)
[ -n "$DEB" ]
ok $? "... the .deb" || tail -n 30 "$T/deb.out" | sed 's/^/#   /'
dpkg-deb -c "$DEB" | awk '{print $6}' >"$T/deb.list"
for f in ./usr/sbin/retrace-httpd ./usr/sbin/retrace-worker ./usr/bin/retrace-client \
	./usr/share/retrace-server/policy/seccomp/gdb.policy ./lib/systemd/system/retrace-worker.service \
	./lib/systemd/system/retrace-reposync.timer ./usr/lib/tmpfiles.d/retrace-server.conf; do
	grep -qx "$f" "$T/deb.list"
	ok $? "deb holds $f"
done
like "$(dpkg-deb -f "$DEB" Depends)" "libmicrohttpd12" "deb: its library dependencies are computed"
like "$(dpkg-deb -f "$DEB" Depends)" "gdb" "deb: it depends on gdb"
dpkg-deb --ctrl-tarfile "$DEB" | tar -x -C "$T" ./conffiles ./postinst
like "$(cat "$T/conffiles")" "/etc/retrace-server.conf" "deb: the configuration is a conffile"
like "$(cat "$T/postinst")" "adduser --system --group" "deb: postinst makes the retrace user"
like "$(cat "$T/postinst")" "systemd-tmpfiles" "deb: ... and its directories"
unlike "$(cat "$T/postinst")" "deb-systemd-invoke start" "deb: the services are not started before they are configured"
done_testing
