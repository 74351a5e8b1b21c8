/*
 * module/output/serve.c - an output's server: AXFR, IXFR and SOA over TCP,
 * SOA over UDP, NOTIFY to the downstreams.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 *
 * One thread, one poll() over the UDP socket, the TCP listener, the
 * clients and a wake-up pipe.  Every socket is non-blocking; a client
 * gets REQUEST_MS to send a whole request and is dropped when it reads
 * nothing of a transfer for IDLE_MS, so no client holds the others.
 * A transfer is made one message at a time as the client reads, from
 * an image of the zone at one serial or from journal entries (zone.h),
 * each referenced: the zone keeper never waits for a client.
 *
 * Messages are built, signed and verified with ldns, as the rpz feed's.
 * With a TSIG key, every request must be signed with it and every
 * message of an answer is (RFC 8945: the first with the request's MAC,
 * each next one with the previous message's and the timers only).
 */
#include "tapir_config.h"
#include "module/output/output_int.h"
#include "module/base/log.h"
#include "module/base/netaddr.h"
#include "module/policy/policy_zone.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ldns/ldns.h>

/* A request must arrive whole within this, milliseconds. */
#define REQUEST_MS 10000
/* A client that reads nothing of its answer for this long is dropped. */
#define IDLE_MS 30000
/* Longest a poll() waits before the stop flag is looked at again. */
#define POLL_MS 200
/* Octets of records put in one transfer message (ldns compresses the
 * names, so the message is smaller). */
#define MSG_TARGET 16000
/* NOTIFY: at least this long between two to one downstream; the first
 * retry after RETRY_MS, doubling; at most TRIES sends per serial. */
#define NOTIFY_SPACING_MS 200
#define NOTIFY_RETRY_MS 1000
#define NOTIFY_TRIES 5
/* TSIG fudge we sign with, seconds (RFC 8945's recommendation). */
#define TSIG_FUDGE 300
/* SOA timers: refresh and retry for downstreams that miss a NOTIFY,
 * expire long enough that the policy outlives a restart of ours. */
#define SOA_REFRESH 300
#define SOA_RETRY 60
#define SOA_EXPIRE 604800
/* Refusals logged per minute; the rest are counted. */
#define REFUSALS_LOGGED 10

/* A downstream to NOTIFY. */
struct target {
	uint32_t serial;        /* the serial last announced */
	int pending;            /* announcing serial until answered */
	unsigned tries;
	uint16_t id;
	uint64_t last, next;    /* monotonic ms */
	char who[INET6_ADDRSTRLEN + 8];
};

/* A transfer in progress on a connection. */
struct xfer {
	ldns_rr *question;      /* the request's question */
	uint16_t id;
	ldns_rdf *mac;          /* what the next message's TSIG follows */
	int messages;           /* sent so far */
	uint32_t serial;        /* the serial it ends at */
	int phase;              /* 0: opening SOA next, 1: records, 2: done */
	struct zone_image *img; /* AXFR */
	size_t pos;             /* in img, or in diff */
	struct zone_diff *diff; /* IXFR: the difference being written */
	struct zone_diff *first, *last;
	int opened, adding;
};

struct conn {
	int fd;
	struct sockaddr_storage peer;
	char who[INET6_ADDRSTRLEN + 8];
	uint8_t in[2 + 65535];
	size_t in_len;
	uint8_t *out;
	size_t out_len, out_off;
	uint64_t deadline;
	int transferring;
	unsigned requests;          /* answered on this connection */
	struct xfer x;
};

struct serve {
	int udp, tcp;
	int wake[2];
	struct tapir_thread thread;
	struct conn *conns;         /* max_transfers of them, fd -1 free */
	struct target targets[OUTPUT_MAX_ADDRS];
	char tsig_alg[64];
	ldns_rdf *zone;             /* the apex as ldns has it */
	uint64_t refusal_minute;
	unsigned refusals_logged;
};

static uint64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
count(struct output *o, uint64_t *field)
{
	pthread_mutex_lock(&o->stats_lock);
	(*field)++;
	pthread_mutex_unlock(&o->stats_lock);
}

/* A request refused: counted, and logged unless many were this minute. */
static void
refuse(struct output *o, const char *who, const char *why)
{
	struct serve *sv = o->serve;
	uint64_t minute = mono_ms() / 60000;

	count(o, &o->stats.refused);
	if (minute != sv->refusal_minute) {
		sv->refusal_minute = minute;
		sv->refusals_logged = 0;
	}
	if (sv->refusals_logged++ < REFUSALS_LOGGED)
		tapir_log(TAPIR_LOG_WARN, "output %s: request from %s "
			"refused: %s", o->c.name, who, why);
}

/* ---- access ---- */

