#!/bin/sh
# HTTPS with TLSListen, and RequireHTTPS telling the two listeners apart.
. "$(dirname "$0")/../lib/common.sh"

openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/key.pem" -out "$T/cert.pem" \
	-days 2 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1
ok $? "self-signed certificate made"
chmod 600 "$T/key.pem"
# the key belongs to the user that starts the server
[ "$(id -u)" = 0 ] && chown nobody "$T/key.pem"
TLSPORT=$(random_port)
write_config "RequireHTTPS = 1
TLSListen = 127.0.0.1:$TLSPORT
TLSCertificate = $T/cert.pem
TLSKey = $T/key.pem"
start_httpd || exit 1

code=$(curl -s -o "$T/body" -w '%{http_code}' --cacert "$T/cert.pem" "https://127.0.0.1:$TLSPORT/settings")
is "$code" 200 "GET /settings over HTTPS, certificate verified"
crash=$(make_crash_dir)
tar -C "$crash" -cJf "$T/up.tar.xz" coredump executable package
code=$(curl -s -D "$T/h" -o "$T/body" -w '%{http_code}' --cacert "$T/cert.pem" \
	-H "Content-Type: application/x-xz-compressed-tar" --data-binary "@$T/up.tar.xz" \
	"https://127.0.0.1:$TLSPORT/create")
is "$code" 201 "POST /create over HTTPS is 201"
id=$(tr -d '\r' <"$T/h" | sed -n 's/^X-Task-Id: //p')
pw=$(tr -d '\r' <"$T/h" | sed -n 's/^X-Task-Password: //p')
code=$(curl -s -o "$T/body" -w '%{http_code}' --cacert "$T/cert.pem" -H "X-Task-Password: $pw" \
	"https://127.0.0.1:$TLSPORT/$id")
is "$code" 200 "task status over HTTPS is 200"
code=$(http_code GET "/$id" -H "X-Task-Password: $pw")
is "$code" 403 "the same over plain HTTP is 403 (RequireHTTPS)"
like "$(body)" "You must use HTTPS" "and says why"
code=$(http_code GET /settings)
is "$code" 200 "/settings stays readable over plain HTTP"
code=$(curl -s -o /dev/null -w '%{http_code}' "https://127.0.0.1:$TLSPORT/settings")
is "$code" 000 "an unverified self-signed certificate fails for a strict client"
CL="$BIN/retrace-client --url https://127.0.0.1:$TLSPORT"
$CL status --task "$id" --password "$pw" >"$T/out" 2>"$T/err"
ok $((!$?)) "retrace-client refuses the self-signed certificate"
like "$(cat "$T/err")" "certificate" "... and says it was the certificate"
$CL -k status --task "$id" --password "$pw" >"$T/out" 2>"$T/err"
ok $? "retrace-client -k accepts it"
is "$(head -n 1 "$T/out")" PENDING "... and reads the task's status over HTTPS"
stop_httpd

# A refusal before the body, over TLS (the NSS client speaks only HTTPS):
# it sends its whole body, then reads; a server that closed with the body
# unread resets the connection and the client never sees the 507
write_config "MinStorageLeft = 1073741824
TLSListen = 127.0.0.1:$TLSPORT
TLSCertificate = $T/cert.pem
TLSKey = $T/key.pem"
start_httpd || exit 1
for n in 16384 $((7 << 20)); do
	out=$(python3 "$RETRACE_SRC/tests/tools/tls-post.py" "$TLSPORT" "$T/cert.pem" $n 2>&1)
	like "$out" "HTTP/1.1 507" "$n bytes sent whole over TLS to a full server: the client reads 507"
	like "$out" "not enough storage space" "... and the message"
done
stop_httpd

write_config "TLSListen = 127.0.0.1:$TLSPORT
TLSCertificate = $T/cert.pem
TLSKey = $T/missing-key.pem"
"$BIN/retrace-httpd" -c "$T/conf" >"$T/out" 2>&1
is "$?" 1 "a missing TLSKey stops the server"
like "$(cat "$T/out")" "cannot read TLSKey $T/missing-key.pem" "and says which file"
done_testing
