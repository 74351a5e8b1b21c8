# tests/integration/lib.sh - shared harness for the integration tests.
#
# Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
#
# Each test script sources this file, starts real servers on 127.0.0.1
# high ports in its own temporary directory, and reports in TAP.  Every
# server started is recorded by PID and stopped on exit, whatever happens;
# every wait is bounded.
#
# Environment (set by make check): top_srcdir, top_builddir, UNBOUND_SBIN,
# and SAN_LIBASAN when the module is built with AddressSanitizer (the
# unbound binary is not, so the runtime is preloaded).

set -u

T_NUM=0
T_FAILED=0
T_PIDS=""
T_DIR=$(mktemp -d "${TMPDIR:-/tmp}/tapir-pop-test.XXXXXX")

ok() {
	T_NUM=$((T_NUM + 1))
	echo "ok $T_NUM - $*"
}

not_ok() {
	T_NUM=$((T_NUM + 1))
	T_FAILED=$((T_FAILED + 1))
	echo "not ok $T_NUM - $*"
}

# check DESCRIPTION COMMAND...: one TAP line from a command's exit status.
check() {
	desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}

skip_all() {
	echo "1..0 # SKIP $*"
	exit 0
}

diag() {
	printf '# %s\n' "$@"
}

# Stop every server we started, by PID, then remove the directory.
cleanup() {
	for pid in $T_PIDS; do
		stop_pid "$pid"
	done
	if [ "$T_FAILED" -gt 0 ] && [ -n "${KEEP_TEST_DIR:-}" ]; then
		diag "kept $T_DIR"
	else
		rm -rf "$T_DIR"
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

finish() {
	echo "1..$T_NUM"
	[ "$T_FAILED" -eq 0 ]
	exit $?
}

# stop_pid PID: TERM, wait up to 10 s, then KILL.
stop_pid() {
	kill -0 "$1" 2>/dev/null || return 0
	kill -TERM "$1" 2>/dev/null
	i=0
	while kill -0 "$1" 2>/dev/null && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if kill -0 "$1" 2>/dev/null; then
		diag "pid $1 ignored TERM; killing"
		kill -KILL "$1" 2>/dev/null
	fi
	wait "$1" 2>/dev/null
	T_PIDS=$(echo "$T_PIDS" | sed "s/\b$1\b//")
	return 0
}

# A free TCP and UDP port on 127.0.0.1 in the high range.
free_port() {
	while :; do
		# Below Linux's ephemeral range (32768 up): a port there may
		# be the local end of another program's connection.
		p=$((20000 + $(od -An -N2 -tu2 /dev/urandom) % 12700))
		if ! ss -Hanu "sport = :$p" | grep -q . &&
		   ! ss -Hant "sport = :$p" | grep -q .; then
			echo "$p"
			return
		fi
	done
}

MODULE_SO="$top_builddir/module/.libs/tapir-pop.so"

require_unbound() {
	[ -n "${UNBOUND_SBIN:-}" ] && [ -x "$UNBOUND_SBIN/unbound" ] ||
		skip_all "no Unbound built with dynlib (configure --with-unbound-source)"
	[ -f "$MODULE_SO" ] || skip_all "module not built"
	command -v dig >/dev/null || skip_all "dig not installed"
}

# write_unbound_conf DIR PORT: an unbound.conf that loads the module,
# serves example. from a local auth-zone (no network needed) and has a
# unix control socket for unbound-control.  UB_EXTRA adds server: lines,
# UB_CLAUSES whole clauses (an rpz:, more auth-zones); UB_MODULES replaces
# the module-config (without dynlib, the module is not loaded).
write_unbound_conf() {
	ub_modules=${UB_MODULES:-dynlib validator iterator}
	case " $ub_modules " in
	*" dynlib "*) ub_dynlib="dynlib:
	dynlib-file: \"$MODULE_SO\"" ;;
	*) ub_dynlib="" ;;
	esac
	cat > "$1/unbound.conf" <<UBCONF
