#!/bin/bash
# solver/ and retrace-resolve on a repository built here with rpmbuild and
# createrepo_c (tests/fixtures/rpm/mkrepo.sh): two builds of rtprog with
# different build-ids (the exact one must be picked), its library in
# another package, per-subpackage -debuginfo and -debugsource, rtplain
# without /usr/lib/.build-id links (found by scanning), rtdup sharing a
# build-id with rtprog (the tie-break rules), a build-id found nowhere
# (the host's libc), and the tool closure. The choices are checked against
# what dnf says for the same build-id paths on the same repository.
. "$(dirname "$0")/../lib/common.sh"

REL=test-1-x86_64
REPO=$T/repo
R="$BIN/retrace-resolve --repodir $REPO --release $REL --policy $POLICY_DIR/coredump.policy"
"$RETRACE_SRC/tests/fixtures/rpm/mkrepo.sh" "$REPO" "$REL" 2>"$T/mkrepo.err"
fixture $? "a repository built with rpmbuild and createrepo_c" "$T/mkrepo.err"
P=$REPO/$REL/Packages

# dnf over the same repository, nothing from the host
mkdir -p "$T/dnf/repos"
printf '[main]\ngpgcheck=0\n' >"$T/dnf/dnf.conf"
dnfq() {
	dnf -q -c "$T/dnf/dnf.conf" --setopt=reposdir="$T/dnf/repos" --setopt=cachedir="$T/dnf/cache" \
		--repofrompath=t,"file://$REPO/$REL" --repo=t --releasever=1 --installroot="$T/dnf/root" \
		--forcearch=x86_64 "$@" 2>/dev/null
}
id_path() { echo "/usr/lib/.build-id/${1:0:2}/${1:2}"; }

# --- the caches ---------------------------------------------------------------
$R --reindex --stats >"$T/out" 2>"$T/err"
ok $? "reindex"
like "$(cat "$T/err")" "packages 15 cache rebuilt" "15 packages loaded from XML"
like "$(cat "$T/err")" "scanned 4 " "four binary packages without build-id links scanned (rtplain and three without ELF files)"
[ -s "$REPO/$REL/.retrace/repo.solv" ] && [ -s "$REPO/$REL/.retrace/buildid.idx" ]
ok $? ".retrace/repo.solv and buildid.idx written"
$R --reindex --stats >"$T/out" 2>"$T/err"
like "$(cat "$T/err")" "scanned 0 " "a forced reindex scans nothing again (the scanned cache)"
echo 00 >"$T/ids"
$R --lookup "$T/ids" --stats >"$T/out" 2>"$T/err"
like "$(cat "$T/err")" "cache used" "the next open loads repo.solv"

# --- a real crash of rtprog 1.0-2 ------------------------------------------------
crash_of() { # VERSION-RELEASE DIR
	mkdir -p "$2"
	for p in rtprog rtprog-libs; do
		rpm2archive - <"$P/$p-$1.x86_64.rpm" | tar -xzf - -C "$2"
	done
	{ (cd "$2" && ulimit -c unlimited && LD_LIBRARY_PATH=$2/usr/lib64 exec ./usr/bin/rtprog crash abc) \
		>/dev/null 2>&1; } 2>/dev/null
	[ -f "$2/core" ]
}
crash_of 1.0-2 "$T/c2"
ok $? "rtprog 1.0-2 crashed with a core"
exe_id=$(readelf -n "$T/c2/usr/bin/rtprog" | awk '/Build ID/ { print $3 }')
lib_id=$(readelf -n "$T/c2/usr/lib64/librtlib.so.1" | awk '/Build ID/ { print $3 }')
libc_id=$(readelf -n /usr/lib/x86_64-linux-gnu/libc.so.6 | awk '/Build ID/ { print $3 }')