static int
prefix_match(const struct output_prefix *p, const struct sockaddr_storage *a)
{
	const uint8_t *x, *y;
	unsigned bits = p->bits, i;

	if (p->addr.ss_family != a->ss_family)
		return 0;
	if (a->ss_family == AF_INET) {
		x = (const uint8_t *)&((const struct sockaddr_in *)&p->addr)->sin_addr;
		y = (const uint8_t *)&((const struct sockaddr_in *)a)->sin_addr;
	} else {
		x = (const uint8_t *)&((const struct sockaddr_in6 *)&p->addr)->sin6_addr;
		y = (const uint8_t *)&((const struct sockaddr_in6 *)a)->sin6_addr;
	}
	for (i = 0; bits >= 8; i++, bits -= 8)
		if (x[i] != y[i])
			return 0;
	return !bits || !((x[i] ^ y[i]) & (0xff00 >> bits));
}

/* Who may ask: the allow-transfer: prefixes, or loopback when none. */
static int
allowed(const struct output *o, const struct sockaddr_storage *a)
{
	unsigned i;

	if (!o->c.num_allow) {
		if (a->ss_family == AF_INET)
			return *(const uint8_t *)&((const struct sockaddr_in *)
			    a)->sin_addr == 127;
		return a->ss_family == AF_INET6 && IN6_IS_ADDR_LOOPBACK(
		    &((const struct sockaddr_in6 *)a)->sin6_addr);
	}
	for (i = 0; i < o->c.num_allow; i++)
		if (prefix_match(&o->c.allow[i], a))
			return 1;
	return 0;
}

/* ---- records ---- */

static ldns_rr *
soa_rr(struct output *o, uint32_t serial)
{
	char text[3 * NAME_TEXT_MAX + 128];
	ldns_rr *rr = NULL;

	snprintf(text, sizeof(text), "%s %u IN SOA %s hostmaster.%s %u %u %u "
		"%u %u", o->zone_text, o->env.ttl, o->zone_text,
		strcmp(o->zone_text, ".") ? o->zone_text : "", serial,
		SOA_REFRESH, SOA_RETRY, SOA_EXPIRE, o->env.ttl);
	if (ldns_rr_new_frm_str(&rr, text, 0, NULL, NULL) != LDNS_STATUS_OK)
		return NULL;
	return rr;
}

static ldns_rr *
ns_rr(struct output *o)
{
	char text[2 * NAME_TEXT_MAX + 64];
	ldns_rr *rr = NULL;

	snprintf(text, sizeof(text), "%s %u IN NS localhost.", o->zone_text,
		o->env.ttl);
	if (ldns_rr_new_frm_str(&rr, text, 0, NULL, NULL) != LDNS_STATUS_OK)
		return NULL;
	return rr;
}

/* Records of one owner into a message. */
struct put {
	struct output *o;
	ldns_pkt *pkt;
	ldns_rdf *owner;
	size_t size;
	int failed;
};

static void
put_rr(void *arg, uint16_t type, const uint8_t *rd, uint16_t len)
{
	struct put *p = arg;
	ldns_rdf *rdf = NULL;
	ldns_rr *rr;

	if (type == LDNS_RR_TYPE_CNAME)
		rdf = ldns_dname_new_frm_data(len, rd);
	else if (type == LDNS_RR_TYPE_A && len == 4)
		rdf = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_A, 4, rd);
	else if (type == LDNS_RR_TYPE_AAAA && len == 16)
		rdf = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_AAAA, 16, rd);
	else
		return;
	if (!rdf || !(rr = ldns_rr_new())) {
		ldns_rdf_deep_free(rdf);
		p->failed = 1;
		return;
	}
	ldns_rr_set_owner(rr, ldns_rdf_clone(p->owner));
	ldns_rr_set_type(rr, (ldns_rr_type)type);
	ldns_rr_set_class(rr, LDNS_RR_CLASS_IN);
	ldns_rr_set_ttl(rr, p->o->env.ttl);
	ldns_rr_push_rdf(rr, rdf);
	if (!ldns_rr_owner(rr) || !ldns_pkt_push_rr(p->pkt,
	    LDNS_SECTION_ANSWER, rr)) {
		ldns_rr_free(rr);
		p->failed = 1;
		return;
	}
	p->size += ldns_rdf_size(p->owner) + 10u + len;
}

/* The records of an owner's state; 0, or -1 when it cannot be put. */
static int
put_owner(struct put *p, const uint8_t *name, int subtree, uint8_t action,
	const uint8_t *data, uint16_t len)
{
	struct output *o = p->o;
	uint8_t wire[NAME_WIRE_MAX + 2];
	size_t nlen = name_wire_len(name), at = 0;

	if (!action)
		return 0;
	/* The owner below the apex; one too long for DNS cannot be in the
	 * zone (the module decides for it all the same). */
	if ((subtree ? 2 : 0) + nlen - 1 + o->c.zone_len > NAME_WIRE_MAX)
		return 0;
	if (subtree) {
		wire[at++] = 1;
		wire[at++] = '*';
	}
	memcpy(wire + at, name, nlen - 1);
	at += nlen - 1;
	memcpy(wire + at, o->c.zone, o->c.zone_len);
	at += o->c.zone_len;
	if (!(p->owner = ldns_dname_new_frm_data((uint16_t)at, wire)))
		return -1;
	policy_zone_records((enum policy_action)action, len ? data : NULL,
		len, o->env.redirect, o->env.redirect_len, put_rr, p);
	ldns_rdf_deep_free(p->owner);
	p->owner = NULL;
	return p->failed ? -1 : 0;
}

