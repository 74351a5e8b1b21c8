/*
 * feeds/feed.c - what every feed type shares: the configuration value
 * parsers, the counters behind a lock, and the watcher of a file.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 */
#include "tapir_config.h"
#include "feeds/feed.h"
#include "module/base/names.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* ---- configuration values ---- */

int
feed_conf_values(const struct feed_conf_key *k, int min, int max,
	char *err, size_t errlen)
{
	if (k->n >= min && k->n <= max)
		return 0;
	if (min == max)
		snprintf(err, errlen, "takes %d value%s, got %d", min,
			min == 1 ? "" : "s", k->n);
	else
		snprintf(err, errlen, "takes %d to %d values, got %d", min,
			max, k->n);
	return -1;
}

int
feed_conf_uint(const char *s, unsigned long min, unsigned long max,
	unsigned long *out, char *err, size_t errlen)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9') {
		snprintf(err, errlen, "'%s' is not a number", s);
		return -1;
	}
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end) {
		snprintf(err, errlen, "'%s' is not a number", s);
		return -1;
	}
	if (v > max) {
		snprintf(err, errlen, "%lu is larger than %lu", v, max);
		return -1;
	}
	if (v < min) {
		snprintf(err, errlen, "must be at least %lu", min);
		return -1;
	}
	*out = v;
	return 0;
}

int
feed_conf_bool(const char *s, int *out, char *err, size_t errlen)
{
	if (strcmp(s, "yes") == 0)
		*out = 1;
	else if (strcmp(s, "no") == 0)
		*out = 0;
	else {
		snprintf(err, errlen, "expected yes or no, not '%s'", s);
		return -1;
	}
	return 0;
}

int
feed_conf_string(char **field, const char *value, char *err, size_t errlen)
{
	char *copy = strdup(value);

	if (!copy) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	free(*field);
	*field = copy;
	return 0;
}

int
feed_conf_name(const char *s, uint8_t *wire, size_t *len, char *err,
	size_t errlen)
{
	int r = name_from_text(s, strlen(s), wire, len);

	if (r != NAME_OK) {
		snprintf(err, errlen, "bad name '%s': %s", s, name_strerror(r));
		return -1;
	}
	return 0;
}

int
feed_conf_addr(const char *s, int port, struct sockaddr_storage *out,
	socklen_t *len, char *err, size_t errlen)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *at = strchr(s, '@');
	unsigned long p = (unsigned long)port;
	size_t hlen = at ? (size_t)(at - s) : strlen(s);
	struct sockaddr_in *sin = (struct sockaddr_in *)out;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)out;

	if (hlen >= sizeof(host)) {
		snprintf(err, errlen, "'%s' is not an address", s);
		return -1;
	}
	memcpy(host, s, hlen);
	host[hlen] = 0;
	if (at && feed_conf_uint(at + 1, 1, 65535, &p, err, errlen) != 0)
		return -1;
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)p);
		*len = sizeof(*sin);
	} else if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)p);
		*len = sizeof(*sin6);
	} else {
		snprintf(err, errlen, "'%s' is not an address", s);
		return -1;
	}
	return 0;
}

int
feed_conf_tsig_algorithm(char **field, const char *value, char *err,
	size_t errlen)
{
	static const char *const known[] = { "hmac-md5", "hmac-sha1",
		"hmac-sha224", "hmac-sha256", "hmac-sha384", "hmac-sha512" };
	size_t i;

	for (i = 0; i < sizeof(known) / sizeof(*known); i++)
		if (strcasecmp(value, known[i]) == 0)
			return feed_conf_string(field, known[i], err, errlen);
	snprintf(err, errlen, "unknown TSIG algorithm '%s'", value);
	return -1;
}

int
feed_conf_tsig_secret(char **field, const char *value, char *err,
	size_t errlen)
{
	const char *ch;

	if (!*value) {
		snprintf(err, errlen, "empty secret");
		return -1;
	}
	for (ch = value; *ch; ch++)
		if (!((*ch >= 'A' && *ch <= 'Z') || (*ch >= 'a' && *ch <= 'z') ||
		    (*ch >= '0' && *ch <= '9') || *ch == '+' || *ch == '/' ||
		    *ch == '=')) {
			snprintf(err, errlen, "the secret is not base64");
			return -1;
		}
	return feed_conf_string(field, value, err, errlen);
}

void
feed_tsig_alg_name(const char *alg, char *buf, size_t size)
{
	if (strcasecmp(alg, "hmac-md5") == 0)
		snprintf(buf, size, "hmac-md5.sig-alg.reg.int.");
	else
		snprintf(buf, size, "%s.", alg);
}

/* ---- counters ---- */

void
feed_counters_init(struct feed_counters *c)
{
	memset(&c->s, 0, sizeof(c->s));
	pthread_mutex_init(&c->lock, NULL);
}

void
feed_counters_destroy(struct feed_counters *c)
{
	pthread_mutex_destroy(&c->lock);
}

void
feed_counters_get(struct feed_counters *c, struct feed_stats *out)
{
	pthread_mutex_lock(&c->lock);
	*out = c->s;
	pthread_mutex_unlock(&c->lock);
}

void
feed_counters_update(struct feed_counters *c)
{
	pthread_mutex_lock(&c->lock);
	c->s.updates++;
	c->s.last_update = (int64_t)time(NULL);
	c->s.last_error[0] = 0;
	pthread_mutex_unlock(&c->lock);
}

void
feed_counters_fail(struct feed_counters *c, const char *why)
{
	pthread_mutex_lock(&c->lock);
	c->s.failures++;
	c->s.last_failure = (int64_t)time(NULL);
	snprintf(c->s.last_error, sizeof(c->s.last_error), "%s", why);
	snprintf(c->s.last_failure_reason, sizeof(c->s.last_failure_reason),
		"%s", why);
	pthread_mutex_unlock(&c->lock);
}

void
feed_counters_note(struct feed_counters *c, const char *why)
{
	pthread_mutex_lock(&c->lock);
	snprintf(c->s.last_error, sizeof(c->s.last_error), "%s", why);
	pthread_mutex_unlock(&c->lock);
}

/* ---- the watcher of a file ---- */

static void *
watch_thread(void *arg)
{
	struct feed_watch *w = arg;

	while (!tapir_thread_sleep(&w->thread, w->poll_ms)) {
		int err;
		switch (file_watch_poll(&w->state, w->path, &err)) {
		case FILE_WATCH_NEW:
			w->load(w->arg);
			break;
		case FILE_WATCH_GONE:
			w->gone(w->arg, err);
			break;
		default:
			break;
		}
	}
	return NULL;
}

void
feed_watch_init(struct feed_watch *w)
{
	memset(&w->state, 0, sizeof(w->state));
	tapir_thread_init(&w->thread);
}

void
feed_watch_tried(struct feed_watch *w, int err, const struct file_id *id)
{
	file_watch_tried(&w->state, err, id);
}

int
feed_start_result(int r, const char *source, char *err, size_t errlen)
{
	if (r == 0)
		return 0;
	snprintf(err, errlen, "source %s: cannot start thread: %s", source,
		strerror(r));
	return -1;
}

int
feed_watch_start(struct feed_watch *w)
{
	return tapir_thread_start(&w->thread, watch_thread, w);
}

void
feed_watch_destroy(struct feed_watch *w)
{
	tapir_thread_stop(&w->thread);
	tapir_thread_destroy(&w->thread);
}
