/*
 * feeds/rpz/feed_rpz.c - a source fed by an RPZ zone, as a secondary.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 *
 * One thread per feed checks the primaries' SOA over TCP when the
 * refresh (or, after a failure, the retry) interval has passed or a
 * NOTIFY arrived (over UDP, or over TCP as Knot DNS sends it; from the
 * allowed addresses, by default the primaries'), and transfers the zone
 * when the serial moved: IXFR
 * from the serial in force, AXFR when there is none, when the primary
 * cannot do IXFR, or when it answers the IXFR with the whole zone.
 * Every socket wait is a poll() of at most STOP_CHECK_MS, after which the
 * stop flag is looked at, so feed_rpz_destroy() never waits for a
 * primary.
 *
 * Messages are built, parsed, signed and verified with ldns; the records
 * go one by one through the zone's transfer state (feeds/rpz/rpz.h),
 * which reports changed owners into one policy batch and reads owners'
 * entries back from the store.  The batch is published only after the
 * transfer ended with its final SOA and every message's TSIG verified;
 * anything else aborts it.  The store holds the zone: the feed keeps
 * nothing per owner.
 *
 * TSIG: every message of a response must be signed (Knot, BIND and
 * PowerDNS sign each one; RFC 8945 also allows up to 99 unsigned
 * messages in between, which ldns cannot verify, so such a transfer is
 * refused with a clear error).
 */
#include "tapir_config.h"
#include "feeds/rpz/feed_rpz.h"
#include "feeds/rpz/rpz.h"
#include "feeds/feed.h"
#include "module/base/fileio.h"
#include "module/base/log.h"
#include "module/base/statefile.h"
#include "module/base/thread.h"
#include "module/base/netaddr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ldns/ldns.h>

/* Longest a socket wait lasts before the stop flag is checked again. */
#define STOP_CHECK_MS 200
/* How long a SOA query may take. */
#define SOA_TIMEOUT_MS 5000
/* Longest a NOTIFY over TCP may take. */
#define NOTIFY_TCP_MS 2000
/* Seconds between attempts to bind the NOTIFY sockets. */
#define BIND_RETRY_S 5
/* TSIG fudge we sign with, seconds (RFC 8945's recommendation). */
#define TSIG_FUDGE 300
/* Bad records of a saved zone logged one by one; the rest are counted. */
#define BAD_RECORDS_LOGGED 10

struct feed_rpz {
	struct feed_rpz_params p;   /* the strings below are our copies */
	char *source_name;
	char *tsig_name;
	char *tsig_alg;             /* ldns's spelling, e.g. "hmac-sha256." */
	char *tsig_secret;
	char *zone_file;
	size_t zone_len;            /* of p.zone */
	char zone_text[NAME_TEXT_MAX];
	struct tapir_thread thread;
	/* Owned by the feed's thread once it runs (before: the caller). */
	struct rpz_zone *view;
	/* The zone in force: the store's entries and the SOA change
	 * together under it (a reload's new feed reads both,
	 * feed_rpz_carry()).  The feed's thread reads soa without it. */
	pthread_mutex_t state_lock;
	ldns_rr *soa;               /* SOA of the zone in force, or NULL */
	int notify_fd;              /* UDP */
	int notify_tcp_fd;          /* listening TCP */
	int notify_pending;
	pthread_mutex_t stats_lock;
	struct feed_rpz_stats stats;
};

/* Outcome of a network step. */
enum step {
	STEP_OK = 0,
	STEP_FAIL = -1,     /* error, message in the context */
	STEP_STOP = -2      /* the feed is being destroyed */
};

/* One TCP exchange with a primary. */
struct conn {
	struct feed_rpz *f;
	int fd;
	uint64_t deadline;          /* monotonic ms */
	uint64_t bytes;             /* received */
	uint64_t max_bytes;
	char who[INET6_ADDRSTRLEN + 8];
	char err[200];
};

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int
stopping(struct feed_rpz *f)
{
	int s;

	pthread_mutex_lock(&f->thread.lock);
	s = f->thread.stop;
	pthread_mutex_unlock(&f->thread.lock);
	return s;
}

/* RFC 1982: whether serial a is newer than b. */
static int
serial_gt(uint32_t a, uint32_t b)
{
	return a != b && (int32_t)(a - b) > 0;
}

static uint32_t
soa_field(const ldns_rr *soa, size_t i)
{
	const ldns_rdf *r = ldns_rr_rd_count(soa) > i ? ldns_rr_rdf(soa, i) :
		NULL;

	return r && ldns_rdf_size(r) == 4 ? ldns_rdf2native_int32(r) : 0;
}

static void
set_error(struct feed_rpz *f, const char *msg)
{
	tapir_log(TAPIR_LOG_ERR, "source %s: %s", f->source_name, msg);
	pthread_mutex_lock(&f->stats_lock);
	f->stats.failures++;
	f->stats.last_failure = (int64_t)time(NULL);
	snprintf(f->stats.last_error, sizeof(f->stats.last_error), "%s", msg);
	snprintf(f->stats.last_failure_reason,
		sizeof(f->stats.last_failure_reason), "%s", msg);
	pthread_mutex_unlock(&f->stats_lock);
}

/* ---- creating and freeing ---- */

/* ldns names the HMAC algorithms as TSIG's algorithm names. */
static char *
tsig_alg_name(const char *alg)
{
	char buf[64];

	feed_tsig_alg_name(alg, buf, sizeof(buf));
	return strdup(buf);
}

struct feed_rpz *
feed_rpz_create(const struct feed_rpz_params *params)
{
	struct feed_rpz *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->p = *params;
	f->notify_fd = -1;
	f->notify_tcp_fd = -1;
	f->zone_len = name_canonicalise_wire(params->zone, NAME_WIRE_MAX,
		f->p.zone);
	f->source_name = strdup(params->source_name);
	if (params->tsig_name) {
		f->tsig_name = strdup(params->tsig_name);
		f->tsig_alg = tsig_alg_name(params->tsig_algorithm ?
			params->tsig_algorithm : "hmac-sha256");
		f->tsig_secret = params->tsig_secret ?
			strdup(params->tsig_secret) : NULL;
	}
	if (params->zone_file)
		f->zone_file = strdup(params->zone_file);
	f->view = f->zone_len ? rpz_zone_create(f->p.zone, f->zone_len) :
		NULL;
	if (!f->source_name || !f->view || (params->zone_file &&
	    !f->zone_file) || (params->tsig_name && (!f->tsig_name ||
	    !f->tsig_alg || !f->tsig_secret))) {
		rpz_zone_free(f->view);
		free(f->source_name);
		free(f->tsig_name);
		free(f->tsig_alg);
		free(f->tsig_secret);
		free(f->zone_file);
		free(f);
		return NULL;
	}
	f->p.source_name = f->source_name;
	f->p.tsig_name = f->tsig_name;
	f->p.tsig_secret = f->tsig_secret;
	f->p.zone_file = f->zone_file;
	name_to_text(f->p.zone, f->zone_text, sizeof(f->zone_text));
	tapir_thread_init(&f->thread);
	pthread_mutex_init(&f->stats_lock, NULL);
	pthread_mutex_init(&f->state_lock, NULL);
	return f;
}

