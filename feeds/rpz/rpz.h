/*
 * feeds/rpz/rpz.h - Response Policy Zone records as policy entries.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 *
 * The pure half of the RPZ feed: no sockets, no threads, no store.  It
 * reads QNAME triggers from ldns records and turns a transfer, record by
 * record, into the owners' new states (the zone's state itself is kept
 * by the caller, in the policy store, and read back through the sink):
 *
 *   owner "x.zone."    exact trigger for x.
 *   owner "*.x.zone."  subtree trigger: everything strictly below x.
 *   CNAME .            NXDOMAIN        CNAME *.             NODATA
 *   CNAME rpz-passthru. PASSTHRU       CNAME rpz-drop.      DROP
 *   CNAME rpz-tcp-only. TCP_ONLY
 *   other CNAME, A, AAAA: REDIRECT with that local data
 *   (module/policy/localdata.h); the A and AAAA records of one owner
 *   accumulate.  A CNAME target
 *   "*.something" (RPZ's wildcard CNAME, which rewrites to the query name
 *   prefixed) is kept as an ordinary CNAME target, like other local data.
 *
 * An owner with a CNAME trigger and other data: the CNAME wins, as RPZ
 * says (such an owner is not valid DNS, and primaries refuse to load it).
 * Owners under rpz-ip, rpz-nsdname, rpz-nsip and rpz-client-ip are other
 * trigger types: skipped and counted.  Records outside the zone are
 * rejected and counted; the apex (SOA, NS) carries no policy.
 *
 * A transaction applies a whole-zone transfer (replace-all) or an IXFR
 * delta: every owner whose state it sets is handed to put() or remove()
 * callbacks (the feed turns them into a policy batch), and it is then
 * committed or rolled back.  An IXFR reads each owner it changes from
 * current() (the entry in force) and holds only those owners; a whole
 * zone holds nothing but the owner at hand, and reads pending() (what it
 * put before) only for an owner that comes out of canonical order.
 */
#ifndef TAPIR_RPZ_H
#define TAPIR_RPZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <ldns/ldns.h>

#include "module/base/names.h"
#include "module/policy/policy.h"

/** What a record means to the policy. */
enum rpz_kind {
	RPZ_TRIGGER,     /**< a QNAME trigger record */
	RPZ_APEX,        /**< a record at the apex (SOA, NS): no policy */
	RPZ_UNSUPPORTED, /**< another trigger type (rpz-ip ...): skipped */
	RPZ_OUTSIDE,     /**< not in the zone, or not class IN: rejected */
	RPZ_IGNORED      /**< a type without policy meaning (TXT ...) */
};

/** One record, interpreted. */
struct rpz_record {
	/** What it is; the fields below are set for RPZ_TRIGGER only. */
	enum rpz_kind kind;
	/** Trigger name, canonical wire, zone apex removed; for a subtree
	 *  owner "*.x.zone." this is "x." */
	uint8_t name[NAME_WIRE_MAX];
	/** Length of name. */
	size_t name_len;
	/** 1 for a "*." owner. */
	int subtree;
	/** 1 for a CNAME (whatever its target), 0 for A / AAAA. */
	int cname;
	/** The action this record gives. */
	enum policy_action action;
	/** For REDIRECT: the local data record's type (CNAME, A, AAAA). */
	uint16_t type;
	/** For REDIRECT: its rdata (a CNAME target in canonical wire). */
	uint8_t rdata[NAME_WIRE_MAX];
	/** Length of rdata. */
	uint16_t rdlen;
};

/**
 * Interpret one record of the zone with apex zone.
 * @param rr: the record.
 * @param zone: the apex, canonical wire.
 * @param zone_len: its length.
 * @param out: out, filled as out->kind says.
 * @return out->kind.
 */
enum rpz_kind rpz_record_parse(const ldns_rr *rr, const uint8_t *zone,
	size_t zone_len, struct rpz_record *out);

/** Where a transaction reads owners' states and reports the new ones.
 *  Names are canonical wire, relative to the root (the policy names). */
