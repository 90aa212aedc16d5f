#!/bin/bash
# What keeps make and make check honest on a machine that lacks something:
# a missing library stops the build with the Debian package to install; a
# test file that runs too long is stopped and fails (with what it started);
# a fixture that cannot be made ends its file at once, failed.
. "$(dirname "$0")/../lib/common.sh"

# --- a missing -dev package ----------------------------------------------------
# pkg-config that finds nothing: every library looks missing
mkdir -p "$T/nopc"
out=$(cd "$RETRACE_SRC" && env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS PKG_CONFIG_LIBDIR="$T/nopc" \
	make --no-print-directory -n O="$T/b" all 2>&1)
rc=$?
isnt_zero=$([ $rc != 0 ]; echo $?)
ok "$isnt_zero" "make stops when pkg-config finds no library (exit $rc)"
like "$out" "missing Debian packages: libmicrohttpd-dev libarchive-dev libseccomp-dev" "... and names the Debian packages"
like "$out" "librpm-dev libcurl4-openssl-dev liblzo2-dev libzstd-dev" "... every one of them"
like "$out" "(as root: tools/install-deps.sh build)" "... and how to install them"
unlike "$out" "gcc -std" "no compiler ran with empty flags"
[ ! -e "$T/b/obj" ] || [ -z "$(find "$T/b/obj" -name '*.o')" ]
ok $? "no object was made"

# --- a test file past its time ---------------------------------------------------
cat >"$T/slow.t" <<'EOF'
#!/bin/bash
echo "ok 1 - started"
sleep 300 &
echo $! >"$(dirname "$0")/slow.child"
wait
EOF
chmod +x "$T/slow.t"
start=$(date +%s)
RETRACE_TEST_TIMEOUT=2 "$RETRACE_SRC/tests/lib/bounded" "$T/slow.t" >"$T/slow.out" 2>"$T/slow.err"
rc=$?
took=$(($(date +%s) - start))
is "$rc" 124 "tests/lib/bounded stops a file past RETRACE_TEST_TIMEOUT (exit 124)"
ok "$([ $took -lt 30 ]; echo $?)" "... at once (after $took s)"
like "$(cat "$T/slow.out")" "not ok - $T/slow.t finished within 2 s" "... and the file fails in its TAP"
like "$(cat "$T/slow.err")" "ran longer than 2 s (RETRACE_TEST_TIMEOUT) and was stopped" "... saying why"
child=$(cat "$T/slow.child")
for _ in $(seq 1 50); do kill -0 "$child" 2>/dev/null || break; sleep 0.1; done
kill -0 "$child" 2>/dev/null
ok $((!$?)) "what the file started was stopped with it"
kill "$child" 2>/dev/null

# --- a fixture that cannot be made -------------------------------------------------
cat >"$T/fixture.t" <<EOF
#!/bin/bash
. "$RETRACE_SRC/tests/lib/common.sh"
ok 0 "before"
echo "rpmbuild: error: no compiler" >"\$T/build.log"
fixture 1 "the repository built" "\$T/build.log"
ok 0 "never reached"
sleep 300
EOF
chmod +x "$T/fixture.t"
start=$(date +%s)
"$T/fixture.t" >"$T/fixture.out" 2>"$T/fixture.err"
rc=$?
is "$rc" 1 "a failed fixture ends its file with exit 1"
ok "$([ $(($(date +%s) - start)) -lt 30 ]; echo $?)" "... at once, running nothing after it"
is "$(grep -v '^#' "$T/fixture.out" | tr '\n' '|')" "ok 1 - before|not ok 2 - the repository built|1..2|" \
	"... with a plan of what ran"
like "$(cat "$T/fixture.out")" "#   rpmbuild: error: no compiler" "... and the fixture's log"
like "$(cat "$T/fixture.err")" "a fixture could not be made; the rest of fixture.t cannot run" "... and says so"
done_testing
