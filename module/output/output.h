/*
 * module/output/output.h - the merged policy served as a Response Policy
 * Zone, by AXFR and IXFR with NOTIFY.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 *
 * An output is a primary for one zone whose contents are what the module
 * decides (module/policy/policy_zone.h): other resolvers (BIND, Knot
 * Resolver, PowerDNS, Unbound) follow the policy by zone transfer and
 * answer as the module answers.  It reads the store and never writes it;
 * the engine creates, starts and destroys it beside the feeds, and tells
 * it of every change the store publishes (policy_store_observe()).
 *
 * Two threads per output:
 *   the zone keeper: keeps the zone, one record set per owner, as the
 *	module decides it now.  The store tells it which keys changed; it
 *	works out the owners that may have changed with them (the key's
 *	owner, and every owner below a "*." key), decides each again from
 *	the live store, and publishes the differences as one new serial
 *	and one journal entry.  At start, and when a source changed
 *	wholesale, it walks a snapshot of the store instead.
 *   the server: TCP (AXFR, IXFR, SOA) and UDP (SOA, NOTIFY answers) on
 *	the output's address, poll()ed, non-blocking, every client with a
 *	deadline; a transfer is written from a copy of the zone at one
 *	serial (shared by the transfers of that serial) or from journal
 *	entries, so it never holds a lock while a client reads.  It sends
 *	NOTIFY to the downstreams on each new serial, retried with backoff,
 *	one outstanding per downstream (bursts coalesce into one).
 * Neither ever takes the store's writer lock but for snapshots; the zone
 * keeper decides in its own reader slot.
 */
#ifndef TAPIR_OUTPUT_H
#define TAPIR_OUTPUT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "feeds/feed.h"
#include "module/base/names.h"
#include "module/policy/policy.h"

/** Most addresses an output lists in allow-transfer: or notify:. */
#define OUTPUT_MAX_ADDRS 16
/** Most sources an output's source: keys name. */
#define OUTPUT_MAX_SOURCES 64

/** An address prefix of allow-transfer:. */
struct output_prefix {
	/** The address (port ignored). */
	struct sockaddr_storage addr;
	/** Prefix length in bits. */
	unsigned bits;
};

/** One "output:" clause. */
struct output_conf {
	/** Name, for messages, stats and the state directory. */
	char *name;
	/** Zone name, canonical wire. */
	uint8_t zone[NAME_WIRE_MAX];
	/** Length of zone; 0 until set. */
	size_t zone_len;
	/** Address and port to serve on. */
	struct sockaddr_storage listen;
	/** Length of listen; 0 until set. */
	socklen_t listen_len;
	/** Sources whose names the zone lists; none: every source. */
	char *sources[OUTPUT_MAX_SOURCES];
	/** Number of sources. */
	unsigned num_sources;
	/** TSIG key name, or NULL: then transfers need none. */
	char *tsig_name;
	/** TSIG algorithm ("hmac-sha256"), or NULL for that default. */
	char *tsig_algorithm;
	/** TSIG secret, base64. */
	char *tsig_secret;
	/** Who may ask for the SOA and transfers; none: loopback only. */
	struct output_prefix allow[OUTPUT_MAX_ADDRS];
	/** Number of allow entries. */
	unsigned num_allow;
	/** Downstreams told of every new serial. */
	struct sockaddr_storage notify[OUTPUT_MAX_ADDRS];
	/** Lengths of notify's addresses. */
	socklen_t notify_len[OUTPUT_MAX_ADDRS];
	/** Number of notify entries. */
	unsigned num_notify;
	/** Most bytes of differences the journal keeps. */
	size_t journal_bytes;
	/** Most transfers served at once. */
	unsigned max_transfers;
	/** Line of the clause, for messages. */
	unsigned line;
	/** Next output, in file order. */
	struct output_conf *next;
};

/**
 * A clause with the defaults.
 * @return it, or NULL when out of memory.
 */
struct output_conf *output_conf_new(void);

/**
 * One key of the clause; 0, or -1 with the reason in err.
 */
int output_conf_key(struct output_conf *c, const struct feed_conf_key *k,
	char *err, size_t errlen);

/**
 * The finished clause; 0, or -1 with the reason in err.
 */
int output_conf_check(const struct output_conf *c, char *err,
	size_t errlen);

/**
 * Free a clause (not the ones after it); NULL is fine.
 */
void output_conf_free(struct output_conf *c);

/** What the engine gives an output. */
struct output_env {
	/** The store it serves. */
	struct policy_store *store;
	/** Its reader slot in the store. */
	unsigned reader;
	/** The sources the zone lists, one bit per store id. */
	uint64_t sources;
	/** TTL of the zone's records. */
	uint32_t ttl;
	/** The configured redirect's local data (localdata.h). */
	const uint8_t *redirect;
	/** Its length. */
	uint16_t redirect_len;
};

struct output;

/** An output's counters, for list_sources and stats. */
struct output_stats {
	/** Serial of the zone now (0 before the first build). */
	uint32_t serial;
	/** Owners with records. */
	uint64_t owners;
	/** Differences the journal holds, and their bytes. */
	uint64_t journal_entries;
	/** Bytes of the journal. */
	uint64_t journal_bytes;
	/** Whole-zone transfers served (AXFR, and IXFR answered so). */
	uint64_t axfr;
	/** Incremental transfers served. */
	uint64_t ixfr;
	/** SOA queries answered. */
	uint64_t soa;
	/** NOTIFY messages sent, retries included. */
	uint64_t notifies;
	/** NOTIFY messages answered. */
	uint64_t notifies_answered;
	/** Requests refused: address not allowed, bad or missing TSIG,
	 *  too many transfers. */
	uint64_t refused;
};

/**
 * Create an output; nothing runs yet.
 * @return it, or NULL with the reason in err.
 */
struct output *output_create(const struct output_conf *c,
	const struct output_env *env, char *err, size_t errlen);

/**
 * Open its sockets and start its threads: the zone is built from the
 * store, then served.  After a reload, only once the previous engine
 * ended (its outputs held the same address).
 * @return 0, or -1 with the reason in err.
 */
int output_start(struct output *o, char *err, size_t errlen);

/**
 * A key of the store changed (a policy_changed_fn for the store's
 * observer): quick, any thread.
 */
void output_changed(void *o, const uint8_t *name, int subtree);

/**
 * Its counters.
 */
void output_get_stats(struct output *o, struct output_stats *out);

/**
 * Its name.
 */
const char *output_name(const struct output *o);

/**
 * Stop and join its threads, close its sockets, free it; NULL is fine.
 */
void output_destroy(struct output *o);

#endif /* TAPIR_OUTPUT_H */