struct rpz_sink {
	/** Owner name now has entry e; return 0, or -1 to fail. */
	int (*put)(void *arg, const uint8_t *name,
		const struct policy_entry *e);
	/** The owner's entry is gone; return 0, or -1 to fail. */
	int (*remove)(void *arg, const uint8_t *name, int subtree);
	/** IXFR: the owner's entry in force, its local data copied into
	 *  data (cap octets); 1, 0 when it has none, -1 to fail.  NULL:
	 *  none has one. */
	int (*current)(void *arg, const uint8_t *name, int subtree,
		struct policy_entry *e, uint8_t *data, size_t cap);
	/** Whole zone: what the transaction put last for the owner, as
	 *  current(); asked only for owners out of canonical order.  NULL:
	 *  nothing. */
	int (*pending)(void *arg, const uint8_t *name, int subtree,
		struct policy_entry *e, uint8_t *data, size_t cap);
	/** Argument of all four. */
	void *arg;
};

/** Counters of records that carried no policy, per transaction. */
struct rpz_counts {
	/** Other trigger types (rpz-ip, rpz-nsdname ...). */
	uint64_t unsupported;
	/** Records outside the zone. */
	uint64_t outside;
	/** Records of types without policy meaning. */
	uint64_t ignored;
};

struct rpz_zone;

/**
 * Create the transfer state of the zone with that apex, with no entries.
 * @return it, or NULL when out of memory.
 */
struct rpz_zone *rpz_zone_create(const uint8_t *zone, size_t zone_len);

/**
 * Free it; NULL is fine.
 */
void rpz_zone_free(struct rpz_zone *z);

/**
 * Set the number of owners with an entry, for a zone whose entries the
 * caller took over (a reload carries them from the feed it replaces).
 */
void rpz_zone_set_entries(struct rpz_zone *z, size_t entries);

/**
 * Start a transaction.
 * @param full: 1 for a whole-zone transfer (every owner not added before
 *	rpz_zone_end() is removed), 0 for an IXFR delta.
 * @param sink: where changed owners go; copied.
 */
void rpz_zone_begin(struct rpz_zone *z, int full, const struct rpz_sink *sink);

/**
 * Add one record to the zone in the open transaction.
 * @return 0, or -1 when out of memory or the sink failed.
 */
int rpz_zone_add(struct rpz_zone *z, const ldns_rr *rr);

/**
 * Delete one record from the zone (IXFR deletions); deleting a record
 * the zone does not hold is not an error.
 * @return 0, or -1 when out of memory or the sink failed.
 */
int rpz_zone_del(struct rpz_zone *z, const ldns_rr *rr);

/**
 * Hand the last changed owners to the sink; after this the caller
 * publishes its batch, then calls rpz_zone_commit() or, if anything
 * failed, rpz_zone_rollback().  Does not report the owners a whole-zone
 * transfer dropped: a replace-all batch removes them by itself.
 * @return 0, or -1 when the sink failed.
 */
int rpz_zone_end(struct rpz_zone *z);

/**
 * The caller published the transaction's changes: count them in.
 */
void rpz_zone_commit(struct rpz_zone *z);

/**
 * Forget the transaction (the caller dropped its batch).
 */
void rpz_zone_rollback(struct rpz_zone *z);

/**
 * Counters of the open (or last) transaction.
 */
const struct rpz_counts *rpz_zone_counts(const struct rpz_zone *z);

/**
 * Number of trigger owners (policy entries) the committed transactions
 * left.
 */
size_t rpz_zone_entries(const struct rpz_zone *z);

/**
 * Memory the transfer state holds, in bytes (approximate: allocator
 * overhead estimated): the owners an open IXFR changed.
 */
size_t rpz_zone_memory(const struct rpz_zone *z);

/**
 * Write one owner's entry as zone records in presentation format, one
 * per line, the owner absolute (a "*." label for a subtree entry).
 * Writing every entry of the zone after its SOA gives the zone back.
 * @param name: the policy name, canonical wire.
 * @return 0, or -1 on a write error.
 */
int rpz_zone_write_entry(const struct rpz_zone *z, const uint8_t *name,
	const struct policy_entry *e, FILE *out);

#endif /* TAPIR_RPZ_H */
