/*
 * tests/fuzz/fuzz_listfile.c - libFuzzer target: list file lines.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 */
/* fuzz-sources: feeds/file/listfile.c module/base/csv.c module/base/names.c */
/* fuzz-libs: */
#include "tapir_config.h"

#include <stddef.h>
#include <stdint.h>

#include "feeds/file/listfile.h"
#include "module/base/names.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t wire[NAME_WIRE_MAX];
	char text[NAME_TEXT_MAX];
	const char *why;
	size_t len;
	int subtree;
	unsigned column = size ? (data[0] & 7) + 1 : 1;

	if (listfile_line((const char *)data, size, LISTFILE_TEXT, 1, wire,
	    &len, &subtree, &why) == LISTFILE_NAME) {
		/* A parsed name must survive the trip through text. */
		uint8_t again[NAME_WIRE_MAX];
		size_t again_len;
		int n = name_to_text(wire, text, sizeof(text));
		if (n < 0 || name_from_text(text, (size_t)n, again,
		    &again_len) != NAME_OK || again_len != len ||
		    __builtin_memcmp(again, wire, len) != 0)
			__builtin_trap();
	}
	listfile_line((const char *)data, size, LISTFILE_CSV, column, wire,
		&len, &subtree, &why);
	return 0;
}
