#!/bin/sh
# The mandatory access control policies compile on every landing (issue
# 20): the SELinux module against Debian's reference policy headers
# (selinux-policy-dev: checkmodule, semodule_package), the AppArmor
# profiles with apparmor_parser -Q. The original server's SELinux policy
# went stale (its design document, 11.7); ours cannot without failing here.
. "$(dirname "$0")/../lib/common.sh"
need checkmodule semodule_package apparmor_parser
[ -f /usr/share/selinux/devel/Makefile ] || skip_all "selinux-policy-dev is not installed"

mkdir -p "$T/sel"
cp "$RETRACE_SRC"/policy/selinux/retrace.te "$RETRACE_SRC"/policy/selinux/retrace.fc \
	"$RETRACE_SRC"/policy/selinux/retrace.if "$T/sel/"
make -C "$T/sel" -f /usr/share/selinux/devel/Makefile retrace.pp >"$T/sel.out" 2>&1
ok $? "the SELinux module compiles (checkmodule, semodule_package)" || sed 's/^/#   /' "$T/sel.out"
[ -s "$T/sel/retrace.pp" ]
ok $? "... into retrace.pp"
unlike "$(cat "$T/sel.out")" "arning" "... without a warning"
# a broken module must fail here: the test can fail
sed 's/^type retrace_log_t;$/type retrace_log_t/' "$T/sel/retrace.te" >"$T/sel/bad.te"
mv "$T/sel/bad.te" "$T/sel/retrace.te"
rm -f "$T/sel/retrace.pp"
make -C "$T/sel" -f /usr/share/selinux/devel/Makefile retrace.pp >"$T/sel.out" 2>&1
is "$?" 2 "a module with a syntax error does not compile"

for p in usr.sbin.retrace-worker usr.sbin.retrace-httpd usr.sbin.retrace-debuginfod; do
	apparmor_parser -Q -K "$RETRACE_SRC/policy/apparmor/$p" >"$T/aa.out" 2>&1
	ok $? "the AppArmor profile $p parses" || sed 's/^/#   /' "$T/aa.out"
done
# retrace-server/userns holds the `userns,` rule of AppArmor 4 (Ubuntu
# 24.04 denies unprivileged user namespaces to profiles without it); an
# older parser does not know the rule, so make install puts it in place
# only where the parser takes it
if apparmor_parser -Q -K -I "$RETRACE_SRC/policy/apparmor" \
	"$RETRACE_SRC/policy/apparmor/usr.sbin.retrace-worker" >"$T/aa.out" 2>&1; then
	ok 0 "this parser ($(apparmor_parser --version | head -n 1)) takes the worker profile with its userns rule"
else
	like "$(cat "$T/aa.out")" "retrace-server/userns" \
		"this parser ($(apparmor_parser --version | head -n 1)) refuses only the userns rule, kept apart"
fi
printf 'profile bad /x {\n  bogus rule,\n}\n' >"$T/bad.aa"
apparmor_parser -Q -K "$T/bad.aa" >/dev/null 2>&1
is "$?" 1 "a profile with a syntax error does not parse"
done_testing
