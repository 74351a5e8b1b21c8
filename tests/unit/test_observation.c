/*
 * tests/unit/test_observation.c - observation messages: DNS TAPIR's
 * reference payloads, Go-style leniency, bad entries, RFC 3339 times and
 * the snapshot writer.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 */
#include "tapir_config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "feeds/tapir/observation.h"
#include "module/base/names.h"

static char *
slurp(const char *name, size_t *len)
{
	char path[4096];
	const char *top = getenv("top_srcdir");
	FILE *f;
	char *buf = malloc(1 << 16);

	snprintf(path, sizeof(path), "%s/tests/fixtures/jws/%s",
		top ? top : ".", name);
	f = fopen(path, "rb");
	assert_non_null(f);
	assert_non_null(buf);
	*len = fread(buf, 1, (1 << 16) - 1, f);
	buf[*len] = 0;
	fclose(f);
	return buf;
}

static int
parse(const char *json, struct observation_msg *msg)
{
	char err[256] = "";
	int r = observation_parse((const uint8_t *)json, strlen(json), msg,
		err, sizeof(err));

	assert_true((r == OBSERVATION_OK) == (err[0] == 0));
	return r;
}

/* The entry's name, in presentation format. */
static const char *
text_of(const struct observation_entry *e)
{
	static char text[NAME_TEXT_MAX];

	assert_true(name_to_text(e->name, text, sizeof(text)) > 0);
	return text;
}

static void
assert_entry(const struct observation_entry *e, const char *name,
	int64_t time_added, uint32_t ttl, uint32_t tag_mask)
{
	assert_string_equal(text_of(e), name);
	assert_int_equal(e->time_added, time_added);
	assert_int_equal(e->ttl, ttl);
	assert_int_equal(e->tag_mask, tag_mask);
	assert_int_equal(e->expiry, time_added + ttl);
}

static void
test_fixture_payloads(void **state)
{
	static const struct {
		const char *file, *name, *creator;
		int64_t time_added, timestamp;
		uint32_t ttl, tag_mask;
		int removed;
	} want[] = {
		{ "obs_globally_new.payload.json",
		  "xkq3vd9w.example-bad.xa.", "observation-encoder",
		  1784538902, 1784538902, 3607, 1, 0 },
		{ "obs_looptest.payload.json",
		  "epoch-1784538000.ticker.looptest.dnstapir.se.",
		  "observation-encoder", 1784538000, 1784538000, 17, 1024, 0 },
		{ "obs_multi_flag.payload.json",
		  "login-verify.example-bank.xa.", "observation-encoder",
		  1784539000, 1784539000, 1807, 13, 0 },
		{ "obs_removed_handcrafted.payload.json",
		  "xkq3vd9w.example-bad.xa.", "dnstapir-cli",
		  OBSERVATION_TIME_ZERO, 1784534400, 0, 0, 1 },
	};
	struct observation_msg msg = { 0 };
	size_t i, len;

	(void)state;
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		char *json = slurp(want[i].file, &len);
		assert_int_equal(parse(json, &msg), OBSERVATION_OK);
		assert_string_equal(msg.src_name, "dns-tapir");
		assert_string_equal(msg.creator, want[i].creator);
		assert_int_equal(msg.msg_type, OBSERVATION_MSG_OBSERVATION);
		assert_int_equal(msg.list_type, POLICY_LIST_DOUBT);
		assert_true(msg.has_timestamp);
		assert_int_equal(msg.timestamp, want[i].timestamp);
		assert_int_equal(msg.n_skipped, 0);
		assert_string_equal(msg.first_error, "");
		assert_int_equal(msg.n_added, want[i].removed ? 0 : 1);
		assert_int_equal(msg.n_removed, want[i].removed ? 1 : 0);
		assert_entry(want[i].removed ? &msg.removed[0] : &msg.added[0],
			want[i].name, want[i].time_added, want[i].ttl,
			want[i].tag_mask);
		free(json);
	}
	observation_msg_clear(&msg);
	assert_null(msg.added);
}

