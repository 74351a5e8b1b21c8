/*
 * module/base/fileio.c - opening and reading the files others control; telling
 * their versions apart.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 */
#include "tapir_config.h"
#include "module/base/fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* FILE_LINE_MAX as text, for the message. */
#define TEXT_OF(x) #x
#define TEXT_OF_VALUE(x) TEXT_OF(x)
#define LINE_MAX_TEXT TEXT_OF_VALUE(FILE_LINE_MAX)

static void
id_from_stat(struct file_id *id, const struct stat *st)
{
	memset(id, 0, sizeof(*id));
	id->dev = st->st_dev;
	id->ino = st->st_ino;
	id->size = st->st_size;
	id->mtime = st->st_mtim;
	id->ctime = st->st_ctim;
}

/* 0 for a regular file, else what it is. */
static int
kind_error(mode_t mode)
{
	if (S_ISREG(mode))
		return 0;
	if (S_ISFIFO(mode))
		return FILE_ERR_FIFO;
	if (S_ISCHR(mode))
		return FILE_ERR_CHAR_DEVICE;
	if (S_ISBLK(mode))
		return FILE_ERR_BLOCK_DEVICE;
	if (S_ISSOCK(mode))
		return FILE_ERR_SOCKET;
	if (S_ISDIR(mode))
		return FILE_ERR_DIRECTORY;
	return FILE_ERR_NOT_REGULAR;
}

int
file_open(const char *path, int *fd, struct file_id *id)
{
	struct file_id scratch;
	struct stat st;
	int r, flags;

	*fd = -1;
	if (!id)
		id = &scratch;
	memset(id, 0, sizeof(*id));
	if (stat(path, &st) != 0)
		return errno;
	id_from_stat(id, &st);
	if ((r = kind_error(st.st_mode)) != 0)
		return r;
	/* O_NONBLOCK: should a FIFO have been put there since the stat, the
	 * open returns at once instead of waiting for a writer. */
	if ((*fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY |
	    O_CLOEXEC)) < 0) {
		r = errno;
		/* Gone since the stat: a watcher sees it missing, not as a
		 * version it tried. */
		if (r == ENOENT || r == ENOTDIR || r == ELOOP)
			memset(id, 0, sizeof(*id));
		return r;
	}
	if (fstat(*fd, &st) != 0)
		r = errno;
	else if ((r = kind_error(st.st_mode)) == 0 &&
	    ((flags = fcntl(*fd, F_GETFL)) < 0 ||
	    fcntl(*fd, F_SETFL, flags & ~O_NONBLOCK) < 0))
		r = errno;
	if (r != 0) {
		close(*fd);
		*fd = -1;
		return r;
	}
	id_from_stat(id, &st);
	return 0;
}

int
file_check(const char *path)
{
	int fd, r;

	if ((r = file_open(path, &fd, NULL)) == 0)
		close(fd);
	return r;
}

const char *
file_strerror(int err)
{
	switch (err) {
	case FILE_ERR_FIFO:
		return "a FIFO (named pipe), not a regular file";
	case FILE_ERR_CHAR_DEVICE:
		return "a character device, not a regular file";
	case FILE_ERR_BLOCK_DEVICE:
		return "a block device, not a regular file";
	case FILE_ERR_SOCKET:
		return "a socket, not a regular file";
	case FILE_ERR_DIRECTORY:
		return "a directory, not a regular file";
	case FILE_ERR_NOT_REGULAR:
		return "not a regular file";
	case FILE_ERR_LONG_LINE:
		return "a line longer than " LINE_MAX_TEXT " bytes";
	case FILE_ERR_CHANGED:
		return "changed while being read";
	case ENOENT:
		return "no such file (missing or vanished)";
	case ELOOP:
		return "a symbolic link loop (too many levels of symbolic "
			"links)";
	default:
		return strerror(err);
	}
}

/* Read up to want bytes; *got says how many came before end of file.
 * Returns 0 or the errno value of the failed read. */
