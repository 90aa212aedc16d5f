#!/bin/sh
# Hostile archives at the front door: each is refused with the right status
# and a message, logged, and leaves nothing in the spool.
. "$(dirname "$0")/../lib/common.sh"

MK=$TOOLS/mkarchive
write_config "MaxUnpackedSize = 64"
start_httpd || exit 1

fds() { ls "/proc/$HTTPD_PID/fd" 2>/dev/null | wc -l; }
threads() { ls "/proc/$HTTPD_PID/task" 2>/dev/null | wc -l; }
# the start-up probe's connection closes
conns() { [ -z "$(ss -Htn state established "( sport = :$PORT )" 2>/dev/null)" ]; }
eventually 10 conns
fds_before=$(fds)
threads_before=$(threads)

GOOD="file:coredump=CORE file:executable=/usr/bin/x file:package=x-1-1.fc39"

# hostile NAME STATUS MESSAGE MKARCHIVE-ARGS...
hostile() {
	name=$1
	want=$2
	msg=$3
	shift 3
	"$MK" --xz "$T/h.tar.xz" "$@" || { ok 1 "$name: archive built"; return; }
	code=$(upload "$T/h.tar.xz" application/x-xz-compressed-tar)
	is "$code" "$want" "$name: $want"
	like "$(body)" "$msg" "$name: says why"
	is "$(spool_tasks)" 0 "$name: no task"
	is "$(incoming_left)" 0 "$name: nothing left behind"
	tail -n 1 "$T/log/retrace-httpd.log" | grep -qF "$msg"
	ok $? "$name: logged with the reason"
}

hostile "symlink" 403 "Symlinks are not allowed" $GOOD symlink:os_release=/etc/shadow
hostile "hardlink" 403 "Hard links are not allowed" $GOOD hardlink:os_release=coredump
hostile "character device" 403 "Devices, fifos and sockets" chr:coredump $GOOD
hostile "block device" 403 "Devices, fifos and sockets" blk:vmcore
hostile "fifo" 403 "Devices, fifos and sockets" $GOOD fifo:os_release
hostile "directory" 403 "Directories are not allowed" dir:crash $GOOD
hostile "absolute path" 403 "Absolute paths are not allowed" file:/etc/cron.d/evil=x $GOOD
hostile "dot-dot path" 403 "Paths with '..' are not allowed" file:../../coredump=x
hostile "dot-dot inside a path" 403 "Paths with '..' are not allowed" file:a/../../x=y
hostile "path in a subdirectory" 403 "File 'sub/coredump' is not allowed" file:sub/coredump=x
hostile "duplicate name" 403 "File 'coredump' appears twice" $GOOD file:coredump=again
hostile "duplicate via ./" 403 "File 'coredump' appears twice" $GOOD file:./coredump=again
hostile "name not allowed" 403 "File 'run.sh' is not allowed" $GOOD file:run.sh=x
hostile "file over its limit" 403 "The 'executable' file is larger than expected" \
	file:coredump=x file:executable="$(head -c 600 /dev/zero | tr '\0' a)" file:package=p
hostile "missing required file" 403 "Required file 'package' is missing" \
	file:coredump=x file:executable=y
hostile "sparse file bigger than MaxUnpackedSize" 413 "content is too large" \
	sparse:coredump=200000000 file:executable=x file:package=y
hostile "sparse file bigger than the disk" 507 "not enough storage space" \
	sparse:coredump=100000000000000 file:executable=x file:package=y
hostile "zero bomb" 413 "content is too large" \
	zeros:coredump=70000000 file:executable=x file:package=y

# Damaged and strange compression.
"$MK" "$T/good.tar" $GOOD
xz -9 -c "$T/good.tar" >"$T/xz9.tar.xz"
code=$(upload "$T/xz9.tar.xz" application/x-xz-compressed-tar)
is "$code" 413 "xz -9 (64 MiB dictionary) is refused"
like "$(body)" "needs more than 32 MiB of memory" "xz memory limit message"
xz -6 -c "$T/good.tar" >"$T/xz6.tar.xz"
code=$(upload "$T/xz6.tar.xz" application/x-xz-compressed-tar)
is "$code" 201 "xz -6 is accepted"
rm -rf "$T"/spool/[1-9]* "$T"/spool/.queue/*
gzip -c "$T/good.tar" | head -c 60 >"$T/cut.tar.gz"
code=$(upload "$T/cut.tar.gz" application/x-gzip)
is "$code" 400 "truncated gzip is 400"
like "$(body)" "gzip data is truncated" "truncated gzip message"
gzip -c "$T/good.tar" >"$T/bad.tar.gz"
printf '\377\377\377\377\377\377\377\377' | dd of="$T/bad.tar.gz" bs=1 seek=20 conv=notrunc 2>/dev/null
code=$(upload "$T/bad.tar.gz" application/x-gzip)
is "$code" 400 "corrupt gzip is 400"
xz -c "$T/good.tar" | head -c 100 >"$T/cut.tar.xz"
code=$(upload "$T/cut.tar.xz" application/x-xz-compressed-tar)
is "$code" 400 "truncated xz is 400"
head -c 700 "$T/good.tar" >"$T/cut.tar"
code=$(upload "$T/cut.tar" application/x-tar)
is "$code" 400 "truncated tar is 400"
like "$(body)" "corrupt or truncated" "truncated tar message"
# junk right after the first member's data: libarchive skips ahead and
# makes a nameless entry of what it finds there ("Damaged tar archive")
size=$(od -An -c -j124 -N11 "$T/good.tar" | tr -d ' \\0')
end=$((512 + ($(printf '%d' "0$size") + 511) / 512 * 512))
{ head -c $end "$T/good.tar"; printf 'JUNK%.0s' $(seq 1 300); tail -c +$((end + 1)) "$T/good.tar"; } >"$T/junk.tar"
code=$(upload "$T/junk.tar" application/x-tar)
is "$code" 400 "junk after a member is 400"
like "$(body)" "The archive is corrupt or truncated: Damaged tar archive" "... corrupt, not a member without a name"
is "$(spool_tasks) $(incoming_left)" "0 0" "... nothing kept"
head -c 5000 /dev/urandom >"$T/noise"
code=$(upload "$T/noise" application/x-tar)
is "$code" 400 "random bytes are 400"
bzip2 -c "$T/good.tar" >"$T/good.tar.bz2"
code=$(upload "$T/good.tar.bz2" application/x-tar)
is "$code" 400 "bzip2 (not a supported format) is 400"
is "$(spool_tasks)" 0 "no task from any damaged archive"
is "$(incoming_left)" 0 "nothing left in .incoming"

code=$(http_code GET /settings)
is "$code" 200 "the server is still up after all of them"
if [ "$(id -u)" = 0 ]; then
	# the last connections close, their descriptors with them
	fds_are() { [ "$(fds)" = "$1" ]; }
	eventually 10 conns
	eventually 10 fds_are "$fds_before"
	is "$(fds)" "$fds_before" "no file descriptor leaked by the refused uploads"
	threads_are() { [ "$(threads)" = "$1" ]; }
	eventually 10 threads_are "$threads_before"
	is "$(threads)" "$threads_before" "no unpacker thread left behind"
else
	diag "not root: cannot count the descriptors of the (non-dumpable) server"
fi
done_testing
