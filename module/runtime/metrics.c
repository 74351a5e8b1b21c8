/*
 * module/runtime/metrics.c - /metrics: the counters in Prometheus's text
 * format, over HTTP.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 *
 * Why libmicrohttpd: Debian packages it, it is small, it has served
 * exporters for years, and it runs without threads of its own ("external
 * event loop"), so the module starts and joins the one thread, as every
 * other.  With MHD_USE_EPOLL that loop is one descriptor, polled beside
 * our wake-up pipe: no select() and its FD_SETSIZE limit inside a
 * resolver that may hold thousands of descriptors.
 */
#include "tapir_config.h"
#include "module/runtime/metrics.h"
#include "module/runtime/counters.h"
#include "module/runtime/engine.h"
#include "module/runtime/overrides.h"
#include "feeds/feed.h"
#include "module/base/log.h"
#include "module/base/thread.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <microhttpd.h>

/* Scrapers served at once, and how long one may idle. */
#define METRICS_CONNECTIONS_MAX 16
#define METRICS_IDLE_S 10
/* Longest wait of the loop: libmicrohttpd's timeouts are checked at
 * least this often. */
#define METRICS_POLL_MAX_MS 1000

struct metrics {
	struct MHD_Daemon *daemon;
	metrics_render_fn render;
	void *arg;
	/* metrics_stop() writes to wake[1], so a poll returns at once. */
	int wake[2];
	struct tapir_thread thread;
};

/* ---- the exposition ---- */

static void
family(FILE *out, const char *name, const char *type, const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A label value, escaped as the format says. */
static void
label_value(FILE *out, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			fprintf(out, "\\%c", *v);
		else if (*v == '\n')
			fputs("\\n", out);
		else
			fputc(*v, out);
	}
}

static void
source_sample(FILE *out, const char *name, const char *source,
	uint64_t value)
{
	fprintf(out, "%s{source=\"", name);
	label_value(out, source);
	fprintf(out, "\"} %" PRIu64 "\n", value);
}

/* What the exposition shows of one source. */
struct source_row {
	struct engine_source_info si;
	int id;
};

/* One type-specific counter of a source, for grouping by key. */
struct extra {
	char key[48];
	unsigned row;
	uint64_t value;
};

/* The extras of every source, to be written family by family. */
struct extras {
	struct extra *list;
	size_t n, cap;
	unsigned row;
};

static void
collect_extra(void *arg, const char *key, uint64_t value)
{
	struct extras *x = arg;

	if (x->n == x->cap) {
		size_t cap = x->cap ? x->cap * 2 : 64;
		struct extra *grown = realloc(x->list, cap * sizeof(*grown));
		if (!grown)
			return;
		x->list = grown;
		x->cap = cap;
	}
	snprintf(x->list[x->n].key, sizeof(x->list[x->n].key), "%s", key);
	x->list[x->n].row = x->row;
	x->list[x->n++].value = value;
}

static int
ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* Each extra key as a family of its own, named by feed.h's convention:
 * a Unix time as a _timestamp_seconds gauge, a size or a serial as a
 * gauge, anything else as a counter. */
static void
write_extras(FILE *out, const struct extras *x, const struct source_row *rows)
{
	size_t i, j;

	for (i = 0; i < x->n; i++) {
		char name[128], help[160];
		const char *key = x->list[i].key;
		int seen = 0;
		for (j = 0; j < i && !seen; j++)
			seen = !strcmp(x->list[j].key, key);
		if (seen)
			continue;
		snprintf(help, sizeof(help), "The source's \"%s\" counter "
			"(tapir-pop-control(8), list_sources).", key);
		if (ends_with(key, "_time")) {
			snprintf(name, sizeof(name),
				"tapir_pop_source_%.*s_timestamp_seconds",
				(int)(strlen(key) - 5), key);
			family(out, name, "gauge", help);
		} else if (ends_with(key, "_bytes") || !strcmp(key, "serial")) {
			snprintf(name, sizeof(name), "tapir_pop_source_%s", key);
			family(out, name, "gauge", help);
		} else {
			snprintf(name, sizeof(name), "tapir_pop_source_%s_total",
				key);
			family(out, name, "counter", help);
		}
		for (j = i; j < x->n; j++)
			if (!strcmp(x->list[j].key, key))
				source_sample(out, name,
					rows[x->list[j].row].si.name,
					x->list[j].value);
	}
}

