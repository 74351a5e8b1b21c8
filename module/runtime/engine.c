/*
 * module/runtime/engine.c - the module's runtime, without Unbound.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 */
#include "tapir_config.h"
#include "module/runtime/engine.h"
#include "feeds/file/feed_dawg.h"
#include "feeds/file/feed_file.h"
#include "feeds/tapir/feed_obs.h"
#include "feeds/rpz/feed_rpz.h"
#include "feeds/tapir/status.h"
#include "module/base/fileio.h"
#include "module/base/log.h"
#include "module/base/statefile.h"

#include <errno.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "module/base/names.h"
#include "module/base/thread.h"

/** How often lapsed entries are reclaimed, in milliseconds. */
#define MAINTENANCE_MS 1000
/** How often a changed observation state is written, in seconds: often
 *  enough that a crash loses little, rarely enough that a busy feed does
 *  not rewrite a large file many times a minute. */
#define OBS_SAVE_INTERVAL_S 10
/** How often a status report is considered; the limiter sends at most
 *  one a minute, and only when something changed. */
#define STATUS_POLL_S 5

/* One configured source and the feed that fills it. */
struct source_slot {
	uint16_t id;          /* in the store */
	struct feed_file *file;
	struct feed_rpz *rpz;
	struct feed_dawg *dawg;
	struct feed_obs *obs;
	char *zone_file;      /* RPZ: the last good zone on disk */
	char *state_file;     /* observations: the persisted state */
};

/* A runtime override: few, so a plain array rewritten whole. */
struct override {
	uint8_t name[NAME_WIRE_MAX];
	int allow;
	enum policy_action action;
};

struct engine {
	struct tapir_conf *cfg;
	struct policy_store *store;
	struct source_slot *slots; /* one per source, in config order */
	unsigned num_sources;
	policy_changed_fn changed;
	void *changed_arg;
	unsigned flags;       /* ENGINE_STRICT_FILES */
	/* The override sources and their entries. */
	struct source_slot override_slot[2];   /* [0] allow, [1] deny */
	pthread_mutex_t override_lock;
	struct override *overrides;
	size_t num_overrides;
	char *override_file;
	uint64_t overrides_broken;  /* override files found unreadable */
	/* Reclaims lapsed entries, writes observation state, reports. */
	struct tapir_thread maintenance;
	/* Status reports: the node's key, its id, the limiter; key NULL
	 * when reports are off. */
	EVP_PKEY *status_key;
	char *status_kid;
	struct status_limiter status_limiter;
};

/* The path of a file in the state directory, "<state-dir>/<name><suffix>",
 * malloc'd; NULL when there is no state directory.  0, or -1 when out of
 * memory. */
static int
state_path(struct engine *e, const char *name, const char *suffix,
	char **out, char *err, size_t errlen)
{
	size_t len;

	*out = NULL;
	if (!e->cfg->state_dir)
		return 0;
	len = strlen(e->cfg->state_dir) + strlen(name) + strlen(suffix) + 2;
	if (!(*out = malloc(len))) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	snprintf(*out, len, "%s/%s%s", e->cfg->state_dir, name, suffix);
	return 0;
}

static int
start_file_feed(struct engine *e, const struct tapir_conf_source *src,
	struct source_slot *slot, char *err, size_t errlen)
{
	struct feed_file_params p = {
		.source_name = src->name,
		.path = src->file,
		.format = src->format == TAPIR_CONF_FORMAT_CSV ? LISTFILE_CSV :
			LISTFILE_TEXT,
		.column = src->column,
		.poll_ms = e->cfg->file_poll_ms,
		.store = e->store,
		.source = slot->id,
		.changed = e->changed,
		.changed_arg = e->changed_arg,
	};
	int r;

