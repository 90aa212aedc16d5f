# Shared helpers for the integration tests (sourced by tests/integration/*.t).
# TAP output for prove; every test starts real binaries on 127.0.0.1.
set -u

: "${RETRACE_BUILD:?run the integration tests through make check}"
: "${RETRACE_SRC:=$(cd "$(dirname "$0")/../.." && pwd)}"
BIN=$RETRACE_BUILD/bin
TOOLS=$RETRACE_BUILD/tests
SHARED=$(cd "$RETRACE_SRC/.." && pwd)/shared
export LC_ALL=C
case "$RETRACE_BUILD" in
*/san)
	# A sanitized build: LeakSanitizer's exit-time scan stops other threads
	# with ptrace, which the seccomp policies rightly kill. Leaks are looked
	# for in the unit tests, the fuzz replays and the test tools instead.
	export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1
	;;
esac

tap_n=0
tap_failed=0

ok() { # ok CONDITION-EXIT-CODE NAME
	tap_n=$((tap_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $tap_n - $2"
	else
		echo "not ok $tap_n - $2"
		tap_failed=$((tap_failed + 1))
	fi
}

check() { # check NAME COMMAND... : the command must succeed
	name=$1
	shift
	"$@" >/dev/null 2>&1
	ok $? "$name"
}

is() { # is GOT WANT NAME
	if [ "$1" = "$2" ]; then
		ok 0 "$3"
	else
		ok 1 "$3"
		echo "#   got:  '$1'"
		echo "#   want: '$2'"
	fi
}

like() { # like GOT SUBSTRING NAME
	case "$1" in
	*"$2"*) ok 0 "$3" ;;
	*)
		ok 1 "$3"
		echo "#   got:  '$1'"
		echo "#   want it to contain: '$2'"
		;;
	esac
}

like_re() { # like_re GOT ERE NAME: a line of GOT matches the extended regex
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then
		ok 0 "$3"
	else
		ok 1 "$3"
		printf '%s\n' "$1" | tail -n 20 | sed 's/^/#   got: /'
		echo "#   want a line matching: '$2'"
	fi
}

unlike() { # unlike GOT SUBSTRING NAME
	case "$1" in
	*"$2"*)
		ok 1 "$3"
		echo "#   it contains: '$2'"
		;;
	*) ok 0 "$3" ;;
	esac
}

diag() { echo "# $*"; }

# fixture RC NAME [LOG]: a fixture the rest of the file needs was made
# (RC 0), or the file ends here: "not ok", LOG's last lines, the plan of what
# ran, exit 1. Nothing after it waits for what was never made.
fixture() {
	ok "$1" "$2"
	[ "$1" -eq 0 ] && return 0
	[ -n "${3:-}" ] && [ -s "$3" ] && tail -n 30 "$3" | sed 's/^/#   /'
	echo "# a fixture could not be made; the rest of $(basename "$0") cannot run" >&2
	done_testing
	exit 1
}

# eventually SECONDS CMD...: run CMD until it succeeds, at most SECONDS (in
# 0.1 s steps): for what a loaded machine does a moment later than a quiet
# one. Never a fixed sleep before a check.
eventually() {
	local n=$(($1 * 10))
	shift
	until "$@"; do
		n=$((n - 1))
		[ $n -gt 0 ] || return 1
		sleep 0.1
	done
}

