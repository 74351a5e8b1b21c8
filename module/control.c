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
/* How much of an overlong request is read and discarded before the error
 * answer: enough for any client that means well, bounded for the rest. */
#define REQUEST_DRAIN_MAX (1024 * 1024)

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

/* Read one line within the time limit.  Returns its length, -1 when the
 * client sent no complete line in time, or -2 when the line is longer
 * than the buffer: the rest of it is read and discarded first (up to
 * REQUEST_DRAIN_MAX bytes), so the client, still writing, gets to read
 * the error line instead of a reset connection. */
static ssize_t
read_request(int fd, char *buf, size_t size)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	size_t len = 0, drained = 0;
	ssize_t n;

	while (len + 1 < size) {
		if (poll(&pfd, 1, REQUEST_TIMEOUT_MS) <= 0)
			return -1;
		n = read(fd, buf + len, size - 1 - len);
		if (n <= 0)
			return -1;
		if (memchr(buf + len, '\n', (size_t)n)) {
			len += (size_t)n;
			buf[len] = 0;
			return (ssize_t)len;
		}
		len += (size_t)n;
	}
	while (drained < REQUEST_DRAIN_MAX &&
	    poll(&pfd, 1, REQUEST_TIMEOUT_MS) > 0 &&
	    (n = read(fd, buf, size - 1)) > 0) {
		if (memchr(buf, '\n', (size_t)n))
			break;
		drained += (size_t)n;
	}
	return -2;
}

void
control_request(char *line, size_t len, control_fn fn, void *arg, FILE *out)
{
	char *argv[CONTROL_ARGS_MAX];
	char *end = memchr(line, '\n', len);
	size_t i;
	int argc;

	if (!end) {
		fprintf(out, "error malformed request (no end of line)\n");
		return;
	}
	*end = 0;
	/* Only printable text: the words end up in answers and logs. */
	for (i = 0; line + i < end; i++) {
		unsigned char ch = (unsigned char)line[i];
		if ((ch < 0x20 && ch != '\t' && ch != '\r') || ch == 0x7f) {
			fprintf(out, "error malformed request (control "
				"character at byte %zu)\n", i);
			return;
		}
	}
	argc = control_split(line, argv, CONTROL_ARGS_MAX);
	if (argc < 0)
		fprintf(out, "error malformed request (expected \"%s "
			"command args\", at most %d words)\n",
			CONTROL_PROTOCOL, CONTROL_ARGS_MAX);
	else if (argc == 0)
		fprintf(out, "error no command\n");
	else
		fn(arg, argc, argv, out);
}

static void
serve(struct control *c, int fd)
{
	char line[CONTROL_LINE_MAX + 1];
	FILE *out;
	ssize_t len;
	int wfd;

	if ((wfd = dup(fd)) < 0)
		return;
	if (!(out = fdopen(wfd, "w"))) {
		close(wfd);
		return;
	}
	len = read_request(fd, line, sizeof(line));
	if (len == -2)
		fprintf(out, "error request too long (at most %d bytes)\n",
			CONTROL_LINE_MAX);
	else if (len < 0)
		fprintf(out, "error request not received (no complete line "
			"within %d ms)\n", REQUEST_TIMEOUT_MS);
	else
		control_request(line, (size_t)len, c->fn, c->arg, out);
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
