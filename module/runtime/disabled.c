/*
 * module/runtime/disabled.c - the sources an operator has switched off
 * with tapir-pop-control source_disable.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 *
 * A handful of names, in an array rewritten whole on every change, as
 * the overrides are (overrides.c).
 */
#include "tapir_config.h"
#include "module/runtime/disabled.h"
#include "module/base/fileio.h"
#include "module/base/log.h"
#include "module/base/statefile.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The longest source name, as the store keeps it, and its terminator. */
#define NAME_SIZE 64
/* The largest file read: a name per configured source at most. */
#define DISABLED_FILE_MAX ((size_t)1 << 20)

struct disabled {
	char *file;                 /* in the state directory, or NULL */
	pthread_mutex_t lock;       /* guards names, n */
	char (*names)[NAME_SIZE];
	size_t n;
	uint64_t broken;            /* files kept aside at start */
};

/* The names a state file is written from. */
struct name_list {
	char (*names)[NAME_SIZE];
	size_t n;
};

static int
write_names(FILE *out, void *arg)
{
	const struct name_list *l = arg;
	size_t i;

	fprintf(out, "# tapir-pop: sources switched off with source_disable; "
		"written by the module\n");
	for (i = 0; i < l->n; i++)
		fprintf(out, "%s\n", l->names[i]);
	return ferror(out) ? -1 : 0;
}

/* Store the list; STATEFILE_FAILED leaves the file as it was. */
static int
save_names(struct disabled *d, char (*names)[NAME_SIZE], size_t n)
{
	struct name_list l = { names, n };
	char why[512];
	int r;

	if (!d->file)
		return STATEFILE_OK;
	r = statefile_write(d->file, write_names, &l, why, sizeof(why));
	if (r != STATEFILE_OK)
		tapir_log(TAPIR_LOG_ERR, "disabled sources: %s%s", why,
			r == STATEFILE_NOT_DURABLE ? " (the file is replaced, "
			"but a crash of the machine may bring the old one back)" :
			"");
	return r;
}

static size_t
find_name(const struct disabled *d, const char *name)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		if (strcmp(d->names[i], name) == 0)
			break;
	return i;
}

/* A line names a source if it is 1 to 63 printable characters without
 * blanks at either end (the configuration's names are). */
static int
good_name(const char *line, size_t len)
{
	size_t i;

	if (!len || len >= NAME_SIZE || line[0] == ' ' ||
	    line[len - 1] == ' ')
		return 0;
	for (i = 0; i < len; i++)
		if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
			return 0;
	return 1;
}

/* Read the state file; a bad one is kept aside and what could be read
 * of it stored again, as overrides.c does. */
static void
load_names(struct disabled *d)
{
	char *text, *line, *end, why[160], aside[4096];
	unsigned bad = 0;
	size_t len;
	int r;

	if ((r = file_read_all(d->file, DISABLED_FILE_MAX, &text, &len)) != 0) {
		if (r == ENOENT)
			return;
		snprintf(why, sizeof(why), "cannot read it: %s",
			file_strerror(r));
		d->broken++;
		statefile_keep_aside(d->file, "disabled sources", why, NULL, 0);
		return;
	}
	for (line = text; line < text + len; line = end + 1) {
		char (*grown)[NAME_SIZE];
		size_t l;
		if (!(end = memchr(line, '\n', (size_t)(text + len - line))))
			end = text + len;
		l = (size_t)(end - line);
		if (!l || line[0] == '#')
			continue;
		if (!good_name(line, l) || memchr(line, 0, l)) {
			bad++;
			continue;
		}
		*end = 0;
		if (find_name(d, line) < d->n)
			continue;
		if (!(grown = realloc(d->names, (d->n + 1) * sizeof(*grown)))) {
			tapir_log(TAPIR_LOG_ERR, "disabled sources: out of "
				"memory reading %s", d->file);
			break;
		}
		d->names = grown;
		memcpy(d->names[d->n++], line, l + 1);
	}
	free(text);
	if (!bad)
		return;
	d->broken++;
	snprintf(why, sizeof(why), "%u line%s naming no source, skipped", bad,
		bad == 1 ? "" : "s");
	if (statefile_keep_aside(d->file, "disabled sources", why, aside,
	    sizeof(aside)) == 0 &&
	    save_names(d, d->names, d->n) == STATEFILE_FAILED &&
	    rename(aside, d->file) != 0)
		tapir_log(TAPIR_LOG_ERR, "disabled sources: cannot put %s "
			"back as %s: %s", aside, d->file, strerror(errno));
}

struct disabled *
disabled_load(const char *state_dir)
{
	struct disabled *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	pthread_mutex_init(&d->lock, NULL);
	if (state_dir) {
		size_t len = strlen(state_dir) + sizeof("/" DISABLED_FILE);
		if (!(d->file = malloc(len))) {
			disabled_free(d);
			return NULL;
		}
		snprintf(d->file, len, "%s/%s", state_dir, DISABLED_FILE);
		load_names(d);
	}
	return d;
}

int
disabled_has(struct disabled *d, const char *name)
{
	int r;

	pthread_mutex_lock(&d->lock);
	r = find_name(d, name) < d->n;
	pthread_mutex_unlock(&d->lock);
	return r;
}

int
disabled_set(struct disabled *d, const char *name, int off)
{
	char (*list)[NAME_SIZE];
	size_t i, n;
	int r = -1;

	if (!good_name(name, strlen(name)))
		return -1;
	pthread_mutex_lock(&d->lock);
	i = find_name(d, name);
	if ((i < d->n) == !!off) {
		pthread_mutex_unlock(&d->lock);
		return 0;
	}
	/* A new list: the one in force stays until the file holds it. */
	if ((list = malloc((d->n + 1) * sizeof(*list))) != NULL) {
		if (d->n)
			memcpy(list, d->names, d->n * sizeof(*list));
		n = d->n;
		if (off)
			snprintf(list[n++], NAME_SIZE, "%s", name);
		else
			memcpy(list[i], list[--n], sizeof(*list));
		if (save_names(d, list, n) != STATEFILE_FAILED) {
			free(d->names);
			d->names = list;
			d->n = n;
			r = 0;
		} else {
			free(list);
		}
	} else {
		tapir_log(TAPIR_LOG_ERR, "disabled sources: out of memory");
	}
	pthread_mutex_unlock(&d->lock);
	return r;
}

uint64_t
disabled_broken(const struct disabled *d)
{
	return d->broken;
}

void
disabled_free(struct disabled *d)
{
	if (!d)
		return;
	pthread_mutex_destroy(&d->lock);
	free(d->names);
	free(d->file);
	free(d);
}