static void
test_go_field_names(void **state)
{
	struct observation_msg msg = { 0 };

	(void)state;
	/* Before JSON tags, Go wrote its field names. */
	assert_int_equal(parse("{\"SrcName\":\"rpz-ish\",\"Creator\":\"old\","
		"\"MsgType\":\"intel-update\",\"ListType\":\"blacklist\","
		"\"Added\":[{\"Name\":\"WWW.Example.COM\",\"TimeAdded\":"
		"\"2026-07-20T09:15:02Z\",\"TTL\":60,\"TagMask\":5,"
		"\"ExtendedTags\":[\"x\"]}],\"Removed\":[{\"NAME\":\"b.example.\"}],"
		"\"Msg\":\"hi\",\"TimeStamp\":\"2026-07-20T09:15:02Z\","
		"\"TimeStr\":\"\"}", &msg), OBSERVATION_OK);
	assert_string_equal(msg.src_name, "rpz-ish");
	assert_string_equal(msg.creator, "old");
	assert_int_equal(msg.msg_type, OBSERVATION_MSG_INTEL_UPDATE);
	assert_int_equal(msg.list_type, POLICY_LIST_DENY);
	assert_int_equal(msg.timestamp, 1784538902);
	assert_int_equal(msg.n_added, 1);
	assert_entry(&msg.added[0], "www.example.com.", 1784538902, 60, 5);
	assert_int_equal(msg.n_removed, 1);
	assert_entry(&msg.removed[0], "b.example.", OBSERVATION_TIME_ZERO, 0,
		0);
	/* Any case of either spelling; when two name a field the last wins,
	 * as in Go. */
	assert_int_equal(parse("{\"SRC_NAME\":\"a\",\"msg_TYPE\":"
		"\"observation\",\"LIST_type\":\"whitelist\",\"aDDed\":["
		"{\"name\":\"x.\",\"Time_Added\":\"2026-07-20T09:15:02Z\","
		"\"tag_MASK\":1,\"TAGMASK\":2,\"tTl\":7}],\"srcname\":\"b\"}",
		&msg), OBSERVATION_OK);
	assert_string_equal(msg.src_name, "b");
	assert_int_equal(msg.list_type, POLICY_LIST_ALLOW);
	assert_entry(&msg.added[0], "x.", 1784538902, 7, 2);
	assert_int_equal(parse("{\"msg_type\":\"observation\",\"list_type\":"
		"\"greylist\"}", &msg), OBSERVATION_OK);
	assert_int_equal(msg.list_type, POLICY_LIST_DOUBT);
	observation_msg_clear(&msg);
}

static void
test_nulls_and_unknown_keys(void **state)
{
	struct observation_msg msg = { 0 };

	(void)state;
	assert_int_equal(parse("{\"src_name\":null,\"creator\":null,"
		"\"msg_type\":\"observation\",\"list_type\":\"denylist\","
		"\"added\":null,\"removed\":null,\"timestamp\":null,"
		"\"future\":{\"nested\":[1,2,3]},\"msg\":5}", &msg),
		OBSERVATION_OK);
	assert_string_equal(msg.src_name, "");
	assert_string_equal(msg.creator, "");
	assert_int_equal(msg.n_added, 0);
	assert_int_equal(msg.n_removed, 0);
	assert_null(msg.added);
	assert_false(msg.has_timestamp);
	assert_int_equal(parse("{\"msg_type\":\"observation\",\"list_type\":"
		"\"doubtlist\",\"timestamp\":\"yesterday\",\"added\":[{\"name\":"
		"\"a.example.\",\"time_added\":\"2026-07-20T09:15:02Z\","
		"\"ttl\":null,\"tag_mask\":null,\"extended_tags\":null,"
		"\"colour\":\"red\"}]}", &msg), OBSERVATION_OK);
	/* An unreadable informational timestamp costs only itself. */
	assert_false(msg.has_timestamp);
	assert_int_equal(msg.n_added, 1);
	assert_entry(&msg.added[0], "a.example.", 1784538902, 0, 0);
	observation_msg_clear(&msg);
}