/* ---- messages ---- */

static ldns_pkt *
answer_new(const ldns_pkt *q, ldns_pkt_rcode rcode)
{
	ldns_pkt *r = ldns_pkt_new();
	size_t k;

	if (!r)
		return NULL;
	ldns_pkt_set_id(r, ldns_pkt_id(q));
	ldns_pkt_set_opcode(r, ldns_pkt_get_opcode(q));
	ldns_pkt_set_qr(r, 1);
	ldns_pkt_set_aa(r, rcode == LDNS_RCODE_NOERROR);
	ldns_pkt_set_rcode(r, (uint8_t)rcode);
	for (k = 0; k < ldns_rr_list_rr_count(ldns_pkt_question(q)); k++)
		ldns_pkt_push_rr(r, LDNS_SECTION_QUESTION, ldns_rr_clone(
			ldns_rr_list_rr(ldns_pkt_question(q), k)));
	return r;
}

/* Sign (when mac is the request's or the previous message's) and make
 * wire format, with the TCP length in front when tcp.  NULL on failure. */
static uint8_t *
finish(struct output *o, ldns_pkt *r, ldns_rdf **mac, int next, int tcp,
	size_t *size)
{
	uint8_t *wire = NULL, *out;
	size_t len;

	if (mac && *mac) {
		if (ldns_pkt_tsig_sign_next(r, o->c.tsig_name,
		    o->c.tsig_secret, TSIG_FUDGE, o->serve->tsig_alg, *mac,
		    next) != LDNS_STATUS_OK)
			return NULL;
		ldns_rdf_deep_free(*mac);
		*mac = ldns_rdf_clone(ldns_rr_rdf(ldns_pkt_tsig(r), 3));
	}
	if (ldns_pkt2wire(&wire, r, &len) != LDNS_STATUS_OK || len > 65535) {
		free(wire);
		return NULL;
	}
	if (!tcp) {
		*size = len;
		return wire;
	}
	if ((out = malloc(len + 2))) {
		out[0] = (uint8_t)(len >> 8);
		out[1] = (uint8_t)len;
		memcpy(out + 2, wire, len);
		*size = len + 2;
	}
	free(wire);
	return out;
}

/* The next message of a transfer; NULL when done or on failure (then
 * the transfer is cut: the client sees a connection closed early). */
static uint8_t *
xfer_next(struct output *o, struct xfer *x, size_t *size)
{
	struct put p = { o, NULL, NULL, 0, 0 };
	uint8_t *out;
	ldns_rr *soa;

	if (x->phase == 2 || !(p.pkt = ldns_pkt_new()))
		return NULL;
	ldns_pkt_set_id(p.pkt, x->id);
	ldns_pkt_set_qr(p.pkt, 1);
	ldns_pkt_set_aa(p.pkt, 1);
	if (!x->messages)
		ldns_pkt_push_rr(p.pkt, LDNS_SECTION_QUESTION,
			ldns_rr_clone(x->question));
	if (x->phase == 0) {
		if ((soa = soa_rr(o, x->serial)))
			ldns_pkt_push_rr(p.pkt, LDNS_SECTION_ANSWER, soa);
		if (x->img && (soa = ns_rr(o)))
			ldns_pkt_push_rr(p.pkt, LDNS_SECTION_ANSWER, soa);
		/* Neither an image nor differences: the SOA alone. */
		x->phase = x->img || x->first ? 1 : 2;
	}
	while (x->phase == 1 && p.size < MSG_TARGET && !p.failed) {
		struct zone_owner w;
		struct zone_change c;
		if (x->img) {
			if (zone_image_next(x->img, &x->pos, &w))
				put_owner(&p, w.name, w.subtree, w.action,
					w.data, w.data_len);
			else if ((soa = soa_rr(o, x->serial))) {
				ldns_pkt_push_rr(p.pkt, LDNS_SECTION_ANSWER,
					soa);
				x->phase = 2;
			} else
				p.failed = 1;
			continue;
		}
		if (!x->opened) {
			if (!(soa = soa_rr(o, x->diff->from)))
				p.failed = 1;
			else
				ldns_pkt_push_rr(p.pkt, LDNS_SECTION_ANSWER,
					soa);
			x->opened = 1;
			x->adding = 0;
			x->pos = 0;
			p.size += 100;
			continue;
		}
		if (zone_diff_next(x->diff, &x->pos, &c)) {
			if (x->adding)
				put_owner(&p, c.name, c.subtree, c.new_action,
					c.new_data, c.new_len);
			else
				put_owner(&p, c.name, c.subtree, c.old_action,
					c.old_data, c.old_len);
			continue;
		}
		if (!x->adding) {
			/* Deletions end with the SOA the difference ends at. */
			if (!(soa = soa_rr(o, x->diff->to)))
				p.failed = 1;
			else
				ldns_pkt_push_rr(p.pkt, LDNS_SECTION_ANSWER,
					soa);
			x->adding = 1;
			x->pos = 0;
			continue;
		}
		if (x->diff != x->last) {
			x->diff = x->diff->next;
			x->opened = 0;
			continue;
		}
		if (!(soa = soa_rr(o, x->serial)))
			p.failed = 1;
		else
			ldns_pkt_push_rr(p.pkt, LDNS_SECTION_ANSWER, soa);
		x->phase = 2;
	}
	out = p.failed ? NULL : finish(o, p.pkt, x->mac ? &x->mac : NULL,
		x->messages > 0, 1, size);
	ldns_pkt_free(p.pkt);
	x->messages++;
	return out;
}