/* The per-source families taken from engine_source_info(). */
enum row_field { ROW_ENABLED, ROW_MONITOR, ROW_ENTRIES, ROW_UPDATES,
	ROW_FAILURES, ROW_RECEIVED, ROW_EXPIRED, ROW_BROKEN, ROW_LAST_UPDATE,
	ROW_LAST_FAILURE };

static const struct {
	const char *name, *type, *help;
	enum row_field field;
} row_families[] = {
	{ "tapir_pop_source_enabled", "gauge", "0 while the operator has the "
	    "source switched off (source_disable).", ROW_ENABLED },
	{ "tapir_pop_source_monitor", "gauge", "1 when the source is on trial "
	    "(action-override: monitor).", ROW_MONITOR },
	{ "tapir_pop_source_entries", "gauge", "Names the source holds.",
	    ROW_ENTRIES },
	{ "tapir_pop_source_updates_total", "counter", "Updates applied "
	    "(loads, transfers, messages).", ROW_UPDATES },
	{ "tapir_pop_source_failures_total", "counter", "Updates refused (a "
	    "bad file, a failed transfer, a refused message).", ROW_FAILURES },
	{ "tapir_pop_source_received_total", "counter", "Messages received "
	    "(observation sources).", ROW_RECEIVED },
	{ "tapir_pop_source_expired_total", "counter", "Entries removed "
	    "because they had expired.", ROW_EXPIRED },
	{ "tapir_pop_source_state_broken_total", "counter", "State files "
	    "found unreadable and kept aside.", ROW_BROKEN },
	{ "tapir_pop_source_last_update_timestamp_seconds", "gauge", "Unix "
	    "time of the last update applied, 0 for none.", ROW_LAST_UPDATE },
	{ "tapir_pop_source_last_failure_timestamp_seconds", "gauge", "Unix "
	    "time of the last update refused, 0 for none.", ROW_LAST_FAILURE },
};

static uint64_t
row_value(const struct source_row *r, enum row_field field)
{
	switch (field) {
	case ROW_ENABLED: return (uint64_t)r->si.enabled;
	case ROW_MONITOR: return (uint64_t)r->si.monitored;
	case ROW_ENTRIES: return r->si.entries;
	case ROW_UPDATES: return r->si.stats.updates;
	case ROW_FAILURES: return r->si.stats.failures;
	case ROW_RECEIVED: return r->si.stats.received;
	case ROW_EXPIRED: return r->si.expired;
	case ROW_BROKEN: return r->si.stats.state_broken;
	case ROW_LAST_UPDATE: return (uint64_t)r->si.stats.last_update;
	case ROW_LAST_FAILURE: return (uint64_t)r->si.stats.last_failure;
	}
	return 0;
}

static void
write_sources(FILE *out, struct engine *e, const struct counters_totals *t,
	struct source_row *rows, unsigned n)
{
	struct extras x = { NULL, 0, 0, 0 };
	unsigned i, a;
	size_t f;
	int any_state = 0;

