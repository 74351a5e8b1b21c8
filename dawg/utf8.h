/*
 * dawg/utf8.h - UTF-8 decoding shared by the DAWG reader and builder.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 *
 * The format stores code points, and the Go library turns strings into
 * code points with Go's rules: an invalid byte becomes U+FFFD and only
 * that one byte is consumed.  The reader must do the same to find what
 * Go finds; the builder refuses invalid input instead, because two
 * different byte strings would then become the same word.
 */
#ifndef TAPIR_DAWG_UTF8_H
#define TAPIR_DAWG_UTF8_H

#include <stddef.h>
#include <stdint.h>

/** What dawg_utf8_next() returns for an invalid byte (not a code point). */
#define DAWG_UTF8_BAD 0xffffffffu

/**
 * Decode one code point at s[*i] and advance *i past it; an invalid or
 * truncated sequence, an overlong form, a surrogate or a value past
 * U+10FFFF yields DAWG_UTF8_BAD and advances by one byte, as Go does.
 * @param s: the bytes.
 * @param len: their number; *i must be below it.
 * @param i: in/out, the position.
 * @return the code point or DAWG_UTF8_BAD.
 */
static inline uint32_t
dawg_utf8_next(const uint8_t *s, size_t len, size_t *i)
{
	uint8_t b = s[*i];
	uint32_t cp;
	size_t need, k;

	if (b < 0x80) {
		(*i)++;
		return b;
	}
	if (b >= 0xc2 && b <= 0xdf) {
		need = 1;
		cp = b & 0x1f;
	} else if (b >= 0xe0 && b <= 0xef) {
		need = 2;
		cp = b & 0x0f;
	} else if (b >= 0xf0 && b <= 0xf4) {
		need = 3;
		cp = b & 0x07;
	} else {
		(*i)++;
		return DAWG_UTF8_BAD;
	}
	if (*i + need >= len) {
		(*i)++;
		return DAWG_UTF8_BAD;
	}
	for (k = 1; k <= need; k++) {
		if ((s[*i + k] & 0xc0) != 0x80) {
			(*i)++;
			return DAWG_UTF8_BAD;
		}
		cp = cp << 6 | (s[*i + k] & 0x3f);
	}
	if ((need == 2 && cp < 0x800) || (need == 3 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) {
		(*i)++;
		return DAWG_UTF8_BAD;
	}
	*i += need + 1;
	return cp;
}

#endif /* TAPIR_DAWG_UTF8_H */
