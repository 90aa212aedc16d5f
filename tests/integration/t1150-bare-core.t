#!/bin/bash
# Bare cores (design 11.5): the body of /create may be the coredump itself,
# raw, gzip or xz, instead of a tar of a crash directory. The bytes decide
# what it is; executable, package and os_release are then optional: the
# worker takes the executable from the core's notes, the release from the
# build-ids (the one that holds the executable's, then the most, then the
# most debuginfo) and the package from the executable's build-id, and the
# log says what it inferred from what. A kernel task's body may be a bare
# vmcore (ELF or kdump-compressed). What is not a core is refused at the
# door with a reason.
. "$(dirname "$0")/../lib/common.sh"

need rpmbuild createrepo_c rpm2archive gdb unshare xz gzip

. "$RETRACE_SRC/tests/lib/worker.sh"

release_repo full
# a second release with the same binaries and no debuginfo: the build-ids
# are in both, and the inference must take the release that has debuginfo
NODBG=fedora-38-x86_64
mkdir -p "$REPO/$NODBG/Packages"
cp "$P"/rtprog-1.0-1.x86_64.rpm "$P"/rtprog-libs-1.0-1.x86_64.rpm "$P"/rtsys-1-1.x86_64.rpm "$REPO/$NODBG/Packages/"
createrepo_c --quiet "$REPO/$NODBG" >/dev/null 2>&1
$BIN/retrace-resolve --repodir "$REPO" --release $NODBG --reindex >"$T/reindex38.out" 2>&1
fixture $? "a release without debuginfo beside it" "$T/reindex38.out"

worker_config "MaxUnpackedSize = 300
VmcoreDumpLevel = 31"
publish
start_httpd || exit 1
start_worker
rtprog_segv
CORE=$T/segv.d/coredump

# sendbare FILE CONTENT-TYPE [TYPE]: POST FILE as it is; sets code ID PW
sendbare() {
	code=$(upload "$1" "$2" -H "X-Task-Type: ${3:-0}")
	ID=$(header_value X-Task-Id)
	PW=$(header_value X-Task-Password)
}

like "$(curl -s "$(URL /settings)")" "application/octet-stream application/gzip application/x-xz" \
	"/settings offers the bare formats"

gzip -c "$CORE" >"$T/core.gz"
xz -2 -c "$CORE" >"$T/core.xz"
n=0
for how in "$CORE application/octet-stream raw" "$T/core.gz application/gzip gzip" \
	"$T/core.xz application/x-xz xz" "$T/core.gz application/x-gzip gzip-as-x-gzip"; do
	set -- $how
	n=$((n + 1))
	# the last one as a debug task (1), which keeps its crash data
	type=0
	[ "$n" = 4 ] && type=1
	sendbare "$1" "$2" $type
	is "$code" 201 "$3 core ($2): /create takes it"
	[ "$code" = 201 ] || { diag "$(body)"; continue; }
	is "$(wait_done "$ID" "$PW" 120)" FINISHED_SUCCESS "$3 core: FINISHED_SUCCESS"
	bt=$(get "$ID" "$PW" backtrace)
	like "$bt" "#0  rtlib_store (where=where@entry=0x0, value=99) at rtlib.c:13" \
		"$3 core: the crashing frame with arguments and file:line"
	like "$bt" "        local = 2" "$3 core: locals (debuginfo found)"
	log=$(get "$ID" "$PW" log)
	like "$log" "type $type, package -, executable -, os_release -" "$3 core: the task came with the core alone"
	like_re "$log" "executable (/usr)?/bin/rtprog \\(from the core\\)" "$3 core: the executable, from the core's notes"
	like "$log" "release $REL (inferred from the build-ids: " "$3 core: the release, from the build-ids"
	like "$log" "the executable's among them" "$3 core: ... the executable's build-id among them"
	like "$log" "package rtprog-1.0-1.x86_64 (the executable's, from its build-id)" \
		"$3 core: the package, from the executable's build-id"
	unlike "$log" "release $NODBG (" "$3 core: not the release without debuginfo"
done
is "$(ls "$T/spool/$ID/crash")" coredump "debug task: the crash directory holds the core alone"
cmp -s "$CORE" "$T/spool/$ID/crash/coredump"
ok $? "debug task: the stored core is the core, byte for byte (zero pages as holes)"
like "$(cat "$T/httpd.out")" "task $ID created (type 1, a bare core, " "httpd's log says the body was a bare core"

