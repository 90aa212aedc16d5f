#!/bin/bash
# make bench, part 4: retrace-debuginfod beside elfutils' debuginfod -R over
# the same rpm-md repository, in the same run: make demo's packages and a
# package whose debuginfo is large (BENCH_DEBUG_MB, default 256: a real
# program's DWARF plus a padding section, so the file is what a large
# library's debuginfo weighs). Each row: the same requests to both.
# BENCH_DEBUGINFOD_PKGS (default 200) packages of real shared libraries
# (bench/gen-packages.sh) give both something to index.
#  - start to first answer with nothing indexed (ours: retrace-resolve
#    --reindex, then the daemon; elfutils: an empty database it fills by
#    scanning the rpms), and with the index kept (a restart); min/median of 3
#  - lookups per second for the debuginfo of known build-ids (wrk, 4
#    connections, BENCH_SECONDS), the files extracted already
#  - MB/s for the large debuginfo file: the first request (ours extracts the
#    package, elfutils decompresses it) and warm (min/median of 5)
#  - peak RSS of each daemon (VmHWM) after all of it
# Then the user's time to a full backtrace over a 20 Mbit/s link (below).
set -euo pipefail
cd "$(dirname "$0")/.."
B=${RETRACE_BUILD:-$PWD/build}
W=$(mktemp -d /tmp/retrace-bench-dbgd.XXXXXX)
chmod 755 "$W"
OURS_PID=
EU_PID=
HTTPD_PID=
WORKER_PID=
NS=
cleanup() {
	for p in "$OURS_PID" "$EU_PID" "$HTTPD_PID" "$WORKER_PID"; do
		[ -n "$p" ] && kill "$p" 2>/dev/null || true
	done
	wait 2>/dev/null || true
	[ -n "$NS" ] && ip netns del "$NS" 2>/dev/null || true
	ip link del rtbench0 2>/dev/null || true
	rm -rf "$W"
}
trap cleanup EXIT
DURATION=${BENCH_SECONDS:-10}
MB=${BENCH_DEBUG_MB:-256}
REL=fedora-39-x86_64
port() { echo $((20000 + $(od -An -N2 -tu2 /dev/urandom) % 40000)); }
now() { date +%s%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.3f", (b - a) / 1e9}'; }
minmed() { sort -n | awk '{v[NR] = $1} END {printf "%s / %s", v[1], v[int((NR + 1) / 2)]}'; }
drop_caches() { sync; echo 3 >/proc/sys/vm/drop_caches 2>/dev/null || true; }
# wait_200 URL: poll until it answers 200 (at most 300 s); fails loudly
wait_200() {
	for _ in $(seq 30000); do
		[ "$(curl -s -o /dev/null -w '%{http_code}' "$1")" = 200 ] && return 0
		sleep 0.01
	done
	echo "no answer from $1 within 300 s" >&2
	return 1
}

if ! command -v debuginfod >/dev/null || ! command -v wrk >/dev/null; then
	echo "elfutils' debuginfod or wrk is not installed: skipped"
	exit 0
fi
echo
echo "== retrace-debuginfod against elfutils' debuginfod -R, the same repository"
tests/fixtures/rpm/mkrepo.sh "$W/repo" $REL demo >"$W/mkrepo.out" 2>&1 || { cat "$W/mkrepo.out"; exit 1; }
# the large debuginfo: a program with real DWARF and a .debug_pad section
top=$W/big
mkdir -p "$top/SOURCES"
{
	for i in $(seq 400); do
		printf 'struct s%d { int a; long b[%d]; const char *c; };\n' "$i" "$i"
		printf 'int f%d(struct s%d *p, int x) { int y = x * %d; p->a += y; return p->a + (int)p->b[0]; }\n' "$i" "$i" "$i"
	done
	printf 'int main(int argc, char **argv) { struct s1 *v = argc > 1 ? 0 : 0; (void)argv; return f1(v, argc); }\n'
} >"$top/SOURCES/big.c"
printf '.section .debug_pad,"",@progbits\n.fill %d,1,0x5a\n.section .note.GNU-stack,"",@progbits\n' \
	$((MB * 1048576)) >"$top/SOURCES/pad.s"
cat >"$top/big.spec" <<'EOS'
Name: bigdbg
Version: 1
Release: 1
Summary: a program whose debuginfo is large
License: MIT
Source0: big.c
Source1: pad.s
%description
Bench.
%debug_package
%prep
%setup -q -c -T
cp %{SOURCE0} %{SOURCE1} .
%build
gcc -g -O1 -o bigdbg big.c pad.s
%install
install -D -m 0755 bigdbg %{buildroot}/usr/bin/bigdbg
%files
/usr/bin/bigdbg
EOS
rpmbuild -bb --nodeps --quiet -D "_topdir $top" -D '_debugsource_packages 1' -D '_debuginfo_subpackages 1' \
	-D '_arch x86_64' -D '_binary_payload w3.zstdio' -D '_find_debuginfo_dwz_opts %{nil}' \
	-D '__brp_elfperms %{nil}' -D '_libdir /usr/lib64' -D '_buildhost retrace-bench' \
	"$top/big.spec" >"$top/log" 2>&1 || { tail -n 20 "$top/log"; exit 1; }
cp "$top"/RPMS/x86_64/bigdbg-*.rpm "$W/repo/$REL/Packages/"
rm -rf "$top"
# and packages of this machine's shared libraries, for both to index (createrepo_c over all)
bench/gen-packages.sh "$W/repo/$REL" "${BENCH_DEBUGINFOD_PKGS:-200}" 4
mkdir -p "$W/ref"
rpm2archive - <"$W/repo/$REL/Packages/bigdbg-debuginfo-1-1.x86_64.rpm" | tar -C "$W/ref" -xzf -
BIGDBG=$(find "$W/ref/usr/lib/debug/usr" -name '*.debug' | head -n 1)
BIGMB=$(($(stat -c %s "$BIGDBG") / 1048576))
ids() { # the build-ids of the repository's debuginfo files
	for p in "$W"/repo/$REL/Packages/*-debuginfo-*.rpm; do
		rpm -qlp "$p" 2>/dev/null | sed -n 's|^/usr/lib/debug/.build-id/\(..\)/\([0-9a-f]*\)\.debug$|\1\2|p'
	done
}
BIGID=$(rpm -qlp "$W/repo/$REL/Packages/bigdbg-debuginfo-1-1.x86_64.rpm" |
	sed -n 's|^/usr/lib/debug/.build-id/\(..\)/\([0-9a-f]*\)\.debug$|\1\2|p')
SMALL=$(ids | grep -v "$BIGID" | sort -u)
FIRST=$(echo "$SMALL" | head -n 1)
npk=$(ls "$W/repo/$REL/Packages" | wc -l)
echo "repository: $npk packages; the large debuginfo file: $BIGMB MiB; small ids: $(echo "$SMALL" | wc -l)"

OP=$(port)
EP=$(port)
OURL=http://127.0.0.1:$OP
EURL=http://127.0.0.1:$EP
mkdir -p "$W/pol" "$W/cache"
cp policy/seccomp/*.policy "$W/pol/"
[ "$(id -u)" = 0 ] && chown -R nobody:nogroup "$W/cache"
chmod -R a+rX "$W/repo"
cat >"$W/conf" <<EOC
[retrace]
RepoDir = $W/repo
RootfsCacheDir = $W/cache
RequireGPGCheck = 0
RunAsUser = nobody
SeccompPolicyDir = $W/pol
DebuginfodListen = 127.0.0.1:$OP
MaxConnectionsPerAddress = 512
EOC
ours_start() {
	"$B/bin/retrace-debuginfod" -c "$W/conf" >>"$W/ours.out" 2>&1 &
	OURS_PID=$!
}
ours_stop() { kill "$OURS_PID"; wait "$OURS_PID" 2>/dev/null || true; OURS_PID=; }
eu_start() {
	debuginfod -R "$W/repo/$REL/Packages" -p "$EP" -d "$W/eu.sqlite" -t 0 -g 0 -c 2 >>"$W/eu.out" 2>&1 &
	EU_PID=$!
}
eu_stop() { kill "$EU_PID"; wait "$EU_PID" 2>/dev/null || true; EU_PID=; }

# --- start to the first answer ----------------------------------------------------
# first_answer RESET START STOP URL: seconds from START to URL's first 200, min / median of 3
first_answer() {
	for i in 1 2 3; do
		$1
		drop_caches
		s=$(now)
		$2
		wait_200 "$4"
		secs "$s" "$(now)"
		echo
		$3
	done | minmed
}
no_index() { rm -rf "$W/repo/$REL/.retrace" "$W/cache"/* 2>/dev/null || true; }
no_db() { rm -f "$W"/eu.sqlite*; }
keep() { :; }
ours_index_start() {
	"$B/bin/retrace-resolve" --repodir "$W/repo" --release $REL --reindex >/dev/null 2>&1
	ours_start
}
first_answer no_index ours_index_start ours_stop "$OURL/buildid/$FIRST/debuginfo" >"$W/o_cold"
first_answer keep ours_start ours_stop "$OURL/buildid/$FIRST/debuginfo" >"$W/o_warm"
first_answer no_db eu_start eu_stop "$EURL/buildid/$FIRST/debuginfo" >"$W/e_cold"
first_answer keep eu_start eu_stop "$EURL/buildid/$FIRST/debuginfo" >"$W/e_warm"

# --- lookups per second, then the large file ---------------------------------------
ours_start
eu_start
wait_200 "$OURL/buildid/$FIRST/debuginfo"
wait_200 "$EURL/buildid/$FIRST/debuginfo"
{
	printf 'local ids = {'
	for id in $SMALL; do printf '"%s",' "$id"; done
	printf '}\nlocal i = 0\nrequest = function()\n  i = i %% #ids + 1\n'
	printf '  return wrk.format("GET", "/buildid/" .. ids[i] .. "/debuginfo")\nend\n'
} >"$W/ids.lua"
for id in $SMALL; do # every file once (extracted), then measured
	curl -s -o /dev/null "$OURL/buildid/$id/debuginfo"
	curl -s -o /dev/null "$EURL/buildid/$id/debuginfo"
done
rps() {
	wrk -t2 -c4 -d"${DURATION}s" -s "$W/ids.lua" "$1" >"$W/wrk.out" 2>&1
	awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$W/wrk.out"
	grep -q "Non-2xx" "$W/wrk.out" && echo " (non-2xx answers!)" || true
}
o_rps=$(rps "$OURL")
e_rps=$(rps "$EURL")
get_big() { # URL -> MB/s of one request for the large file (read to /dev/null)
	local s e
	s=$(now)
	curl -s -o /dev/null "$1/buildid/$BIGID/debuginfo"
	e=$(now)
	awk -v a="$s" -v b="$e" -v n="$(stat -c %s "$BIGDBG")" 'BEGIN {printf "%.0f\n", n / 1048576 / ((b - a) / 1e9)}'
}
drop_caches
o_first=$(get_big "$OURL")
drop_caches
e_first=$(get_big "$EURL")
for u in "$OURL" "$EURL"; do
	curl -s "$u/buildid/$BIGID/debuginfo" | cmp -s - "$BIGDBG" || echo "wrong bytes for the large file from $u" >&2
done
o_big=$(for i in 1 2 3 4 5; do get_big "$OURL"; done | sort -n | awk '{v[NR] = $1} END {printf "%s / %s", v[NR], v[int((NR + 1) / 2)]}')
e_big=$(for i in 1 2 3 4 5; do get_big "$EURL"; done | sort -n | awk '{v[NR] = $1} END {printf "%s / %s", v[NR], v[int((NR + 1) / 2)]}')
o_rss=$(($(awk '/^VmHWM:/ { print $2 }' "/proc/$OURS_PID/status") / 1024))
e_rss=$(($(awk '/^VmHWM:/ { print $2 }' "/proc/$EU_PID/status") / 1024))
ours_stop
eu_stop

ahead() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.1fx", (b > 0 ? a / b : 0)}'; } # a / b
med() { sed 's|.* / ||'; }
printf '\n| %d packages, a %d MiB debuginfo file | retrace-debuginfod | elfutils debuginfod -R | ours ahead by |\n|---|---|---|---|\n' \
	"$npk" "$BIGMB"
printf '| start to first answer, nothing indexed, cold page cache (s, min / median of 3) | %s | %s | %s |\n' \
	"$(cat "$W/o_cold")" "$(cat "$W/e_cold")" "$(ahead "$(med <"$W/e_cold")" "$(med <"$W/o_cold")")"
printf '| start to first answer, index kept (a restart; s, min / median of 3) | %s | %s | %s |\n' \
	"$(cat "$W/o_warm")" "$(cat "$W/e_warm")" "$(ahead "$(med <"$W/e_warm")" "$(med <"$W/o_warm")")"
printf '| debuginfo lookups per second, %d known ids, files ready (wrk, 4 connections, %d s) | %s | %s | %s |\n' \
	"$(echo "$SMALL" | wc -l)" "$DURATION" "$o_rps" "$e_rps" "$(ahead "$o_rps" "$e_rps")"
printf '| the %d MiB file, first request, cold page cache (MB/s) | %s | %s | %s |\n' \
	"$BIGMB" "$o_first" "$e_first" "$(ahead "$o_first" "$e_first")"
printf '| the same, warm (MB/s, max / median of 5) | %s | %s | %s |\n' \
	"$o_big" "$e_big" "$(ahead "$(echo "$o_big" | med)" "$(echo "$e_big" | med)")"
printf '| peak RSS of the daemon after all of the above (MiB) | %s | %s | %s |\n' \
	"$o_rss" "$e_rss" "$(ahead "$e_rss" "$o_rss")"
echo "(ours ahead by: their time / ours, our rate / theirs, their RSS / ours; below 1x they are ahead."
echo " ours: the index is retrace-resolve's, made within the first row's time; a file is read from its"
echo " package's tree in the rootfs cache, extracted on the first request. elfutils: -t 0 -g 0 (no rescan"
echo " or grooming during the run), -c 2 scanning threads, its database emptied for the first row)"

# --- the user's time to a full backtrace over a 20 Mbit/s link ---------------------
# The client is a network namespace joined to this one by a veth pair, both
# ends shaped with tc tbf at 20 Mbit/s. Ours: retrace-client batch uploads
# the crash (xz) to retrace-httpd, the worker retraces it here, the client
# prints the backtrace. Local gdb: the crashed machine's binaries in a
# sysroot, `set debuginfod enabled on`, every debuginfo fetched over the
# link from retrace-debuginfod or elfutils' debuginfod (the same repository),
# a fresh client cache each run. The large crash: bigdbg (its debuginfo is
# the BENCH_DEBUG_MB file); the small one: make demo's rtprog.
echo
echo "== the user's time to a full backtrace over a 20 Mbit/s link (veth, tc tbf)"
NS=rtbench$$
if ! ip netns add "$NS" 2>/dev/null; then
	NS=
	echo "no network namespace can be made here: skipped"
	exit 0
fi
ip link add rtbench0 type veth peer name rtbench1
ip link set rtbench1 netns "$NS"
ip addr add 10.231.0.1/24 dev rtbench0
ip link set rtbench0 up
ip -n "$NS" addr add 10.231.0.2/24 dev rtbench1
ip -n "$NS" link set rtbench1 up
ip -n "$NS" link set lo up
tc qdisc add dev rtbench0 root tbf rate 20mbit burst 32kbit latency 400ms
ip netns exec "$NS" tc qdisc add dev rtbench1 root tbf rate 20mbit burst 32kbit latency 400ms
H=10.231.0.1
HP=$(port)
cat >>"$W/conf" <<EOC
Listen = $H:$HP
SaveDir = $W/spool
LogDir = $W/log
RequireHTTPS = 0
MinStorageLeft = 100
MaxUnpackedSize = 4096
EOC
sed -i "s|^DebuginfodListen = .*|DebuginfodListen = $H:$OP|" "$W/conf"
mkdir -p "$W/spool" "$W/log"
[ "$(id -u)" = 0 ] && chown nobody:nogroup "$W/spool" "$W/log"
"$B/bin/retrace-reposync" -c "$W/conf" --publish-only >/dev/null
"$B/bin/retrace-httpd" -c "$W/conf" >"$W/httpd.out" 2>&1 &
HTTPD_PID=$!
"$B/bin/retrace-worker" -c "$W/conf" >"$W/worker.out" 2>&1 &
WORKER_PID=$!
OURL=http://$H:$OP
EURL=http://$H:$EP
ours_start
eu_start
wait_200 "http://$H:$HP/settings"
wait_200 "$OURL/buildid/$FIRST/debuginfo"
wait_200 "$EURL/buildid/$FIRST/debuginfo"
PK=$W/repo/$REL/Packages
tests/fixtures/rpm/crash.sh "$W/bigcrash" "$PK/bigdbg-1-1.x86_64.rpm" bigdbg-1-1 -- /usr/bin/bigdbg \
	>/dev/null 2>&1 || true
tests/fixtures/rpm/crash.sh "$W/smallcrash" "$PK/rtprog-1.0-1.x86_64.rpm $PK/rtprog-libs-1.0-1.x86_64.rpm" \
	rtprog-1.0-1 -- /usr/bin/rtprog crash abc >/dev/null 2>&1 || true
# the crashed machine's root for local gdb: the binary packages (rtsys: this machine's libc), merged /usr
sysroot() { # DIR RPM...
	local d=$1
	shift
	mkdir -p "$d"
	for r in "$@"; do rpm2archive - <"$r" | tar -C "$d" -xzf - 2>/dev/null; done
	[ -e "$d/lib" ] || ln -s usr/lib "$d/lib"
	[ -e "$d/lib64" ] || ln -s usr/lib64 "$d/lib64"
}
sysroot "$W/bigroot" "$PK/bigdbg-1-1.x86_64.rpm" "$PK/rtsys-1-1.x86_64.rpm"
sysroot "$W/smallroot" "$PK/rtprog-1.0-1.x86_64.rpm" "$PK/rtprog-libs-1.0-1.x86_64.rpm" "$PK/rtsys-1-1.x86_64.rpm"
in_ns() { ip netns exec "$NS" "$@"; }
# ours CRASHDIR PATTERN -> seconds (the whole retrace-client command)
ours() {
	local s e
	s=$(now)
	in_ns "$B/bin/retrace-client" --url "http://$H:$HP" batch --dir "$1" >"$W/bt" 2>"$W/bt.err" || true
	e=$(now)
	grep -Eq "$2" "$W/bt" || { echo "retrace-client: no backtrace with '$2':" >&2; tail -n 5 "$W/bt.err" >&2; }
	secs "$s" "$e"
	echo
}
# local_gdb URL ROOT EXE CORE PATTERN -> seconds (gdb's start to its exit)
local_gdb() {
	local s e
	rm -rf "$W/dcache"
	s=$(now)
	in_ns env DEBUGINFOD_URLS="$1" DEBUGINFOD_CACHE_PATH="$W/dcache" DEBUGINFOD_TIMEOUT=600 \
		gdb -nx -batch -iex 'set debuginfod enabled on' -ex "set sysroot $2" -ex "file $2$3" \
		-ex "core-file $4" -ex 'bt full' >"$W/gdb.out" 2>&1 || true
	e=$(now)
	grep -Eq "$5" "$W/gdb.out" || { echo "gdb: no backtrace with '$5':" >&2; tail -n 5 "$W/gdb.out" >&2; }
	secs "$s" "$e"
	echo
}
BIGPAT='f1 \(.*\) at big\.c:[0-9]+'
SMALLPAT='rtlib_store \(where=where@entry=0x0, value=99\) at rtlib.c:13'
rm -rf "$W/cache/trees"/* # the server's first retrace of it extracts its packages
drop_caches
ours "$W/bigcrash" "$BIGPAT" >"$W/l_big_first"
l_big_ours=$(for i in 1 2 3; do ours "$W/bigcrash" "$BIGPAT"; done | minmed)
l_big_gdb_ours=$(local_gdb "$OURL" "$W/bigroot" /usr/bin/bigdbg "$W/bigcrash/coredump" "$BIGPAT")
l_big_gdb_eu=$(local_gdb "$EURL" "$W/bigroot" /usr/bin/bigdbg "$W/bigcrash/coredump" "$BIGPAT")
l_small_ours=$(for i in 1 2 3 4 5; do ours "$W/smallcrash" "$SMALLPAT"; done | minmed)
l_small_gdb_ours=$(for i in 1 2 3 4 5; do
	local_gdb "$OURL" "$W/smallroot" /usr/bin/rtprog "$W/smallcrash/coredump" "$SMALLPAT"
done | minmed)
l_small_gdb_eu=$(for i in 1 2 3 4 5; do
	local_gdb "$EURL" "$W/smallroot" /usr/bin/rtprog "$W/smallcrash/coredump" "$SMALLPAT"
done | minmed)
big_core_kb=$(($(stat -c %s "$W/bigcrash/coredump") / 1024))
small_core_kb=$(($(stat -c %s "$W/smallcrash/coredump") / 1024))
printf '\n| time to a full backtrace over 20 Mbit/s (s) | large: bigdbg, %d KiB core, %d MiB debuginfo | small: rtprog, %d KiB core | \n|---|---|---|\n' \
	"$big_core_kb" "$BIGMB" "$small_core_kb"
printf '| ours: retrace-client batch (upload, retrace on the server, backtrace; min / median) | %s (3 runs; the first, cache cold: %s) | %s (5 runs) |\n' \
	"$l_big_ours" "$(cat "$W/l_big_first")" "$l_small_ours"
printf '| local gdb, debuginfo from retrace-debuginfod | %s (1 run) | %s (5 runs) |\n' "$l_big_gdb_ours" "$l_small_gdb_ours"
printf '| local gdb, debuginfo from elfutils debuginfod | %s (1 run) | %s (5 runs) |\n' "$l_big_gdb_eu" "$l_small_gdb_eu"
printf '| ours ahead of local gdb (medians; elfutils server) | %s | %s |\n' \
	"$(ahead "$(echo "$l_big_gdb_eu" | med)" "$(echo "$l_big_ours" | med)")" \
	"$(ahead "$(echo "$l_small_gdb_eu" | med)" "$(echo "$l_small_ours" | med)")"
echo "(goal: 10x or more for the large crash, within 1.2x, that is 0.8x or better, for the small one;"
echo " the large debuginfo is one file of real DWARF and padding: a program linking many large libraries"
echo " fetches as many bytes in more files)"