$R --package rtprog-1.0-2 "$T/c2/core" >"$T/out" 2>"$T/err"
ok $? "resolve the core with the client's package"
out=$(cat "$T/out")
like "$out" "module $exe_id $T/c2/usr/bin/rtprog binary rtprog-1.0-2.x86_64 debuginfo rtprog-debuginfo-1.0-2.x86_64" \
	"the executable: rtprog-1.0-2 (the client's package) and its own -debuginfo"
like "$out" "binary-via build-id link, chosen by client's package (2 candidates)" "the rule that decided is named"
like "$out" "module $lib_id $T/c2/usr/lib64/librtlib.so.1 binary rtprog-libs-1.0-2.x86_64 debuginfo rtprog-libs-debuginfo-1.0-2.x86_64" \
	"the library: from rtprog-libs-1.0-2, its per-subpackage -debuginfo"
like "$out" "debugsource rtprog-debugsource-1.0-2.x86_64" "the -debugsource of that build"
like "$out" "missing $libc_id /usr/lib/x86_64-linux-gnu/libc.so.6" "the host's libc: provided by nothing"
like "$out" "missing-debuginfo $libc_id" "... and its debuginfo is missing"
like "$out" " vdso" "the vdso is not looked up"
is "$(grep -c '^package ' "$T/out")" 2 "two binary packages"
is "$(grep '1\.0-1' "$T/out")" "" "nothing of the 1.0-1 build"

# The same core without the client's package: rtdup-2.0-1 carries the same
# executable; it is newer, so the documented rule picks it.
$R "$T/c2/core" >"$T/out" 2>&1
like "$(cat "$T/out")" "binary rtdup-2.0-1.x86_64 debuginfo rtprog-debuginfo-1.0-2.x86_64" \
	"without the client's package the newest of equal build-ids wins (documented)"
like "$(cat "$T/out")" "chosen by newest (2 candidates)" "... and says so"

