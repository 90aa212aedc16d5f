#!/bin/bash
# Build N noarch packages (one spec, N subpackages: bench-pkg-0 .. N-1) of
# real shared libraries from this machine, FILES each, zstd payloads (as
# Fedora's), into an rpm-md repository: gen-packages.sh REPODIR N FILES
set -euo pipefail
repo=$1 n=$2 per=$3
top=$(mktemp -d)
trap 'rm -rf "$top"' EXIT
find /usr/lib/x86_64-linux-gnu -maxdepth 1 -type f -name '*.so*' -size -1000k -size +20k | sort >"$top/libs"
nlibs=$(wc -l <"$top/libs")
{
	printf 'Name: bench-pkg\nVersion: 1\nRelease: 1\nSummary: bench\nLicense: MIT\nBuildArch: noarch\nAutoReqProv: no\n'
	printf '%%description\nBench.\n%%prep\n%%build\n%%install\n'
	for p in $(seq 0 $((n - 1))); do
		printf 'mkdir -p %%{buildroot}/usr/lib64/bench/%d\n' "$p"
		for f in $(seq 0 $((per - 1))); do
			lib=$(sed -n "$(((p * per + f) % nlibs + 1))p" "$top/libs")
			printf 'cp %s %%{buildroot}/usr/lib64/bench/%d/\n' "$lib" "$p"
		done
	done
	printf '%%files\n/usr/lib64/bench/0\n'
	for p in $(seq 1 $((n - 1))); do
		printf '%%package -n bench-pkg-%d\nSummary: bench %d\nAutoReqProv: no\n%%description -n bench-pkg-%d\nBench.\n%%files -n bench-pkg-%d\n/usr/lib64/bench/%d\n' \
			"$p" "$p" "$p" "$p" "$p"
	done
} >"$top/bench.spec"
rpmbuild -bb --nodeps --quiet -D "_topdir $top" -D '_binary_payload w3.zstdio' \
	-D '__brp_strip %{nil}' -D '__brp_strip_static_archive %{nil}' -D '__os_install_post %{nil}' \
	-D 'debug_package %{nil}' -D '_binaries_in_noarch_packages_terminate_build 0' "$top/bench.spec" >"$top/log" 2>&1 || { cat "$top/log" >&2; exit 1; }
mkdir -p "$repo/Packages"
mv "$top"/RPMS/noarch/*.rpm "$repo/Packages/"
createrepo_c --quiet "$repo" >/dev/null