	if (!(slot->file = feed_file_create(&p))) {
		snprintf(err, errlen, "source %s: out of memory", src->name);
		return -1;
	}
	/* A failed first load is logged by the feed; the source serves
	 * nothing until the file becomes readable. */
	if (feed_file_load(slot->file) != 0 &&
	    (e->flags & ENGINE_STRICT_FILES)) {
		snprintf(err, errlen, "source %s: cannot load %s (see the "
			"log)", src->name, src->file);
		return -1;
	}
	if ((r = feed_file_start(slot->file)) != 0) {
		snprintf(err, errlen, "source %s: cannot start thread: %s",
			src->name, strerror(r));
		return -1;
	}
	return 0;
}

static int
start_dawg_feed(struct engine *e, const struct tapir_conf_source *src,
	struct source_slot *slot, char *err, size_t errlen)
{
	struct feed_dawg_params p = {
		.source_name = src->name,
		.path = src->file,
		.poll_ms = e->cfg->file_poll_ms,
		.store = e->store,
		.source = slot->id,
		.flags = src->flags,
		.changed = e->changed,
		.changed_arg = e->changed_arg,
	};
	int r;

	if (!(slot->dawg = feed_dawg_create(&p))) {
		snprintf(err, errlen, "source %s: out of memory", src->name);
		return -1;
	}
	/* Like a list file, a missing or bad DAWG is logged and retried. */
	if (feed_dawg_load(slot->dawg) != 0 &&
	    (e->flags & ENGINE_STRICT_FILES)) {
		struct feed_dawg_stats ds;
		feed_dawg_get_stats(slot->dawg, &ds);
		snprintf(err, errlen, "source %s: %s", src->name,
			ds.last_error);
		return -1;
	}
	if ((r = feed_dawg_start(slot->dawg)) != 0) {
		snprintf(err, errlen, "source %s: cannot start thread: %s",
			src->name, strerror(r));
		return -1;
	}
	return 0;
}

static int
start_rpz_feed(struct engine *e, const struct tapir_conf_source *src,
	struct source_slot *slot, char *err, size_t errlen)
{
	const struct tapir_conf_rpz *c = &src->rpz;
	struct feed_rpz_params p;
	unsigned i;
	int r;

	memset(&p, 0, sizeof(p));
	p.source_name = src->name;
	memcpy(p.zone, c->zone, c->zone_len);
	for (i = 0; i < c->num_primaries; i++) {
		p.primaries[i] = c->primaries[i].addr;
		p.primary_lens[i] = c->primaries[i].len;
	}
	p.num_primaries = c->num_primaries;
	p.tsig_name = c->tsig_name;
	p.tsig_algorithm = c->tsig_algorithm ? c->tsig_algorithm :
		"hmac-sha256";
	p.tsig_secret = c->tsig_secret;
	p.notify_listen = c->notify_listen.addr;
	p.notify_listen_len = c->notify_listen.len;
	for (i = 0; i < c->num_allow_notify; i++)
		p.allow_notify[i] = c->allow_notify[i].addr;
	p.num_allow_notify = c->num_allow_notify;
	p.refresh_min = c->refresh_min;
	p.refresh_max = c->refresh_max;
	p.max_transfer_bytes = c->max_transfer_bytes;
	p.transfer_timeout = c->transfer_timeout;
	if (state_path(e, src->name, ".rpz", &slot->zone_file, err,
	    errlen) != 0)
		return -1;
	p.zone_file = slot->zone_file;
	p.store = e->store;
	p.source = slot->id;
	p.changed = e->changed;
	p.changed_arg = e->changed_arg;
	if (!(slot->rpz = feed_rpz_create(&p))) {
		snprintf(err, errlen, "source %s: cannot create the RPZ feed",
			src->name);
		return -1;
	}
	/* The saved zone serves until the primary answers. */
	feed_rpz_load_saved(slot->rpz);
	if ((r = feed_rpz_start(slot->rpz)) != 0) {
		snprintf(err, errlen, "source %s: cannot start thread: %s",
			src->name, strerror(r));
		return -1;
	}
	return 0;
}

static int
start_obs_feed(struct engine *e, const struct tapir_conf_source *src,
	struct source_slot *slot, char *err, size_t errlen)
{
	const struct tapir_conf_mqtt *m = &e->cfg->mqtt;
	struct feed_obs_params p;
	char client_id[160], host[64] = "localhost";
	int r;

