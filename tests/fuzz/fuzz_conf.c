/*
 * tests/fuzz/fuzz_conf.c - libFuzzer target: the tapir-pop.conf parser.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 */
/* fuzz-sources: module/runtime/conf.c module/runtime/feed_types.c feeds/feed.c feeds/file/feed_file.c feeds/file/listfile.c module/base/csv.c feeds/file/feed_dawg.c dawg/dawg.c feeds/rpz/rpz_type.c feeds/rpz/feed_rpz.c feeds/rpz/rpz.c feeds/tapir/mqtt_type.c feeds/tapir/feed_obs.c feeds/tapir/mqtt_conn.c feeds/tapir/bootstrap.c feeds/tapir/status.c feeds/tapir/jws.c feeds/tapir/observation.c feeds/tapir/tags.c module/base/names.c module/base/fileio.c module/base/statefile.c module/base/thread.c module/base/workpool.c module/base/log.c module/policy/policy.c module/policy/epoch.c feeds/tapir/mqtt_topic.c feeds/tapir/certfile.c feeds/tapir/keyring.c feeds/tapir/coreconfig.c module/output/output.c module/output/serve.c module/output/zone.c module/policy/policy_zone.c feeds/rpz/rpz_fetch.c */
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
