#!/bin/bash
# retrace-debuginfod (issue 22, first part): the debuginfod protocol over
# the releases in RepoDir, answered from their build-id index and the
# verified package trees of the rootfs cache. elfutils' own client,
# debuginfod-find, fetches a build-id's debuginfo, executable and source,
# byte for byte the packages' files; gdb with DEBUGINFOD_URLS makes a
# backtrace with function names and file:line from a core whose packages
# are not installed; both over HTTP and HTTPS. Unknown ids, malformed URLs,
# paths that leave the package: 404. Confined (namespace, user, seccomp)
# and under httpd's per-address limits (slowloris, a connection flood).
. "$(dirname "$0")/../lib/common.sh"

need rpmbuild createrepo_c rpm2archive gdb debuginfod-find readelf objcopy openssl unshare python3

. "$RETRACE_SRC/tests/lib/worker.sh"

release_repo full
DPORT=$(random_port)
TPORT=$(random_port)
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/key.pem" -out "$T/cert.pem" \
	-days 2 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1
fixture $? "a self-signed certificate"
chmod 600 "$T/key.pem"
worker_config "DebuginfodListen = 127.0.0.1:$DPORT
DebuginfodTLSListen = 127.0.0.1:$TPORT
TLSCertificate = $T/cert.pem
TLSKey = $T/key.pem
HeaderTimeout = 2
MaxConnectionsPerAddress = 8"
DURL=http://127.0.0.1:$DPORT
TURL=https://127.0.0.1:$TPORT
chmod -R a+rX "$T/repo"

# what the packages hold, extracted by rpm2archive and tar as the reference
mkdir -p "$T/ref"
for p in rtprog-1.0-1 rtprog-debuginfo-1.0-1 rtprog-debugsource-1.0-1; do
	rpm2archive - <"$P/$p.x86_64.rpm" | tar -C "$T/ref" -xzf - 2>/dev/null
done
BID=$(readelf -n "$T/ref/usr/bin/rtprog" | awk '/Build ID/ { print $3 }')
like_re "$BID" "^[0-9a-f]{40}$" "rtprog's build-id read from its package"

start_debuginfod() {
	"$BIN/retrace-debuginfod" -c "$T/conf" >>"$T/debuginfod.out" 2>&1 &
	DPID=$!
	eventually 20 curl -s -o /dev/null "$DURL/metrics"
}
start_debuginfod
ok $? "retrace-debuginfod answers" || { sed 's/^/#   /' "$T/debuginfod.out"; done_testing; exit 1; }
trap 'kill $DPID 2>/dev/null; stop_worker; cleanup' EXIT
eventually 5 grep -q "as uid $(id -u nobody)\$" "$T/debuginfod.out"
ok $? "it runs as RunAsUser" || sed 's/^/#   /' "$T/debuginfod.out"
# confined: its own mount namespace holding RepoDir (read-only) and the cache only
[ "$(readlink "/proc/$DPID/ns/mnt")" != "$(readlink /proc/self/ns/mnt)" ]
ok $? "it has a mount namespace of its own"
[ ! -e "/proc/$DPID/root/etc" ] && [ ! -e "/proc/$DPID/root/usr" ] && [ ! -e "/proc/$DPID/root/proc/self" ]
ok $? "... with no /etc, /usr or /proc in it"
awk -v p="$T/repo" '$5 == p { print $6 }' "/proc/$DPID/mountinfo" | grep -q '^ro,'
ok $? "... RepoDir read-only"
awk -v p="$T/cache" '$5 == p { print $6 }' "/proc/$DPID/mountinfo" | grep -q '^rw,'
ok $? "... the rootfs cache writable"
is "$(awk '{ print $5 }' "/proc/$DPID/mountinfo" | grep -v "^$T/repo\$" | grep -v "^$T/cache\$" | grep -vc '^/$')" 0 \
	"... and nothing else mounted"
is "$(sed -n 's/^CapEff:\t//p' "/proc/$DPID/status")" 0000000000000000 "... without capabilities"
is "$(sed -n 's/^Seccomp:\t//p' "/proc/$DPID/status")" 2 "... under a seccomp filter (debuginfod.policy)"