	if (!m->client_id) {
		gethostname(host, sizeof(host) - 1);
		snprintf(client_id, sizeof(client_id), "tapir-pop-%s", host);
	}
	if (state_path(e, src->name, ".observations.json", &slot->state_file,
	    err, errlen) != 0)
		return -1;
	memset(&p, 0, sizeof(p));
	p.source_name = src->name;
	p.src_name = src->obs.src_name;
	p.list = src->list;
	p.connection.server = m->server;
	p.connection.client_id = m->client_id ? m->client_id : client_id;
	p.connection.topic = src->obs.topic;
	p.connection.ca_file = m->ca_file;
	p.connection.cert_file = m->cert_file;
	p.connection.key_file = m->key_file;
	p.connection.keepalive = m->keepalive;
	p.connection.backoff_max = m->backoff_max;
	p.trusted_keys = m->trusted_keys;
	p.insecure_unsigned = m->insecure_unsigned;
	p.max_entries = src->obs.max_entries;
	p.bootstrap_url = src->obs.bootstrap_url;
	p.state_file = slot->state_file;
	p.store = e->store;
	p.source = slot->id;
	p.changed = e->changed;
	p.changed_arg = e->changed_arg;
	if (!(slot->obs = feed_obs_create(&p, err, errlen)))
		return -1;
	/* What Core sent before a restart applies until it lapses. */
	feed_obs_load_saved(slot->obs, (int64_t)time(NULL));
	if (e->flags & ENGINE_DEFER_MQTT)
		return 0;
	if ((r = feed_obs_start(slot->obs)) != 0) {
		snprintf(err, errlen, "source %s: cannot start thread: %s",
			src->name, strerror(r));
		return -1;
	}
	return 0;
}

int
engine_start_deferred(struct engine *e, char *err, size_t errlen)
{
	unsigned i;
	int r;

	for (i = 0; i < e->num_sources; i++) {
		struct feed_obs *obs = e->slots[i].obs;
		if (!obs)
			continue;
		feed_obs_load_saved(obs, (int64_t)time(NULL));
		if ((r = feed_obs_start(obs)) != 0) {
			snprintf(err, errlen, "source %s: cannot start "
				"thread: %s", policy_source_name(e->store,
				(int)e->slots[i].id), strerror(r));
			return -1;
		}
	}
	return 0;
}

/* ---- status reports ---- */

static int
setup_status(struct engine *e, char *err, size_t errlen)
{
	const struct tapir_conf_mqtt *m = &e->cfg->mqtt;
	char why[256];
	char *kid = NULL;

	if (!m->status_key)
		return 0;
	if (status_key_load(m->status_key, &e->status_key, &kid, why,
	    sizeof(why)) != STATUS_OK) {
		snprintf(err, errlen, "mqtt: status-key %s: %s", m->status_key,
			why);
		return -1;
	}
	if (!kid && !(kid = strdup(m->status_kid ? m->status_kid :
	    m->edge_id))) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	e->status_kid = kid;
	status_limiter_init(&e->status_limiter, STATUS_DEFAULT_INTERVAL);
	return 0;
}

/* One component per source: its state, counters and last error. */
static void
describe_source(struct engine *e, unsigned i, struct status_component *c,
	struct engine_source_info *si)
{
	engine_source_info(e, i, si);
	memset(c, 0, sizeof(*c));
	c->name = si->name;
	c->state = !si->last_error[0] ? STATUS_STATE_OK : si->updates ?
		STATUS_STATE_WARN : STATUS_STATE_FAIL;
	c->msg = si->type;
	c->error_msg = si->last_error[0] ? si->last_error : NULL;
	c->num_fails = si->failures > UINT32_MAX ? UINT32_MAX :
		(uint32_t)si->failures;
	c->last_success = si->last_update;
	c->received = si->received ? si->received :
		si->updates + si->failures;
	c->applied = si->updates;
	c->rejected = si->failures;
	c->lapsed = si->lapsed;
	c->names = si->entries;
}

