#!/bin/sh
# Hostile clients at the front door (issue 19): slow headers (slowloris),
# a connection flood, slow bodies holding every upload slot. Each runs from
# several loopback addresses while a well-behaved client at 127.0.0.200
# polls GET /settings every 0.2 s: it must be answered every time, within a
# bound, throughout. The limits are the configuration's, made short here.
. "$(dirname "$0")/../lib/common.sh"
need python3 xz

HOSTILE="python3 $RETRACE_SRC/tests/tools/hostile-clients.py"
write_config "HeaderTimeout = 2
MinUploadRate = 4
UploadRateWindow = 2
MaxConnectionsPerAddress = 8
MaxUploadsPerAddress = 2
MaxQueuedTasks = 1000
AllowMetrics = 1"
start_httpd || exit 1

val() { sed -n "s/^$1 //p" "$T/out"; }
num() { v=$(val "$1"); echo "${v:-0}"; }

# --- slowloris: 4 addresses x 20 connections, one header byte per 0.5 s
$HOSTILE "$PORT" slowloris 4 20 7 >"$T/out" 2>"$T/err"
ok $? "slowloris: the attack ran" || sed 's/^/#   /' "$T/err"
sed 's/^/#   /' "$T/out"
[ "$(num good_failed)" -eq 0 ] && [ "$(num good_ok)" -ge 15 ]
ok $? "slowloris: every GET /settings of the good client answered ($(num good_ok))"
[ "$(num good_worst_ms)" -lt 1500 ]
ok $? "slowloris: the good client waited at most 1.5 s ($(num good_worst_ms) ms)"
[ "$(num slow_closed)" -ge 40 ]
ok $? "slowloris: slow connections are closed ($(num slow_closed))"
[ "$(num slow_longest_ms)" -le 4500 ]
ok $? "slowloris: none was held past HeaderTimeout 2 s + 2.5 s ($(num slow_longest_ms) ms)"
[ "$(num slow_closed_at_once)" -ge 1 ]
ok $? "slowloris: past 8 connections an address is refused at once ($(num slow_closed_at_once))"
grep -q "closed: no complete request headers within 2 s (HeaderTimeout)" "$T/log/retrace-httpd.log"
ok $? "slowloris: the log says why a connection was closed"
grep -q "connection refused: 8 connections from this address are open (MaxConnectionsPerAddress)" \
	"$T/log/retrace-httpd.log"
ok $? "slowloris: the log says why a connection was refused"

# --- a flood of idle connections from one address
$HOSTILE "$PORT" flood 300 3 >"$T/out" 2>"$T/err"
ok $? "flood: the attack ran" || sed 's/^/#   /' "$T/err"
sed 's/^/#   /' "$T/out"
is "$(num flood_accepted)" 8 "flood: MaxConnectionsPerAddress (8) of 300 connections are served"
is "$(num flood_refused_at_once)" 292 "flood: the other 292 are closed at once"
[ "$(num good_failed)" -eq 0 ] && [ "$(num good_worst_ms)" -lt 1500 ]
ok $? "flood: the good client was served throughout (worst $(num good_worst_ms) ms)"

# --- bodies cut short by a half-close: answered at once, not at a timeout
$HOSTILE "$PORT" halfclose 6 2 >"$T/out" 2>"$T/err"
ok $? "half-close: the attack ran" || sed 's/^/#   /' "$T/err"
sed 's/^/#   /' "$T/out"
# 400, or the 429 of an upload past MaxUploadsPerAddress: its refusal
is "$(($(num halfclose_status_400) + $(num halfclose_status_429)))" 6 \
	"half-close: each of 6 bodies cut short is answered (400 or 429)"