# build_rtplain VERSION: rpmbuild tests/fixtures/rpm/rtplain.spec at
# VERSION-1 under $T/more and copy the package into the directory $2; the
# file ends (fixture) when it cannot be built.
build_rtplain() {
	mkdir -p "$T/more/SOURCES"
	cp "$RETRACE_SRC/tests/fixtures/rpm/rtplain.c" "$T/more/SOURCES/"
	rpmbuild -bb --nodeps --quiet -D "_topdir $T/more" -D "rt_version $1" -D 'rt_release 1' \
		"$RETRACE_SRC/tests/fixtures/rpm/rtplain.spec" >"$T/more/build.log" 2>&1 &&
		cp "$T"/more/RPMS/*/rtplain-"$1"-1.*.rpm "$2/"
	fixture $? "rtplain $1-1 built with rpmbuild" "$T/more/build.log"
}

done_testing() {
	echo "1..$tap_n"
	[ "$tap_n" -gt 0 ] || { echo "# no test ran"; exit 1; }
	[ "$tap_failed" -eq 0 ]
}

skip_all() {
	echo "1..0 # SKIP $*"
	exit 0
}

# need TOOL...: the file is skipped, saying which, when a tool is missing
# (tools/install-deps.sh installs them all for `make check`)
need() {
	for t in "$@"; do
		command -v "$t" >/dev/null || skip_all "$t is not installed"
	done
}

# --- a server of our own --------------------------------------------------
# The test tree lives in /tmp; the daemon runs as nobody when we are root
# (as a production server runs as an unprivileged user), as ourselves
# otherwise.
T=$(mktemp -d /tmp/retrace-it.XXXXXX)
chmod 755 "$T"
mkdir -p "$T/spool" "$T/log"
HTTPD_PID=
HTTPD=$BIN/retrace-httpd
POLICY_DIR=$RETRACE_SRC/policy/seccomp
if [ "$(id -u)" = 0 ]; then
	RUN_AS="setpriv --reuid=nobody --regid=nogroup --clear-groups --"
	chown nobody:nogroup "$T/spool" "$T/log"
	# nobody may not be able to reach the checkout (a clone under /root):
	# give it its own copy of the program and the policies.
	mkdir -p "$T/bin" "$T/policy"
	cp "$BIN/retrace-httpd" "$T/bin/"
	cp "$RETRACE_SRC"/policy/seccomp/*.policy "$T/policy/"
	chmod -R a+rX "$T/bin" "$T/policy"
	HTTPD=$T/bin/retrace-httpd
	POLICY_DIR=$T/policy
else
	RUN_AS=
fi

cleanup() {
	if [ -n "$HTTPD_PID" ]; then
		kill "$HTTPD_PID" 2>/dev/null
		wait "$HTTPD_PID" 2>/dev/null
	fi
	if [ -z "${RETRACE_KEEP_T:-}" ]; then
		# what a test mounted under $T (a small tmpfs spool), also when it ended early
		findmnt -rn -o TARGET | grep "^$T/" | sort -r | while read -r m; do umount -l "$m"; done
		rm -rf "$T"
	fi
}
trap cleanup EXIT

random_port() {
	echo $((20000 + $(od -An -N2 -tu2 /dev/urandom) % 40000))
}

# write_config [EXTRA-LINES]: $T/conf for a server on $PORT; a key in
# EXTRA-LINES replaces the base line of the same key.
write_config() {
	PORT=${PORT:-$(random_port)}
	printf '%s\n' "${1:-}" >"$T/conf.extra"
	{
		echo "[retrace]"
		awk -F' *= *' 'NR == FNR { if ($1 != "") seen[$1] = 1; next } !($1 in seen)' \
			"$T/conf.extra" - <<EOC
Listen = 127.0.0.1:$PORT
SaveDir = $T/spool
LogDir = $T/log
RepoDir = $T/repo
RequireHTTPS = 0
MinStorageLeft = 1
RunAsUser = nobody
SeccompPolicyDir = $POLICY_DIR
EOC
		cat "$T/conf.extra"
	} >"$T/conf"
}

# start_httpd: start $BIN/retrace-httpd -c $T/conf, wait until it answers
start_httpd() {
	for attempt in 1 2 3 4 5; do
		$RUN_AS "$HTTPD" -c "$T/conf" ${RETRACE_HTTPD_ARGS:-} >"$T/httpd.out" 2>&1 &
		HTTPD_PID=$!
		for i in $(seq 1 50); do
			if curl -s -o /dev/null "http://127.0.0.1:$PORT/settings" 2>/dev/null; then
				return 0
			fi
			kill -0 "$HTTPD_PID" 2>/dev/null || break
			sleep 0.1
		done
		wait "$HTTPD_PID" 2>/dev/null
		HTTPD_PID=
		if grep -q "Address already in use" "$T/httpd.out"; then
			# either listener may have lost the race for its port: move both
			sed -i "s/^Listen = 127.0.0.1:$PORT/Listen = 127.0.0.1:$(random_port)/" "$T/conf"
			PORT=$(sed -n 's/^Listen = 127.0.0.1://p' "$T/conf")
			if [ -n "${TLSPORT:-}" ] && grep -q "^TLSListen = 127.0.0.1:$TLSPORT" "$T/conf"; then
				TLSPORT=$(random_port)
				sed -i "s/^TLSListen = 127.0.0.1:.*/TLSListen = 127.0.0.1:$TLSPORT/" "$T/conf"
			fi
			continue
		fi
		break
	done
	diag "retrace-httpd did not start:"
	sed 's/^/#   /' "$T/httpd.out"
	return 1
}