static void
report_status(struct engine *e, int64_t now)
{
	struct status_component comps[POLICY_MAX_SOURCES];
	struct engine_source_info info[POLICY_MAX_SOURCES];
	struct status_report r;
	struct feed_obs *conn = NULL;
	char *topic = NULL, *payload = NULL;
	size_t len = 0;
	unsigned i, n = 0;
	int rc;

	for (i = 0; i < e->num_sources && n < POLICY_MAX_SOURCES; i++, n++) {
		describe_source(e, i, &comps[n], &info[n]);
		if (!conn && e->slots[i].obs)
			conn = e->slots[i].obs;
	}
	memset(&r, 0, sizeof(r));
	r.edge_id = e->cfg->mqtt.edge_id;
	r.timestamp = now;
	r.components = comps;
	r.n_components = n;
	rc = status_poll(&e->status_limiter, &r, e->status_key, e->status_kid,
		&topic, &payload, &len);
	if (rc == STATUS_OK && conn &&
	    feed_obs_publish(conn, topic, payload, len) != 0)
		status_limiter_forget(&e->status_limiter);
	else if (rc != STATUS_OK && rc != STATUS_NOT_DUE)
		tapir_log(TAPIR_LOG_ERR, "status report: %s",
			status_strerror(rc));
	free(topic);
	free(payload);
}

/* ---- maintenance ---- */

static void *
maintenance_thread(void *arg)
{
	struct engine *e = arg;
	int64_t last_save = (int64_t)time(NULL), last_status = 0;

	while (!tapir_thread_sleep(&e->maintenance, MAINTENANCE_MS)) {
		int64_t now = (int64_t)time(NULL);
		policy_store_expire(e->store, now, e->changed, e->changed_arg);
		if (e->status_key && now - last_status >= STATUS_POLL_S) {
			last_status = now;
			report_status(e, now);
		}
		if (now - last_save < OBS_SAVE_INTERVAL_S)
			continue;
		last_save = now;
		engine_save_observations(e);
	}
	return NULL;
}

void
engine_save_observations(struct engine *e)
{
	int64_t now = (int64_t)time(NULL);
	unsigned i;

	for (i = 0; i < e->num_sources; i++)
		if (e->slots[i].obs)
			feed_obs_save(e->slots[i].obs, now);
}

/* ---- runtime overrides ---- */

/* Publish the overrides of one kind as a replace-all of its source. */
static int
publish_overrides(struct engine *e, int allow)
{
	struct source_slot *slot = &e->override_slot[allow ? 0 : 1];
	struct policy_batch *b = policy_batch_begin(e->store, slot->id, 1);
	size_t i;

	if (!b)
		return -1;
	for (i = 0; i < e->num_overrides; i++) {
		struct policy_entry entry;
		if (e->overrides[i].allow != allow)
			continue;
		memset(&entry, 0, sizeof(entry));
		entry.action = e->overrides[i].action;
		if (policy_batch_put(b, e->overrides[i].name, &entry) != 0) {
			policy_batch_abort(b);
			return -1;
		}
	}
	return policy_batch_commit(b, e->changed, e->changed_arg);
}

static void
write_override_line(const struct override *o, FILE *out)
{
	char text[NAME_TEXT_MAX];

	name_to_text(o->name, text, sizeof(text));
	if (o->allow)
		fprintf(out, "allow %s\n", text);
	else
		fprintf(out, "deny %s %s\n", text, o->action ?
			policy_action_name(o->action) : "default");
}

/* The overrides a state file is written from. */
struct override_list {
	const struct override *list;
	size_t n;
};

static int
write_overrides(FILE *out, void *arg)
{
	const struct override_list *l = arg;
	size_t i;

	fprintf(out, "# tapir-pop runtime overrides; written by the module\n");
	for (i = 0; i < l->n; i++)
		write_override_line(&l->list[i], out);
	return ferror(out) ? -1 : 0;
}

