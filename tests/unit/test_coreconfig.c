/*
 * tests/unit/test_coreconfig.c - Core's configuration messages as POP's
 * ConfigUpdater decodes them, and the MQTT topic filters they route by.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 */
#include "tapir_config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "feeds/tapir/coreconfig.h"
#include "feeds/tapir/mqtt_topic.h"

static int
parse(const char *json, struct core_config *c, char *why, size_t whylen)
{
	return core_config_parse((const uint8_t *)json, strlen(json), c, why,
		whylen);
}

static void
refused(const char *json, const char *expect)
{
	struct core_config c;
	char why[256] = "";

	assert_int_equal(parse(json, &c, why, sizeof(why)), -1);
	core_config_clear(&c);
	if (!strstr(why, expect))
		fail_msg("'%s' lacks '%s'", why, expect);
}

/* What tapir-cli's "mqtt config" sends: the Go struct without JSON tags,
 * nil slices as null. */
static void
test_global_config(void **state)
{
	struct core_config c, d;
	char why[256];

	(void)state;
	assert_int_equal(parse("{\"TapirConfigVersion\":\"7\","
		"\"Rpz\":{\"EnvelopeSize\":500},"
		"\"Bootstrap\":{\"Servers\":[\"a.example:9443\","
		"\"[2001:db8::1]:9443\"],\"BaseUrl\":\"https://%s/api/v1\","
		"\"ApiToken\":\"t0k\"},"
		"\"ObservationTopics\":[{\"Topic\":\"observations/down/x\","
		"\"PubKeyName\":\"\",\"PrivKeyName\":\"\"},{\"Topic\":\"y\"}],"
		"\"StatusTopics\":null}", &c, why, sizeof(why)), 0);
	assert_string_equal(c.version, "7");
	assert_string_equal(c.topic, "observations/down/x");
	assert_int_equal(c.n_bootstrap_urls, 2);
	assert_string_equal(c.bootstrap_urls[0],
		"https://a.example:9443/api/v1");
	assert_string_equal(c.bootstrap_urls[1],
		"https://[2001:db8::1]:9443/api/v1");
	assert_string_equal(c.bootstrap_token, "t0k");
	/* Go matches keys without regard to case; null is absent. */
	assert_int_equal(parse("{\"observationtopics\":[{\"TOPIC\":"
		"\"observations/down/x\"}],\"bootstrap\":{\"servers\":["
		"\"a.example:9443\",\"[2001:db8::1]:9443\"],\"baseurl\":"
		"\"https://%s/api/v1\",\"apitoken\":\"t0k\"},\"Unknown\":1}",
		&d, why, sizeof(why)), 0);
	assert_true(core_config_equal(&c, &d));
	core_config_clear(&d);
	/* Without servers there is nothing to bootstrap from. */
	assert_int_equal(parse("{\"ObservationTopics\":[{\"Topic\":\"t/+\"}],"
		"\"Bootstrap\":{\"Servers\":null,\"BaseUrl\":\"\","
		"\"ApiToken\":\"\"}}", &d, why, sizeof(why)), 0);
	assert_int_equal(d.n_bootstrap_urls, 0);
	assert_null(d.bootstrap_token);
	assert_false(core_config_equal(&c, &d));
	core_config_clear(&d);
	core_config_clear(&c);
}

