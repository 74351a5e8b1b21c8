/*
 * tests/unit/test_fileio.c - file_read_all(): contents, bounds, errors;
 * file_id: every kind of new version is told apart.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 */
#include "tapir_config.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "module/fileio.h"

static void
write_temp(char *path, const char *text, size_t len)
{
	int fd = mkstemp(path);
	FILE *f;

	assert_true(fd >= 0);
	assert_non_null(f = fdopen(fd, "w"));
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void
test_contents_and_bounds(void **state)
{
	char path[] = "/tmp/test_fileio.XXXXXX", *out;
	size_t len;

	(void)state;
	write_temp(path, "abc\0def", 7);
	assert_int_equal(file_read_all(path, 7, &out, &len), 0);
	assert_int_equal(len, 7);
	assert_memory_equal(out, "abc\0def", 8);   /* NUL added */
	free(out);
	assert_int_equal(file_read_all(path, 6, &out, &len), EFBIG);
	assert_null(out);
	unlink(path);
	assert_int_equal(file_read_all(path, 100, &out, &len), ENOENT);
	assert_null(out);
}

static void
test_empty_and_unsized(void **state)
{
	char path[] = "/tmp/test_fileio.XXXXXX", *out;
	size_t len;

	(void)state;
	write_temp(path, "", 0);
	assert_int_equal(file_read_all(path, 10, &out, &len), 0);
	assert_int_equal(len, 0);
	assert_int_equal(out[0], 0);
	free(out);
	unlink(path);
	/* Not a regular file: no size known up front, read as it comes. */
	assert_int_equal(file_read_all("/dev/null", 10, &out, &len), 0);
	assert_int_equal(len, 0);
	free(out);
	assert_int_equal(file_read_all("/dev/zero", 10000, &out, &len),
		EFBIG);
	assert_null(out);
}

/* Each way a file gets a new version changes its id; nothing else does. */
static void
test_file_versions(void **state)
{
	char path[] = "/tmp/test_fileio.XXXXXX";
	char other[] = "/tmp/test_fileio.XXXXXX";
	struct file_id a, b;
	struct timespec times[2];
	FILE *f;

	(void)state;
	write_temp(path, "abc", 3);
	assert_int_equal(file_id_get(path, &a), 0);
	assert_int_equal(file_id_get(path, &b), 0);
	assert_true(file_id_equal(&a, &b));
	/* Rewritten in place to another size. */
	assert_non_null(f = fopen(path, "w"));
	assert_int_equal(fputs("abcd", f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(file_id_get(path, &b), 0);
	assert_false(file_id_equal(&a, &b));
	/* Same size, new modification time. */
	a = b;
	times[0].tv_sec = times[1].tv_sec = a.mtime.tv_sec - 100;
	times[0].tv_nsec = times[1].tv_nsec = 0;
	assert_int_equal(utimensat(AT_FDCWD, path, times, 0), 0);
	assert_int_equal(file_id_get(path, &b), 0);
	assert_int_equal(b.size, a.size);
	assert_false(file_id_equal(&a, &b));
	/* Replaced by a rename: another inode. */
	a = b;
	write_temp(other, "abcd", 4);
	assert_int_equal(utimensat(AT_FDCWD, other, times, 0), 0);
	assert_int_equal(rename(other, path), 0);
	assert_int_equal(file_id_get(path, &b), 0);
	assert_false(file_id_equal(&a, &b));
	unlink(path);
	assert_int_equal(file_id_get(path, &b), -1);
	assert_int_equal(errno, ENOENT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_contents_and_bounds),
		cmocka_unit_test(test_empty_and_unsized),
		cmocka_unit_test(test_file_versions),
	};

	return cmocka_run_group_tests_name("fileio", tests, NULL, NULL);
}