static void
test_bad_entries(void **state)
{
	struct observation_msg msg = { 0 };
	const char *t = "\"time_added\":\"2026-07-20T09:15:02Z\"";
	char json[4096];

	(void)state;
	snprintf(json, sizeof(json), "{\"msg_type\":\"observation\","
		"\"list_type\":\"doubtlist\",\"added\":["
		"{\"name\":\"ok1.\",%s,\"tag_mask\":4294967295,\"ttl\":4294967295},"
		"{\"name\":\"big.\",%s,\"tag_mask\":4294967296},"
		"{\"name\":\"neg.\",%s,\"tag_mask\":-1},"
		"{\"name\":\"frac.\",%s,\"tag_mask\":1.5},"
		"{\"name\":\"str.\",%s,\"tag_mask\":\"1\"},"
		"{\"name\":\"ttl.\",%s,\"ttl\":-1},"
		"{\"name\":\"ttl2.\",%s,\"ttl\":60.0},"
		"{\"name\":\"ttl3.\",%s,\"ttl\":4294967296},"
		"{\"name\":\"time.\",\"time_added\":\"2026-07-20 09:15:02Z\"},"
		"{\"name\":\"time2.\",\"time_added\":12345},"
		"{\"name\":\"notime.\"},"
		"{\"name\":\"\",%s},"
		"{\"name\":\"a..b\",%s},"
		"{\"name\":5,%s},"
		"{%s},"
		"5, null, [],"
		"{\"name\":\"ok2.\",%s}],"
		"\"removed\":[{\"name\":\"gone.\"},{\"name\":\"bad.\","
		"\"tag_mask\":4294967296},{\"name\":\"\"}]}",
		t, t, t, t, t, t, t, t, t, t, t, t, t);
	assert_int_equal(parse(json, &msg), OBSERVATION_OK);
	assert_int_equal(msg.n_added, 2);
	assert_entry(&msg.added[0], "ok1.", 1784538902, 4294967295u,
		4294967295u);
	assert_int_equal(msg.added[0].expiry, 1784538902 + INT64_C(4294967295));
	assert_entry(&msg.added[1], "ok2.", 1784538902, 0, 0);
	assert_int_equal(msg.n_removed, 1);
	assert_string_equal(text_of(&msg.removed[0]), "gone.");
	assert_int_equal(msg.n_skipped, 17 + 2);
	assert_string_equal(msg.first_error, "added[1]: big.: tag_mask "
		"4294967296 does not fit 32 bits unsigned");
	observation_msg_clear(&msg);
}

static void
test_bad_messages(void **state)
{
	static const struct {
		const char *json;
		int err;
	} bad[] = {
		{ "", OBSERVATION_ERR_JSON },
		{ "{", OBSERVATION_ERR_JSON },
		{ "{\"a\":1} x", OBSERVATION_ERR_JSON },
		{ "[]", OBSERVATION_ERR_SCHEMA },
		{ "{}", OBSERVATION_ERR_SCHEMA },
		{ "{\"msg_type\":\"observation\"}", OBSERVATION_ERR_SCHEMA },
		{ "{\"list_type\":\"doubtlist\"}", OBSERVATION_ERR_SCHEMA },
		{ "{\"msg_type\":\"status\",\"list_type\":\"doubtlist\"}",
		  OBSERVATION_ERR_SCHEMA },
		{ "{\"msg_type\":\"Observation\",\"list_type\":\"doubtlist\"}",
		  OBSERVATION_ERR_SCHEMA },
		{ "{\"msg_type\":\"observation\",\"list_type\":\"purplelist\"}",
		  OBSERVATION_ERR_SCHEMA },
		{ "{\"msg_type\":\"observation\",\"list_type\":5}",
		  OBSERVATION_ERR_SCHEMA },
		{ "{\"msg_type\":\"observation\",\"list_type\":\"doubtlist\","
		  "\"src_name\":[]}", OBSERVATION_ERR_SCHEMA },
		{ "{\"msg_type\":\"observation\",\"list_type\":\"doubtlist\","
		  "\"added\":{}}", OBSERVATION_ERR_SCHEMA },
		{ "{\"msg_type\":\"observation\",\"list_type\":\"doubtlist\","
		  "\"added\":\"a.example.\"}", OBSERVATION_ERR_SCHEMA },
		{ "{\"msg_type\":\"observation\",\"list_type\":\"doubtlist\","
		  "\"Removed\":5}", OBSERVATION_ERR_SCHEMA },
	};
	struct observation_msg msg = { 0 };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = parse(bad[i].json, &msg);
		if (r != bad[i].err)
			fprintf(stderr, "# case %zu: %s\n", i,
				observation_strerror(r));
		assert_int_equal(r, bad[i].err);
	}
	observation_msg_clear(&msg);
	assert_string_not_equal(observation_strerror(OBSERVATION_ERR_SPACE),
		observation_strerror(OBSERVATION_ERR_IO));
}

