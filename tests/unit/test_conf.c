/*
 * tests/unit/test_conf.c - the tapir-pop.conf parser.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 */
#include "tapir_config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "module/runtime/conf.h"
#include "feeds/file/feed_file.h"
#include "feeds/tapir/mqtt_type.h"

static struct tapir_conf *
parse_ok(const char *text)
{
	struct tapir_conf *cfg = NULL;
	char err[512] = "";

	if (tapir_conf_parse("t.conf", text, strlen(text), &cfg, err,
	    sizeof(err)) != 0)
		fail_msg("unexpected error: %s", err);
	return cfg;
}

static void
assert_error_len(const char *text, size_t len, const char *expect)
{
	struct tapir_conf *cfg = NULL;
	char err[512] = "";

	assert_int_equal(tapir_conf_parse("t.conf", text, len, &cfg, err,
		sizeof(err)), -1);
	assert_null(cfg);
	if (!strstr(err, expect))
		fail_msg("error '%s' lacks '%s'", err, expect);
}

static void
assert_error(const char *text, const char *expect)
{
	assert_error_len(text, strlen(text), expect);
}

static void
test_defaults(void **state)
{
	struct tapir_conf *cfg = parse_ok("# nothing but a comment\n\n");

	(void)state;
	assert_int_equal(cfg->answer_ttl, 60);
	assert_int_equal(cfg->policy_zone_len, 11);
	assert_memory_equal(cfg->policy_zone, "\011tapir-pop", 11);
	assert_int_equal(cfg->rules.allow_action, POLICY_ACTION_PASSTHRU);
	assert_int_equal(cfg->rules.deny_action, POLICY_ACTION_NXDOMAIN);
	assert_int_equal(cfg->rules.numsources, 0);
	assert_int_equal(cfg->num_sources, 0);
	assert_null(cfg->sources);
	tapir_conf_free(cfg);
}

static void
test_full(void **state)
{
	struct tapir_conf *cfg = parse_ok(
		"server:\n"
		"    state-dir: \"/var/lib/unbound/tapir-pop\"\n"
		"    policy-zone: \"Policy.Example\"   # folded\n"
		"    answer-ttl: 30\n"
		"policy:\n"
		"\tdenylist-action: drop\n"
		"\tnumsources: 2 nodata\n"
		"\tnumtags: 3 nxdomain\n"
		"\ttag-source: 'dns-tapir'\n"
		"\tredirect-a: 192.0.2.1\n"
		"\tredirect-a: 192.0.2.2\n"
		"\tredirect-aaaa: 2001:db8::1\n"
		"source:\n"
		"    name: \"local # deny\"\n"
		"    list: denylist\n"
		"    type: file\n"
		"    file: /etc/unbound/deny.txt\n"
		"    match: subdomains\n"
		"source:\n"
		"    name: second\n"
		"    list: allowlist\n"
		"    file: allow.csv\n"
		"    format: csv\n"
		"    column: 3\n"
		"    action-override: yes\n");
	struct tapir_conf_source *s;

	(void)state;
	assert_string_equal(cfg->state_dir, "/var/lib/unbound/tapir-pop");
	assert_memory_equal(cfg->policy_zone, "\6policy\7example", 16);
	assert_int_equal(cfg->answer_ttl, 30);
	assert_int_equal(cfg->rules.deny_action, POLICY_ACTION_DROP);
	assert_int_equal(cfg->rules.numsources, 2);
	assert_int_equal(cfg->rules.numsources_action, POLICY_ACTION_NODATA);
	assert_int_equal(cfg->rules.numtags, 3);
	assert_string_equal(cfg->rules.tag_source, "dns-tapir");
	assert_int_equal(cfg->redirect.num_a, 2);
	assert_int_equal(cfg->redirect.a[1].s_addr, htonl(0xc0000202));
	assert_int_equal(cfg->redirect.num_aaaa, 1);
	assert_int_equal(cfg->num_sources, 2);
	s = cfg->sources;
	assert_string_equal(s->name, "local # deny");
	assert_int_equal(s->list, POLICY_LIST_DENY);
	assert_ptr_equal(s->type, &feed_type_file);
	assert_string_equal(((struct feed_file_conf *)s->conf)->path,
		"/etc/unbound/deny.txt");
	assert_int_equal(s->flags, POLICY_SOURCE_SUBDOMAINS);
	assert_int_equal(s->line, 13);
	s = s->next;
	assert_string_equal(s->name, "second");
	assert_int_equal(s->list, POLICY_LIST_ALLOW);
	assert_int_equal(((struct feed_file_conf *)s->conf)->format,
		LISTFILE_CSV);
	assert_int_equal(((struct feed_file_conf *)s->conf)->column, 3);
	assert_int_equal(s->flags, POLICY_SOURCE_ACTION_OVERRIDE);
	assert_null(s->next);
	tapir_conf_free(cfg);
}

