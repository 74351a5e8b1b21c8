/*
 * module/control.c - the control socket tapir-pop-control talks to.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 */
#include "tapir_config.h"
#include "module/control.h"
#include "module/log.h"
#include "module/thread.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* How long a client may take to send its request: a stuck client must
 * not keep the socket from everybody else for long. */
#define REQUEST_TIMEOUT_MS 2000
#define ACCEPT_POLL_MS 200

struct control {
	int fd;
	char *path;
	control_fn fn;
	void *arg;
	struct tapir_thread thread;
};

int
control_split(char *line, char **argv, int max)
{
	int n = 0;
	char *save = NULL, *w;

	w = strtok_r(line, " \t\r\n", &save);
	if (!w || strcmp(w, CONTROL_PROTOCOL) != 0)
		return -1;
	while ((w = strtok_r(NULL, " \t\r\n", &save)) != NULL) {
		if (n == max)
			return -1;
		argv[n++] = w;
	}
	return n;
}

/* Read one line within the time limit.  Returns its length or -1. */
static ssize_t
read_request(int fd, char *buf, size_t size)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	size_t len = 0;

	while (len + 1 < size) {
		ssize_t n;
		if (poll(&pfd, 1, REQUEST_TIMEOUT_MS) <= 0)
			return -1;
		n = read(fd, buf + len, size - 1 - len);
		if (n <= 0)
			return -1;
		len += (size_t)n;
		buf[len] = 0;
		if (memchr(buf, '\n', len))
			return (ssize_t)len;
	}
	return -1;
}

static void
serve(struct control *c, int fd)
{
	char line[CONTROL_LINE_MAX + 1];
	char *argv[CONTROL_ARGS_MAX];
	FILE *out;
	int argc, wfd;

	if ((wfd = dup(fd)) < 0)
		return;
	if (!(out = fdopen(wfd, "w"))) {
		close(wfd);
		return;
	}
	if (read_request(fd, line, sizeof(line)) < 0) {
		fprintf(out, "error request not received (too long, or "
			"too slow)\n");
	} else if (memchr(line, 0, strcspn(line, "\n")) ||
	    (argc = control_split(line, argv, CONTROL_ARGS_MAX)) < 0) {
		fprintf(out, "error malformed request (expected \"%s "
			"command args\")\n", CONTROL_PROTOCOL);
	} else if (argc == 0) {
		fprintf(out, "error no command\n");
	} else {
		c->fn(c->arg, argc, argv, out);
	}
	fclose(out);
}

static void *
control_thread(void *arg)
{
	struct control *c = arg;
	struct pollfd pfd = { .fd = c->fd, .events = POLLIN };

	while (!tapir_thread_sleep(&c->thread, 0)) {
		int fd;
		if (poll(&pfd, 1, ACCEPT_POLL_MS) <= 0)
			continue;
		fd = accept4(c->fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			continue;
		/* A client that stops reading must not block us forever. */
		{
			struct timeval tv = { .tv_sec = 2 };
			setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv,
				sizeof(tv));
		}
		serve(c, fd);
		close(fd);
	}
	return NULL;
}

struct control *
control_start(const char *path, unsigned mode, control_fn fn, void *arg,
	char *err, size_t errlen)
{
	struct control *c = calloc(1, sizeof(*c));
	struct sockaddr_un sun;
	int r;

	if (!c || !(c->path = strdup(path))) {
		snprintf(err, errlen, "out of memory");
		free(c);
		return NULL;
	}
	c->fn = fn;
	c->arg = arg;
	tapir_thread_init(&c->thread);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "control-socket %s: path too long", path);
		goto fail;
	}
	strcpy(sun.sun_path, path);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		snprintf(err, errlen, "control-socket: %s", strerror(errno));
		goto fail;
	}
	unlink(path);
	if (bind(c->fd, (struct sockaddr *)&sun, sizeof(sun)) != 0 ||
	    chmod(path, (mode_t)mode) != 0 || listen(c->fd, 8) != 0) {
		snprintf(err, errlen, "control-socket %s: %s", path,
			strerror(errno));
		goto fail;
	}
	if ((r = tapir_thread_start(&c->thread, control_thread, c)) != 0) {
		snprintf(err, errlen, "control-socket: thread: %s",
			strerror(r));
		goto fail;
	}
	return c;
fail:
	if (c->fd > 0)
		close(c->fd);
	tapir_thread_destroy(&c->thread);
	free(c->path);
	free(c);
	return NULL;
}

void
control_stop(struct control *c)
{
	if (!c)
		return;
	tapir_thread_stop(&c->thread);
	tapir_thread_destroy(&c->thread);
	close(c->fd);
	unlink(c->path);
	free(c->path);
	free(c);
}
