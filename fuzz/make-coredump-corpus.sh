#!/bin/bash
# Seeds for fuzz/corpus/coredump: small real cores made on this machine
# (coredump_filter 0x10: notes and ELF headers only, no process memory, so
# a core is tens of kilobytes and holds nothing private), and truncated and
# mangled variants of them. Run by hand; the output is committed.
set -eu
cd "$(dirname "$0")/.."
out=fuzz/corpus/coredump
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
gcc -O0 -o "$w/c" tests/fixtures/crasher.c
gcc -O0 -static -o "$w/s" tests/fixtures/crasher.c
gcc -O0 -pthread -o "$w/t" tests/fixtures/threads.c
gcc -m32 -O0 -o "$w/i" tests/fixtures/crasher.c || true
for p in c s t i; do
	[ -x "$w/$p" ] || continue
	mkdir "$w/$p.d"
	(cd "$w/$p.d" && ulimit -c unlimited && echo 0x10 >/proc/self/coredump_filter && exec "$w/$p") \
		>/dev/null 2>&1 || true
	mv "$w/$p.d"/core* "$w/$p.core"
done
cp "$w/c.core" "$out/x86_64-pie.core"
cp "$w/s.core" "$out/x86_64-static.core"
cp "$w/t.core" "$out/x86_64-threads.core"
[ -f "$w/i.core" ] && cp "$w/i.core" "$out/i386.core"
head -c 64 "$w/c.core" >"$out/cut-ehdr"
head -c 600 "$w/c.core" >"$out/cut-phdrs"
head -c 3000 "$w/c.core" >"$out/cut-notes"
head -c 20000 "$w/c.core" >"$out/cut-memory"
# mangled: flip bytes in the notes region and in the program headers
for k in 1 2 3 4 5 6; do
	cp "$w/c.core" "$w/m"
	printf '\377\377\377\377' | dd of="$w/m" bs=1 seek=$((64 + k * 97)) conv=notrunc 2>/dev/null
	printf '\377\377\377\377' | dd of="$w/m" bs=1 seek=$((900 + k * 251)) conv=notrunc 2>/dev/null
	head -c 40000 "$w/m" >"$out/mangled-$k"
done
ls -l "$out"
