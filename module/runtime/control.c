/*
 * module/runtime/control.c - the control socket tapir-pop-control talks to.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 *
 * One thread polls the listening socket, a wake-up pipe and every client.
 * Sockets are non-blocking and every client has a deadline, so a client
 * that sends a byte now and then, or asks for a dump and never reads it,
 * costs a slot in the table and nothing else: the others are served
 * meanwhile, and control_stop() (Unbound's deinit) is answered within one
 * poll round.
 */
#include "tapir_config.h"
#include "module/runtime/control.h"
#include "module/base/log.h"
#include "module/base/thread.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/* How much of an overlong request is read and discarded before the error
 * answer: enough for any client that means well, bounded for the rest. */
#define REQUEST_DRAIN_MAX (1024 * 1024)
/* Longest poll: deadlines are checked at least this often. */
#define POLL_MAX_MS 1000
/* Dropped clients logged per minute; the rest are counted, then told. */
#define DROPS_LOGGED_PER_MINUTE 5

/* What a client is doing. */
enum client_state {
	CLIENT_READING,   /* its request line */
	CLIENT_DRAINING,  /* the rest of an overlong request */
	CLIENT_WRITING    /* taking its answer */
};

struct client {
	int fd;
	enum client_state state;
	/* The request line, then (discarded) what follows an overlong one. */
	char line[CONTROL_LINE_MAX + 1];
	size_t len, drained;
	/* The deadline of what it is doing, and of its whole answer;
	 * monotonic milliseconds. */
	int64_t deadline, answer_end;
	/* The answer, in a memory stream that every part of a long answer
	 * reuses (so a dump allocates nothing more as it goes): mem_len
	 * bytes at mem_buf, of which out_pos are written. */
	FILE *mem;
	char *mem_buf;
	size_t mem_len, out_pos;
	/* The rest of a long answer. */
	struct control_reply more;
};

struct control {
	int fd;
	/* control_stop() writes to wake[1], so a poll returns at once. */
	int wake[2];
	char *path;
	control_fn fn;
	void *arg;
	struct tapir_thread thread;
	struct client *clients[CONTROL_CLIENTS_MAX];
	unsigned num_clients;
	struct control_counters counters;
	/* Log rate limit for dropped clients. */
	int64_t log_minute;
	unsigned logged, unlogged;
};

/* Split a request line into words, in place; argv[0] is the command.
 * -1 if the line lacks the protocol tag or has too many words. */
static int
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

void
control_request(char *line, size_t len, control_fn fn, void *arg, FILE *out,
	struct control_reply *reply)
{
	char *argv[CONTROL_ARGS_MAX];
	char *end = memchr(line, '\n', len);
	size_t i;
	int argc;

