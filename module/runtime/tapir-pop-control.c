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
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "module/base/fileio.h"
#include "module/runtime/conf.h"
#include "module/runtime/control.h"

/* Seconds for the whole exchange unless -t says otherwise: a dump of a
 * million names takes a few. */
#define DEFAULT_TIMEOUT 30
/* Where Debian's Unbound has its configuration, for checkconf's look at
 * Unbound's user; skipped when there is none (-u names another). */
#define DEFAULT_UNBOUND_CONF "/etc/unbound/unbound.conf"
/* Unbound's user when unbound.conf names none: Debian's build. */
#define DEFAULT_UNBOUND_USER "unbound"
/* Most supplementary groups looked at. */
#define GROUPS_MAX 256

static void
usage(FILE *f)
{
	fprintf(f,
"usage: tapir-pop-control [-c tapir-pop.conf] [-s socket] [-t seconds]\n"
"                         [-u unbound.conf] command [args]\n"
"  -c file    read control-socket from this config (default %s,\n"
"             or $%s)\n"
"  -s socket  the control socket (overrides -c)\n"
"  -t secs    give up unless the whole answer is in within this time\n"
"             (default %d; 0: no limit)\n"
"  -u file    checkconf: Unbound's configuration, whose username: and\n"
"             chroot: say who must read the files (default %s,\n"
"             if it exists)\n"
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
"                         socket (default: the -c file or the default),\n"
"                         and warn about files Unbound's user cannot read\n",
		tapir_conf_default_path(), TAPIR_CONF_PATH_ENV,
		DEFAULT_TIMEOUT, DEFAULT_UNBOUND_CONF);
}

/* Who Unbound runs as once it dropped its privileges, and where. */
struct unbound_user {
	char name[64];
	uid_t uid;
	gid_t groups[GROUPS_MAX];
	int ngroups;
	char chroot[PATH_MAX];
	/* Warnings given. */
	unsigned warnings;
};

/* A "key: value" of unbound.conf, the value unquoted, or NULL. */
static const char *
unbound_value(char *line, const char *key)
{
	size_t klen = strlen(key);
	char *v, *end;

	line += strspn(line, " \t");
	if (strncmp(line, key, klen) != 0 || line[klen] != ':')
		return NULL;
	v = line + klen + 1;
	v += strspn(v, " \t");
	if (*v == '"' || *v == '\'') {
		char q = *v++;
		if (!(end = strchr(v, q)))
			return NULL;
	} else {
		end = v + strcspn(v, " \t#\r\n");
	}
	*end = 0;
	return v;
}

/* username: and chroot: of an unbound.conf (the last of each wins, as
 * in Unbound; include: files are not followed).  0, 1 when the file
 * cannot be read (errno set). */
static int
read_unbound_conf(const char *path, struct unbound_user *u)
{
	char line[4096];
	const char *v;
	FILE *f;
	int fd;

	snprintf(u->name, sizeof(u->name), "%s", DEFAULT_UNBOUND_USER);
	u->chroot[0] = 0;
	if ((errno = file_open(path, &fd, NULL)) != 0)
		return 1;
	if (!(f = fdopen(fd, "r"))) {
		close(fd);
		return 1;
	}
	while (fgets(line, sizeof(line), f)) {
		if ((v = unbound_value(line, "username")))
			snprintf(u->name, sizeof(u->name), "%s", v);
		else if ((v = unbound_value(line, "chroot")))
			snprintf(u->chroot, sizeof(u->chroot), "%s", v);
	}
	fclose(f);
	return 0;
}

/* Whether the user may do what bits says (4 read, 2 write, 1 search) to
 * a file with this owner, group and mode.  Access control lists are not
 * looked at. */
static int
user_may(const struct unbound_user *u, const struct stat *st, unsigned bits)
{
	int i;

	if (u->uid == 0)
		return 1;
	if (st->st_uid == u->uid)
		return ((st->st_mode >> 6) & bits) == bits;
	for (i = 0; i < u->ngroups; i++)
		if (st->st_gid == u->groups[i])
			return ((st->st_mode >> 3) & bits) == bits;
	return (st->st_mode & bits) == bits;
}

static void
warn_mode(struct unbound_user *u, const char *what, const char *path,
	const struct stat *st, const char *target, const char *where,
	const char *key)
{
	struct passwd *pw = getpwuid(st->st_uid);
	struct group *gr = getgrgid(st->st_gid);
	char owner[32], group[32];

	snprintf(owner, sizeof(owner), "%s", pw ? pw->pw_name : "?");
	snprintf(group, sizeof(group), "%s", gr ? gr->gr_name : "?");
	fprintf(stderr, "tapir-pop-control: warning: Unbound's user %s cannot "
		"%s %s (mode %04o, owner %s, group %s)%s%s, for %s %s\n",
		u->name, what, path, (unsigned)(st->st_mode & 07777), owner,
		group, target ? " on the way to " : "", target ? target : "",
		where, key);
	u->warnings++;
}

