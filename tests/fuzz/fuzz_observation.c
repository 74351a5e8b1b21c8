/*
 * tests/fuzz/fuzz_observation.c - libFuzzer target: observation messages,
 * and the snapshot writer, whose output must read back the same.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 */
/* fuzz-sources: feeds/tapir/observation.c module/base/names.c */
/* fuzz-libs: -ljansson */
#include "tapir_config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "feeds/tapir/observation.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
same_entry(const struct observation_entry *a,
	const struct observation_entry *b)
{
	return a->name_len == b->name_len &&
		memcmp(a->name, b->name, a->name_len) == 0 &&
		a->time_added == b->time_added && a->ttl == b->ttl &&
		a->tag_mask == b->tag_mask && a->expiry == b->expiry;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct observation_msg msg = { 0 }, again = { 0 };
	struct observation_writer w;
	char *buf;
	size_t i;

	if (observation_parse(data, size, &msg, NULL, 0) != OBSERVATION_OK)
		goto out;
	observation_writer_buffer(&w, NULL, 0);
	/* Times shifted past year 9999 or before 0000 cannot be written. */
	if (observation_snapshot_write(&w, &msg, 0) != OBSERVATION_ERR_SPACE)
		goto out;
	if (!(buf = malloc(w.len + 1)))
		goto out;
	observation_writer_buffer(&w, buf, w.len + 1);
	if (observation_snapshot_write(&w, &msg, 0) != OBSERVATION_OK ||
	    observation_parse((const uint8_t *)buf, w.len, &again, NULL,
	    0) != OBSERVATION_OK || again.n_added != msg.n_added ||
	    again.n_skipped != 0 || again.list_type != msg.list_type ||
	    strcmp(again.src_name, msg.src_name) != 0)
		__builtin_trap();
	for (i = 0; i < msg.n_added; i++) {
		if (!same_entry(&msg.added[i], &again.added[i]))
			__builtin_trap();
	}
	free(buf);
out:
	observation_msg_clear(&msg);
	observation_msg_clear(&again);
	return 0;
}
