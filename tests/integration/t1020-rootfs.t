#!/bin/bash
# rootfs-cache/ through retrace-rootfs, run as an unprivileged user (as the
# worker runs): the rpm-rs packages (v4, v6, signed with RSA, ECDSA and
# Ed25519 keys), packages built here (gzip, xz, zstd and bzip2 payloads; a
# setuid/setgid file, a device node, a FIFO, a file capability; one that
# reaches outside its tree through a symlink; signed with a key made here,
# signed with an unknown key, tampered), a package from a repository whose
# metadata checksum must match, two concurrent extractions of one package,
# a stack of 300 trees (lowerdir+ and mount(2)), conflicts, and the cache's
# garbage collection around a tree in use (retrace-rootfs gc, retrace-cleanup).
. "$(dirname "$0")/../lib/common.sh"

D=$SHARED/testdata/rpm-rs
[ -d "$D/v6" ] || skip_all "../shared/testdata is not beside the checkout"
REL=test-1-x86_64
FIX=$RETRACE_SRC/tests/fixtures/rpm
mkdir -p "$T/gpg" "$T/cache" "$T/bin" "$T/outside" "$T/pkgs"
cp "$BIN/retrace-rootfs" "$BIN/retrace-cleanup" "$BIN/retrace-sandbox" "$RETRACE_SRC/policy/seccomp/gdb.policy" "$T/bin/"
chmod -R a+rX "$T/bin"
[ "$(id -u)" = 0 ] && chown nobody:nogroup "$T/cache" "$T/outside"
write_config "GPGKeyDir = $T/gpg
RootfsCacheDir = $T/cache"
rfs() { $RUN_AS "$T/bin/retrace-rootfs" -c "$T/conf" "$@"; }
trees() { find "$T/cache/trees" -mindepth 1 -maxdepth 1 | wc -l; }
tmp_left() { find "$T/cache/tmp" -mindepth 1 -maxdepth 1 | wc -l; }
key_of() { echo "sha256-$(sha256sum <"$1" | cut -d' ' -f1)"; }
tree() { echo "$T/cache/trees/$(key_of "$1")/root"; }

build() { # rpmbuild SPEC with options into $T/top; the file ends if it fails
	rpmbuild -bb --nodeps --quiet -D "_topdir $T/top" -D '_buildhost retrace-tests' "$@" \
		>"$T/build.log" 2>&1 || fixture 1 "rpmbuild $*" "$T/build.log"
}

# --- the rpm-rs packages ------------------------------------------------------------
mkdir -p "$T/gpg/$REL"
cp "$D"/keys/rpm-testkey-v4-rsa4096.asc "$D"/keys/rpm-testkey-v4-ed25519.asc \
	"$D"/keys/rpm-testkey-v4-ecdsa-nistp256.asc "$T/gpg/$REL/"