f=$(find_ debuginfo "$BID")
ok $? "debuginfod-find debuginfo: found"
cmp -s "$f" "$T/ref/usr/lib/debug/usr/bin/rtprog-1.0-1.x86_64.debug"
ok $? "... byte for byte the package's .debug file"
f=$(find_ executable "$BID")
ok $? "debuginfod-find executable: found"
cmp -s "$f" "$T/ref/usr/bin/rtprog"
ok $? "... byte for byte the package's /usr/bin/rtprog"
f=$(find_ source "$BID" /usr/src/debug/rtprog-1.0-1.x86_64/rtprog.c)
ok $? "debuginfod-find source: found"
cmp -s "$f" "$T/ref/usr/src/debug/rtprog-1.0-1.x86_64/rtprog.c"
ok $? "... byte for byte the debugsource package's rtprog.c"
is "$(curl -s --path-as-is "$DURL/buildid/$BID/source/usr/src/debug/x/../rtprog-1.0-1.x86_64/./rtprog.c" | md5sum)" \
	"$(md5sum <"$T/ref/usr/src/debug/rtprog-1.0-1.x86_64/rtprog.c")" "a source path with . and .. is folded"
like "$(cat "$T/debuginfod.out")" "200 /usr/lib/debug/.build-id/${BID:0:2}/${BID:2}.debug in rtprog-debuginfo-1.0-1.x86_64" \
	"its log says what it served from which package"

find_ debuginfo 0123456789abcdef0123456789abcdef01234567 >/dev/null
ok $((! $?)) "an unknown build-id: debuginfod-find finds nothing"
code() { curl -s -o "$T/body" -D "$T/headers" -w '%{http_code}' --path-as-is "$DURL$1"; }
is "$(code "/buildid/0123456789abcdef0123456789abcdef01234567/debuginfo")" 404 "an unknown build-id: 404"
is "$(code "/buildid/$BID/debuginfo")" 200 "GET debuginfo: 200"
is "$(tr -d '\r' <"$T/headers" | sed -n 's/^X-DEBUGINFOD-SIZE: //Ip')" \
	"$(stat -c %s "$T/ref/usr/lib/debug/usr/bin/rtprog-1.0-1.x86_64.debug")" "... X-DEBUGINFOD-SIZE"
is "$(tr -d '\r' <"$T/headers" | sed -n 's/^X-DEBUGINFOD-ARCHIVE: //Ip')" rtprog-debuginfo-1.0-1.x86_64.rpm "... X-DEBUGINFOD-ARCHIVE"
is "$(tr -d '\r' <"$T/headers" | sed -n 's/^X-DEBUGINFOD-FILE: //Ip')" "/usr/lib/debug/.build-id/${BID:0:2}/${BID:2}.debug" "... X-DEBUGINFOD-FILE"
for u in "/buildid/$(echo "$BID" | tr a-f A-F)/debuginfo" "/buildid/${BID}0/debuginfo" "/buildid/$BID/nothing" \
	"/buildid/$BID/source/usr/src/debug/../../../etc/passwd" "/buildid/$BID/source/../../etc/passwd" \
	"/buildid/$BID/source/usr/src/debug/rtprog-1.0-1.x86_64" "/buildid/$BID/source/usr/lib/.build-id/ff" \
	"/buildid/$BID/source/etc/passwd" "/buildid//debuginfo" "/buildid/$BID" "/etc/passwd" "/"; do
	is "$(code "$u")" 404 "GET $u: 404"
done
# sections: of the debuginfo file when it has the bytes, else of the executable
DBG=$T/ref/usr/lib/debug/usr/bin/rtprog-1.0-1.x86_64.debug
objcopy --dump-section .debug_info="$T/sec.debug_info" "$DBG" /dev/null 2>/dev/null &&
	objcopy --dump-section .text="$T/sec.text" "$T/ref/usr/bin/rtprog" /dev/null 2>/dev/null