static void
xfer_end(struct output *o, struct xfer *x)
{
	struct zone_diff *d, *next;

	pthread_mutex_lock(&o->zone.lock);
	if (x->img)
		zone_image_unref(x->img);
	for (d = x->first; d; d = next) {
		next = d == x->last ? NULL : d->next;
		zone_diff_unref(d);
	}
	pthread_mutex_unlock(&o->zone.lock);
	if (x->question)
		ldns_rr_free(x->question);
	ldns_rdf_deep_free(x->mac);
	memset(x, 0, sizeof(*x));
}

/* Set up a transfer of the zone, whole (ixfr 0, or no journal from the
 * client's serial) or from the client's serial.  0, or an rcode. */
static ldns_pkt_rcode
xfer_begin(struct output *o, struct conn *c, const ldns_pkt *q, int ixfr,
	uint32_t theirs)
{
	struct xfer *x = &c->x;
	struct zone *z = &o->zone;
	struct zone_diff *d;

	memset(x, 0, sizeof(*x));
	pthread_mutex_lock(&z->lock);
	x->serial = z->serial;
	if (!x->serial) {
		pthread_mutex_unlock(&z->lock);
		return LDNS_RCODE_SERVFAIL;
	}
	/* Up to date (or ahead of us): the SOA alone. */
	if (!ixfr || zone_serial_gt(x->serial, theirs)) {
		for (d = ixfr ? z->oldest : NULL; d && d->from != theirs;
		    d = d->next)
			;
		if (d) {
			x->first = x->diff = d;
			x->last = z->newest;
			for (; d; d = d->next)
				d->refs++;
		} else if (!(x->img = zone_image_get(z))) {
			pthread_mutex_unlock(&z->lock);
			return LDNS_RCODE_SERVFAIL;
		}
	}
	pthread_mutex_unlock(&z->lock);
	x->id = ldns_pkt_id(q);
	x->question = ldns_rr_clone(ldns_rr_list_rr(ldns_pkt_question(q), 0));
	if (ldns_pkt_tsig(q))
		x->mac = ldns_rdf_clone(ldns_rr_rdf(ldns_pkt_tsig(q), 3));
	count(o, x->img ? &o->stats.axfr : x->first ? &o->stats.ixfr :
		&o->stats.soa);
	tapir_log(TAPIR_LOG_INFO, "output %s: %s to %s, serial %u%s",
		o->c.name, x->img ? "AXFR" : x->first ? "IXFR" : "SOA",
		c->who, (unsigned)x->serial, ixfr && x->img ?
		" (no journal from theirs)" : "");
	return LDNS_RCODE_NOERROR;
}

/* Checks every request passes; 0, or an rcode to answer with (after
 * refuse() said why). */
static ldns_pkt_rcode
check_request(struct output *o, const ldns_pkt *q, const uint8_t *buf,
	size_t len, const struct sockaddr_storage *from, const char *who)
{
	const ldns_rr *qr = ldns_rr_list_rr_count(ldns_pkt_question(q)) == 1 ?
		ldns_rr_list_rr(ldns_pkt_question(q), 0) : NULL;

	if (ldns_pkt_get_opcode(q) != LDNS_PACKET_QUERY) {
		refuse(o, who, "not a query");
		return LDNS_RCODE_NOTIMPL;
	}
	if (!qr || ldns_dname_compare(ldns_rr_owner(qr), o->serve->zone)) {
		refuse(o, who, "not for this zone");
		return LDNS_RCODE_NOTAUTH;
	}
	if (!allowed(o, from)) {
		refuse(o, who, "address not allowed (allow-transfer)");
		return LDNS_RCODE_REFUSED;
	}
	if (o->c.tsig_name && !ldns_pkt_tsig(q)) {
		refuse(o, who, "not signed (TSIG key required)");
		return LDNS_RCODE_NOTAUTH;
	}
	if (ldns_pkt_tsig(q) && (!o->c.tsig_name || !ldns_pkt_tsig_verify(
	    (ldns_pkt *)q, buf, len, o->c.tsig_name, o->c.tsig_secret,
	    NULL))) {
		refuse(o, who, "bad TSIG (wrong key?)");
		return LDNS_RCODE_NOTAUTH;
	}
	return LDNS_RCODE_NOERROR;
}