void
feed_rpz_destroy(struct feed_rpz *f)
{
	if (!f)
		return;
	tapir_thread_stop(&f->thread);
	tapir_thread_destroy(&f->thread);
	if (f->notify_fd >= 0)
		close(f->notify_fd);
	if (f->notify_tcp_fd >= 0)
		close(f->notify_tcp_fd);
	pthread_mutex_destroy(&f->stats_lock);
	pthread_mutex_destroy(&f->state_lock);
	rpz_zone_free(f->view);
	if (f->soa)
		ldns_rr_free(f->soa);
	free(f->source_name);
	free(f->tsig_name);
	free(f->tsig_alg);
	free(f->tsig_secret);
	free(f->zone_file);
	free(f);
}

void
feed_rpz_get_stats(struct feed_rpz *f, struct feed_rpz_stats *out)
{
	pthread_mutex_lock(&f->stats_lock);
	*out = f->stats;
	pthread_mutex_unlock(&f->stats_lock);
}

/* ---- applying a zone ---- */

/* A transfer being applied: the view's transaction and its batch. */
struct apply {
	struct feed_rpz *f;
	struct policy_batch *batch;
	int full;
	uint64_t records;
};

static int
sink_put(void *arg, const uint8_t *name, const struct policy_entry *e)
{
	struct apply *a = arg;

	return policy_batch_put(a->batch, name, e);
}

static int
sink_remove(void *arg, const uint8_t *name, int subtree)
{
	struct apply *a = arg;

	return policy_batch_remove(a->batch, name, subtree);
}

static int
sink_current(void *arg, const uint8_t *name, int subtree,
	struct policy_entry *e, uint8_t *data, size_t cap)
{
	struct apply *a = arg;

	return policy_source_get(a->f->p.store, a->f->p.source, name, subtree,
		e, data, cap);
}

static int
sink_pending(void *arg, const uint8_t *name, int subtree,
	struct policy_entry *e, uint8_t *data, size_t cap)
{
	struct apply *a = arg;

	return policy_batch_get(a->batch, name, subtree, e, data, cap);
}

static int
apply_begin(struct feed_rpz *f, struct apply *a, int full)
{
	struct rpz_sink sink = { sink_put, sink_remove, sink_current,
		sink_pending, a };

	memset(a, 0, sizeof(*a));
	a->f = f;
	a->full = full;
	if (!(a->batch = policy_batch_begin(f->p.store, f->p.source, full)))
		return -1;
	rpz_zone_begin(f->view, full, &sink);
	return 0;
}

static void
apply_abort(struct apply *a)
{
	if (!a->batch)
		return;
	policy_batch_abort(a->batch);
	a->batch = NULL;
	rpz_zone_rollback(a->f->view);
}

/* The zone in force: its SOA, then every entry of the store's source,
 * read from a snapshot (the store's writers do not wait for the disk). */
static int
write_zone(FILE *out, void *arg)
{
	struct feed_rpz *f = arg;
	struct policy_snapshot *snap;
	struct policy_snapshot_pos pos;
	struct policy_entry e;
	const uint8_t *name;
	int r = 0;

	if (!(snap = policy_snapshot_take(f->p.store)))
		return -1;
	ldns_rr_print(out, f->soa);
	memset(&pos, 0, sizeof(pos));
	while (r == 0 && policy_snapshot_next(snap, f->p.source, 0, &pos,
	    &name, &e))
		r = rpz_zone_write_entry(f->view, name, &e, out);
	policy_snapshot_release(snap);
	return r != 0 || ferror(out) ? -1 : 0;
}

/* Write the zone in force to zone_file (statefile_write()): a crash or a
 * full disk leaves the previous zone, never a part of this one. */
static void
save_zone(struct feed_rpz *f)
{
	char why[512];

	if (!f->zone_file || !f->soa)
		return;
	if (statefile_write(f->zone_file, write_zone, f, why, sizeof(why)) !=
	    STATEFILE_OK)
		tapir_log(TAPIR_LOG_ERR, "source %s: cannot save the zone: %s",
			f->source_name, why);
}

/* Publish a completed transfer; soa (taken) becomes the zone's SOA. */
static int
apply_commit(struct apply *a, ldns_rr *soa, const char *how)
{
	struct feed_rpz *f = a->f;
	const struct rpz_counts *c;
	struct policy_batch *b = a->batch;
	int r = rpz_zone_end(f->view);

	/* From here on the batch is gone, whatever happens. */
	a->batch = NULL;
	if (r != 0) {
		policy_batch_abort(b);
		rpz_zone_rollback(f->view);
		ldns_rr_free(soa);
		set_error(f, "out of memory applying the zone");
		return -1;
	}
	pthread_mutex_lock(&f->state_lock);
	if (policy_batch_commit(b, f->p.changed, f->p.changed_arg) != 0) {
		pthread_mutex_unlock(&f->state_lock);
		rpz_zone_rollback(f->view);
		ldns_rr_free(soa);
		set_error(f, "out of memory publishing the zone");
		return -1;
	}
	rpz_zone_commit(f->view);
	if (f->soa)
		ldns_rr_free(f->soa);
	f->soa = soa;
	pthread_mutex_unlock(&f->state_lock);
	c = rpz_zone_counts(f->view);
	pthread_mutex_lock(&f->stats_lock);
	f->stats.serial = soa_field(soa, 2);
	if (strcmp(how, "IXFR") == 0)
		f->stats.ixfr++;
	else if (strcmp(how, "AXFR") == 0)
		f->stats.axfr++;
	else if (strcmp(how, "saved zone") != 0)
		f->stats.loads++;
	f->stats.skipped_records += c->unsupported + c->outside;
	f->stats.skipped_trigger += c->unsupported;
	f->stats.skipped_outside += c->outside;
	f->stats.skipped_ignored += c->ignored;
	f->stats.entries = rpz_zone_entries(f->view);
	f->stats.last_update = (int64_t)time(NULL);
	f->stats.last_error[0] = 0;
	pthread_mutex_unlock(&f->stats_lock);
	tapir_log(TAPIR_LOG_INFO, "source %s: zone %s serial %u applied by "
		"%s: %zu entries, %llu records skipped (other trigger types "
		"%llu, outside the zone %llu)", f->source_name, f->zone_text,
		(unsigned)soa_field(soa, 2), how, rpz_zone_entries(f->view),
		(unsigned long long)(c->unsupported + c->outside),
		(unsigned long long)c->unsupported,
		(unsigned long long)c->outside);
	if (strcmp(how, "saved zone") != 0)
		save_zone(f);
	return 0;
}

