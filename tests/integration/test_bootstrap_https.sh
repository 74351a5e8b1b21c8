#!/bin/sh
# tests/integration/test_bootstrap_https.sh - the snapshot bootstrap
# (feeds/tapir/bootstrap.c) against a real HTTPS server: nginx on 127.0.0.1 with
# a throw-away CA, driven by tests/integration/bootstrap_fetch.
#
# Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
. "$top_srcdir/tests/integration/lib.sh"

FETCH="$top_builddir/tests/integration/bootstrap_fetch"
D=$T_DIR
[ -x "$FETCH" ] || skip_all "bootstrap_fetch not built"
command -v nginx >/dev/null || skip_all "nginx not installed"
command -v openssl >/dev/null || skip_all "openssl not installed"
export LSAN_OPTIONS="suppressions=$top_srcdir/tests/integration/lsan.supp"

# fetch NAME ARGS...: run the driver, keep its report in $D/NAME.out.
fetch() {
	f=$1
	shift
	"$FETCH" "$@" > "$D/$f.out" 2> "$D/$f.err"
	echo $? > "$D/$f.rc"
}

# field NAME KEY: a value of a report.
field() {
	sed -n "s/^$2: //p" "$D/$1.out"
}

# got NAME RC RESULT: the driver exited RC with that result code.
got() {
	if [ "$(cat "$D/$1.rc")" = "$2" ] &&
	    field "$1" result | grep -q "^$3 "; then
		return 0
	fi
	diag "$1: exit $(cat "$D/$1.rc")" "$(cat "$D/$1.out" "$D/$1.err")"
	return 1
}

# error_has NAME TEXT: the error message says TEXT.
error_has() {
	field "$1" error | grep -qi -- "$2"
}

make_test_pki "$D" || skip_all "cannot make a test PKI"
# A CA that did not sign the server's certificate.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-days 2 -subj "/CN=some other CA" -keyout "$D/other-ca.key" \
	-out "$D/other-ca.crt" 2>/dev/null

# Core's snapshot signing key, the trusted set that holds its public
# half, and an impostor with the same kid.
openssl genpkey -algorithm ed25519 -out "$D/core.pem" 2>/dev/null
openssl genpkey -algorithm ed25519 -out "$D/impostor.pem" 2>/dev/null
x=$(openssl pkey -in "$D/core.pem" -pubout -outform DER | tail -c 32 |
	base64 | tr '+/' '-_' | tr -d '=\n')
printf '{"keys":[{"kty":"OKP","crv":"Ed25519","alg":"EdDSA","kid":"core-test","x":"%s"}]}\n' \
	"$x" > "$D/jwks.json"

W=$D/www
mkdir -p "$W"
"$FETCH" --snapshot 100000 "$W/snapshot.json"
"$FETCH" --sign "$D/core.pem" core-test "$W/snapshot.json" "$W/snapshot.jws"
"$FETCH" --sign "$D/impostor.pem" core-test "$W/snapshot.json" "$W/forged.jws"
printf '{"src_name":"dns-tapir","added":[{"name":"a.test."' > "$W/broken.json"
"$FETCH" --sign "$D/core.pem" core-test "$W/broken.json" "$W/broken.jws"
check "test snapshots made and signed" \
	test -s "$W/snapshot.jws" -a -s "$W/forged.jws" -a -s "$W/broken.jws"

PORT=$(free_port)
MTLS_PORT=$(free_port)
while [ "$MTLS_PORT" = "$PORT" ]; do MTLS_PORT=$(free_port); done
if ! start_nginx "$D" "$PORT" "$MTLS_PORT"; then
	diag "$(cat "$D/nginx/error.log")"
	not_ok "nginx starts"
	finish
fi
ok "nginx starts on 127.0.0.1:$PORT and :$MTLS_PORT (mTLS)"
URL="https://127.0.0.1:$PORT"
CA="--ca $D/ca.crt"
KEYS="--jwks $D/jwks.json"

# shellcheck disable=SC2086
fetch signed $CA $KEYS "$URL/snapshot.jws"
check "a signed 100k-name snapshot is fetched, verified and parsed" \
	got signed 0 OK
check "... all 100000 names, by the trusted kid, over HTTP 200" \
	test "$(field signed added)" = 100000 -a "$(field signed skipped)" = 0 \
	-a "$(field signed kid)" = core-test -a "$(field signed http)" = 200
ETAG=$(field signed etag)
check "... with the server's ETag" test -n "$ETAG" -a "$ETAG" != "-"

# shellcheck disable=SC2086
fetch again $CA $KEYS --etag "$ETAG" "$URL/snapshot.jws"
check "fetching again with that ETag is 'not modified' (HTTP 304)" \
	got again 3 NOT_MODIFIED
check "... nothing parsed, the ETag kept" \
	test "$(field again http)" = 304 -a "$(field again added)" = 0 \
	-a "$(field again etag)" = "$ETAG"
# shellcheck disable=SC2086
fetch stale $CA $KEYS --etag '"0-0"' "$URL/snapshot.jws"
check "a stale ETag gets the snapshot again" got stale 0 OK

# shellcheck disable=SC2086
fetch forged $CA $KEYS "$URL/forged.jws"
check "a snapshot signed by another key is refused" \
	got forged 1 ERR_SIGNATURE
check "... saying the signature does not verify" \
	error_has forged "signature does not verify"
