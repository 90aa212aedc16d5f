#!/bin/sh
# Install the Debian packages a target needs, when they are missing.
# Usage: tools/install-deps.sh build|check|demo|lint|fuzz|bench
# Runs apt-get only when something is missing, and only as root; another
# user is told which packages to install. The lists are what a minbase
# Debian 12 (debootstrap --variant=minbase, plus make, git and
# ca-certificates) lacks: .ci/run proves them there on every landing.
set -eu

# the compiler and the -dev packages of every library the programs link
build="gcc make pkg-config libc6-dev libmicrohttpd-dev libarchive-dev libseccomp-dev libcap-dev
       libssl-dev libsqlite3-dev liblzma-dev zlib1g-dev libelf-dev libsolv-dev libsolvext-dev
       librpm-dev libcurl4-openssl-dev liblzo2-dev libsnappy-dev libzstd-dev libmount-dev"
# RPM fixtures: rpmbuild's find-debuginfo needs file and eu-strip (elfutils)
# and debugedit, or it builds no -debuginfo packages; rpm2archive unpacks
rpmfix="rpm rpm2cpio createrepo-c debugedit file elfutils cpio"
# the tests: servers on 127.0.0.1 (curl, openssl, iproute2's ss, procps),
# gdb and eu-unstrip as references, packages signed with gpg (gpg-agent
# makes the keys), kernels booted under qemu from a busybox initramfs, the
# i386 crashers (gcc-multilib), dnf as the solver's reference, crash and
# makedumpfile for kernel dumps, a throw-away Ceph cluster (mon, mgr, osd,
# mds, ceph-fuse) for the spool on CephFS, systemd's analyze, sysusers and
# tmpfiles for the installed units and entries, the SELinux reference
# policy headers and compilers and apparmor_parser for our MAC policies,
# debhelper (and rpmbuild, above) for make deb and make rpm, groff and man
# to render the man pages, systemd-nspawn and debootstrap to boot a fresh
# Debian 12 with the .deb installed (t1300); pyftpdlib for the FTP server the
# remote resources and FTP task tests fetch from (t1190, t1260; python3-openssl
# for its TLS); chromium and python3-websocket
# to drive the task manager in a real browser (t1250); debuginfod for
# elfutils' debuginfod-find, the client retrace-debuginfod is tested with (t1270)
# the demo: a repository made with rpmbuild, the server, a crash sent with curl
demo="$build $rpmfix curl xz-utils tar util-linux gdb iproute2 procps"
# (everything the demo needs, so that .ci/run, which runs make demo first
# and make check after it in one fresh root, proves both lists)
check="$demo perl gzip bzip2 zstd openssl sqlite3 g++ gcc-multilib python3 tcpdump makedumpfile
       qemu-system-x86 busybox-static dnf gpg gpg-agent crash binutils
       ceph-mon ceph-mgr ceph-osd ceph-mds ceph-fuse ceph-common systemd
       selinux-policy-dev checkpolicy semodule-utils apparmor debhelper build-essential
       groff-base man-db bsdextrautils systemd-container debootstrap python3-pyftpdlib
       chromium python3-websocket python3-openssl debuginfod"
lint="$build clang-tidy cppcheck git"
fuzz="$build clang libclang-rt-14-dev"
bench="$check nginx-light wrk time bubblewrap libarchive-tools"

case "${1:-}" in
build) want=$build ;;
check) want=$check ;;
demo) want=$demo ;;
lint) want=$lint ;;
fuzz) want=$fuzz ;;
bench) want=$bench ;;
*) echo "usage: $0 build|check|demo|lint|fuzz|bench" >&2; exit 2 ;;
esac

missing=
for p in $want; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "error: missing Debian packages:$missing" >&2
	echo "error: run this as root (or: sudo apt-get install$missing)" >&2
	exit 1
fi
echo "installing missing Debian packages:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp /tmp/install-deps.XXXXXX)
install() {
	# shellcheck disable=SC2086
	apt-get install -y -q --no-install-recommends $missing >>"$log" 2>&1
}
# a fresh machine has no package lists yet: update only when the install
# cannot find what it needs
if ! install; then
	apt-get update -q >>"$log" 2>&1 || true
	if ! install; then
		tail -n 40 "$log" >&2
		echo "error: apt-get could not install:$missing (the whole log: $log)" >&2
		exit 1
	fi
fi
echo "installed $(grep -c '^Setting up ' "$log") packages" >&2
rm -f "$log"
