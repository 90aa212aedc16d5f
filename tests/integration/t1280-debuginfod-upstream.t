#!/bin/bash
# Federation (issue 22): a build-id no release has is asked of the
# debuginfod servers in DebuginfodUpstreamURLs - here elfutils' own
# debuginfod over a directory holding the debuginfo package our partial
# mirror lacks - by retrace-debuginfod (through its fetcher process: the
# server has no network) and by the worker, whose backtrace gets the
# library's file:line and locals only that way. Misses are remembered
# (DebuginfodUpstreamNegativeTTL); a server that is down is passed over; an
# answer that is not the build-id asked for, or too large, is thrown away.
. "$(dirname "$0")/../lib/common.sh"

need rpmbuild createrepo_c rpm2archive gdb debuginfod debuginfod-find readelf python3 unshare

. "$RETRACE_SRC/tests/lib/worker.sh"

release_repo full
# the partial mirror: librtlib's debuginfo package is only upstream
mkdir -p "$T/up" "$T/ref"
mv "$P/rtprog-libs-debuginfo-1.0-1.x86_64.rpm" "$T/up/"
createrepo_c --update -q "$REPO/$REL" >"$T/createrepo.out" 2>&1 &&
	"$BIN/retrace-resolve" --repodir "$REPO" --release $REL --reindex >"$T/reindex.out" 2>&1
