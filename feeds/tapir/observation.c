/*
 * feeds/tapir/observation.c - DNS TAPIR observation messages (JSON).
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 */
#include "tapir_config.h"
#include "feeds/tapir/observation.h"
#include "module/base/log.h"
#include "module/base/names.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

/* ---- keys ---- */

/*
 * The members we read.  Go matches a key to a field without regard to
 * case; our senders have used the JSON tags and, before those existed,
 * the Go field names, so each field lists both, lower-cased.
 */
enum field {
	F_SRC_NAME, F_CREATOR, F_MSG_TYPE, F_LIST_TYPE, F_ADDED, F_REMOVED,
	F_TIMESTAMP,
	F_NAME, F_TIME_ADDED, F_TTL, F_TAG_MASK,
	F_COUNT
};

static const char *const field_keys[F_COUNT][2] = {
	[F_SRC_NAME] = { "src_name", "srcname" },
	[F_CREATOR] = { "creator", NULL },
	[F_MSG_TYPE] = { "msg_type", "msgtype" },
	[F_LIST_TYPE] = { "list_type", "listtype" },
	[F_ADDED] = { "added", NULL },
	[F_REMOVED] = { "removed", NULL },
	[F_TIMESTAMP] = { "timestamp", NULL },
	[F_NAME] = { "name", NULL },
	[F_TIME_ADDED] = { "time_added", "timeadded" },
	[F_TTL] = { "ttl", NULL },
	[F_TAG_MASK] = { "tag_mask", "tagmask" }
};

static int
ascii_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

static int
key_is(const char *key, const char *want)
{
	if (!want)
		return 0;
	while (*key && ascii_lower((unsigned char)*key) == *want) {
		key++;
		want++;
	}
	return *key == 0 && *want == 0;
}

/*
 * Collect an object's members of fields [first, last] into v.  As in Go,
 * when two keys name one field the later wins; null counts as absent.
 */
static void
collect(json_t *obj, enum field first, enum field last, json_t **v)
{
	const char *key;
	json_t *val;
	int f;

	for (f = first; f <= (int)last; f++)
		v[f] = NULL;
	json_object_foreach(obj, key, val) {
		for (f = first; f <= (int)last; f++) {
			if (key_is(key, field_keys[f][0]) ||
			    key_is(key, field_keys[f][1]))
				v[f] = json_is_null(val) ? NULL : val;
		}
	}
}

json_t *
observation_json_member(json_t *obj, const char *key)
{
	const char *k;
	json_t *val, *found = NULL;

	if (!json_is_object(obj))
		return NULL;
	json_object_foreach(obj, k, val)
		if (key_is(k, key))
			found = json_is_null(val) ? NULL : val;
	return found;
}

/* ---- time ---- */

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. */
static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static unsigned
days_in_month(unsigned y, unsigned m)
{
	static const unsigned char days[12] =
		{ 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (m == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))
		return 29;
	return days[m - 1];
}

/* Read exactly n decimal digits at s. */
static int
digits(const char *s, unsigned n, unsigned *out)
{
	unsigned v = 0, i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	*out = v;
	return 0;
}

int
observation_parse_time(const char *s, size_t len, int64_t *out)
{
	unsigned y, mo, d, h, mi, sec, oh = 0, om = 0;
	size_t i = 19;
	int sign = 0;

	/* YYYY-MM-DDTHH:MM:SS is fixed-width; the rest follows. */
	if (len < 20 || digits(s, 4, &y) || s[4] != '-' ||
	    digits(s + 5, 2, &mo) || s[7] != '-' || digits(s + 8, 2, &d) ||
	    (s[10] != 'T' && s[10] != 't') || digits(s + 11, 2, &h) ||
	    s[13] != ':' || digits(s + 14, 2, &mi) || s[16] != ':' ||
	    digits(s + 17, 2, &sec))
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) ||
	    h > 23 || mi > 59 || sec > 59)
		return -1;
	if (s[i] == '.') {
		size_t start = ++i;
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == start || i - start > 9)
			return -1;
	}
	if (i + 1 == len && (s[i] == 'Z' || s[i] == 'z')) {
		sign = 0;
	} else if (i + 6 == len && (s[i] == '+' || s[i] == '-') &&
	    !digits(s + i + 1, 2, &oh) && s[i + 3] == ':' &&
	    !digits(s + i + 4, 2, &om) && oh <= 23 && om <= 59) {
		sign = s[i] == '+' ? 1 : -1;
	} else {
		return -1;
	}
	/* Local time minus its offset is UTC. */
	*out = days_from_civil(y, mo, d) * 86400 + (int64_t)h * 3600 +
		(int64_t)mi * 60 + sec - sign * ((int64_t)oh * 3600 + om * 60);
	return 0;
}

