/*
 * feeds/file/feed_file.c - a source fed by a text or CSV list file.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 */
#include "tapir_config.h"
#include "feeds/file/feed_file.h"
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
	struct feed_file_params p;  /* strings below are our copies */
	char *source_name;
	char *path;
	struct tapir_thread thread;
	struct file_watch watch;    /* the version last read, or missing */
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

/* A load failed, or the file went missing: count it, keep the reason for
 * list_sources, log it.  Returns -1. */
static int
reject(struct feed_file *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int
reject(struct feed_file *f, const char *fmt, ...)
{
	char why[sizeof(f->stats.last_error)];
	uint64_t loads;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&f->stats_lock);
	f->stats.rejects++;
	memcpy(f->stats.last_error, why, sizeof(why));
	loads = f->stats.loads;
	pthread_mutex_unlock(&f->stats_lock);
	tapir_log(TAPIR_LOG_ERR, "source %s: %s; %s", f->source_name, why,
		loads ? "keeping the last good list" :
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
	int header_pending = f->p.format == LISTFILE_CSV, got;

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
				"file", f->path, lineno);
			return -1;
		}
		r = listfile_line(line, len, f->p.format, f->p.column, wire,
			&wire_len, &subtree, &reason);
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
					lineno, reason);
			continue;
		}
		memset(&e, 0, sizeof(e));
		e.subtree = subtree;
		if (policy_batch_put(b, wire, &e) != 0) {
			snprintf(why, whylen, "out of memory loading %s",
				f->path);
			return -1;
		}
		(*names)++;
	}
	if (got == FILE_ERR_LONG_LINE) {
		snprintf(why, whylen, "%s:%zu: %s: not a list file", f->path,
			lineno + 1, file_strerror(got));
		return -1;
	}
	if (got != 0) {
		snprintf(why, whylen, "%s: read error after line %zu: %s",
			f->path, lineno, file_strerror(got));
		return -1;
	}
	if (data_lines && *bad * 100 > data_lines * BAD_LINE_PERCENT) {
		snprintf(why, whylen, "%s: %llu of %zu lines malformed: file "
			"rejected", f->path, (unsigned long long)*bad,
			data_lines);
		return -1;
	}
	return 0;
}

int
feed_file_load(struct feed_file *f)
{
	struct file_id before, after;
	struct file_lines lines;
	struct policy_batch *b = NULL;
	uint64_t names, bad;
	char why[sizeof(f->stats.last_error)];
	int fd, r;

	if ((r = file_open(f->path, &fd, &before)) != 0) {
		/* Not retried until the path names another file. */
		file_watch_tried(&f->watch, r, &before);
		return reject(f, "cannot open %s: %s", f->path,
			file_strerror(r));
	}
	if (file_lines_init(&lines, fd) != 0 ||
	    !(b = policy_batch_begin(f->p.store, f->p.source, 1))) {
		file_lines_free(&lines);
		close(fd);
		return reject(f, "out of memory loading %s", f->path);
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
			"read, will retry", f->source_name, f->path);
		return -1;
	}
	close(fd);
	file_watch_tried(&f->watch, 0, &before);
	if (r != 0) {
		policy_batch_abort(b);
		return reject(f, "%s", why);
	}
	if (policy_batch_commit(b, f->p.changed, f->p.changed_arg) != 0)
		return reject(f, "out of memory applying %s", f->path);
	pthread_mutex_lock(&f->stats_lock);
	f->stats.loads++;
	f->stats.bad_lines += bad;
	f->stats.names = names;
	f->stats.last_load = (int64_t)time(NULL);
	f->stats.last_error[0] = 0;
	pthread_mutex_unlock(&f->stats_lock);
	tapir_log(TAPIR_LOG_INFO, "source %s: loaded %llu names from %s%s",
		f->source_name, (unsigned long long)names, f->path,
		bad ? " (some lines skipped)" : "");
	return 0;
}

/* A file that goes missing or turns into a symlink loop keeps the last
 * good data (a list replaced by delete and create is briefly absent), and
 * is reported once when it happens, not at every poll. */
static void *
watch_thread(void *arg)
{
	struct feed_file *f = arg;

	while (!tapir_thread_sleep(&f->thread, f->p.poll_ms)) {
		int err;
		switch (file_watch_poll(&f->watch, f->path, &err)) {
		case FILE_WATCH_NEW:
			feed_file_load(f);
			break;
		case FILE_WATCH_GONE:
			reject(f, "cannot open %s: %s", f->path,
				file_strerror(err));
			break;
		default:
			break;
		}
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