static void
test_errors_name_file_line_key(void **state)
{
	(void)state;
	assert_error("server:\n  answer-ttl: 60\n  bogus-key: 1\n",
		"t.conf:3: bogus-key: unknown key in server: clause");
	assert_error("answer-ttl: 5\n",
		"t.conf:1: answer-ttl: key outside a clause");
	assert_error("server:\n  answer-ttl: sixty\n",
		"t.conf:2: answer-ttl: 'sixty' is not a number");
	assert_error("server:\n  answer-ttl: 999999999\n",
		"t.conf:2: answer-ttl: 999999999 is larger than 604800");
	assert_error("policy:\n  numsources: 2\n",
		"t.conf:2: numsources: takes 2 values, got 1");
	assert_error("policy:\n  denylist-action: block\n",
		"t.conf:2: denylist-action: unknown action 'block'");
	assert_error("policy:\n  redirect-a: 2001:db8::1\n",
		"t.conf:2: redirect-a: '2001:db8::1' is not an IPv4 address");
	assert_error("server:\n  policy-zone: a..b\n",
		"t.conf:2: policy-zone: bad name 'a..b': empty label");
	assert_error("server:\n  state-dir: \"/var/lib\n",
		"t.conf:2: state-dir: unterminated quoted string");
	assert_error("server: 1\n", "t.conf:1: server: a clause takes no value");
	assert_error("server\n", "t.conf:1: expected 'key: value'");
	assert_error("source:\n  list: purplelist\n",
		"t.conf:2: list: unknown list 'purplelist'");
	assert_error("source:\n  type: ftp\n",
		"t.conf:2: type: unknown source type 'ftp'");
	assert_error("source:\n  match: regex\n",
		"t.conf:2: match: unknown match 'regex'");
	assert_error("source:\n  name: a\n  column: 0\n",
		"t.conf:3: column: must be at least 1");
	assert_error("source:\n  action-override: maybe\n",
		"t.conf:2: action-override: expected yes, no or monitor");
	/* Only the doubtlist rules go on trial; a source with
	 * action-override: monitor. */
	assert_error("policy:\n  denylist-action: monitor\n",
		"t.conf:2: denylist-action: unknown action 'monitor'");
	assert_error("policy:\n  allowlist-action: monitor\n",
		"t.conf:2: allowlist-action: unknown action 'monitor'");
	assert_error("server:\n  metrics-listen: 127.0.0.1\n",
		"t.conf:2: metrics-listen: '127.0.0.1' has no port");
	assert_error("server:\n  metrics-listen: localhost@9100\n",
		"t.conf:2: metrics-listen: 'localhost@9100' is not an address");
	assert_error("server:\n  metrics-listen: 127.0.0.1@0\n",
		"t.conf:2: metrics-listen: must be at least 1");
	/* A key without its value leaves the clause open: the keys after
	 * it are still the source's (a fuzzer's crash). */
	assert_error("source:\n  name: a\n  list:\n  list: denylist\n"
		"  file: x\n", "t.conf:3: list: takes 1 value, got 0");
	assert_error("source:\n  name: a\n  :\n  list: denylist\n"
		"  file: x\n", "t.conf:3");
	assert_error_len("server:\n  answer-ttl: 1\n\0x\n", 25,
		"t.conf:3: NUL byte");
}

static void
test_errors_whole_config(void **state)
{
	(void)state;
	assert_error("source:\n  list: denylist\n  file: x\n",
		"t.conf:1: source: missing 'name'");
	assert_error("source:\n  name: a\n  list: denylist\n",
		"t.conf:1: source 'a': type file needs 'file'");
	assert_error("source:\n  name: a\n  file: x\nsource:\n  name: a\n",
		"t.conf:5: name: duplicate source name 'a' (line 1)");
	assert_error("policy:\n  denylist-action: redirect\n",
		"the redirect action needs redirect-a");
	assert_error("policy:\n  redirect-a: 192.0.2.1\n"
		"  redirect-cname: x.example\n",
		"redirect-cname cannot be combined");
}