out=$(rfs --release $REL verify "$D"/v4-signed/*.rpm "$D"/v4/rpm-basic-*.rpm "$D"/v6/rpm-basic-*.rpm 2>"$T/err")
ok $([ $? = 1 ]; echo $?) "RequireGPGCheck: verify fails when any package fails"
like "$out" "OK $D/v4-signed/rpm-basic-with-rsa4096-2.3.4-5.el9.noarch.rpm rpm-basic-1:2.3.4-5.el9.noarch signature=RSA/SHA512 key e964f9fb30d073b5 payload-digest=checked" \
	"an RSA-4096 signature by a key of the release is accepted"
like "$out" "OK $D/v4-signed/rpm-basic-with-ed25519-2.3.4-5.el9.noarch.rpm rpm-basic-1:2.3.4-5.el9.noarch signature=EdDSA/SHA512 key 522e846427933839" \
	"an Ed25519 signature is accepted"
like "$out" "OK $D/v4-signed/rpm-basic-with-ima-2.3.4-5.el9.noarch.rpm" "a package with IMA file signatures is accepted (its header signature is Ed25519)"
like "$out" "FAILED $D/v4-signed/rpm-basic-with-ecdsa-2.3.4-5.el9.noarch.rpm: signature check failed: Header DSA signature: BAD" \
	"an ECDSA signature, which librpm 4.18 cannot check, is refused with librpm's reason"
like "$(cat "$T/err")" "rpm-testkey-v4-ecdsa-nistp256.asc: key 1: librpm cannot use this key" "the unusable ECDSA key is named in a warning"
like "$out" "FAILED $D/v4/rpm-basic-2.3.4-5.el9.noarch.rpm: rpm-basic-1:2.3.4-5.el9.noarch is not signed" \
	"an unsigned v4 package is refused (rpmReadPackageFile alone says OK)"
like "$out" "FAILED $D/v6/rpm-basic-2.3.4-5.el9.noarch.rpm: rpm-basic-1:2.3.4-5.el9.noarch is not signed" "an unsigned v6 package is refused"

rm "$T/gpg/$REL/rpm-testkey-v4-ed25519.asc"
out=$(rfs --release $REL verify "$D"/v4-signed/rpm-basic-with-ed25519-2.3.4-5.el9.noarch.rpm 2>/dev/null)
like "$out" "signed by a key not in the release's keyring (Header V4 EdDSA/SHA512 Signature, key ID 27933839: NOKEY)" \
	"a signature by a key the release does not have is refused"
out=$(rfs --release other-1-x86_64 verify "$D"/v4-signed/rpm-basic-with-rsa4096-2.3.4-5.el9.noarch.rpm 2>&1)
like "$out" "no GPG keys for release other-1-x86_64: $T/gpg/other-1-x86_64 does not exist" "a release without keys: a clear error"
out=$(rfs verify "$D"/v4/rpm-basic-2.3.4-5.el9.noarch.rpm 2>&1)
like "$out" "RequireGPGCheck = 1: give --release" "RequireGPGCheck without a release is refused, not skipped"

out=$(rfs --no-gpgcheck extract "$D"/v4/*.rpm "$D"/v6/*.rpm 2>&1)
ok $? "--no-gpgcheck: every v4 and v6 package of rpm-rs is extracted"
is "$(echo "$out" | grep -c '^extracted ')" "$(ls "$D"/v4/*.rpm "$D"/v6/*.rpm | wc -l)" "one extraction per package"
# the same files as rpm2archive (librpm's own reader, writing a tar) gives
differ=0
for p in "$D"/v4/*.rpm "$D"/v6/*.rpm; do
	rm -rf "$T/ref" && mkdir "$T/ref"
	rpm2archive - <"$p" | tar -xzf - -C "$T/ref" 2>/dev/null
	want=$(cd "$T/ref" && find . ! -type d ! -type c ! -type b ! -type p -printf '%p %y %s %l\n' | sort)
	got=$(cd "$(tree "$p")" && find . ! -type d -printf '%p %y %s %l\n' | sort)
	wantsum=$(cd "$T/ref" && find . -type f -exec sha256sum {} + | sort)
	gotsum=$(cd "$(tree "$p")" && find . -type f -exec sha256sum {} + | sort)
	[ "$want" = "$got" ] && [ "$wantsum" = "$gotsum" ] || { differ=1; diag "differs from rpm2archive: $p"; }
done
ok $differ "every extracted tree has rpm2archive's files, types, sizes, link targets and contents"
h=$(tree "$D"/v6/rpm-hardlinks-1.0-1.noarch.rpm)/opt/rpm-hardlinks
is "$(stat -c %i "$h/alpha-1")" "$(stat -c %i "$h/alpha-3")" "v6 hard links are hard links"
is "$(stat -c %h "$h/beta-2")" "2" "each hard-link set keeps its own link count"
OWNER=$([ "$(id -u)" = 0 ] && echo nobody || id -un)
is "$(find "$(tree "$D"/v6/rpm-file-attrs-1.0-1.noarch.rpm)" ! -user "$OWNER" | wc -l)" 0 \
	"files belong to the extracting user, never to the package's owners"
out=$(rfs --no-gpgcheck extract "$D"/v6/rpm-hardlinks-1.0-1.noarch.rpm)
like "$out" "cached $(key_of "$D"/v6/rpm-hardlinks-1.0-1.noarch.rpm) rpm-hardlinks-1.0-1.noarch" "a second request is served from the cache"

# --- packages built here: payloads and dangerous attributes --------------------------
for c in gzdio xzdio zstdio bzdio; do
	build -D "_binary_payload w1.$c" -D "rt_name rtfiles-$c" "$FIX/rtfiles.spec"
done
ok $? "rtfiles built with gzip, xz, zstd and bzip2 payloads"
PK=$T/top/RPMS/noarch
for c in gzdio xzdio zstdio bzdio; do
	comp=$(rpm -qp --nosignature --qf '%{PAYLOADCOMPRESSOR}' "$PK/rtfiles-$c-1.0-1.noarch.rpm")
	out=$(rfs --no-gpgcheck extract "$PK/rtfiles-$c-1.0-1.noarch.rpm" 2>&1)
	like "$out" "files=6 hardlinks=1 symlinks=1 dirs=5 bytes=$((6 + 7 + 20 * 3)) skipped-special=2 stripped-setid=3" \
		"$comp payload: extracted; the device node and the FIFO skipped, three setuid/setgid bits dropped"
done
r=$(tree "$PK/rtfiles-zstdio-1.0-1.noarch.rpm")
is "$(stat -c %a "$r/usr/bin/rtfiles-zstdio-suid") $(stat -c %a "$r/usr/bin/rtfiles-zstdio-sgid") $(stat -c %a "$r/usr/share/rtfiles-zstdio/sgid-dir")" \
	"755 755 775" "no setuid or setgid bit on files or directories"
is "$(find "$T/cache/trees" \( -type c -o -type b -o -type p -o -type s \) | wc -l)" 0 "no device node, FIFO or socket anywhere in the cache"
is "$(python3 -c 'import os,sys; print(len(os.listxattr(sys.argv[1])))' "$r/usr/bin/rtfiles-zstdio-caps")" 0 \
	"the file capability is not set (no xattr at all)"
is "$(cat "$r/usr/share/rtfiles-zstdio/symlink" 2>/dev/null)" "plain" "symlinks inside the package work"

# a package whose file goes through its own symlink to a directory on the host
echo bait >"$T/outside/rtescape-escaped"
build -D "rt_name rtescape" -D "rt_escape $T/outside" -D '_unpackaged_files_terminate_build 0' "$FIX/rtfiles.spec"
rm -f "$T/outside/rtescape-escaped"
out=$(rfs --no-gpgcheck extract "$PK/rtescape-1.0-1.noarch.rpm" 2>&1)
ok $([ $? = 1 ]; echo $?) "a package that writes through a symlink is refused"
like "$out" "/opt/rtescape/link/rtescape-escaped: its directory goes through a symlink" "the refusal names the path and why"
is "$(ls "$T/outside")" "" "nothing was written outside the tree"
is "$(ls "$T/cache/trees" | grep -c "$(key_of "$PK/rtescape-1.0-1.noarch.rpm")")" 0 "the refused package is not in the cache"
is "$(tmp_left)" 0 "and its half-made tree is gone"

# --- signatures made here ------------------------------------------------------------
export GNUPGHOME=$T/gnupg
mkdir -m 700 "$GNUPGHOME"
gpg --batch --passphrase '' --quick-gen-key 'Retrace Test <test@example.invalid>' rsa2048 sign never 2>"$T/gpg.err" &&
	gpg --batch --passphrase '' --quick-gen-key 'Unknown Signer <other@example.invalid>' ed25519 sign never 2>>"$T/gpg.err"
fixture $? "two signing keys generated" "$T/gpg.err"
rm -rf "$T/gpg/$REL"
gpg --armor --export "Retrace Test" >"$T/gpg/$REL" 2>/dev/null
sign() { rpmsign --addsign -D "_gpg_name $1" -D '__gpg /usr/bin/gpg' "$2" >/dev/null 2>&1; }
cp "$PK/rtfiles-xzdio-1.0-1.noarch.rpm" "$T/pkgs/signed.rpm"
cp "$PK/rtfiles-xzdio-1.0-1.noarch.rpm" "$T/pkgs/unknown.rpm"
sign 'Retrace Test' "$T/pkgs/signed.rpm" && sign 'Unknown Signer' "$T/pkgs/unknown.rpm"
fixture $? "rpmsign with both keys"
# a payload byte flipped (the last byte of the file), and a header byte (the summary)
cp "$T/pkgs/signed.rpm" "$T/pkgs/payload.rpm"
size=$(stat -c %s "$T/pkgs/payload.rpm")
printf '\x55' | dd of="$T/pkgs/payload.rpm" bs=1 seek=$((size - 1)) conv=notrunc status=none
cp "$T/pkgs/signed.rpm" "$T/pkgs/header.rpm"
off=$(grep -abo 'files with dangerous attributes' "$T/pkgs/header.rpm" | head -1 | cut -d: -f1)
printf 'F' | dd of="$T/pkgs/header.rpm" bs=1 seek="$off" conv=notrunc status=none
chmod 644 "$T"/pkgs/*.rpm

before=$(trees)
out=$(rfs --release $REL extract "$T/pkgs/signed.rpm" 2>&1)
like "$out" "extracted $(key_of "$T/pkgs/signed.rpm") rtfiles-xzdio-1.0-1.noarch" "a package signed with the release's key is accepted and extracted"
like "$out" "signature=RSA/SHA512 key $(gpg --with-colons --list-keys 'Retrace Test' 2>/dev/null | awk -F: '/^pub/ { print tolower($5) }')" \
	"the signing key is recorded"
for p in unknown payload header; do
	out=$(rfs --release $REL extract "$T/pkgs/$p.rpm" 2>&1)
	ok $([ $? = 1 ]; echo $?) "$p: refused"
	case $p in
	unknown) like "$out" "signed by a key not in the release's keyring" "$p: signed by a key not in the keyring" ;;
	payload) like "$out" "payload digest mismatch (the payload was altered after the header was made)" "$p: payload digest mismatch" ;;
	header) like "$out" "damaged or tampered package: Header" "$p: the header's digest or signature fails" ;;
	esac
done
out=$(rfs --no-gpgcheck extract "$T/pkgs/payload.rpm" 2>&1)
like "$out" "payload digest mismatch" "the tampered payload is refused without RequireGPGCheck too"
head -c 3000 "$T/pkgs/signed.rpm" >"$T/pkgs/truncated.rpm"
: >"$T/pkgs/empty.rpm"
cp "$FIX/rtfiles.spec" "$T/pkgs/text.rpm"
chmod 644 "$T"/pkgs/*.rpm
out=$(rfs --no-gpgcheck extract "$T/pkgs/truncated.rpm" 2>&1)
like "$out" "truncated.rpm: " "a truncated package is refused..."
ok $([ "$(trees)" = "$((before + 1))" ]; echo $?) "...and leaves nothing"
out=$(rfs --no-gpgcheck extract "$T/pkgs/empty.rpm" 2>&1)
like "$out" "empty.rpm: not an RPM package" "an empty file is not an RPM package"
out=$(rfs --no-gpgcheck extract "$T/pkgs/text.rpm" 2>&1)
like "$out" "text.rpm: not an RPM package" "a text file is not an RPM package"
is "$(trees)" "$((before + 1))" "only the good package entered the cache"
is "$(tmp_left)" 0 "no half-made tree is left"

# a tree extracted without a signature check gets one when a task needs it
out=$(rfs --no-gpgcheck extract "$PK/rtfiles-gzdio-1.0-1.noarch.rpm" 2>&1)
like "$out" "cached $(key_of "$PK/rtfiles-gzdio-1.0-1.noarch.rpm") rtfiles-gzdio-1.0-1.noarch signature=unchecked" "an earlier tree, unchecked"
out=$(rfs --release $REL extract "$PK/rtfiles-gzdio-1.0-1.noarch.rpm" 2>&1)
like "$out" "rtfiles-gzdio-1.0-1.noarch is not signed" "...is refused when a signature is required"

# --- a package from a release's repository: the metadata checksum ------------------------
mkdir -p "$T/repo/$REL/Packages"
cp "$T/pkgs/signed.rpm" "$T/repo/$REL/Packages/rtfiles-xzdio-1.0-1.noarch.rpm"
createrepo_c --quiet "$T/repo/$REL" >/dev/null
chmod -R a+rX "$T/repo"
[ "$(id -u)" = 0 ] && chown -R nobody:nogroup "$T/repo"
out=$(rfs --release $REL extract rtfiles-xzdio 2>&1)
like "$out" "cached $(key_of "$T/pkgs/signed.rpm") rtfiles-xzdio-1.0-1.noarch signature=RSA/SHA512" "a package by name from the repository: its metadata checksum is the key"
cp "$T/pkgs/unknown.rpm" "$T/repo/$REL/Packages/rtfiles-xzdio-1.0-1.noarch.rpm"
rm -rf "$T/cache2" && mkdir "$T/cache2" && [ "$(id -u)" = 0 ] && chown nobody "$T/cache2"
out=$($RUN_AS "$T/bin/retrace-rootfs" -c "$T/conf" --cache "$T/cache2" --no-gpgcheck --release $REL extract rtfiles-xzdio 2>&1)
like "$out" "the repository metadata says" "a package file that is not the one the metadata names is refused"

# --- two extractions of one package at once ------------------------------------------------
build -D "_binary_payload w1.gzdio" -D "rt_name rtbig" -D 'rt_bigmb 48' "$FIX/rtfiles.spec"
big=$PK/rtbig-1.0-1.noarch.rpm
rfs --no-gpgcheck extract "$big" >"$T/c1" 2>&1 &
p1=$!
rfs --no-gpgcheck extract "$big" >"$T/c2" 2>&1 &
p2=$!
wait $p1
r1=$?
wait $p2
ok $((r1 + $?)) "two concurrent extractions of the same 48 MiB package both succeed"
is "$(cat "$T/c1" "$T/c2" | grep -c "^extracted $(key_of "$big")")" 1 "exactly one of them extracted it"
is "$(cat "$T/c1" "$T/c2" | grep -c "^cached $(key_of "$big")")" 1 "the other waited and used that tree"
is "$(sha256sum <"$(tree "$big")/usr/share/rtbig/big" | cut -d' ' -f1)" \
	"$(rpm2archive - <"$big" | tar -xzOf - ./usr/share/rtbig/big | sha256sum | cut -d' ' -f1)" "and the tree is whole"

# --- stacks ---------------------------------------------------------------------------------
{
	printf 'Name: rtlayer\nVersion: 1\nRelease: 1\nSummary: layers\nLicense: MIT\nBuildArch: noarch\n'
	printf '%%description\nTest.\n%%prep\n%%build\n%%install\n'
	printf 'for i in $(seq 0 299); do mkdir -p %%{buildroot}/usr/share/rtlayer/$i; echo $i >%%{buildroot}/usr/share/rtlayer/$i/own; done\n'
	printf '%%files\n/usr/share/rtlayer/0\n'
	for i in $(seq 1 299); do
		printf '%%package -n rtlayer-%d\nSummary: layer %d\n%%description -n rtlayer-%d\nTest.\n%%files -n rtlayer-%d\n/usr/share/rtlayer/%d\n' \
			"$i" "$i" "$i" "$i" "$i"
	done
} >"$T/rtlayer.spec"
build "$T/rtlayer.spec"
ok $? "300 small packages built"
layers=("$PK/rtlayer-1-1.noarch.rpm")
for i in $(seq 1 299); do layers+=("$PK/rtlayer-$i-1-1.noarch.rpm"); done
out=$(rfs --no-gpgcheck run "${layers[@]}" -- sh -c 'ls usr/share/rtlayer | wc -l; cat usr/share/rtlayer/0/own usr/share/rtlayer/299/own; touch scratch && echo writable' 2>"$T/err")
ok $? "a stack of 300 trees is assembled and runs a command"
is "$(echo $out)" "300 0 299 writable" "it shows the union of their files, and its top layer is writable"
like "$(cat "$T/err")" "stack of 300 layers at " "the assembly is reported"
out=$(rfs --no-gpgcheck --legacy-mount run "${layers[@]}" -- sh -c 'ls usr/share/rtlayer | wc -l' 2>"$T/err")
is "$out" "300" "the mount(2) fallback (short relative layer names) holds 300 layers too"
like "$(cat "$T/err")" "with mount(2)" "...and says which method it used"
is "$(find "$T/cache/trees" -name scratch | wc -l)" 0 "writes in a stack never reach the cache's trees"

# the sandbox with a stack as its root (a skeleton over the host's /usr, as
# ToolRoot = host does) and a stack of 300 trees at /sysroot, under the gdb policy
mkdir -p "$T/skel/usr" "$T/skel/etc" "$T/sbroot"
ln -s usr/bin "$T/skel/bin" && ln -s usr/lib "$T/skel/lib" && ln -s usr/lib64 "$T/skel/lib64"
[ "$(id -u)" = 0 ] && chown nobody "$T/sbroot"
sysroot=$(for p in "${layers[@]}"; do printf '%s:' "$(tree "$p")"; done)
out=$($RUN_AS "$T/bin/retrace-sandbox" --root "$T/sbroot" --policy "$T/bin/gdb.policy" --stack / "$T/skel" \
	--ro-bind /usr /usr --stack /sysroot "${sysroot%:}" -- /usr/bin/ls /sysroot/usr/share/rtlayer 2>&1 | wc -l)
is "$out" 300 "retrace-sandbox: a stack root and a 300-tree stack at /sysroot, under the gdb policy"
# (without seccomp, which would kill touch's utimensat: the mounts alone must hold)
out=$($RUN_AS "$T/bin/retrace-sandbox" --root "$T/sbroot" --no-seccomp --stack / "$T/skel" \
	--ro-bind /usr /usr --stack /sysroot "$(tree "${layers[0]}")" -- /usr/bin/touch /sysroot/x /y 2>&1)
like "$out" "cannot touch '/sysroot/x': Read-only file system" "the /sysroot stack is read-only in the sandbox"
like "$out" "cannot touch '/y': Read-only file system" "and so is the root stack"
is "$(ls -A "$T/sbroot")" "" "the sandbox's root directory is left empty"

# conflicts: the same path with different contents; the first package listed wins
for v in 1 2; do # the same package twice: its "big" file differs (random bytes)
	build -D "rt_name rtconf" -D "_binary_payload w1.gzdio" -D 'rt_bigmb 1' "$FIX/rtfiles.spec"
	mv "$PK/rtconf-1.0-1.noarch.rpm" "$T/pkgs/rtconf-$v.rpm"
done
chmod 644 "$T"/pkgs/*.rpm
out=$(rfs --no-gpgcheck run "$T/pkgs/rtconf-2.rpm" "$T/pkgs/rtconf-1.rpm" -- cat usr/share/rtconf/big 2>"$T/err" | sha256sum | cut -d' ' -f1)
is "$out" "$(rpm2archive - <"$T/pkgs/rtconf-2.rpm" | tar -xzOf - ./usr/share/rtconf/big | sha256sum | cut -d' ' -f1)" "where two packages own a path, the first listed wins"
like "$(cat "$T/err")" "conflict differs /usr/share/rtconf/big: rtconf-1.0-1.noarch (f	" "the conflict is logged with both contents"
like "$(cat "$T/err")" "1 conflicts" "identical files in both are not conflicts"
out=$(rfs --no-gpgcheck layers "$D"/v4/rpm-basic-2.3.4-5.el9.noarch.rpm "$D"/v6/rpm-basic-2.3.4-5.el9.noarch.rpm 2>&1)
like "$out" "0 conflicts" "v4 and v6 builds of the same files: no conflict"

# --- garbage collection ---------------------------------------------------------------------
n=$(trees)
rfs --no-gpgcheck run "$PK/rtfiles-gzdio-1.0-1.noarch.rpm" -- sh -c 'echo started >'"$T/outside/started"'; sleep 3' 2>/dev/null &
holder=$!
for i in $(seq 1 100); do [ -s "$T/outside/started" ] && break; sleep 0.05; done
out=$(rfs gc --max-size 0)
like "$out" "trees $n " "gc counts every tree"
like "$out" "removed $((n - 1)) " "gc with a limit of 0 removes every tree but the one in use"
like "$out" "in-use 1 " "...which it says it skipped"
is "$(trees)" 1 "one tree is left"
ok $([ -d "$(tree "$PK/rtfiles-gzdio-1.0-1.noarch.rpm")" ]; echo $?) "and it is the one the running stack uses"
wait $holder
ok $? "the stack's command ran to its end"
out=$(rfs gc --max-size 0)
like "$out" "removed 1 " "once released, gc removes it too"
is "$(trees) $(tmp_left) $(ls "$T/cache/locks" | wc -l)" "0 0 0" "nothing is left: no tree, no temporary, no lock file"
out=$(rfs --no-gpgcheck extract "$PK/rtfiles-gzdio-1.0-1.noarch.rpm" 2>&1)
like "$out" "extracted" "a removed package is extracted again on demand"
rfs --no-gpgcheck extract "$big" >/dev/null 2>&1
write_config "GPGKeyDir = $T/gpg
RootfsCacheDir = $T/cache
RootfsCacheSize = 1"
out=$($RUN_AS "$T/bin/retrace-cleanup" -c "$T/conf" 2>&1)
like "$out" "rootfs cache $T/cache: 2 trees, 48 MiB; removed 2 trees, 48 MiB; kept 0 in use" \
	"retrace-cleanup shrinks the cache to RootfsCacheSize (1 MiB)"
is "$(trees)" 0 "...and the trees are gone"

done_testing
