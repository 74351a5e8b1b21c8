/*
 * tests/fuzz/fuzz_conf.c - libFuzzer target: the tapir-pop.conf parser.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 */
/* fuzz-sources: module/runtime/conf.c module/runtime/feed_types.c feeds/ module/base/csv.c dawg/dawg.c module/base/names.c module/base/fileio.c module/base/statefile.c module/base/thread.c module/base/workpool.c module/base/log.c module/base/netaddr.c module/policy/policy.c module/policy/epoch.c module/output/output.c module/output/serve.c module/output/zone.c module/policy/policy_zone.c */
/* fuzz-libs: -lpthread -lldns -lpaho-mqtt3cs -lcurl -ljansson -lcrypto */
#include "tapir_config.h"

#include <stddef.h>
#include <stdint.h>

#include "module/runtime/conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tapir_conf *cfg;
	char err[512];

	if (tapir_conf_parse("fuzz.conf", (const char *)data, size, &cfg, err,
	    sizeof(err)) == 0)
		tapir_conf_free(cfg);
	return 0;
}
