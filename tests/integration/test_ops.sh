#!/bin/sh
# tests/integration/test_ops.sh - what an operator of a blocking resolver
# asks: which source and rule blocked a name (stats, /metrics, lookup),
# what a source on trial would have done, switching sources off and on at
# runtime, and a real Prometheus scraping the module.
#
# Sources of every kind that decides: two list files, an allowlist, two
# doubtlist files (numsources), DNS TAPIR observations through a real
# mosquitto (numtags, tags), a saved RPZ zone (a trigger, rpz-passthru), a
# runtime override, and a list file on trial (action-override: monitor).
# Each name is asked once, so each counter is known exactly.
#
# Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
. "$top_srcdir/tests/integration/lib.sh"

require_unbound
command -v mosquitto >/dev/null || skip_all "mosquitto not installed"
command -v curl >/dev/null || skip_all "curl not installed"

# The Grafana dashboard: JSON, and every query PromQL (promtool checks
# them as recording rules; Grafana's $__rate_interval made a duration).
DASH="$top_srcdir/contrib/examples/grafana-dashboard.json"
if command -v jq >/dev/null; then
	check "the Grafana dashboard is JSON with panels" \
		sh -c 'jq -e ".panels | length > 0" "$1" >/dev/null' - "$DASH"
	if command -v promtool >/dev/null; then
		{
			echo "groups:"
			echo "  - name: dashboard"
			echo "    rules:"
			jq -r '.panels[].targets[].expr' "$DASH" |
				sed 's/\$__rate_interval/1m/g' |
				awk '{ gsub(/\\/, "\\\\"); gsub(/"/, "\\\""); printf "      - record: dashboard:q%d\n        expr: \"%s\"\n", NR, $0 }'
		} > "$T_DIR/dashboard-rules.yml"
		check "the dashboard's queries are PromQL (promtool)" \
			quiet promtool check rules "$T_DIR/dashboard-rules.yml"
	fi
fi

D=$T_DIR
PORT=$(free_port)
MQ_PORT=$(free_port)
METRICS_PORT=$(free_port)
TOPIC="observations/down/tapir-pop"
CTL="$top_builddir/tapir-pop-control"
ctl() { TAPIR_POP_CONF="$D/tapir-pop.conf" "$CTL" "$@"; }

make_test_pki "$D/pki" || { not_ok "test PKI"; finish; }
make_core_key "$D"
start_mosquitto "$D/pki" "$MQ_PORT" || { not_ok "mosquitto starts"; finish; }

write_unbound_conf "$D" "$PORT"
mkdir -p "$D/state"
printf 'listed.example\nwww2.example\n' > "$D/deny-a.txt"
printf 'x.ads.example\n' > "$D/deny-b.txt"
printf 'www2.example\n' > "$D/allow.txt"
printf 'www.example\n' > "$D/doubt1.txt"
printf 'www.example\n' > "$D/doubt2.txt"
printf 'fresh.example\n' > "$D/trial.txt"
# The RPZ source's last good zone, served before its (absent) primary
# answers.
cat > "$D/state/zone.rpz" <<'EOF'
$ORIGIN rpz.test.
@ 60 SOA ns.rpz.test. host.rpz.test. 1 3600 600 86400 60
rpzhit.example CNAME .
stale.example CNAME rpz-passthru.
EOF
# tapir_conf TRIAL: the configuration, with the trial source's
# action-override.
tapir_conf() {
	cat > "$D/tapir-pop.conf" <<EOF
server:
    state-dir: "$D/state"
    control-socket: "$D/tapir-pop.sock"
    metrics-listen: 127.0.0.1@$METRICS_PORT
    log-decisions: yes
policy:
    numsources: 2 nodata
    numtags: 2 nxdomain
    tags: "likelymalware" nodata
$(mqtt_tls_clause "$D/pki" "$MQ_PORT" "$D/validation-keys.json")
    reconnect-max: 1
source:
    name: deny-a
    list: denylist
    file: "$D/deny-a.txt"
source:
    name: deny-b
    list: denylist
    file: "$D/deny-b.txt"
source:
    name: allow
    list: allowlist
    file: "$D/allow.txt"
source:
    name: doubt1
    list: doubtlist
    file: "$D/doubt1.txt"
source:
    name: doubt2
    list: doubtlist
    file: "$D/doubt2.txt"
source:
    name: dns-tapir
    list: doubtlist
    type: mqtt
    topic: "$TOPIC"
source:
    name: zone
    list: denylist
    type: rpz
    zone: rpz.test.
    primary: 127.0.0.1@9
    refresh-min: 3600
source:
    name: trial
    list: denylist
    file: "$D/trial.txt"
    action-override: $1
EOF
}
tapir_conf monitor