fixture $? "the sections as objcopy dumps them"
f=$(find_ section "$BID" .debug_info)
ok $? "debuginfod-find section .debug_info: found"
cmp -s "$f" "$T/sec.debug_info"
ok $? "... the debuginfo file's .debug_info, byte for byte"
f=$(find_ section "$BID" .text)
ok $? "debuginfod-find section .text: found (NOBITS in the debuginfo file)"
cmp -s "$f" "$T/sec.text"
ok $? "... the executable's .text, byte for byte"
is "$(code "/buildid/$BID/section/.no_such_section")" 404 "a section neither file has: 404"
is "$(code "/buildid/$BID/section/.bss")" 404 "a NOBITS section: 404"
is "$(curl -s -o /dev/null -D "$T/h405" -w '%{http_code}' -X POST "$DURL/buildid/$BID/debuginfo")" 405 "POST: 405"
like "$(tr -d '\r' <"$T/h405")" "Allow: GET, HEAD" "... with Allow: GET, HEAD"
code /metrics >/dev/null
like "$(cat "$T/body")" 'retrace_debuginfod_answers_total{result="found"} ' "/metrics counts the answers"

# gdb, the packages not installed: their files from retrace-debuginfod only.
# gdb 13 fetches debuginfo, and executables of the libraries it knows by
# path, but finds a core's libraries at the dynamic linker's paths: the
# executables go into a sysroot as a user would fetch them, with
# debuginfod-find, by the build-ids eu-unstrip reads from the core, at the
# core's path and its /usr twin (the linker says /usr/lib64, the core's
# file notes /lib64).
rtprog_segv
S=$T/sysroot
fetched=0
while read -r _ idat _ _ name; do
	id=${idat%@*}
	case "$name" in linux-vdso*) continue ;; esac
	f=$(find_ executable "$id") || continue
	for p in "$name" "/usr$name"; do
		mkdir -p "$S$(dirname "$p")"
		cp "$f" "$S$p"
	done
	fetched=$((fetched + 1))
done < <(eu-unstrip -n --core="$T/segv.d/coredump")
is "$fetched" 4 "every module of the core (rtprog, librtlib, libc, ld.so) fetched by build-id"
rm -rf "$D"
DEBUGINFOD_URLS=$DURL DEBUGINFOD_CACHE_PATH=$D timeout 120 gdb -nx -batch -ex 'set debuginfod enabled on' \
	-ex "set sysroot $S" -ex "file $S/bin/rtprog" -ex "core-file $T/segv.d/coredump" -ex 'bt full' \
	>"$T/gdb.out" 2>&1
like "$(cat "$T/gdb.out")" "rtlib.c:" "gdb's backtrace has file:line from debuginfo it fetched"
like_re "$(cat "$T/gdb.out")" "in (rtlib_[a-z_]+|main) \\(" "... function names"
like_re "$(cat "$T/gdb.out")" "^ +[a-z_]+ = " "... and locals"
diag "$(grep '^#' "$T/gdb.out" | head -4)"
like "$(cat "$T/debuginfod.out")" "200 /usr/lib/debug/.build-id/45/" "... the library's debuginfo served by us"

