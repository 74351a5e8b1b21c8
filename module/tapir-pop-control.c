/*
 * module/tapir-pop-control.c - the operator's tool, in the style of
 * unbound-control: sends one command to the module's control socket and
 * prints the answer.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 */
#include "tapir_config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "module/conf.h"
#include "module/control.h"

static void
usage(FILE *f)
{
	fprintf(f,
"usage: tapir-pop-control [-c tapir-pop.conf] [-s socket] command [args]\n"
"  -c file    read control-socket from this config (default %s,\n"
"             or $%s)\n"
"  -s socket  the control socket (overrides -c)\n"
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
		tapir_conf_default_path(), TAPIR_CONF_PATH_ENV);
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

int
main(int argc, char **argv)
{
	const char *conf = NULL, *sockpath = NULL;
	char *from_conf = NULL, request[CONTROL_LINE_MAX + 2], buf[4096];
	struct sockaddr_un sun;
	size_t len;
	ssize_t n;
	int c, fd, i, first = 1, failed = 0;

	while ((c = getopt(argc, argv, "c:s:h")) != -1) {
		switch (c) {
		case 'c': conf = optarg; break;
		case 's': sockpath = optarg; break;
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
	len = (size_t)snprintf(request, sizeof(request), "%s", CONTROL_PROTOCOL);
	for (i = optind; i < argc && len < sizeof(request); i++)
		len += (size_t)snprintf(request + len, sizeof(request) - len,
			" %s", argv[i]);
	if (len >= sizeof(request) - 1) {
		fprintf(stderr, "tapir-pop-control: command too long\n");
		return 2;
	}
	request[len++] = '\n';
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", sockpath);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		fprintf(stderr, "tapir-pop-control: cannot connect to %s: %s\n",
			sockpath, strerror(errno));
		free(from_conf);
		return 1;
	}
	free(from_conf);
	if (write(fd, request, len) != (ssize_t)len) {
		fprintf(stderr, "tapir-pop-control: write: %s\n",
			strerror(errno));
		return 1;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		if (first && n >= 5 && strncmp(buf, "error", 5) == 0)
			failed = 1;
		first = 0;
		fwrite(buf, 1, (size_t)n, stdout);
	}
	close(fd);
	return failed || first ? 1 : 0;
}