/* Store list in the state file.  STATEFILE_FAILED: the file holds what
 * it held; otherwise it holds list, and a restart reads it. */
static int
save_overrides(struct engine *e, const struct override *list, size_t n)
{
	struct override_list l = { list, n };
	char why[512];
	int r;

	if (!e->override_file)
		return STATEFILE_OK;
	r = statefile_write(e->override_file, write_overrides, &l, why,
		sizeof(why));
	if (r != STATEFILE_OK)
		tapir_log(TAPIR_LOG_ERR, "overrides: %s%s", why,
			r == STATEFILE_NOT_DURABLE ? " (the file is replaced, "
			"but a crash of the machine may bring the old one back)" :
			"");
	return r;
}

static size_t
wire_len(const uint8_t *name)
{
	size_t len = 0;

	while (name[len])
		len += 1u + name[len];
	return len + 1;
}

/* The index of name's override in list, or n. */
static size_t
find_override(const struct override *list, size_t n, const uint8_t *name)
{
	size_t i, len = wire_len(name);

	for (i = 0; i < n; i++)
		if (memcmp(list[i].name, name, len) == 0)
			break;
	return i;
}

/* Replace name's override in list, or append it: list has room for one
 * more than *n. */
static void
put_override(struct override *list, size_t *n, int allow,
	const uint8_t *name, enum policy_action action)
{
	size_t i = find_override(list, *n, name);
	struct override *o = &list[i];

	if (i == *n)
		(*n)++;
	memset(o, 0, sizeof(*o));
	memcpy(o->name, name, wire_len(name));
	o->allow = allow;
	o->action = allow ? POLICY_ACTION_NONE : action;
}

/* A copy of the overrides with room for extra more, or NULL (logged). */
static struct override *
copy_overrides(struct engine *e, size_t extra)
{
	struct override *c = malloc((e->num_overrides + extra + 1) *
		sizeof(*c));

	if (!c)
		tapir_log(TAPIR_LOG_ERR, "overrides: out of memory");
	else if (e->num_overrides)
		memcpy(c, e->overrides, e->num_overrides * sizeof(*c));
	return c;
}

/* Make list (n entries; taken) the overrides: stored first, then
 * published, so that what a command answers is what applies, now and
 * after a restart.  0, or -1 with the overrides as they were. */
static int
commit_overrides(struct engine *e, struct override *list, size_t n)
{
	struct override *old = e->overrides;
	size_t old_n = e->num_overrides;

	if (save_overrides(e, list, n) == STATEFILE_FAILED) {
		free(list);
		return -1;
	}
	e->overrides = list;
	e->num_overrides = n;
	/* Both kinds: a name may have moved from one to the other. */
	if (publish_overrides(e, 1) == 0 && publish_overrides(e, 0) == 0) {
		free(old);
		return 0;
	}
	tapir_log(TAPIR_LOG_ERR, "overrides: out of memory publishing them; "
		"the previous overrides are restored");
	e->overrides = old;
	e->num_overrides = old_n;
	free(list);
	if (save_overrides(e, old, old_n) == STATEFILE_FAILED)
		tapir_log(TAPIR_LOG_ERR, "overrides: %s now differs from the "
			"overrides in force", e->override_file);
	publish_overrides(e, 1);
	publish_overrides(e, 0);
	return -1;
}

/* One line of the state file into e's overrides; -1 if it is not one
 * the module writes, -2 when out of memory. */