server:
	interface: 127.0.0.1
	port: $2
	do-ip6: no
	do-daemonize: no
	use-syslog: no
	logfile: ""
	verbosity: 1
	log-time-ascii: yes
	chroot: ""
	username: ""
	directory: "$1"
	pidfile: "$1/unbound.pid"
	num-threads: 2
	so-reuseport: no
	access-control: 127.0.0.0/8 allow
	module-config: "$ub_modules"
	ede: yes
${UB_EXTRA:-}
$ub_dynlib
remote-control:
	control-enable: yes
	control-interface: "$1/control.sock"
	control-use-cert: no
auth-zone:
	name: "example."
	zonefile: "$top_srcdir/contrib/demo/example.zone"
	for-upstream: yes
	for-downstream: no
	fallback-enabled: no
${UB_CLAUSES:-}
UBCONF
}

# start_unbound DIR PORT: start unbound with DIR/unbound.conf and
# TAPIR_POP_CONF=DIR/tapir-pop.conf; log in DIR/unbound.log.  Returns 0
# once it answers, 1 if it exited (UB_PID is set either way).
start_unbound() {
	(
		export TAPIR_POP_CONF="$1/tapir-pop.conf"
		if [ -n "${SAN_LIBASAN:-}" ]; then
			export LD_PRELOAD="$SAN_LIBASAN"
			export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:log_path=$1/asan"
			export UBSAN_OPTIONS="print_stacktrace=1:log_path=$1/ubsan"
			export LSAN_OPTIONS="suppressions=$top_srcdir/tests/integration/lsan.supp"
		fi
		exec "$UNBOUND_SBIN/unbound" -d -c "$1/unbound.conf"
	) > "$1/unbound.log" 2>&1 &
	UB_PID=$!
	T_PIDS="$T_PIDS $UB_PID"
	# 20 s by the clock too: an Unbound that hangs in init has its port
	# open, so each dig waits its full second.
	end=$(( $(date +%s) + 21 ))
	i=0
	while [ $i -lt 200 ] && [ "$(date +%s)" -lt "$end" ]; do
		if ! kill -0 "$UB_PID" 2>/dev/null; then
			wait "$UB_PID" 2>/dev/null
			UB_STATUS=$?
			return 1
		fi
		if dig +tries=1 +time=1 -p "$2" @127.0.0.1 ns.example. \
		    >/dev/null 2>&1; then
			return 0
		fi
		sleep 0.1
		i=$((i + 1))
	done
	diag "unbound did not answer within 20 s"
	return 1
}

# ub_query PORT NAME [TYPE] [dig options]: prints dig's full output.
ub_query() {
	p=$1
	n=$2
	shift 2
	dig +tries=1 +time=2 -p "$p" @127.0.0.1 "$n" "$@" 2>&1
}

# rcode_of PORT NAME [TYPE]: prints the rcode (NOERROR, NXDOMAIN ...).
rcode_of() {
	ub_query "$@" | sed -n 's/.*status: \([A-Z]*\),.*/\1/p'
}

# source_field CONF SOURCE KEY: a number from SOURCE's list_sources line
# (tapir-pop-control with the module configuration CONF).
source_field() {
	TAPIR_POP_CONF="$1" "$top_builddir/tapir-pop-control" list_sources |
		sed -n "s/^$2 .* $3=\([0-9]*\).*/\1/p"
}

# Sanitizer reports the module caused, if any (ASan/UBSan log files).
sanitizer_reports() {
	cat "$1"/asan.* "$1"/ubsan.* 2>/dev/null
}

# wait_for SECONDS COMMAND...: poll every 50 ms until the command succeeds;
# at most SECONDS by the clock too, however long each try takes (a try
# that asks a hung server waits for its own timeout).
wait_for() {
	limit=$(( $1 * 20 ))
	end=$(( $(date +%s) + $1 + 1 ))
	shift
	i=0
	while [ $i -lt $limit ] && [ "$(date +%s)" -lt "$end" ]; do
		"$@" && return 0
		sleep 0.05
		i=$((i + 1))
	done
	return 1
}

