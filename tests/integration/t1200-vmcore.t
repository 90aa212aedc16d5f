#!/bin/bash
# retrace-vmcore: the kernel log from VMCOREINFO alone, byte for byte what
# makedumpfile --dump-dmesg prints, from the real Debian 6.1 dumps in
# ../shared/testdata/vmcores/ (kdump ELF and its kdump-compressed zlib, LZO
# and flattened conversions; qemu ELF with 5- and 4-level paging, the
# latter with the ring in the direct map), from conversions made here and
# now by makedumpfile, synthetic dumps of the older log layouts, and
# hostile dumps: clear errors, never a crash.
. "$(dirname "$0")/../lib/common.sh"

V=$SHARED/testdata/vmcores
[ -d "$V" ] || skip_all "no $V"
RV=$BIN/retrace-vmcore
W=$T/vm
mkdir -p "$W"
for f in "$V"/*.elf.xz; do xz -dc "$f" >"$W/$(basename "$f" .xz)"; done
for f in "$V"/*.kdump-* "$V"/*.flat-*; do cp "$f" "$W/"; done

# expected DUMP: the log next to its ELF original
expected() { echo "$V/$(basename "$1" | sed -E 's/\.(elf|kdump-.|flat-.|conv-.*)$//').elf.dmesg.txt"; }

n=0
for d in "$W"/*.elf "$W"/*.kdump-* "$W"/*.flat-*; do
	name=$(basename "$d")
	"$RV" dmesg "$d" >"$T/out" 2>"$T/err"
	ok $? "$name: dmesg exits 0" || sed 's/^/#   /' "$T/err"
	cmp -s "$T/out" "$(expected "$d")"
	ok $? "$name: the log is byte-identical to the expected one ($(wc -l <"$T/out") lines)"
	n=$((n + 1))
done
[ $n -ge 6 ]
ok $? "six fixtures read"
like "$(cat "$T/out")" "Call Trace:" "the oops's Call Trace is in the log"

# the same through the confined reader (policy/seccomp/vmcore.policy), as the worker reads
for d in "$W"/*.elf "$W"/*.kdump-* "$W"/*.flat-*; do
	"$RV" --policy "$RETRACE_SRC/policy/seccomp/vmcore.policy" dmesg "$d" >"$T/out" 2>"$T/err"
	cmp -s "$T/out" "$(expected "$d")"
	ok $? "$(basename "$d"): the confined reader gives the same log" || sed 's/^/#   /' "$T/err"
done

# info
"$RV" info "$W/min-kdump-6.1-l5-kaslr.kdump-l" >"$T/info"
ok $? "info of the LZO dump"
like "$(cat "$T/info")" "format: kdump-compressed v6, lzo" "info: the format"
like "$(cat "$T/info")" "release: 6.1.0-56-cloud-amd64" "info: the release, from OSRELEASE"
like "$(cat "$T/info")" "architecture: x86_64" "info: the architecture"
like "$(cat "$T/info")" "page size: 4096" "info: the page size"
like "$(cat "$T/info")" "dump level: " "info: the dump level"
like "$(cat "$T/info")" " rip 0xffffffff" "info: the crashing CPU's registers"
like "$("$RV" info "$W/min-kdump-6.1-l5-kaslr.flat-c")" "(from makedumpfile's flattened format)" "info: flattened is reassembled"

# conversions made now by makedumpfile 1.7.2, compared with makedumpfile's own log
if command -v makedumpfile >/dev/null; then
	src=$W/min-kdump-6.1-l5-kaslr.elf
	# (no -d: the minimised fixtures lack the pages makedumpfile's filtering reads)
	for opt in "-c" "-l" "-E" "-F -c" "-F -l"; do
		out=$W/min-kdump-6.1-l5-kaslr.conv-$(echo "$opt" | tr -d ' -')
		if [ "${opt#-F}" != "$opt" ]; then
			# shellcheck disable=SC2086
			makedumpfile $opt "$src" >"$out" 2>"$T/mk.err"
		else
			# shellcheck disable=SC2086
			makedumpfile $opt "$src" "$out" >"$T/mk.err" 2>&1
		fi
		"$RV" dmesg "$out" >"$T/ours" 2>"$T/err"
		ok $? "makedumpfile $opt: read" || sed 's/^/#   /' "$T/err"
		cmp -s "$T/ours" "$(expected "$src")"
		ok $? "makedumpfile $opt: the same log"
	done
	# makedumpfile's own --dump-dmesg on an ELF it can read, against ours
	makedumpfile --dump-dmesg "$src" "$T/mk.log" >/dev/null 2>&1
	"$RV" dmesg "$src" >"$T/ours"
	cmp -s "$T/ours" "$T/mk.log"
	ok $? "makedumpfile --dump-dmesg on the kdump ELF: byte-identical to ours"
else
	diag "makedumpfile is not installed: no conversions made here"
fi

# snappy and zstd pages: Debian's makedumpfile writes neither, so the real
# zlib dump and a synthetic one are recompressed here (tests/tools/kdump-recompress)
for c in snappy zstd; do
	for src in "$W/min-kdump-6.1-l5-kaslr.kdump-c"; do
		"$TOOLS/kdump-recompress" $c "$src" "$W/min-kdump-6.1-l5-kaslr.re-$c" >/dev/null
		ok $? "$c: recompressed"
		like "$("$RV" info "$W/min-kdump-6.1-l5-kaslr.re-$c")" "format: kdump-compressed v6, $c" "$c: info names it"
		"$RV" dmesg "$W/min-kdump-6.1-l5-kaslr.re-$c" >"$T/out" 2>"$T/err"
		cmp -s "$T/out" "$V/min-kdump-6.1-l5-kaslr.elf.dmesg.txt"
		ok $? "$c pages: the same log" || sed 's/^/#   /' "$T/err"
	done
done

# synthetic dumps of every log layout (fuzz/make-vmcore-corpus.py: the
# lockless ring, printk_log records with a wrap, a plain ring that wrapped)
# in every container (ELF, kdump zlib and uncompressed, flattened)
python3 "$RETRACE_SRC/fuzz/make-vmcore-corpus.py" "$T/syn"
ok $? "synthetic dumps made"
for d in "$T"/syn/*.elf "$T"/syn/*.kdump-* "$T"/syn/*.flat; do
	layout=$(basename "$d" | cut -d. -f1)
	"$RV" dmesg "$d" >"$T/out" 2>"$T/err"
	ok $? "synthetic $(basename "$d"): read" || sed 's/^/#   /' "$T/err"
	cmp -s "$T/out" "$T/syn/$layout.dmesg"
	ok $? "synthetic $(basename "$d"): the log as makedumpfile would print it"
done
like "$(cat "$T/syn/printk_log.dmesg")" "               with a continuation" "continuation lines are indented under the text"
like "$(cat "$T/syn/lockless.dmesg")" '\x01\x7f' "control bytes are escaped"

# --- hostile dumps -------------------------------------------------------------------
# refused DUMP WHAT MESSAGE: dmesg fails with exit 1 and the message, quickly
refused() {
	timeout 20 "$RV" dmesg "$1" >/dev/null 2>"$T/err"
	rc=$?
	is "$rc" 1 "$2: exit 1 (not a crash, not a hang)"
	like "$(cat "$T/err")" "$3" "$2: says why"
	timeout 20 "$RV" --policy "$RETRACE_SRC/policy/seccomp/vmcore.policy" dmesg "$1" >/dev/null 2>"$T/err"
	like "$(cat "$T/err")" "$3" "$2: the confined reader says the same"
}
edit() { # edit SRC DST PYTHON: DST = SRC changed by the python code on bytearray d
	python3 - "$1" "$2" "$3" <<'EOP'
import struct, sys
d = bytearray(open(sys.argv[1], 'rb').read())
exec(sys.argv[3])
open(sys.argv[2], 'wb').write(d)
EOP
}
K=$W/min-kdump-6.1-l5-kaslr.kdump-c
E=$W/min-kdump-6.1-l5-kaslr.elf
head -c 300 "$K" >"$T/h1"
refused "$T/h1" "kdump header cut" "truncated kdump header"
head -c 20000 "$K" >"$T/h2"
refused "$T/h2" "kdump cut in its bitmaps" "the bitmaps"
head -c 30000 "$K" >"$T/h2b"
refused "$T/h2b" "kdump cut in its pages" "unreadable page"
head -c 100 "$E" >"$T/h3"
refused "$T/h3" "ELF cut in the program headers" "outside the file"
head -c 4200 "$W/min-kdump-6.1-l5-kaslr.flat-c" >"$T/h4"
refused "$T/h4" "flattened cut in a record" "does not fit"
edit "$W/min-kdump-6.1-l5-kaslr.flat-c" "$T/h4b" "
o = 4096
while True:
    off, n = struct.unpack_from('>qq', d, o)
    if off == -1: break
    o += 16 + n
del d[o:]"
refused "$T/h4b" "flattened without its end marker" "no end marker"
: >"$T/h5"
refused "$T/h5" "an empty file" "too short"
edit "$K" "$T/h6" "struct.pack_into('<I', d, 436, 0x7fffffff)"
refused "$T/h6" "kdump bitmap_blocks past the end" "the bitmaps"
edit "$K" "$T/h7" "struct.pack_into('<I', d, 428, 3000)"
refused "$T/h7" "kdump block size 3000" "block size 3000"
edit "$K" "$T/h8" "struct.pack_into('<I', d, 8, 77)"
refused "$T/h8" "kdump header version 77" "header version 77"
# every page descriptor claims a page of 4097 bytes: it would inflate past the page
edit "$K" "$T/h9" "
bs = 4096; sub = struct.unpack_from('<i', d, 432)[0]; bmb = struct.unpack_from('<I', d, 436)[0]
o = (1 + sub + bmb) * bs
while o + 24 <= len(d) and struct.unpack_from('<I', d, o + 8)[0] not in (0,):
    if struct.unpack_from('<q', d, o)[0] <= 0 or struct.unpack_from('<q', d, o)[0] > len(d): break
    struct.pack_into('<I', d, o + 8, bs + 1); o += 24"
refused "$T/h9" "kdump pages larger than a page" "unreadable page"
# compressed pages whose zlib data is damaged
edit "$K" "$T/h10" "
bs = 4096; sub = struct.unpack_from('<i', d, 432)[0]; bmb = struct.unpack_from('<I', d, 436)[0]
first = struct.unpack_from('<q', d, (1 + sub + bmb) * bs)[0]
for i in range(first, len(d), 7): d[i] ^= 0x5a"
refused "$T/h10" "kdump with damaged zlib pages" "unreadable page"
# every zlib page replaced by one that inflates to two pages
edit "$K" "$T/h9b" "
import zlib
bs = 4096; sub = struct.unpack_from('<i', d, 432)[0]; bmb = struct.unpack_from('<I', d, 436)[0]
o = (1 + sub + bmb) * bs; z = zlib.compress(b'A' * (2 * bs)); end = len(d); d += z
while o + 24 <= end:
    off, size, flags = struct.unpack_from('<qII', d, o)
    if off <= 0 or off >= end or size == 0: break
    struct.pack_into('<qII', d, o, end, len(z), 1); o += 24"
refused "$T/h9b" "kdump pages that inflate past the page size" "unreadable page"
edit "$E" "$T/h11" "struct.pack_into('<Q', d, 32, 1 << 62)"
refused "$T/h11" "ELF e_phoff far outside" "outside the file"
edit "$E" "$T/h12" "struct.pack_into('<H', d, 56, 0xffff)"
refused "$T/h12" "ELF PN_XNUM without a section header" "PN_XNUM"
# VMCOREINFO with absurd values (same length, so the note stays intact)
edit "$E" "$T/h13" "i = d.find(b'SIZE(printk_ringbuffer)=88'); d[i+24:i+26] = b'08'"
refused "$T/h13" "VMCOREINFO: a ring buffer struct of 8 bytes" "does not fit its sizes"
edit "$E" "$T/h14" "i = d.find(b'SIZE(printk_ringbuffer)=88'); d[i+24:i+26] = b'-1'"
refused "$T/h14" "VMCOREINFO: a negative size" "SIZE(printk_ringbuffer) is not a number"
edit "$E" "$T/h15" "i = d.find(b'SYMBOL(prb)=ffff'); d[i+12:i+16] = b'0000'"
refused "$T/h15" "VMCOREINFO: prb pointing nowhere" "is not mapped"
edit "$E" "$T/h16" "i = d.find(b'VMCOREINFO'); d[i:i+10] = b'XMCOREINFO'"
refused "$T/h16" "no VMCOREINFO note" "no VMCOREINFO"
edit "$W/min-kdump-6.1-l5-kaslr.flat-c" "$T/h17" "struct.pack_into('>q', d, 4096 + 8, 1 << 40)"
refused "$T/h17" "flattened record of 1 TiB" "does not fit"
printf 'hello, world, this is not a dump' >"$T/h18"
refused "$T/h18" "not a dump at all" "not a vmcore"

"$RV" frobnicate "$E" >/dev/null 2>&1
is $? 2 "an unknown command: exit 2"
done_testing