# a payload's symlink cannot lead out of its tree: the cached tree's
# .build-id link pointed at the host's /etc/passwd, relative and absolute
link=$(ls -d "$T"/cache/trees/*/root/usr/lib/.build-id/"${BID:0:2}/${BID:2}" | head -n 1)
[ -L "$link" ]
fixture $? "rtprog's tree in the cache, with its .build-id link"
chmod u+w "$(dirname "$link")"
# (RepoDir's files are in its namespace: only the resolver keeps them out)
for target in ../../../../../../../../../../../etc/passwd /etc/passwd "/proc/$DPID/root/etc/passwd" \
	"$T/repo/$REL/repodata/repomd.xml" "../../../../../../../../repo/$REL/repodata/repomd.xml"; do
	ln -sfn "$target" "$link"
	case "$target" in *repomd.xml) (cd "$(dirname "$link")" && [ -f "$target" ]) ||
		diag "the link's target should exist from its directory on the host: $target" ;; esac
	is "$(code "/buildid/$BID/executable")" 404 "a payload symlink to $target: 404"
done

# HTTPS: the clients (libcurl with GnuTLS) trust the system's CA bundle
# only, so they run in a mount namespace whose /etc/ssl holds our
# certificate as the only CA
tls_root() {
	unshare -m sh -c 'mount -t tmpfs tmpfs /etc/ssl && mkdir /etc/ssl/certs &&
		cp "$0" /etc/ssl/certs/ca-certificates.crt && exec "$@"' "$T/cert.pem" "$@"
}
tls_find() {
	rm -rf "$D"
	tls_root env DEBUGINFOD_URLS=$TURL DEBUGINFOD_CACHE_PATH=$D DEBUGINFOD_TIMEOUT=60 debuginfod-find "$@" \
		2>"$T/find.err"
}
f=$(tls_find debuginfo "$BID")
ok $? "HTTPS: debuginfod-find debuginfo: found" || sed 's/^/#   /' "$T/find.err"
cmp -s "$f" "$T/ref/usr/lib/debug/usr/bin/rtprog-1.0-1.x86_64.debug"
ok $? "... byte for byte"
f=$(tls_find source "$BID" /usr/src/debug/rtprog-1.0-1.x86_64/rtprog.c)
ok $? "HTTPS: debuginfod-find source: found"
cmp -s "$f" "$T/ref/usr/src/debug/rtprog-1.0-1.x86_64/rtprog.c"
ok $? "... byte for byte"
rm -rf "$D"
DEBUGINFOD_URLS=$TURL DEBUGINFOD_CACHE_PATH=$D debuginfod-find debuginfo "$BID" >/dev/null 2>&1
ok $((! $?)) "HTTPS: without our certificate among its CAs the client refuses the server"
served=$(grep -c " 200 " "$T/debuginfod.out")
rm -rf "$D"
tls_root env DEBUGINFOD_URLS=$TURL DEBUGINFOD_CACHE_PATH=$D timeout 120 gdb -nx -batch \
	-ex 'set debuginfod enabled on' -ex "set sysroot $S" -ex "file $S/bin/rtprog" \
	-ex "core-file $T/segv.d/coredump" -ex 'bt full' >"$T/gdb-tls.out" 2>&1
like "$(cat "$T/gdb-tls.out")" "rtlib.c:" "HTTPS: gdb's backtrace has file:line"
like_re "$(cat "$T/gdb-tls.out")" "^ +[a-z_]+ = " "... and locals"
[ "$(grep -c " 200 " "$T/debuginfod.out")" -gt "$served" ]
ok $? "... from files it fetched over HTTPS just now"

# httpd's per-address limits (HeaderTimeout 2 s, MaxConnectionsPerAddress 8):
# slow headers from 3 addresses and a flood from one; a client at another
# address is answered throughout
HOSTILE="python3 $RETRACE_SRC/tests/tools/hostile-clients.py"
val() { v=$(sed -n "s/^$1 //p" "$T/hostile.out"); echo "${v:-0}"; }
GOOD_PATH=/metrics $HOSTILE "$DPORT" slowloris 3 12 6 >"$T/hostile.out" 2>"$T/hostile.err"
ok $? "slowloris: the attack ran" || sed 's/^/#   /' "$T/hostile.err"
sed 's/^/#   /' "$T/hostile.out"
[ "$(val good_failed)" -eq 0 ] && [ "$(val good_ok)" -ge 12 ] && [ "$(val good_worst_ms)" -lt 1500 ]
ok $? "slowloris: every GET /metrics of the good client answered within 1.5 s"
[ "$(val slow_closed)" -ge 20 ] && [ "$(val slow_longest_ms)" -le 4500 ]
ok $? "slowloris: slow connections closed after HeaderTimeout ($(val slow_longest_ms) ms at most)"
[ "$(val slow_closed_at_once)" -ge 1 ]
ok $? "slowloris: past 8 connections an address is refused at once"
like "$(cat "$T/debuginfod.out")" "closed: no complete request headers within 2 s (HeaderTimeout)" \
	"... and the log says why"
GOOD_PATH=/metrics $HOSTILE "$DPORT" flood 100 3 >"$T/hostile.out" 2>"$T/hostile.err"
ok $? "flood: the attack ran" || sed 's/^/#   /' "$T/hostile.err"
is "$(val flood_accepted)" 8 "flood: 8 of 100 idle connections from one address are kept"
[ "$(val good_failed)" -eq 0 ] && [ "$(val good_worst_ms)" -lt 1500 ]
ok $? "flood: the good client was served throughout"
like "$(cat "$T/debuginfod.out")" "(MaxConnectionsPerAddress)" "... and the log says why"

kill "$DPID"
wait "$DPID"
is "$?" 0 "SIGTERM: it stops cleanly"
done_testing