publish() {
	publish_observation "$D/pki" "$MQ_PORT" "$TOPIC" "$D/core.pem" \
		"$1" 86400 "$2"
}
# stat KEY: a value of stats_noreset.
stat() { ctl stats_noreset | sed -n "s/^$1=//p"; }
stat_is() { [ "$(stat "$1")" = "$2" ] || { diag "$1=$(stat "$1"), not $2"; return 1; }; }
# decision_is NAME TEXT: lookup's decision line.
decision_is() {
	got=$(ctl lookup "$1" | sed -n 's/^decision: //p')
	[ "$got" = "$2" ] || { diag "lookup $1: $got"; return 1; }
}
scrape() { curl -s -m 5 "http://127.0.0.1:$METRICS_PORT/metrics"; }
# metric_is SAMPLE VALUE: a sample of a scrape, exactly.
metric_is() {
	scrape > "$D/scrape"
	grep -qxF "$1 $2" "$D/scrape" || { diag "$(grep -F "${1%%\{*}" "$D/scrape" | head -n 3)"; return 1; }
}
mode_is() { [ "$(ctl list_sources | sed -n "s/^$1 .* mode=\([a-z]*\).*/\1/p")" = "$2" ]; }
subscribed() { [ "$(grep -c 'subscribed to' "$D/unbound.log")" -ge "$1" ]; }
nodata() {
	out=$(ub_query "$PORT" "$1" A)
	echo "$out" | grep -q "status: NOERROR" && echo "$out" | grep -q "ANSWER: 0,"
}

start_unbound "$D" "$PORT" || { not_ok "unbound starts"; sed 's/^/# /' "$D/unbound.log"; finish; }
ok "unbound starts with metrics-listen"
check "the observation feed subscribes" wait_for 10 subscribed 1
publish many.example 3
publish mal.example 16
check "observations arrive (two tags; likelymalware)" \
	wait_for 10 sh -c '[ "$("$1" -c "$2" lookup mal.example | grep -c "^match: source=dns-tapir")" = 1 ] && "$1" -c "$2" lookup many.example | grep -q "^match: source=dns-tapir"' - "$CTL" "$D/tapir-pop.conf"
check "deny override stored" sh -c '[ "$("$1" -c "$2" deny hand.example)" = ok ]' - "$CTL" "$D/tapir-pop.conf"

# ---- every rule kind, attributed ----
check "resolver: deny-a blocks listed.example" rcode_is "$PORT" listed.example A NXDOMAIN
check "resolver: deny-b blocks x.ads.example" rcode_is "$PORT" x.ads.example A NXDOMAIN
check "resolver: the allowlist passes www2.example" answer_is "$PORT" www2.example A 192.0.2.30
check "resolver: numsources gives www.example NODATA" nodata www.example
check "resolver: numtags blocks many.example" rcode_is "$PORT" many.example A NXDOMAIN
check "resolver: the tags rule gives mal.example NODATA" nodata mal.example
check "resolver: the zone's trigger blocks rpzhit.example" rcode_is "$PORT" rpzhit.example A NXDOMAIN
check "resolver: rpz-passthru resolves stale.example" answer_is "$PORT" stale.example A 192.0.2.34
check "resolver: the override blocks hand.example" rcode_is "$PORT" hand.example A NXDOMAIN
check "resolver: the source on trial leaves fresh.example alone" answer_is "$PORT" fresh.example A 192.0.2.15

check "lookup: deny-a, denylist" decision_is listed.example "action=nxdomain rule=denylist source=deny-a entry=exact expires=never doubtlist-matches=0"
check "lookup: deny-b, denylist" decision_is x.ads.example "action=nxdomain rule=denylist source=deny-b entry=exact expires=never doubtlist-matches=0"
check "lookup: allow, allowlist" decision_is www2.example "action=passthru rule=allowlist source=allow entry=exact expires=never doubtlist-matches=0"
check "lookup: doubt1, numsources" decision_is www.example "action=nodata rule=numsources source=doubt1 entry=exact expires=never doubtlist-matches=2"
check "lookup: dns-tapir, numtags" sh -c 'TAPIR_POP_CONF="$1" "$2" lookup many.example | grep -q "^decision: action=nxdomain rule=numtags source=dns-tapir "' - "$D/tapir-pop.conf" "$CTL"
check "lookup: dns-tapir, tags" sh -c 'TAPIR_POP_CONF="$1" "$2" lookup mal.example | grep -q "^decision: action=nodata rule=tags source=dns-tapir "' - "$D/tapir-pop.conf" "$CTL"
check "lookup: zone, denylist" decision_is rpzhit.example "action=nxdomain rule=denylist source=zone entry=exact expires=never doubtlist-matches=0"
check "lookup: zone, rpz-passthru" decision_is stale.example "action=passthru rule=rpz-passthru source=zone entry=exact expires=never doubtlist-matches=0"
check "lookup: override-deny, denylist" decision_is hand.example "action=nxdomain rule=denylist source=override-deny entry=exact expires=never doubtlist-matches=0"
check "lookup: the source on trial does not decide" decision_is fresh.example "action=none rule=none source=- entry=- expires=never doubtlist-matches=0"
check "lookup: what the source on trial would have done" \
	sh -c 'TAPIR_POP_CONF="$1" "$2" lookup fresh.example | grep -qx "monitor: action=nxdomain rule=denylist source=trial"' - "$D/tapir-pop.conf" "$CTL"
check "lookup: its match says it is on trial" \
	sh -c 'TAPIR_POP_CONF="$1" "$2" lookup fresh.example | grep -q "^match: source=trial .* mode=monitor$"' - "$D/tapir-pop.conf" "$CTL"

check "stats: deny-a nxdomain 1" stat_is source.deny-a.action.nxdomain 1
check "stats: deny-b nxdomain 1" stat_is source.deny-b.action.nxdomain 1
check "stats: allow passthru 1" stat_is source.allow.action.passthru 1
check "stats: doubt1 nodata 1 (numsources)" stat_is source.doubt1.action.nodata 1
check "stats: doubt2 decided nothing" stat_is source.doubt2.action.nodata 0
check "stats: dns-tapir nxdomain 1 (numtags)" stat_is source.dns-tapir.action.nxdomain 1
check "stats: dns-tapir nodata 1 (tags)" stat_is source.dns-tapir.action.nodata 1
check "stats: zone nxdomain 1" stat_is source.zone.action.nxdomain 1
check "stats: zone passthru 1 (rpz-passthru)" stat_is source.zone.action.passthru 1
check "stats: override-deny nxdomain 1" stat_is source.override-deny.action.nxdomain 1
check "stats: trial decided nothing" stat_is source.trial.action.nxdomain 0
check "stats: trial monitor 1" stat_is source.trial.action.monitor 1
check "stats: trial would have said nxdomain" stat_is source.trial.monitor.nxdomain 1
check "stats: rule denylist 4 (deny-a, deny-b, zone, override)" stat_is rule.denylist 4
check "stats: rule allowlist 1" stat_is rule.allowlist 1
check "stats: rule numsources 1" stat_is rule.numsources 1
check "stats: rule numtags 1" stat_is rule.numtags 1
check "stats: rule tags 1" stat_is rule.tags 1
check "stats: rule rpz-passthru 1" stat_is rule.rpz-passthru 1
check "stats: rule override 1" stat_is rule.override 1
check "stats: rule denylist on trial 1" stat_is rule.denylist.monitor 1
check "stats: num.action.monitor 1" stat_is num.action.monitor 1
check "stats: num.monitor.nxdomain 1" stat_is num.monitor.nxdomain 1
check "log-decisions: the trial's decision, with what it would have done" \
	grep -q "tapir-pop: 127.0.0.1 fresh.example. A monitor source trial rule denylist would nxdomain" "$D/unbound.log"

check "/metrics: deny-a nxdomain" metric_is 'tapir_pop_decisions_total{source="deny-a",action="nxdomain"}' 1
check "/metrics: dns-tapir nodata" metric_is 'tapir_pop_decisions_total{source="dns-tapir",action="nodata"}' 1
check "/metrics: zone passthru" metric_is 'tapir_pop_decisions_total{source="zone",action="passthru"}' 1
check "/metrics: trial monitor" metric_is 'tapir_pop_decisions_total{source="trial",action="monitor"}' 1
check "/metrics: trial would nxdomain" metric_is 'tapir_pop_monitor_decisions_total{source="trial",action="nxdomain"}' 1
check "/metrics: rule numtags" metric_is 'tapir_pop_rule_hits_total{rule="numtags"}' 1
check "/metrics: rule tags" metric_is 'tapir_pop_rule_hits_total{rule="tags"}' 1
check "/metrics: rule override" metric_is 'tapir_pop_rule_hits_total{rule="override"}' 1
check "/metrics: entries of deny-a" metric_is 'tapir_pop_source_entries{source="deny-a"}' 2
check "/metrics: the RPZ serial" metric_is 'tapir_pop_source_serial{source="zone"}' 1
check "/metrics: the version" sh -c 'grep -q "^tapir_pop_info{version=\"[^\"]*\"} 1$" "$1"' - "$D/scrape"
check "/metrics: the broker connection" metric_is 'tapir_pop_source_connected{source="dns-tapir"}' 1
check "/metrics: only GET /metrics (POST is 405)" \
	sh -c '[ "$(curl -s -o /dev/null -w "%{http_code}" -m 5 -X POST "http://127.0.0.1:$1/metrics")" = 405 ]' - "$METRICS_PORT"
check "/metrics: only GET /metrics (another path is 404)" \
	sh -c '[ "$(curl -s -o /dev/null -w "%{http_code}" -m 5 "http://127.0.0.1:$1/")" = 404 ]' - "$METRICS_PORT"
check "/metrics: listens on the configured address only" \
	sh -c '[ "$(ss -Htln "sport = :$1" | awk "{print \$4}")" = "127.0.0.1:$1" ]' - "$METRICS_PORT"
if command -v promtool >/dev/null; then
	scrape > "$D/scrape"
	check "promtool check metrics finds no problem in a scrape" \
		sh -c 'out=$(promtool check metrics < "$1" 2>&1) && [ -z "$out" ] || { echo "$out" | sed "s/^/# /"; exit 1; }' - "$D/scrape"
else
	diag "promtool not installed: not checked"
fi

# ---- runtime source control ----
check "source_disable of an unknown source is an error" \
	sh -c '"$1" -c "$2" source_disable nosuch | grep -q "^error no source .nosuch."' - "$CTL" "$D/tapir-pop.conf"
check "source_disable deny-a" sh -c '[ "$("$1" -c "$2" source_disable deny-a)" = ok ]' - "$CTL" "$D/tapir-pop.conf"
check "list_sources: deny-a is off" mode_is deny-a off
check "disabled: listed.example resolves at once" answer_is "$PORT" listed.example A 192.0.2.66
check "disabled: lookup still lists the match, marked off" \
	sh -c 'TAPIR_POP_CONF="$1" "$2" lookup listed.example | grep -q "^match: source=deny-a .* mode=off$"' - "$D/tapir-pop.conf" "$CTL"
# The source keeps its data current while off.
printf 'listed.example\nwww2.example\nlater.example\n' > "$D/deny-a.txt.new"
mv "$D/deny-a.txt.new" "$D/deny-a.txt"
check "disabled: the file source still takes updates" \
	wait_for 10 sh -c '[ "$("$1" -c "$2" list_sources | sed -n "s/^deny-a .* entries=\([0-9]*\).*/\1/p")" = 3 ]' - "$CTL" "$D/tapir-pop.conf"
check "disabled: later.example resolves (and is cached)" answer_is "$PORT" later.example A 192.0.2.12
check "source_disable dns-tapir" sh -c '[ "$("$1" -c "$2" source_disable dns-tapir)" = ok ]' - "$CTL" "$D/tapir-pop.conf"
publish mal2.example 16
check "disabled: the observation source still takes observations" \
	wait_for 10 sh -c 'TAPIR_POP_CONF="$1" "$2" lookup mal2.example | grep -q "^match: source=dns-tapir .* mode=off$"' - "$D/tapir-pop.conf" "$CTL"
check "disabled: mal2.example resolves (NXDOMAIN upstream, cached)" rcode_is "$PORT" mal2.example A NXDOMAIN
check "the switches survive a restart" sh -c 'grep -qx deny-a "$1" && grep -qx dns-tapir "$1"' - "$D/state/disabled-sources"
stop_pid "$UB_PID"
start_unbound "$D" "$PORT" || { not_ok "unbound restarts"; finish; }
check "after a restart deny-a is still off" mode_is deny-a off
check "after a restart listed.example still resolves" answer_is "$PORT" listed.example A 192.0.2.66
# (start_unbound starts a new log.)
check "after a restart the feed subscribes again" wait_for 10 subscribed 1
check "answers cached while off: later.example" answer_is "$PORT" later.example A 192.0.2.12
check "source_enable deny-a" sh -c '[ "$("$1" -c "$2" source_enable deny-a)" = ok ]' - "$CTL" "$D/tapir-pop.conf"
check "enabled: listed.example blocked again at once" wait_for 2 rcode_is "$PORT" listed.example A NXDOMAIN
check "enabled: the cached later.example is blocked at once" wait_for 2 rcode_is "$PORT" later.example A NXDOMAIN
check "source_enable dns-tapir" sh -c '[ "$("$1" -c "$2" source_enable dns-tapir)" = ok ]' - "$CTL" "$D/tapir-pop.conf"
check "enabled: mal2.example, observed while off, is blocked" wait_for 2 nodata mal2.example
check "list_sources: deny-a is on" mode_is deny-a on
check "the state file no longer names them" sh -c '! grep -qx deny-a "$1" && ! grep -qx dns-tapir "$1"' - "$D/state/disabled-sources"
# An allowlist switched off may block names cached while it allowed them.
check "allowlisted www2.example resolves (cached)" answer_is "$PORT" www2.example A 192.0.2.30
check "source_disable allow" sh -c '[ "$("$1" -c "$2" source_disable allow)" = ok ]' - "$CTL" "$D/tapir-pop.conf"
check "allowlist off: www2.example blocked at once" wait_for 2 rcode_is "$PORT" www2.example A NXDOMAIN
check "source_enable allow" sh -c '[ "$("$1" -c "$2" source_enable allow)" = ok ]' - "$CTL" "$D/tapir-pop.conf"
check "allowlist on: www2.example resolves again" answer_is "$PORT" www2.example A 192.0.2.30

# flush_zone: every cached name at and below the name.
answer_is "$PORT" tree.example A 192.0.2.14 >/dev/null
answer_is "$PORT" sub.tree.example A 192.0.2.13 >/dev/null
cached() { ub_control "$D" dump_cache 2>/dev/null | grep -q "^$1"; }
check "sub.tree.example is in Unbound's cache" cached 'sub\.tree\.example\.'
check "flush_zone tree.example" sh -c '[ "$("$1" -c "$2" flush_zone tree.example)" = ok ]' - "$CTL" "$D/tapir-pop.conf"
check "flush_zone removed the name below" wait_for 5 sh -c '! "$1" -c "$2/unbound.conf" dump_cache 2>/dev/null | grep -q "^sub\.tree\.example\."' - "$UNBOUND_SBIN/unbound-control" "$D"
check "flush_zone removed the name itself" \
	sh -c '! "$1" -c "$2/unbound.conf" dump_cache 2>/dev/null | grep -q "^tree\.example\."' - "$UNBOUND_SBIN/unbound-control" "$D"
check "flush_zone needs a name" sh -c '"$1" -c "$2" flush_zone | grep -q "^error usage: flush_zone NAME"' - "$CTL" "$D/tapir-pop.conf"

# mqtt_reconnect: the feed connects again at once.
check "mqtt_reconnect" sh -c '[ "$("$1" -c "$2" mqtt_reconnect)" = "ok 1" ]' - "$CTL" "$D/tapir-pop.conf"
check "the feed reconnected (reconnects=1)" \
	wait_for 10 sh -c '"$1" -c "$2" list_sources | grep -q "^dns-tapir .* reconnects=1 "' - "$CTL" "$D/tapir-pop.conf"
check "and subscribed again" wait_for 10 subscribed 2

# ---- a source on trial switched to blocking: at once, cached names too ----
check "fresh.example is cached, resolved" answer_is "$PORT" fresh.example A 192.0.2.15
tapir_conf no
check "reload with the trial source blocking" sh -c '[ "$("$1" -c "$2" reload)" = ok ]' - "$CTL" "$D/tapir-pop.conf"
check "fresh.example is blocked at once" wait_for 2 rcode_is "$PORT" fresh.example A NXDOMAIN
check "lookup: trial decides now" decision_is fresh.example "action=nxdomain rule=denylist source=trial entry=exact expires=never doubtlist-matches=0"
# Since the restart: listed.example, later.example and www2.example (its
# allowlist off) by deny-a; fresh.example on trial, then blocked.
check "stats: trial's monitor count went through the reload" stat_is source.trial.action.monitor 1
check "stats: trial nxdomain 1" stat_is source.trial.action.nxdomain 1
check "stats: deny-a's count went through the reload" \
	stat_is source.deny-a.action.nxdomain 3

# ---- a real Prometheus ----
if command -v prometheus >/dev/null; then
	PROM_PORT=$(free_port)
	mkdir -p "$D/prom"
	cat > "$D/prom/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: tapir-pop
    static_configs:
      - targets: ["127.0.0.1:$METRICS_PORT"]
EOF
	prometheus --config.file="$D/prom/prometheus.yml" \
		--storage.tsdb.path="$D/prom/data" \
		--web.listen-address="127.0.0.1:$PROM_PORT" \
		> "$D/prom/prometheus.log" 2>&1 &
	T_PIDS="$T_PIDS $!"
	prom_has() {
		curl -s -m 2 "http://127.0.0.1:$PROM_PORT/api/v1/query" \
			--data-urlencode 'query=tapir_pop_decisions_total{source="trial",action="nxdomain"}' \
			> "$D/prom/answer" 2>/dev/null &&
		grep -q '"status":"success"' "$D/prom/answer" &&
		grep -q '"value":\[[0-9.]*,"1"\]' "$D/prom/answer"
	}
	check "prometheus scrapes the module: the decision series of a source" \
		wait_for 30 prom_has
	prom_has || { diag "$(cat "$D/prom/answer" 2>/dev/null)"; tail -n 5 "$D/prom/prometheus.log" | sed 's/^/# /'; }
	check "prometheus: the target is up" sh -c 'curl -s -m 2 "http://127.0.0.1:$1/api/v1/query" --data-urlencode "query=up{job=\"tapir-pop\"}" | grep -q "\"value\":\[[0-9.]*,\"1\"\]"' - "$PROM_PORT"
else
	diag "prometheus not installed: not scraped"
fi

stop_pid "$UB_PID"
check "no sanitizer report" sh -c '[ -z "$(cat "$1"/asan.* "$1"/ubsan.* 2>/dev/null)" ]' - "$D"
sanitizer_reports "$D" | head -n 20 | sed 's/^/# /'
finish
