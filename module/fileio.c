/*
 * module/fileio.c - reading a whole file; telling its versions apart.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 */
#include "tapir_config.h"
#include "module/fileio.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int
file_read_all(const char *path, size_t max, char **out, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	size_t cap = 4096, n = 0;
	char *buf = NULL, *grown;
	int r = 0;

	*out = NULL;
	*len = 0;
	if (!f)
		return errno;
	/* A regular file is sized up front, so it takes one allocation and
	 * an oversized one is refused unread; anything else grows. */
	if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode)) {
		if ((unsigned long long)st.st_size > max) {
			fclose(f);
			return EFBIG;
		}
		cap = (size_t)st.st_size + 1;
	}
	for (;;) {
		if (n + 1 >= cap || !buf) {
			if (buf)
				cap = cap > (max + 1) / 2 ? max + 1 : cap * 2;
			if (!(grown = realloc(buf, cap + 1))) {
				r = ENOMEM;
				break;
			}
			buf = grown;
		}
		n += fread(buf + n, 1, cap - n, f);
		if (ferror(f)) {
			r = EIO;
			break;
		}
		if (n > max) {
			r = EFBIG;
			break;
		}
		if (feof(f))
			break;
	}
	fclose(f);
	if (r) {
		free(buf);
		return r;
	}
	buf[n] = 0;
	*out = buf;
	*len = n;
	return 0;
}

int
file_id_get(const char *path, struct file_id *id)
{
	struct stat st;

	if (stat(path, &st) != 0)
		return -1;
	memset(id, 0, sizeof(*id));
	id->dev = st.st_dev;
	id->ino = st.st_ino;
	id->size = st.st_size;
	id->mtime = st.st_mtim;
	return 0;
}

int
file_id_equal(const struct file_id *a, const struct file_id *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	    a->mtime.tv_sec == b->mtime.tv_sec &&
	    a->mtime.tv_nsec == b->mtime.tv_nsec;
}