# rcode_is PORT NAME TYPE RCODE: whether the query gets that rcode.
rcode_is() {
	[ "$(rcode_of "$1" "$2" "$3")" = "$4" ]
}

# answer_is PORT NAME TYPE TEXT: whether dig +short prints exactly TEXT.
answer_is() {
	[ "$(dig +short +tries=1 +time=2 -p "$1" @127.0.0.1 "$2" "$3" 2>&1)" = "$4" ]
}

# ub_control DIR COMMAND...: unbound-control on the test's socket.
ub_control() {
	d=$1
	shift
	"$UNBOUND_SBIN/unbound-control" -c "$d/unbound.conf" "$@"
}

# quiet COMMAND...: run it with its output discarded (for check).
quiet() {
	"$@" >/dev/null 2>&1
}

# rpz_answers_alike DUMP PORT NAME...: start a second Unbound (in rpz/
# beside DUMP) whose own rpz: loads DUMP, tapir-pop-control dump's zone;
# ask it and the module's Unbound on PORT for each NAME; stop it again.
# True if every name gets the same rcode and answer count from both (the
# module also puts an SOA in authority, Unbound's rpz: does not).  The
# differences are printed as diagnostics; UB_PID is left as it was.
rpz_answers_alike() {
	rz_dump=$1 rz_port=$2
	shift 2
	rz_dir=$(dirname "$rz_dump")/rpz
	rz_port2=$(free_port)
	rz_main=$UB_PID
	mkdir -p "$rz_dir"
	UB_MODULES="respip validator iterator"
	UB_CLAUSES="rpz:
	name: \"tapir-pop.\"
	zonefile: \"$rz_dump\""
	write_unbound_conf "$rz_dir" "$rz_port2"
	UB_MODULES="" UB_CLAUSES=""
	: > "$rz_dir/tapir-pop.conf"
	if ! start_unbound "$rz_dir" "$rz_port2"; then
		diag "Unbound's rpz: does not load the dump"
		sed 's/^/# /' "$rz_dir/unbound.log" | tail -n 5
		kill -0 "$UB_PID" 2>/dev/null && stop_pid "$UB_PID"
		UB_PID=$rz_main
		return 1
	fi
	rz_alike=0
	for rz_name; do
		rz_a=$(dig +tries=1 +time=2 -p "$rz_port" @127.0.0.1 "$rz_name" A |
			grep -oE "status: [A-Z]+|ANSWER: [0-9]+" | tr '\n' ' ')
		rz_b=$(dig +tries=1 +time=2 -p "$rz_port2" @127.0.0.1 "$rz_name" A |
			grep -oE "status: [A-Z]+|ANSWER: [0-9]+" | tr '\n' ' ')
		[ -n "$rz_a" ] && [ "$rz_a" = "$rz_b" ] ||
			{ rz_alike=1; diag "$rz_name: module '$rz_a' rpz '$rz_b'"; }
	done
	stop_pid "$UB_PID"
	UB_PID=$rz_main
	return $rz_alike
}

# mqtt_tls_clause PKI PORT KEYS: the mqtt: clause of a tapir-pop.conf for
# the test broker on PORT (start_mosquitto), with PKI's client certificate
# (make_test_pki) and the JWK Set KEYS; more mqtt: keys may follow it.
mqtt_tls_clause() {
	cat <<MQTT
mqtt:
    server: "mqtts://127.0.0.1:$2"
    ca-file: "$1/ca.crt"
    cert-file: "$1/tls.crt"
    key-file: "$1/tls.key"
    trusted-keys: "$3"
MQTT
}