/* The serial an IXFR request starts from (its authority SOA), or 0. */
static uint32_t
ixfr_serial(const ldns_pkt *q)
{
	const ldns_rr_list *ns = ldns_pkt_authority(q);
	const ldns_rr *soa = ldns_rr_list_rr_count(ns) ?
		ldns_rr_list_rr(ns, 0) : NULL;

	if (!soa || ldns_rr_get_type(soa) != LDNS_RR_TYPE_SOA ||
	    ldns_rr_rd_count(soa) < 3 || ldns_rdf_size(ldns_rr_rdf(soa, 2)) !=
	    4)
		return 0;
	return ldns_rdf2native_int32(ldns_rr_rdf(soa, 2));
}

/* An answer of one message to a request; NULL when there is none. */
static uint8_t *
answer_simple(struct output *o, const ldns_pkt *q, ldns_pkt_rcode rcode,
	int with_soa, int tc, int tcp, size_t *size)
{
	ldns_pkt *r = answer_new(q, rcode);
	ldns_rdf *mac = NULL;
	uint8_t *out = NULL;
	uint32_t serial;
	ldns_rr *soa;

	if (!r)
		return NULL;
	if (with_soa) {
		pthread_mutex_lock(&o->zone.lock);
		serial = o->zone.serial;
		pthread_mutex_unlock(&o->zone.lock);
		if ((soa = soa_rr(o, serial)))
			ldns_pkt_push_rr(r, LDNS_SECTION_ANSWER, soa);
	}
	ldns_pkt_set_tc(r, tc);
	/* Answers to requests that passed the TSIG check are signed. */
	if (rcode == LDNS_RCODE_NOERROR && ldns_pkt_tsig(q))
		mac = ldns_rdf_clone(ldns_rr_rdf(ldns_pkt_tsig(q), 3));
	out = finish(o, r, mac ? &mac : NULL, 0, tcp, size);
	ldns_rdf_deep_free(mac);
	ldns_pkt_free(r);
	return out;
}

/* A NOTIFY answer from a downstream. */
static void
notify_answered(struct output *o, const ldns_pkt *r,
	const struct sockaddr_storage *from, socklen_t fromlen)
{
	struct serve *sv = o->serve;
	unsigned i;

	for (i = 0; i < o->c.num_notify; i++) {
		struct target *t = &sv->targets[i];
		if (!t->pending || t->id != ldns_pkt_id(r) ||
		    fromlen != o->c.notify_len[i] ||
		    memcmp(from, &o->c.notify[i], fromlen) != 0)
			continue;
		count(o, &o->stats.notifies_answered);
		t->pending = 0;
		/* A newer serial came meanwhile: announce that one too. */
		pthread_mutex_lock(&o->zone.lock);
		if (o->zone.serial != t->serial) {
			t->pending = 1;
			t->tries = 0;
			t->next = t->last + NOTIFY_SPACING_MS;
		}
		pthread_mutex_unlock(&o->zone.lock);
	}
}

/* One datagram: a SOA query, an IXFR asked over UDP (answered with the
 * SOA and TC, so it comes again over TCP), or a NOTIFY answer. */
static void
udp_one(struct output *o)
{
	struct serve *sv = o->serve;
	uint8_t buf[65535], *out = NULL;
	struct sockaddr_storage from;
	socklen_t fromlen = sizeof(from);
	ldns_pkt *q = NULL;
	ldns_pkt_rcode rc;
	char who[INET6_ADDRSTRLEN + 8];
	size_t size = 0;
	ssize_t n;

	n = recvfrom(sv->udp, buf, sizeof(buf), 0, (struct sockaddr *)&from,
		&fromlen);
	if (n <= 0 || ldns_wire2pkt(&q, buf, (size_t)n) != LDNS_STATUS_OK)
		return;
	netaddr_text(&from, who, sizeof(who));
	if (ldns_pkt_qr(q)) {
		if (ldns_pkt_get_opcode(q) == LDNS_PACKET_NOTIFY)
			notify_answered(o, q, &from, fromlen);
		ldns_pkt_free(q);
		return;
	}
	rc = check_request(o, q, buf, (size_t)n, &from, who);
	if (rc != LDNS_RCODE_NOERROR)
		out = answer_simple(o, q, rc, 0, 0, 0, &size);
	else {
		ldns_rr_type t = ldns_rr_get_type(ldns_rr_list_rr(
			ldns_pkt_question(q), 0));
		if (t == LDNS_RR_TYPE_SOA) {
			count(o, &o->stats.soa);
			out = answer_simple(o, q, LDNS_RCODE_NOERROR, 1, 0, 0,
				&size);
		} else if (t == LDNS_RR_TYPE_IXFR || t == LDNS_RR_TYPE_AXFR)
			out = answer_simple(o, q, LDNS_RCODE_NOERROR, 1, 1, 0,
				&size);
		else
			out = answer_simple(o, q, LDNS_RCODE_REFUSED, 0, 0, 0,
				&size);
	}
	if (out)
		(void)sendto(sv->udp, out, size, 0, (struct sockaddr *)&from,
			fromlen);
	free(out);
	ldns_pkt_free(q);
}

