/*
 * feeds/rpz/feed_rpz.h - a source fed by an RPZ zone, as a secondary.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 *
 * The feed transfers one Response Policy Zone from its primaries (AXFR,
 * IXFR with AXFR fallback, TSIG), polls the SOA at the zone's refresh and
 * retry (bounded by configuration), listens for NOTIFY, and turns the
 * zone's QNAME triggers into policy store updates: a transfer of the
 * whole zone is one replace-all batch, an IXFR one delta batch.  The last
 * good zone is kept on disk and loaded at start, before any primary
 * answers.  Broken or refused transfers keep the previous data.
 */
#ifndef TAPIR_FEED_RPZ_H
#define TAPIR_FEED_RPZ_H

#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#include "module/base/names.h"
#include "module/policy/policy.h"

struct feed_rpz;

/** Most primaries and NOTIFY senders one source lists. */
#define FEED_RPZ_MAX_ADDRS 8

/** What an RPZ feed needs to know; copied by feed_rpz_create(). */
struct feed_rpz_params {
	/** Source name, for messages. */
	const char *source_name;
	/** The zone's name, canonical wire format. */
	uint8_t zone[NAME_WIRE_MAX];
	/** Primaries, tried in order. */
	struct sockaddr_storage primaries[FEED_RPZ_MAX_ADDRS];
	/** Lengths of the primaries' addresses. */
	socklen_t primary_lens[FEED_RPZ_MAX_ADDRS];
	/** Number of primaries. */
	unsigned num_primaries;
	/** TSIG key name (presentation format), or NULL for none. */
	const char *tsig_name;
	/** TSIG algorithm, e.g. "hmac-sha256". */
	const char *tsig_algorithm;
	/** TSIG secret, base64. */
	const char *tsig_secret;
	/** Address to listen for NOTIFY on (UDP); family 0 for none. */
	struct sockaddr_storage notify_listen;
	/** Length of notify_listen. */
	socklen_t notify_listen_len;
	/** Addresses allowed to send NOTIFY (ports ignored); none: primaries. */
	struct sockaddr_storage allow_notify[FEED_RPZ_MAX_ADDRS];
	/** Number of allow_notify entries. */
	unsigned num_allow_notify;
	/** Lower bound on the SOA refresh/retry interval, seconds. */
	unsigned refresh_min;
	/** Upper bound on the SOA refresh/retry interval, seconds. */
	unsigned refresh_max;
	/** Largest transfer accepted, in bytes of DNS messages. */
	uint64_t max_transfer_bytes;
	/** Longest a transfer may take, in seconds. */
	unsigned transfer_timeout;
	/** File that keeps the last good zone (in the state directory), or
	 *  NULL for none. */
	const char *zone_file;
	/** The store, and the source the zone feeds. */
	struct policy_store *store;
	/** Id of that source in the store. */
	uint16_t source;
	/** Called for every name a transfer adds or changes; may be NULL. */
	policy_changed_fn changed;
	/** Argument for changed. */
	void *changed_arg;
};

/** Counters of one RPZ feed, for stats and list_sources. */
struct feed_rpz_stats {
	/** Serial of the zone in force (0 before the first load). */
	uint32_t serial;
	/** Full transfers applied. */
	uint64_t axfr;
	/** Incremental transfers applied. */
	uint64_t ixfr;
	/** Zones applied from a file or a URL (feed_rpz_load_text()). */
	uint64_t loads;
	/** Transfers that failed or were refused. */
	uint64_t failures;
	/** NOTIFY messages accepted. */
	uint64_t notifies;
	/** NOTIFY messages refused (ACL, malformed). */
	uint64_t notifies_refused;
	/** Records skipped (unsupported trigger types, out of zone). */
	uint64_t skipped_records;
	/** Of those, by kind: other trigger types, and outside the zone;
	 *  and records of types without policy meaning, not counted above. */
	uint64_t skipped_trigger, skipped_outside, skipped_ignored;
	/** Records of the saved zone that could not be read, skipped. */
	uint64_t bad_records;
	/** Saved zones that could not be used at all (kept aside). */
	uint64_t state_broken;
	/** Policy entries in force. */
	uint64_t entries;
	/** Unix time of the last applied transfer, 0 if none. */
	int64_t last_update;
	/** Unix time and size in bytes of the last transfer applied from a
	 *  primary (the saved zone at start is none); 0 if none. */
	int64_t last_transfer;
	/** Its size in octets, as received. */
	uint64_t last_transfer_bytes;
	/** Unix time of the last failure, 0 if none. */
	int64_t last_failure;
	/** Its reason; kept when later transfers succeed. */
	char last_failure_reason[256];
	/** Last error, empty if none. */
	char last_error[256];
};

/**
 * Create an RPZ feed; nothing is contacted yet.
 * @return the feed, or NULL when out of memory.
 */
struct feed_rpz *feed_rpz_create(const struct feed_rpz_params *params);

/**
 * Load the last good zone from zone_file, on the calling thread, so the
 * policy is in force before any primary answers.  A record that cannot
 * be read is skipped and counted (bad_records), and the rest loaded; a
 * file that is no zone at all (no SOA first) is kept aside
 * (statefile_keep_aside()).
 * @return 0 when a saved zone was applied, -1 when there was none or it
 *	was unusable (logged).
 */
int feed_rpz_load_saved(struct feed_rpz *f);

/**
 * Apply a whole zone in presentation format (a zone file, a zone
 * fetched from a URL), as one replace-all batch.  Unlike a saved zone,
 * one record that cannot be read refuses the whole zone: the zone in
 * force stays, and the failure is counted and logged.
 * @param what: where it comes from, for messages ("file" or "url"
 *	count as loads).
 * @return 0 when applied, -1 when refused.
 */
int feed_rpz_load_text(struct feed_rpz *f, FILE *in, const char *what);

/**
 * Take over the zone a running feed of the same source holds, as a
 * reload does for a source configured as before: the store's entries
 * are shared (policy_source_share()), the SOA and the counters copied,
 * so nothing is read again and the first refresh asks the primary for
 * what changed since that serial (a zone file or URL loaded after it is
 * compared with it: only the difference is stored).  Consistent with a
 * transfer or load prev applies meanwhile: before it or after it, never
 * half.
 * @return 0, or -1 when prev holds no zone yet (or out of memory): load
 *	the saved zone instead.
 */
int feed_rpz_carry(struct feed_rpz *f, struct feed_rpz *prev);

/**
 * Start the thread: first transfer, SOA polling, NOTIFY listener.
 * @return 0, or an errno value.
 */
int feed_rpz_start(struct feed_rpz *f);

/**
 * Copy the feed's counters.
 */
void feed_rpz_get_stats(struct feed_rpz *f, struct feed_rpz_stats *out);

/**
 * Stop the thread (if started), join it and free the feed; NULL is fine.
 */
void feed_rpz_destroy(struct feed_rpz *f);

#endif /* TAPIR_FEED_RPZ_H */
