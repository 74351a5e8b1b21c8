/*
 * module/base/fileio.h - opening and reading the files others control; telling
 * their versions apart.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 *
 * Every file the module reads is named by an operator or written by
 * another program: the configuration, key sets, signing keys, list and
 * DAWG files, saved feed state.  Any of them may turn out to be a FIFO (an
 * open() that waits for a writer forever, in init or a feed thread that
 * deinit joins), a device (/dev/zero is an endless line), a directory, a
 * symlink loop or gone.  file_open() is the one way in: it accepts
 * regular files only, never blocks, and says what it found instead.  The
 * readers below go through the descriptor it returns, so a file replaced
 * by rename meanwhile is harmless, and a rewrite in place of the open file
 * is told by its size and modification time.
 */
#ifndef TAPIR_FILEIO_H
#define TAPIR_FILEIO_H

#include <stddef.h>
#include <sys/types.h>
#include <time.h>

/** Why a file was refused, beyond errno values (which the functions
 *  below also return); file_strerror() describes either. */
enum file_error {
	FILE_ERR_FIFO = 0x10000, /**< a FIFO (named pipe) */
	FILE_ERR_CHAR_DEVICE,    /**< a character device */
	FILE_ERR_BLOCK_DEVICE,   /**< a block device */
	FILE_ERR_SOCKET,         /**< a socket */
	FILE_ERR_DIRECTORY,      /**< a directory */
	FILE_ERR_NOT_REGULAR,    /**< some other kind of file */
	FILE_ERR_LONG_LINE,      /**< a line longer than FILE_LINE_MAX */
	FILE_ERR_CHANGED         /**< rewritten while it was read */
};

/** The longest line file_lines_next() returns, without its newline.  A
 *  DNS name is at most 1004 characters even fully escaped; CSV rows and
 *  comments get room to spare, a runaway line does not. */
#define FILE_LINE_MAX 65536

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
	/** Last change of status (mode, owner, links): not a new version
	 *  of the contents, so not compared by file_id_equal(), but a
	 *  watcher retries a file refused as unreadable once it changes. */
	struct timespec ctime;
};

/**
 * Open a regular file for reading, without ever blocking.  The path is
 * looked at first (so that a device is refused without being opened: an
 * open can have side effects), then opened with O_NONBLOCK and checked
 * again on the descriptor (so that a file swapped meanwhile cannot hang
 * us either); O_NONBLOCK is cleared before the descriptor is returned.
 * @param path: the file; symbolic links are followed.
 * @param fd: out, the descriptor (O_RDONLY, close-on-exec), or -1.
 * @param id: out, the version of what the path named whenever the path
 *	could be looked up, also when the file is then refused or cannot be
 *	opened (so that a watcher need not retry that version); zeroed when
 *	the path could not be looked up.  May be NULL.
 * @return 0; an enum file_error for a file that is not regular; or the
 *	errno value of looking it up or opening it (ENOENT, ELOOP, EACCES ...).
 */
int file_open(const char *path, int *fd, struct file_id *id);

/**
 * Whether a file that another library will open itself (a certificate or
 * key handed to OpenSSL through libcurl or paho) can be opened and is a
 * regular file: a FIFO there would hang that library's open.
 * @return 0 or a file_open() error.
 */
int file_check(const char *path);

/**
 * Describe an error of these functions: an enum file_error, or an errno
 * value (worded for files where strerror() is vague).
 */
const char *file_strerror(int err);

/**
 * Read a whole regular file into memory (through file_open()).
 * @param path: the file.
 * @param max: the largest size accepted, in bytes.
 * @param out: out, the contents, malloc'd and NUL-terminated (the NUL is
 *	not counted); the caller frees it.  NULL on failure.
 * @param len: out, the length of the contents.
 * @return 0; EFBIG when the file is larger than max; ENOMEM;
 *	FILE_ERR_CHANGED when it changed while it was read; or a file_open()
 *	or read() error.
 */
int file_read_all(const char *path, size_t max, char **out, size_t *len);

/** A reader of lines from a descriptor, each at most FILE_LINE_MAX bytes:
 *  a file that is one endless line fails after that many bytes instead of
 *  filling memory. */
struct file_lines {
	/** The descriptor read; not closed by the reader. */
	int fd;
	/** FILE_LINE_MAX + 1 bytes: a longest line and its newline. */
	char *buf;
	/** Unreturned bytes are buf[start, end). */
	size_t start;
	/** End of the bytes read. */
	size_t end;
	/** Whether read() returned end of file. */
	int eof;
};

/**
 * Start reading lines from fd, at its current offset.
 * @return 0 or ENOMEM.
 */
int file_lines_init(struct file_lines *l, int fd);

/**
 * The next line, without its newline; it may contain NUL bytes.  The last
 * line need not end in a newline.
 * @param line: out, the line; valid until the next call.
 * @param len: out, its length.
 * @return 1 for a line; 0 at the end of the file; FILE_ERR_LONG_LINE; or
 *	the errno value of a failed read.  After an error, do not call again.
 */
int file_lines_next(struct file_lines *l, const char **line, size_t *len);

/**
 * Free the reader's buffer (not the descriptor).
 */
void file_lines_free(struct file_lines *l);

/**
 * The version of the file at path now.
 * @return 0, or -1 with errno set (stat failed).
 */
int file_id_get(const char *path, struct file_id *id);

/**
 * The version of an open file now: with the version file_open() gave,
 * tells whether the file was rewritten while it was read.  A rename over
 * its path does not change the open file and is not seen here.
 * @return 0, or -1 with errno set (fstat failed).
 */
int file_id_fd(int fd, struct file_id *id);

/**
 * Whether two versions are the same.
 */
int file_id_equal(const struct file_id *a, const struct file_id *b);

/** What a thread that polls a file knows between polls: the version it
 *  last tried to load, and whether the path was missing at the last
 *  poll, so that a missing file is reported once, not every poll.  A
 *  version is tried again when its contents or its status change (a
 *  chmod that makes it readable). */
struct file_watch {
	/** The version last loaded or refused. */
	struct file_id tried;
	/** Whether tried is set. */
	int have_tried;
	/** While the path cannot be looked up, that errno value; else 0. */
	int gone;
};

/** What file_watch_poll() saw. */
enum file_watch_event {
	FILE_WATCH_SAME, /**< nothing to do (also: still missing) */
	FILE_WATCH_NEW,  /**< a version not tried yet, or the file is back */
	FILE_WATCH_GONE  /**< the path has just become unusable (*err) */
};

/**
 * Look at the path once.
 * @param w: the watch state.
 * @param path: the file.
 * @param err: out on FILE_WATCH_GONE, the errno value (ENOENT for a file
 *	that vanished, ELOOP for a symlink loop ...).
 * @return an enum file_watch_event.
 */
int file_watch_poll(struct file_watch *w, const char *path, int *err);

/**
 * Record the outcome of a load: the version it tried (loaded or refused,
 * not to be retried until it changes), or that the path could not be
 * looked up.
 * @param w: the watch state.
 * @param err: the load's file_open() result.
 * @param id: the version file_open() returned (zeroed when the path
 *	could not be looked up: then err is recorded as missing).
 */
void file_watch_tried(struct file_watch *w, int err, const struct file_id *id);

#endif /* TAPIR_FILEIO_H */