static int
is_apex_soa(struct feed_rpz *f, const ldns_rr *rr)
{
	uint8_t owner[NAME_WIRE_MAX];
	const ldns_rdf *o = ldns_rr_owner(rr);
	size_t len;

	if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_SOA || !o ||
	    ldns_rdf_get_type(o) != LDNS_RDF_TYPE_DNAME)
		return 0;
	len = name_canonicalise_wire(ldns_rdf_data(o), ldns_rdf_size(o),
		owner);
	return len == f->zone_len && memcmp(owner, f->p.zone, len) == 0 &&
	    ldns_rr_rd_count(rr) >= 7;
}

/* The saved zone cannot be used at all: kept aside, so that it can be
 * looked at after the next transfer replaced it. */
static void
keep_zone_aside(struct feed_rpz *f, const char *why)
{
	char who[200];

	pthread_mutex_lock(&f->stats_lock);
	f->stats.state_broken++;
	snprintf(f->stats.last_error, sizeof(f->stats.last_error),
		"saved zone: %.200s", why);
	pthread_mutex_unlock(&f->stats_lock);
	snprintf(who, sizeof(who), "source %.150s", f->source_name);
	statefile_keep_aside(f->zone_file, who, why, NULL, 0);
}

/* Read a zone in presentation format into the view and the store, as
 * one replace-all batch.  what names it in messages and is the "how" of
 * apply_commit().  A saved zone (strict 0) loses a record it cannot
 * read, counted in *bad; a zone an operator or a provider publishes
 * (strict 1) is refused whole for one.  0 when applied; -1 with the
 * reason in why ("" when out of memory). */
static int
load_zone(struct feed_rpz *f, FILE *in, const char *what, int strict,
	uint64_t *bad, char *why, size_t whylen)
{
	ldns_rdf *origin = NULL, *prev = NULL;
	uint32_t ttl = 3600;
	ldns_rr *soa = NULL;
	struct apply a;
	int line = 0, r = -1;

	memset(&a, 0, sizeof(a));
	*bad = 0;
	why[0] = 0;
	while (!feof(in)) {
		ldns_rr *rr = NULL;
		ldns_status st = ldns_rr_new_frm_fp_l(&rr, in, &ttl, &origin,
			&prev, &line);

		if (st == LDNS_STATUS_SYNTAX_EMPTY ||
		    st == LDNS_STATUS_SYNTAX_TTL ||
		    st == LDNS_STATUS_SYNTAX_ORIGIN)
			continue;
		if (st != LDNS_STATUS_OK) {
			/* Nothing more to read. */
			if (feof(in) && !rr && st == LDNS_STATUS_SYNTAX_ERR)
				break;
			if (rr)
				ldns_rr_free(rr);
			if (strict) {
				snprintf(why, whylen, "%s line %d: %s", what,
					line, ldns_get_errorstr_by_id(st));
				goto out;
			}
			/* One bad record costs that record, not the zone:
			 * the file was written whole (statefile_write()), so
			 * this is damage to one line, and the rest is as
			 * the primary sent it. */
			if (++*bad <= BAD_RECORDS_LOGGED)
				tapir_log(TAPIR_LOG_ERR, "source %s: %s:%d: %s; "
					"record skipped", f->source_name, what,
					line, ldns_get_errorstr_by_id(st));
			continue;
		}
		if (!soa) {
			if (!is_apex_soa(f, rr)) {
				snprintf(why, whylen, "does not start with "
					"the SOA of %.200s", f->zone_text);
				ldns_rr_free(rr);
				goto out;
			}
			soa = rr;
			if (apply_begin(f, &a, 1) != 0)
				goto out;
			continue;
		}
		if (rpz_zone_add(f->view, rr) != 0) {
			ldns_rr_free(rr);
			goto out;
		}
		ldns_rr_free(rr);
	}
	if (!soa) {
		snprintf(why, whylen, "no SOA");
		goto out;
	}
	r = apply_commit(&a, soa, strict ? what : "saved zone");
	soa = NULL;
out:
	if (origin)
		ldns_rdf_deep_free(origin);
	if (prev)
		ldns_rdf_deep_free(prev);
	apply_abort(&a);
	if (soa)
		ldns_rr_free(soa);
	return r;
}

int
feed_rpz_load_saved(struct feed_rpz *f)
{
	uint64_t bad;
	char why[512];
	int fd, r;
	FILE *in;

	if (!f->zone_file)
		return -1;
	/* None saved yet is the normal first start; anything else there
	 * that is not a zone file is worth a word. */
	if ((r = file_open(f->zone_file, &fd, NULL)) != 0) {
		if (r != ENOENT) {
			snprintf(why, sizeof(why), "saved zone %s: %s",
				f->zone_file, file_strerror(r));
			set_error(f, why);
		}
		return -1;
	}
	if (!(in = fdopen(fd, "r"))) {
		close(fd);
		return -1;
	}
	r = load_zone(f, in, f->zone_file, 0, &bad, why, sizeof(why));
	fclose(in);
	if (r != 0) {
		if (why[0])
			keep_zone_aside(f, why);
		else
			tapir_log(TAPIR_LOG_ERR, "source %s: out of memory "
				"loading %s", f->source_name, f->zone_file);
		return -1;
	}
	if (bad) {
		tapir_log(TAPIR_LOG_ERR, "source %s: %s: %llu bad record%s "
			"skipped, the rest of the zone loaded", f->source_name,
			f->zone_file, (unsigned long long)bad, bad == 1 ? "" :
			"s");
		pthread_mutex_lock(&f->stats_lock);
		f->stats.bad_records += bad;
		snprintf(f->stats.last_error, sizeof(f->stats.last_error),
			"saved zone: %llu bad record%s skipped",
			(unsigned long long)bad, bad == 1 ? "" : "s");
		pthread_mutex_unlock(&f->stats_lock);
	}
	return 0;
}

int
feed_rpz_load_text(struct feed_rpz *f, FILE *in, const char *what)
{
	uint64_t bad;
	char why[512], msg[700];

	if (load_zone(f, in, what, 1, &bad, why, sizeof(why)) == 0)
		return 0;
	snprintf(msg, sizeof(msg), "%s refused, the zone in force kept: %s",
		what, why[0] ? why : "out of memory");
	set_error(f, msg);
	return -1;
}

int
feed_rpz_carry(struct feed_rpz *f, struct feed_rpz *prev)
{
	struct feed_rpz_stats st;
	ldns_rr *soa = NULL;
	size_t entries = 0;
	int r = -1;

	/* The entries and the SOA as one: prev's thread may be applying a
	 * transfer right now. */
	pthread_mutex_lock(&prev->state_lock);
	if (prev->soa && (soa = ldns_rr_clone(prev->soa)) &&
	    policy_source_share(f->p.store, f->p.source, prev->p.store,
	    prev->p.source) == 0) {
		entries = rpz_zone_entries(prev->view);
		r = 0;
	}
	pthread_mutex_unlock(&prev->state_lock);
	if (r != 0) {
		if (soa)
			ldns_rr_free(soa);
		return -1;
	}
	feed_rpz_get_stats(prev, &st);
	pthread_mutex_lock(&f->state_lock);
	f->soa = soa;
	rpz_zone_set_entries(f->view, entries);
	pthread_mutex_unlock(&f->state_lock);
	pthread_mutex_lock(&f->stats_lock);
	f->stats = st;
	f->stats.serial = soa_field(soa, 2);
	pthread_mutex_unlock(&f->stats_lock);
	tapir_log(TAPIR_LOG_INFO, "source %s: zone %s serial %u carried over: "
		"%zu entries", f->source_name, f->zone_text,
		(unsigned)soa_field(soa, 2), entries);
	return 0;
}