# start_edge DIR PORT MQ_PORT TOPIC: the module as a DNS TAPIR edge in
# DIR (its unbound.conf written, make_test_pki's PKI in DIR/pki, the keys
# in DIR/keys.json): one doubtlist mqtt source "dns-tapir" on TOPIC of
# the broker on MQ_PORT, newly registered names blocked; Unbound started
# on PORT and subscribed.  Non-zero, with the reason on stderr, if not.
start_edge() {
	mkdir -p "$1/state"
	cat > "$1/tapir-pop.conf" <<EOF
server:
    state-dir: "$1/state"
    control-socket: "$1/tapir-pop.sock"
policy:
    tags: "newly_registered" nxdomain
$(mqtt_tls_clause "$1/pki" "$3" "$1/keys.json")
source:
    name: "dns-tapir"
    list: doubtlist
    type: mqtt
    topic: "$4"
EOF
	start_unbound "$1" "$2" || { echo "unbound did not start" >&2; return 1; }
	wait_for 10 grep -q "subscribed to" "$1/unbound.log" ||
		{ echo "no subscription" >&2; return 1; }
}

# make_test_pki DIR: a throw-away CA, a server certificate for 127.0.0.1
# and a client certificate, as an enrolled DNS TAPIR edge has them
# (ca.crt, tls.crt, tls.key).  EC P-256 keys keep it fast.
make_test_pki() {
	d=$1
	mkdir -p "$d"
	(
		cd "$d" || exit 1
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
			-nodes -days 2 -subj "/CN=tapir-pop test CA" \
			-keyout ca.key -out ca.crt 2>/dev/null &&
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
			-subj "/CN=127.0.0.1" -keyout server.key \
			-out server.csr 2>/dev/null &&
		printf 'subjectAltName=IP:127.0.0.1\n' > server.ext &&
		openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key \
			-CAcreateserial -days 2 -extfile server.ext \
			-out server.crt 2>/dev/null &&
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
			-subj "/CN=edge-test" -keyout tls.key -out tls.csr 2>/dev/null &&
		openssl x509 -req -in tls.csr -CA ca.crt -CAkey ca.key \
			-CAcreateserial -days 2 -out tls.crt 2>/dev/null
	)
}

# start_mosquitto DIR PORT: a broker on 127.0.0.1:PORT that requires TLS
# 1.3 and a client certificate from DIR's CA.  Sets MQ_PID.
# MOSQUITTO_EXTRA adds lines to its configuration.
start_mosquitto() {
	cat > "$1/mosquitto.conf" <<MQCONF
listener $2 127.0.0.1
cafile $1/ca.crt
certfile $1/server.crt
keyfile $1/server.key
require_certificate true
use_identity_as_username true
tls_version tlsv1.3
allow_anonymous false
persistence false
user $(id -un)
log_dest file $1/mosquitto.log
log_type error
log_type warning
log_type notice
${MOSQUITTO_EXTRA:-}
MQCONF
	mosquitto -c "$1/mosquitto.conf" >/dev/null 2>&1 &
	MQ_PID=$!
	T_PIDS="$T_PIDS $MQ_PID"
	wait_for 10 mqtt_ready "$1" "$2"
}

mqtt_ready() {
	mosquitto_pub -h 127.0.0.1 -p "$2" --cafile "$1/ca.crt" \
		--cert "$1/tls.crt" --key "$1/tls.key" -V mqttv5 \
		-t tapir-pop/ready -m x >/dev/null 2>&1
}

# mqtt_publish DIR PORT TOPIC FILE: publish a file's bytes as one message.
mqtt_publish() {
	mosquitto_pub -h 127.0.0.1 -p "$2" --cafile "$1/ca.crt" \
		--cert "$1/tls.crt" --key "$1/tls.key" -V mqttv5 -q 1 \
		-t "$3" -f "$4"
}

# b64url: stdin in base64url without padding, as JWS wants it.
b64url() { base64 -w0 | tr '+/' '-_' | tr -d '='; }

# b64dec: stdin from base64url, padded or not, decoded.
b64dec() { tr -- '-_' '+/' | awk '{ n = length($0) % 4; if (n == 2) $0 = $0 "=="; else if (n == 3) $0 = $0 "="; print }' | base64 -d; }

