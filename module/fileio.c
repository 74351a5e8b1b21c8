/*
 * module/fileio.c - reading a whole file.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 */
#include "tapir_config.h"
#include "module/fileio.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
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