[ "$(num halfclose_worst_ms)" -lt 2000 ]
ok $? "half-close: at once ($(num halfclose_worst_ms) ms at worst), not after a timeout"
is "$(num halfclose_most_status_lines)" 1 "half-close: one status line per answer"
grep -q "POST /create: 400 The upload was cut short: 5000 of 100000 bytes received" "$T/log/retrace-httpd.log"
ok $? "half-close: the log says what was cut short"
eventually 10 incoming_is 0
ok $? "half-close: no partial upload is left in .incoming"

# --- slow bodies: 10 addresses x 3 uploads at 1 byte/s: 2 per address are
# taken (the third gets 429), each is ended past its first 2 s window
crash=$(make_crash_dir)
tar -C "$crash" -cJf "$T/good.tar.xz" coredump executable package
GOOD_UPLOAD=$T/good.tar.xz $HOSTILE "$PORT" slowbody 10 3 1 6 >"$T/out" 2>"$T/err"
ok $? "slow bodies: the attack ran" || sed 's/^/#   /' "$T/err"
sed 's/^/#   /' "$T/out"
# a refusal is answered once the body is read: these never are, the log says it
n429() { grep -Ec "127.0.0.1[0-9]: POST /create: 429 Too many uploads from your address at once \(at most 2\)" \
	"$T/log/retrace-httpd.log"; }
ten_429() { [ "$(n429)" -ge 10 ]; }
eventually 10 ten_429
is "$(n429)" 10 "slow bodies: the third upload of each address is refused (429)"
[ "$(num body_ended)" -eq 30 ] && [ "$(num body_held_to_end)" -eq 0 ]
ok $? "slow bodies: every slow upload was ended ($(num body_ended) of 30)"
[ "$(num body_longest_ms)" -le 5500 ]
ok $? "slow bodies: none ran past its 2 s window + 3.5 s ($(num body_longest_ms) ms)"
is "$(val good_upload_status)" 201 "slow bodies: the good client's upload got 201"
[ "$(num good_failed)" -eq 0 ] && [ "$(num good_worst_ms)" -lt 1500 ]
ok $? "slow bodies: the good client's polls were served throughout (worst $(num good_worst_ms) ms)"
grep -q "upload ended: .* below 4096 bytes/s (MinUploadRate); nothing was kept" \
	"$T/log/retrace-httpd.log"
ok $? "slow bodies: the log says why an upload was ended"
eventually 10 incoming_is 0
ok $? "slow bodies: no partial upload is left in .incoming"

# --- uploads above MinUploadRate but slow, holding all 32 slots: 17
# addresses x 2 at 6 KiB/s. The good upload takes the slot of the slowest.
GOOD_UPLOAD=$T/good.tar.xz $HOSTILE "$PORT" slowbody 17 2 6144 5 >"$T/out" 2>"$T/err"
ok $? "full slots: the attack ran" || sed 's/^/#   /' "$T/err"
sed 's/^/#   /' "$T/out"
# a refusal being drained is logged when its connection ends: after the
# attackers closed theirs, a moment later on a loaded (or sanitized) server
refused_503() { grep -q "POST /create: 503 Retrace server is fully loaded" "$T/log/retrace-httpd.log"; }
eventually 10 refused_503
ok $? "full slots: uploads past 32 are refused (503) before any had a window"
is "$(val good_upload_status)" 201 "full slots: the good client's upload got 201"
grep -q "upload ended: every upload slot is taken and it was the slowest" \
	"$T/log/retrace-httpd.log"
ok $? "full slots: the log says which upload gave its slot up"
eventually 10 incoming_is 0
ok $? "full slots: no partial upload is left in .incoming"

curl -s "$(URL /metrics)" >"$T/metrics"
for reason in header_timeout slow_upload per_address_limit slot_preempted; do
	n=$(sed -n "s/^retrace_connections_ended_total{reason=\"$reason\"} //p" "$T/metrics")
	[ "${n:-0}" -ge 1 ]
	ok $? "/metrics counts connections ended for $reason (${n:-none})"
done

stop_httpd
ok $? "retrace-httpd stops cleanly after the attacks"
done_testing