	family(out, "tapir_pop_source_info", "gauge", "A configured source: "
		"its type and list class.");
	for (i = 0; i < n; i++) {
		fputs("tapir_pop_source_info{source=\"", out);
		label_value(out, rows[i].si.name);
		fprintf(out, "\",type=\"%s\",list=\"%s\"} 1\n", rows[i].si.type,
			policy_list_name(rows[i].si.list));
	}
	family(out, "tapir_pop_decisions_total", "counter", "Decisions a "
		"source took, by action; \"monitor\": what it decided on "
		"trial, the answer left alone.");
	for (i = 0; i < n; i++)
		for (a = 1; a < POLICY_ACTIONS && rows[i].id >= 0; a++) {
			fputs("tapir_pop_decisions_total{source=\"", out);
			label_value(out, rows[i].si.name);
			fprintf(out, "\",action=\"%s\"} %" PRIu64 "\n",
				policy_action_name((enum policy_action)a),
				t->source[rows[i].id].action[a]);
		}
	family(out, "tapir_pop_monitor_decisions_total", "counter",
		"Monitor decisions of a source, by the action it would have "
		"taken.");
	for (i = 0; i < n; i++)
		for (a = 1; a < POLICY_ACTIONS && rows[i].id >= 0; a++) {
			fputs("tapir_pop_monitor_decisions_total{source=\"",
				out);
			label_value(out, rows[i].si.name);
			fprintf(out, "\",action=\"%s\"} %" PRIu64 "\n",
				policy_action_name((enum policy_action)a),
				t->source[rows[i].id].monitor[a]);
		}
	for (f = 0; f < sizeof(row_families) / sizeof(*row_families); f++) {
		family(out, row_families[f].name, row_families[f].type,
			row_families[f].help);
		for (i = 0; i < n; i++)
			source_sample(out, row_families[f].name,
				rows[i].si.name, row_value(&rows[i],
				row_families[f].field));
	}
	for (i = 0; i < n; i++)
		any_state |= rows[i].si.stats.state[0] != 0;
	if (any_state) {
		family(out, "tapir_pop_source_connected", "gauge", "1 while "
			"the source's connection is up (sources that keep "
			"one).");
		for (i = 0; i < n; i++)
			if (rows[i].si.stats.state[0])
				source_sample(out, "tapir_pop_source_connected",
					rows[i].si.name, !strcmp(
					rows[i].si.stats.state, "connected"));
	}
	for (i = 0; i < n; i++) {
		x.row = i;
		engine_source_extras(e, i, collect_extra, &x);
	}
	write_extras(out, &x, rows);
	free(x.list);
}

static void
counter(FILE *out, const char *name, const char *help, uint64_t v)
{
	family(out, name, "counter", help);
	fprintf(out, "%s %" PRIu64 "\n", name, v);
}

