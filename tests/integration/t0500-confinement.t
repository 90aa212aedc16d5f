#!/bin/sh
# retrace-httpd confines itself: only the spool visible, no privileges, a
# seccomp filter without execve. Checked on the running process, as it runs
# when started by an ordinary user and when started by root.
. "$(dirname "$0")/../lib/common.sh"

[ "$(id -u)" = 0 ] || skip_all "needs root to look into another user's /proc/PID (CI runs as root)"

spool=$(realpath "$T/spool")

check_confined() { # check_confined HOW
	how=$1
	pid=$HTTPD_PID
	st=/proc/$pid/status
	is "$(awk '/^Uid:/ {print $2 $3 $4 $5}' $st)" "65534655346553465534" "$how: runs as nobody"
	is "$(awk '/^CapEff:/ {print $2}' $st)" 0000000000000000 "$how: no effective capabilities"
	is "$(awk '/^CapPrm:/ {print $2}' $st)" 0000000000000000 "$how: no permitted capabilities"
	is "$(awk '/^CapBnd:/ {print $2}' $st)" 0000000000000000 "$how: empty bounding set"
	is "$(awk '/^NoNewPrivs:/ {print $2}' $st)" 1 "$how: no_new_privs"
	is "$(awk '/^Seccomp:/ {print $2}' $st)" 2 "$how: seccomp filter mode"
	if [ "$(readlink /proc/$pid/ns/mnt)" != "$(readlink /proc/self/ns/mnt)" ]; then r=0; else r=1; fi
	ok $r "$how: own mount namespace"
	# Everything the process can see, from its own root.
	seen=$(cd /proc/$pid/root && find . -maxdepth 10 -not -path "./${spool#/}/*" | sort | tr '\n' ' ')
	want=$({ p=; echo .; for c in $(echo "${spool#/}" | tr / ' '); do p=$p/$c; echo ".$p"; done; } | sort | tr '\n' ' ')
	is "$seen" "$want" "$how: its root holds nothing but the path to the spool"
	test ! -e /proc/$pid/root/etc/passwd
	ok $? "$how: /etc/passwd is not there"
	# its mount table as libmount reads it (findmnt --task): target, then options
	findmnt -N "$pid" -rn -o TARGET,VFS-OPTIONS >"$T/mounts" 2>&1
	is "$(wc -l <"$T/mounts")" 2 "$how: two mounts (empty root, spool)"
	awk -v s="$spool" '$1 == s { print $2 }' "$T/mounts" | grep -q "nosuid,nodev,noexec"
	ok $? "$how: spool mounted nosuid,nodev,noexec"
	awk '$1 == "/" { print $2 }' "$T/mounts" | grep -q "^ro,"
	ok $? "$how: root is read-only"
	code=$(http_code GET /settings)
	is "$code" 200 "$how: and it still serves"
}

write_config
start_httpd || exit 1
check_confined "started as an ordinary user"
if [ "$(readlink /proc/$HTTPD_PID/ns/user)" != "$(readlink /proc/self/ns/user)" ]; then r=0; else r=1; fi
ok $r "started as an ordinary user: mounts made in its own user namespace"
stop_httpd

RUN_AS_SAVED=$RUN_AS
RUN_AS=
write_config "RunAsUser = nobody"
start_httpd || exit 1
check_confined "started as root"
stop_httpd

write_config "RunAsUser = root"
"$BIN/retrace-httpd" -c "$T/conf" >"$T/out" 2>&1
is "$?" 1 "RunAsUser = root is refused"
like "$(cat "$T/out")" "refusing to keep privileges" "and says why"
write_config "RunAsUser = no-such-user-here"
"$BIN/retrace-httpd" -c "$T/conf" >"$T/out" 2>&1
is "$?" 1 "an unknown RunAsUser is refused"
like "$(cat "$T/out")" "RunAsUser 'no-such-user-here' does not exist" "and says so"
RUN_AS=$RUN_AS_SAVED

# The compiled policy itself, attacked: what a compromised httpd would try.
probe() { "$TOOLS/policy-probe" "$RETRACE_SRC/policy/seccomp/httpd.policy" "$1" >/dev/null 2>&1; echo $?; }
for a in execve fork socket ptrace i386 x32 tiocsti tiocsti-high mount unshare; do
	is "$(probe $a)" 159 "httpd policy kills $a (SIGSYS)"
done
is "$(probe thread)" 0 "httpd policy lets it start threads"
is "$(probe fionread)" 0 "httpd policy allows ioctl FIONREAD"
is "$(probe fionread-high)" 0 "and the same request with high bits set (the kernel sees 32 bits)"
is "$(probe getpid)" 0 "httpd policy lets ordinary calls through"
"$BIN/retrace-policy" dump "$RETRACE_SRC/policy/seccomp/httpd.policy" | grep -q "^kill execve "
ok $? "retrace-policy dump shows execve killed"
done_testing