/* ---- TCP ---- */

/* Wait for fd to be ready for events, in slices that look at the stop
 * flag, until the connection's deadline. */
static enum step
conn_wait(struct conn *c, short events)
{
	for (;;) {
		struct pollfd pfd = { .fd = c->fd, .events = events };
		uint64_t now = now_ms();
		int r, ms;

		if (stopping(c->f))
			return STEP_STOP;
		if (now >= c->deadline) {
			snprintf(c->err, sizeof(c->err), "%s: timed out",
				c->who);
			return STEP_FAIL;
		}
		ms = c->deadline - now > STOP_CHECK_MS ? STOP_CHECK_MS :
			(int)(c->deadline - now);
		r = poll(&pfd, 1, ms);
		if (r > 0)
			return STEP_OK;
		if (r < 0 && errno != EINTR) {
			snprintf(c->err, sizeof(c->err), "%s: poll: %s",
				c->who, strerror(errno));
			return STEP_FAIL;
		}
	}
}

static enum step
conn_open(struct conn *c, const struct sockaddr_storage *addr,
	socklen_t len)
{
	enum step s;
	int err = 0;
	socklen_t elen = sizeof(err);

	netaddr_text(addr, c->who, sizeof(c->who));
	c->fd = socket(addr->ss_family, SOCK_STREAM | SOCK_NONBLOCK |
		SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		snprintf(c->err, sizeof(c->err), "socket: %s", strerror(errno));
		return STEP_FAIL;
	}
	if (connect(c->fd, (const struct sockaddr *)addr, len) == 0)
		return STEP_OK;
	if (errno != EINPROGRESS) {
		snprintf(c->err, sizeof(c->err), "%s: connect: %s", c->who,
			strerror(errno));
		return STEP_FAIL;
	}
	if ((s = conn_wait(c, POLLOUT)) != STEP_OK)
		return s;
	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &elen) != 0 ||
	    err) {
		snprintf(c->err, sizeof(c->err), "%s: connect: %s", c->who,
			strerror(err ? err : errno));
		return STEP_FAIL;
	}
	return STEP_OK;
}

static void
conn_close(struct conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

static enum step
conn_io(struct conn *c, uint8_t *buf, size_t len, int writing)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = writing ? send(c->fd, buf + done, len - done,
			MSG_NOSIGNAL) : recv(c->fd, buf + done, len - done, 0);
		enum step s;

		if (n > 0) {
			done += (size_t)n;
			continue;
		}
		if (n == 0) {
			snprintf(c->err, sizeof(c->err), "%s: connection "
				"closed by the primary", c->who);
			return STEP_FAIL;
		}
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
			snprintf(c->err, sizeof(c->err), "%s: %s", c->who,
				strerror(errno));
			return STEP_FAIL;
		}
		if ((s = conn_wait(c, writing ? POLLOUT : POLLIN)) != STEP_OK)
			return s;
	}
	return STEP_OK;
}

/* Send a query packet, signing it first when a key is configured. */
static enum step
conn_send(struct conn *c, ldns_pkt *q)
{
	struct feed_rpz *f = c->f;
	uint8_t *wire = NULL;
	size_t size;
	enum step s;

	ldns_pkt_set_random_id(q);
	if (f->tsig_name && ldns_pkt_tsig_sign(q, f->tsig_name,
	    f->tsig_secret, TSIG_FUDGE, f->tsig_alg, NULL) != LDNS_STATUS_OK) {
		snprintf(c->err, sizeof(c->err), "cannot sign with TSIG key "
			"%s (bad secret?)", f->tsig_name);
		return STEP_FAIL;
	}
	if (ldns_pkt2wire(&wire, q, &size) != LDNS_STATUS_OK ||
	    size > 65535) {
		free(wire);
		snprintf(c->err, sizeof(c->err), "cannot build the query");
		return STEP_FAIL;
	}
	{
		uint8_t msg[2 + 65535];
		msg[0] = (uint8_t)(size >> 8);
		msg[1] = (uint8_t)size;
		memcpy(msg + 2, wire, size);
		free(wire);
		s = conn_io(c, msg, size + 2, 1);
	}
	return s;
}

/* Verify a response message's TSIG.  mac is the request's MAC for the
 * first message, the previous message's after; it is replaced by this
 * message's MAC. */
static int
verify_tsig(struct conn *c, ldns_pkt *pkt, const uint8_t *wire, size_t len,
	ldns_rdf **mac, int first)
{
	struct feed_rpz *f = c->f;
	ldns_rr *t = ldns_pkt_tsig(pkt);
	const ldns_rdf *ts, *fudge, *err;
	uint64_t signed_at = 0;
	int64_t now = (int64_t)time(NULL);
	size_t i;

	if (!t || ldns_rr_rd_count(t) < 7) {
		snprintf(c->err, sizeof(c->err), "%s: unsigned message in a "
			"TSIG transfer (refused)", c->who);
		return -1;
	}
	err = ldns_rr_rdf(t, 5);
	if (ldns_rdf_size(err) == 2 && ldns_rdf2native_int16(err) != 0) {
		snprintf(c->err, sizeof(c->err), "%s: TSIG error %u from the "
			"primary (wrong key?)", c->who,
			(unsigned)ldns_rdf2native_int16(err));
		return -1;
	}
	if (!ldns_pkt_tsig_verify_next(pkt, wire, len, f->tsig_name,
	    f->tsig_secret, *mac, !first)) {
		snprintf(c->err, sizeof(c->err), "%s: TSIG verification failed "
			"(wrong key?)", c->who);
		return -1;
	}
	/* The MAC does not check the clock: a replayed answer would pass. */
	ts = ldns_rr_rdf(t, 1);
	fudge = ldns_rr_rdf(t, 2);
	for (i = 0; i < ldns_rdf_size(ts) && i < 6; i++)
		signed_at = signed_at << 8 | ldns_rdf_data(ts)[i];
	if (ldns_rdf_size(ts) != 6 || ldns_rdf_size(fudge) != 2 ||
	    (int64_t)signed_at > now + ldns_rdf2native_int16(fudge) ||
	    (int64_t)signed_at < now - ldns_rdf2native_int16(fudge)) {
		snprintf(c->err, sizeof(c->err), "%s: TSIG time outside the "
			"fudge (clocks differ?)", c->who);
		return -1;
	}
	ldns_rdf_deep_free(*mac);
	*mac = ldns_rdf_clone(ldns_rr_rdf(t, 3));
	return *mac ? 0 : -1;
}

