/*
 * module/base/names.c - canonical domain names.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 */
#include "tapir_config.h"
#include "module/base/names.h"

#include <stdio.h>
#include <string.h>

#define LABEL_MAX 63

static uint8_t
fold(uint8_t c)
{
	/* Only ASCII letters fold (RFC 4343); octets >= 0x80 stay as they are. */
	return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + ('a' - 'A')) : c;
}

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

int
name_from_text(const char *text, size_t len, uint8_t *wire, size_t *wire_len)
{
	size_t in = 0, out = 1, label_start = 0;

	if (len == 0)
		return NAME_ERR_EMPTY;
	if (len == 1 && text[0] == '.') {
		wire[0] = 0;
		*wire_len = 1;
		return NAME_OK;
	}
	wire[0] = 0;
	while (in < len) {
		uint8_t c = (uint8_t)text[in++];
		if (c == '.') {
			size_t llen = out - label_start - 1;
			if (llen == 0)
				return NAME_ERR_LABEL_EMPTY;
			wire[label_start] = (uint8_t)llen;
			label_start = out;
			if (out >= NAME_WIRE_MAX)
				return NAME_ERR_NAME_LONG;
			wire[out++] = 0;
			continue;
		}
		if (c == '\\') {
			if (in >= len)
				return NAME_ERR_ESCAPE;
			if (is_digit(text[in])) {
				unsigned v;
				if (in + 3 > len || !is_digit(text[in + 1]) ||
				    !is_digit(text[in + 2]))
					return NAME_ERR_ESCAPE;
				v = (unsigned)(text[in] - '0') * 100 +
				    (unsigned)(text[in + 1] - '0') * 10 +
				    (unsigned)(text[in + 2] - '0');
				if (v > 255)
					return NAME_ERR_ESCAPE;
				c = (uint8_t)v;
				in += 3;
			} else {
				c = (uint8_t)text[in++];
			}
		}
		if (out - label_start - 1 >= LABEL_MAX)
			return NAME_ERR_LABEL_LONG;
		/* One byte for this octet and one for the root label. */
		if (out + 1 >= NAME_WIRE_MAX)
			return NAME_ERR_NAME_LONG;
		wire[out++] = fold(c);
	}
	/* A relative name: close the last label and add the root. */
	if (out - label_start - 1 > 0) {
		wire[label_start] = (uint8_t)(out - label_start - 1);
		wire[out++] = 0;
	}
	*wire_len = out;
	return NAME_OK;
}

size_t
name_canonicalise_wire(const uint8_t *in, size_t max, uint8_t *out)
{
	size_t pos = 0;

	while (pos < max) {
		uint8_t llen = in[pos];
		size_t i;
		if (llen == 0) {
			out[pos] = 0;
			return pos + 1;
		}
		if (llen > LABEL_MAX || pos + 1 + llen + 1 > NAME_WIRE_MAX ||
		    pos + 1 + llen >= max)
			return 0;
		out[pos] = llen;
		for (i = 1; i <= llen; i++)
			out[pos + i] = fold(in[pos + i]);
		pos += 1 + (size_t)llen;
	}
	return 0;
}

int
name_to_text(const uint8_t *wire, char *buf, size_t size)
{
	size_t out = 0;

	if (size < 2)
		return -1;
	if (wire[0] == 0) {
		buf[0] = '.';
		buf[1] = 0;
		return 1;
	}
	while (*wire) {
		uint8_t llen = *wire++, i;
		for (i = 0; i < llen; i++) {
			uint8_t c = wire[i];
			if (out + 5 >= size)
				return -1;
			if (c == '.' || c == '\\' || c == '"' || c == ';' ||
			    c == '(' || c == ')' || c == '@' || c == '$') {
				buf[out++] = '\\';
				buf[out++] = (char)c;
			} else if (c <= 0x20 || c >= 0x7f) {
				snprintf(buf + out, size - out, "\\%03u", c);
				out += 4;
			} else {
				buf[out++] = (char)c;
			}
		}
		wire += llen;
		if (out + 2 > size)
			return -1;
		buf[out++] = '.';
	}
	buf[out] = 0;
	return (int)out;
}

unsigned
name_label_count(const uint8_t *wire)
{
	unsigned n = 0;

	while (*wire) {
		wire += 1 + *wire;
		n++;
	}
	return n;
}

const char *
name_strerror(int err)
{
	switch (err) {
	case NAME_OK: return "ok";
	case NAME_ERR_EMPTY: return "empty name";
	case NAME_ERR_LABEL_EMPTY: return "empty label";
	case NAME_ERR_LABEL_LONG: return "label longer than 63 octets";
	case NAME_ERR_NAME_LONG: return "name longer than 255 octets";
	case NAME_ERR_ESCAPE: return "bad escape";
	case NAME_ERR_WIRE: return "malformed wire name";
	}
	return "unknown name error";
}

size_t
name_wire_len(const uint8_t *wire)
{
	size_t len = 0;

	while (wire[len])
		len += 1u + wire[len];
	return len + 1;
}