/* ---- TCP clients ---- */

static void
conn_close(struct output *o, struct conn *c)
{
	if (c->transferring)
		xfer_end(o, &c->x);
	c->transferring = 0;
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	free(c->out);
	c->out = NULL;
	c->out_len = c->out_off = c->in_len = 0;
}

/* A whole request arrived on a connection: its answer, or a transfer. */
static void
conn_request(struct output *o, struct conn *c, const uint8_t *buf,
	size_t len)
{
	ldns_pkt *q = NULL;
	ldns_pkt_rcode rc;
	ldns_rr_type t;

	if (ldns_wire2pkt(&q, buf, len) != LDNS_STATUS_OK || ldns_pkt_qr(q)) {
		refuse(o, c->who, "malformed request");
		ldns_pkt_free(q);
		conn_close(o, c);
		return;
	}
	rc = check_request(o, q, buf, len, &c->peer, c->who);
	t = rc == LDNS_RCODE_NOERROR ? ldns_rr_get_type(ldns_rr_list_rr(
		ldns_pkt_question(q), 0)) : LDNS_RR_TYPE_NULL;
	if (rc == LDNS_RCODE_NOERROR && (t == LDNS_RR_TYPE_AXFR ||
	    t == LDNS_RR_TYPE_IXFR)) {
		rc = xfer_begin(o, c, q, t == LDNS_RR_TYPE_IXFR,
			t == LDNS_RR_TYPE_IXFR ? ixfr_serial(q) : 0);
		if (rc == LDNS_RCODE_NOERROR) {
			c->transferring = 1;
			c->out = xfer_next(o, &c->x, &c->out_len);
			c->out_off = 0;
			if (!c->out)
				conn_close(o, c);
			ldns_pkt_free(q);
			return;
		}
	}
	if (rc == LDNS_RCODE_NOERROR && t == LDNS_RR_TYPE_SOA) {
		count(o, &o->stats.soa);
		c->out = answer_simple(o, q, rc, 1, 0, 1, &c->out_len);
	} else
		c->out = answer_simple(o, q, rc == LDNS_RCODE_NOERROR ?
			LDNS_RCODE_REFUSED : rc, 0, 0, 1, &c->out_len);
	c->out_off = 0;
	ldns_pkt_free(q);
	if (!c->out)
		conn_close(o, c);
}

static void
conn_read(struct output *o, struct conn *c)
{
	ssize_t n;
	size_t want;

	want = c->in_len < 2 ? 2 : 2 + ((size_t)c->in[0] << 8 | c->in[1]);
	n = recv(c->fd, c->in + c->in_len, want - c->in_len, 0);
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		conn_close(o, c);
		return;
	}
	if (n < 0)
		return;
	c->in_len += (size_t)n;
	if (c->in_len < 2 || c->in_len < 2 + ((size_t)c->in[0] << 8 |
	    c->in[1]))
		return;
	c->in_len = 0;
	c->requests++;
	c->deadline = mono_ms() + IDLE_MS;
	conn_request(o, c, c->in + 2, (size_t)c->in[0] << 8 | c->in[1]);
}

static void
conn_write(struct output *o, struct conn *c)
{
	ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
		MSG_NOSIGNAL);

	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			conn_close(o, c);
		return;
	}
	c->out_off += (size_t)n;
	c->deadline = mono_ms() + IDLE_MS;
	if (c->out_off < c->out_len)
		return;
	free(c->out);
	c->out = NULL;
	c->out_len = c->out_off = 0;
	if (c->transferring) {
		if (c->x.phase != 2) {
			if (!(c->out = xfer_next(o, &c->x, &c->out_len)))
				conn_close(o, c);
			return;
		}
		xfer_end(o, &c->x);
		c->transferring = 0;
	}
	/* The next request may come on the same connection. */
	c->deadline = mono_ms() + REQUEST_MS;
}