/* Read and check one response message.  On STEP_OK *out is the packet. */
static enum step
conn_recv(struct conn *c, uint16_t id, ldns_rdf **mac, int first,
	ldns_pkt **out)
{
	uint8_t lenbuf[2], *buf;
	size_t len;
	enum step s;
	ldns_pkt *pkt = NULL;

	*out = NULL;
	if ((s = conn_io(c, lenbuf, 2, 0)) != STEP_OK)
		return s;
	len = (size_t)lenbuf[0] << 8 | lenbuf[1];
	c->bytes += len + 2;
	if (c->bytes > c->max_bytes) {
		snprintf(c->err, sizeof(c->err), "%s: transfer larger than "
			"%llu bytes (transfer-max-size)", c->who,
			(unsigned long long)c->max_bytes);
		return STEP_FAIL;
	}
	if (!(buf = malloc(len ? len : 1)))
		return STEP_FAIL;
	if ((s = conn_io(c, buf, len, 0)) != STEP_OK) {
		free(buf);
		return s;
	}
	if (ldns_wire2pkt(&pkt, buf, len) != LDNS_STATUS_OK) {
		snprintf(c->err, sizeof(c->err), "%s: malformed message",
			c->who);
		free(buf);
		return STEP_FAIL;
	}
	if (ldns_pkt_id(pkt) != id || !ldns_pkt_qr(pkt)) {
		snprintf(c->err, sizeof(c->err), "%s: not an answer to our "
			"query", c->who);
		goto fail;
	}
	if (c->f->tsig_name && ldns_pkt_get_rcode(pkt) != LDNS_RCODE_NOTAUTH &&
	    verify_tsig(c, pkt, buf, len, mac, first) != 0)
		goto fail;
	free(buf);
	*out = pkt;
	return STEP_OK;
fail:
	free(buf);
	ldns_pkt_free(pkt);
	return STEP_FAIL;
}

static ldns_rdf *
zone_rdf(struct feed_rpz *f)
{
	return ldns_dname_new_frm_data((uint16_t)f->zone_len, f->p.zone);
}

/* The request MAC our answers are verified against, or NULL. */
static ldns_rdf *
request_mac(struct feed_rpz *f, const ldns_pkt *q)
{
	ldns_rr *t = ldns_pkt_tsig(q);

	return f->tsig_name && t && ldns_rr_rd_count(t) > 3 ?
		ldns_rdf_clone(ldns_rr_rdf(t, 3)) : NULL;
}

static const char *
rcode_text(ldns_pkt_rcode r)
{
	ldns_lookup_table *lt = ldns_lookup_by_id(ldns_rcodes, (int)r);

	return lt ? lt->name : "?";
}

/* Ask a primary for the zone's SOA; *soa is a copy of it. */
static enum step
query_soa(struct feed_rpz *f, unsigned i, ldns_rr **soa, char *err,
	size_t errlen)
{
	struct conn c = { .f = f, .fd = -1, .max_bytes = 65537 };
	ldns_pkt *q, *r = NULL;
	ldns_rdf *mac = NULL;
	enum step s;
	size_t k;

	*soa = NULL;
	c.deadline = now_ms() + SOA_TIMEOUT_MS;
	q = ldns_pkt_query_new(zone_rdf(f), LDNS_RR_TYPE_SOA,
		LDNS_RR_CLASS_IN, 0);
	if (!q)
		return STEP_FAIL;
	if ((s = conn_open(&c, &f->p.primaries[i], f->p.primary_lens[i])) ==
	    STEP_OK && (s = conn_send(&c, q)) == STEP_OK) {
		mac = request_mac(f, q);
		s = conn_recv(&c, ldns_pkt_id(q), &mac, 1, &r);
	}
	if (s == STEP_OK) {
		if (ldns_pkt_get_rcode(r) != LDNS_RCODE_NOERROR) {
			snprintf(c.err, sizeof(c.err), "%s: SOA query answered "
				"%s", c.who, rcode_text(ldns_pkt_get_rcode(r)));
			s = STEP_FAIL;
		} else {
			ldns_rr_list *an = ldns_pkt_answer(r);
			for (k = 0; k < ldns_rr_list_rr_count(an); k++)
				if (is_apex_soa(f, ldns_rr_list_rr(an, k)))
					break;
			if (k < ldns_rr_list_rr_count(an))
				*soa = ldns_rr_clone(ldns_rr_list_rr(an, k));
			else {
				snprintf(c.err, sizeof(c.err), "%s: no SOA of "
					"the zone in the answer", c.who);
				s = STEP_FAIL;
			}
		}
	}
	snprintf(err, errlen, "%s", c.err);
	conn_close(&c);
	ldns_pkt_free(q);
	ldns_pkt_free(r);
	ldns_rdf_deep_free(mac);
	return s;
}

/* Where a transfer's records stand (RFC 1995 for IXFR). */
enum xfr_phase {
	XFR_FIRST,      /* expecting the opening SOA */
	XFR_SECOND,     /* what follows tells IXFR from a whole zone */
	XFR_FULL,       /* whole zone: records until the closing SOA */
	XFR_DEL,        /* IXFR: deletions until the new SOA */
	XFR_ADD,        /* IXFR: additions until the next old SOA or end */
	XFR_DONE
};

/* One transfer from a primary, from the query to the last record.  The
 * records decide what it is: the primary may answer an IXFR with the
 * whole zone, or with its SOA alone. */
struct xfr {
	struct feed_rpz *f;
	struct conn c;
	ldns_pkt *q;                /* our query */
	ldns_rdf *mac;              /* what the next message's TSIG follows */
	int first;                  /* no message read yet */
	int ixfr;                   /* IXFR asked for */
	const char *how;            /* "IXFR" or "AXFR", as answered */
	enum xfr_phase phase;
	uint32_t ours;              /* the serial in force, 0 if none */
	uint32_t final;             /* the opening SOA's serial */
	uint32_t last;              /* IXFR: where this difference ends */
	ldns_rr *new_soa;           /* the opening SOA, the zone's if applied */
	struct apply a;             /* begun once the kind is known */
};

/* Fail with a reason, which xfr_end() hands to the caller to log. */
static enum step __attribute__((format(printf, 2, 3)))
xfr_fail(struct xfr *x, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(x->c.err, sizeof(x->c.err), fmt, ap);
	va_end(ap);
	return STEP_FAIL;
}

/* What the records could not be applied for: the view or the batch ran
 * out of memory. */
static enum step
xfr_oom(struct xfr *x)
{
	return xfr_fail(x, "out of memory applying the %s", x->how);
}

/* Connect and ask.  The deadline is for the whole transfer, not each
 * read: a primary that trickles bytes would otherwise hold the feed, and
 * its other primaries, for ever. */
