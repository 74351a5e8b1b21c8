/*
 * module/runtime/tapir-pop-control.c - the operator's tool, in the style of
 * unbound-control: sends one command to the module's control socket and
 * prints the answer.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 */
#include "tapir_config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "module/runtime/conf.h"
#include "module/runtime/control.h"

/* Seconds for the whole exchange unless -t says otherwise: a dump of a
 * million names takes a few. */
#define DEFAULT_TIMEOUT 30

static void
usage(FILE *f)
{
	fprintf(f,
"usage: tapir-pop-control [-c tapir-pop.conf] [-s socket] [-t seconds]\n"
"                         command [args]\n"
"  -c file    read control-socket from this config (default %s,\n"
"             or $%s)\n"
"  -s socket  the control socket (overrides -c)\n"
"  -t secs    give up unless the whole answer is in within this time\n"
"             (default %d; 0: no limit)\n"
"commands:\n"
"  status                 version, uptime, sources, policy size\n"
"  stats                  counters as key=value lines, then reset them\n"
"  stats_noreset          counters, without reset\n"
"  lookup NAME            the decision for NAME and why\n"
"  list_sources           every source: type, list, entries, state\n"
"  flush NAME             remove NAME from Unbound's caches\n"
"  allow NAME             runtime override: always pass NAME\n"
"  deny NAME [ACTION]     runtime override: block NAME\n"
"  remove NAME            drop a runtime override\n"
"  list_overrides         the runtime overrides in force\n"
"  reload                 re-read tapir-pop.conf and every source\n"
"  dump                   the merged policy as an RPZ zone\n"
"  checkconf [FILE]       check a configuration file here, without the\n"
"                         socket (default: the -c file or the default)\n",
		tapir_conf_default_path(), TAPIR_CONF_PATH_ENV,
		DEFAULT_TIMEOUT);
}

/* checkconf: read the file as the module would and say whether it is
 * good; the one command that runs here, so an operator can check a file
 * before Unbound (or a reload) reads it. */
static int
checkconf(const char *path)
{
	struct tapir_conf *cfg;
	char err[1024];

	if (tapir_conf_read(path, &cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	tapir_conf_free(cfg);
	printf("%s: ok\n", path);
	return 0;
}

/* The control socket named in the configuration file. */
static char *
socket_from_config(const char *path)
{
	struct tapir_conf *cfg;
	char err[1024];
	char *sock;

	if (tapir_conf_read(path, &cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "tapir-pop-control: %s\n", err);
		return NULL;
	}
	if (!cfg->control_socket) {
		fprintf(stderr, "tapir-pop-control: %s sets no control-socket "
			"(server: clause)\n", path);
		tapir_conf_free(cfg);
		return NULL;
	}
	sock = strdup(cfg->control_socket);
	tapir_conf_free(cfg);
	return sock;
}

/* Milliseconds left before the deadline (0 for none: INT_MAX). */
static int
left_ms(const struct timespec *deadline)
{
	struct timespec now;
	long long ms;

	if (!deadline->tv_sec)
		return INT_MAX;
	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long long)(deadline->tv_sec - now.tv_sec) * 1000 +
		(deadline->tv_nsec - now.tv_nsec) / 1000000;
	return ms < 0 ? 0 : ms > INT_MAX ? INT_MAX : (int)ms;
}

/* Connect within the time left: a full listen queue would otherwise
 * keep connect() waiting (it honours the send timeout). */
static int
connect_socket(const char *path, const struct timespec *deadline)
{
	struct sockaddr_un sun;
	int fd, ms = left_ms(deadline);

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	if (ms != INT_MAX) {
		struct timeval tv = { .tv_sec = ms / 1000,
			.tv_usec = (ms % 1000) * 1000 + 1 };
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		int e = errno;
		close(fd);
		errno = e == EAGAIN ? ETIMEDOUT : e;
		return -1;
	}
	return fd;
}

/* The last line of the answer so far, as far as a check needs it. */
struct last_line {
	char text[64];
	size_t len;      /* of text, or of the line so far if longer */
	int complete;    /* ended with a newline */
};

static void
last_line_add(struct last_line *l, const char *buf, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (l->complete) {
			l->len = 0;
			l->complete = 0;
		}
		if (buf[i] == '\n')
			l->complete = 1;
		else if (l->len < sizeof(l->text) - 1)
			l->text[l->len++] = buf[i];
		l->text[l->len] = 0;
	}
}

