/*
 * module/base/names.h - canonical domain names.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 *
 * Every name tapir-pop stores or looks up is in one canonical form: the
 * uncompressed DNS wire format (length-prefixed labels ending in the root
 * label), with ASCII letters folded to lower case.  Wire format makes the
 * parent of a name a pointer increment, and it is what Unbound hands us in
 * a query, so the query path never converts to text.
 *
 * Text input (files, JSON, config) goes through name_from_text(), which
 * accepts presentation format with \X and \DDD escapes, with or without
 * the trailing dot; POP compared raw strings and missed mixed-case and
 * relative names, which is exactly what this prevents.
 */
#ifndef TAPIR_NAMES_H
#define TAPIR_NAMES_H

#include <stddef.h>
#include <stdint.h>

/** Longest name in wire format, root label included (RFC 1035). */
#define NAME_WIRE_MAX 255
/** Longest presentation form name_to_text() writes, NUL included. */
#define NAME_TEXT_MAX (NAME_WIRE_MAX * 4 + 1)

/** Result codes of the name functions. */
enum name_error {
	NAME_OK = 0,          /**< success */
	NAME_ERR_EMPTY,       /**< empty input */
	NAME_ERR_LABEL_EMPTY, /**< an empty label (".." or a leading dot) */
	NAME_ERR_LABEL_LONG,  /**< a label over 63 octets */
	NAME_ERR_NAME_LONG,   /**< a name over 255 octets in wire format */
	NAME_ERR_ESCAPE,      /**< a bad \X or \DDD escape */
	NAME_ERR_WIRE         /**< malformed wire format */
};

/**
 * Convert a presentation-format name to canonical wire format.
 * @param text: the name, e.g. "WWW.Example.com" or "www.example.com.";
 *	"." alone is the root.  Not NUL-terminated: len gives its length.
 * @param len: length of text.
 * @param wire: out, at least NAME_WIRE_MAX bytes.
 * @param wire_len: out, length written, root label included.
 * @return NAME_OK or an enum name_error.
 */
int name_from_text(const char *text, size_t len, uint8_t *wire,
	size_t *wire_len);

/**
 * Copy a wire-format name into canonical form, validating it.
 * Compression pointers are rejected: callers pass decompressed names (as
 * Unbound's query_info holds).
 * @param in: wire-format name.
 * @param max: bytes readable at in.
 * @param out: out, at least NAME_WIRE_MAX bytes; may equal in.
 * @return length written (root label included), or 0 if malformed.
 */
size_t name_canonicalise_wire(const uint8_t *in, size_t max, uint8_t *out);

/**
 * Write a canonical wire name in presentation format, absolute (trailing
 * dot), escaping what needs it as RFC 4343 says.
 * @param wire: a valid wire name.
 * @param buf: out buffer.
 * @param size: size of buf; NAME_TEXT_MAX always suffices.
 * @return length written without the NUL, or -1 if it did not fit.
 */
int name_to_text(const uint8_t *wire, char *buf, size_t size);

/**
 * Length of a valid wire name, root label included.
 */
size_t name_wire_len(const uint8_t *wire);

/**
 * Number of labels, the root not counted ("example.com." has 2).
 * @param wire: a valid wire name.
 */
unsigned name_label_count(const uint8_t *wire);

/**
 * Human-readable text for an enum name_error.
 */
const char *name_strerror(int err);

#endif /* TAPIR_NAMES_H */
