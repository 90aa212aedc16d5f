#!/bin/sh
# Hostile cores at the reader: each gives a one-line error and exit status
# 1, in bounded time, from the confined reader — never a crash, a hang or a
# partial answer. And the reader's policy holds against what a hijacked
# reader would try.
. "$(dirname "$0")/../lib/common.sh"

RC="$BIN/retrace-coredump --policy $RETRACE_SRC/policy/seccomp/coredump.policy"
P=$TOOLS/corepatch
SEED=$RETRACE_SRC/fuzz/corpus/coredump/x86_64-pie.core

refused() { # refused NAME EXPECTED-MESSAGE FILE
	timeout 20 $RC "$3" >"$T/out" 2>"$T/err"
	rc=$?
	is "$rc" 1 "$1: exit status 1"
	is "$(wc -l <"$T/err")" 1 "$1: one line of error"
	like "$(cat "$T/err")" "$2" "$1: says why"
	is "$(wc -c <"$T/out")" 0 "$1: no partial answer"
}

mangle() { # mangle: a fresh copy of the seed core in $T/c
	cp "$SEED" "$T/c"
	chmod 644 "$T/c"
}

$RC "$SEED" >"$T/out"
ok $? "the seed core reads"
like "$(cat "$T/out")" "linux-vdso.so.1" "and lists its modules"

: >"$T/empty"
refused "empty file" "not an ELF file" "$T/empty"
head -c 5000 /dev/urandom >"$T/noise"
refused "random bytes" "not an ELF file" "$T/noise"
refused "an executable, not a core" "not a core file" "$TOOLS/corepatch"
refused "a directory" "not a regular file" "$T"
mangle
head -c 40 "$T/c" >"$T/cut"
refused "cut inside the ELF header" "" "$T/cut"
head -c 200 "$T/c" >"$T/cut"
refused "cut inside the program headers" "program headers past the end of the file" "$T/cut"
head -c 1500 "$T/c" >"$T/cut"
refused "cut inside the notes" "PT_NOTE at offset" "$T/cut"
mangle
$P "$T/c" ehdr phnum 0
refused "no program headers" "no program headers" "$T/c"
mangle
$P "$T/c" ehdr phnum 0xfff0
refused "65520 program headers" "program headers past the end of the file" "$T/c"
mangle
$P "$T/c" ehdr phoff 0x7fffffffffffffff
refused "program headers far past the end" "program headers past the end of the file" "$T/c"
mangle
$P "$T/c" phdr-of 4 filesz 0x7fffffffffff0000
refused "note size past the file" "past the end of the file" "$T/c"
mangle
$P "$T/c" phdr-of 4 filesz 0x20000000
refused "notes bigger than the file" "is past the end of the file" "$T/c"
mangle
truncate -s 700M "$T/c" # sparse: costs no disk
$P "$T/c" phdr-of 4 filesz 0x20000000
refused "512 MiB of notes (over the limit)" "536870912 bytes of notes (limit 268435456)" "$T/c"
mangle
$P "$T/c" ntfile-count 0x100000000
refused "NT_FILE with 4 billion entries" "NT_FILE lists 4294967296 mappings" "$T/c"
mangle
$P "$T/c" ntfile-count 5000
refused "NT_FILE with more entries than bytes" "NT_FILE claims 5000 mappings" "$T/c"
mangle
$P "$T/c" phdr 2 vaddr 0
$P "$T/c" phdr 3 vaddr 0
refused "overlapping segments" "overlap" "$T/c"
mangle
$P "$T/c" phdr 2 vaddr 0xfffffffffffff000
$P "$T/c" phdr 2 memsz 0x2000
refused "a segment that wraps around" "wraps around the address space" "$T/c"
mangle
$P "$T/c" phdr 2 filesz 0x100000
$P "$T/c" phdr 2 memsz 0x1000
refused "more file bytes than memory" "more bytes in the file than in memory" "$T/c"

# A truncated core is read as far as it goes, and says so.
head -c 20000 "$SEED" >"$T/short"
$RC --json "$T/short" >"$T/out" 2>"$T/err"
ok $? "a core cut in its memory still reads"
like "$(cat "$T/out")" "the core is truncated" "with a warning that says so"

# The reader's policy, attacked: what a hijacked reader would try.
probe() { "$TOOLS/policy-probe" "$RETRACE_SRC/policy/seccomp/coredump.policy" "$1" >/dev/null 2>&1; echo $?; }
for a in execve fork socket thread ptrace i386 x32 tiocsti mount unshare; do
	is "$(probe $a)" 159 "coredump policy kills $a (SIGSYS)"
done
is "$(probe getpid)" 0 "coredump policy lets ordinary calls through"
"$BIN/retrace-policy" dump "$RETRACE_SRC/policy/seccomp/coredump.policy" | grep -q "^kill openat "
ok $? "the reader cannot open files (openat is killed)"
done_testing