static int
read_full(int fd, char *buf, size_t want, size_t *got)
{
	*got = 0;
	while (*got < want) {
		ssize_t n = read(fd, buf + *got, want - *got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno;
		if (n == 0)
			break;
		*got += (size_t)n;
	}
	return 0;
}

int
file_read_all(const char *path, size_t max, char **out, size_t *len)
{
	struct file_id before, after;
	size_t size, got;
	char *buf;
	int fd, r;

	*out = NULL;
	*len = 0;
	if ((r = file_open(path, &fd, &before)) != 0)
		return r;
	/* Sized up front: one allocation, and an oversized file is refused
	 * unread. */
	if ((unsigned long long)before.size > max) {
		close(fd);
		return EFBIG;
	}
	size = (size_t)before.size;
	if (!(buf = malloc(size + 1))) {
		close(fd);
		return ENOMEM;
	}
	/* Shorter than it was, longer, or rewritten at the same size: a
	 * writer is at work, and what was read may be half of each. */
	if ((r = read_full(fd, buf, size, &got)) == 0 && (got != size ||
	    file_id_fd(fd, &after) != 0 || !file_id_equal(&before, &after)))
		r = FILE_ERR_CHANGED;
	close(fd);
	if (r) {
		free(buf);
		return r;
	}
	buf[size] = 0;
	*out = buf;
	*len = size;
	return 0;
}

int
file_lines_init(struct file_lines *l, int fd)
{
	memset(l, 0, sizeof(*l));
	l->fd = fd;
	if (!(l->buf = malloc(FILE_LINE_MAX + 1)))
		return ENOMEM;
	return 0;
}

int
file_lines_next(struct file_lines *l, const char **line, size_t *len)
{
	for (;;) {
		char *nl = memchr(l->buf + l->start, '\n', l->end - l->start);
		ssize_t n;

		if (nl) {
			*line = l->buf + l->start;
			*len = (size_t)(nl - *line);
			l->start = (size_t)(nl + 1 - l->buf);
			return 1;
		}
		/* The end of file comes before a full buffer can: the last
		 * line is never longer than the bound. */
		if (l->eof) {
			if (l->start == l->end)
				return 0;
			*line = l->buf + l->start;
			*len = l->end - l->start;
			l->start = l->end;
			return 1;
		}
		if (l->start) {
			memmove(l->buf, l->buf + l->start, l->end - l->start);
			l->end -= l->start;
			l->start = 0;
		}
		if (l->end == FILE_LINE_MAX + 1)
			return FILE_ERR_LONG_LINE;
		n = read(l->fd, l->buf + l->end, FILE_LINE_MAX + 1 - l->end);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno;
		if (n == 0)
			l->eof = 1;
		l->end += (size_t)n;
	}
}

void
file_lines_free(struct file_lines *l)
{
	free(l->buf);
	l->buf = NULL;
}

int
file_id_get(const char *path, struct file_id *id)
{
	struct stat st;

	if (stat(path, &st) != 0)
		return -1;
	id_from_stat(id, &st);
	return 0;
}

int
file_id_fd(int fd, struct file_id *id)
{
	struct stat st;

	if (fstat(fd, &st) != 0)
		return -1;
	id_from_stat(id, &st);
	return 0;
}

int
file_id_equal(const struct file_id *a, const struct file_id *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	    a->mtime.tv_sec == b->mtime.tv_sec &&
	    a->mtime.tv_nsec == b->mtime.tv_nsec;
}

int
file_watch_poll(struct file_watch *w, const char *path, int *err)
{
	struct file_id now;

	if (file_id_get(path, &now) != 0) {
		if (errno == w->gone)
			return FILE_WATCH_SAME;
		*err = w->gone = errno;
		return FILE_WATCH_GONE;
	}
	/* Back after it was missing: load it even if it is the version
	 * tried before, so that its state is current again. */
	if (w->gone) {
		w->gone = 0;
		return FILE_WATCH_NEW;
	}
	if (w->have_tried && file_id_equal(&now, &w->tried) &&
	    now.ctime.tv_sec == w->tried.ctime.tv_sec &&
	    now.ctime.tv_nsec == w->tried.ctime.tv_nsec)
		return FILE_WATCH_SAME;
	return FILE_WATCH_NEW;
}

void
file_watch_tried(struct file_watch *w, int err, const struct file_id *id)
{
	/* An inode number of 0 is never a file's: file_open() zeroes the
	 * version when the path could not be looked up. */
	if (id->ino == 0 && id->dev == 0) {
		w->gone = err;
		return;
	}
	w->tried = *id;
	w->have_tried = 1;
	w->gone = 0;
}