static enum step
xfr_send(struct xfr *x, unsigned i)
{
	struct feed_rpz *f = x->f;
	enum step s;

	x->c.deadline = now_ms() + (uint64_t)f->p.transfer_timeout * 1000;
	x->q = x->ixfr ? ldns_pkt_ixfr_request_new(zone_rdf(f),
		LDNS_RR_CLASS_IN, 0, ldns_rr_clone(f->soa)) :
		ldns_pkt_query_new(zone_rdf(f), LDNS_RR_TYPE_AXFR,
		LDNS_RR_CLASS_IN, 0);
	if (!x->q)
		return STEP_FAIL;
	if ((s = conn_open(&x->c, &f->p.primaries[i],
	    f->p.primary_lens[i])) != STEP_OK ||
	    (s = conn_send(&x->c, x->q)) != STEP_OK)
		return s;
	/* conn_send() signed the query: the first answer's TSIG covers
	 * the MAC it got. */
	x->mac = request_mac(f, x->q);
	return STEP_OK;
}

/* The opening SOA: the serial the transfer brings.  To an IXFR, an SOA
 * no newer than ours alone means no news (RFC 1995). */
static enum step
xfr_open(struct xfr *x, const ldns_rr *rr, int soa, uint32_t serial)
{
	if (!soa)
		return xfr_fail(x, "%s: %s does not start with the SOA",
			x->c.who, x->how);
	x->final = serial;
	x->new_soa = ldns_rr_clone(rr);
	x->phase = x->ixfr && !serial_gt(x->final, x->ours) ? XFR_DONE :
		XFR_SECOND;
	return STEP_OK;
}

/* The second record tells IXFR from a whole zone: the SOA of our own
 * serial opens an IXFR's first difference (RFC 1995); anything else is
 * a whole zone, asked for or not.  The view's transaction starts here,
 * incremental or full to match. */
static enum step
xfr_classify(struct xfr *x, ldns_rr *rr, int soa, uint32_t serial)
{
	struct feed_rpz *f = x->f;

	if (x->ixfr && soa && serial == x->ours) {
		if (apply_begin(f, &x->a, 0) != 0)
			return xfr_oom(x);
		x->phase = XFR_DEL;
		x->how = "IXFR";
		return STEP_OK;
	}
	if (apply_begin(f, &x->a, 1) != 0)
		return xfr_oom(x);
	x->how = "AXFR";
	/* The opening SOA again at once: an empty zone. */
	if (soa && serial == x->final) {
		x->phase = XFR_DONE;
		return STEP_OK;
	}
	x->phase = XFR_FULL;
	return rpz_zone_add(f->view, rr) != 0 ? xfr_oom(x) : STEP_OK;
}

/* A record of the zone or of a difference, into the view; the apex SOAs
 * are where a part ends.  A whole zone ends with the opening SOA again.
 * IXFR differences chain (each one's deletions start at the serial the
 * one before ended at) until the new serial's SOA closes the last. */
static enum step
xfr_apply(struct xfr *x, ldns_rr *rr, int soa, uint32_t serial)
{
	struct feed_rpz *f = x->f;
	int rc;

	switch (x->phase) {
	case XFR_FULL:
		if (soa) {
			if (serial != x->final)
				return xfr_fail(x, "%s: closing SOA serial %u, "
					"opening %u", x->c.who, serial,
					x->final);
			x->phase = XFR_DONE;
			return STEP_OK;
		}
		rc = rpz_zone_add(f->view, rr);
		break;
	case XFR_DEL:
		if (soa) {
			x->last = serial;
			x->phase = XFR_ADD;
			return STEP_OK;
		}
		rc = rpz_zone_del(f->view, rr);
		break;
	default: /* XFR_ADD */
		if (soa && serial == x->final && x->last == x->final) {
			x->phase = XFR_DONE;
			return STEP_OK;
		}
		if (soa) {
			if (serial != x->last)
				return xfr_fail(x, "%s: IXFR sequence from "
					"serial %u follows %u", x->c.who,
					serial, x->last);
			x->phase = XFR_DEL;
			return STEP_OK;
		}
		rc = rpz_zone_add(f->view, rr);
	}
	return rc != 0 ? xfr_oom(x) : STEP_OK;
}

/* One answer record, by where the transfer stands. */
static enum step
xfr_record(struct xfr *x, ldns_rr *rr)
{
	int soa = is_apex_soa(x->f, rr);
	uint32_t serial = soa ? soa_field(rr, 2) : 0;

	switch (x->phase) {
	case XFR_FIRST:
		return xfr_open(x, rr, soa, serial);
	case XFR_SECOND:
		return xfr_classify(x, rr, soa, serial);
	case XFR_DONE:
		return xfr_fail(x, "%s: records after the closing SOA",
			x->c.who);
	default:
		return xfr_apply(x, rr, soa, serial);
	}
}

/* Read messages until the records close the transfer; a message may
 * hold any number of records, and a transfer any number of messages.
 * A primary without IXFR says so in its first answer's rcode: *fallback
 * asks for AXFR then.  One that refuses us (TSIG, ACL) would refuse the
 * AXFR as well, so other rcodes do not. */
static enum step
xfr_read(struct xfr *x, int *fallback)
{
	while (x->phase != XFR_DONE) {
		ldns_pkt *r;
		ldns_pkt_rcode rc;
		ldns_rr_list *an;
		enum step s;
		size_t k;

		if ((s = conn_recv(&x->c, ldns_pkt_id(x->q), &x->mac,
		    x->first, &r)) != STEP_OK)
			return s;
		x->first = 0;
		if ((rc = ldns_pkt_get_rcode(r)) != LDNS_RCODE_NOERROR) {
			*fallback = x->ixfr && x->phase == XFR_FIRST &&
				(rc == LDNS_RCODE_NOTIMPL ||
				rc == LDNS_RCODE_FORMERR ||
				rc == LDNS_RCODE_SERVFAIL);
			ldns_pkt_free(r);
			return xfr_fail(x, "%s: %s answered %s", x->c.who,
				x->how, rcode_text(rc));
		}
		an = ldns_pkt_answer(r);
		for (k = 0; s == STEP_OK && k < ldns_rr_list_rr_count(an); k++)
			s = xfr_record(x, ldns_rr_list_rr(an, k));
		ldns_pkt_free(r);
		if (s != STEP_OK)
			return s;
	}
	return STEP_OK;
}

/* Publish what the records built.  No transaction means the primary
 * had no news after all (its SOA moved back since the SOA query). */
static enum step
xfr_commit(struct xfr *x)
{
	int r;

	if (!x->a.batch)
		return STEP_OK;
	r = apply_commit(&x->a, x->new_soa, x->how);
	x->new_soa = NULL;          /* taken, applied or not */
	if (r != 0)
		return xfr_fail(x, "could not apply the %s", x->how);
	pthread_mutex_lock(&x->f->stats_lock);
	x->f->stats.last_transfer = (int64_t)time(NULL);
	x->f->stats.last_transfer_bytes = x->c.bytes;
	pthread_mutex_unlock(&x->f->stats_lock);
	return STEP_OK;
}

/* Whatever the outcome: an unfinished transaction rolled back, the
 * message for the caller, the connection and the packets let go. */
