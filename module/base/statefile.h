/*
 * module/base/statefile.h - writing state files durably; keeping bad ones.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 *
 * What the module keeps in its state directory (runtime overrides, an
 * observation source's state, an RPZ source's last good zone, a
 * bootstrap's ETag) is written by one function, so that every file is
 * replaced the same way: a temporary file in the same directory, synced,
 * renamed over the old one, and the directory synced.  A crash, a full
 * disk or a read-only directory leaves the old file or the new one,
 * never a torn one, and the caller learns which.
 *
 * A state file that cannot be read back is not left where the next write
 * would replace it: it is renamed aside, with the time in its name, so an
 * operator can look at what was lost.
 */
#ifndef TAPIR_STATEFILE_H
#define TAPIR_STATEFILE_H

#include <stddef.h>
#include <stdio.h>

/** Outcome of statefile_write(). */
enum statefile_result {
	/** The new contents are at the path, durably. */
	STATEFILE_OK = 0,
	/** Nothing changed at the path: the old file (or none) is there. */
	STATEFILE_FAILED,
	/** The new contents are at the path, and a restart reads them, but
	 *  the directory could not be synced: a crash of the machine may
	 *  bring the old file back. */
	STATEFILE_NOT_DURABLE
};

/**
 * Writes a state file's contents.
 * @param out: the temporary file.
 * @param arg: the caller's.
 * @return 0, or -1 with errno set (EINVAL when the contents, not the
 *	file, were at fault).
 */
typedef int (*statefile_writer_fn)(FILE *out, void *arg);

/**
 * Replace the file at path with what fn writes: "<path>.tmp" is written,
 * flushed and fsync'd, renamed over path, and the directory fsync'd.  On
 * failure the temporary file is removed.  Writers of one path must be
 * serialised by the caller (the temporary name is fixed, so that a crash
 * leaves at most one behind, which the next write replaces).
 * @param path: the state file.
 * @param fn: writes the contents.
 * @param arg: for fn.
 * @param err: out, what failed and why ("writing X: No space left on
 *	device"), set unless STATEFILE_OK; the caller logs it.
 * @param errlen: size of err.
 * @return an enum statefile_result.
 */
int statefile_write(const char *path, statefile_writer_fn fn, void *arg,
	char *err, size_t errlen);

/**
 * Keep a state file that cannot be read aside: rename it to
 * "<path>.broken-<UTC time>" (with ".N" added if that exists), so that
 * no later write replaces it, and log that at error level.
 * @param path: the file.
 * @param who: what read it, for the log ("overrides", "source x").
 * @param why: what is wrong with it.
 * @param aside: out, the new name (may be NULL).
 * @param size: size of aside.
 * @return 0, or -1 when it could not be renamed (logged too; the file
 *	stays where it is).
 */
int statefile_keep_aside(const char *path, const char *who, const char *why,
	char *aside, size_t size);

#endif /* TAPIR_STATEFILE_H */