# dnf agrees on who provides each build-id path
want=$(dnfq repoquery --qf '%{name}-%{evr}.%{arch}' --whatprovides "$(id_path "$exe_id")" | sort | tr '\n' ' ')
is "$want" "rtdup-2.0-1.x86_64 rtprog-1.0-2.x86_64 " "dnf: the same two packages hold the executable's build-id"
for id in "$exe_id" "$lib_id"; do
	ours=$($R --package rtprog-1.0-2 --json "$T/c2/core" | python3 -c '
import json, sys
d = json.load(sys.stdin)
m = [m for m in d["modules"] if m["build_id"] == sys.argv[1]][0]
print(m["binary"]["nevra"], m["debuginfo"]["nevra"])' "$id")
	b=${ours% *}
	d=${ours#* }
	dnf_b=$(dnfq repoquery --qf '%{name}-%{evr}.%{arch}' --whatprovides "$(id_path "$id")" | tr '\n' ' ')
	dnf_d=$(dnfq repoquery --qf '%{name}-%{evr}.%{arch}' --whatprovides "debuginfo(build-id) = $id")
	dnf_f=$(dnfq repoquery --qf '%{name}-%{evr}.%{arch}' --whatprovides "/usr/lib/debug/.build-id/${id:0:2}/${id:2}.debug")
	like " $dnf_b" " $b " "dnf: $b provides /usr/lib/.build-id/${id:0:2}/..."
	is "$d" "$dnf_d" "dnf: $d provides debuginfo(build-id) = ${id:0:8}..."
	is "$d" "$dnf_f" "dnf: $d holds /usr/lib/debug/.build-id/${id:0:2}/....debug"
done
is "$(dnfq repoquery --qf '%{name}' --whatprovides "$(id_path "$libc_id")")" "" \
	"dnf: nothing provides the host libc's build-id either"

# --- the other build: exactly its packages -------------------------------------------
crash_of 1.0-1 "$T/c1"
$R --package rtprog-1.0-1 "$T/c1/core" >"$T/out" 2>&1
out=$(cat "$T/out")
like "$out" "binary rtprog-1.0-1.x86_64 debuginfo rtprog-debuginfo-1.0-1.x86_64" "a 1.0-1 core gets rtprog-1.0-1"
like "$out" "binary rtprog-libs-1.0-1.x86_64 debuginfo rtprog-libs-debuginfo-1.0-1.x86_64" "... and rtprog-libs-1.0-1"
is "$(grep -c '1\.0-2' "$T/out")" 0 "... and nothing of 1.0-2"
$R "$T/c1/core" >"$T/out" 2>&1
like "$(cat "$T/out")" "binary rtprog-1.0-1.x86_64" "a 1.0-1 executable has one candidate: no package arguments needed"

# --- modules given by hand: path rule, scanning, usrmerge, unknown ----------------
rpm2archive - <"$P/rtplain-1.0-1.x86_64.rpm" | tar -xzf - -C "$T/c1"
plain_id=$(readelf -n "$T/c1/usr/bin/rtplain" | awk '/Build ID/ { print $3 }')
cat >"$T/mods" <<EOF
$exe_id /usr/libexec/rtdup/rtprog
$plain_id /usr/bin/rtplain
$lib_id /lib64/librtlib.so.1
0123456789abcdef0123456789abcdef01234567 /usr/lib64/libnowhere.so
EOF
$R --modules "$T/mods" >"$T/out" 2>&1
ok $? "resolve a module list"
out=$(cat "$T/out")
like "$out" "module $exe_id /usr/libexec/rtdup/rtprog binary rtdup-2.0-1.x86_64" "the package holding the module's path wins"
like "$out" "module $plain_id /usr/bin/rtplain binary rtplain-1.0-1.x86_64 debuginfo -" \
	"a package without build-id links is found by scanning"
like "$out" "binary-via package scan" "... and says so"
like "$out" "missing-debuginfo $plain_id" "... its debuginfo is reported missing"
like "$out" "module $lib_id /lib64/librtlib.so.1 binary rtprog-libs-1.0-2.x86_64" "a /lib64 path finds /usr/lib64 (usrmerge)"
like "$out" "missing 0123456789abcdef0123456789abcdef01234567 /usr/lib64/libnowhere.so" "an unknown build-id is missing"
echo "$exe_id /usr/bin/rtprog" >"$T/mods1"
like "$($R --modules "$T/mods1")" "binary rtprog-1.0-2.x86_64 debuginfo rtprog-debuginfo-1.0-2.x86_64" \
	"path /usr/bin/rtprog picks rtprog over the newer rtdup"
echo "nothex /x" >"$T/bad"
$R --modules "$T/bad" >"$T/out" 2>&1
[ $? -eq 1 ] && grep -q "not hexadecimal" "$T/out"
ok $? "a malformed module list is refused with a message"

# --- tool closure -------------------------------------------------------------------
$R --tools gdb >"$T/out" 2>&1
ok $? "the closure of gdb"
ours=$(sed -n 's/^tool //p' "$T/out" | grep -v '^gdb-' | tr '\n' ' ')
theirs=$(dnfq repoquery --requires --resolve --recursive --qf '%{name}-%{evr}.%{arch}' gdb | sort | tr '\n' ' ')
is "$ours" "$theirs" "dnf resolves the same dependencies (newest librtlib, the file dependency)"
$R --tools rttool-broken >"$T/out" 2>&1
[ $? -eq 1 ]
ok $? "an unsatisfiable tool fails"
like "$(cat "$T/out")" "nothing provides libmissing.so.9()(64bit) needed by rttool-broken-1.0-1.x86_64" \
	"the solver's problem in words"
$R --tools no-such-tool >"$T/out" 2>&1
like "$(cat "$T/out")" "nothing in $REL provides no-such-tool" "an unknown tool is named"

# --- cache validity -------------------------------------------------------------------
truncate -s 100 "$REPO/$REL/.retrace/repo.solv"
$R --lookup "$T/ids" --stats >"$T/out" 2>"$T/err"
ok $? "a damaged repo.solv is not trusted"
like "$(cat "$T/err")" "cache rebuilt" "... it is rebuilt"
sed -i '2s/^\(..\)/ff/' "$REPO/$REL/.retrace/buildid.idx"
printf '%s\n' "$exe_id" >"$T/ids2"
$R --lookup "$T/ids2" >"$T/out" 2>&1
is "$(grep -c "^$exe_id b" "$T/out")" 2 "a corrupted index line costs one entry, never a crash"

# A new package: createrepo_c --update changes repomd.xml; one more scan.
build_rtplain 1.1 "$P"
createrepo_c --quiet --update "$REPO/$REL" >/dev/null 2>&1
$R --lookup "$T/ids" --stats >"$T/out" 2>"$T/err"
like "$(cat "$T/err")" "packages 16 cache rebuilt" "a changed repomd.xml rebuilds the caches"
like "$(cat "$T/err")" "scanned 1 " "... scanning only the new package"

# Two openers at once on stale caches: one rebuild, both answer.
touch "$REPO/$REL/repodata/repomd.xml"
echo >>"$REPO/$REL/repodata/repomd.xml"
$R --lookup "$T/ids2" --stats >"$T/o1" 2>"$T/e1" &
$R --lookup "$T/ids2" --stats >"$T/o2" 2>"$T/e2" &
wait
is "$(cat "$T/e1" "$T/e2" | grep -c 'cache rebuilt')" 1 "two concurrent openers: one rebuild (the other waits and reuses)"
cmp -s "$T/o1" "$T/o2"
ok $? "... and both give the same answer"

# An ordinary user can read a repository it cannot write (the worker needs no root)
if [ "$(id -u)" = 0 ]; then
	chmod -R a+rX "$T"
	cp "$BIN/retrace-resolve" "$T/resolve"
	setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$T/resolve" --repodir "$REPO" \
		--release "$REL" --policy "$POLICY_DIR/coredump.policy" --modules "$T/mods1" >"$T/out" 2>&1
	like "$(cat "$T/out")" "binary rtprog-1.0-2.x86_64" "nobody resolves from fresh caches without writing"
fi

# Bad release ids and missing repositories
$R --release ../etc --modules "$T/mods1" >/dev/null 2>"$T/err"
like "$(cat "$T/err")" "invalid release id" "a release id with a path in it is refused"
$BIN/retrace-resolve --repodir "$REPO" --release fedora-99-x86_64 --modules "$T/mods1" >/dev/null 2>"$T/err"
like "$(cat "$T/err")" "no repository for fedora-99-x86_64" "a release without a repository is named"

# --- metadata compressed with zstd (Fedora 41+) and bzip2; tampered metadata ---------
printf '%s\n' "$exe_id" "$lib_id" "$plain_id" >"$T/ids3"
$R --lookup "$T/ids3" >"$T/want3" 2>/dev/null
for fmt in zst bz2; do
	rm -rf "$T/z"
	mkdir -p "$T/z"
	cp -a "$REPO/$REL" "$T/z/test-2-x86_64"
	rm -rf "$T/z/test-2-x86_64/.retrace"
	python3 "$RETRACE_SRC/tests/tools/recompress-repodata.py" "$T/z/test-2-x86_64" $fmt
	$BIN/retrace-resolve --repodir "$T/z" --release test-2-x86_64 --lookup "$T/ids3" >"$T/got3" 2>"$T/err"
	ok $? "$fmt metadata loads"
	cmp -s "$T/want3" "$T/got3"
	ok $? "... and gives the same index answers"
done
f=$(ls "$T"/z/test-2-x86_64/repodata/*-filelists.xml.bz2)
printf 'X' | dd of="$f" bs=1 seek=100 conv=notrunc 2>/dev/null
rm -rf "$T/z/test-2-x86_64/.retrace"
$BIN/retrace-resolve --repodir "$T/z" --release test-2-x86_64 --lookup "$T/ids3" >/dev/null 2>"$T/err"
[ $? -eq 1 ]
ok $? "metadata that does not match repomd.xml's checksum is refused"
like "$(cat "$T/err")" "filelists.xml.bz2: checksum does not match repomd.xml" "... with the file named"

done_testing
