/*
 * tests/fuzz/fuzz_dawg.c - libFuzzer target: the DAWG reader on
 * arbitrary bytes.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 */
/* fuzz-sources: dawg/dawg.c module/base/fileio.c module/base/names.c */
/* fuzz-libs: */
#include "tapir_config.h"

#include <stddef.h>
#include <stdint.h>

#include "dawg/dawg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
count(void *arg, const char *word, size_t len, uint64_t index)
{
	(void)word;
	(void)len;
	(void)index;
	return ++*(uint64_t *)arg > 100000;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t wire_names[][32] = {
		"\3www\7example\3com",
		"\1a\3ads\7example\3org",
		"\2\0\xff\3a.b\4$@()",
		"",
	};
	struct dawg_result res;
	struct dawg d;
	int64_t index;
	size_t at, i;
	uint64_t n = 0;
	int subtree;

	if (dawg_open_buffer(&d, data, size) != DAWG_OK)
		return 0;
	dawg_lookup(&d, "example.com.", 12);
	dawg_lookup(&d, "", 0);
	dawg_lookup(&d, "\xff\xfe\xc3", 3);
	dawg_lookup(&d, "b\xc3\xbc" "cher.example.", 16);
	dawg_lookup_edm(&d, "a.b.Ads.example.org.", 20, &index, &at);
	dawg_lookup_edm(&d, "x.b\\.c.example.", 15, &index, &at);
	for (i = 0; i < sizeof(wire_names) / sizeof(*wire_names); i++) {
		dawg_lookup_wire_exact(&d, wire_names[i]);
		dawg_lookup_wire_edm(&d, wire_names[i], &res);
	}
	dawg_lookup_wire(&d, wire_names[1], &index, &subtree);
	dawg_enumerate(&d, count, &n);
	return 0;
}
