#!/bin/sh
# Every seccomp policy compiles to exactly its reviewed form
# (tests/expected/policy/*.dump: the rules and libseccomp's filter code),
# so that a change to a policy, or to how we compile one, shows up in
# review. After a deliberate change: tools/update-policy-golden.sh.
. "$(dirname "$0")/../lib/common.sh"

# A sanitized build adds one rule for the sanitizer's runtime to the
# filter code (never to production builds): compare the rules only there.
section() {
	case "$RETRACE_BUILD" in
	*/san) sed '/^# the filter, in libseccomp/,$d' "$1" ;;
	*) cat "$1" ;;
	esac
}
for p in "$RETRACE_SRC"/policy/seccomp/*.policy; do
	name=$(basename "$p" .policy)
	(cd "$RETRACE_SRC" && "$BIN/retrace-policy" dump "policy/seccomp/$name.policy") >"$T/$name.dump" 2>&1
	if [ "$(section "$T/$name.dump")" = "$(section "$RETRACE_SRC/tests/expected/policy/$name.dump")" ]; then
		ok 0 "$name.policy compiles to its reviewed form"
	else
		ok 1 "$name.policy compiles to its reviewed form"
		diff "$RETRACE_SRC/tests/expected/policy/$name.dump" "$T/$name.dump" | head -20 | sed 's/^/#   /'
	fi
done

P=$RETRACE_SRC/policy/seccomp
"$BIN/retrace-policy" diff "$P/gdb.policy" "$P/gdb.policy" >"$T/same"
is "$?$(wc -c <"$T/same")" "00" "diff of a policy with itself: nothing, exit 0"
sed 's/^allow prctl if arg0 == PR_SET_NAME$/allow prctl/' "$P/gdb.policy" >"$T/looser.policy"
"$BIN/retrace-policy" diff "$P/gdb.policy" "$T/looser.policy" >"$T/d"
is "$?" 1 "diff of two different policies exits 1"
like "$(cat "$T/d")" "- allow prctl if arg0 == 0xf" "shows the rule only the first has"
like "$(cat "$T/d")" "+ allow prctl" "and the rule only the second has"
done_testing
