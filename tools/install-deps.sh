#!/bin/sh
# Install the Debian packages a target needs, when they are missing.
# Usage: tools/install-deps.sh build|check|demo|lint|fuzz|bench
# Runs apt-get only when something is missing, and only as root.
set -eu

build="gcc make pkg-config libmicrohttpd-dev libarchive-dev libseccomp-dev libcap-dev
       libssl-dev libsqlite3-dev liblzma-dev zlib1g-dev libelf-dev libsolv-dev libsolvext-dev
       librpm-dev libcurl4-openssl-dev liblzo2-dev libsnappy-dev libzstd-dev"
check="$build perl curl xz-utils gzip tar openssl util-linux procps iproute2 sqlite3 gdb elfutils g++ gcc-multilib python3 bzip2 tcpdump cpio makedumpfile
       qemu-system-x86 busybox-static rpm createrepo-c debugedit dnf zstd gpg crash binutils"
demo="$build curl xz-utils tar util-linux gdb iproute2 rpm createrepo-c debugedit cpio"
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
if ! apt-get install -y -q --no-install-recommends $missing >&2; then
	apt-get update -q >&2
	apt-get install -y -q --no-install-recommends $missing >&2
fi