fixture $? "the release without rtprog-libs-debuginfo, indexed again" "$T/reindex.out"
chmod -R a+rX "$T/repo"
rpm2archive - <"$T/up/rtprog-libs-debuginfo-1.0-1.x86_64.rpm" | tar -C "$T/ref" -xzf - 2>/dev/null
rpm2archive - <"$P/rtprog-libs-1.0-1.x86_64.rpm" | tar -C "$T/ref" -xzf - 2>/dev/null
LIBID=$(readelf -n "$T/ref/usr/lib64/librtlib.so.1" | awk '/Build ID/ { print $3 }')
LIBDBG=$T/ref/usr/lib/debug/usr/lib64/librtlib.so.1-1.0-1.x86_64.debug
[ -f "$LIBDBG" ] && [ ${#LIBID} = 40 ]
fixture $? "librtlib's build-id and its .debug file"

# upstream: elfutils' debuginfod over $T/up
UPORT=$(random_port)
debuginfod -R "$T/up" -p "$UPORT" -d "$T/up.sqlite" -t 0 -g 0 >"$T/elfutils.out" 2>&1 &
UPID=$!
TLSPID=
UURL=http://127.0.0.1:$UPORT
eventually 60 sh -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' $UURL/buildid/$LIBID/debuginfo)\" = 200 ]"
fixture $? "elfutils' debuginfod serves librtlib's debuginfo" "$T/elfutils.out"
# a server that is down, and one whose answers lie (httpserve.py serves a directory)
DEAD=http://127.0.0.1:$(random_port)
BIGID=2222222222222222222222222222222222222222
mkdir -p "$T/liar/buildid/$BIGID" "$T/liar/buildid/1111111111111111111111111111111111111111"
cp "$T/ref/usr/lib64/librtlib.so.1" "$T/liar/buildid/1111111111111111111111111111111111111111/executable"
head -c 3000000 /dev/zero >"$T/liar/buildid/$BIGID/executable"
# a redirect to another server (an internal one, say), and a server that stalls
REDIRID=4444444444444444444444444444444444444444
HANGID=3333333333333333333333333333333333333333
mkdir -p "$T/liar/buildid/$REDIRID" "$T/liar/buildid/$HANGID"
echo "$UURL/buildid/$LIBID/debuginfo" >"$T/liar/buildid/$REDIRID/debuginfo.redirect"
head -c 100000 /dev/zero >"$T/liar/buildid/$HANGID/debuginfo"
python3 "$RETRACE_SRC/tests/tools/httpserve.py" "$T/liar" "$T/liar.port" "$HANGID" 2>"$T/liar.out" &
LIARPID=$!
eventually 10 test -s "$T/liar.port"
fixture $? "the lying server listens"
LIAR=http://127.0.0.1:$(cat "$T/liar.port")

DPORT=$(random_port)
DURL=http://127.0.0.1:$DPORT
worker_config "AllowInteractive = 1
DebuginfodListen = 127.0.0.1:$DPORT
DebuginfodUpstreamURLs = $DEAD $LIAR $UURL
DebuginfodUpstreamTimeout = 10
DebuginfodUpstreamMaxSize = 2
DebuginfodUpstreamNegativeTTL = 600"
"$BIN/retrace-debuginfod" -c "$T/conf" >>"$T/debuginfod.out" 2>&1 &
DPID=$!
trap 'kill $DPID $UPID $LIARPID $TLSPID 2>/dev/null; stop_worker; cleanup' EXIT
eventually 20 curl -s -o /dev/null "$DURL/metrics"
ok $? "retrace-debuginfod answers" || { sed 's/^/#   /' "$T/debuginfod.out"; done_testing; exit 1; }
like "$(cat "$T/debuginfod.out")" "a build-id no release has is asked of: $DEAD $LIAR $UURL" \
	"it says which servers it asks"
# the fetcher: a process of its own, unprivileged; the server keeps its seccomp filter
FPID=$(pgrep -P "$DPID" | head -n 1)
[ -n "$FPID" ]
ok $? "the upstream fetcher is a child process of the server"
is "$(awk '/^Uid:/ { print $2 }' "/proc/$FPID/status")" "$(id -u nobody)" "... running as RunAsUser"
is "$(sed -n 's/^NoNewPrivs:\t//p' "/proc/$FPID/status")" 1 "... with no_new_privs"
is "$(sed -n 's/^CapEff:\t//p' "/proc/$FPID/status")" 0000000000000000 "... and no capabilities"
is "$(sed -n 's/^Seccomp:\t//p' "/proc/$FPID/status")" 2 "... under its own seccomp filter (debuginfod-fetcher.policy)"
is "$(sed -n 's/^Seccomp:\t//p' "/proc/$DPID/status")" 2 "the server itself stays under its seccomp filter"

f=$(find_ debuginfo "$LIBID")
ok $? "debuginfod-find: librtlib's debuginfo found through retrace-debuginfod"
cmp -s "$f" "$LIBDBG"
ok $? "... byte for byte the upstream package's file"
like "$(cat "$T/debuginfod.out")" "200 from upstream $UURL (fetched now)" "its log names the server"
like "$(cat "$T/debuginfod.out")" "$DEAD: " "... after passing over the server that is down"
curl -s -D "$T/h" -o /dev/null "$DURL/buildid/$LIBID/debuginfo"
like "$(tr -d '\r' <"$T/h")" "X-DEBUGINFOD-ARCHIVE: $T/up/rtprog-libs-debuginfo-1.0-1.x86_64.rpm" \
	"the upstream's X-DEBUGINFOD-ARCHIVE is passed on"
like "$(cat "$T/debuginfod.out")" "200 from upstream $UURL (kept in the cache)" "a second request is served from the cache"
[ -f "$T/cache/upstream/root/usr/lib/debug/.build-id/${LIBID:0:2}/${LIBID:2}.debug" ]
ok $? "the file is kept in RootfsCacheDir/upstream/root"

# misses: remembered for the negative TTL
NOID=0123456789abcdef0123456789abcdef01234567
find_ debuginfo $NOID >/dev/null
ok $((! $?)) "an id no server has: not found"
like "$(cat "$T/debuginfod.out")" "404 (no release has it; upstream" "... and the log says the servers were asked"
asked() { grep -c "$NOID/debuginfo: $DEAD" "$T/debuginfod.out"; } # the fetcher's lines
n=$(asked)
find_ debuginfo $NOID >/dev/null
like "$(cat "$T/debuginfod.out")" "remembered as missing for" "asked again: remembered as missing"
is "$(asked)" "$n" "... and no server asked again"

# a lying server: another ELF file for a build-id, or more than DebuginfodUpstreamMaxSize
find_ executable 1111111111111111111111111111111111111111 >/dev/null
ok $((! $?)) "an answer with another build-id is not served"
like "$(cat "$T/debuginfod.out")" "is not an ELF file with build-id 1111111111111111111111111111111111111111; thrown away" \
	"... and the log says why"
find_ executable $BIGID >/dev/null
like "$(cat "$T/debuginfod.out")" "$LIAR: larger than DebuginfodUpstreamMaxSize" \
	"an answer past DebuginfodUpstreamMaxSize is dropped"
ls "$T"/cache/upstream/other/.tmp-* >/dev/null 2>&1
ok $((! $?)) "... and no partial file is left"
find_ debuginfo $REDIRID >/dev/null
ok $((! $?)) "a redirect to another server is not followed"
like "$(cat "$T/debuginfod.out")" "$LIAR: redirected to another server ($UURL/buildid/$LIBID/debuginfo): not followed" \
	"... and the log says so"
is "$(curl -s -o /dev/null -w '%{http_code}' -X POST --data-binary @"$T/liar/buildid/$BIGID/executable" \
	"$DURL/buildid/$LIBID/debuginfo")" 405 "a POST with a 3 MB body: 405, before its body is read"

# stopping while a request waits for a server that stalls: the request is
# answered, the server stops at once (libmicrohttpd must not be stopped with
# a connection suspended)
curl -s -o /dev/null -w '%{http_code}' --max-time 60 "$DURL/buildid/$HANGID/debuginfo" >"$T/hang.code" &
CURLPID=$!
eventually 10 grep -q "GET /buildid/$HANGID/debuginfo" "$T/liar.out"
fixture $? "the stalling server was asked" "$T/liar.out"
kill "$DPID"
wait_exit "$DPID" 3
ok $? "SIGTERM with a request waiting for upstream: the server stops within 3 s (the stalled fetch would take 10)"
wait "$DPID"
is $? 0 "... cleanly"
wait "$CURLPID"
like_re "$(cat "$T/hang.code")" "^(404|000)$" "... and the waiting request ends ($(cat "$T/hang.code"))"

# an HTTPS upstream, its certificate checked against the system's CA bundle
# (the daemon runs in a mount namespace whose /etc/ssl holds our
# certificate as the only CA), fetched by the fetcher under its seccomp filter
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/key.pem" -out "$T/cert.pem" \
	-days 2 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1
fixture $? "a self-signed certificate"
mkdir -p "$T/tls/buildid/$LIBID"
cp "$LIBDBG" "$T/tls/buildid/$LIBID/debuginfo"
HTTPSERVE_TLS="$T/cert.pem:$T/key.pem" python3 "$RETRACE_SRC/tests/tools/httpserve.py" "$T/tls" "$T/tls.port" \
	2>"$T/tls.out" &
TLSPID=$!
eventually 10 test -s "$T/tls.port"
fixture $? "the HTTPS upstream listens"
rm -rf "$T/cache/upstream"
setconf DebuginfodUpstreamURLs "https://127.0.0.1:$(cat "$T/tls.port")"
unshare -m sh -c 'mount -t tmpfs tmpfs /etc/ssl && mkdir /etc/ssl/certs &&
	cp "$0" /etc/ssl/certs/ca-certificates.crt && exec "$@"' "$T/cert.pem" \
	"$BIN/retrace-debuginfod" -c "$T/conf" >>"$T/debuginfod.out" 2>&1 &
DPID=$!
eventually 20 curl -s -o /dev/null "$DURL/metrics"
fixture $? "retrace-debuginfod with an HTTPS upstream answers" "$T/debuginfod.out"
f=$(find_ debuginfo "$LIBID")
ok $? "an HTTPS upstream: found" || sed 's/^/#   /' "$T/debuginfod.out" | tail -n 3
cmp -s "$f" "$LIBDBG"
ok $? "... byte for byte"
like "$(cat "$T/debuginfod.out")" "200 from upstream https://127.0.0.1:$(cat "$T/tls.port") (fetched now)" \
	"... and the log says from where"
kill "$DPID" "$TLSPID"
wait "$DPID" 2>/dev/null
setconf DebuginfodUpstreamURLs "$DEAD $LIAR $UURL"

# the worker: the library's debuginfo the release lacks comes from upstream
rm -rf "$T/cache/upstream"
# what killed processes leave, aged: a task's layer (3 days), a fetch's
# temporary file (2 hours), a miss past its TTL (1 hour); and a young miss
U=$T/cache/upstream
mkdir -p "$U/layers/task-999999999/usr" "$U/other" "$U/missing/aa"
echo x >"$U/other/.tmp-0123456789abcdef"
echo x >"$U/missing/aa/aabb-debuginfo"
echo x >"$U/missing/aa/aacc-debuginfo"
touch -d '3 days ago' "$U/layers/task-999999999"
touch -d '2 hours ago' "$U/other/.tmp-0123456789abcdef"
touch -d '1 hour ago' "$U/missing/aa/aabb-debuginfo"
[ "$(id -u)" = 0 ] && chown -R nobody:nogroup "$U"
start_httpd || exit 1
start_worker
rtprog_segv
send "$T/segv.d"
ok $? "the crash uploaded"
is "$(wait_done "$ID" "$PW")" FINISHED_SUCCESS "the task succeeds"
get "$ID" "$PW" log >"$T/task.log"
get "$ID" "$PW" backtrace >"$T/task.bt"
like "$(cat "$T/task.log")" "upstream-debuginfo: $LIBID /lib64/librtlib.so.1: from $UURL" \
	"its log: librtlib's debuginfo from upstream"
like "$(cat "$T/task.log")" "upstream-debuginfo: 1 of" "... and how many were found"
like_re "$(cat "$T/task.bt")" "rtlib_store \\(.*\\) at rtlib.c:[0-9]+" "the backtrace has librtlib's file:line"
like_re "$(cat "$T/task.bt")" "^ +[a-z_]+ = " "... and locals"
ls "$T/cache/upstream/layers/" >"$T/layers" 2>&1
is "$(cat "$T/layers")" "" "the task's layer is gone when it ends, and a killed worker's old one too"
[ ! -e "$U/other/.tmp-0123456789abcdef" ] && [ ! -e "$U/missing/aa/aabb-debuginfo" ] &&
	[ -e "$U/missing/aa/aacc-debuginfo" ]
ok $? "the hourly sweep removed a stale temporary file and an expired miss, not a young one"

# an interactive task keeps its root: retrace-interact links the upstream file again
send "$T/segv.d" 3
is "$(wait_done "$ID" "$PW" 120)" FINISHED_SUCCESS "an interactive task (3) with upstream debuginfo"
like "$(cat "$T/spool/$ID/rootfs")" "upstream-debuginfo $LIBID" "... its root description names the upstream file"
"$BIN/retrace-interact" -c "$T/conf" "$ID" gdb -- -batch -ex bt >"$T/ri.out" 2>"$T/ri.err"
is $? 0 "retrace-interact ID gdb -- -batch -ex bt" || sed 's/^/#   /' "$T/ri.err"
like "$(cat "$T/ri.out")" "rtlib_store (where=where@entry=0x0, value=99) at rtlib.c:13" \
	"... has librtlib's file:line from the upstream file"
ls "$T/cache/upstream/layers/" >"$T/layers" 2>&1
is "$(cat "$T/layers")" "" "... and its layer is gone when it ends"

# the same crash without federation: librtlib's frames have no file:line
stop_worker
setconf DebuginfodUpstreamURLs ""
start_worker
send "$T/segv.d"
is "$(wait_done "$ID" "$PW")" FINISHED_SUCCESS "without DebuginfodUpstreamURLs: the task succeeds"
get "$ID" "$PW" backtrace >"$T/task2.bt"
unlike "$(cat "$T/task2.bt")" "at rtlib.c:" "... but librtlib's frames have no file:line"
done_testing
