#!/bin/bash
# make bench: retrace-httpd measured against a peer tool in the same run.
#  1. status polls: GET /<id> with the password, 100 connections, wrk; the
#     peer is nginx serving a file of the same size from disk.
#  2. upload + unpack of a 200 MB coredump sent as tar.xz (xz -2, as ABRT
#     sends it); the peer is `xz -dc | tar x` on the same file. Peak RSS of
#     the server is read from /proc (goal: under 64 MB).
set -euo pipefail
cd "$(dirname "$0")/.."
B=${RETRACE_BUILD:-$PWD/build}
W=$(mktemp -d /tmp/retrace-bench.XXXXXX)
chmod 755 "$W"
HTTPD_PID=
NGINX_PID=
cleanup() {
	[ -n "$HTTPD_PID" ] && kill "$HTTPD_PID" 2>/dev/null || true
	[ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2>/dev/null || true
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
	libs=$(ls /usr/lib/x86_64-linux-gnu/*.so* 2>/dev/null | head -n 200)
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
echo "== sandbox start-to-exit of /usr/bin/true, median of 50 runs"
if command -v bwrap >/dev/null; then
	SR=$W/sbroot
	mkdir -p "$SR/proc" "$SR/dev" "$SR/tmp" "$SR/usr" "$SR/etc"
	for l in bin lib lib32 lib64 sbin; do [ -e "/$l" ] && ln -s "usr/$l" "$SR/$l"; done
	touch "$SR/etc/ld.so.cache"
	median_ms() { # median_ms CMD...: median wall time of 50 runs, in ms
		for i in $(seq 50); do
			s=$(date +%s%N)
			"$@" >/dev/null 2>&1
			e=$(date +%s%N)
			echo $(((e - s) / 1000))
		done | sort -n | awk '{a[NR] = $1} END {printf "%.2f", a[int((NR + 1) / 2)] / 1000}'
	}
	ours=$(median_ms "$B/bin/retrace-sandbox" --root "$SR" --policy "$W/pol/gdb.policy" \
		--ro-bind /usr /usr --ro-bind /etc/ld.so.cache /etc/ld.so.cache -- /usr/bin/true)
	ours_noseccomp=$(median_ms "$B/bin/retrace-sandbox" --root "$SR" --no-seccomp \
		--ro-bind /usr /usr --ro-bind /etc/ld.so.cache /etc/ld.so.cache -- /usr/bin/true)
	bw=$(median_ms bwrap --unshare-all --new-session --clearenv --ro-bind /usr /usr \
		--ro-bind /etc/ld.so.cache /etc/ld.so.cache --symlink usr/bin /bin --symlink usr/lib /lib \
		--symlink usr/lib64 /lib64 --symlink usr/sbin /sbin --proc /proc --dev /dev --tmpfs /tmp \
		/usr/bin/true)
	printf '\n| start-to-exit of /usr/bin/true | ms (median of 50) |\n|---|---|\n'
	printf '| retrace-sandbox, gdb policy (parsed and compiled each run) | %s |\n' "$ours"
	printf '| retrace-sandbox --no-seccomp | %s |\n' "$ours_noseccomp"
	printf '| bwrap --unshare-all --new-session --clearenv, same binds | %s |\n' "$bw"
	printf '| ratio retrace-sandbox / bwrap | %s |\n' \
		"$(awk -v a="$ours" -v b="$bw" 'BEGIN {printf "%.2f", a / b}')"
else
	echo "bwrap is not installed: skipped"
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
	sort | head -n 160)
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
