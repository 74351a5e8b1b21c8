/*
 * module/runtime/overrides.c - runtime overrides: names an operator allows
 * or denies by hand with tapir-pop-control.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 *
 * They are few, so a plain array rewritten whole on every change, kept in
 * the state directory ("overrides", one "allow NAME" or "deny NAME ACTION"
 * line each) and published as a replace-all of one of two built-in
 * sources.  A change is stored first and published only then: what a
 * command answers is what applies, now and after a restart.
 */
#include "tapir_config.h"
#include "module/runtime/overrides.h"
#include "module/base/fileio.h"
#include "module/base/log.h"
#include "module/base/names.h"
#include "module/base/statefile.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One override. */
struct override {
	uint8_t name[NAME_WIRE_MAX];
	int allow;
	enum policy_action action;
};

struct overrides {
	struct policy_store *store;
	uint16_t id[2];             /* [0] allow, [1] deny */
	policy_changed_fn changed;
	void *changed_arg;
	char *file;                 /* in the state directory, or NULL */
	pthread_mutex_t lock;       /* guards list, n */
	struct override *list;
	size_t n;
	uint64_t broken;            /* files kept aside at start */
};


/* Publish the overrides of one kind as a replace-all of its source. */
static int
publish_overrides(struct overrides *o, int allow)
{
		struct policy_batch *b = policy_batch_begin(o->store, o->id[allow ? 0 : 1], 1);
	size_t i;

	if (!b)
		return -1;
	for (i = 0; i < o->n; i++) {
		struct policy_entry entry;
		if (o->list[i].allow != allow)
			continue;
		memset(&entry, 0, sizeof(entry));
		entry.action = o->list[i].action;
		if (policy_batch_put(b, o->list[i].name, &entry) != 0) {
			policy_batch_abort(b);
			return -1;
		}
	}
	return policy_batch_commit(b, o->changed, o->changed_arg);
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
save_overrides(struct overrides *o, const struct override *list, size_t n)
{
	struct override_list l = { list, n };
	char why[512];
	int r;

	if (!o->file)
		return STATEFILE_OK;
	r = statefile_write(o->file, write_overrides, &l, why,
		sizeof(why));
	if (r != STATEFILE_OK)
		tapir_log(TAPIR_LOG_ERR, "overrides: %s%s", why,
			r == STATEFILE_NOT_DURABLE ? " (the file is replaced, "
			"but a crash of the machine may bring the old one back)" :
			"");
	return r;
}

/* The index of name's override in list, or n. */
static size_t
find_override(const struct override *list, size_t n, const uint8_t *name)
{
	size_t i, len = name_wire_len(name);

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
	memcpy(o->name, name, name_wire_len(name));
	o->allow = allow;
	o->action = allow ? POLICY_ACTION_NONE : action;
}

/* A copy of the overrides with room for extra more, or NULL (logged). */
static struct override *
copy_overrides(struct overrides *o, size_t extra)
{
	struct override *c = malloc((o->n + extra + 1) *
		sizeof(*c));

	if (!c)
		tapir_log(TAPIR_LOG_ERR, "overrides: out of memory");
	else if (o->n)
		memcpy(c, o->list, o->n * sizeof(*c));
	return c;
}

/* Make list (n entries; taken) the overrides: stored first, then
 * published, so that what a command answers is what applies, now and
 * after a restart.  0, or -1 with the overrides as they were. */
static int
commit_overrides(struct overrides *o, struct override *list, size_t n)
{
	struct override *old = o->list;
	size_t old_n = o->n;

	if (save_overrides(o, list, n) == STATEFILE_FAILED) {
		free(list);
		return -1;
	}
	o->list = list;
	o->n = n;
	/* Both kinds: a name may have moved from one to the other. */
	if (publish_overrides(o, 1) == 0 && publish_overrides(o, 0) == 0) {
		free(old);
		return 0;
	}
	tapir_log(TAPIR_LOG_ERR, "overrides: out of memory publishing them; "
		"the previous overrides are restored");
	o->list = old;
	o->n = old_n;
	free(list);
	if (save_overrides(o, old, old_n) == STATEFILE_FAILED)
		tapir_log(TAPIR_LOG_ERR, "overrides: %s now differs from the "
			"overrides in force", o->file);
	publish_overrides(o, 1);
	publish_overrides(o, 0);
	return -1;
}

/* One line of the state file into e's overrides; -1 if it is not one
 * the module writes, -2 when out of memory. */
static int
load_override_line(struct overrides *o, char *line, size_t len)
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
	    action == POLICY_ACTION_NONE ||
	    action == POLICY_ACTION_MONITOR)))))
		return -1;
	if (!(grown = realloc(o->list, (o->n + 1) *
	    sizeof(*grown))))
		return -2;
	o->list = grown;
	put_override(o->list, &o->n, strcmp(kind, "allow") ==
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
load_overrides(struct overrides *o)
{
	char *text, *line, *end, why[160], aside[4096];
	unsigned lineno = 0, bad = 0, first = 0;
	size_t len;
	int r;

	if (!o->file)
		return;
	if ((r = file_read_all(o->file, OVERRIDES_FILE_MAX, &text,
	    &len)) != 0) {
		if (r == ENOENT)
			return;
		snprintf(why, sizeof(why), "cannot read it: %s", file_strerror(r));
		o->broken++;
		statefile_keep_aside(o->file, "overrides", why, NULL,
			0);
		return;
	}
	for (line = text; line < text + len; line = end + 1) {
		if (!(end = memchr(line, '\n', (size_t)(text + len - line))))
			end = text + len;
		*end = 0;
		lineno++;
		if ((r = load_override_line(o, line, (size_t)(end - line))) ==
		    -2) {
			tapir_log(TAPIR_LOG_ERR, "overrides: out of memory "
				"reading %s", o->file);
			break;
		}
		if (r == -1 && !bad++)
			first = lineno;
	}
	free(text);
	if (!bad)
		return;
	o->broken++;
	snprintf(why, sizeof(why), "%u bad line%s (the first: line %u), "
		"skipped", bad, bad == 1 ? "" : "s", first);
	if (statefile_keep_aside(o->file, "overrides", why, aside,
	    sizeof(aside)) != 0)
		return;
	if (save_overrides(o, o->list, o->n) !=
	    STATEFILE_FAILED)
		return;
	/* Not stored: the file the overrides in force came from goes back,
	 * so that a restart reads them again. */
	if (rename(aside, o->file) == 0)
		tapir_log(TAPIR_LOG_ERR, "overrides: %s is back as %s: the "
			"overrides read from it could not be stored", aside,
			o->file);
	else
		tapir_log(TAPIR_LOG_ERR, "overrides: cannot put %s back as %s: "
			"%s; a restart loads no overrides", aside,
			o->file, strerror(errno));
}

int
overrides_set(struct overrides *o, int allow, const uint8_t *name,
	enum policy_action action)
{
	struct override *list;
	size_t n;
	int r = -1;

	pthread_mutex_lock(&o->lock);
	if ((list = copy_overrides(o, 1)) != NULL) {
		n = o->n;
		put_override(list, &n, allow, name, action);
		r = commit_overrides(o, list, n);
	}
	pthread_mutex_unlock(&o->lock);
	return r;
}

int
overrides_remove(struct overrides *o, const uint8_t *name)
{
	struct override *list;
	size_t i, n;
	int r = 0, allow;

	pthread_mutex_lock(&o->lock);
	n = o->n;
	if ((i = find_override(o->list, n, name)) < n) {
		allow = o->list[i].allow;
		r = -1;
		if ((list = copy_overrides(o, 0)) != NULL) {
			list[i] = list[--n];
			r = commit_overrides(o, list, n) ? -1 : 1;
		}
		/* Dropping an allow override can block a name Unbound has
		 * cached while it was allowed. */
		if (r == 1 && allow && o->changed)
			o->changed(o->changed_arg, name, 0);
	}
	pthread_mutex_unlock(&o->lock);
	return r;
}

void
overrides_list(struct overrides *o, FILE *out)
{
	size_t i;

	pthread_mutex_lock(&o->lock);
	for (i = 0; i < o->n; i++)
		write_override_line(&o->list[i], out);
	pthread_mutex_unlock(&o->lock);
}

struct overrides *
overrides_create(struct policy_store *store, const char *state_dir,
	policy_changed_fn changed, void *changed_arg, char *err,
	size_t errlen)
{
	static const char *const names[2] = { OVERRIDES_ALLOW,
		OVERRIDES_DENY };
	static const enum policy_list lists[2] = { POLICY_LIST_ALLOW,
		POLICY_LIST_DENY };
	struct overrides *o = calloc(1, sizeof(*o));
	int i;

	if (!o) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	o->store = store;
	o->changed = changed;
	o->changed_arg = changed_arg;
	pthread_mutex_init(&o->lock, NULL);
	for (i = 0; i < 2; i++)
		if (policy_source_add(store, names[i], lists[i], 0,
		    &o->id[i]) != 0) {
			snprintf(err, errlen, "cannot add source %s",
				names[i]);
			goto fail;
		}
	if (state_dir) {
		size_t len = strlen(state_dir) + sizeof("/overrides");
		if (!(o->file = malloc(len))) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
		snprintf(o->file, len, "%s/overrides", state_dir);
	}
	load_overrides(o);
	if (publish_overrides(o, 1) || publish_overrides(o, 0)) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	return o;
fail:
	overrides_destroy(o);
	return NULL;
}

void
overrides_destroy(struct overrides *o)
{
	if (!o)
		return;
	pthread_mutex_destroy(&o->lock);
	free(o->list);
	free(o->file);
	free(o);
}

uint16_t
overrides_source(const struct overrides *o, int allow)
{
	return o->id[allow ? 0 : 1];
}

uint64_t
overrides_broken(const struct overrides *o)
{
	return o->broken;
}