static void
tcp_accept(struct output *o)
{
	struct serve *sv = o->serve;
	struct sockaddr_storage from;
	socklen_t fromlen = sizeof(from);
	char who[INET6_ADDRSTRLEN + 8];
	unsigned i;
	int fd = accept4(sv->tcp, (struct sockaddr *)&from, &fromlen,
		SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (fd < 0)
		return;
	for (i = 0; i < o->c.max_transfers && sv->conns[i].fd >= 0; i++)
		;
	netaddr_text(&from, who, sizeof(who));
	if (i == o->c.max_transfers) {
		refuse(o, who, "too many clients (max-transfers)");
		close(fd);
		return;
	}
	sv->conns[i].fd = fd;
	sv->conns[i].peer = from;
	snprintf(sv->conns[i].who, sizeof(sv->conns[i].who), "%s", who);
	sv->conns[i].in_len = 0;
	sv->conns[i].requests = 0;
	sv->conns[i].deadline = mono_ms() + REQUEST_MS;
}

/* ---- NOTIFY ---- */

static void
notify_send(struct output *o, struct target *t, unsigned i, uint64_t now)
{
	struct serve *sv = o->serve;
	ldns_pkt *q = ldns_pkt_new();
	ldns_rr *question = NULL, *soa;
	uint8_t *out = NULL;
	size_t size;

	if (!q)
		return;
	pthread_mutex_lock(&o->zone.lock);
	t->serial = o->zone.serial;
	pthread_mutex_unlock(&o->zone.lock);
	ldns_pkt_set_random_id(q);
	t->id = ldns_pkt_id(q);
	ldns_pkt_set_opcode(q, LDNS_PACKET_NOTIFY);
	ldns_pkt_set_aa(q, 1);
	if ((question = ldns_rr_new()) != NULL) {
		ldns_rr_set_owner(question, ldns_rdf_clone(sv->zone));
		ldns_rr_set_type(question, LDNS_RR_TYPE_SOA);
		ldns_rr_set_class(question, LDNS_RR_CLASS_IN);
		ldns_rr_set_question(question, true);
		ldns_pkt_push_rr(q, LDNS_SECTION_QUESTION, question);
	}
	if ((soa = soa_rr(o, t->serial)))
		ldns_pkt_push_rr(q, LDNS_SECTION_ANSWER, soa);
	if (o->c.tsig_name && ldns_pkt_tsig_sign(q, o->c.tsig_name,
	    o->c.tsig_secret, TSIG_FUDGE, sv->tsig_alg, NULL) !=
	    LDNS_STATUS_OK)
		goto out;
	if (ldns_pkt2wire(&out, q, &size) != LDNS_STATUS_OK)
		goto out;
	(void)sendto(sv->udp, out, size, 0,
		(const struct sockaddr *)&o->c.notify[i], o->c.notify_len[i]);
	count(o, &o->stats.notifies);
	t->tries++;
	t->last = now;
	t->next = now + ((uint64_t)NOTIFY_RETRY_MS << (t->tries - 1));
	if (t->tries == 1)
		tapir_log(TAPIR_LOG_INFO, "output %s: NOTIFY serial %u to %s",
			o->c.name, (unsigned)t->serial, t->who);
out:
	free(out);
	ldns_pkt_free(q);
}

/* A new serial: every downstream is due, spaced from its last NOTIFY. */
static void
notify_due(struct output *o, uint64_t now)
{
	struct serve *sv = o->serve;
	uint32_t serial;
	unsigned i;

	pthread_mutex_lock(&o->zone.lock);
	serial = o->zone.serial;
	pthread_mutex_unlock(&o->zone.lock);
	for (i = 0; i < o->c.num_notify; i++) {
		struct target *t = &sv->targets[i];
		if (t->serial == serial && (t->pending || t->tries))
			continue;
		if (t->pending && t->tries)
			continue;   /* the next retry carries the new serial */
		t->pending = 1;
		t->tries = 0;
		t->next = t->last + NOTIFY_SPACING_MS > now ?
			t->last + NOTIFY_SPACING_MS : now;
	}
}

static void
notify_timers(struct output *o, uint64_t now)
{
	struct serve *sv = o->serve;
	unsigned i;

	for (i = 0; i < o->c.num_notify; i++) {
		struct target *t = &sv->targets[i];
		if (!t->pending || now < t->next)
			continue;
		if (t->tries >= NOTIFY_TRIES) {
			tapir_log(TAPIR_LOG_WARN, "output %s: %s did not "
				"answer NOTIFY for serial %u (%u tries)",
				o->c.name, t->who, (unsigned)t->serial,
				t->tries);
			t->pending = 0;
			continue;
		}
		notify_send(o, t, i, now);
	}
}

/* ---- the thread ---- */

static int
stopping(struct serve *sv)
{
	int s;

	pthread_mutex_lock(&sv->thread.lock);
	s = sv->thread.stop;
	pthread_mutex_unlock(&sv->thread.lock);
	return s;
}

static void *
serve_main(void *arg)
{
	struct output *o = arg;
	struct serve *sv = o->serve;
	unsigned n = o->c.max_transfers, i;
	struct pollfd *pfd = calloc(n + 3, sizeof(*pfd));

	if (!pfd)
		return NULL;
	while (!stopping(sv)) {
		uint64_t now = mono_ms(), wake = now + POLL_MS;
		int ms;
		pfd[0].fd = sv->wake[0];
		pfd[0].events = POLLIN;
		pfd[1].fd = sv->udp;
		pfd[1].events = POLLIN;
		pfd[2].fd = sv->tcp;
		pfd[2].events = POLLIN;
		for (i = 0; i < n; i++) {
			struct conn *c = &sv->conns[i];
			pfd[3 + i].fd = c->fd;
			pfd[3 + i].events = c->out ? POLLOUT : POLLIN;
			pfd[3 + i].revents = 0;
			if (c->fd >= 0 && c->deadline < wake)
				wake = c->deadline;
		}
		for (i = 0; i < o->c.num_notify; i++)
			if (sv->targets[i].pending &&
			    sv->targets[i].next < wake)
				wake = sv->targets[i].next;
		ms = wake > now ? (int)(wake - now) : 0;
		if (poll(pfd, n + 3, ms) < 0 && errno != EINTR)
			break;
		now = mono_ms();
		if (pfd[0].revents & POLLIN) {
			char b[64];
			while (read(sv->wake[0], b, sizeof(b)) > 0)
				;
			notify_due(o, now);
		}
		for (i = 0; (pfd[1].revents & POLLIN) && i < 64; i++)
			udp_one(o);
		if (pfd[2].revents & POLLIN)
			tcp_accept(o);
		for (i = 0; i < n; i++) {
			struct conn *c = &sv->conns[i];
			short ev = pfd[3 + i].revents;
			if (c->fd < 0 || pfd[3 + i].fd != c->fd)
				continue;
			if (ev & (POLLERR | POLLHUP | POLLNVAL) &&
			    !(ev & POLLIN))
				conn_close(o, c);
			else if (c->out && (ev & POLLOUT))
				conn_write(o, c);
			else if (!c->out && (ev & POLLIN))
				conn_read(o, c);
			if (c->fd >= 0 && now >= c->deadline) {
				/* An idle connection after its answers just
				 * ends. */
				if (c->transferring || !c->requests)
					refuse(o, c->who, c->transferring ?
						"reads nothing (dropped)" :
						"no whole request in time");
				conn_close(o, c);
			}
		}
		notify_timers(o, now);
	}
	free(pfd);
	return NULL;
}

/* ---- life ---- */

static int
socket_open(struct output *o, int type, char *err, size_t errlen)
{
	char a[INET6_ADDRSTRLEN + 8];
	int fd, one = 1;

	fd = socket(o->c.listen.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC,
		0);
	if (fd >= 0) {
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, (const struct sockaddr *)&o->c.listen,
		    o->c.listen_len) == 0 && (type != SOCK_STREAM ||
		    listen(fd, 64) == 0))
			return fd;
	}
	netaddr_text(&o->c.listen, a, sizeof(a));
	snprintf(err, errlen, "output %s: cannot listen on %s (%s): %s",
		o->c.name, a, type == SOCK_STREAM ? "TCP" : "UDP",
		strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

int
serve_open(struct output *o, char *err, size_t errlen)
{
	struct serve *sv = calloc(1, sizeof(*sv));
	unsigned i;

	if (!sv || !(sv->conns = calloc(o->c.max_transfers,
	    sizeof(*sv->conns)))) {
		free(sv);
		snprintf(err, errlen, "output %s: out of memory", o->c.name);
		return -1;
	}
	o->serve = sv;
	sv->udp = sv->tcp = sv->wake[0] = sv->wake[1] = -1;
	for (i = 0; i < o->c.max_transfers; i++)
		sv->conns[i].fd = -1;
	for (i = 0; i < o->c.num_notify; i++)
		netaddr_text(&o->c.notify[i], sv->targets[i].who,
			sizeof(sv->targets[i].who));
	tapir_thread_init(&sv->thread);
	if (o->c.tsig_name)
		feed_tsig_alg_name(o->c.tsig_algorithm ? o->c.tsig_algorithm :
			"hmac-sha256", sv->tsig_alg, sizeof(sv->tsig_alg));
	if (!(sv->zone = ldns_dname_new_frm_data((uint16_t)o->c.zone_len,
	    o->c.zone)) || pipe2(sv->wake, O_NONBLOCK | O_CLOEXEC) != 0) {
		snprintf(err, errlen, "output %s: out of memory", o->c.name);
		return -1;
	}
	if ((sv->udp = socket_open(o, SOCK_DGRAM, err, errlen)) < 0 ||
	    (sv->tcp = socket_open(o, SOCK_STREAM, err, errlen)) < 0)
		return -1;
	return 0;
}

int
serve_start(struct output *o)
{
	return tapir_thread_start(&o->serve->thread, serve_main, o);
}

void
serve_new_serial(struct output *o)
{
	char b = 1;

	if (o->serve && o->serve->wake[1] >= 0)
		(void)!write(o->serve->wake[1], &b, 1);
}

void
serve_destroy(struct output *o)
{
	struct serve *sv = o->serve;
	unsigned i;

	if (!sv)
		return;
	tapir_thread_stop(&sv->thread);
	tapir_thread_destroy(&sv->thread);
	for (i = 0; sv->conns && i < o->c.max_transfers; i++)
		conn_close(o, &sv->conns[i]);
	free(sv->conns);
	if (sv->udp >= 0)
		close(sv->udp);
	if (sv->tcp >= 0)
		close(sv->tcp);
	if (sv->wake[0] >= 0)
		close(sv->wake[0]);
	if (sv->wake[1] >= 0)
		close(sv->wake[1]);
	ldns_rdf_deep_free(sv->zone);
	free(sv);
	o->serve = NULL;
}
