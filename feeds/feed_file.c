/*
 * feeds/feed_file.c - a source fed by a text or CSV list file.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 */
#include "tapir_config.h"
#include "feeds/feed_file.h"
#include "module/fileio.h"
#include "module/log.h"
#include "module/names.h"
#include "module/thread.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A file where more than this share of lines is malformed is probably
 * not a list at all (a wrong path, an HTML error page): keep the old data. */
#define BAD_LINE_PERCENT 10
/* Malformed lines logged per load; the rest are only counted. */
#define BAD_LINES_LOGGED 5

struct feed_file {
	struct feed_file_params p;  /* strings below are our copies */
	char *source_name;
	char *path;
	struct tapir_thread thread;
	struct file_id loaded;      /* identity of the file last read */
	int have_loaded;
	pthread_mutex_t stats_lock;
	struct feed_file_stats stats;
};

struct feed_file *
feed_file_create(const struct feed_file_params *params)
{
	struct feed_file *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->p = *params;
	f->source_name = strdup(params->source_name);
	f->path = strdup(params->path);
	if (!f->source_name || !f->path) {
		free(f->source_name);
		free(f->path);
		free(f);
		return NULL;
	}
	f->p.source_name = f->source_name;
	f->p.path = f->path;
	tapir_thread_init(&f->thread);
	pthread_mutex_init(&f->stats_lock, NULL);
	return f;
}

/* Read the file into a batch.  Returns 0 and fills names/bad on success;
 * -1 (logged) if the file must be rejected. */
static int
read_into_batch(struct feed_file *f, FILE *in, struct policy_batch *b,
	uint64_t *names, uint64_t *bad)
{
	char *line = NULL;
	size_t cap = 0, lineno = 0, data_lines = 0;
	ssize_t got;
	int header_pending = f->p.format == LISTFILE_CSV;

	*names = *bad = 0;
	while ((got = getline(&line, &cap, in)) >= 0) {
		uint8_t wire[NAME_WIRE_MAX];
		size_t wire_len, len = (size_t)got;
		const char *why = NULL;
		struct policy_entry e;
		int subtree, r;

		lineno++;
		if (len && line[len - 1] == '\n')
			len--;
		if (memchr(line, 0, len)) {
			tapir_log(TAPIR_LOG_ERR, "source %s: %s:%zu: NUL byte: "
				"not a list file", f->source_name, f->path,
				lineno);
			free(line);
			return -1;
		}
		r = listfile_line(line, len, f->p.format, f->p.column, wire,
			&wire_len, &subtree, &why);
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
					"skipped: %s", f->source_name, f->path,
					lineno, why);
			continue;
		}
		memset(&e, 0, sizeof(e));
		e.subtree = subtree;
		if (policy_batch_put(b, wire, &e) != 0) {
			tapir_log(TAPIR_LOG_ERR, "source %s: out of memory "
				"loading %s", f->source_name, f->path);
			free(line);
			return -1;
		}
		(*names)++;
	}
	free(line);
	if (ferror(in)) {
		tapir_log(TAPIR_LOG_ERR, "source %s: reading %s: %s",
			f->source_name, f->path, strerror(errno));
		return -1;
	}
	if (data_lines && *bad * 100 > data_lines * BAD_LINE_PERCENT) {
		tapir_log(TAPIR_LOG_ERR, "source %s: %s: %llu of %zu lines "
			"malformed: file rejected", f->source_name, f->path,
			(unsigned long long)*bad, data_lines);
		return -1;
	}
	return 0;
}

int
feed_file_load(struct feed_file *f)
{
	struct file_id before, after;
	struct policy_batch *b;
	uint64_t names, bad;
	FILE *in;
	int r;

	if (file_id_get(f->path, &before) != 0 ||
	    !(in = fopen(f->path, "r"))) {
		tapir_log(TAPIR_LOG_ERR, "source %s: cannot open %s: %s",
			f->source_name, f->path, strerror(errno));
		goto reject;
	}
	b = policy_batch_begin(f->p.store, f->p.source, 1);
	if (!b) {
		fclose(in);
		tapir_log(TAPIR_LOG_ERR, "source %s: out of memory",
			f->source_name);
		goto reject;
	}
	r = read_into_batch(f, in, b, &names, &bad);
	fclose(in);
	/* Changed while we read: a writer is still at it.  Apply nothing;
	 * the next poll sees the final version. */
	if (r == 0 && (file_id_get(f->path, &after) != 0 ||
	    !file_id_equal(&before, &after))) {
		policy_batch_abort(b);
		tapir_log(TAPIR_LOG_INFO, "source %s: %s changed while being "
			"read, will retry", f->source_name, f->path);
		return -1;
	}
	if (r != 0) {
		policy_batch_abort(b);
		f->loaded = before;
		f->have_loaded = 1;
		goto reject;
	}
	if (policy_batch_commit(b, f->p.changed, f->p.changed_arg) != 0) {
		tapir_log(TAPIR_LOG_ERR, "source %s: out of memory applying "
			"%s", f->source_name, f->path);
		goto reject;
	}
	f->loaded = before;
	f->have_loaded = 1;
	pthread_mutex_lock(&f->stats_lock);
	f->stats.loads++;
	f->stats.bad_lines += bad;
	f->stats.names = names;
	f->stats.last_load = (int64_t)time(NULL);
	pthread_mutex_unlock(&f->stats_lock);
	tapir_log(TAPIR_LOG_INFO, "source %s: loaded %llu names from %s%s",
		f->source_name, (unsigned long long)names, f->path,
		bad ? " (some lines skipped)" : "");
	return 0;
reject:
	pthread_mutex_lock(&f->stats_lock);
	f->stats.rejects++;
	pthread_mutex_unlock(&f->stats_lock);
	return -1;
}

static void *
watch_thread(void *arg)
{
	struct feed_file *f = arg;

	while (!tapir_thread_sleep(&f->thread, f->p.poll_ms)) {
		struct file_id now;
		/* A vanished file keeps the last good data: a list being
		 * replaced by rename is briefly absent on some tools. */
		if (file_id_get(f->path, &now) != 0)
			continue;
		if (f->have_loaded && file_id_equal(&now, &f->loaded))
			continue;
		feed_file_load(f);
	}
	return NULL;
}

int
feed_file_start(struct feed_file *f)
{
	return tapir_thread_start(&f->thread, watch_thread, f);
}

void
feed_file_get_stats(struct feed_file *f, struct feed_file_stats *out)
{
	pthread_mutex_lock(&f->stats_lock);
	*out = f->stats;
	pthread_mutex_unlock(&f->stats_lock);
}

void
feed_file_destroy(struct feed_file *f)
{
	if (!f)
		return;
	tapir_thread_stop(&f->thread);
	tapir_thread_destroy(&f->thread);
	pthread_mutex_destroy(&f->stats_lock);
	free(f->source_name);
	free(f->path);
	free(f);
}