# ed25519_jwk KEY KID: the public JWK of an Ed25519 key file, as kid KID.
ed25519_jwk() {
	ck_x=$(openssl pkey -in "$1" -pubout -outform DER | tail -c 32 | b64url)
	printf '{"kty":"OKP","crv":"Ed25519","kid":"%s","x":"%s"}' "$2" "$ck_x"
}

# make_core_key DIR: the Ed25519 key DNS TAPIR Core signs with
# (DIR/core.pem) and the JWK Set that trusts it as kid core-1
# (DIR/validation-keys.json), for trusted-keys.
make_core_key() {
	openssl genpkey -algorithm ed25519 -out "$1/core.pem" 2>/dev/null || return 1
	printf '{"keys":[%s]}\n' "$(ed25519_jwk "$1/core.pem" core-1)" \
		> "$1/validation-keys.json"
}

# jws_sign KEY IN OUT [KID]: IN as a flattened JWS signed with KEY
# (EdDSA, kid KID, default core-1), as Core signs.  Works through files:
# IN may be large.
jws_sign() {
	js_prot=$(printf '{"alg":"EdDSA","kid":"%s"}' "${4:-core-1}" | b64url)
	b64url < "$2" > "$3.b64"
	printf '%s.' "$js_prot" > "$3.input"
	cat "$3.b64" >> "$3.input"
	js_sig=$(openssl pkeyutl -sign -rawin -inkey "$1" -in "$3.input" | b64url)
	{ printf '{"payload":"'; cat "$3.b64"
	  printf '","protected":"%s","signature":"%s"}' "$js_prot" "$js_sig"; } > "$3"
	rm -f "$3.b64" "$3.input"
}

# observation_json FILE NAME TTL TAG_MASK [removed] [AGE]: an observation
# message as Core sends it (doubtlist, src_name dns-tapir) that adds, or
# with "removed" removes, NAME, time_added AGE seconds ago (default now).
observation_json() {
	oj_t=$(date -u -d "@$(($(date +%s) - ${6:-0}))" +%Y-%m-%dT%H:%M:%S.123456789Z)
	oj_e=$(printf '{"name":"%s","time_added":"%s","ttl":%s,"tag_mask":%s,"extended_tags":null}' \
		"$2" "$oj_t" "$3" "$4")
	if [ "${5:-}" = removed ]; then
		oj_added=null oj_removed="[$oj_e]"
	else
		oj_added="[$oj_e]" oj_removed="[]"
	fi
	printf '{"src_name":"dns-tapir","creator":"core","msg_type":"observation","list_type":"doubtlist","added":%s,"removed":%s,"msg":"","timestamp":"%s"}' \
		"$oj_added" "$oj_removed" "$oj_t" > "$1"
}

# publish_observation PKI PORT TOPIC KEY NAME TTL TAG_MASK [removed] [AGE]:
# observation_json, signed with KEY, published to the broker on PORT.
publish_observation() {
	observation_json "$T_DIR/obs.json" "$5" "$6" "$7" "${8:-}" "${9:-0}"
	jws_sign "$4" "$T_DIR/obs.json" "$T_DIR/obs.jws"
	mqtt_publish "$1" "$2" "$3" "$T_DIR/obs.jws"
}