static int
load_override_line(struct engine *e, char *line, size_t len)
{
	char *save = NULL, *kind, *text, *act;
	uint8_t wire[NAME_WIRE_MAX];
	enum policy_action action = POLICY_ACTION_NONE;
	struct override *grown;
	size_t wlen;

	if (strlen(line) != len)
		return -1;      /* a NUL byte */
	kind = strtok_r(line, " \t\r", &save);
	if (!kind || *kind == '#')
		return 0;
	text = strtok_r(NULL, " \t\r", &save);
	act = strtok_r(NULL, " \t\r", &save);
	if (!text || strtok_r(NULL, " \t\r", &save) ||
	    name_from_text(text, strlen(text), wire, &wlen) ||
	    (strcmp(kind, "allow") && strcmp(kind, "deny")) ||
	    (act && (strcmp(kind, "deny") || (strcmp(act, "default") &&
	    (policy_action_from_name(act, &action) ||
	    action == POLICY_ACTION_NONE)))))
		return -1;
	if (!(grown = realloc(e->overrides, (e->num_overrides + 1) *
	    sizeof(*grown))))
		return -2;
	e->overrides = grown;
	put_override(e->overrides, &e->num_overrides, strcmp(kind, "allow") ==
		0, wire, action);
	return 0;
}

/* The largest overrides file read: they are typed in by hand. */
#define OVERRIDES_FILE_MAX ((size_t)16 << 20)

/* Read the state file.  One that cannot be read, or has a line the
 * module does not write, is kept aside before a write could replace it,
 * and the lines that could be read are stored again: what is in force
 * is what a restart loads. */
static void
load_overrides(struct engine *e)
{
	char *text, *line, *end, why[160], aside[4096];
	unsigned lineno = 0, bad = 0, first = 0;
	size_t len;
	int r;

	if (!e->override_file)
		return;
	if ((r = file_read_all(e->override_file, OVERRIDES_FILE_MAX, &text,
	    &len)) != 0) {
		if (r == ENOENT)
			return;
		snprintf(why, sizeof(why), "cannot read it: %s", file_strerror(r));
		e->overrides_broken++;
		statefile_keep_aside(e->override_file, "overrides", why, NULL,
			0);
		return;
	}
	for (line = text; line < text + len; line = end + 1) {
		if (!(end = memchr(line, '\n', (size_t)(text + len - line))))
			end = text + len;
		*end = 0;
		lineno++;
		if ((r = load_override_line(e, line, (size_t)(end - line))) ==
		    -2) {
			tapir_log(TAPIR_LOG_ERR, "overrides: out of memory "
				"reading %s", e->override_file);
			break;
		}
		if (r == -1 && !bad++)
			first = lineno;
	}
	free(text);
	if (!bad)
		return;
	e->overrides_broken++;
	snprintf(why, sizeof(why), "%u bad line%s (the first: line %u), "
		"skipped", bad, bad == 1 ? "" : "s", first);
	if (statefile_keep_aside(e->override_file, "overrides", why, aside,
	    sizeof(aside)) != 0)
		return;
	if (save_overrides(e, e->overrides, e->num_overrides) !=
	    STATEFILE_FAILED)
		return;
	/* Not stored: the file the overrides in force came from goes back,
	 * so that a restart reads them again. */
	if (rename(aside, e->override_file) == 0)
		tapir_log(TAPIR_LOG_ERR, "overrides: %s is back as %s: the "
			"overrides read from it could not be stored", aside,
			e->override_file);
	else
		tapir_log(TAPIR_LOG_ERR, "overrides: cannot put %s back as %s: "
			"%s; a restart loads no overrides", aside,
			e->override_file, strerror(errno));
}

