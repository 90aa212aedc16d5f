#!/bin/sh
# POST /create: every status code of CLIENTS.md's list, in the original
# server's order, and every supported format. Nothing is kept on a refusal.
. "$(dirname "$0")/../lib/common.sh"

MK=$TOOLS/mkarchive
crash=$(make_crash_dir)
tar -C "$crash" -cf "$T/up.tar" coredump executable package os_release
gzip -c "$T/up.tar" >"$T/up.tar.gz"
xz -2 -c "$T/up.tar" >"$T/up.tar.xz"
XZ=application/x-xz-compressed-tar

nothing_kept() { # nothing_kept TASKS-BEFORE NAME
	is "$(spool_tasks)" "$1" "$2: no task directory made"
	is "$(incoming_left)" 0 "$2: nothing left in .incoming"
}

write_config "MaxParallelTasks = 1
MaxQueuedTasks = 1
MaxPackedSize = 2
MaxUnpackedSize = 3"
start_httpd || exit 1

for f in up.tar:application/x-tar up.tar.gz:application/x-gzip up.tar.xz:$XZ; do
	code=$(upload "$T/${f%%:*}" "${f#*:}")
	is "$code" 201 "${f%%:*} as ${f#*:} is 201"
	id=$(header_value X-Task-Id)
	pw=$(header_value X-Task-Password)
	echo "$id" | grep -Eq '^[1-9][0-9]{8}$'
	ok $? "X-Task-Id is 9 digits"
	echo "$pw" | grep -Eq '^[a-zA-Z0-9]{32}$'
	ok $? "X-Task-Password is 32 of [a-zA-Z0-9]"
	cmp -s "$crash/coredump" "$T/spool/$id/crash/coredump"
	ok $? "coredump unpacked intact"
	is "$(cat "$T/spool/$id/type")" 0 "type file says 0"
	test -e "$T/spool/.queue/$id"
	ok $? "task is queued"
	rm -rf "$T/spool/$id" "$T/spool/.queue/$id" # keep the load at zero
done
# Content-Type does not have to match the compression: the bytes decide.
code=$(upload "$T/up.tar.xz" application/x-tar)
is "$code" 201 "xz data sent as application/x-tar is unpacked and size-checked"
rm -rf "$T/spool/$(header_value X-Task-Id)" "$T/spool/.queue/$(header_value X-Task-Id)"

code=$(upload "$T/up.tar.xz" $XZ -H "X-Task-Type: 7")
is "$code" 201 "unknown numeric X-Task-Type is 201"
is "$(cat "$T/spool/$(header_value X-Task-Id)/type")" 0 "and is a coredump task"
rm -rf "$T/spool/$(header_value X-Task-Id)" "$T/spool/.queue/$(header_value X-Task-Id)"

"$MK" --xz "$T/vmcore.tar.xz" file:vmcore=@"$crash/coredump"
code=$(upload "$T/vmcore.tar.xz" $XZ -H "X-Task-Type: 2")
is "$code" 201 "vmcore task is 201"
is "$(cat "$T/spool/$(header_value X-Task-Id)/type")" 2 "type file says 2"
rm -rf "$T/spool/$(header_value X-Task-Id)" "$T/spool/.queue/$(header_value X-Task-Id)"

before=$(spool_tasks)
code=$(upload "$T/up.tar.xz" $XZ -H "X-Task-Type: zero")
is "$code" 400 "non-numeric X-Task-Type is 400"
like "$(body)" "X-Task-Type must be a number" "X-Task-Type message"
nothing_kept "$before" "bad X-Task-Type"