int
observation_format_time(int64_t t, char *buf, size_t size)
{
	int64_t days, secs, era, y;
	unsigned doe, yoe, doy, mp, d, m;

	/* 0000-01-01T00:00:00Z to 9999-12-31T23:59:59Z. */
	if (t < INT64_C(-62167219200) || t > INT64_C(253402300799) || size < 21)
		return -1;
	days = (t >= 0 ? t : t - 86399) / 86400;
	secs = t - days * 86400;
	/* civil_from_days, the inverse of days_from_civil. */
	days += 719468;
	era = (days >= 0 ? days : days - 146096) / 146097;
	doe = (unsigned)(days - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = (int64_t)yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y += m <= 2;
	snprintf(buf, size, "%04d-%02u-%02uT%02d:%02d:%02dZ", (int)y, m, d,
		(int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60));
	return 0;
}

/* ---- parsing ---- */

/* An unsigned 32-bit JSON integer; absent is 0.  name is for messages. */
static int
get_u32(json_t *v, const char *what, const char *name, uint32_t *out,
	char *why, size_t whylen)
{
	json_int_t i;

	if (!v) {
		*out = 0;
		return 0;
	}
	if (!json_is_integer(v)) {
		tapir_err_set(why, whylen, "%.64s: %s is not an integer", name, what);
		return -1;
	}
	i = json_integer_value(v);
	if (i < 0 || i > (json_int_t)UINT32_MAX) {
		tapir_err_set(why, whylen, "%.64s: %s %lld does not fit 32 bits "
			"unsigned", name, what, (long long)i);
		return -1;
	}
	*out = (uint32_t)i;
	return 0;
}

/* Parse one entry; on error why says what was wrong and -1 returns. */
static int
parse_entry(json_t *obj, int is_added, struct observation_entry *e,
	uint8_t *name_buf, char *why, size_t whylen)
{
	json_t *v[F_COUNT];
	const char *text;
	int r;

	if (!json_is_object(obj)) {
		tapir_err_set(why, whylen, "not an object");
		return -1;
	}
	collect(obj, F_NAME, F_TAG_MASK, v);
	if (!json_is_string(v[F_NAME])) {
		tapir_err_set(why, whylen, "no name");
		return -1;
	}
	text = json_string_value(v[F_NAME]);
	if ((r = name_from_text(text, json_string_length(v[F_NAME]), name_buf,
	    &e->name_len)) != NAME_OK) {
		tapir_err_set(why, whylen, "name \"%.64s\": %s", text,
			name_strerror(r));
		return -1;
	}
	e->name = name_buf;
	e->time_added = OBSERVATION_TIME_ZERO;
	if (v[F_TIME_ADDED]) {
		if (!json_is_string(v[F_TIME_ADDED]) ||
		    observation_parse_time(json_string_value(v[F_TIME_ADDED]),
		    json_string_length(v[F_TIME_ADDED]), &e->time_added)) {
			tapir_err_set(why, whylen, "%.64s: bad time_added", text);
			return -1;
		}
	} else if (is_added) {
		/* Go would take year 1, expiring the name at once: a bug. */
		tapir_err_set(why, whylen, "%.64s: no time_added", text);
		return -1;
	}
	if (get_u32(v[F_TTL], "ttl", text, &e->ttl, why, whylen) != 0 ||
	    get_u32(v[F_TAG_MASK], "tag_mask", text, &e->tag_mask, why,
	    whylen) != 0)
		return -1;
	e->expiry = e->time_added + e->ttl;
	return 0;
}

/* Room the names of an array need at most in wire format. */
static size_t
names_bound(json_t *arr)
{
	size_t i, total = 0;

	for (i = 0; i < json_array_size(arr); i++) {
		json_t *v[F_COUNT];
		json_t *e = json_array_get(arr, i);
		size_t n;
		if (!json_is_object(e))
			continue;
		collect(e, F_NAME, F_NAME, v);
		if (!json_is_string(v[F_NAME]))
			continue;
		/* Text "a.b" is "\1a\1b\0" in wire: one octet more, +1 root. */
		n = json_string_length(v[F_NAME]) + 2;
		total += n < NAME_WIRE_MAX ? n : NAME_WIRE_MAX;
	}
	return total;
}

/* Parse an "added" or "removed" array; returns an observation_error. */
static int
parse_entries(json_t *arr, int is_added, struct observation_msg *msg,
	struct observation_entry **out, size_t *n_out, size_t *names_used)
{
	size_t i, n = json_array_size(arr);
	/* Room for "removed[index]: " in front, within first_error. */
	char why[sizeof(msg->first_error) - 32];

	*out = NULL;
	*n_out = 0;
	if (n == 0)
		return OBSERVATION_OK;
	if (!(*out = calloc(n, sizeof(**out))))
		return OBSERVATION_ERR_NOMEM;
	for (i = 0; i < n; i++) {
		struct observation_entry *e = &(*out)[*n_out];
		uint8_t *name_buf = msg->names + *names_used;
		if (parse_entry(json_array_get(arr, i), is_added, e, name_buf,
		    why, sizeof(why)) != 0) {
			if (msg->n_skipped++ == 0)
				snprintf(msg->first_error,
					sizeof(msg->first_error), "%s[%zu]: %s",
					is_added ? "added" : "removed", i, why);
			continue;
		}
		*names_used += e->name_len;
		(*n_out)++;
	}
	return OBSERVATION_OK;
}

static char *
dup_string(json_t *v)
{
	return strdup(v ? json_string_value(v) : "");
}

static int
parse_list_type(const char *s, enum policy_list *out)
{
	/* POP's current names, and the older ones it still understands. */
	static const struct {
		const char *name;
		enum policy_list list;
	} names[] = {
		{ "allowlist", POLICY_LIST_ALLOW },
		{ "doubtlist", POLICY_LIST_DOUBT },
		{ "denylist", POLICY_LIST_DENY },
		{ "whitelist", POLICY_LIST_ALLOW },
		{ "greylist", POLICY_LIST_DOUBT },
		{ "blacklist", POLICY_LIST_DENY }
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(s, names[i].name) == 0) {
			*out = names[i].list;
			return 0;
		}
	}
	return -1;
}

