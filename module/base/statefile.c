/*
 * module/base/statefile.c - writing state files durably; keeping bad ones.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 */
#include "tapir_config.h"
#include "module/base/statefile.h"
#include "module/base/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Most ".N" tried after a keep-aside name that is taken. */
#define ASIDE_TRIES 100

/* fsync the directory path is in, so that a rename in it survives a
 * crash of the machine.  0, or -1 with errno set. */
static int
sync_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	int fd, r, e;

	if (!slash)
		dir = strdup(".");
	else if (slash == path)
		dir = strdup("/");
	else
		dir = strndup(path, (size_t)(slash - path));
	if (!dir)
		return -1;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	if (fd < 0)
		return -1;
	r = fsync(fd);
	e = errno;
	close(fd);
	/* A file system that cannot sync a directory has nothing to sync. */
	if (r != 0 && e == EINVAL)
		r = 0;
	errno = e;
	return r;
}

int
statefile_write(const char *path, statefile_writer_fn fn, void *arg,
	char *err, size_t errlen)
{
	size_t len = strlen(path) + sizeof(".tmp");
	char *tmp = malloc(len);
	FILE *out;
	int fd, e;

	if (!tmp) {
		tapir_err_set(err, errlen, "writing %s: %s", path,
			strerror(ENOMEM));
		return STATEFILE_FAILED;
	}
	snprintf(tmp, len, "%s.tmp", path);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0666)) < 0) {
		tapir_err_set(err, errlen, "cannot create %s: %s", tmp,
			strerror(errno));
		free(tmp);
		return STATEFILE_FAILED;
	}
	if (!(out = fdopen(fd, "w"))) {
		e = errno;
		close(fd);
		goto fail;
	}
	/* fsync before the rename: after a crash the name points at
	 * complete data or at the previous file, never at a torn one. */
	if (fn(out, arg) != 0 || fflush(out) != 0 ||
	    fsync(fileno(out)) != 0) {
		e = errno;
		fclose(out);
		goto fail;
	}
	if (fclose(out) != 0) {
		e = errno;
		goto fail;
	}
	if (rename(tmp, path) != 0) {
		e = errno;
		tapir_err_set(err, errlen, "renaming %s to %s: %s", tmp, path,
			strerror(e));
		unlink(tmp);
		free(tmp);
		return STATEFILE_FAILED;
	}
	free(tmp);
	if (sync_dir(path) != 0) {
		tapir_err_set(err, errlen, "syncing the directory of %s: %s",
			path, strerror(errno));
		return STATEFILE_NOT_DURABLE;
	}
	return STATEFILE_OK;
fail:
	tapir_err_set(err, errlen, "writing %s: %s", tmp, strerror(e));
	unlink(tmp);
	free(tmp);
	return STATEFILE_FAILED;
}

int
statefile_keep_aside(const char *path, const char *who, const char *why,
	char *aside, size_t size)
{
	size_t len = strlen(path) + sizeof(".broken-YYYYmmddTHHMMSSZ.NNN");
	char *name = malloc(len), stamp[32];
	time_t now = time(NULL);
	struct stat st;
	struct tm tm;
	unsigned i;

	if (!name) {
		tapir_log(TAPIR_LOG_ERR, "%s: %s: %s; cannot keep it aside: %s",
			who, path, why, strerror(ENOMEM));
		return -1;
	}
	if (!gmtime_r(&now, &tm) ||
	    strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm) == 0)
		snprintf(stamp, sizeof(stamp), "%lld", (long long)now);
	/* Never over an earlier one: that is what we keep them for. */
	for (i = 0; i < ASIDE_TRIES; i++) {
		if (i == 0)
			snprintf(name, len, "%s.broken-%s", path, stamp);
		else
			snprintf(name, len, "%s.broken-%s.%u", path, stamp, i);
		if (lstat(name, &st) != 0 && errno == ENOENT)
			break;
	}
	if (i == ASIDE_TRIES || rename(path, name) != 0) {
		tapir_log(TAPIR_LOG_ERR, "%s: %s: %s; cannot keep it aside as "
			"%s: %s", who, path, why, name, i == ASIDE_TRIES ?
			strerror(EEXIST) : strerror(errno));
		free(name);
		return -1;
	}
	/* Best effort: the file is safe from being replaced either way. */
	sync_dir(path);
	tapir_log(TAPIR_LOG_ERR, "%s: %s: %s; kept aside as %s", who, path, why,
		name);
	if (aside && size)
		snprintf(aside, size, "%s", name);
	free(name);
	return 0;
}