code=$(http_code GET /create)
is "$code" 405 "GET /create is 405"
is "$(header_value Allow)" POST "... with Allow: POST"
code=$(upload "$T/up.tar.xz" application/zip)
is "$code" 415 "application/zip is 415"
code=$(upload "$T/up.tar.xz" $XZ -H "Transfer-Encoding: chunked")
is "$code" 411 "chunked upload without Content-Length is 411"
head -c 3000000 /dev/urandom >"$T/big"
code=$(upload "$T/big" $XZ)
is "$code" 413 "3 MB body over MaxPackedSize=2 is 413"
like "$(body)" "Specified archive is too large" "packed size message"
"$MK" --gzip "$T/zeros.tar.gz" zeros:coredump=4000000 file:executable=x file:package=y
code=$(upload "$T/zeros.tar.gz" application/x-gzip)
is "$code" 413 "4 MB unpacked over MaxUnpackedSize=3 is 413"
like "$(body)" "content is too large" "unpacked size message"
nothing_kept "$before" "unpacked too large"
"$MK" --gzip "$T/missing.tar.gz" file:coredump=x file:package=y
code=$(upload "$T/missing.tar.gz" application/x-gzip)
is "$code" 403 "archive without executable is 403"
like "$(body)" "Required file 'executable' is missing" "missing file message"
code=$(upload "$T/missing.tar.gz" application/x-gzip -H "X-Task-Type: 2")
is "$code" 403 "vmcore task without vmcore is 403"
like "$(body)" "Required file 'vmcore' is missing" "missing vmcore message"
code=$(upload "$T/up.tar.xz" $XZ -H "X-Task-Type: 3")
is "$code" 409 "interactive task while AllowInteractive=0 is 409"
like "$(body)" "Interactive tasks were disabled" "interactive message"
nothing_kept "$before" "refused uploads"

# Load: one slot, one queue place. Tasks are counted from the spool.
touch "$T/spool/.running/111111111"
code=$(upload "$T/up.tar.xz" $XZ)
is "$code" 201 "with the only slot busy, the task is queued"
code=$(http_code GET /settings)
like "$(body)" "running_tasks 2
max_running_tasks 2" "settings counts running + queued against slots + queue"
code=$(upload "$T/up.tar.xz" $XZ)
is "$code" 503 "with the queue full, 503"
like "$(body)" "fully loaded" "503 message"
code=$(upload "$T/up.tar.xz" application/zip)
is "$code" 503 "503 comes before 415"
rm -f "$T/spool/.running/111111111"