int
observation_parse(const uint8_t *json, size_t len, struct observation_msg *msg,
	char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *root, *v[F_COUNT];
	size_t names_used = 0;
	const char *s;
	int r = OBSERVATION_ERR_SCHEMA, f;

	observation_msg_clear(msg);
	if (!(root = json_loadb((const char *)json, len, 0, &jerr))) {
		tapir_err_set(err, errlen, "bad JSON at line %d column %d: %s",
			jerr.line, jerr.column, jerr.text);
		return OBSERVATION_ERR_JSON;
	}
	if (!json_is_object(root)) {
		tapir_err_set(err, errlen, "not a JSON object");
		goto out;
	}
	collect(root, F_SRC_NAME, F_TIMESTAMP, v);
	for (f = F_SRC_NAME; f <= F_LIST_TYPE; f++) {
		if (v[f] && !json_is_string(v[f])) {
			tapir_err_set(err, errlen, "%s is not a string",
				field_keys[f][0]);
			goto out;
		}
	}
	for (f = F_ADDED; f <= F_REMOVED; f++) {
		if (v[f] && !json_is_array(v[f])) {
			tapir_err_set(err, errlen, "%s is not an array",
				field_keys[f][0]);
			goto out;
		}
	}
	s = v[F_MSG_TYPE] ? json_string_value(v[F_MSG_TYPE]) : "";
	if (strcmp(s, "observation") == 0) {
		msg->msg_type = OBSERVATION_MSG_OBSERVATION;
	} else if (strcmp(s, "intel-update") == 0) {
		msg->msg_type = OBSERVATION_MSG_INTEL_UPDATE;
	} else {
		tapir_err_set(err, errlen, "msg_type \"%.32s\" is not observation "
			"or intel-update", s);
		goto out;
	}
	s = v[F_LIST_TYPE] ? json_string_value(v[F_LIST_TYPE]) : "";
	if (parse_list_type(s, &msg->list_type) != 0) {
		tapir_err_set(err, errlen, "list_type \"%.32s\" is not allowlist, "
			"doubtlist or denylist", s);
		goto out;
	}
	/* Informational only: a bad one costs the time, not the message. */
	msg->has_timestamp = json_is_string(v[F_TIMESTAMP]) &&
		observation_parse_time(json_string_value(v[F_TIMESTAMP]),
		json_string_length(v[F_TIMESTAMP]), &msg->timestamp) == 0;
	r = OBSERVATION_ERR_NOMEM;
	if (!(msg->src_name = dup_string(v[F_SRC_NAME])) ||
	    !(msg->creator = dup_string(v[F_CREATOR])) ||
	    !(msg->names = malloc(names_bound(v[F_ADDED]) +
	    names_bound(v[F_REMOVED]) + 1)))
		goto out;
	if ((r = parse_entries(v[F_ADDED], 1, msg, &msg->added,
	    &msg->n_added, &names_used)) != OBSERVATION_OK ||
	    (r = parse_entries(v[F_REMOVED], 0, msg, &msg->removed,
	    &msg->n_removed, &names_used)) != OBSERVATION_OK)
		goto out;
	r = OBSERVATION_OK;
out:
	if (r == OBSERVATION_ERR_NOMEM)
		tapir_err_set(err, errlen, "out of memory");
	json_decref(root);
	return r;
}