void
metrics_write(FILE *out, struct engine *e, struct counters *c,
	const struct metrics_cache *cache)
{
	struct policy_store *store = engine_store(e);
	struct counters_totals *t = malloc(sizeof(*t));
	struct source_row *rows;
	unsigned i, a, n = engine_source_count(e);
	uint64_t overrides = 0;

	rows = calloc(n ? n : 1, sizeof(*rows));
	if (!t || !rows) {
		free(t);
		free(rows);
		return;
	}
	counters_read(c, 0, t);
	for (i = 0; i < n; i++) {
		engine_source_info(e, i, &rows[i].si);
		rows[i].id = policy_source_find(store, rows[i].si.name);
		if (rows[i].id >= POLICY_MAX_SOURCES)
			rows[i].id = -1;
		if (rows[i].id >= 0 && !strcmp(rows[i].si.type, "override"))
			for (a = POLICY_ACTION_PASSTHRU; a < POLICY_ACTIONS;
			    a++)
				overrides += t->source[rows[i].id].action[a];
	}
	family(out, "tapir_pop_info", "gauge", "The tapir-pop module and its "
		"version.");
	fprintf(out, "tapir_pop_info{version=\"%s\"} 1\n", PACKAGE_VERSION);
	counter(out, "tapir_pop_queries_total", "Client queries judged.",
		t->judged);
	family(out, "tapir_pop_actions_total", "counter", "Decisions by "
		"action (\"none\": resolved normally; \"monitor\": a monitor "
		"decision, beside the query's own).");
	for (a = 0; a < POLICY_ACTIONS; a++)
		fprintf(out, "tapir_pop_actions_total{action=\"%s\"} %" PRIu64
			"\n", policy_action_name((enum policy_action)a),
			t->action[a]);
	family(out, "tapir_pop_monitor_actions_total", "counter", "Monitor "
		"decisions by the action they would have taken.");
	for (a = 1; a < POLICY_ACTIONS; a++)
		fprintf(out, "tapir_pop_monitor_actions_total{action=\"%s\"} %"
			PRIu64 "\n", policy_action_name((enum policy_action)a),
			t->monitor[a]);
	family(out, "tapir_pop_rule_hits_total", "counter", "Decisions by the "
		"rule that took them; \"override\": those of the runtime "
		"overrides, counted under allowlist and denylist too.");
	for (a = 1; a < POLICY_RULES; a++)
		fprintf(out, "tapir_pop_rule_hits_total{rule=\"%s\"} %" PRIu64
			"\n", policy_rule_name((enum policy_rule)a), t->rule[a]);
	fprintf(out, "tapir_pop_rule_hits_total{rule=\"override\"} %" PRIu64
		"\n", overrides);
	family(out, "tapir_pop_monitor_rule_hits_total", "counter", "Monitor "
		"decisions by the rule that took them.");
	for (a = 1; a < POLICY_RULES; a++)
		fprintf(out, "tapir_pop_monitor_rule_hits_total{rule=\"%s\"} %"
			PRIu64 "\n", policy_rule_name((enum policy_rule)a),
			t->monitor_rule[a]);
	counter(out, "tapir_pop_cname_blocked_total", "Answers blocked "
		"because their CNAME chain reached a blocked name.",
		t->cloaked);
	counter(out, "tapir_pop_cache_refused_total", "Upstream answers kept "
		"out of Unbound's cache because the policy answers for a "
		"name in them.", t->uncached);
	if (cache) {
		counter(out, "tapir_pop_cache_flush_names_total", "Names "
			"queued for removal from Unbound's caches.",
			cache->flush_names);
		counter(out, "tapir_pop_cache_flush_drains_total", "Drains of "
			"the flush queue.", cache->flush_drains);
		counter(out, "tapir_pop_cache_flush_full_total", "Drains that "
			"emptied the whole cache.", cache->flush_full);
		counter(out, "tapir_pop_cache_flush_passes_total", "Passes over "
			"Unbound's caches.", cache->flush_passes);
		counter(out, "tapir_pop_cache_flush_removed_total", "Cache "
			"entries removed.", cache->flush_removed);
	}
	family(out, "tapir_pop_policy_memory_bytes", "gauge", "Memory of the "
		"policy store's tables.");
	fprintf(out, "tapir_pop_policy_memory_bytes %zu\n",
		policy_store_memory(store));
	write_sources(out, e, t, rows, n);
	free(rows);
	free(t);
}

/* ---- HTTP ---- */

static enum MHD_Result
reply(struct MHD_Connection *conn, unsigned status, const char *type,
	char *body, size_t len)
{
	struct MHD_Response *r = MHD_create_response_from_buffer_with_free_callback(
		len, body, free);
	enum MHD_Result ret;

	if (!r) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result
reply_text(struct MHD_Connection *conn, unsigned status, const char *text)
{
	char *body = strdup(text);

	return body ? reply(conn, status, "text/plain; charset=utf-8", body,
	    strlen(body)) : MHD_NO;
}

/* Read-only: GET (or HEAD) /metrics, nothing else. */
static enum MHD_Result
handle(void *cls, struct MHD_Connection *conn, const char *url,
	const char *method, const char *version, const char *upload_data,
	size_t *upload_data_size, void **con_cls)
{
	struct metrics *m = cls;
	char *body = NULL;
	size_t len = 0;
	FILE *out;

	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return reply_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
			"only GET /metrics\n");
	if (strcmp(url, "/metrics") != 0)
		return reply_text(conn, MHD_HTTP_NOT_FOUND,
			"only GET /metrics\n");
	if (!(out = open_memstream(&body, &len)))
		return MHD_NO;
	m->render(m->arg, out);
	if (fclose(out) != 0) {
		free(body);
		return MHD_NO;
	}
	return reply(conn, MHD_HTTP_OK, "text/plain; version=0.0.4; "
		"charset=utf-8", body, len);
}

