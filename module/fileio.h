/*
 * module/fileio.h - reading a whole file; telling its versions apart.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 *
 * The configuration, key sets, signing keys and saved feed state are all
 * read whole and parsed from memory; the file feeds watch for new
 * versions of their files.  One reader serves them all, with the
 * bound each caller sets, so that a runaway file is refused before it is
 * read rather than after it filled memory.
 */
#ifndef TAPIR_FILEIO_H
#define TAPIR_FILEIO_H

#include <stddef.h>
#include <sys/types.h>
#include <time.h>

/**
 * Read a whole file into memory.
 * @param path: the file.
 * @param max: the largest size accepted, in bytes.
 * @param out: out, the contents, malloc'd and NUL-terminated (the NUL is
 *	not counted); the caller frees it.  NULL on failure.
 * @param len: out, the length of the contents.
 * @return 0; EIO when reading failed after the file was opened; EFBIG
 *	when the file is larger than max; ENOMEM; or the errno value of
 *	opening it.
 */
int file_read_all(const char *path, size_t max, char **out, size_t *len);

/** The version of a file, to notice a change without reading it: a
 *  replacement by rename changes the inode, a rewrite in place the size
 *  or the modification time. */
struct file_id {
	/** Device of the file. */
	dev_t dev;
	/** Inode of the file. */
	ino_t ino;
	/** Size in bytes. */
	off_t size;
	/** Last modification. */
	struct timespec mtime;
};

/**
 * The version of the file at path now.
 * @return 0, or -1 with errno set (stat failed).
 */
int file_id_get(const char *path, struct file_id *id);

/**
 * Whether two versions are the same.
 */
int file_id_equal(const struct file_id *a, const struct file_id *b);

#endif /* TAPIR_FILEIO_H */
