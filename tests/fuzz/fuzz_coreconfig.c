/*
 * tests/fuzz/fuzz_coreconfig.c - libFuzzer target: configuration messages
 * from Core (tapir.GlobalConfig) and the MQTT topic filters they carry.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 */
/* fuzz-sources: feeds/tapir/coreconfig.c feeds/tapir/mqtt_topic.c feeds/tapir/observation.c module/base/names.c */
/* fuzz-libs: -ljansson -lcrypto */
#include "tapir_config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "feeds/tapir/coreconfig.h"
#include "feeds/tapir/mqtt_topic.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct core_config c;
	char why[256], *s;
	size_t i;

	if (core_config_parse(data, size, &c, why, sizeof(why)) == 0) {
		/* What is accepted is what the connection may subscribe to
		 * and the bootstrap may fetch. */
		if (!mqtt_topic_filter_valid(c.topic) || !c.version ||
		    (!mqtt_topic_has_wildcard(c.topic) &&
		    !mqtt_topic_matches(c.topic, c.topic)) ||
		    !core_config_equal(&c, &c))
			abort();
		for (i = 0; i < c.n_bootstrap_urls; i++)
			if (strncmp(c.bootstrap_urls[i], "https://", 8) != 0 ||
			    strpbrk(c.bootstrap_urls[i], " \r\n"))
				abort();
		if (c.bootstrap_token && strpbrk(c.bootstrap_token, " \r\n"))
			abort();
	}
	core_config_clear(&c);
	/* The input as a filter and a topic, split at the first NUL. */
	if (!(s = malloc(size + 2)))
		return 0;
	memcpy(s, data, size);
	s[size] = 0;
	s[size + 1] = 0;
	i = strlen(s);
	if (mqtt_topic_filter_valid(s) && !mqtt_topic_has_wildcard(s) &&
	    !mqtt_topic_matches(s, s))
		abort();
	mqtt_topic_matches(s, s + (i < size ? i + 1 : i));
	free(s);
	return 0;
}