# a tar still needs the original's required files
tar -C "$T/segv.d" -cf - coredump | xz -2 >"$T/coreonly.tar.xz"
is "$(upload "$T/coreonly.tar.xz" $XZ)" 403 "a tar of the core alone: 403 as the original"
like "$(body)" "Required file 'executable' is missing" "... Required file 'executable' is missing"

# what a core's release cannot be found for: a real core of another system
if [ -r "$SHARED/testdata/satyr/null_dereference.core.x86_64" ]; then
	sendbare "$SHARED/testdata/satyr/null_dereference.core.x86_64" application/octet-stream
	is "$code" 201 "a Fedora 2013 core, bare: taken"
	is "$(wait_done "$ID" "$PW" 60)" FINISHED_FAILURE "... FINISHED_FAILURE: no release here holds it"
	log=$(get "$ID" "$PW" log)
	like "$log" "none of the 2 release(s) served for x86_64 holds any of the core's " \
		"... the log says which releases were searched"
	like "$log" "the crash names no release (no os_release, no package) and no served release holds its build-ids" \
		"... and why the task failed"
fi

# --- refused at the door, each with its reason ------------------------------------------
before=$(spool_tasks)
refused() { # refused FILE CT STATUS MESSAGE NAME [TYPE]
	is "$(upload "$1" "$2" -H "X-Task-Type: ${6:-0}")" "$3" "$5: $3"
	like "$(body)" "$4" "$5: $4"
}
gzip -c /bin/true >"$T/true.gz"
refused "$T/true.gz" application/gzip 400 "The body is an ELF file of type 3, not a core" "an executable (gzip)"
head -c 40 "$CORE" >"$T/short"
refused "$T/short" application/octet-stream 400 "no valid ELF header" "40 bytes of an ELF header"
V=$SHARED/testdata/vmcores
if [ -r "$V/min-kdump-6.1-l5-kaslr.kdump-c" ]; then
	refused "$V/min-kdump-6.1-l5-kaslr.kdump-c" application/octet-stream 400 \
		"kdump-compressed vmcore: send it as a vmcore task" "a vmcore sent as a coredump task"
fi
head -c 200000 /dev/urandom >"$T/random"
refused "$T/random" application/octet-stream 400 "The archive is corrupt" "random bytes"
# larger than MaxUnpackedSize (300 MiB): a sparse core of 301 MiB
{ head -c 4096 "$CORE"; head -c $((301 * 1024 * 1024 - 4096)) /dev/zero; } | xz -0 -T1 >"$T/big.xz"
refused "$T/big.xz" application/x-xz 413 "Specified archive's content is too large" "a 301 MiB core"
# a bomb: a core's header, then 200 MiB of one byte
{ head -c 4096 "$CORE"; head -c $((200 * 1024 * 1024)) /dev/zero | tr '\0' A; } | xz -0 -T1 >"$T/bomb.xz"
refused "$T/bomb.xz" application/x-xz 413 "refused as a decompression bomb" "200 MiB of 'A' after a core header"
is "$(spool_tasks)" "$before" "no task was made of any of them"
eventually 10 incoming_is 0
ok $? "nothing is left in .incoming"

# --- a bare vmcore ------------------------------------------------------------------------
if [ -r "$V/min-kdump-6.1-l5-kaslr.kdump-c" ]; then
	# an ELF vmcore, xz -2 (the shared file is xz -9: its 64 MiB window is refused)
	xz -dc "$V/min-qemu-6.1-l5-kaslr.elf.xz" | xz -2 >"$T/qemu.elf.xz"
	for f in "$V/min-kdump-6.1-l5-kaslr.kdump-c application/octet-stream min-kdump-6.1-l5-kaslr.elf" \
		"$T/qemu.elf.xz application/x-xz min-qemu-6.1-l5-kaslr.elf"; do
		set -- $f
		sendbare "$1" "$2" 2
		is "$code" 201 "bare vmcore ${1##*/}: taken as a kernel task"
		is "$(wait_done "$ID" "$PW" 60)" FINISHED_SUCCESS "bare vmcore ${1##*/}: FINISHED_SUCCESS"
		get "$ID" "$PW" backtrace | cmp -s - "$V/$3.dmesg.txt"
		ok $? "bare vmcore ${1##*/}: the backtrace is its kernel log, byte for byte"
	done
	xz -dc "$V/min-qemu-6.1-l5-kaslr.elf.xz" | xz -9 >"$T/qemu9.elf.xz"
	refused "$T/qemu9.elf.xz" application/x-xz 413 "use xz -6 or lower" "a vmcore made with xz -9" 2
fi

done_testing