# shellcheck disable=SC2086
fetch plain $CA $KEYS "$URL/snapshot.json"
check "an unsigned snapshot is refused when keys are configured" \
	got plain 1 ERR_SIGNATURE
# shellcheck disable=SC2086
fetch unsigned $CA --unsigned "$URL/snapshot.json"
check "... and accepted when unsigned snapshots are allowed" \
	got unsigned 0 OK
check "... all 100000 names" test "$(field unsigned added)" = 100000
# shellcheck disable=SC2086
fetch nokeys $CA "$URL/snapshot.json"
check "no keys and unsigned not allowed: refused before any request" \
	eval 'got nokeys 1 ERR_CONFIG && [ "$(field nokeys attempts)" = 0 ]'

# shellcheck disable=SC2086
fetch broken $CA $KEYS "$URL/broken.jws"
check "a signed snapshot of broken JSON is refused" got broken 1 ERR_PARSE
check "... with the parser's message" error_has broken "JSON"
# shellcheck disable=SC2086
fetch broken_plain $CA --unsigned "$URL/broken.json"
check "broken unsigned JSON is refused" got broken_plain 1 ERR_PARSE

# shellcheck disable=SC2086
fetch missing $CA $KEYS "$URL/nothing-here.jws"
check "HTTP 404 is an error with the status in its text, not retried" \
	eval 'got missing 1 ERR_HTTP && error_has missing "HTTP 404" && [ "$(field missing attempts)" = 1 ]'

# shellcheck disable=SC2086
fetch toolarge $CA $KEYS --max-body 100000 "$URL/snapshot.jws"
check "a body over the maximum size is refused" \
	got toolarge 1 ERR_TOO_LARGE
check "... and says so" error_has toolarge "larger than 100000 bytes"

# shellcheck disable=SC2086
fetch wrongca --ca "$D/other-ca.crt" $KEYS "$URL/snapshot.jws"
check "a server certificate from another CA fails TLS, not retried" \
	eval 'got wrongca 1 ERR_TLS && [ "$(field wrongca attempts)" = 1 ]'
# shellcheck disable=SC2086
fetch wronghost $CA $KEYS "https://localhost:$PORT/snapshot.jws"
check "a certificate for another host name fails TLS" \
	got wronghost 1 ERR_TLS
# shellcheck disable=SC2086
fetch http $CA $KEYS "http://127.0.0.1:$PORT/snapshot.jws"
check "a plain http:// URL is refused" got http 1 ERR_CONFIG

MURL="https://127.0.0.1:$MTLS_PORT"
# shellcheck disable=SC2086
fetch mtls $CA $KEYS --cert "$D/tls.crt" --key "$D/tls.key" \
	"$MURL/snapshot.jws"
check "with a client certificate, the mTLS server serves the snapshot" \
	eval 'got mtls 0 OK && [ "$(field mtls added)" = 100000 ]'
# shellcheck disable=SC2086
fetch nocert $CA $KEYS --attempts 2 "$MURL/snapshot.jws"
check "without one, it refuses (TLS alert or HTTP 400)" \
	eval '[ "$(cat "$D/nocert.rc")" = 1 ] && field nocert result | grep -Eq "^ERR_(TLS|HTTP) "'
check "... and no snapshot" test "$(field nocert added)" = 0

# Nothing listens there any more.
DOWN=$(free_port)
# shellcheck disable=SC2086
fetch down $CA $KEYS --timeout 3000 --backoff 200 "https://127.0.0.1:$DOWN/snapshot.jws"
check "server down: cannot connect" got down 1 ERR_CONNECT
check "... after several attempts with backoff (200, 400, 800 ms ...)" \
	eval '[ "$(field down attempts)" -ge 3 ] && error_has down "after [0-9]* attempts"'
check "... and within the 3 s deadline (+1 s)" \
	test "$(field down elapsed_ms)" -le 4000
# shellcheck disable=SC2086
fetch stop $CA $KEYS --timeout 60000 --backoff 200 --stop-after 500 \
	"https://127.0.0.1:$DOWN/snapshot.jws"
check "the stop callback ends a long retry loop" got stop 1 ERR_STOPPED
check "... promptly (within 1.5 s of a 60 s deadline)" \
	test "$(field stop elapsed_ms)" -le 1500

# A transfer that crawls: the deadline ends it, and so does a stop.
# shellcheck disable=SC2086
fetch slow $CA $KEYS --timeout 1500 "$URL/slow/snapshot.jws"
check "a transfer still running at the deadline times out" \
	got slow 1 ERR_TIMEOUT
check "... at the deadline (1.5 s, +1 s)" \
	test "$(field slow elapsed_ms)" -le 2500
# shellcheck disable=SC2086
fetch slowstop $CA $KEYS --timeout 60000 --stop-after 500 \
	"$URL/slow/snapshot.jws"
check "the stop callback ends a running transfer" \
	got slowstop 1 ERR_STOPPED
# libcurl calls back about once a second while data trickles in.
check "... promptly (within 2.5 s of a 60 s deadline)" \
	test "$(field slowstop elapsed_ms)" -le 2500

check "nginx served every request without error" \
	sh -c '! grep -q "\[emerg\]\|\[alert\]\|\[crit\]" "$1"' - "$D/nginx/error.log"
stop_pid "$NGINX_PID"
finish