void
observation_msg_clear(struct observation_msg *msg)
{
	free(msg->src_name);
	free(msg->creator);
	free(msg->added);
	free(msg->removed);
	free(msg->names);
	memset(msg, 0, sizeof(*msg));
}

/* ---- writing ---- */

void
observation_writer_file(struct observation_writer *w, FILE *f)
{
	memset(w, 0, sizeof(*w));
	w->file = f;
}

void
observation_writer_buffer(struct observation_writer *w, char *buf,
	size_t size)
{
	memset(w, 0, sizeof(*w));
	w->buf = buf;
	w->size = size;
	if (buf && size)
		buf[0] = 0;
}

/* Keep the first error: it is the one that explains the others. */
static void
fail(struct observation_writer *w, int err)
{
	if (!w->error)
		w->error = err;
}

static void
put(struct observation_writer *w, const char *s, size_t n)
{
	if (w->error)
		return;
	if (w->file) {
		if (fwrite(s, 1, n, w->file) != n)
			fail(w, OBSERVATION_ERR_IO);
	} else if (w->len < w->size) {
		size_t room = w->size - w->len;
		memcpy(w->buf + w->len, s, n < room ? n : room);
	}
	w->len += n;
}

static void
put_str(struct observation_writer *w, const char *s)
{
	put(w, s, strlen(s));
}

/* A JSON string of UTF-8 text; jansson refuses what is not UTF-8. */
static void
put_json_string(struct observation_writer *w, const char *s)
{
	json_t *j = json_string(s);
	char *text = j ? json_dumps(j, JSON_ENCODE_ANY) : NULL;

	if (text)
		put_str(w, text);
	else
		fail(w, j ? OBSERVATION_ERR_NOMEM : OBSERVATION_ERR_RANGE);
	free(text);
	json_decref(j);
}