static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	size_t len;

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	len = strlen(msg);
	while (len && msg[len - 1] == '\n')
		msg[--len] = 0;
	tapir_log(TAPIR_LOG_WARN, "metrics: %s", msg);
}

static void *
metrics_thread(void *arg)
{
	struct metrics *m = arg;
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(m->daemon,
		MHD_DAEMON_INFO_EPOLL_FD);
	struct pollfd pfd[2];

	pfd[0].fd = info ? info->epoll_fd : -1;
	pfd[0].events = POLLIN;
	pfd[1].fd = m->wake[0];
	pfd[1].events = POLLIN;
	for (;;) {
		MHD_UNSIGNED_LONG_LONG next;
		int wait = METRICS_POLL_MAX_MS;
		if (MHD_get_timeout(m->daemon, &next) == MHD_YES &&
		    next < (MHD_UNSIGNED_LONG_LONG)wait)
			wait = (int)next;
		if (poll(pfd, 2, wait) < 0 && errno != EINTR)
			break;
		if (pfd[1].revents || tapir_thread_sleep(&m->thread, 0))
			break;
		MHD_run(m->daemon);
	}
	return NULL;
}

struct metrics *
metrics_start(const char *listen, metrics_render_fn render, void *arg,
	char *err, size_t errlen)
{
	struct metrics *m = calloc(1, sizeof(*m));
	struct sockaddr_storage ss;
	socklen_t len;
	char why[160];
	int r;

	if (!m) {
		snprintf(err, errlen, "metrics: out of memory");
		return NULL;
	}
	m->render = render;
	m->arg = arg;
	m->wake[0] = m->wake[1] = -1;
	tapir_thread_init(&m->thread);
	if (feed_conf_addr(listen, 0, &ss, &len, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "metrics-listen: %s", why);
		goto fail;
	}
	if (pipe2(m->wake, O_CLOEXEC | O_NONBLOCK) != 0) {
		snprintf(err, errlen, "metrics: pipe: %s", strerror(errno));
		goto fail;
	}
	m->daemon = MHD_start_daemon(MHD_USE_EPOLL | MHD_USE_ERROR_LOG |
		(ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0), 0, NULL, NULL,
		handle, m,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)METRICS_CONNECTIONS_MAX,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)METRICS_IDLE_S,
		MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
		MHD_OPTION_END);
	if (!m->daemon) {
		snprintf(err, errlen, "metrics-listen: cannot serve on %s "
			"(see the log; the address may be taken)", listen);
		goto fail;
	}
	if ((r = tapir_thread_start(&m->thread, metrics_thread, m)) != 0) {
		snprintf(err, errlen, "metrics: cannot start the thread: %s",
			strerror(r));
		goto fail;
	}
	tapir_log(TAPIR_LOG_INFO, "serving /metrics on %s", listen);
	return m;
fail:
	metrics_stop(m);
	return NULL;
}

void
metrics_stop(struct metrics *m)
{
	if (!m)
		return;
	/* The flag first, then the byte that ends the poll. */
	tapir_thread_ask_stop(&m->thread);
	if (m->wake[1] >= 0 && write(m->wake[1], "", 1) < 0) {
		/* Full: a byte is there already. */
	}
	tapir_thread_stop(&m->thread);
	tapir_thread_destroy(&m->thread);
	if (m->daemon)
		MHD_stop_daemon(m->daemon);
	if (m->wake[0] >= 0)
		close(m->wake[0]);
	if (m->wake[1] >= 0)
		close(m->wake[1]);
	free(m);
}