static void
test_rfc3339(void **state)
{
	static const struct {
		const char *text;
		int64_t t;
	} good[] = {
		{ "1970-01-01T00:00:00Z", 0 },
		{ "1969-12-31T23:59:59Z", -1 },
		{ "1969-12-31T23:59:59.999999999Z", -1 },
		{ "2026-07-20T09:15:02.48213911Z", 1784538902 },
		{ "2026-07-20T09:15:02.4Z", 1784538902 },
		{ "2026-07-20T09:15:02.000000000Z", 1784538902 },
		{ "2026-07-20t09:15:02z", 1784538902 },
		{ "2026-07-20T11:15:02+02:00", 1784538902 },
		{ "2026-07-20T11:15:02.5+02:00", 1784538902 },
		{ "2026-07-20T04:45:02-04:30", 1784538902 },
		{ "2026-07-20T09:15:02-00:00", 1784538902 },
		{ "2026-07-21T09:14:02+23:59", 1784538902 },
		{ "2000-02-29T12:34:56Z", 951827696 },
		{ "0001-01-01T00:00:00Z", OBSERVATION_TIME_ZERO },
		{ "0000-01-01T00:00:00Z", INT64_C(-62167219200) },
		{ "9999-12-31T23:59:59Z", INT64_C(253402300799) },
	};
	static const char *const bad[] = {
		"", "2026-07-20", "2026-07-20T09:15:02", "2026-07-20T09:15Z",
		"2026-07-20 09:15:02Z", "2026-07-20T09:15:02.Z",
		"2026-07-20T09:15:02.1234567890Z", "2026-07-20T09:15:02ZZ",
		"2026-07-20T09:15:02+0200", "2026-07-20T09:15:02+02",
		"2026-07-20T09:15:02+24:00", "2026-07-20T09:15:02+02:60",
		"2026-13-20T09:15:02Z", "2026-00-20T09:15:02Z",
		"2026-02-29T09:15:02Z", "1900-02-29T09:15:02Z",
		"2026-04-31T09:15:02Z", "2026-07-00T09:15:02Z",
		"2026-07-20T24:00:00Z", "2026-07-20T09:60:02Z",
		"2026-07-20T23:59:60Z", "+2026-07-20T09:15:02Z",
		"2026-7-20T09:15:02Z", "2026-07-20T09:15:02 Z",
		" 2026-07-20T09:15:02Z", "2026-07-20T09:15:02.12a4Z",
		"2026-07-20T09:15:02Z ", "2026-07-20T09:1a:02Z",
		"2026\xff" "07-20T09:15:02Z"
	};
	int64_t t;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		t = 42;
		assert_int_equal(observation_parse_time(good[i].text,
			strlen(good[i].text), &t), 0);
		assert_int_equal(t, good[i].t);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (observation_parse_time(bad[i], strlen(bad[i]), &t) != -1)
			fprintf(stderr, "# accepted %s\n", bad[i]);
		assert_int_equal(observation_parse_time(bad[i], strlen(bad[i]),
			&t), -1);
	}
	/* Exactly len bytes count: what follows is not looked at. */
	assert_int_equal(observation_parse_time("2026-07-20T09:15:02Zjunk", 20,
		&t), 0);
	assert_int_equal(t, 1784538902);
}