/* Trials and /metrics: monitor as a doubtlist rule's action and as a
 * source's action-override, which replaces an earlier yes; the metrics
 * address in Unbound's notation. */
static void
test_monitor_and_metrics(void **state)
{
	struct tapir_conf *cfg = parse_ok(
		"server:\n"
		"    metrics-listen: \"::1@9167\"\n"
		"policy:\n"
		"    numsources: 2 monitor\n"
		"    numtags: 3 nodata\n"
		"    tags: \"likelymalware\" monitor\n"
		"source:\n"
		"    name: trial\n"
		"    file: t.txt\n"
		"    action-override: yes\n"
		"    action-override: monitor\n"
		"source:\n"
		"    name: plain\n"
		"    file: p.txt\n"
		"    action-override: monitor\n"
		"    action-override: no\n");

	(void)state;
	assert_string_equal(cfg->metrics_listen, "::1@9167");
	assert_int_equal(cfg->rules.numsources_action, POLICY_ACTION_MONITOR);
	assert_int_equal(cfg->rules.numtags_action, POLICY_ACTION_NODATA);
	assert_int_equal(cfg->rules.tags_action, POLICY_ACTION_MONITOR);
	assert_int_equal(cfg->sources->flags, POLICY_SOURCE_MONITOR);
	assert_int_equal(cfg->sources->next->flags, 0);
	tapir_conf_free(cfg);
}