int
main(int argc, char **argv)
{
	const char *conf = NULL, *sockpath = NULL;
	char *from_conf = NULL, request[CONTROL_LINE_MAX + 2], buf[4096];
	struct timespec deadline = { 0, 0 };
	struct last_line last = { "", 0, 0 };
	long timeout = DEFAULT_TIMEOUT;
	size_t len, count;
	ssize_t n;
	int c, fd, i, first = 1, failed = 0, dump;
	char *end, extra;

	while ((c = getopt(argc, argv, "c:s:t:h")) != -1) {
		switch (c) {
		case 'c': conf = optarg; break;
		case 's': sockpath = optarg; break;
		case 't':
			errno = 0;
			timeout = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || timeout < 0 ||
			    timeout > 86400) {
				fprintf(stderr, "tapir-pop-control: -t: want "
					"seconds, 0 to 86400\n");
				return 2;
			}
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[optind], "checkconf") == 0) {
		if (argc - optind > 2) {
			usage(stderr);
			return 2;
		}
		return checkconf(argc - optind == 2 ? argv[optind + 1] :
			conf ? conf : tapir_conf_default_path());
	}
	if (!sockpath) {
		from_conf = socket_from_config(conf ? conf :
			tapir_conf_default_path());
		if (!from_conf)
			return 1;
		sockpath = from_conf;
	}
	dump = strcmp(argv[optind], "dump") == 0;
	len = (size_t)snprintf(request, sizeof(request), "%s", CONTROL_PROTOCOL);
	for (i = optind; i < argc && len < sizeof(request); i++)
		len += (size_t)snprintf(request + len, sizeof(request) - len,
			" %s", argv[i]);
	if (len >= sizeof(request) - 1) {
		fprintf(stderr, "tapir-pop-control: command too long\n");
		return 2;
	}
	request[len++] = '\n';
	if (timeout) {
		clock_gettime(CLOCK_MONOTONIC, &deadline);
		deadline.tv_sec += timeout;
	}
	if ((fd = connect_socket(sockpath, &deadline)) < 0) {
		fprintf(stderr, "tapir-pop-control: cannot connect to %s: %s\n",
			sockpath, strerror(errno));
		free(from_conf);
		return 1;
	}
	free(from_conf);
	/* The request fits the empty socket buffer: no wait here. */
	if (write(fd, request, len) != (ssize_t)len) {
		fprintf(stderr, "tapir-pop-control: write: %s\n",
			strerror(errno));
		return 1;
	}
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int ms = left_ms(&deadline);
		if (ms == 0 || poll(&pfd, 1, ms == INT_MAX ? -1 : ms) == 0) {
			fflush(stdout);
			fprintf(stderr, "tapir-pop-control: no complete answer "
				"within %ld s (-t)\n", timeout);
			close(fd);
			return 1;
		}
		if ((n = read(fd, buf, sizeof(buf))) < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (first && n >= 5 && strncmp(buf, "error", 5) == 0)
			failed = 1;
		first = 0;
		last_line_add(&last, buf, (size_t)n);
		fwrite(buf, 1, (size_t)n, stdout);
	}
	if (n < 0)
		fprintf(stderr, "tapir-pop-control: read: %s\n",
			strerror(errno));
	close(fd);
	/* A long answer that failed half-way ends with an error line; a
	 * dump that ended early lacks its count line: neither may pass
	 * for a whole answer. */
	if (strncmp(last.text, "error", 5) == 0)
		failed = 1;
	if (dump && !failed && !(last.complete && sscanf(last.text,
	    "; %zu owners%c", &count, &extra) == 1)) {
		fflush(stdout);
		fprintf(stderr, "tapir-pop-control: the dump is incomplete "
			"(the connection ended before its last line)\n");
		failed = 1;
	}
	return failed || first || n < 0 ? 1 : 0;
}
