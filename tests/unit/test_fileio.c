/*
 * tests/unit/test_fileio.c - file_read_all(): contents, bounds, errors.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 */
#include "tapir_config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_contents_and_bounds),
		cmocka_unit_test(test_empty_and_unsized),
	};

	return cmocka_run_group_tests_name("fileio", tests, NULL, NULL);
}
