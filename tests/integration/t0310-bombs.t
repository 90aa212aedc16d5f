#!/bin/sh
# Cheap disk filling (issue 19): a 90 KB xz upload of 591 MiB of zeros
# used to write 591 MiB and keep it; decompression bombs of data that is
# not zero; what one client address may keep in the spool. Real cores
# (../shared/testdata) must all pass the bomb bound with its default.
. "$(dirname "$0")/../lib/common.sh"
need xz bzip2

MK=$TOOLS/mkarchive
# the default MaxUnpackRatio (100); a small MaxSpoolPerAddress to reach
write_config "MaxSpoolPerAddress = 40
MaxQueuedTasks = 1000"
start_httpd || exit 1
LOG=$T/log/retrace-httpd.log

task_dir_kib() { du -sk "$T/spool/$1" | cut -f1; }
created() { tr -d '\r' <"$T/headers" | sed -n 's/^X-Task-Id: //p'; }

# --- the issue's attack: 620 MB of zeros in a 90 KB xz
"$MK" --xz "$T/zeros.tar.xz" zeros:coredump=620000000 file:executable=x file:package=y
fixture $? "zero bomb built"
diag "zero bomb: $(stat -c %s "$T/zeros.tar.xz") bytes packed"
code=$(upload "$T/zeros.tar.xz" application/x-xz-compressed-tar)
is "$code" 201 "620 MB of zeros: accepted (a core may have holes)"
id=$(created)
is "$(stat -c %s "$T/spool/$id/crash/coredump" 2>/dev/null)" 620000000 "... its declared size is kept"
[ "$(task_dir_kib "$id")" -lt 1024 ]
ok $? "... but it takes $(task_dir_kib "$id") KiB of disk, not 591 MiB (zero pages are holes)"
like "$(cat "$T/spool/$id/client")" "127.0.0.1 " "... the task records its sender"

# --- a bomb that is not zeros: 200 MB of 'A' in 29 KB
"$MK" --xz "$T/fill.tar.xz" fill:coredump=200000000 file:executable=x file:package=y
fixture $? "fill bomb built"
code=$(upload "$T/fill.tar.xz" application/x-xz-compressed-tar)
is "$code" 413 "200 MB of 'A' in $(stat -c %s "$T/fill.tar.xz") bytes: 413"
like "$(body)" "The archive expands more than 100 times its size: refused as a decompression bomb" \
	"... says why"
tail -n 1 "$LOG" | grep -q "decompression bomb"
ok $? "... logged"
is "$(incoming_left)" 0 "... nothing of it is kept"

# --- real cores compress far less than that: every one is accepted
n=0
bad=
for f in "$SHARED"/testdata/elfutils-cores/*core*.bz2 "$SHARED"/testdata/satyr/*.core.* \
	"$SHARED"/testdata/vmcores/*.elf.xz; do
	[ -f "$f" ] || continue
	case $f in
	*.bz2) bzip2 -dc "$f" >"$T/core" ;;
	*.xz) xz -dc "$f" >"$T/core" ;;
	*) cat "$f" >"$T/core" ;;
	esac
	# ABRT packs with xz -2 (the original's design, section 3)
	"$MK" "$T/core.tar" file:coredump=@"$T/core" file:executable=/usr/bin/x file:package=x-1-1
	xz -2 -c "$T/core.tar" >"$T/core.tar.xz"
	code=$(upload "$T/core.tar.xz" application/x-xz-compressed-tar)
	if [ "$code" = 201 ] && cmp -s "$T/core" "$T/spool/$(created)/crash/coredump"; then
		n=$((n + 1))
	else
		bad="$bad $(basename "$f"):$code"
	fi
	rm -rf "$T"/spool/[1-9]*
done
[ "$n" -ge 25 ] && [ -z "$bad" ]
ok $? "every real core of testdata is accepted and stored intact ($n;${bad:- none refused})"

# --- MaxSpoolPerAddress = 40 MiB: tasks that keep their crash data count
# (in bytes stored: the two 1-byte files count too)
head -c 20971520 /dev/urandom >"$T/rand"
"$MK" "$T/r20.tar" file:coredump=@"$T/rand" file:executable=x file:package=y
head -c 20971516 "$T/rand" >"$T/rand2"
"$MK" "$T/r20b.tar" file:coredump=@"$T/rand2" file:executable=x file:package=y
head -c 30000000 /dev/urandom >"$T/rand3"
"$MK" "$T/r30.tar" file:coredump=@"$T/rand3" file:executable=x file:package=y
code=$(upload "$T/r20.tar" application/x-tar)
is "$code" 201 "20 MiB of data: accepted"
first=$(created)
code=$(upload "$T/r30.tar" application/x-tar)
is "$code" 429 "30 MB more from the same address would pass its 40 MiB: 429"
like "$(body)" "MaxSpoolPerAddress" "... says why"
is "$(incoming_left) $(spool_tasks)" "0 1" "... and nothing of it is kept"
code=$(upload "$T/r30.tar" application/x-tar --interface 127.0.0.2)
is "$code" 201 "another address is not held back by it"
code=$(upload "$T/r20b.tar" application/x-tar)
is "$code" 201 "what is left of the 40 MiB: accepted"
code=$(upload "$T/r20.tar" application/x-tar)
is "$code" 429 "the address, at its bound, is refused before its body"
like "$(body)" "Your address keeps 40 MiB in unfinished tasks on this server (at most 40 MiB)" \
	"... saying how much it keeps"
# the worker drops a normal task's crash data when it finishes or fails
rm -f "$T/spool/$first/crash/coredump"
code=$(upload "$T/r20.tar" application/x-tar)
is "$code" 201 "once a task dropped its crash data, the address may send again"

# --- a restarted server still knows what each address keeps
stop_httpd
start_httpd || exit 1
code=$(upload "$T/r20.tar" application/x-tar)
is "$code" 429 "after a restart the bound holds (read back from the tasks' client files)"
like "$(body)" "keeps 40 MiB" "... with the same sum"
done_testing
