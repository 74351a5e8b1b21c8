/*
 * feeds/feed_rpz.c - a source fed by an RPZ zone, as a secondary.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 *
 * Transfers are not implemented yet: creating an RPZ feed fails with a
 * clear message, so a configuration with an RPZ source makes Unbound
 * refuse to start instead of running without that policy.
 */
#include "tapir_config.h"
#include "feeds/feed_rpz.h"
#include "module/log.h"

#include <errno.h>
#include <string.h>

struct feed_rpz *
feed_rpz_create(const struct feed_rpz_params *params)
{
	tapir_log(TAPIR_LOG_ERR, "source %s: RPZ sources are not supported "
		"by this build yet", params->source_name);
	return NULL;
}

int
feed_rpz_load_saved(struct feed_rpz *f)
{
	(void)f;
	return -1;
}

int
feed_rpz_start(struct feed_rpz *f)
{
	(void)f;
	return ENOSYS;
}

void
feed_rpz_get_stats(struct feed_rpz *f, struct feed_rpz_stats *out)
{
	(void)f;
	memset(out, 0, sizeof(*out));
}

void
feed_rpz_destroy(struct feed_rpz *f)
{
	(void)f;
}