static void
test_refused(void **state)
{
	(void)state;
	refused("not json", "bad JSON");
	refused("[]", "not a JSON object");
	refused("{}", "no ObservationTopics");
	refused("{\"ObservationTopics\":[]}", "no ObservationTopics");
	refused("{\"ObservationTopics\":{}}", "not an array");
	refused("{\"ObservationTopics\":[\"t\"]}", "not an object");
	refused("{\"ObservationTopics\":[{\"Topic\":1}]}", "not a string");
	refused("{\"ObservationTopics\":[{\"Topic\":\"\"}]}", "not a valid");
	refused("{\"ObservationTopics\":[{\"Topic\":\"a/#/b\"}]}",
		"not a valid");
	refused("{\"ObservationTopics\":[{\"Topic\":\"a+\"}]}", "not a valid");
	refused("{\"ObservationTopics\":[{\"Topic\":\"t\"}],\"Bootstrap\":1}",
		"not an object");
	refused("{\"ObservationTopics\":[{\"Topic\":\"t\"}],\"Bootstrap\":"
		"{\"Servers\":[\"h\"],\"BaseUrl\":\"https://h/\"}}",
		"one %s");
	refused("{\"ObservationTopics\":[{\"Topic\":\"t\"}],\"Bootstrap\":"
		"{\"Servers\":[\"h\"],\"BaseUrl\":\"http://%s/\"}}",
		"https://");
	refused("{\"ObservationTopics\":[{\"Topic\":\"t\"}],\"Bootstrap\":"
		"{\"Servers\":[\"h\"],\"BaseUrl\":\"https://%s/%d\"}}",
		"one %s");
	refused("{\"ObservationTopics\":[{\"Topic\":\"t\"}],\"Bootstrap\":"
		"{\"Servers\":[\"h/x\"],\"BaseUrl\":\"https://%s/\"}}",
		"not a host");
	refused("{\"ObservationTopics\":[{\"Topic\":\"t\"}],\"Bootstrap\":"
		"{\"Servers\":[\"h\"],\"BaseUrl\":\"https://%s/ x\"}}",
		"spaces");
	refused("{\"ObservationTopics\":[{\"Topic\":\"t\"}],\"Bootstrap\":"
		"{\"Servers\":[\"h\"],\"BaseUrl\":\"https://%s/\","
		"\"ApiToken\":\"a\\r\\nX-Evil: 1\"}}", "header");
}

static void
test_topics(void **state)
{
	(void)state;
	assert_true(mqtt_topic_filter_valid("observations/down/tapir-pop"));
	assert_true(mqtt_topic_filter_valid("a/+/#"));
	assert_true(mqtt_topic_filter_valid("#"));
	assert_true(mqtt_topic_filter_valid("/"));
	assert_false(mqtt_topic_filter_valid(""));
	assert_false(mqtt_topic_filter_valid("a/#/b"));
	assert_false(mqtt_topic_filter_valid("a#"));
	assert_false(mqtt_topic_filter_valid("a/b+"));
	assert_false(mqtt_topic_filter_valid("a\nb"));
	assert_false(mqtt_topic_filter_valid("a\xc3"));
	assert_true(mqtt_topic_filter_valid("caf\xc3\xa9"));

	assert_true(mqtt_topic_matches("a/b", "a/b"));
	assert_false(mqtt_topic_matches("a/b", "a/bc"));
	assert_false(mqtt_topic_matches("a/b", "a"));
	assert_false(mqtt_topic_matches("a", "a/b"));
	assert_true(mqtt_topic_matches("a/+", "a/x"));
	assert_true(mqtt_topic_matches("a/+", "a/"));
	assert_false(mqtt_topic_matches("a/+", "a/x/y"));
	assert_true(mqtt_topic_matches("a/+/c", "a/b/c"));
	assert_true(mqtt_topic_matches("a/#", "a"));
	assert_true(mqtt_topic_matches("a/#", "a/b/c"));
	assert_true(mqtt_topic_matches("#", "anything/at/all"));
	assert_false(mqtt_topic_matches("#", "$SYS/broker"));
	assert_false(mqtt_topic_matches("+/broker", "$SYS/broker"));
	assert_true(mqtt_topic_matches("$SYS/#", "$SYS/broker"));
	assert_true(mqtt_topic_has_wildcard("a/+"));
	assert_false(mqtt_topic_has_wildcard("a/b"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_global_config),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_topics),
	};

	return cmocka_run_group_tests_name("coreconfig", tests, NULL, NULL);
}
