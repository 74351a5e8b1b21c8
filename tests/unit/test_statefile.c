/*
 * tests/unit/test_statefile.c - statefile_write(): the old file or the new
 * one, whatever fails; statefile_keep_aside(): never over an earlier one.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 */
#include "tapir_config.h"

#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "module/base/fileio.h"
#include "module/base/statefile.h"

static char dir[] = "/tmp/test_statefile.XXXXXX";

static int
setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static const char *
path_of(const char *name)
{
	static char buf[4][256];
	static int next;
	char *p = buf[next++ % 4];

	snprintf(p, 256, "%s/%s", dir, name);
	return p;
}

/* The contents of a file, "" for none; static. */
static const char *
contents(const char *path)
{
	static char buf[4096];
	char *text;
	size_t len;

	if (file_read_all(path, sizeof(buf) - 1, &text, &len) != 0)
		return "";
	memcpy(buf, text, len + 1);
	free(text);
	return buf;
}

/* Names in the directory that start with prefix. */
static unsigned
count_names(const char *prefix)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	unsigned n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		if (strncmp(e->d_name, prefix, strlen(prefix)) == 0)
			n++;
	closedir(d);
	return n;
}

static int
write_text(FILE *out, void *arg)
{
	return fputs(arg, out) < 0 ? -1 : 0;
}

static int
write_fails(FILE *out, void *arg)
{
	fputs(arg, out);
	errno = EINVAL;
	return -1;
}

/* Writes more than RLIMIT_FSIZE lets through. */
static int
write_big(FILE *out, void *arg)
{
	static char block[4096];
	int i;

	(void)arg;
	memset(block, 'x', sizeof(block));
	for (i = 0; i < 64; i++)
		if (fwrite(block, 1, sizeof(block), out) != sizeof(block))
			return -1;
	return 0;
}

static void
test_write(void **state)
{
	const char *p = path_of("a");
	char err[256] = "";

	(void)state;
	assert_int_equal(statefile_write(p, write_text, "one\n", err,
		sizeof(err)), STATEFILE_OK);
	assert_string_equal(contents(p), "one\n");
	assert_int_equal(statefile_write(p, write_text, "two\n", err,
		sizeof(err)), STATEFILE_OK);
	assert_string_equal(contents(p), "two\n");
	assert_int_equal(count_names("a.tmp"), 0);
}

/* Every failure before the rename leaves the old file and no temporary
 * file, and says what failed. */
static void
test_failures_keep_the_old_file(void **state)
{
	const char *p = path_of("b"), *tmp = path_of("b.tmp");
	struct rlimit old, small;
	char err[256] = "";

	(void)state;
	assert_int_equal(statefile_write(p, write_text, "old\n", err,
		sizeof(err)), STATEFILE_OK);

	/* The contents cannot be written. */
	assert_int_equal(statefile_write(p, write_fails, "half", err,
		sizeof(err)), STATEFILE_FAILED);
	assert_non_null(strstr(err, "writing "));
	assert_non_null(strstr(err, "b.tmp"));
	assert_string_equal(contents(p), "old\n");
	assert_int_equal(access(tmp, F_OK), -1);

	/* The file system refuses the data half-way (as a full disk). */
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	small = old;
	small.rlim_cur = 16384;     /* the soft limit alone: it goes back */
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
	assert_int_equal(statefile_write(p, write_big, NULL, err,
		sizeof(err)), STATEFILE_FAILED);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	assert_non_null(strstr(err, strerror(EFBIG)));
	assert_string_equal(contents(p), "old\n");
	assert_int_equal(access(tmp, F_OK), -1);

	/* The temporary file cannot be created. */
	assert_int_equal(mkdir(tmp, 0700), 0);
	assert_int_equal(statefile_write(p, write_text, "new\n", err,
		sizeof(err)), STATEFILE_FAILED);
	assert_non_null(strstr(err, "cannot create "));
	assert_string_equal(contents(p), "old\n");
	assert_int_equal(rmdir(tmp), 0);

	/* The rename fails: a directory is in the way. */
	p = path_of("c");
	assert_int_equal(mkdir(p, 0700), 0);
	assert_int_equal(mkdir(path_of("c/inside"), 0700), 0);
	assert_int_equal(statefile_write(p, write_text, "new\n", err,
		sizeof(err)), STATEFILE_FAILED);
	assert_non_null(strstr(err, "renaming "));
	assert_int_equal(access(path_of("c.tmp"), F_OK), -1);
	assert_int_equal(access(path_of("c/inside"), F_OK), 0);

	/* No such directory. */
	assert_int_equal(statefile_write(path_of("none/d"), write_text, "x",
		err, sizeof(err)), STATEFILE_FAILED);
	assert_non_null(strstr(err, strerror(ENOENT)));
}

static void
test_keep_aside(void **state)
{
	const char *p = path_of("state");
	char aside[256], aside2[256];

	(void)state;
	assert_int_equal(statefile_write(p, write_text, "broken 1", NULL, 0),
		STATEFILE_OK);
	assert_int_equal(statefile_keep_aside(p, "test", "bad", aside,
		sizeof(aside)), 0);
	assert_int_equal(access(p, F_OK), -1);
	assert_int_equal(strncmp(aside, p, strlen(p)), 0);
	assert_int_equal(strncmp(aside + strlen(p), ".broken-", 8), 0);
	/* UTC, to the second: YYYYmmddTHHMMSSZ. */
	assert_int_equal(strlen(aside + strlen(p) + 8), 16);
	assert_int_equal(aside[strlen(aside) - 1], 'Z');
	assert_string_equal(contents(aside), "broken 1");

	/* Again within the same second: a name of its own. */
	assert_int_equal(statefile_write(p, write_text, "broken 2", NULL, 0),
		STATEFILE_OK);
	assert_int_equal(statefile_keep_aside(p, "test", "bad", aside2,
		sizeof(aside2)), 0);
	assert_string_not_equal(aside, aside2);
	assert_string_equal(contents(aside2), "broken 2");
	assert_string_equal(contents(aside), "broken 1");
	assert_int_equal(count_names("state.broken-"), 2);

	/* Nothing to keep. */
	assert_int_equal(statefile_keep_aside(p, "test", "bad", NULL, 0), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_write),
		cmocka_unit_test(test_failures_keep_the_old_file),
		cmocka_unit_test(test_keep_aside),
	};

	return cmocka_run_group_tests_name("statefile", tests, setup,
		teardown);
}