/* Check that the user can reach path and do bits to it: search every
 * directory on the way, then the file itself. */
static void
check_access(struct unbound_user *u, const char *where, const char *key,
	const char *path, unsigned bits)
{
	char full[PATH_MAX], real[PATH_MAX], dir[PATH_MAX], *p;
	struct stat st;
	int n;

	/* Inside a chroot, a path without the chroot's prefix is below it,
	 * as Unbound and the module take it. */
	if (u->chroot[0] && strncmp(path, u->chroot, strlen(u->chroot)) != 0)
		n = snprintf(full, sizeof(full), "%s/%s", u->chroot, path);
	else
		n = snprintf(full, sizeof(full), "%s", path);
	if (n < 0 || (size_t)n >= sizeof(full) ? (errno = ENAMETOOLONG, 1) :
	    !realpath(full, real)) {
		fprintf(stderr, "tapir-pop-control: warning: %s %s: %s: %s\n",
			where, key, full, strerror(errno));
		u->warnings++;
		return;
	}
	memcpy(dir, real, sizeof(dir));
	for (p = dir + 1; (p = strchr(p, '/')); p++) {
		*p = 0;
		if (stat(dir, &st) == 0 && !user_may(u, &st, 1)) {
			warn_mode(u, "search the directory", dir, &st, real,
				where, key);
			return;
		}
		*p = '/';
	}
	if (stat(real, &st) == 0 && !user_may(u, &st, bits))
		warn_mode(u, bits & 2 ? "write in" : "read", real, &st, NULL,
			where, key);
}

static void
check_file(void *arg, const char *where, const char *key, const char *path)
{
	check_access(arg, where, key, path, 4);
}

/* Warn about files Unbound's user, as unbound_conf says, cannot read
 * (and a state-dir it cannot write in); the module starts after
 * Unbound dropped its privileges.  0, or 1 when an unbound.conf named
 * with -u cannot be read. */
static int
check_user(const struct tapir_conf *cfg, const char *unbound_conf,
	int named)
{
	static struct unbound_user u;
	struct passwd *pw;

	memset(&u, 0, sizeof(u));
	if (read_unbound_conf(unbound_conf, &u) != 0) {
		if (!named && errno == ENOENT)
			return 0;
		fprintf(stderr, "tapir-pop-control: %s: %s\n", unbound_conf,
			file_strerror(errno));
		return 1;
	}
	if (!u.name[0])
		return 0;   /* username: "": Unbound keeps its user */
	if (!(pw = getpwnam(u.name))) {
		fprintf(stderr, "tapir-pop-control: warning: Unbound's user %s "
			"(%s) does not exist here; file access not checked\n",
			u.name, unbound_conf);
		return 0;
	}
	u.uid = pw->pw_uid;
	u.ngroups = GROUPS_MAX;
	if (getgrouplist(u.name, pw->pw_gid, u.groups, &u.ngroups) < 0)
		u.ngroups = GROUPS_MAX;
	tapir_conf_files(cfg, check_file, &u);
	if (cfg->state_dir)
		check_access(&u, "server:", "state-dir", cfg->state_dir, 3);
	return 0;
}

/* checkconf: read the file as the module would and say whether it is
 * good; the one command that runs here, so an operator can check a file
 * before Unbound (or a reload) reads it. */
static int
checkconf(const char *path, const char *unbound_conf)
{
	struct tapir_conf *cfg;
	char err[1024];
	int r;

	if (tapir_conf_read(path, &cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	r = check_user(cfg, unbound_conf ? unbound_conf :
		DEFAULT_UNBOUND_CONF, unbound_conf != NULL);
	tapir_conf_free(cfg);
	if (r == 0)
		printf("%s: ok\n", path);
	return r;
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
	const char *conf = NULL, *sockpath = NULL, *unbound_conf = NULL;
	char *from_conf = NULL, request[CONTROL_LINE_MAX + 2], buf[4096];
	struct timespec deadline = { 0, 0 };
	struct last_line last = { "", 0, 0 };
	long timeout = DEFAULT_TIMEOUT;
	size_t len, count;
	ssize_t n;
	int c, fd, i, first = 1, failed = 0, dump;
	char *end, extra;

	while ((c = getopt(argc, argv, "c:s:t:u:h")) != -1) {
		switch (c) {
		case 'c': conf = optarg; break;
		case 's': sockpath = optarg; break;
		case 'u': unbound_conf = optarg; break;
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
			conf ? conf : tapir_conf_default_path(), unbound_conf);
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
