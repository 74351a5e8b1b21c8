/*
 * module/policy/localdata.h - per-record local data for the redirect action.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 *
 * An RPZ QNAME trigger with CNAME (other than the special targets), A or
 * AAAA records answers with those records.  The policy store keeps them
 * as an opaque blob per entry; this is its format, shared by the feeds
 * that write it and the adapter that answers from it:
 *
 *   repeated { type: 2 octets, rdlength: 2 octets, rdata } (network order)
 *
 * A CNAME's rdata is the target in canonical wire format.  At most one
 * CNAME, which then answers every query type, as RPZ says.
 */
#ifndef TAPIR_LOCALDATA_H
#define TAPIR_LOCALDATA_H

#include <stddef.h>
#include <stdint.h>

/** Largest blob one entry carries (the store's limit). */
#define LOCALDATA_MAX 65535

/** A blob being built. */
struct localdata {
	/** The encoded records. */
	uint8_t buf[LOCALDATA_MAX];
	/** Bytes used. */
	size_t len;
};

/**
 * Append one record.
 * @return 0, or -1 if it does not fit.
 */
static inline int
localdata_add(struct localdata *ld, uint16_t type, const uint8_t *rdata,
	uint16_t rdlen)
{
	if (ld->len + 4u + rdlen > LOCALDATA_MAX)
		return -1;
	ld->buf[ld->len++] = (uint8_t)(type >> 8);
	ld->buf[ld->len++] = (uint8_t)type;
	ld->buf[ld->len++] = (uint8_t)(rdlen >> 8);
	ld->buf[ld->len++] = (uint8_t)rdlen;
	for (uint16_t i = 0; i < rdlen; i++)
		ld->buf[ld->len++] = rdata[i];
	return 0;
}

/**
 * Step through a blob: call with *pos = 0, then repeatedly.
 * @return 1 with the next record in type/rdata/rdlen, 0 at the end or on
 *	a malformed blob.
 */
static inline int
localdata_next(const uint8_t *blob, size_t len, size_t *pos, uint16_t *type,
	const uint8_t **rdata, uint16_t *rdlen)
{
	if (*pos + 4 > len)
		return 0;
	*type = (uint16_t)(blob[*pos] << 8 | blob[*pos + 1]);
	*rdlen = (uint16_t)(blob[*pos + 2] << 8 | blob[*pos + 3]);
	if (*pos + 4 + *rdlen > len)
		return 0;
	*rdata = blob + *pos + 4;
	*pos += 4u + *rdlen;
	return 1;
}

#endif /* TAPIR_LOCALDATA_H */
