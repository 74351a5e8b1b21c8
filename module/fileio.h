/*
 * module/fileio.h - reading a whole file.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 *
 * The configuration, key sets, signing keys and saved feed state are all
 * read whole and parsed from memory.  One reader serves them all, with the
 * bound each caller sets, so that a runaway file is refused before it is
 * read rather than after it filled memory.
 */
#ifndef TAPIR_FILEIO_H
#define TAPIR_FILEIO_H

#include <stddef.h>

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

#endif /* TAPIR_FILEIO_H */
