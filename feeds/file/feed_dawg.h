/*
 * feeds/file/feed_dawg.h - a source answered from a DAWG file.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 *
 * The file is read into private read-only memory (dawg_open_fd()) and
 * attached to its source as an external index of the policy store:
 * lookups run straight on that copy, with no decoding of the names.  A
 * thread watches the path; when the file is replaced or rewritten (inode,
 * size or modification time), the new version is read and validated
 * first and only then swapped in, and the old copy is released once no
 * query can still use it.  A bad replacement, one that is not a regular
 * file, or a path gone missing keeps the previous file in use, and is
 * logged and counted.
 */
#ifndef TAPIR_FEED_DAWG_H
#define TAPIR_FEED_DAWG_H

#include "feeds/feed.h"

/** The type "dawg"; configuration: file: PATH. */
extern const struct feed_type feed_type_dawg;

#endif /* TAPIR_FEED_DAWG_H */
