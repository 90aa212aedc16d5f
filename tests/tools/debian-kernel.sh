#!/bin/bash
# Debian's cloud kernel, for tests that boot it under qemu: downloaded with
# apt-get (once per DIR) and unpacked into DIR/k; prints the vmlinuz path.
#   debian-kernel.sh DIR
# Exit 77 when apt knows no such kernel or cannot download it (the caller
# skips), 1 when the package is there but broken.
set -u
w=$1
for t in apt-get apt-cache dpkg-deb; do
	command -v $t >/dev/null || { echo "debian-kernel: $t is not installed" >&2; exit 77; }
done
mkdir -p "$w" && chmod 777 "$w"
if ! ls "$w"/k/boot/vmlinuz-* >/dev/null 2>&1; then
	pkg=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[0-9].*\)$/\1/p' | head -n 1)
	[ -n "$pkg" ] || { echo "debian-kernel: apt knows no linux-image-cloud-amd64" >&2; exit 77; }
	(cd "$w" && apt-get download "$pkg" >/dev/null 2>&1) || { echo "debian-kernel: cannot download $pkg" >&2; exit 77; }
	dpkg-deb -x "$w"/linux-image-*.deb "$w/k" || exit 1
fi
ls "$w"/k/boot/vmlinuz-* | head -n 1