/* A name's presentation form is ASCII; only \ and " need JSON escapes. */
static void
put_name(struct observation_writer *w, const char *text)
{
	const char *p;

	put_str(w, "\"");
	for (p = text; *p; p++) {
		if (*p == '\\' || *p == '"')
			put(w, "\\", 1);
		put(w, p, 1);
	}
	put_str(w, "\"");
}

static void
put_time(struct observation_writer *w, int64_t t)
{
	char buf[32];

	if (observation_format_time(t, buf, sizeof(buf)) != 0) {
		fail(w, OBSERVATION_ERR_RANGE);
		return;
	}
	put_str(w, "\"");
	put_str(w, buf);
	put_str(w, "\"");
}

int
observation_snapshot_begin(struct observation_writer *w, const char *src_name,
	const char *creator, enum policy_list list_type, int64_t timestamp)
{
	w->count = 0;
	put_str(w, "{\"src_name\":");
	put_json_string(w, src_name);
	put_str(w, ",\"creator\":");
	put_json_string(w, creator);
	put_str(w, ",\"msg_type\":\"observation\",\"list_type\":\"");
	put_str(w, observation_list_name(list_type));
	put_str(w, "\",\"timestamp\":");
	put_time(w, timestamp);
	put_str(w, ",\"added\":[");
	return w->error;
}

int
observation_snapshot_add(struct observation_writer *w,
	const struct observation_entry *e)
{
	char text[NAME_TEXT_MAX], num[48];

	if (name_to_text(e->name, text, sizeof(text)) < 0) {
		fail(w, OBSERVATION_ERR_RANGE);
		return w->error;
	}
	/* One entry a line: a large snapshot stays readable and diffable. */
	put_str(w, w->count++ ? ",\n{\"name\":" : "\n{\"name\":");
	put_name(w, text);
	put_str(w, ",\"time_added\":");
	put_time(w, e->time_added);
	snprintf(num, sizeof(num), ",\"ttl\":%lu,\"tag_mask\":%lu",
		(unsigned long)e->ttl, (unsigned long)e->tag_mask);
	put_str(w, num);
	put_str(w, ",\"extended_tags\":[]}");
	return w->error;
}

int
observation_snapshot_end(struct observation_writer *w)
{
	put_str(w, w->count ? "\n]" : "]");
	put_str(w, ",\"removed\":[],\"msg\":\"\",\"time_str\":\"\"}\n");
	if (w->error || w->file)
		return w->error;
	if (w->len >= w->size)
		return OBSERVATION_ERR_SPACE;
	w->buf[w->len] = 0;
	return OBSERVATION_OK;
}

int
observation_snapshot_write(struct observation_writer *w,
	const struct observation_msg *msg, int64_t timestamp)
{
	size_t i;

	observation_snapshot_begin(w, msg->src_name ? msg->src_name : "",
		msg->creator ? msg->creator : "", msg->list_type, timestamp);
	for (i = 0; i < msg->n_added; i++)
		observation_snapshot_add(w, &msg->added[i]);
	return observation_snapshot_end(w);
}

const char *
observation_list_name(enum policy_list list)
{
	switch (list) {
	case POLICY_LIST_ALLOW: return "allowlist";
	case POLICY_LIST_DENY: return "denylist";
	default: return "doubtlist";
	}
}

const char *
observation_strerror(int err)
{
	switch (err) {
	case OBSERVATION_OK: return "ok";
	case OBSERVATION_ERR_NOMEM: return "out of memory";
	case OBSERVATION_ERR_JSON: return "not JSON";
	case OBSERVATION_ERR_SCHEMA: return "not an observation message";
	case OBSERVATION_ERR_RANGE: return "value cannot be written";
	case OBSERVATION_ERR_SPACE: return "buffer too small";
	case OBSERVATION_ERR_IO: return "write error";
	default: return "unknown error";
	}
}