static int
setup_overrides(struct engine *e, char *err, size_t errlen)
{
	static const char *const names[2] = { ENGINE_OVERRIDE_ALLOW,
		ENGINE_OVERRIDE_DENY };
	static const enum policy_list lists[2] = { POLICY_LIST_ALLOW,
		POLICY_LIST_DENY };
	int i;

	for (i = 0; i < 2; i++) {
		if (policy_source_add(e->store, names[i], lists[i], 0,
		    &e->override_slot[i].id) != 0) {
			snprintf(err, errlen, "cannot add source %s", names[i]);
			return -1;
		}
	}
	if (state_path(e, "overrides", "", &e->override_file, err,
	    errlen) != 0)
		return -1;
	load_overrides(e);
	if (publish_overrides(e, 1) || publish_overrides(e, 0)) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

int
engine_override_set(struct engine *e, int allow, const uint8_t *name,
	enum policy_action action)
{
	struct override *list;
	size_t n;
	int r = -1;

	pthread_mutex_lock(&e->override_lock);
	if ((list = copy_overrides(e, 1)) != NULL) {
		n = e->num_overrides;
		put_override(list, &n, allow, name, action);
		r = commit_overrides(e, list, n);
	}
	pthread_mutex_unlock(&e->override_lock);
	return r;
}

int
engine_override_remove(struct engine *e, const uint8_t *name)
{
	struct override *list;
	size_t i, n;
	int r = 0, allow;

	pthread_mutex_lock(&e->override_lock);
	n = e->num_overrides;
	if ((i = find_override(e->overrides, n, name)) < n) {
		allow = e->overrides[i].allow;
		r = -1;
		if ((list = copy_overrides(e, 0)) != NULL) {
			list[i] = list[--n];
			r = commit_overrides(e, list, n) ? -1 : 1;
		}
		/* Dropping an allow override can block a name Unbound has
		 * cached while it was allowed. */
		if (r == 1 && allow && e->changed)
			e->changed(e->changed_arg, name, 0);
	}
	pthread_mutex_unlock(&e->override_lock);
	return r;
}

void
engine_override_list(struct engine *e, FILE *out)
{
	size_t i;

	pthread_mutex_lock(&e->override_lock);
	for (i = 0; i < e->num_overrides; i++)
		write_override_line(&e->overrides[i], out);
	pthread_mutex_unlock(&e->override_lock);
}

/* ---- sources ---- */

unsigned
engine_source_count(struct engine *e)
{
	return e->num_sources + 2;
}

void
engine_source_info(struct engine *e, unsigned i,
	struct engine_source_info *out)
{
	struct policy_source_stats st;
	struct source_slot *slot = i < e->num_sources ? &e->slots[i] :
		&e->override_slot[i - e->num_sources];

	memset(out, 0, sizeof(*out));
	policy_store_source_stats(e->store, slot->id, &st);
	out->entries = st.entries;
	out->list = st.list;
	out->type = "override";
	out->name = i < e->num_sources ? NULL : (i == e->num_sources ?
		ENGINE_OVERRIDE_ALLOW : ENGINE_OVERRIDE_DENY);
	/* Set before any thread runs, and never again. */
	if (out->name)
		out->state_broken = e->overrides_broken;
	if (slot->file) {
		struct feed_file_stats fs;
		feed_file_get_stats(slot->file, &fs);
		out->type = "file";
		out->last_update = fs.last_load;
		out->updates = fs.loads;
		out->failures = fs.rejects;
		memcpy(out->last_error, fs.last_error, sizeof(out->last_error));
	} else if (slot->dawg) {
		struct feed_dawg_stats ds;
		feed_dawg_get_stats(slot->dawg, &ds);
		out->type = "dawg";
		out->last_update = ds.last_load;
		out->updates = ds.loads;
		out->failures = ds.rejects;
		memcpy(out->last_error, ds.last_error, sizeof(out->last_error));
	} else if (slot->obs) {
		struct feed_obs_stats os;
		feed_obs_get_stats(slot->obs, &os);
		out->type = "mqtt";
		out->last_update = os.last_update;
		out->received = os.received;
		out->lapsed = os.lapsed;
		out->state_broken = os.state_broken;
		out->updates = os.applied;
		out->failures = os.bad_signature + os.bad_message +
			os.wrong_source + os.over_limit;
		snprintf(out->state, sizeof(out->state), "%s", os.connected ?
			"connected" : "disconnected");
		memcpy(out->last_error, os.last_error, sizeof(out->last_error));
	} else if (slot->rpz) {
		struct feed_rpz_stats rs;
		feed_rpz_get_stats(slot->rpz, &rs);
		out->type = "rpz";
		out->last_update = rs.last_update;
		out->updates = rs.axfr + rs.ixfr;
		out->failures = rs.failures;
		out->state_broken = rs.state_broken;
		memcpy(out->last_error, rs.last_error, sizeof(out->last_error));
	}
	if (!out->name) {
		const struct tapir_conf_source *src = e->cfg->sources;
		unsigned k;
		for (k = 0; k < i && src; k++)
			src = src->next;
		out->name = src ? src->name : "?";
	}
}

struct engine *
engine_create(struct tapir_conf *cfg, unsigned flags, unsigned num_readers,
	policy_changed_fn changed, void *changed_arg, char *err,
	size_t errlen)
{
	struct engine *e = calloc(1, sizeof(*e));
	const struct tapir_conf_source *src;
	unsigned i;

	if (!e) {
		snprintf(err, errlen, "out of memory");
		tapir_conf_free(cfg);
		return NULL;
	}
	e->cfg = cfg;
	e->num_sources = cfg->num_sources;
	e->changed = changed;
	e->changed_arg = changed_arg;
	e->flags = flags;
	pthread_mutex_init(&e->override_lock, NULL);
	tapir_thread_init(&e->maintenance);
	e->slots = calloc(cfg->num_sources + 1, sizeof(*e->slots));
	e->store = policy_store_create(&cfg->rules, num_readers);
	if (!e->slots || !e->store) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	/* All sources exist before any feed starts: decisions never see
	 * a half-configured store. */
	for (src = cfg->sources, i = 0; src; src = src->next, i++) {
		if (policy_source_add(e->store, src->name, src->list,
		    src->flags, &e->slots[i].id) != 0) {
			snprintf(err, errlen, "source %s: cannot add to the "
				"policy store", src->name);
			goto fail;
		}
	}
	if (setup_overrides(e, err, errlen) != 0)
		goto fail;
	for (src = cfg->sources, i = 0; src; src = src->next, i++) {
		int r = 0;
		switch (src->type) {
		case TAPIR_CONF_SOURCE_FILE:
			r = start_file_feed(e, src, &e->slots[i], err, errlen);
			break;
		case TAPIR_CONF_SOURCE_RPZ:
			r = start_rpz_feed(e, src, &e->slots[i], err, errlen);
			break;
		case TAPIR_CONF_SOURCE_DAWG:
			r = start_dawg_feed(e, src, &e->slots[i], err, errlen);
			break;
		case TAPIR_CONF_SOURCE_MQTT:
			r = start_obs_feed(e, src, &e->slots[i], err, errlen);
			break;
		}
		if (r != 0)
			goto fail;
	}
	if (setup_status(e, err, errlen) != 0)
		goto fail;
	if (tapir_thread_start(&e->maintenance, maintenance_thread, e) != 0) {
		snprintf(err, errlen, "cannot start the maintenance thread");
		goto fail;
	}
	tapir_log(TAPIR_LOG_INFO, "policy ready: %u sources", e->num_sources);
	return e;
fail:
	engine_destroy(e);
	return NULL;
}

void
engine_destroy(struct engine *e)
{
	unsigned i;

	if (!e)
		return;
	/* Feeds write into the store: stop them all before freeing it. */
	tapir_thread_stop(&e->maintenance);
	tapir_thread_destroy(&e->maintenance);
	if (e->slots)
		for (i = 0; i < e->num_sources; i++) {
			feed_file_destroy(e->slots[i].file);
			feed_rpz_destroy(e->slots[i].rpz);
			feed_dawg_destroy(e->slots[i].dawg);
			feed_obs_destroy(e->slots[i].obs);
			free(e->slots[i].zone_file);
			free(e->slots[i].state_file);
		}
	free(e->slots);
	free(e->overrides);
	free(e->override_file);
	EVP_PKEY_free(e->status_key);
	free(e->status_kid);
	pthread_mutex_destroy(&e->override_lock);
	if (e->store)
		policy_store_destroy(e->store);
	tapir_conf_free(e->cfg);
	free(e);
}

struct policy_store *
engine_store(struct engine *e)
{
	return e->store;
}

const struct tapir_conf *
engine_config(struct engine *e)
{
	return e->cfg;
}