# write_knot_conf DIR PORT NOTIFY_PORT SECRET ZONE: a Knot DNS primary on
# 127.0.0.1:PORT for ZONE (file DIR/knot/ZONE.zone), transfers only with
# TSIG key "tkey" (hmac-sha256, SECRET), signed NOTIFY to
# 127.0.0.1:NOTIFY_PORT, and IXFR from zone file edits (each reload
# stores the difference in the journal).  Everything lives in DIR/knot.
write_knot_conf() {
	cat > "$1/knot.conf" <<KNOTCONF
server:
    rundir: "$1/knot"
    pidfile: "$1/knot/knot.pid"
    listen: 127.0.0.1@$2
control:
    listen: "$1/knot/knot.sock"
log:
  - target: "$1/knot.log"
    any: info
database:
    storage: "$1/knot"
key:
  - id: tkey
    algorithm: hmac-sha256
    secret: $4
remote:
  - id: tapir
    address: 127.0.0.1@$3
    key: tkey
acl:
  - id: xfr
    address: 127.0.0.1
    key: tkey
    action: transfer
zone:
  - domain: $5
    storage: "$1/knot"
    file: "$5.zone"
    notify: tapir
    acl: xfr
    zonefile-load: difference
    zonefile-sync: -1
    journal-content: changes
    semantic-checks: off
KNOTCONF
}

# start_knot DIR PORT ZONE: start knotd with DIR/knot.conf (as written
# by write_knot_conf), log in DIR/knot.log; sets KNOT_PID.  Returns 0
# once it answers for ZONE, 1 otherwise.
start_knot() {
	knotd -c "$1/knot.conf" >> "$1/knot.log" 2>&1 &
	KNOT_PID=$!
	T_PIDS="$T_PIDS $KNOT_PID"
	wait_for 10 sh -c 'dig +tries=1 +time=1 -p "$1" @127.0.0.1 "$2" SOA | grep -q "status: NOERROR"' - "$2" "$3"
}

# start_nginx DIR PORT [MTLS_PORT]: nginx serving DIR/www over HTTPS on
# 127.0.0.1:PORT with DIR's server certificate (make_test_pki), the same
# files under /slow/ at 16 kB/s (for timeouts and stopping), and, if
# MTLS_PORT is given, also on that port requiring a client certificate
# from DIR's CA.  It runs in the foreground as our own process, with its
# prefix, temporary files, logs and PID file under DIR/nginx.  Sets
# NGINX_PID; returns 0 once it listens.  NGINX_HTTP_EXTRA adds lines to
# the http block (e.g. "limit_rate 3m;").
start_nginx() {
	n=$1/nginx
	mkdir -p "$n/tmp" "$1/www"
	mtls=""
	if [ -n "${3:-}" ]; then
		mtls="server {
		listen 127.0.0.1:$3 ssl;
		ssl_certificate $1/server.crt;
		ssl_certificate_key $1/server.key;
		ssl_client_certificate $1/ca.crt;
		ssl_verify_client on;
		root $1/www;
	}"
	fi
	cat > "$n/nginx.conf" <<NGINXCONF
daemon off;
master_process off;
worker_processes 1;
pid $n/nginx.pid;
error_log $n/error.log info;
events {
	worker_connections 64;
}
http {
	access_log $n/access.log;
	client_body_temp_path $n/tmp/body;
	proxy_temp_path $n/tmp/proxy;
	fastcgi_temp_path $n/tmp/fastcgi;
	uwsgi_temp_path $n/tmp/uwsgi;
	scgi_temp_path $n/tmp/scgi;
	default_type application/octet-stream;
	${NGINX_HTTP_EXTRA:-}
	types {
		application/json json;
		application/jose+json jws;
	}
	server {
		listen 127.0.0.1:$2 ssl;
		ssl_certificate $1/server.crt;
		ssl_certificate_key $1/server.key;
		root $1/www;
		location /slow/ {
			alias $1/www/;
			limit_rate 16k;
		}
	}
	$mtls
}
NGINXCONF
	nginx -p "$n/" -c "$n/nginx.conf" -e "$n/error.log" \
		>>"$n/error.log" 2>&1 &
	NGINX_PID=$!
	T_PIDS="$T_PIDS $NGINX_PID"
	wait_for 10 port_listens "$2" &&
		{ [ -z "${3:-}" ] || wait_for 10 port_listens "$3"; }
}

# port_listens PORT: whether something listens on 127.0.0.1:PORT (TCP).
port_listens() {
	ss -Hlnt "sport = :$1" | grep -q .
}
