#!/bin/bash
# retrace-reposync: mirroring over HTTP on 127.0.0.1 and over file://, a
# second run that adds only the new packages, packages removed upstream
# kept here, a package whose checksum does not match refused, a mirror that
# stalls mid-package (the run is killed: the previous state stays usable,
# nothing half-written is visible, a concurrent run is turned away), and
# the published lists that retrace-httpd answers /settings and
# /checkpackage from.
. "$(dirname "$0")/../lib/common.sh"

REL=test-1-x86_64
SRC=$T/src
mkdir -p "$SRC" "$T/repo" "$T/sources"
"$RETRACE_SRC/tests/fixtures/rpm/mkrepo.sh" "$SRC" "$REL" 2>"$T/mkrepo.err"
fixture $? "a source repository built with rpmbuild and createrepo_c" "$T/mkrepo.err"

SERVER_PID=
serve() { # serve DIR [HANG-SUBSTRING]: sets SPORT
	rm -f "$T/port"
	python3 "$RETRACE_SRC/tests/tools/httpserve.py" "$1" "$T/port" ${2:-} 2>>"$T/httpserve.log" &
	SERVER_PID=$!
	for i in $(seq 1 100); do
		[ -s "$T/port" ] && break
		sleep 0.05
	done
	SPORT=$(cat "$T/port")
}
stop_server() {
	[ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
	SERVER_PID=
}
trap 'stop_server; cleanup' EXIT

write_config "RepoSourcesDir = $T/sources"
SYNC="$BIN/retrace-reposync -c $T/conf"
idx() { # the number of index entries (lines after the header)
	echo $(($(wc -l <"$T/repo/$REL/.retrace/buildid.idx") - 1))
}

# --- first run over HTTP ---------------------------------------------------------
serve "$SRC"
echo "http://127.0.0.1:$SPORT/$REL/" >"$T/sources/$REL.sources"
$SYNC "$REL" >"$T/out" 2>"$T/err"
ok $? "the first run succeeds"
like "$(cat "$T/out")" "15 packages listed, 15 new, 0 already here, 0 refused, 0 failed; 15 in the repository" \
	"all 15 packages mirrored"
is "$(ls "$T/repo/$REL/Packages" | wc -l)" 15 "15 files in Packages/"
[ -f "$T/repo/$REL/repodata/repomd.xml" ] && [ -s "$T/repo/$REL/.retrace/buildid.idx" ]
ok $? "metadata regenerated and the index built"
is "$(ls -A "$T/repo/$REL/.retrace" | grep -c tmp)" 0 "no temporary files left"
(cd "$SRC/$REL/Packages" && sha256sum *.rpm) >"$T/want.sum"
(cd "$T/repo/$REL/Packages" && sha256sum -c --quiet "$T/want.sum")
ok $? "every mirrored package is byte-identical to the source"
is "$(cat "$T/spool/.published/releases")" "$REL" "the release is published"
grep -q "^rtprog-1.0-2.x86_64 $REL\$" "$T/spool/.published/packages"
ok $? "its packages are published as NVR.ARCH RELEASE"
LC_ALL=C sort -c "$T/spool/.published/packages"
ok $? "the package list is sorted bytewise"

# what a client sees
start_httpd || { echo "not ok - server started"; done_testing; exit 1; }
http_code GET /settings >/dev/null
like "$(body)" "supported_releases $REL" "/settings lists the mirrored release"
is "$(http_code GET /checkpackage -H 'X-Package-NVR: rtprog-1.0-2' -H 'X-Package-Arch: x86_64' -H "X-OS-Release: $REL")" \
	302 "/checkpackage knows rtprog-1.0-2 now"
is "$(http_code GET /checkpackage -H 'X-Package-NVR: rtprog-9.9-1' -H 'X-Package-Arch: x86_64' -H "X-OS-Release: $REL")" \
	404 "... and not a version that was never mirrored"

# --- a second run: nothing new, then one new package, one removed upstream -----------
$SYNC "$REL" >"$T/out" 2>"$T/err"
like "$(cat "$T/out")" "15 packages listed, 0 new, 15 already here" "an unchanged source downloads nothing"
build_rtplain 1.1 "$SRC/$REL/Packages"
rm "$SRC/$REL/Packages/rtprog-1.0-1.x86_64.rpm"
createrepo_c --quiet --update "$SRC/$REL" >/dev/null 2>&1
before=$(idx)
$SYNC "$REL" >"$T/out" 2>"$T/err"
ok $? "the run after an upstream change succeeds"
like "$(cat "$T/out")" "15 packages listed, 1 new, 14 already here" "only the new package is downloaded"
like "$(cat "$T/out")" "added rtplain-1.1-1.x86_64.rpm" "... rtplain-1.1-1"
like "$(cat "$T/out")" "16 in the repository" "the package removed upstream stays in the repository"
[ -f "$T/repo/$REL/Packages/rtprog-1.0-1.x86_64.rpm" ]
ok $? "... and on disk"
is "$(idx)" $((before + 1)) "the index gained the new package's build-id (found by scanning)"
is "$(http_code GET /checkpackage -H 'X-Package-NVR: rtplain-1.1-1' -H 'X-Package-Arch: x86_64' -H "X-OS-Release: $REL")" \
	302 "/checkpackage knows the new package"
is "$(http_code GET /checkpackage -H 'X-Package-NVR: rtprog-1.0-1' -H 'X-Package-Arch: x86_64' -H "X-OS-Release: $REL")" \
	302 "... and still the one removed upstream"
stop_server

# --- a package whose checksum does not match --------------------------------------
cp -a "$SRC" "$T/bad"
f=$T/bad/$REL/Packages/rtplain-1.1-1.x86_64.rpm
printf 'X' | dd of="$f" bs=1 seek=$(($(stat -c %s "$f") - 100)) conv=notrunc 2>/dev/null
rm -rf "$T/repo2"
mkdir -p "$T/repo2"
sed "s|^RepoDir = .*|RepoDir = $T/repo2|" "$T/conf" >"$T/conf2"
echo "file://$T/bad/$REL" >"$T/bad.sources"
$BIN/retrace-reposync -c "$T/conf2" --sources "$T/bad.sources" "$REL" >"$T/out" 2>"$T/err"
is "$?" 1 "a run with a refused package exits 1"
like "$(cat "$T/err")" "rtplain-1.1-1.x86_64.rpm: refused: checksum mismatch: sha256" "the bad package is refused, by name and reason"
[ ! -e "$T/repo2/$REL/Packages/rtplain-1.1-1.x86_64.rpm" ]
ok $? "... and is not in Packages/"
like "$(cat "$T/out")" "15 packages listed, 14 new, 0 already here, 1 refused" "the other packages are mirrored over file://"

# --- a mirror that stalls mid-package; the run is killed -------------------------
build_rtplain 1.2 "$SRC/$REL/Packages"
createrepo_c --quiet --update "$SRC/$REL" >/dev/null 2>&1
serve "$SRC" rtplain-1.2-1
echo "http://127.0.0.1:$SPORT/$REL/" >"$T/sources/$REL.sources"
cp "$T/repo/$REL/repodata/repomd.xml" "$T/repomd.before"
$SYNC "$REL" >"$T/out" 2>"$T/err" &
SYNC_PID=$!
for i in $(seq 1 100); do
	ls "$T/repo/$REL/.retrace/tmp/" 2>/dev/null | grep -q 'rtplain-1.2-1.*part' && break
	sleep 0.1
done
ls "$T/repo/$REL/.retrace/tmp/" 2>/dev/null | grep -q 'rtplain-1.2-1.*part'
ok $? "the stalled download is in .retrace/tmp/"
$SYNC "$REL" >"$T/out2" 2>"$T/err2"
is "$?" 75 "a concurrent run exits 75"
like "$(cat "$T/err2")" "another retrace-reposync is running for this release" "... and says why"
{ kill -9 "$SYNC_PID"; wait "$SYNC_PID"; } 2>/dev/null
[ ! -e "$T/repo/$REL/Packages/rtplain-1.2-1.x86_64.rpm" ]
ok $? "killed mid-package: nothing half-written in Packages/"
cmp -s "$T/repomd.before" "$T/repo/$REL/repodata/repomd.xml"
ok $? "... the metadata is the previous one"
$BIN/retrace-resolve --repodir "$T/repo" --release "$REL" --tools gdb >"$T/out" 2>&1
like "$(cat "$T/out")" "tool rtprog-libs-1.0-2.x86_64" "... and the repository answers the solver"
stop_server
serve "$SRC"
echo "http://127.0.0.1:$SPORT/$REL/" >"$T/sources/$REL.sources"
$SYNC "$REL" >"$T/out" 2>"$T/err"
ok $? "the next run completes"
like "$(cat "$T/out")" "1 new" "... fetching what the killed run could not"
[ -f "$T/repo/$REL/Packages/rtplain-1.2-1.x86_64.rpm" ] && [ ! -e "$T/repo/$REL/.retrace/tmp" ]
ok $? "... into Packages/, with .retrace/tmp cleaned"
stop_server

# --- bad sources ---------------------------------------------------------------------
echo "ftp://example.org/x" >"$T/ftp.sources"
$SYNC --sources "$T/ftp.sources" "$REL" >/dev/null 2>"$T/err"
like "$(cat "$T/err")" "not an http://, https:// or file:// URL" "other URL schemes are refused"
echo "http://127.0.0.1:1/nothing/" >"$T/dead.sources"
$SYNC --sources "$T/dead.sources" "$REL" >/dev/null 2>"$T/err"
like "$(cat "$T/err")" "repodata/repomd.xml" "an unreachable source is named"
$SYNC ../escape >/dev/null 2>"$T/err"
like "$(cat "$T/err")" "invalid release id" "a release id with a path is refused"

done_testing