static void
xfr_end(struct xfr *x, char *err, size_t errlen)
{
	apply_abort(&x->a);
	snprintf(err, errlen, "%s", x->c.err);
	conn_close(&x->c);
	ldns_pkt_free(x->q);
	ldns_rdf_deep_free(x->mac);
	if (x->new_soa)
		ldns_rr_free(x->new_soa);
}

/* Transfer the zone from primary i: IXFR from the serial in force if
 * ixfr, else AXFR.  *fallback is set when an IXFR should be retried as
 * AXFR. */
static enum step
transfer(struct feed_rpz *f, unsigned i, int ixfr, int *fallback,
	char *err, size_t errlen)
{
	struct xfr x;
	enum step s;

	*fallback = 0;
	memset(&x, 0, sizeof(x));
	x.f = f;
	x.c.f = f;
	x.c.fd = -1;
	x.c.max_bytes = f->p.max_transfer_bytes;
	x.first = 1;
	x.ixfr = ixfr;
	x.how = ixfr ? "IXFR" : "AXFR";
	x.phase = XFR_FIRST;
	x.ours = f->soa ? soa_field(f->soa, 2) : 0;
	if ((s = xfr_send(&x, i)) == STEP_OK &&
	    (s = xfr_read(&x, fallback)) == STEP_OK)
		s = xfr_commit(&x);
	xfr_end(&x, err, errlen);
	return s;
}

static unsigned
clamp_interval(const struct feed_rpz *f, uint32_t v)
{
	if (v < f->p.refresh_min)
		return f->p.refresh_min ? f->p.refresh_min : 1;
	if (v > f->p.refresh_max)
		return f->p.refresh_max;
	return v ? v : 1;
}

/* Check the primaries in order and transfer if the zone changed.
 * @return seconds until the next check: the refresh interval after a
 * success, the retry interval after a failure. */
static unsigned
refresh(struct feed_rpz *f)
{
	char err[256];
	unsigned i;
	uint32_t retry = f->soa ? soa_field(f->soa, 4) : f->p.refresh_min;

	for (i = 0; i < f->p.num_primaries; i++) {
		ldns_rr *soa = NULL;
		uint32_t theirs;
		int fallback;
		enum step s = query_soa(f, i, &soa, err, sizeof(err));

		if (s == STEP_STOP)
			return 0;
		if (s != STEP_OK) {
			set_error(f, err);
			continue;
		}
		theirs = soa_field(soa, 2);
		ldns_rr_free(soa);
		if (f->soa && !serial_gt(theirs, soa_field(f->soa, 2))) {
			if (theirs != soa_field(f->soa, 2))
				tapir_log(TAPIR_LOG_WARN, "source %s: primary "
					"has serial %u, older than ours (%u)",
					f->source_name, (unsigned)theirs,
					(unsigned)soa_field(f->soa, 2));
			return clamp_interval(f, soa_field(f->soa, 3));
		}
		s = transfer(f, i, f->soa != NULL, &fallback, err,
			sizeof(err));
		if (s == STEP_FAIL && fallback) {
			tapir_log(TAPIR_LOG_INFO, "source %s: %s; trying AXFR",
				f->source_name, err);
			s = transfer(f, i, 0, &fallback, err, sizeof(err));
		}
		if (s == STEP_STOP)
			return 0;
		if (s == STEP_OK)
			return clamp_interval(f, soa_field(f->soa, 3));
		set_error(f, err);
	}
	return clamp_interval(f, retry);
}

/* ---- NOTIFY ---- */

static int
same_host(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return 0;
	if (a->ss_family == AF_INET)
		return memcmp(&((const struct sockaddr_in *)a)->sin_addr,
			&((const struct sockaddr_in *)b)->sin_addr, 4) == 0;
	if (a->ss_family == AF_INET6)
		return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
			&((const struct sockaddr_in6 *)b)->sin6_addr, 16) == 0;
	return 0;
}

static int
notify_allowed(struct feed_rpz *f, const struct sockaddr_storage *from)
{
	unsigned i;

	if (f->p.num_allow_notify) {
		for (i = 0; i < f->p.num_allow_notify; i++)
			if (same_host(&f->p.allow_notify[i], from))
				return 1;
		return 0;
	}
	for (i = 0; i < f->p.num_primaries; i++)
		if (same_host(&f->p.primaries[i], from))
			return 1;
	return 0;
}

/* Open one NOTIFY socket of a type; -1 (logged) if it cannot listen. */
static int
notify_socket(struct feed_rpz *f, int type)
{
	int fd, one = 1;
	char a[INET6_ADDRSTRLEN + 8];

	fd = socket(f->p.notify_listen.ss_family, type | SOCK_NONBLOCK |
		SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	/* A reload builds the new engine while the old one still listens. */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)&f->p.notify_listen,
	    f->p.notify_listen_len) == 0 &&
	    (type != SOCK_STREAM || listen(fd, 16) == 0))
		return fd;
	netaddr_text(&f->p.notify_listen, a, sizeof(a));
	tapir_log(TAPIR_LOG_ERR, "source %s: cannot listen for NOTIFY on %s "
		"(%s): %s (retrying)", f->source_name, a, type == SOCK_STREAM ?
		"TCP" : "UDP", strerror(errno));
	close(fd);
	return -1;
}

/* NOTIFY comes over UDP (RFC 1996) or, from some primaries (Knot DNS),
 * over TCP: listen on both. */
static void
notify_bind(struct feed_rpz *f)
{
	if (f->notify_fd < 0)
		f->notify_fd = notify_socket(f, SOCK_DGRAM);
	if (f->notify_tcp_fd < 0)
		f->notify_tcp_fd = notify_socket(f, SOCK_STREAM);
}

static void
notify_refused(struct feed_rpz *f, const char *from, const char *why)
{
	tapir_log(TAPIR_LOG_WARN, "source %s: NOTIFY from %s refused: %s",
		f->source_name, from, why);
	pthread_mutex_lock(&f->stats_lock);
	f->stats.notifies_refused++;
	pthread_mutex_unlock(&f->stats_lock);
}

/* The answer to a NOTIFY: the question echoed, QR and AA set; signed when
 * the NOTIFY was.  Returns its wire form (malloc'd) or NULL. */
static uint8_t *
notify_answer(struct feed_rpz *f, const ldns_pkt *q, ldns_pkt_rcode rcode,
	size_t *size)
{
	ldns_pkt *r = ldns_pkt_new();
	uint8_t *wire = NULL;
	size_t k;

	if (!r)
		return NULL;
	ldns_pkt_set_id(r, ldns_pkt_id(q));
	ldns_pkt_set_opcode(r, LDNS_PACKET_NOTIFY);
	ldns_pkt_set_qr(r, 1);
	ldns_pkt_set_aa(r, rcode == LDNS_RCODE_NOERROR);
	ldns_pkt_set_rcode(r, (uint8_t)rcode);
	for (k = 0; k < ldns_rr_list_rr_count(ldns_pkt_question(q)); k++)
		ldns_pkt_push_rr(r, LDNS_SECTION_QUESTION, ldns_rr_clone(
			ldns_rr_list_rr(ldns_pkt_question(q), k)));
	if (rcode == LDNS_RCODE_NOERROR && f->tsig_name && ldns_pkt_tsig(q))
		ldns_pkt_tsig_sign(r, f->tsig_name, f->tsig_secret, TSIG_FUDGE,
			f->tsig_alg, ldns_rr_rdf(ldns_pkt_tsig(q), 3));
	if (ldns_pkt2wire(&wire, r, size) != LDNS_STATUS_OK) {
		free(wire);
		wire = NULL;
	}
	ldns_pkt_free(r);
	return wire;
}