stop_httpd() {
	[ -n "$HTTPD_PID" ] || return 0
	kill "$HTTPD_PID"
	wait "$HTTPD_PID"
	rc=$?
	HTTPD_PID=
	return $rc
}

URL() { echo "http://127.0.0.1:$PORT$1"; }

# http_code METHOD PATH [curl args...]: prints the status code
http_code() {
	m=$1
	p=$2
	shift 2
	curl -s -o "$T/body" -D "$T/headers" -w '%{http_code}' -X "$m" "$@" "$(URL "$p")"
}

header_value() { # header_value NAME: from the last response
	tr -d '\r' <"$T/headers" | sed -n "s/^$1: //Ip" | head -n 1
}

body() { cat "$T/body"; }

status_of() { # status_of ID PW: X-Task-Status
	http_code GET "/$1" -H "X-Task-Password: $2" >/dev/null
	header_value X-Task-Status
}
# wait_done ID PW [SECONDS]: poll until FINISHED_*, at most SECONDS (60); prints the status
wait_done() {
	[ -n "$1" ] || { echo "no task id"; return 1; }
	for _ in $(seq 1 $((${3:-60} * 10))); do
		s=$(status_of "$1" "$2")
		case "$s" in FINISHED_*) echo "$s"; return 0 ;; esac
		sleep 0.1
	done
	echo "${s:-none}"
	return 1
}
get() { # get ID PW WHAT: the body of /ID/WHAT
	http_code GET "/$1/$3" -H "X-Task-Password: $2" >/dev/null
	body
}

# The crash directory a client would send.
make_crash_dir() {
	d=$T/crash
	rm -rf "$d"
	mkdir -p "$d"
	head -c 200000 /dev/urandom >"$d/coredump"
	printf '/usr/bin/sleep' >"$d/executable"
	printf 'coreutils-9.3-1.fc39' >"$d/package"
	printf 'Fedora release 39 (Thirty Nine)' >"$d/os_release"
	echo "$d"
}

# upload FILE CONTENT-TYPE [curl args]: POST /create, prints the status code
upload() {
	f=$1
	ct=$2
	shift 2
	curl -s -o "$T/body" -D "$T/headers" -w '%{http_code}' -H "Content-Type: $ct" \
		--data-binary "@$f" "$@" "$(URL /create)"
}

spool_tasks() { # number of task directories
	find "$T/spool" -mindepth 1 -maxdepth 1 -name '[1-9]*' | wc -l
}

incoming_left() { # entries left in .incoming
	find "$T/spool/.incoming" -mindepth 1 -maxdepth 1 | wc -l
}
incoming_is() { [ "$(incoming_left)" = "$1" ]; }