/* The DNS TAPIR feed: mqtt: clause, observation source, tag rules. */
static void
test_mqtt_and_tags(void **state)
{
	struct tapir_conf *cfg = parse_ok(
		"policy:\n"
		"    numtags: 2 nodata\n"
		"    tags: \"newly_registered, my_tag 12\" drop\n"
		"    tag-name: 6 my_tag\n"
		"    tag-source: core\n"
		"mqtt:\n"
		"    server: \"mqtts://broker.example:8883\"\n"
		"    ca-file: ca.crt\n"
		"    cert-file: tls.crt\n"
		"    key-file: tls.key\n"
		"    trusted-keys: validation-keys.json\n"
		"    keepalive: 20\n"
		"source:\n"
		"    name: core\n"
		"    list: doubtlist\n"
		"    type: mqtt\n"
		"    topic: observations/down/tapir-pop\n"
		"    src-name: dns-tapir\n"
		"    max-entries: 1000\n");
	const struct tapir_conf_source *s = cfg->sources;
	const struct mqtt_clause *m = cfg->clauses[feed_type_index(
		&feed_type_mqtt)];
	const struct mqtt_source_conf *o = s->conf;

	(void)state;
	assert_int_equal(cfg->rules.tags, (1u << 2) | (1u << 6) | (1u << 12));
	assert_int_equal(cfg->rules.tags_action, POLICY_ACTION_DROP);
	assert_string_equal(m->server, "mqtts://broker.example:8883");
	assert_string_equal(m->trusted_keys, "validation-keys.json");
	assert_int_equal(m->keepalive, 20);
	assert_int_equal(m->insecure_unsigned, 0);
	assert_ptr_equal(s->type, &feed_type_mqtt);
	assert_string_equal(o->topic, "observations/down/tapir-pop");
	assert_string_equal(o->src_name, "dns-tapir");
	assert_int_equal(o->max_entries, 1000);
	tapir_conf_free(cfg);

	assert_error("policy:\n    tags: \"no_such_tag\" drop\n",
		"t.conf:2: tags: ");
	assert_error("policy:\n    tag-name: 32 x\n", "t.conf:2: tag-name: ");
	assert_error("source:\n    name: c\n    type: mqtt\n"
		"    topic: t\n", "needs an mqtt: clause");
	assert_error("mqtt:\n    server: mqtts://b:8883\n    ca-file: c\n"
		"source:\n    name: c\n    type: mqtt\n    topic: t\n",
		"trusted-keys");
	assert_error("mqtt:\n    server: mqtts://b:8883\n"
		"    insecure-unsigned: yes\n"
		"source:\n    name: c\n    type: mqtt\n    topic: t\n",
		"needs 'ca-file'");
	assert_error("mqtt:\n    server: http://b\n", "t.conf:2: server: ");
	assert_error("source:\n    name: c\n    type: mqtt\n",
		"needs 'topic'");
	/* Any number of sources share the one connection. */
	cfg = parse_ok("mqtt:\n    server: mqtt://b:1883\n"
		"    insecure-unsigned: yes\n"
		"    config-topic: configuration/node/pop\n"
		"    insecure-unsigned-config: yes\n"
		"    session-expiry: 0\n    rebootstrap-after: 300\n"
		"    cert-warn-days: 7\n"
		"source:\n    name: c\n    type: mqtt\n    topic: t/+\n"
		"    trusted-keys: other.json\n    core-config: no\n"
		"source:\n    name: d\n    type: mqtt\n    topic: \"u/#\"\n");
	m = cfg->clauses[feed_type_index(&feed_type_mqtt)];
	o = cfg->sources->conf;
	assert_string_equal(m->config_topic, "configuration/node/pop");
	assert_int_equal(m->insecure_unsigned_config, 1);
	assert_int_equal(m->session_expiry, 0);
	assert_int_equal(m->rebootstrap_after, 300);
	assert_int_equal(m->cert_warn_days, 7);
	assert_string_equal(o->trusted_keys, "other.json");
	assert_int_equal(o->core_config, 0);
	assert_int_equal(((const struct mqtt_source_conf *)
		cfg->sources->next->conf)->core_config, -1);
	tapir_conf_free(cfg);
	assert_error("mqtt:\n    server: mqtt://b:1883\n"
		"    insecure-unsigned: yes\n    config-topic: c\n"
		"source:\n    name: c\n    type: mqtt\n    topic: t\n",
		"config-topic needs 'trusted-keys'");
	assert_error("mqtt:\n    server: mqtt://b:1883\n"
		"    trusted-keys: k.json\n    config-topic: c\n"
		"source:\n    name: c\n    type: mqtt\n    topic: c\n",
		"the topic is mqtt:'s config-topic");
	assert_error("mqtt:\n    server: mqtt://b:1883\n"
		"    trusted-keys: k.json\n"
		"source:\n    name: c\n    type: mqtt\n    topic: t\n"
		"    core-config: yes\n", "needs 'config-topic'");
	assert_error("source:\n    name: c\n    type: mqtt\n"
		"    topic: \"a/#/b\"\n", "t.conf:4: topic: ");
	assert_error("mqtt:\n    config-topic: a+\n",
		"t.conf:2: config-topic: ");
	assert_error("mqtt:\n    session-expiry: 4294967296\n",
		"t.conf:2: session-expiry: ");
	assert_error("mqtt:\n    server: mqtt://b:1883\n"
		"    insecure-unsigned: yes\n    status-key: k.json\n"
		"source:\n    name: c\n    type: mqtt\n    topic: t\n",
		"status-key needs edge-id");
	assert_error("mqtt:\n    status-key: k.json\n    edge-id: e\n",
		"needs a source of type mqtt");
	assert_error("mqtt:\n    edge-id: a/b\n", "t.conf:2: edge-id: ");
	assert_error("source:\n    name: c\n    type: mqtt\n    bootstrap-url: "
		"http://x/\n", "not an https:// URL");
	/* A word alone that names no clause leaves the source open (it
	 * was closed, and the next key of the source crashed the parser). */
	assert_error("source:\n    name: a\n    bogus:\n    list: denylist\n",
		"t.conf:3: bogus: unknown key for a source of type file");
	/* A key of another type is not one of this source's. */
	assert_error("source:\n    name: c\n    zone: x.\n    file: f\n",
		"t.conf:3: zone: unknown key for a source of type file");
}

static void
test_read_file(void **state)
{
	struct tapir_conf *cfg = NULL;
	char err[512] = "";

	(void)state;
	assert_int_equal(tapir_conf_read("/nonexistent/tapir-pop.conf", &cfg,
		err, sizeof(err)), -1);
	assert_non_null(strstr(err, "/nonexistent/tapir-pop.conf: cannot "
		"read: no such file"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_errors_name_file_line_key),
		cmocka_unit_test(test_errors_whole_config),
		cmocka_unit_test(test_monitor_and_metrics),
		cmocka_unit_test(test_mqtt_and_tags),
		cmocka_unit_test(test_read_file),
	};

	return cmocka_run_group_tests_name("conf", tests, NULL, NULL);
}
