/*
 * tests/unit/test_fileio.c - file_open(): regular files only, never a
 * hang; file_read_all(): contents, bounds, errors; file_lines: the line
 * bound and read errors; file_id: every kind of new version is told
 * apart, on the path and on the open file; file_watch: each state once.
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
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>

#include "module/base/fileio.h"

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
test_empty(void **state)
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
}

/* A temporary directory for the kinds of file below; removed by rm_dir. */
static void
make_dir(char *dir)
{
	assert_non_null(mkdtemp(dir));
}

static void
rm_dir(const char *dir)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

static const char *
in_dir(const char *dir, const char *name)
{
	static char path[4][256];
	static unsigned next;
	char *p = path[next++ % 4];

	snprintf(p, sizeof(path[0]), "%s/%s", dir, name);
	return p;
}

/* Every kind of file that is not a regular one is refused at once, with
 * its own error; the ones a path lookup fails on say so and leave no
 * version.  A hang (the old fopen of a FIFO) is cut short by the alarm,
 * which fails the test. */
static void
test_open_kinds(void **state)
{
	char dir[] = "/tmp/test_fileio.XXXXXX";
	struct sockaddr_un sun;
	struct file_id id;
	char *out;
	size_t len;
	int fd, s;

	(void)state;
	make_dir(dir);
	alarm(10);
	assert_int_equal(mkfifo(in_dir(dir, "fifo"), 0600), 0);
	assert_int_equal(file_open(in_dir(dir, "fifo"), &fd, &id),
		FILE_ERR_FIFO);
	assert_int_equal(fd, -1);
	assert_true(id.ino != 0);   /* the refused version, for watchers */
	assert_int_equal(file_read_all(in_dir(dir, "fifo"), 100, &out, &len),
		FILE_ERR_FIFO);
	assert_null(out);
	assert_int_equal(file_check(in_dir(dir, "fifo")), FILE_ERR_FIFO);

	assert_int_equal(file_open(dir, &fd, &id), FILE_ERR_DIRECTORY);
	assert_int_equal(file_open("/dev/null", &fd, &id),
		FILE_ERR_CHAR_DEVICE);
	assert_int_equal(file_read_all("/dev/zero", 10000, &out, &len),
		FILE_ERR_CHAR_DEVICE);
	assert_int_equal(symlink("/dev/zero", in_dir(dir, "zero")), 0);
	assert_int_equal(file_read_all(in_dir(dir, "zero"), 10000, &out,
		&len), FILE_ERR_CHAR_DEVICE);

	s = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(s >= 0);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s",
		in_dir(dir, "sock"));
	assert_int_equal(bind(s, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_int_equal(file_open(in_dir(dir, "sock"), &fd, NULL),
		FILE_ERR_SOCKET);
	close(s);

	assert_int_equal(symlink("loop-b", in_dir(dir, "loop-a")), 0);
	assert_int_equal(symlink("loop-a", in_dir(dir, "loop-b")), 0);
	assert_int_equal(file_open(in_dir(dir, "loop-a"), &fd, &id), ELOOP);
	assert_true(id.ino == 0 && id.dev == 0);
	assert_int_equal(file_open(in_dir(dir, "none"), &fd, &id), ENOENT);
	assert_true(id.ino == 0 && id.dev == 0);
	assert_int_equal(file_check(in_dir(dir, "none")), ENOENT);
	alarm(0);
	rm_dir(dir);
}

/* A regular file, also through a symbolic link, is opened blocking and
 * close-on-exec, and its version is that of the open file. */
static void
test_open_regular(void **state)
{
	char dir[] = "/tmp/test_fileio.XXXXXX";
	struct file_id id, now;
	FILE *f;
	char buf[8];
	int fd;

	(void)state;
	make_dir(dir);
	assert_non_null(f = fopen(in_dir(dir, "list"), "w"));
	assert_int_equal(fputs("abc\n", f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(symlink("list", in_dir(dir, "link")), 0);
	assert_int_equal(file_open(in_dir(dir, "link"), &fd, &id), 0);
	assert_true(fd >= 0);
	assert_int_equal(fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
	assert_int_equal(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	assert_int_equal(id.size, 4);
	assert_int_equal(file_id_get(in_dir(dir, "list"), &now), 0);
	assert_true(file_id_equal(&id, &now));
	assert_int_equal(read(fd, buf, sizeof(buf)), 4);
	close(fd);
	assert_int_equal(file_check(in_dir(dir, "link")), 0);
	rm_dir(dir);
}

/* What is read through the descriptor is the file that was opened: a
 * replacement by rename leaves it alone (the case a reload during an
 * atomic update hit), a rewrite in place of it shows. */
static void
test_version_of_open_file(void **state)
{
	char dir[] = "/tmp/test_fileio.XXXXXX";
	struct file_id id, now;
	FILE *f;
	int fd;

	(void)state;
	make_dir(dir);
	assert_non_null(f = fopen(in_dir(dir, "list"), "w"));
	assert_int_equal(fputs("abc\n", f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(file_open(in_dir(dir, "list"), &fd, &id), 0);
	assert_non_null(f = fopen(in_dir(dir, "new"), "w"));
	assert_int_equal(fputs("abcdef\n", f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(rename(in_dir(dir, "new"), in_dir(dir, "list")), 0);
	assert_int_equal(file_id_fd(fd, &now), 0);
	assert_true(file_id_equal(&id, &now));
	assert_int_equal(file_id_get(in_dir(dir, "list"), &now), 0);
	assert_false(file_id_equal(&id, &now));
	close(fd);

	assert_int_equal(file_open(in_dir(dir, "list"), &fd, &id), 0);
	assert_non_null(f = fopen(in_dir(dir, "list"), "a"));
	assert_int_equal(fputs("more\n", f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(file_id_fd(fd, &now), 0);
	assert_false(file_id_equal(&id, &now));
	close(fd);
	rm_dir(dir);
}

/* next_line: the next line as a string, or NULL at the end. */
static int
next_line(struct file_lines *l, char *buf, size_t size)
{
	const char *line;
	size_t len;
	int r = file_lines_next(l, &line, &len);

	if (r == 1) {
		assert_true(len < size);
		memcpy(buf, line, len);
		buf[len] = 0;
	}
	return r;
}

static int
open_text(char *path, const char *text, size_t len)
{
	int fd;

	write_temp(path, text, len);
	assert_int_equal(file_open(path, &fd, NULL), 0);
	return fd;
}

static void
test_lines(void **state)
{
	char path[] = "/tmp/test_fileio.XXXXXX";
	struct file_lines l;
	const char *line;
	char buf[64], *big;
	size_t len, i, n;
	int fd;

	(void)state;
	fd = open_text(path, "a\n\nb\0c\nlast", 12);
	assert_int_equal(file_lines_init(&l, fd), 0);
	assert_int_equal(next_line(&l, buf, sizeof(buf)), 1);
	assert_string_equal(buf, "a");
	assert_int_equal(next_line(&l, buf, sizeof(buf)), 1);
	assert_string_equal(buf, "");
	assert_int_equal(file_lines_next(&l, &line, &len), 1);
	assert_int_equal(len, 3);          /* the NUL byte is kept */
	assert_memory_equal(line, "b\0c", 3);
	assert_int_equal(next_line(&l, buf, sizeof(buf)), 1);
	assert_string_equal(buf, "last");  /* no newline at the end */
	assert_int_equal(file_lines_next(&l, &line, &len), 0);
	file_lines_free(&l);
	close(fd);
	unlink(path);

	/* Many short lines: every one comes back across buffer refills. */
	n = 3 * FILE_LINE_MAX / 8;
	assert_non_null(big = malloc(n * 8 + 1));
	for (i = 0; i < n; i++)
		snprintf(big + i * 8, 9, "%07zu\n", i);
	strcpy(path, "/tmp/test_fileio.XXXXXX");
	fd = open_text(path, big, n * 8);
	assert_int_equal(file_lines_init(&l, fd), 0);
	for (i = 0; i < n; i++) {
		char want[8];
		snprintf(want, sizeof(want), "%07zu", i);
		assert_int_equal(next_line(&l, buf, sizeof(buf)), 1);
		assert_string_equal(buf, want);
	}
	assert_int_equal(file_lines_next(&l, &line, &len), 0);
	file_lines_free(&l);
	close(fd);
	unlink(path);
	free(big);
}

/* The longest line passes, one byte more fails the read, with or without
 * a newline after it; a file of one endless line fails fast. */
static void
test_line_bound(void **state)
{
	char path[] = "/tmp/test_fileio.XXXXXX";
	struct file_lines l;
	const char *line;
	size_t len, size = FILE_LINE_MAX + 2;
	char *text;
	int fd;

	(void)state;
	assert_non_null(text = malloc(4 * size));
	memset(text, 'a', 4 * size);
	text[FILE_LINE_MAX] = '\n';
	memcpy(text + FILE_LINE_MAX + 1, "b\n", 2);
	fd = open_text(path, text, FILE_LINE_MAX + 3);
	assert_int_equal(file_lines_init(&l, fd), 0);
	assert_int_equal(file_lines_next(&l, &line, &len), 1);
	assert_int_equal(len, FILE_LINE_MAX);
	assert_int_equal(file_lines_next(&l, &line, &len), 1);
	assert_int_equal(len, 1);
	assert_int_equal(file_lines_next(&l, &line, &len), 0);
	file_lines_free(&l);
	close(fd);
	unlink(path);

	text[FILE_LINE_MAX] = 'a';
	text[FILE_LINE_MAX + 1] = '\n';
	strcpy(path, "/tmp/test_fileio.XXXXXX");
	fd = open_text(path, text, FILE_LINE_MAX + 2);
	assert_int_equal(file_lines_init(&l, fd), 0);
	assert_int_equal(file_lines_next(&l, &line, &len),
		FILE_ERR_LONG_LINE);
	file_lines_free(&l);
	close(fd);
	unlink(path);

	strcpy(path, "/tmp/test_fileio.XXXXXX");
	fd = open_text(path, text, FILE_LINE_MAX + 1);   /* no newline */
	assert_int_equal(file_lines_init(&l, fd), 0);
	assert_int_equal(file_lines_next(&l, &line, &len),
		FILE_ERR_LONG_LINE);
	file_lines_free(&l);
	close(fd);
	unlink(path);
	free(text);
}

/* A read error is an error, never the end of the file. */
static void
test_lines_read_error(void **state)
{
	char path[] = "/tmp/test_fileio.XXXXXX";
	struct file_lines l;
	const char *line;
	size_t len;
	int fd;

	(void)state;
	write_temp(path, "a\nb\n", 4);
	fd = open(path, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(file_lines_init(&l, fd), 0);
	assert_int_equal(file_lines_next(&l, &line, &len), EBADF);
	file_lines_free(&l);
	close(fd);
	unlink(path);
}

/* A watcher sees each version once, a missing path once per change of
 * state (not every poll), and the file again when it is back. */
static void
test_watch(void **state)
{
	char dir[] = "/tmp/test_fileio.XXXXXX";
	struct file_watch w;
	struct file_id id;
	const char *path;
	FILE *f;
	int err = 0, fd, r;

	(void)state;
	make_dir(dir);
	memset(&w, 0, sizeof(w));
	path = in_dir(dir, "list");
	assert_int_equal(file_watch_poll(&w, path, &err), FILE_WATCH_GONE);
	assert_int_equal(err, ENOENT);
	assert_int_equal(file_watch_poll(&w, path, &err), FILE_WATCH_SAME);
	assert_non_null(f = fopen(path, "w"));
	assert_int_equal(fclose(f), 0);
	assert_int_equal(file_watch_poll(&w, path, &err), FILE_WATCH_NEW);
	assert_int_equal(file_open(path, &fd, &id), 0);
	close(fd);
	file_watch_tried(&w, 0, &id);
	assert_int_equal(file_watch_poll(&w, path, &err), FILE_WATCH_SAME);
	/* A file refused for its permissions is tried again once they are
	 * changed, though its contents are the same. */
	usleep(20000);
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(file_watch_poll(&w, path, &err), FILE_WATCH_NEW);
	assert_int_equal(file_open(path, &fd, &id), 0);
	close(fd);
	file_watch_tried(&w, 0, &id);
	assert_int_equal(file_watch_poll(&w, path, &err), FILE_WATCH_SAME);

	assert_int_equal(rename(path, in_dir(dir, "away")), 0);
	assert_int_equal(file_watch_poll(&w, path, &err), FILE_WATCH_GONE);
	assert_int_equal(err, ENOENT);
	assert_int_equal(file_watch_poll(&w, path, &err), FILE_WATCH_SAME);
	assert_int_equal(symlink("list", path), 0);   /* points at itself */
	assert_int_equal(file_watch_poll(&w, path, &err), FILE_WATCH_GONE);
	assert_int_equal(err, ELOOP);
	assert_int_equal(file_watch_poll(&w, path, &err), FILE_WATCH_SAME);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rename(in_dir(dir, "away"), path), 0);
	/* The same version as before, back: loaded again all the same. */
	assert_int_equal(file_watch_poll(&w, path, &err), FILE_WATCH_NEW);

	/* A refused file is a version tried; a failed lookup is missing. */
	assert_int_equal(unlink(path), 0);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(r = file_open(path, &fd, &id), FILE_ERR_FIFO);
	file_watch_tried(&w, r, &id);
	assert_int_equal(file_watch_poll(&w, path, &err), FILE_WATCH_SAME);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(r = file_open(path, &fd, &id), ENOENT);
	file_watch_tried(&w, r, &id);
	assert_int_equal(file_watch_poll(&w, path, &err), FILE_WATCH_SAME);
	rm_dir(dir);
}

/* Each reason reads differently, and names what was found. */
static void
test_strerror(void **state)
{
	static const struct {
		int err;
		const char *has;
	} cases[] = {
		{ FILE_ERR_FIFO, "FIFO" },
		{ FILE_ERR_CHAR_DEVICE, "character device" },
		{ FILE_ERR_BLOCK_DEVICE, "block device" },
		{ FILE_ERR_SOCKET, "socket" },
		{ FILE_ERR_DIRECTORY, "directory" },
		{ FILE_ERR_NOT_REGULAR, "not a regular file" },
		{ FILE_ERR_LONG_LINE, "line longer than 65536" },
		{ FILE_ERR_CHANGED, "changed while being read" },
		{ ENOENT, "vanished" },
		{ ELOOP, "symbolic link loop" },
		{ EACCES, "ermission" },
	};
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_non_null(strstr(file_strerror(cases[i].err),
			cases[i].has));
		for (j = 0; j < i; j++)
			assert_string_not_equal(file_strerror(cases[i].err),
				file_strerror(cases[j].err));
	}
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
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_open_kinds),
		cmocka_unit_test(test_open_regular),
		cmocka_unit_test(test_version_of_open_file),
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_line_bound),
		cmocka_unit_test(test_lines_read_error),
		cmocka_unit_test(test_watch),
		cmocka_unit_test(test_strerror),
		cmocka_unit_test(test_file_versions),
	};

	return cmocka_run_group_tests_name("fileio", tests, NULL, NULL);
}