static void
test_format_time(void **state)
{
	char buf[32];
	int64_t back;
	int64_t samples[] = { 0, -1, 1784538902, 951827696,
		OBSERVATION_TIME_ZERO, INT64_C(-62167219200),
		INT64_C(253402300799), 86399, -86400, -86401 };
	size_t i;

	(void)state;
	assert_int_equal(observation_format_time(1784538902, buf, sizeof(buf)),
		0);
	assert_string_equal(buf, "2026-07-20T09:15:02Z");
	assert_int_equal(observation_format_time(-1, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "1969-12-31T23:59:59Z");
	assert_int_equal(observation_format_time(OBSERVATION_TIME_ZERO, buf,
		sizeof(buf)), 0);
	assert_string_equal(buf, "0001-01-01T00:00:00Z");
	for (i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		assert_int_equal(observation_format_time(samples[i], buf,
			sizeof(buf)), 0);
		assert_int_equal(observation_parse_time(buf, strlen(buf),
			&back), 0);
		assert_int_equal(back, samples[i]);
	}
	assert_int_equal(observation_format_time(INT64_C(253402300800), buf,
		sizeof(buf)), -1);
	assert_int_equal(observation_format_time(INT64_C(-62167219201), buf,
		sizeof(buf)), -1);
	assert_int_equal(observation_format_time(INT64_MIN, buf, sizeof(buf)),
		-1);
	assert_int_equal(observation_format_time(INT64_MAX, buf, sizeof(buf)),
		-1);
	assert_int_equal(observation_format_time(0, buf, 20), -1);
}

/* Both writers must produce the same text; returns it (caller frees). */
static char *
write_both(const struct observation_msg *msg, int64_t when)
{
	struct observation_writer w;
	FILE *f = tmpfile();
	char *buf, *file_text;
	size_t need, got;

	observation_writer_buffer(&w, NULL, 0);
	assert_int_equal(observation_snapshot_write(&w, msg, when),
		OBSERVATION_ERR_SPACE);
	need = w.len + 1;
	buf = malloc(need);
	/* One byte short: told so, and what fitted is there. */
	observation_writer_buffer(&w, buf, need - 1);
	assert_int_equal(observation_snapshot_write(&w, msg, when),
		OBSERVATION_ERR_SPACE);
	assert_int_equal(w.len + 1, need);
	observation_writer_buffer(&w, buf, need);
	assert_int_equal(observation_snapshot_write(&w, msg, when),
		OBSERVATION_OK);
	assert_int_equal(strlen(buf), need - 1);
	assert_int_equal(w.count, msg->n_added);

	assert_non_null(f);
	observation_writer_file(&w, f);
	assert_int_equal(observation_snapshot_write(&w, msg, when),
		OBSERVATION_OK);
	assert_int_equal(w.len, need - 1);
	rewind(f);
	file_text = malloc(need + 1);
	got = fread(file_text, 1, need, f);
	fclose(f);
	assert_int_equal(got, need - 1);
	assert_memory_equal(file_text, buf, got);
	free(file_text);
	return buf;
}

static void
test_snapshot_round_trip(void **state)
{
	struct observation_msg in = { 0 }, out = { 0 };
	size_t i, len;
	char *text, *json = slurp("obs_multi_flag.payload.json", &len);

	(void)state;
	assert_int_equal(parse("{\"src_name\":\"dns-tapir \\\"\\u00e5\\\"\","
		"\"creator\":\"tapir-pop\",\"msg_type\":\"observation\","
		"\"list_type\":\"doubtlist\",\"added\":["
		"{\"name\":\"Mixed.Case.Example\",\"time_added\":"
		"\"2026-07-20T09:15:02.9Z\",\"ttl\":3600,\"tag_mask\":13},"
		"{\"name\":\"a\\\\.b\\\\\\\\c\\\\\\\"d.example.\",\"time_added\":"
		"\"2026-07-20T11:15:02+02:00\",\"ttl\":0,\"tag_mask\":4294967295},"
		"{\"name\":\"\\\\032sp\\\\000nul.example.\",\"time_added\":"
		"\"0001-01-01T00:00:00Z\",\"ttl\":4294967295,\"tag_mask\":0},"
		"{\"name\":\".\",\"time_added\":\"1970-01-01T00:00:00Z\"}],"
		"\"removed\":[{\"name\":\"gone.example.\"}]}", &in),
		OBSERVATION_OK);
	assert_int_equal(in.n_added, 4);
	text = write_both(&in, 1784538902);
	assert_int_equal(parse(text, &out), OBSERVATION_OK);
	assert_string_equal(out.src_name, in.src_name);
	assert_string_equal(out.src_name, "dns-tapir \"\xc3\xa5\"");
	assert_string_equal(out.creator, "tapir-pop");
	assert_int_equal(out.list_type, POLICY_LIST_DOUBT);
	assert_int_equal(out.msg_type, OBSERVATION_MSG_OBSERVATION);
	assert_int_equal(out.timestamp, 1784538902);
	assert_int_equal(out.n_skipped, 0);
	assert_int_equal(out.n_removed, 0);
	assert_int_equal(out.n_added, in.n_added);
	for (i = 0; i < in.n_added; i++) {
		assert_int_equal(out.added[i].name_len, in.added[i].name_len);
		assert_memory_equal(out.added[i].name, in.added[i].name,
			in.added[i].name_len);
		assert_int_equal(out.added[i].time_added,
			in.added[i].time_added);
		assert_int_equal(out.added[i].ttl, in.added[i].ttl);
		assert_int_equal(out.added[i].tag_mask, in.added[i].tag_mask);
		assert_int_equal(out.added[i].expiry, in.added[i].expiry);
	}
	/* The form Core writes: names absolute, times in Z. */
	assert_non_null(strstr(text, "\n{\"name\":\"mixed.case.example.\","
		"\"time_added\":\"2026-07-20T09:15:02Z\",\"ttl\":3600,"
		"\"tag_mask\":13,\"extended_tags\":[]}"));
	free(text);

	/* A snapshot of Core's own message reads back the same. */
	assert_int_equal(parse(json, &in), OBSERVATION_OK);
	text = write_both(&in, 0);
	assert_int_equal(parse(text, &out), OBSERVATION_OK);
	assert_int_equal(out.n_added, 1);
	assert_entry(&out.added[0], "login-verify.example-bank.xa.",
		1784539000, 1807, 13);
	free(text);

	/* Nothing live: still a valid message. */
	assert_int_equal(parse("{\"src_name\":\"s\",\"msg_type\":"
		"\"observation\",\"list_type\":\"allowlist\"}", &in),
		OBSERVATION_OK);
	text = write_both(&in, 0);
	assert_int_equal(parse(text, &out), OBSERVATION_OK);
	assert_int_equal(out.n_added, 0);
	assert_int_equal(out.list_type, POLICY_LIST_ALLOW);
	free(text);
	free(json);
	observation_msg_clear(&in);
	observation_msg_clear(&out);
}

static void
test_snapshot_errors(void **state)
{
	struct observation_writer w;
	struct observation_entry e = { (const uint8_t *)"\1a", 3, 0, 0, 0, 0 };
	char buf[1024];

	(void)state;
	observation_writer_buffer(&w, buf, sizeof(buf));
	assert_int_equal(observation_snapshot_begin(&w, "s", "c",
		POLICY_LIST_DENY, 0), OBSERVATION_OK);
	assert_int_equal(observation_snapshot_add(&w, &e), OBSERVATION_OK);
	e.time_added = INT64_MAX - 5;
	assert_int_equal(observation_snapshot_add(&w, &e),
		OBSERVATION_ERR_RANGE);
	e.time_added = 0;
	/* The first error sticks. */
	assert_int_equal(observation_snapshot_add(&w, &e),
		OBSERVATION_ERR_RANGE);
	assert_int_equal(observation_snapshot_end(&w), OBSERVATION_ERR_RANGE);
	/* A source name that is not UTF-8 cannot be written as JSON. */
	observation_writer_buffer(&w, buf, sizeof(buf));
	assert_int_equal(observation_snapshot_begin(&w, "\xff", "c",
		POLICY_LIST_DENY, 0), OBSERVATION_ERR_RANGE);
	assert_int_equal(observation_snapshot_end(&w), OBSERVATION_ERR_RANGE);
	assert_string_equal(observation_list_name(POLICY_LIST_DENY),
		"denylist");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixture_payloads),
		cmocka_unit_test(test_go_field_names),
		cmocka_unit_test(test_nulls_and_unknown_keys),
		cmocka_unit_test(test_bad_entries),
		cmocka_unit_test(test_bad_messages),
		cmocka_unit_test(test_rfc3339),
		cmocka_unit_test(test_format_time),
		cmocka_unit_test(test_snapshot_round_trip),
		cmocka_unit_test(test_snapshot_errors),
	};

	return cmocka_run_group_tests_name("observation", tests, NULL, NULL);
}
