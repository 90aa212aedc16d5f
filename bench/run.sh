#!/bin/bash
# make bench: retrace-httpd measured against a peer tool in the same run.
#  1. status polls: GET /<id> with the password, 100 connections, wrk; the
#     peer is nginx serving a file of the same size from disk.
#  1b. the same polls and a normal client's uploads while 500 hostile
#     (slowloris) connections are open, against the same without them.
#  2. upload + unpack of a 200 MB coredump sent as tar.xz (xz -2, as ABRT
#     sends it); the peer is `xz -dc | tar x` on the same file. Peak RSS of
#     the server is read from /proc (goal: under 64 MB).
#  2b-2c. the sandbox against bwrap, the solver against dnf.
#  2d. the rootfs cache: cold extraction against rpm2archive and bsdtar,
#     assembling a 200-package root against dnf --installroot.
#  2f. the kernel log of a real full-size vmcore against makedumpfile.
#  2e. the whole retrace of make demo's crash, upload to backtrace, cold and
#     warm cache; its root against dnf --installroot of the same packages.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${RETRACE_BUILD:-$PWD/build}
W=$(mktemp -d /tmp/retrace-bench.XXXXXX)
chmod 755 "$W"
HTTPD_PID=
NGINX_PID=
HOSTILE_PID=
cleanup() {
	[ -n "$HTTPD_PID" ] && kill "$HTTPD_PID" 2>/dev/null || true
	[ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2>/dev/null || true
	[ -n "$HOSTILE_PID" ] && kill "$HOSTILE_PID" 2>/dev/null || true
	wait 2>/dev/null || true
	rm -rf "$W"
}
trap cleanup EXIT
DURATION=${BENCH_SECONDS:-10}
port() { echo $((20000 + $(od -An -N2 -tu2 /dev/urandom) % 40000)); }

mkdir -p "$W/spool" "$W/log" "$W/pol"
cp policy/seccomp/*.policy "$W/pol/"
cp "$B/bin/retrace-httpd" "$W/"
[ "$(id -u)" = 0 ] && chown nobody:nogroup "$W/spool" "$W/log"
P=$(port)
cat >"$W/conf" <<EOC
[retrace]
Listen = 127.0.0.1:$P
SaveDir = $W/spool
LogDir = $W/log
RequireHTTPS = 0
MinStorageLeft = 100
MaxPackedSize = 1024
MaxUnpackedSize = 4096
RunAsUser = nobody
SeccompPolicyDir = $W/pol
# wrk's 100 connections, and 1b's 500 hostile ones, come from few addresses
MaxConnectionsPerAddress = 512
EOC
"$W/retrace-httpd" -c "$W/conf" >"$W/httpd.out" 2>&1 &
HTTPD_PID=$!
for i in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$P/settings" && break; sleep 0.1; done

echo "== making the test data"
# A task to poll.
mkdir -p "$W/crash"
head -c 100000 /dev/urandom >"$W/crash/coredump"
echo /usr/bin/true >"$W/crash/executable"
echo coreutils-9.1-1.fc39 >"$W/crash/package"
tar -C "$W/crash" -cJf "$W/small.tar.xz" coredump executable package
curl -s -D "$W/h" -o /dev/null -H 'Content-Type: application/x-xz-compressed-tar' \
	--data-binary "@$W/small.tar.xz" "http://127.0.0.1:$P/create"
ID=$(tr -d '\r' <"$W/h" | sed -n 's/^X-Task-Id: //p')
PW=$(tr -d '\r' <"$W/h" | sed -n 's/^X-Task-Password: //p')
BODY=$(curl -s -H "X-Task-Password: $PW" "http://127.0.0.1:$P/$ID")

# A 200 MB coredump that compresses like one: zeroed pages, library code,
# heap-like noise.
mkdir -p "$W/big"
set +o pipefail # head ends the generator with SIGPIPE
{
	libs=$(ls /usr/lib/x86_64-linux-gnu/*.so* 2>/dev/null | awk 'NR <= 200')
	total=0
	while [ $total -lt 200 ]; do
		head -c 8M /dev/zero
		cat $libs 2>/dev/null | head -c 8M
		head -c 4M /dev/urandom
		total=$((total + 20))
	done
} | head -c 200M >"$W/big/coredump"
set -o pipefail
echo /usr/bin/firefox >"$W/big/executable"
echo firefox-120.0-1.fc39 >"$W/big/package"
tar -C "$W/big" -cf - coredump executable package | xz -2 -T1 >"$W/big.tar.xz"
SIZE=$(stat -c %s "$W/big/coredump")
PACKED=$(stat -c %s "$W/big.tar.xz")
echo "coredump $((SIZE / 1048576)) MiB, tar.xz $((PACKED / 1048576)) MiB"

# --- 1. status polls ----------------------------------------------------------
echo "== status polls: $DURATION s, 100 connections, 2 threads (wrk)"
mkdir -p "$W/www/tmp" "$W/nginx"
printf '%s' "$BODY" >"$W/www/$ID"
NP=$(port)
cat >"$W/nginx/nginx.conf" <<EOC
worker_processes 2;
daemon off;
pid $W/nginx/nginx.pid;
error_log $W/nginx/error.log;
events { worker_connections 1024; }
http {
	access_log off;
	client_body_temp_path $W/nginx;
	proxy_temp_path $W/nginx;
	fastcgi_temp_path $W/nginx;
	uwsgi_temp_path $W/nginx;
	scgi_temp_path $W/nginx;
	server {
		listen 127.0.0.1:$NP;
		root $W/www;
		default_type text/plain;
		location / { }
	}
}
EOC
nginx -c "$W/nginx/nginx.conf" -p "$W/nginx" &
NGINX_PID=$!
sleep 0.5

run_wrk() { # URL -> "rps p99ms"
	wrk -t2 -c100 -d"${DURATION}s" --latency -H "X-Task-Password: $PW" "$1" >"$W/wrk.out" 2>&1
	rps=$(awk '/^Requests\/sec:/ {print $2}' "$W/wrk.out")
	p99=$(awk '$1 == "99%" {print $2}' "$W/wrk.out")
	errs=$(awk '/Non-2xx|Socket errors/ {print}' "$W/wrk.out" | tr '\n' ' ')
	case "$p99" in
	*us) p99=$(echo "$p99" | sed 's/us//' | awk '{printf "%.3f", $1 / 1000}') ;;
	*ms) p99=$(echo "$p99" | sed 's/ms//') ;;
	*s) p99=$(echo "$p99" | sed 's/s//' | awk '{printf "%.1f", $1 * 1000}') ;;
	esac
	echo "$rps $p99 $errs"
}
read -r ours_rps ours_p99 ours_err < <(run_wrk "http://127.0.0.1:$P/$ID")
read -r ng_rps ng_p99 ng_err < <(run_wrk "http://127.0.0.1:$NP/$ID")
kill "$NGINX_PID"
wait "$NGINX_PID" 2>/dev/null || true
NGINX_PID=

printf '\n| status poll (GET /<id>, password checked) | requests/s | p99 latency (ms) |\n|---|---|---|\n'
printf '| retrace-httpd | %s | %s |\n' "$ours_rps" "$ours_p99"
printf '| nginx, same body as a static file | %s | %s |\n' "$ng_rps" "$ng_p99"
printf '| ratio retrace-httpd / nginx | %s | %s |\n' \
	"$(awk -v a="$ours_rps" -v b="$ng_rps" 'BEGIN {printf "%.2f", a / b}')" \
	"$(awk -v a="$ours_p99" -v b="$ng_p99" 'BEGIN {printf "%.2f", a / b}')"
[ -n "$ours_err" ] && echo "retrace-httpd errors: $ours_err"
[ -n "$ng_err" ] && echo "nginx errors: $ng_err"

# --- 1b. the front door under attack ---------------------------------------------
echo
echo "== 500 hostile connections (slowloris: 20 addresses x 25, one header byte every 0.5 s, reconnecting"
echo "   when HeaderTimeout (20 s) ends them): status polls as in 1, and 10 uploads of a small crash"
echo "   (curl from 127.0.0.200, connection and all), against the same without them"
upload_ms() { # -> "min median" milliseconds of 10 uploads of small.tar.xz
	for _ in $(seq 10); do
		curl -s -o /dev/null -w '%{time_total} %{http_code}\n' --interface 127.0.0.200 \
			-H 'Content-Type: application/x-xz-compressed-tar' --data-binary "@$W/small.tar.xz" \
			"http://127.0.0.1:$P/create"
	done | awk '$2 == 201 {printf "%.1f\n", $1 * 1000}' | sort -n |
		awk '{v[NR] = $1} END {if (NR == 0) print "failed failed"; else print v[1], v[int((NR + 1) / 2)]}'
}
# the attackers' side of their connections (ss prints no state column with a state filter)
hostile_open() { ss -Htn state established "( dport = :$P )" | awk '$3 !~ /^127\.0\.0\.(1|200):/' | wc -l; }
read -r q_rps q_p99 q_err < <(run_wrk "http://127.0.0.1:$P/$ID")
read -r q_umin q_umed < <(upload_ms)
python3 tests/tools/hostile-clients.py "$P" slowloris 20 25 $((DURATION * 3 + 60)) >"$W/hostile.out" 2>&1 &
HOSTILE_PID=$!
for _ in $(seq 200); do [ "$(hostile_open)" -ge 500 ] && break; sleep 0.1; done
open_before=$(hostile_open)
read -r a_rps a_p99 a_err < <(run_wrk "http://127.0.0.1:$P/$ID")
read -r a_umin a_umed < <(upload_ms)
open_after=$(hostile_open)
kill "$HOSTILE_PID" 2>/dev/null || true
wait "$HOSTILE_PID" 2>/dev/null || true
HOSTILE_PID=
printf '\n| retrace-httpd | polls/s | poll p99 (ms) | upload min (ms) | upload median (ms) |\n|---|---|---|---|---|\n'
printf '| quiet | %s | %s | %s | %s |\n' "$q_rps" "$q_p99" "$q_umin" "$q_umed"
printf '| %s-%s hostile connections open | %s | %s | %s | %s |\n' "$open_before" "$open_after" \
	"$a_rps" "$a_p99" "$a_umin" "$a_umed"
printf '| ratio under attack / quiet | %s | %s | | %s |\n' \
	"$(awk -v a="$a_rps" -v b="$q_rps" 'BEGIN {printf "%.2f", a / b}')" \
	"$(awk -v a="$a_p99" -v b="$q_p99" 'BEGIN {printf "%.2f", a / b}')" \
	"$(awk -v a="$a_umed" -v b="$q_umed" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}')"
[ -n "$a_err" ] && echo "retrace-httpd errors under attack: $a_err"

# --- 2. upload + unpack -----------------------------------------------------------
echo
echo "== upload + unpack of the 200 MB coredump as tar.xz"
sync
start=$(date +%s.%N)
code=$(curl -s -o "$W/resp" -w '%{http_code}' -H 'Content-Type: application/x-xz-compressed-tar' \
	--data-binary "@$W/big.tar.xz" "http://127.0.0.1:$P/create")
end=$(date +%s.%N)
ours_t=$(awk -v a="$start" -v b="$end" 'BEGIN {printf "%.2f", b - a}')
hwm=$(awk '/^VmHWM:/ {print $2}' "/proc/$HTTPD_PID/status")
[ "$code" = 201 ] || { echo "upload failed: $code $(cat "$W/resp")"; exit 1; }

mkdir -p "$W/peer"
sync
start=$(date +%s.%N)
xz -dc "$W/big.tar.xz" | tar -x -C "$W/peer"
end=$(date +%s.%N)
peer_t=$(awk -v a="$start" -v b="$end" 'BEGIN {printf "%.2f", b - a}')
cmp -s "$W/peer/coredump" "$W/big/coredump" || echo "warning: the peer's unpacked coredump differs"

mib=$((SIZE / 1048576))
printf '\n| upload + unpack, %d MiB coredump, %d MiB tar.xz | seconds | MiB/s (unpacked) | peak RSS (MiB) |\n|---|---|---|---|\n' \
	"$mib" "$((PACKED / 1048576))"
printf '| retrace-httpd (POST /create over loopback) | %s | %s | %s |\n' "$ours_t" \
	"$(awk -v s="$mib" -v t="$ours_t" 'BEGIN {printf "%.0f", s / t}')" "$((hwm / 1024))"
printf '| xz -dc \\| tar x | %s | %s | - |\n' "$peer_t" \
	"$(awk -v s="$mib" -v t="$peer_t" 'BEGIN {printf "%.0f", s / t}')"
printf '| ratio retrace-httpd / peer (time) | %s | | |\n' \
	"$(awk -v a="$ours_t" -v b="$peer_t" 'BEGIN {printf "%.2f", a / b}')"
if [ $((hwm / 1024)) -lt 64 ]; then
	echo "peak RSS goal (< 64 MiB): met"
else
	echo "peak RSS goal (< 64 MiB): NOT met"
fi

# --- 2b. sandbox start-to-exit ------------------------------------------------------
echo
echo "== sandbox start-to-exit of /usr/bin/true, median of 200 interleaved runs (tests/tools/runtime.c: fork"
echo "   to waitpid of each launcher; for sandbox_run(), the call's start to its return, the namespace reaped)"
if command -v bwrap >/dev/null; then
	SR=$W/sbroot
	mkdir -p "$SR/proc" "$SR/dev" "$SR/tmp" "$SR/usr" "$SR/etc"
	for l in bin lib lib32 lib64 sbin; do [ -e "/$l" ] && ln -s "usr/$l" "$SR/$l"; done
	touch "$SR/etc/ld.so.cache"
	# one interleaved series: run 1 of each, run 2 of each... (each netns
	# torn down leaves the kernel work that slows whatever runs next)
	"$B/tests/runtime" 200 \
		"$B/bin/retrace-sandbox" --root "$SR" --policy "$W/pol/gdb.policy" \
		--ro-bind /usr /usr --ro-bind /etc/ld.so.cache /etc/ld.so.cache -- /usr/bin/true ::: \
		--sandbox "$SR" "$W/pol/gdb.policy" /usr /usr /etc/ld.so.cache /etc/ld.so.cache \
		-- /usr/bin/true ::: \
		--prepared "$SR" "$W/pol/gdb.policy" /usr /usr /etc/ld.so.cache /etc/ld.so.cache \
		-- /usr/bin/true ::: \
		"$B/bin/retrace-sandbox" --root "$SR" --no-seccomp \
		--ro-bind /usr /usr --ro-bind /etc/ld.so.cache /etc/ld.so.cache -- /usr/bin/true ::: \
		bwrap --unshare-all --new-session --clearenv --ro-bind /usr /usr \
		--ro-bind /etc/ld.so.cache /etc/ld.so.cache --symlink usr/bin /bin --symlink usr/lib /lib \
		--symlink usr/lib64 /lib64 --symlink usr/sbin /sbin --proc /proc --dev /dev --tmpfs /tmp \
		/usr/bin/true ::: \
		unshare -rmpiuCn --fork true >"$W/sb.times"
	{
		read -r ours _; read -r ours_lib _; read -r ours_prep _; read -r ours_noseccomp _
		read -r bw _; read -r floor _
	} <"$W/sb.times"
	printf '\n| start-to-exit of /usr/bin/true | ms (median of 200) |\n|---|---|\n'
	printf '| retrace-sandbox (%s), gdb policy parsed and compiled each run | %s |\n' \
		"$(file -b "$B/bin/retrace-sandbox" | grep -q static && echo static-pie || echo dynamic)" "$ours"
	printf '| retrace-sandbox --no-seccomp | %s |\n' "$ours_noseccomp"
	printf '| sandbox_run() in a long-lived process, policy compiled once | %s |\n' "$ours_lib"
	printf '| sandbox_run() on a sandbox_prepare()d sandbox (the worker'"'"'s way: namespaces made at the task'"'"'s start, not timed) | %s |\n' \
		"$ours_prep"
	printf '| bwrap --unshare-all --new-session --clearenv, same binds | %s |\n' "$bw"
	printf '| unshare -rmpiuCn --fork true (namespaces alone, no mounts) | %s |\n' "$floor"
	printf '| ratio retrace-sandbox / bwrap | %s |\n' \
		"$(awk -v a="$ours" -v b="$bw" 'BEGIN {printf "%.2f", a / b}')"
	printf '| ratio sandbox_run() / bwrap, nothing made ahead | %s |\n' \
		"$(awk -v a="$ours_lib" -v b="$bw" 'BEGIN {printf "%.2f", a / b}')"
	printf '| ratio prepared sandbox_run() / bwrap, the worker'"'"'s start-to-exit (goal: 0.50 or less) | %s |\n' \
		"$(awk -v a="$ours_prep" -v b="$bw" 'BEGIN {printf "%.2f", a / b}')"
else
	echo "bwrap is not installed: skipped"
fi

# --- 2c. the solver on a 100,000-package repository ----------------------------
echo
echo "== solver: a generated repository of ${BENCH_PACKAGES:=100000} packages (bench/gen-repo.py)"
REL=bench-1-x86_64
mkdir -p "$W/repos"
python3 bench/gen-repo.py "$W/repos/$REL" "$BENCH_PACKAGES" "$W/ids"
nfiles=$(zcat "$W/repos/$REL/repodata/filelists.xml.gz" | grep -o '<file>' | wc -l)
RS="$B/bin/retrace-resolve --repodir $W/repos --release $REL"
stat_of() { sed -n "s/.* $1 \([0-9.]*\)s\{0,1\} .*/\1/p" "$W/rs.err" | head -n 1; }
/usr/bin/time -f '%e %M' -o "$W/t" $RS --reindex --no-scan --stats 2>"$W/rs.err"
read -r ours_xml_wall ours_xml_rss <"$W/t"
/usr/bin/time -f '%e %M' -o "$W/t" $RS --lookup "$W/ids" --stats >"$W/ours.hits" 2>"$W/rs.err"
read -r ours_cache_wall ours_cache_rss <"$W/t"
ours_cache_load=$(stat_of load)
ours_lookup_s=$(sed -n 's/^lookups .* seconds //p' "$W/rs.err")
ours_rate=$(awk -v s="$ours_lookup_s" 'BEGIN {printf "%.0f", 10000 / s}')
head -n 100 "$W/ids" >"$W/ids100"
mkdir -p "$W/dnf/repos"
printf '[main]\ngpgcheck=0\n' >"$W/dnf/dnf.conf"
DNF="dnf -q -c $W/dnf/dnf.conf --setopt=reposdir=$W/dnf/repos --setopt=cachedir=$W/dnf/cache \
	--repofrompath=b,file://$W/repos/$REL --repo=b --releasever=1 --installroot=$W/dnf/root --forcearch=x86_64"
one=$(head -n 2 "$W/ids" | tail -n 1)
p1="/usr/lib/.build-id/${one:0:2}/${one:2}"
/usr/bin/time -f '%e %M' -o "$W/t" $DNF repoquery --qf '%{name}' --whatprovides "$p1" >/dev/null 2>&1
read -r dnf_xml_wall dnf_xml_rss <"$W/t"
/usr/bin/time -f '%e %M' -o "$W/t" $DNF repoquery --qf '%{name}' --whatprovides "$p1" >/dev/null 2>&1
read -r dnf_cache_wall dnf_cache_rss <"$W/t"
l100=$(awk '{printf "%s/usr/lib/.build-id/%s/%s", (NR > 1 ? "," : ""), substr($1, 1, 2), substr($1, 3)}' "$W/ids100")
/usr/bin/time -f '%e %M' -o "$W/t" $DNF repoquery --qf '%{name}' --whatprovides "$l100" >/dev/null 2>&1
read -r dnf_100_wall dnf_100_rss <"$W/t"
dnf_rate=$(awk -v a="$dnf_100_wall" -v b="$dnf_cache_wall" 'BEGIN {d = a - b; printf "%.1f", (d > 0 ? 99 / d : 0)}')
printf '\n| %d packages, %d files | retrace-resolve | dnf repoquery --whatprovides | ratio dnf / ours |\n|---|---|---|---|\n' \
	"$BENCH_PACKAGES" "$nfiles"
printf '| first open: XML to cache, whole process (s) | %s | %s | %s |\n' "$ours_xml_wall" "$dnf_xml_wall" \
	"$(awk -v a="$dnf_xml_wall" -v b="$ours_xml_wall" 'BEGIN {printf "%.1f", a / b}')"
printf '| ... peak RSS (MiB) | %s | %s | |\n' "$((ours_xml_rss / 1024))" "$((dnf_xml_rss / 1024))"
printf '| cached open + 1 lookup, whole process (s) | %s | %s | %s |\n' "$ours_cache_wall" "$dnf_cache_wall" \
	"$(awk -v a="$dnf_cache_wall" -v b="$ours_cache_wall" 'BEGIN {printf "%.1f", (b > 0 ? a / b : 0)}')"
printf '| ... of which loading the cache (s) | %s | - | |\n' "$ours_cache_load"
printf '| ... peak RSS (MiB) | %s | %s | |\n' "$((ours_cache_rss / 1024))" "$((dnf_cache_rss / 1024))"
printf '| build-id lookups per second | %s | %s | %s |\n' "$ours_rate" "$dnf_rate" \
	"$(awk -v a="$ours_rate" -v b="$dnf_rate" 'BEGIN {printf "%.0fx", (b > 0 ? a / b : 0)}')"
echo "(ours: 10,000 lookups, 1 in 5 absent; dnf: 100 paths in one repoquery minus one path)"

# --- 2d. the rootfs cache: extraction and stacks ------------------------------
echo
echo "== rootfs cache: ${BENCH_ROOT_PACKAGES:=200} packages of real shared libraries (bench/gen-packages.sh)"
RREL=bench-2-x86_64
bench/gen-packages.sh "$W/rrepo/$RREL" "$BENCH_ROOT_PACKAGES" 4
pkgs=("$W/rrepo/$RREL"/Packages/*.rpm)
names=$(for p in "${pkgs[@]}"; do rpm -qp --nosignature --qf '%{NAME} ' "$p"; done)
packed=$(du -cb "${pkgs[@]}" | tail -n 1 | cut -f1)
printf '[retrace]\nRepoDir = %s\nRootfsCacheDir = %s\nRequireGPGCheck = 0\n' "$W/rrepo" "$W/rcache" >"$W/rconf"
RF="$B/bin/retrace-rootfs -c $W/rconf --release $RREL"
drop_caches() { sync; echo 3 >/proc/sys/vm/drop_caches 2>/dev/null || true; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.3f", (b - a) / 1e9}'; }
# cold: nothing cached, page cache dropped (when we may)
drop_caches
start=$(date +%s%N)
$RF extract $names >/dev/null
end=$(date +%s%N)
ours_cold=$(secs "$start" "$end")
unpacked=$(find "$W/rcache/trees" -path '*/root/*' -type f -printf '%s\n' | awk '{s += $1} END {print s}')
drop_caches
mkdir -p "$W/peer1"
start=$(date +%s%N)
for p in "${pkgs[@]}"; do rpm2archive -n - <"$p" | tar -xf - -C "$W/peer1"; done
end=$(date +%s%N)
r2a_cold=$(secs "$start" "$end")
drop_caches
mkdir -p "$W/peer2"
start=$(date +%s%N)
for p in "${pkgs[@]}"; do bsdtar -xf "$p" -C "$W/peer2"; done
end=$(date +%s%N)
bsd_cold=$(secs "$start" "$end")
mbs() { awk -v b="$unpacked" -v t="$1" 'BEGIN {printf "%.0f", b / 1048576 / t}'; }
printf '\n| cold cache: extract %d packages (%d MiB packed, %d MiB unpacked) | seconds | MiB/s unpacked |\n|---|---|---|\n' \
	"$BENCH_ROOT_PACKAGES" "$((packed / 1048576))" "$((unpacked / 1048576))"
printf '| retrace-rootfs extract (verifies checksums and digests, atomic, synced) | %s | %s |\n' "$ours_cold" "$(mbs "$ours_cold")"
printf '| rpm2archive -n \\| tar -x (no verification) | %s | %s |\n' "$r2a_cold" "$(mbs "$r2a_cold")"
printf '| bsdtar -xf (libarchive, no verification) | %s | %s |\n' "$bsd_cold" "$(mbs "$bsd_cold")"

# warm: assemble the root of all of them, 5 runs, the median
for i in 1 2 3 4 5; do
	du_before=$(du -sb "$W/rcache" | cut -f1)
	start=$(date +%s%N)
	$RF run $names -- true 2>"$W/run.err"
	end=$(date +%s%N)
	du_after=$(du -sb "$W/rcache" | cut -f1)
	echo "$(secs "$start" "$end") $(sed -n 's/^trees of .* in \([0-9.]*\) ms, conflicts checked in \([0-9.]*\) ms$/\1 \2/p' "$W/run.err") $(sed -n 's/^stack of .* in \([0-9.]*\) ms$/\1/p' "$W/run.err") $((du_after - du_before))"
done | sort -n | sed -n 3p >"$W/warm"
read -r warm_wall warm_trees warm_conf warm_mount warm_disk <"$W/warm"
warm_ms=$(awk -v a="$warm_trees" -v b="$warm_conf" -v c="$warm_mount" 'BEGIN {printf "%.2f", a + b + c}')
mkdir -p "$W/dnf2/repos"
printf '[main]\ngpgcheck=0\n' >"$W/dnf2/dnf.conf"
start=$(date +%s%N)
dnf -q -y -c "$W/dnf2/dnf.conf" --setopt=reposdir="$W/dnf2/repos" --setopt=cachedir="$W/dnf2/cache" \
	--repofrompath=r,"file://$W/rrepo/$RREL" --repo=r --releasever=1 --installroot="$W/dnf2/root" \
	--forcearch=x86_64 --setopt=install_weak_deps=0 --nogpgcheck install $names >/dev/null 2>&1
end=$(date +%s%N)
dnf_t=$(secs "$start" "$end")
dnf_disk=$(du -sb "$W/dnf2/root" | cut -f1)
dnf_files=$(find "$W/dnf2/root/usr/lib64/bench" -type f | wc -l)
ours_files=$($RF run $names -- sh -c 'find usr/lib64/bench -type f | wc -l' 2>/dev/null)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.0fx", (b > 0 ? a / b : 0)}'; }
printf '\n| the root of %d packages (%s files in ours, %s in dnf'"'"'s) | ms | disk per task | dnf / ours |\n|---|---|---|---|\n' \
	"$BENCH_ROOT_PACKAGES" "$ours_files" "$dnf_files"
printf '| warm cache: cache lookups + conflict check + overlay mount | %s (%s + %s + %s) | %s bytes | %s |\n' \
	"$warm_ms" "$warm_trees" "$warm_conf" "$warm_mount" "$warm_disk" "$(ratio "$(awk -v t="$dnf_t" 'BEGIN {print t * 1000}')" "$warm_ms")"
printf '| ... the overlay mount alone (%s layers, lowerdir+) | %s | | %s |\n' "$BENCH_ROOT_PACKAGES" "$warm_mount" \
	"$(ratio "$(awk -v t="$dnf_t" 'BEGIN {print t * 1000}')" "$warm_mount")"
printf '| ... the whole retrace-rootfs run process (start, repo load, fork, exec true) | %s | | %s |\n' \
	"$(awk -v t="$warm_wall" 'BEGIN {printf "%.1f", t * 1000}')" "$(ratio "$dnf_t" "$warm_wall")"
printf '| dnf --installroot install, same packages, same local repository (what mock does) | %s | %s bytes | 1x |\n' \
	"$(awk -v t="$dnf_t" 'BEGIN {printf "%.0f", t * 1000}')" "$dnf_disk"
echo "(ours: median of 5 runs; disk per task is what the cache directory grew by: the writable layer is a 16 MiB tmpfs"
echo " that holds only what the task writes; these packages have no scriptlets, which flatters dnf)"

# --- 2e. the whole retrace: the demo crash, upload to backtrace --------------
echo
echo "== the whole retrace of make demo's crash (rtprog: NULL store in librtlib)"
DREL=fedora-39-x86_64
tests/fixtures/rpm/mkrepo.sh "$W/drepo" $DREL demo
mkdir -p "$W/dspool" "$W/dlog" "$W/dcache"
[ "$(id -u)" = 0 ] && chown nobody:nogroup "$W/dspool" "$W/dlog" "$W/dcache"
DP=$(port)
cat >"$W/dconf" <<EOC
[retrace]
Listen = 127.0.0.1:$DP
SaveDir = $W/dspool
LogDir = $W/dlog
RepoDir = $W/drepo
RootfsCacheDir = $W/dcache
RequireGPGCheck = 0
RequireHTTPS = 0
MinStorageLeft = 100
RunAsUser = nobody
SeccompPolicyDir = $W/pol
EOC
"$B/bin/retrace-resolve" -c "$W/dconf" --release $DREL --reindex >/dev/null 2>&1
"$B/bin/retrace-reposync" -c "$W/dconf" --publish-only >/dev/null
"$W/retrace-httpd" -c "$W/dconf" >"$W/dhttpd.out" 2>&1 &
DHTTPD_PID=$!
"$B/bin/retrace-worker" -c "$W/dconf" >"$W/dworker.out" 2>&1 &
DWORKER_PID=$!
for i in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$DP/settings" && break; sleep 0.1; done
DPK=$W/drepo/$DREL/Packages
tests/fixtures/rpm/crash.sh "$W/dcrash" "$DPK/rtprog-1.0-1.x86_64.rpm $DPK/rtprog-libs-1.0-1.x86_64.rpm" \
	rtprog-1.0-1 -- /usr/bin/rtprog crash abc
tar -C "$W/dcrash" -cf - coredump executable package os_release | xz -2 >"$W/dcrash.tar.xz"
# one retrace: POST /create, GET /<id> every 10 ms, GET /<id>/backtrace; prints seconds
retrace_once() {
	local start end id pw st
	start=$(date +%s%N)
	curl -s -D "$W/dh" -o /dev/null -H 'Content-Type: application/x-xz-compressed-tar' \
		--data-binary "@$W/dcrash.tar.xz" "http://127.0.0.1:$DP/create"
	id=$(tr -d '\r' <"$W/dh" | sed -n 's/^X-Task-Id: //p')
	pw=$(tr -d '\r' <"$W/dh" | sed -n 's/^X-Task-Password: //p')
	for _ in $(seq 3000); do
		st=$(curl -s -D - -o /dev/null -H "X-Task-Password: $pw" "http://127.0.0.1:$DP/$id" |
			tr -d '\r' | sed -n 's/^X-Task-Status: //p')
		[ "$st" = PENDING ] || break
		sleep 0.01
	done
	curl -s -o "$W/dbt" -H "X-Task-Password: $pw" "http://127.0.0.1:$DP/$id/backtrace"
	end=$(date +%s%N)
	grep -q 'rtlib_store (where=where@entry=0x0' "$W/dbt" || { echo "no backtrace ($st):" >&2; cat "$W/dworker.out" >&2; }
	secs "$start" "$end"
	echo
}
median() { sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
for i in 1 2 3; do
	rm -rf "$W/dcache/trees"/* 2>/dev/null || true
	drop_caches
	retrace_once
done | median >"$W/dcold"
for i in 1 2 3 4 5 6 7; do retrace_once; done | median >"$W/dwarm"
# what a user waits: retrace-client batch (settings, checkpackage, tar | xz -2, upload,
# its own polling), the whole command
client_once() {
	local start end
	start=$(date +%s%N)
	"$B/bin/retrace-client" --url "http://127.0.0.1:$DP" batch --dir "$W/dcrash" >"$W/cbt" 2>"$W/cerr"
	end=$(date +%s%N)
	grep -q 'rtlib_store (where=where@entry=0x0' "$W/cbt" || { echo "retrace-client: no backtrace:" >&2; cat "$W/cerr" >&2; }
	secs "$start" "$end"
	echo
}
for i in 1 2 3 4 5; do client_once; done | median >"$W/dclient"
kill "$DWORKER_PID" "$DHTTPD_PID" 2>/dev/null || true
wait "$DWORKER_PID" "$DHTTPD_PID" 2>/dev/null || true
# the part that replaces mock: the root for this crash
dnames="rtprog rtprog-libs rtsys rtprog-debuginfo rtprog-libs-debuginfo rtprog-debugsource"
printf '[retrace]\nRepoDir = %s\nRootfsCacheDir = %s\nRequireGPGCheck = 0\n' "$W/drepo" "$W/dcache2" >"$W/dconf2"
DRF="$B/bin/retrace-rootfs -c $W/dconf2 --release $DREL"
$DRF extract $dnames >/dev/null
for i in 1 2 3 4 5; do
	$DRF run $dnames -- true 2>"$W/drun.err"
	awk '/^trees of .* ms, conflicts checked in/ { t = $(NF - 6); c = $(NF - 1) } /^stack of .* ms$/ { m = $(NF - 1) }
		END { printf "%.2f\n", t + c + m }' "$W/drun.err"
done | median >"$W/droot"
mkdir -p "$W/dnf3/repos"
printf '[main]\ngpgcheck=0\n' >"$W/dnf3/dnf.conf"
start=$(date +%s%N)
dnf -q -y -c "$W/dnf3/dnf.conf" --setopt=reposdir="$W/dnf3/repos" --setopt=cachedir="$W/dnf3/cache" \
	--repofrompath=r,"file://$W/drepo/$DREL" --repo=r --releasever=1 --installroot="$W/dnf3/root" \
	--forcearch=x86_64 --setopt=install_weak_deps=0 --nogpgcheck install $dnames >"$W/dnf3.out" 2>&1 || { echo "dnf failed:"; cat "$W/dnf3.out"; }
end=$(date +%s%N)
dnf3_ms=$(awk -v a="$start" -v b="$end" 'BEGIN {printf "%.0f", (b - a) / 1e6}')
printf '\n| make demo'"'"'s crash, %d KiB core | seconds |\n|---|---|\n' "$(($(stat -c %s "$W/dcrash/coredump") / 1024))"
printf '| upload to backtrace, cold cache (6 packages extracted; median of 3) | %s |\n' "$(cat "$W/dcold")"
printf '| upload to backtrace, warm cache (median of 7; goal under 1 s) | %s |\n' "$(cat "$W/dwarm")"
printf '| retrace-client batch, warm cache, the whole command (median of 5) | %s |\n' "$(cat "$W/dclient")"
printf '\n| the root for that crash (%s) | ms | dnf / ours |\n|---|---|---|\n' "$dnames"
printf '| retrace-rootfs, warm cache: lookups + conflicts + overlay mount (median of 5) | %s | %s |\n' \
	"$(cat "$W/droot")" "$(awk -v a="$dnf3_ms" -v b="$(cat "$W/droot")" 'BEGIN {printf "%.0fx", (b > 0 ? a / b : 0)}')"
printf '| dnf --installroot install, same packages, same repository (the original'"'"'s way) | %s | 1x |\n' "$dnf3_ms"
echo "(upload to backtrace: curl POST /create, GET /<id> every 10 ms, GET /<id>/backtrace, over 127.0.0.1;"
echo " the worker runs this machine's gdb in the sandbox over the stacked packages)"

# --- 2f. the kernel log of a full-size vmcore -----------------------------------
echo
echo "== kernel log of a real 256 MiB guest's vmcore (Debian kernel under qemu, made now)"
VW=$W/vmcore
if tests/tools/make-vmcore.sh "$VW" bench nokaslr "elf:$VW/d.elf" "kdump-zlib:$VW/d.flat" 2>"$W/vm.err" &&
	makedumpfile -R "$VW/d.kdump" <"$VW/d.flat" >/dev/null 2>&1; then
	vm_run() { # vm_run CMD... -> "ms-per-run maxrss_kib" (mean of 20 runs; RSS of one)
		local s e
		/usr/bin/time -f '%M' -o "$W/vmt" "$@" >/dev/null 2>&1 || true
		s=$(date +%s%N)
		for i in $(seq 20); do "$@" >/dev/null 2>&1 || true; done
		e=$(date +%s%N)
		echo "$(awk -v a="$s" -v b="$e" 'BEGIN {printf "%.1f", (b - a) / 20e6}') $(cat "$W/vmt")"
	}
	read -r o_elf_t o_elf_m < <(vm_run "$B/bin/retrace-vmcore" dmesg "$VW/d.elf")
	read -r o_kd_t o_kd_m < <(vm_run "$B/bin/retrace-vmcore" dmesg "$VW/d.kdump")
	read -r o_fl_t o_fl_m < <(vm_run "$B/bin/retrace-vmcore" dmesg "$VW/d.flat")
	# (makedumpfile refuses to overwrite its output: a fresh name each run)
	read -r m_kd_t m_kd_m < <(vm_run sh -c 'rm -f "$2"; exec makedumpfile --dump-dmesg "$1" "$2"' mk "$VW/d.kdump" "$W/mk.log")
	rm -f "$W/mk.log"
	makedumpfile --dump-dmesg "$VW/d.elf" "$W/mk.log" >/dev/null 2>&1 && m_elf="reads it" || m_elf="fails (qemu 7.2 puts the program headers at 192)"
	printf '\n| kernel log of a %d MiB ELF / %d MiB kdump-zlib dump | ms (mean of 20) | peak RSS (MiB) |\n|---|---|---|\n' \
		"$(($(stat -c %s "$VW/d.elf") / 1048576))" "$(($(stat -c %s "$VW/d.kdump") / 1048576))"
	printf '| retrace-vmcore dmesg, ELF | %s | %s |\n' "$o_elf_t" "$((o_elf_m / 1024))"
	printf '| retrace-vmcore dmesg, kdump-zlib | %s | %s |\n' "$o_kd_t" "$((o_kd_m / 1024))"
	printf '| retrace-vmcore dmesg, flattened (reassembled on the way) | %s | %s |\n' "$o_fl_t" "$((o_fl_m / 1024))"
	printf '| makedumpfile --dump-dmesg, kdump-zlib | %s | %s |\n' "$m_kd_t" "$((m_kd_m / 1024))"
	printf '| ratio makedumpfile / ours, kdump-zlib | %s | |\n' \
		"$(awk -v a="$m_kd_t" -v b="$o_kd_t" 'BEGIN {printf "%.1fx", (b > 0 ? a / b : 0)}')"
	echo "(makedumpfile --dump-dmesg on the ELF: $m_elf; its row includes one sh -c to remove its output"
	echo " file, which it refuses to overwrite; memory of ours does not grow with the dump: the ring is read, not the dump)"
	rm -rf "$VW"
else
	echo "no vmcore could be made here: skipped ($(tail -n 1 "$W/vm.err"))"
fi

# --- 3. listing the modules of a large core -------------------------------------
echo
echo "== modules of a large core: 1 GiB of touched memory, 100+ shared libraries"
if ! command -v eu-unstrip >/dev/null; then
	echo "eu-unstrip is not installed: skipped"
	exit 0
fi
mkdir -p "$W/big-core"
gcc -O1 -o "$W/bigcore" tests/fixtures/bigcore.c -ldl
libs=$(find /usr/lib/x86_64-linux-gnu -maxdepth 1 -name 'lib*.so.*' -type f 2>/dev/null |
	grep -v -E 'libc\.so|libpthread|libdl|libGL|libvulkan|libasan|libtsan|liblsan|libubsan|libhwasan|libmvec|libSegFault|libmemusage|libpcprofile' |
	sort | awk 'NR <= 160') # awk reads to the end: head would SIGPIPE sort, and pipefail stop the bench
(cd "$W/big-core" && ulimit -c unlimited && echo 0x33 >/proc/self/coredump_filter &&
	exec "$W/bigcore" 1024 $libs) 2>&1 | grep bigcore || true
core=$(ls "$W"/big-core/core* 2>/dev/null | head -n 1)
if [ -z "$core" ]; then
	echo "no core was written (core_pattern is '$(cat /proc/sys/kernel/core_pattern)'): skipped"
	exit 0
fi
echo "core: $(($(stat -c %s "$core") / 1048576)) MiB, $(eu-unstrip -n --core "$core" 2>/dev/null | wc -l) modules"
measure() { # measure CMD... -> "seconds-per-run maxrss_kib" (mean of 10 runs)
	/usr/bin/time -f '%M' -o "$W/time" "$@" >/dev/null 2>&1
	start=$(date +%s%N)
	for i in 1 2 3 4 5 6 7 8 9 10; do "$@" >/dev/null 2>&1; done
	end=$(date +%s%N)
	echo "$(awk -v a="$start" -v b="$end" 'BEGIN {printf "%.4f", (b - a) / 1e10}') $(cat "$W/time")"
}
read -r ours_t ours_m < <(measure "$B/bin/retrace-coredump" --policy "$W/pol/coredump.policy" "$core")
read -r inproc_t inproc_m < <(measure "$B/bin/retrace-coredump" --no-confine "$core")
read -r eu_t eu_m < <(measure eu-unstrip -n --core "$core")
same=different
if cmp -s <("$B/bin/retrace-coredump" --policy "$W/pol/coredump.policy" "$core" | awk '{print $2}' | sort) \
	<(eu-unstrip -n --core "$core" | awk '{print $2}' | sort); then
	same=same
fi
printf '\n| list the modules of a %d MiB core | seconds | peak RSS (MiB) |\n|---|---|---|\n' \
	"$(($(stat -c %s "$core") / 1048576))"
printf '| retrace-coredump (confined reader) | %s | %s |\n' "$ours_t" "$((ours_m / 1024))"
printf '| retrace-coredump --no-confine | %s | %s |\n' "$inproc_t" "$((inproc_m / 1024))"
printf '| eu-unstrip -n --core | %s | %s |\n' "$eu_t" "$((eu_m / 1024))"
printf '| speed-up (eu-unstrip time / ours) | %s | |\n' \
	"$(awk -v a="$eu_t" -v b="$ours_t" 'BEGIN {printf "%.1fx", (b > 0 ? a / b : 0)}')"
echo "build-ids: $same as eu-unstrip's"