/* Check one NOTIFY message and note it; returns the answer's wire form
 * (malloc'd), or NULL when there is none to send. */
static uint8_t *
notify_handle(struct feed_rpz *f, const uint8_t *buf, size_t n,
	const struct sockaddr_storage *from, size_t *size)
{
	uint8_t qname[NAME_WIRE_MAX], *answer = NULL;
	char who[INET6_ADDRSTRLEN + 8];
	ldns_pkt *q = NULL;
	const ldns_rr *qr;
	size_t len;

	netaddr_text(from, who, sizeof(who));
	if (ldns_wire2pkt(&q, buf, n) != LDNS_STATUS_OK) {
		notify_refused(f, who, "malformed message");
		return NULL;
	}
	if (ldns_pkt_qr(q)) {
		/* Never answer an answer: that is how loops start. */
		notify_refused(f, who, "not a query");
		goto out;
	}
	if (ldns_pkt_get_opcode(q) != LDNS_PACKET_NOTIFY) {
		notify_refused(f, who, "not a NOTIFY");
		answer = notify_answer(f, q, LDNS_RCODE_REFUSED, size);
		goto out;
	}
	if (!notify_allowed(f, from)) {
		notify_refused(f, who, "address not allowed");
		answer = notify_answer(f, q, LDNS_RCODE_REFUSED, size);
		goto out;
	}
	qr = ldns_rr_list_rr_count(ldns_pkt_question(q)) == 1 ?
		ldns_rr_list_rr(ldns_pkt_question(q), 0) : NULL;
	if (!qr || ldns_rr_get_type(qr) != LDNS_RR_TYPE_SOA ||
	    !(len = name_canonicalise_wire(ldns_rdf_data(ldns_rr_owner(qr)),
	    ldns_rdf_size(ldns_rr_owner(qr)), qname)) ||
	    len != f->zone_len || memcmp(qname, f->p.zone, len) != 0) {
		notify_refused(f, who, "not for this zone");
		answer = notify_answer(f, q, LDNS_RCODE_NOTAUTH, size);
		goto out;
	}
	if (ldns_pkt_tsig(q) && f->tsig_name && !ldns_pkt_tsig_verify(q, buf,
	    n, f->tsig_name, f->tsig_secret, NULL)) {
		notify_refused(f, who, "bad TSIG");
		answer = notify_answer(f, q, LDNS_RCODE_NOTAUTH, size);
		goto out;
	}
	answer = notify_answer(f, q, LDNS_RCODE_NOERROR, size);
	tapir_log(TAPIR_LOG_INFO, "source %s: NOTIFY from %s", f->source_name,
		who);
	pthread_mutex_lock(&f->stats_lock);
	f->stats.notifies++;
	pthread_mutex_unlock(&f->stats_lock);
	f->notify_pending = 1;
out:
	ldns_pkt_free(q);
	return answer;
}

static void
notify_read_udp(struct feed_rpz *f)
{
	uint8_t buf[65535], *answer;
	struct sockaddr_storage from;
	socklen_t fromlen = sizeof(from);
	ssize_t n;
	size_t size;

	n = recvfrom(f->notify_fd, buf, sizeof(buf), 0,
		(struct sockaddr *)&from, &fromlen);
	if (n <= 0)
		return;
	if ((answer = notify_handle(f, buf, (size_t)n, &from, &size)))
		(void)sendto(f->notify_fd, answer, size, 0,
			(const struct sockaddr *)&from, fromlen);
	free(answer);
}

/* One NOTIFY over TCP: a single message and its answer, within
 * NOTIFY_TCP_MS, so a stalled sender holds the thread only that long. */
static void
notify_read_tcp(struct feed_rpz *f)
{
	struct sockaddr_storage from;
	socklen_t fromlen = sizeof(from);
	struct conn c = { .f = f, .max_bytes = 65537 };
	uint8_t lenbuf[2], buf[65535], *answer = NULL;
	size_t len, size;

	c.fd = accept4(f->notify_tcp_fd, (struct sockaddr *)&from, &fromlen,
		SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (c.fd < 0)
		return;
	netaddr_text(&from, c.who, sizeof(c.who));
	c.deadline = now_ms() + NOTIFY_TCP_MS;
	if (conn_io(&c, lenbuf, 2, 0) == STEP_OK) {
		len = (size_t)lenbuf[0] << 8 | lenbuf[1];
		if (conn_io(&c, buf, len, 0) == STEP_OK &&
		    (answer = notify_handle(f, buf, len, &from, &size)) &&
		    size <= 65535) {
			uint8_t out[2 + 65535];
			out[0] = (uint8_t)(size >> 8);
			out[1] = (uint8_t)size;
			memcpy(out + 2, answer, size);
			(void)conn_io(&c, out, size + 2, 1);
		}
	}
	free(answer);
	conn_close(&c);
}

/* ---- the thread ---- */

static void *
feed_thread(void *arg)
{
	struct feed_rpz *f = arg;
	uint64_t next_check = now_ms(), next_bind = now_ms();

	while (!stopping(f)) {
		struct pollfd pfd[2] = {
			{ .fd = f->notify_fd, .events = POLLIN },
			{ .fd = f->notify_tcp_fd, .events = POLLIN }
		};
		uint64_t now = now_ms();
		int ms;

		if ((f->notify_fd < 0 || f->notify_tcp_fd < 0) &&
		    f->p.notify_listen_len && now >= next_bind) {
			notify_bind(f);
			next_bind = now + BIND_RETRY_S * 1000;
		}
		if (f->notify_pending || now >= next_check) {
			unsigned wait;
			f->notify_pending = 0;
			wait = refresh(f);
			next_check = now_ms() + (uint64_t)wait * 1000;
			continue;
		}
		ms = next_check - now > STOP_CHECK_MS ? STOP_CHECK_MS :
			(int)(next_check - now);
		pfd[0].fd = f->notify_fd;
		pfd[1].fd = f->notify_tcp_fd;
		if (poll(pfd, 2, ms) <= 0)
			continue;
		if (pfd[0].revents & POLLIN)
			notify_read_udp(f);
		if (pfd[1].revents & POLLIN)
			notify_read_tcp(f);
	}
	return NULL;
}

int
feed_rpz_start(struct feed_rpz *f)
{
	return tapir_thread_start(&f->thread, feed_thread, f);
}
