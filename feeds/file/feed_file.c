/*
 * feeds/file/feed_file.c - a source fed by a text or CSV list file.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 */
#include "tapir_config.h"
#include "feeds/file/feed_file.h"
#include "feeds/file/listfile.h"
#include "module/base/fileio.h"
#include "module/base/log.h"
#include "module/base/names.h"
#include "module/base/thread.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* A file where more than this share of lines is malformed is probably
 * not a list at all (a wrong path, an HTML error page): keep the old data. */
#define BAD_LINE_PERCENT 10
/* Malformed lines logged per load; the rest are only counted. */
#define BAD_LINES_LOGGED 5

struct feed_file {
	const struct feed_file_conf *conf; /* the engine's configuration */
	const char *source_name;
	struct feed_env env;
	struct feed_watch watch;
	struct feed_counters counters;
	uint64_t bad_lines;         /* under counters.lock */
	/* The version of the file in the store, under counters.lock: what
	 * a reload may take over (carry()). */
	struct file_id loaded;
	int have_loaded;
};

/* A load failed, or the file went missing: count it, keep the reason for
 * list_sources, log it.  Returns -1. */
static int
reject(struct feed_file *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int
reject(struct feed_file *f, const char *fmt, ...)
{
	char why[sizeof(f->counters.s.last_error)];
	struct feed_stats st;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	feed_counters_fail(&f->counters, why);
	feed_counters_get(&f->counters, &st);
	tapir_log(TAPIR_LOG_ERR, "source %s: %s; %s", f->source_name, why,
		st.updates ? "keeping the last good list" :
		"the source stays empty until the file loads");
	return -1;
}

/* Read the file into a batch.  Returns 0 and fills names/bad on success;
 * -1 with the reason in why if the file must be rejected.  A file that
 * cannot be read to its end is rejected whole: what came before the
 * failure is not the list. */
static int
read_into_batch(struct feed_file *f, struct file_lines *in,
	struct policy_batch *b, uint64_t *names, uint64_t *bad, char *why,
	size_t whylen)
{
	size_t lineno = 0, data_lines = 0;
	const char *line;
	size_t len;
	int header_pending = f->conf->format == LISTFILE_CSV, got;

	*names = *bad = 0;
	while ((got = file_lines_next(in, &line, &len)) == 1) {
		uint8_t wire[NAME_WIRE_MAX];
		size_t wire_len;
		const char *reason = NULL;
		struct policy_entry e;
		int subtree, r;

		lineno++;
		if (memchr(line, 0, len)) {
			snprintf(why, whylen, "%s:%zu: NUL byte: not a list "
				"file", f->conf->path, lineno);
			return -1;
		}
		r = listfile_line(line, len, f->conf->format, f->conf->column,
			wire, &wire_len, &subtree, &reason);
		if (r == LISTFILE_SKIP)
			continue;
		if (header_pending) {
			header_pending = 0;
			continue;
		}
		data_lines++;
		if (r == LISTFILE_BAD) {
			if (++*bad <= BAD_LINES_LOGGED)
				tapir_log(TAPIR_LOG_WARN, "source %s: %s:%zu: "
					"skipped: %s", f->source_name, f->conf->path,
					lineno, reason);
			continue;
		}
		memset(&e, 0, sizeof(e));
		e.subtree = subtree;
		if (policy_batch_put(b, wire, &e) != 0) {
			snprintf(why, whylen, "out of memory loading %s",
				f->conf->path);
			return -1;
		}
		(*names)++;
	}
	if (got == FILE_ERR_LONG_LINE) {
		snprintf(why, whylen, "%s:%zu: %s: not a list file", f->conf->path,
			lineno + 1, file_strerror(got));
		return -1;
	}
	if (got != 0) {
		snprintf(why, whylen, "%s: read error after line %zu: %s",
			f->conf->path, lineno, file_strerror(got));
		return -1;
	}
	if (data_lines && *bad * 100 > data_lines * BAD_LINE_PERCENT) {
		snprintf(why, whylen, "%s: %llu of %zu lines malformed: file "
			"rejected", f->conf->path, (unsigned long long)*bad,
			data_lines);
		return -1;
	}
	return 0;
}

/* Load the file into the source, as one replace-all batch; 0 or -1. */
static int
load(struct feed_file *f)
{
	struct file_id before, after;
	struct file_lines lines;
	struct policy_batch *b = NULL;
	uint64_t names, bad;
	char why[sizeof(f->counters.s.last_error)];
	int fd, r;

	if ((r = file_open(f->conf->path, &fd, &before)) != 0) {
		/* Not retried until the path names another file. */
		feed_watch_tried(&f->watch, r, &before);
		return reject(f, "cannot open %s: %s", f->conf->path,
			file_strerror(r));
	}
	if (file_lines_init(&lines, fd) != 0 ||
	    !(b = policy_batch_begin(f->env.store, f->env.source, 1))) {
		file_lines_free(&lines);
		close(fd);
		return reject(f, "out of memory loading %s", f->conf->path);
	}
	r = read_into_batch(f, &lines, b, &names, &bad, why, sizeof(why));
	file_lines_free(&lines);
	/* Rewritten in place while we read: a writer is still at it.  Apply
	 * nothing; the next poll sees the final version.  (A replacement by
	 * rename does not touch the file we have open.) */
	if (r == 0 && (file_id_fd(fd, &after) != 0 ||
	    !file_id_equal(&before, &after))) {
		close(fd);
		policy_batch_abort(b);
		tapir_log(TAPIR_LOG_INFO, "source %s: %s changed while being "
			"read, will retry", f->source_name, f->conf->path);
		return -1;
	}
	close(fd);
	feed_watch_tried(&f->watch, 0, &before);
	if (r != 0) {
		policy_batch_abort(b);
		return reject(f, "%s", why);
	}
	if (policy_batch_commit(b, f->env.changed, f->env.changed_arg) != 0)
		return reject(f, "out of memory applying %s", f->conf->path);
	feed_counters_update(&f->counters);
	pthread_mutex_lock(&f->counters.lock);
	f->bad_lines += bad;
	f->loaded = before;
	f->have_loaded = 1;
	pthread_mutex_unlock(&f->counters.lock);
	tapir_log(TAPIR_LOG_INFO, "source %s: loaded %llu names from %s%s",
		f->source_name, (unsigned long long)names, f->conf->path,
		bad ? " (some lines skipped)" : "");
	return 0;
}

/* ---- the type ---- */

static void
watch_load(void *arg)
{
	load(arg);
}

/* A file that goes missing or turns into a symlink loop keeps the last
 * good data, and is reported once when it happens, not at every poll. */
static void
watch_gone(void *arg, int err)
{
	struct feed_file *f = arg;

	reject(f, "cannot open %s: %s", f->conf->path, file_strerror(err));
}

/* A reload of a source configured as before: share the running feed's
 * entries instead of starting empty.  1 when the file is still the
 * version they came from (nothing to load); 0 when it must be loaded,
 * over the shared entries if there were any, so that only what changed
 * is stored anew and reported. */
static int
carry(struct feed_file *f, struct feed_file *prev)
{
	struct file_id loaded, now;
	struct feed_stats st;
	uint64_t bad;
	int have;

	/* The version first, then the entries: a load by prev in between
	 * leaves the entries newer than the version, which costs a load at
	 * the first poll, never a missed one. */
	pthread_mutex_lock(&prev->counters.lock);
	loaded = prev->loaded;
	have = prev->have_loaded;
	st = prev->counters.s;
	bad = prev->bad_lines;
	pthread_mutex_unlock(&prev->counters.lock);
	if (!have || policy_source_share(f->env.store, f->env.source,
	    prev->env.store, prev->env.source) != 0)
		return 0;
	pthread_mutex_lock(&f->counters.lock);
	f->counters.s = st;
	f->bad_lines = bad;
	f->loaded = loaded;
	f->have_loaded = 1;
	pthread_mutex_unlock(&f->counters.lock);
	if (file_id_get(f->conf->path, &now) != 0 ||
	    !file_id_equal(&loaded, &now))
		return 0;
	feed_watch_tried(&f->watch, 0, &now);
	tapir_log(TAPIR_LOG_INFO, "source %s: %s unchanged, carried over",
		f->source_name, f->conf->path);
	return 1;
}

static void *
file_create(const void *conf, void *shared, const struct feed_env *env,
	char *err, size_t errlen)
{
	struct feed_file *f = calloc(1, sizeof(*f));

	(void)shared;
	if (!f) {
		snprintf(err, errlen, "source %s: out of memory", env->name);
		return NULL;
	}
	f->conf = conf;
	f->env = *env;
	f->source_name = env->name;
	feed_counters_init(&f->counters);
	f->watch.path = f->conf->path;
	f->watch.poll_ms = env->poll_ms;
	f->watch.load = watch_load;
	f->watch.gone = watch_gone;
	f->watch.arg = f;
	feed_watch_init(&f->watch);
	/* A failed first load is logged; the source serves nothing until
	 * the file becomes readable, unless the caller must not start
	 * without it.  A changed file on a reload loads over the carried
	 * entries: only the difference is stored anew. */
	if (env->prev && carry(f, env->prev))
		return f;
	if (load(f) != 0 && env->strict) {
		snprintf(err, errlen, "source %s: cannot load %s (see the "
			"log)", env->name, f->conf->path);
		feed_watch_destroy(&f->watch);
		feed_counters_destroy(&f->counters);
		free(f);
		return NULL;
	}
	return f;
}

static int
file_start(void *feed, char *err, size_t errlen)
{
	struct feed_file *f = feed;

	return feed_start_result(feed_watch_start(&f->watch), f->source_name,
		err, errlen);
}

static void
file_stats(void *feed, struct feed_stats *out)
{
	struct feed_file *f = feed;

	feed_counters_get(&f->counters, out);
}

static void
file_extras(void *feed, feed_extra_fn fn, void *arg)
{
	struct feed_file *f = feed;
	uint64_t bad;

	pthread_mutex_lock(&f->counters.lock);
	bad = f->bad_lines;
	pthread_mutex_unlock(&f->counters.lock);
	fn(arg, "bad_lines", bad);
}

static void
file_destroy(void *feed)
{
	struct feed_file *f = feed;

	feed_watch_destroy(&f->watch);
	feed_counters_destroy(&f->counters);
	free(f);
}

/* ---- its configuration ---- */

static void *
file_conf_new(void)
{
	struct feed_file_conf *c = calloc(1, sizeof(*c));

	if (c) {
		c->format = LISTFILE_TEXT;
		c->column = 2;
	}
	return c;
}

int
feed_file_conf_path(char **path, const struct feed_conf_key *k, char *err,
	size_t errlen)
{
	if (feed_conf_values(k, 1, 1, err, errlen) != 0)
		return -1;
	if (!*k->values[0]) {
		snprintf(err, errlen, "empty file name");
		return -1;
	}
	return feed_conf_string(path, k->values[0], err, errlen);
}

static int
file_conf_key(void *conf, const struct feed_conf_key *k, char *err,
	size_t errlen)
{
	struct feed_file_conf *c = conf;
	unsigned long col;

	if (strcmp(k->key, "file") == 0)
		return feed_file_conf_path(&c->path, k, err, errlen);
	if (strcmp(k->key, "format") == 0) {
		if (feed_conf_values(k, 1, 1, err, errlen) != 0)
			return -1;
		if (strcmp(k->values[0], "text") == 0)
			c->format = LISTFILE_TEXT;
		else if (strcmp(k->values[0], "csv") == 0)
			c->format = LISTFILE_CSV;
		else {
			snprintf(err, errlen, "unknown format '%s' (expected "
				"text or csv)", k->values[0]);
			return -1;
		}
		return 0;
	}
	if (strcmp(k->key, "column") == 0) {
		if (feed_conf_values(k, 1, 1, err, errlen) != 0 ||
		    feed_conf_uint(k->values[0], 1, 1024, &col, err,
		    errlen) != 0)
			return -1;
		c->column = (unsigned)col;
		return 0;
	}
	snprintf(err, errlen, "unknown key for a source of type file");
	return -1;
}

static int
file_conf_check(const void *conf, const void *clause, char *err,
	size_t errlen)
{
	const struct feed_file_conf *c = conf;

	(void)clause;
	if (!c->path) {
		snprintf(err, errlen, "type file needs 'file'");
		return -1;
	}
	return 0;
}

static int
file_conf_equal(const void *a, const void *b)
{
	const struct feed_file_conf *x = a, *y = b;

	return strcmp(x->path, y->path) == 0 && x->format == y->format &&
	    x->column == y->column;
}

static void
file_conf_free(void *conf)
{
	struct feed_file_conf *c = conf;

	if (c)
		free(c->path);
	free(c);
}

const struct feed_type feed_type_file = {
	.name = "file",
	.conf_new = file_conf_new,
	.conf_key = file_conf_key,
	.conf_check = file_conf_check,
	.conf_free = file_conf_free,
	.conf_equal = file_conf_equal,
	.create = file_create,
	.start = file_start,
	.stats = file_stats,
	.extras = file_extras,
	.destroy = file_destroy,
};