# Content-Length that lies.
rm -rf "$T"/spool/[1-9]* "$T"/spool/.queue/*
before=0
printf 'POST /create HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-tar\r\nContent-Length: 2000\r\nConnection: close\r\n\r\n' >"$T/req-short"
out=$("$TOOLS/rawclient" "$PORT" "$T/req-short" "$T/up.tar")
like "$out" "status 400" "Content-Length shorter than the archive: the cut archive is 400"
like "$out" "corrupt or truncated" "cut archive message"
printf 'POST /create HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-tar\r\nContent-Length: 900000\r\n\r\n' >"$T/req-long"
"$TOOLS/rawclient" "$PORT" "$T/req-long" "$T/up.tar" --hangup-after 100000 >/dev/null 2>&1
eventually 10 incoming_is 0
nothing_kept "$before" "client hung up in the middle of the body"
code=$(http_code GET /settings)
is "$code" 200 "server still serves after a client hung up mid-upload"
like "$(body)" "running_tasks 0" "the broken upload holds no slot"

# Bodies whose end cannot be told: answered at once, never drained into a
# second request (request smuggling), one status line each.
framing() { # NAME EXTRA-HEADERS WANT-STATUS WANT-MESSAGE
	printf 'POST /create HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-tar\r\n%b\r\n' "$2" >"$T/req-framing"
	out=$(timeout 10 "$TOOLS/rawclient" "$PORT" "$T/req-framing" 2>&1)
	like "$out" "status $3" "$1: $3 at once"
	like "$out" "$4" "... $4"
	is "$(printf '%s\n' "$out" | grep -c '^status ')" 1 "... one status line"
}
framing "Content-Length twice" 'Content-Length: 5\r\nContent-Length: 6\r\n' 400 \
	"Content-Length is given more than once"
framing "Content-Length beside Transfer-Encoding" 'Content-Length: 5\r\nTransfer-Encoding: chunked\r\n' 411 \
	"You need to set Content-Length header properly"
framing "Transfer-Encoding other than chunked" 'Transfer-Encoding: gzip\r\n' 411 \
	"You need to set Content-Length header properly"
nothing_kept "$before" "bodies whose end cannot be told"

# SIGTERM while an upload is in the middle of its body.
"$TOOLS/rawclient" "$PORT" "$T/req-long" "$T/up.tar" --pause-after 50000 3 >"$T/paused.out" 2>&1 &
client=$!
eventually 10 incoming_is 1
is "$(incoming_left)" 1 "an upload is in progress"
start=$(date +%s)
stop_httpd
is "$?" 0 "SIGTERM during an upload: clean exit"
ok $(($(date +%s) - start > 2)) "and a prompt one"
is "$(incoming_left)" 0 "the interrupted upload left nothing behind"
is "$(spool_tasks)" 0 "and made no task"
wait "$client" 2>/dev/null
start_httpd || exit 1
# SIGKILL while an upload is in the middle of its body: its partial
# directory stays until the next start, which removes it
"$TOOLS/rawclient" "$PORT" "$T/req-long" "$T/up.tar" --pause-after 50000 3 >"$T/paused.out" 2>&1 &
client=$!
eventually 10 incoming_is 1
is "$(incoming_left)" 1 "an upload is in progress"
kill -KILL "$HTTPD_PID"
wait "$HTTPD_PID" 2>/dev/null
HTTPD_PID=
is "$(incoming_left)" 1 "SIGKILL during an upload leaves its partial directory"
wait "$client" 2>/dev/null
start_httpd || exit 1
is "$(incoming_left)" 0 "the next start removes it"
like "$(cat "$T/httpd.out")" "removed 1 partial upload(s) a stopped server left in $T/spool/.incoming" "... and says so"
is "$(spool_tasks)" 0 "and no task was made of it"
stop_httpd
# The order: 403 HTTPS before everything, 507 before the body.
write_config "RequireHTTPS = 1"
start_httpd || exit 1
code=$(upload "$T/up.tar.xz" application/zip)
is "$code" 403 "RequireHTTPS: plain HTTP /create is 403 before 415"
like "$(body)" "You must use HTTPS" "HTTPS message"
stop_httpd
write_config "MinStorageLeft = 1073741824"
start_httpd || exit 1
before=$(spool_tasks)
code=$(upload "$T/up.tar.xz" $XZ)
is "$code" 507 "not enough space left is 507"
like "$(body)" "not enough storage space" "507 message"
nothing_kept "$before" "507"
# A refusal before the body: the NSS client sends its whole body and only
# then reads; the answer must be there (not a reset connection)
head -c $((8 << 20)) /dev/urandom >"$T/big.body"
printf 'POST /create HTTP/1.1\r\nHost: x\r\nContent-Type: %s\r\nContent-Length: %d\r\nConnection: close\r\n\r\n' \
	"$XZ" $((8 << 20)) >"$T/req-big"
out=$("$TOOLS/rawclient" "$PORT" "$T/req-big" "$T/big.body" 2>&1)
like "$out" "status 507" "8 MiB sent whole to a full server: the client reads 507"
like "$out" "not enough storage space" "... and its message"
sed 's|^Content-Type: [^\r]*|Content-Type: application/zip|' "$T/req-big" >"$T/req-big-zip"
out=$("$TOOLS/rawclient" "$PORT" "$T/req-big-zip" "$T/big.body" 2>&1)
like "$out" "status 415" "8 MiB of an unsupported type: the client reads 415"
nothing_kept "$before" "the refused 8 MiB bodies"
# a client that waits for "100 Continue" gets the refusal at once and sends nothing
out=$(curl -s -o "$T/body" -w '%{http_code} %{size_upload}' -H 'Expect: 100-continue' \
	-H "Content-Type: $XZ" --data-binary "@$T/big.body" "$(URL /create)")
is "${out% *}" 507 "Expect: 100-continue: 507 at once"
ok $([ "${out#* }" -lt 1048576 ]; echo $?) "... before the client sent its body (it sent ${out#* } bytes)"
# a chunked body past the drain bound: closed unanswered, and logged
head -c $((65 << 20)) /dev/zero >"$T/huge.body"
curl -s -o /dev/null -H 'Expect:' -H 'Transfer-Encoding: chunked' -H "Content-Type: $XZ" \
	--data-binary "@$T/huge.body" "$(URL /create)"
rm -f "$T/huge.body"
unanswered() { grep -q "POST /create: 411 .*(its body went past 64 MiB or 30 s: closed unanswered)" "$T/httpd.out"; }
eventually 10 unanswered
ok $? "a refused (411) chunked body past 64 MiB: the connection is closed unanswered, and logged"
nothing_kept "$before" "the refused 65 MiB chunked body"
stop_httpd
write_config "RequireHTTPS = 1"
start_httpd || exit 1
out=$("$TOOLS/rawclient" "$PORT" "$T/req-big" "$T/big.body" 2>&1)
like "$out" "status 403" "8 MiB over plain HTTP to an HTTPS-only server: the client reads 403"
like "$out" "You must use HTTPS" "... and its message"
# a declared body past the drain bound (64 MiB) is answered at once
printf 'POST /create HTTP/1.1\r\nHost: x\r\nContent-Type: %s\r\nContent-Length: %d\r\nConnection: close\r\n\r\n' \
	"$XZ" $((65 << 20)) >"$T/req-huge"
out=$("$TOOLS/rawclient" "$PORT" "$T/req-huge" /dev/null 2>&1)
like "$out" "status 403" "a refused request declaring 65 MiB is answered without waiting for its body"
stop_httpd
rm -f "$T/big.body"

# Out of inodes at the very end: a spool on a tmpfs with few inodes, filled
# but for FREE of them. An upload needs 10 for its files and directories
# (with its 'client' file) and one more for its queue entry: with fewer the client gets 507 and nothing
# is left behind (no task, no queue entry, nothing in .incoming).
if [ "$(id -u)" = 0 ]; then
	I=$T/ispool
	mkdir -p "$I"
	mount -t tmpfs -o size=64m,nr_inodes=200,mode=755 retrace-test "$I"
	fixture $? "a tmpfs with 200 inodes for the spool"
	trap 'stop_httpd; umount -l "$I" 2>/dev/null; cleanup' EXIT
	chown nobody:nogroup "$I"
	write_config "SaveDir = $I"
	start_httpd || exit 1
	mkdir "$I/fill"
	fill=0
	# fill_to FREE: leave FREE inodes
	fill_to() {
		while [ "$(stat -f -c %d "$I")" -gt "$1" ]; do
			fill=$((fill + 1))
			: >"$I/fill/$fill"
		done
		while [ "$(stat -f -c %d "$I")" -lt "$1" ] && [ "$fill" -gt 0 ]; do
			rm -f "$I/fill/$fill"
			fill=$((fill - 1))
		done
	}
	ispool_tasks() { find "$I" -mindepth 1 -maxdepth 1 -name '[1-9]*' | wc -l; }
	for free in 3 9 10; do
		fill_to $free
		code=$(upload "$T/up.tar.xz" $XZ)
		is "$code" 507 "$free inodes free: 507"
		like "$(body)" "not enough storage space" "... with the 507 message"
		is "$(ispool_tasks)/$(ls -A "$I/.queue" | wc -l)/$(ls -A "$I/.incoming" | wc -l)" 0/0/0 \
			"... and nothing left: no task, no queue entry, nothing in .incoming"
	done
	like "$(cat "$T/httpd.out")" "the task could not be committed to the spool: No space left on device" \
		"the server's log says why"
	fill_to 11
	code=$(upload "$T/up.tar.xz" $XZ)
	is "$code" 201 "11 inodes free: 201"
	id=$(header_value X-Task-Id)
	ok $([ -e "$I/.queue/$id" ] && [ -d "$I/$id" ]; echo $?) "... the task and its queue entry"
	stop_httpd
	umount "$I"
	ok $? "the tmpfs spool unmounted"
	trap cleanup EXIT
fi

done_testing