	reply->next = NULL;
	reply->free = NULL;
	reply->state = NULL;
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
		fn(arg, argc, argv, out, reply);
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A dropped client is logged, but many must not flood the log: at most
 * DROPS_LOGGED_PER_MINUTE lines a minute, and the number left out is
 * told with the next line. */
static void
log_drop(struct control *c, const char *why)
{
	int64_t minute = now_ms() / 60000;

	if (minute != c->log_minute) {
		c->log_minute = minute;
		c->logged = 0;
	}
	if (c->logged >= DROPS_LOGGED_PER_MINUTE) {
		c->unlogged++;
		return;
	}
	c->logged++;
	if (c->unlogged)
		tapir_log(TAPIR_LOG_WARN, "control-socket: client dropped: %s "
			"(and %u more not logged)", why, c->unlogged);
	else
		tapir_log(TAPIR_LOG_WARN, "control-socket: client dropped: %s",
			why);
	c->unlogged = 0;
}

static void
client_close(struct control *c, unsigned i)
{
	struct client *cl = c->clients[i];

	if (cl->more.free)
		cl->more.free(cl->more.state);
	/* Unread bytes (sent after the request line) would make the
	 * client's read fail with a reset instead of the end of the
	 * answer; a request's worth is read and dropped. */
	(void)!recv(cl->fd, cl->line, CONTROL_LINE_MAX, MSG_DONTWAIT);
	close(cl->fd);
	if (cl->mem)
		fclose(cl->mem);
	free(cl->mem_buf);
	free(cl);
	c->clients[i] = c->clients[--c->num_clients];
}

/* A last line to a client that is then closed: one try, never a wait
 * (before an answer, the socket buffer is empty and a line fits). */
static void
say_and_close(struct control *c, unsigned i, const char *line)
{
	(void)!send(c->clients[i]->fd, line, strlen(line),
		MSG_NOSIGNAL | MSG_DONTWAIT);
	client_close(c, i);
}

/* A client's deadline from now on while it takes its answer. */
static void
client_extend(struct client *cl)
{
	cl->deadline = now_ms() + CONTROL_STALL_MS;
	if (cl->deadline > cl->answer_end)
		cl->deadline = cl->answer_end;
}

/* The request line is complete: run it, and start the answer.  Returns
 * 0, or -1 when out of memory. */
static int
client_answer(struct control *c, struct client *cl)
{
	if (!(cl->mem = open_memstream(&cl->mem_buf, &cl->mem_len)))
		return -1;
	cl->more.counters = &c->counters;
	control_request(cl->line, cl->len, c->fn, c->arg, cl->mem,
		&cl->more);
	cl->state = CLIENT_WRITING;
	cl->answer_end = now_ms() + CONTROL_ANSWER_MS;
	client_extend(cl);
	/* The flush sets mem_buf and mem_len. */
	return fflush(cl->mem) == 0 ? 0 : -1;
}

/* The next part of a long answer, once the last one is written.
 * Returns 0, or -1 when out of memory. */
static int
client_produce(struct client *cl)
{
	/* Back to the start: the size a flush reports is the position. */
	if (fseek(cl->mem, 0, SEEK_SET) != 0)
		return -1;
	if (!cl->more.next(cl->more.state, cl->mem)) {
		if (cl->more.free)
			cl->more.free(cl->more.state);
		memset(&cl->more, 0, sizeof(cl->more));
	}
	cl->out_pos = 0;
	/* Time spent producing is not the client's. */
	client_extend(cl);
	return fflush(cl->mem) == 0 ? 0 : -1;
}

static int client_write(struct control *c, unsigned i);

/* Read what the client sent.  Returns 1 to keep it, 0 when it was
 * closed. */
static int
client_read(struct control *c, unsigned i)
{
	struct client *cl = c->clients[i];
	char scratch[128];
	ssize_t n;

	if (cl->state == CLIENT_READING) {
		n = recv(cl->fd, cl->line + cl->len, CONTROL_LINE_MAX - cl->len,
			MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return 1;
		if (n < 0) {
			client_close(c, i);
			return 0;
		}
		if (n == 0) {
			say_and_close(c, i, "error request not received (the "
				"connection ended before the end of line)\n");
			return 0;
		}
		if (memchr(cl->line + cl->len, '\n', (size_t)n)) {
			cl->len += (size_t)n;
			cl->line[cl->len] = 0;
			if (client_answer(c, cl) != 0) {
				say_and_close(c, i, "error out of memory\n");
				return 0;
			}
			/* Most answers fit the socket buffer at once. */
			return client_write(c, i);
		}
		cl->len += (size_t)n;
		if (cl->len == CONTROL_LINE_MAX)
			cl->state = CLIENT_DRAINING;
		return 1;
	}
	/* Draining: the rest of an overlong line is read and discarded
	 * first, so the client, still writing, gets to read the error
	 * line instead of a reset connection. */
	n = recv(cl->fd, cl->line, CONTROL_LINE_MAX, MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 1;
	if (n > 0 && !memchr(cl->line, '\n', (size_t)n) &&
	    (cl->drained += (size_t)n) < REQUEST_DRAIN_MAX)
		return 1;
	snprintf(scratch, sizeof(scratch), "error request too long (at most "
		"%d bytes)\n", CONTROL_LINE_MAX);
	say_and_close(c, i, scratch);
	return 0;
}

/* Write what the client can take.  Returns 1 to keep it, 0 when it was
 * closed (answer complete, client gone). */
static int
client_write(struct control *c, unsigned i)
{
	struct client *cl = c->clients[i];
	ssize_t n;

	if (cl->out_pos == cl->mem_len) {
		if (!cl->more.next) {
			client_close(c, i);
			return 0;
		}
		/* An error line after part of an answer may not get
		 * through; closing early still tells an incomplete one. */
		if (client_produce(cl) != 0) {
			say_and_close(c, i, "error out of memory\n");
			return 0;
		}
		if (cl->out_pos == cl->mem_len)
			return 1;
	}
	n = send(cl->fd, cl->mem_buf + cl->out_pos, cl->mem_len - cl->out_pos,
		MSG_NOSIGNAL | MSG_DONTWAIT);
	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return 1;
		client_close(c, i);
		return 0;
	}
	cl->out_pos += (size_t)n;
	client_extend(cl);
	if (cl->out_pos == cl->mem_len && !cl->more.next) {
		client_close(c, i);
		return 0;
	}
	return 1;
}

/* A client past its deadline. */
static void
client_expire(struct control *c, unsigned i)
{
	struct client *cl = c->clients[i];
	char line[128];

	switch (cl->state) {
	case CLIENT_READING:
		c->counters.request_timeouts++;
		snprintf(line, sizeof(line), "error request not received (no "
			"complete line within %d ms)\n", CONTROL_REQUEST_MS);
		say_and_close(c, i, line);
		break;
	case CLIENT_DRAINING:
		c->counters.request_timeouts++;
		snprintf(line, sizeof(line), "error request too long (at most "
			"%d bytes)\n", CONTROL_LINE_MAX);
		say_and_close(c, i, line);
		break;
	case CLIENT_WRITING:
		c->counters.dropped++;
		log_drop(c, cl->deadline >= cl->answer_end ? "its answer took "
			"longer than the limit" : "it took none of its answer "
			"for too long");
		client_close(c, i);
		break;
	}
}

/* Accept every pending connection; beyond CONTROL_CLIENTS_MAX, one error
 * line and close. */
static void
accept_clients(struct control *c)
{
	char busy[128];
	int fd;

	snprintf(busy, sizeof(busy), "error too many control clients (at "
		"most %d at once), try again\n", CONTROL_CLIENTS_MAX);
	while ((fd = accept4(c->fd, NULL, NULL, SOCK_CLOEXEC |
	    SOCK_NONBLOCK)) >= 0) {
		struct client *cl;
		if (c->num_clients == CONTROL_CLIENTS_MAX ||
		    !(cl = calloc(1, sizeof(*cl)))) {
			c->counters.refused++;
			(void)!send(fd, busy, strlen(busy),
				MSG_NOSIGNAL | MSG_DONTWAIT);
			/* As client_close(): no reset for a request sent. */
			(void)!recv(fd, busy, sizeof(busy), MSG_DONTWAIT);
			close(fd);
			continue;
		}
		cl->fd = fd;
		cl->state = CLIENT_READING;
		cl->deadline = now_ms() + CONTROL_REQUEST_MS;
		c->clients[c->num_clients++] = cl;
		c->counters.clients++;
	}
}

static void *
control_thread(void *arg)
{
	struct control *c = arg;
	struct pollfd pfd[2 + CONTROL_CLIENTS_MAX];
	struct client *polled[CONTROL_CLIENTS_MAX];
	unsigned i, n;

	while (!tapir_thread_sleep(&c->thread, 0)) {
		int64_t now = now_ms(), wait = POLL_MAX_MS;
		/* Deadlines first: what expired is closed, what remains
		 * decides how long to wait. */
		for (i = 0; i < c->num_clients;) {
			if (c->clients[i]->deadline <= now) {
				client_expire(c, i);
				continue;
			}
			if (c->clients[i]->deadline - now < wait)
				wait = c->clients[i]->deadline - now;
			i++;
		}
		pfd[0].fd = c->wake[0];
		pfd[0].events = POLLIN;
		pfd[1].fd = c->fd;
		pfd[1].events = POLLIN;
		for (i = 0; i < c->num_clients; i++) {
			polled[i] = c->clients[i];
			pfd[2 + i].fd = polled[i]->fd;
			pfd[2 + i].events = polled[i]->state == CLIENT_WRITING ?
				POLLOUT : POLLIN;
		}
		n = c->num_clients;
		if (poll(pfd, 2 + n, (int)wait) <= 0)
			continue;
		if (pfd[0].revents)
			continue;
		/* Clients move in the table as others close: find each by
		 * its struct (none is allocated in this loop, so the
		 * address of one closed here matches no other). */
		for (i = 0; i < n; i++) {
			unsigned k;
			if (!pfd[2 + i].revents)
				continue;
			for (k = 0; k < c->num_clients &&
			    c->clients[k] != polled[i]; k++)
				;
			if (k == c->num_clients)
				continue;
			if (polled[i]->state == CLIENT_WRITING)
				client_write(c, k);
			else
				client_read(c, k);
		}
		if (pfd[1].revents)
			accept_clients(c);
	}
	while (c->num_clients)
		client_close(c, c->num_clients - 1);
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
	c->fd = c->wake[0] = c->wake[1] = -1;
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
	if (pipe2(c->wake, O_CLOEXEC | O_NONBLOCK) != 0 ||
	    (c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, 0)) < 0) {
		snprintf(err, errlen, "control-socket: %s", strerror(errno));
		goto fail;
	}
	unlink(path);
	if (bind(c->fd, (struct sockaddr *)&sun, sizeof(sun)) != 0 ||
	    chmod(path, (mode_t)mode) != 0 ||
	    listen(c->fd, CONTROL_CLIENTS_MAX) != 0) {
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
	if (c->fd >= 0)
		close(c->fd);
	if (c->wake[0] >= 0) {
		close(c->wake[0]);
		close(c->wake[1]);
	}
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
	/* The flag first, then the byte that ends the poll: the thread
	 * looks at the flag as soon as it wakes. */
	tapir_thread_ask_stop(&c->thread);
	(void)!write(c->wake[1], "", 1);
	tapir_thread_stop(&c->thread);
	tapir_thread_destroy(&c->thread);
	close(c->fd);
	close(c->wake[0]);
	close(c->wake[1]);
	unlink(c->path);
	free(c->path);
	free(c);
}
