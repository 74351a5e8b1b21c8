/*
 * module/policy/policy_zone.c - the merged policy as a Response Policy
 * Zone's owners and records.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 */
#include "tapir_config.h"
#include "module/policy/policy_zone.h"
#include "module/policy/localdata.h"
#include "module/base/names.h"

#include <string.h>

void
policy_zone_walk_init(struct policy_zone_walk *w, struct policy_store *store,
	const struct policy_snapshot *snap, int64_t now, uint64_t sources)
{
	memset(w, 0, sizeof(*w));
	w->store = store;
	w->snap = snap;
	w->now = now;
	w->sources = sources;
	w->num_sources = (unsigned)policy_store_source_count(store);
}

static int
in_mask(uint64_t mask, unsigned source)
{
	return source < 64 && (mask >> source & 1);
}

/* Whether one source lists the owner. */
static int
source_lists(struct policy_store *store, const struct policy_snapshot *snap,
	uint16_t source, const uint8_t *name, int subtree, int64_t now)
{
	return policy_snapshot_has(snap, source, name, subtree, now) ||
	    (subtree && (policy_source_flags(store, source) &
	    POLICY_SOURCE_SUBDOMAINS) && policy_snapshot_has(snap, source,
	    name, 0, now));
}

int
policy_zone_listed(struct policy_store *store,
	const struct policy_snapshot *snap, const uint8_t *name, int subtree,
	int64_t now, uint64_t sources)
{
	unsigned s, n = (unsigned)policy_store_source_count(store);

	for (s = 0; s < n; s++)
		if (in_mask(sources, s) && source_lists(store, snap,
		    (uint16_t)s, name, subtree, now))
			return 1;
	return 0;
}

int
policy_zone_walk_next(struct policy_zone_walk *w, const uint8_t **name,
	int *subtree)
{
	while (w->source < w->num_sources) {
		struct policy_entry e;
		const uint8_t *n;
		uint16_t s;
		int sub, first = 1;
		if (!in_mask(w->sources, w->source)) {
			w->source++;
			continue;
		}
		if (w->implied) {
			n = w->implied;
			sub = 1;
			w->implied = NULL;
			/* The source's own "*." entry is yielded as such. */
			if (policy_snapshot_has(w->snap, w->source, n, 1,
			    w->now))
				continue;
		} else if (policy_snapshot_next(w->snap, w->source, w->now,
		    &w->pos, &n, &e)) {
			sub = e.subtree;
			if (!sub && (policy_source_flags(w->store, w->source) &
			    POLICY_SOURCE_SUBDOMAINS))
				w->implied = n;
		} else {
			memset(&w->pos, 0, sizeof(w->pos));
			w->source++;
			continue;
		}
		for (s = 0; s < w->source && first; s++)
			first = !in_mask(w->sources, s) || !source_lists(
			    w->store, w->snap, s, n, sub, w->now);
		if (first) {
			*name = n;
			*subtree = sub;
			return 1;
		}
	}
	return 0;
}

enum policy_action
policy_zone_decide(struct policy_store *store, const uint8_t *name,
	int subtree, int64_t now, struct policy_decision *out)
{
	uint8_t probe[NAME_WIRE_MAX];
	size_t len = name_wire_len(name);

	if (subtree) {
		if (len + 2 > NAME_WIRE_MAX) {
			memset(out, 0, sizeof(*out));
			out->source = -1;
			return POLICY_ACTION_NONE;
		}
		probe[0] = 1;
		probe[1] = '*';
		memcpy(probe + 2, name, len);
		len += 2;
	} else {
		memcpy(probe, name, len);
	}
	return (enum policy_action)policy_decide(store, probe, len, now, out);
}

unsigned
policy_zone_records(enum policy_action action, const uint8_t *data,
	uint16_t data_len, const uint8_t *dflt, uint16_t dflt_len,
	policy_zone_rr_fn fn, void *arg)
{
	/* The RPZ targets of the actions, in wire format. */
	static const uint8_t root[] = { 0 };
	static const uint8_t star[] = { 1, '*', 0 };
	static const uint8_t passthru[] = { 12, 'r', 'p', 'z', '-', 'p', 'a',
		's', 's', 't', 'h', 'r', 'u', 0 };
	static const uint8_t drop[] = { 8, 'r', 'p', 'z', '-', 'd', 'r', 'o',
		'p', 0 };
	static const uint8_t tcp_only[] = { 12, 'r', 'p', 'z', '-', 't', 'c',
		'p', '-', 'o', 'n', 'l', 'y', 0 };
	const uint8_t *target = NULL, *rd;
	uint16_t tlen = 0, type, rdlen;
	size_t pos = 0;
	unsigned n = 0;

	switch (action) {
	case POLICY_ACTION_NXDOMAIN:
		target = root, tlen = sizeof(root);
		break;
	case POLICY_ACTION_NODATA:
		target = star, tlen = sizeof(star);
		break;
	case POLICY_ACTION_PASSTHRU:
		target = passthru, tlen = sizeof(passthru);
		break;
	case POLICY_ACTION_DROP:
		target = drop, tlen = sizeof(drop);
		break;
	case POLICY_ACTION_TCP_ONLY:
		target = tcp_only, tlen = sizeof(tcp_only);
		break;
	case POLICY_ACTION_REDIRECT:
		if (!data || !data_len) {
			data = dflt;
			data_len = dflt_len;
		}
		while (data && localdata_next(data, data_len, &pos, &type, &rd,
		    &rdlen)) {
			fn(arg, type, rd, rdlen);
			n++;
		}
		return n;
	default:
		return 0;
	}
	fn(arg, 5, target, tlen);
	return 1;
}
