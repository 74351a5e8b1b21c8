/*
 * feeds/rpz/rpz_type.h - the type "rpz": a secondary for one Response
 * Policy Zone.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 *
 * Configuration, in a source clause: zone:, primary: (repeatable,
 * address@port), tsig-key:, tsig-algorithm:, tsig-secret:,
 * notify-listen:, allow-notify: (repeatable), refresh-min:,
 * refresh-max:, transfer-max-size: (MiB), transfer-timeout: (seconds).
 * With a state directory the last good zone is kept there as
 * <source>.rpz and served at start until a primary answers.
 */
#ifndef TAPIR_RPZ_TYPE_H
#define TAPIR_RPZ_TYPE_H

#include "feeds/feed.h"

/** The type "rpz". */
extern const struct feed_type feed_type_rpz;

#endif /* TAPIR_RPZ_TYPE_H */
