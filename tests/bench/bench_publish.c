/*
 * tests/bench/bench_publish.c - publish-to-blocked latency through a real
 * broker: publishes signed observations at a fixed rate and asks the
 * resolver for each observed name until it answers NXDOMAIN.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 *
 * usage: bench_publish names MESSAGES
 *        bench_publish warm PORT MESSAGES FIRST COUNT
 *        bench_publish run PORT MESSAGES FIRST COUNT RATE BROKER CA CERT
 *                      KEY TOPIC
 *
 * MESSAGES holds signed observations one a line (bench_obs --emit), each
 * adding one name; FIRST and COUNT pick lines, 0-based.  "names" prints
 * each message's name.  "warm" asks the resolver on 127.0.0.1:PORT for
 * each name once and fails unless every answer is NOERROR, so that the
 * names are in Unbound's cache.  "run" publishes the messages at RATE a
 * second (QoS 0, as Core publishes) on the TLS broker BROKER
 * (mqtts://host:port) with the client certificate CERT/KEY, while a
 * second thread asks for every published name, one query in flight per
 * name, until it is NXDOMAIN; it prints the latency from the moment the
 * message was handed to the broker's socket to the first NXDOMAIN
 * received: p50, p99 and max.  The publish time is taken in this process
 * right before MQTTClient_publish(), on the same clock as the answers,
 * so nothing is inferred from logs.  A name re-asked too soon only
 * loads the resolver: each is asked again PROBE_GAP_US (default 500) us
 * after its last answer, which bounds the figure's resolution; the
 * queries the prober sent are printed, as they add to the load.
 */
#include "tapir_config.h"

#include <MQTTClient.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "feeds/tapir/jws.h"
#include "module/base/names.h"
#include "tests/bench/bench.h"

/* A name not NXDOMAIN this long after its publication counts as missed. */
#define PUB_GIVE_UP_NS 10e9
/* A query unanswered this long is asked again. */
#define PUB_RESEND_NS 200e6
#define PUB_DNS_MAX 512

/** One observation: its message and the name it adds. */
struct pub_item {
	/** The signed message (a line of MESSAGES), NUL-terminated. */
	char *msg;
	/** The query for its name, type A, in wire format; id at 0. */
	uint8_t query[12 + NAME_WIRE_MAX + 4];
	/** Length of query. */
	size_t query_len;
	/** When the message went to the broker (ns, CLOCK_MONOTONIC). */
	double published;
	/** Publish to first NXDOMAIN (ns); negative while not seen. */
	double latency;
	/** When the query in flight was sent (ns), 0 if none. */
	double sent;
	/** When the last answer came, NOERROR (ns). */
	double answered;
	/** The id of the query in flight. */
	uint16_t id;
};

/** What the publisher thread shares with the prober. */
struct pub_run {
	/** The items, in publication order. */
	struct pub_item *items;
	/** How many. */
	size_t count;
	/** Messages a second. */
	double rate;
	/** The connected MQTT client. */
	MQTTClient client;
	/** The topic. */
	const char *topic;
	/** Items published so far (release: their published time is set). */
	atomic_size_t done;
	/** Longest MQTTClient_publish() call (ns). */
	double publish_worst;
	/** First publish failure's code, 0 if none. */
	int publish_error;
	/** Queries the prober sent. */
	unsigned long queries;
};

/* The name a message adds: the first "name" of its payload. */
static int
message_name(const char *msg, char *name, size_t size)
{
	const char *p = strstr(msg, "\"payload\":\""), *e, *n;
	uint8_t *payload;
	size_t len, plen;
	int ret = -1;

	if (!p)
		return -1;
	p += strlen("\"payload\":\"");
	if (!(e = strchr(p, '"')))
		return -1;
	len = (size_t)(e - p);
	if (!(payload = malloc(len * 3 / 4 + 2)))
		return -1;
	if (jws_b64url_decode(p, len, payload, &plen) == 0) {
		payload[plen] = 0;
		n = strstr((char *)payload, "\"name\":\"");
		if (n && (n += strlen("\"name\":\""), e = strchr(n, '"')) &&
		    (size_t)(e - n) < size) {
			memcpy(name, n, (size_t)(e - n));
			name[e - n] = 0;
			ret = 0;
		}
	}
	free(payload);
	return ret;
}

/* Lines FIRST..FIRST+COUNT-1 of MESSAGES with their names' queries. */
static struct pub_item *
load_items(const char *path, size_t first, size_t count)
{
	FILE *f = fopen(path, "r");
	struct pub_item *items = calloc(count ? count : 1, sizeof(*items));
	char *line = NULL, name[NAME_TEXT_MAX];
	size_t cap = 0, i = 0, n = 0, wlen;
	ssize_t got;

	if (!f || !items) {
		fprintf(stderr, "bench_publish: cannot read %s\n", path);
		exit(1);
	}
	while (i < count && (got = getline(&line, &cap, f)) > 0) {
		struct pub_item *it;
		if (n++ < first)
			continue;
		it = &items[i++];
		if (line[got - 1] == '\n')
			line[--got] = 0;
		if (message_name(line, name, sizeof(name)) != 0 ||
		    name_from_text(name, strlen(name), it->query + 12,
		    &wlen) != 0) {
			fprintf(stderr, "bench_publish: line %zu: no name\n", n);
			exit(1);
		}
		it->msg = strdup(line);
		memset(it->query, 0, 12);
		it->query[2] = 0x01; /* RD */
		it->query[5] = 1;    /* QDCOUNT */
		memcpy(it->query + 12 + wlen, "\0\1\0\1", 4); /* A, IN */
		it->query_len = 12 + wlen + 4;
		it->latency = -1;
	}
	free(line);
	fclose(f);
	if (i < count) {
		fprintf(stderr, "bench_publish: %s has %zu lines, not %zu\n",
			path, n, first + count);
		exit(1);
	}
	return items;
}

/* A UDP socket connected to 127.0.0.1:port. */
static int
dns_socket(int port)
{
	struct sockaddr_in sa;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		perror("bench_publish: socket");
		exit(1);
	}
	return fd;
}

static void
send_query(int fd, struct pub_item *it, uint16_t id)
{
	it->id = id;
	it->query[0] = (uint8_t)(id >> 8);
	it->query[1] = (uint8_t)id;
	it->sent = now_ns();
	(void)send(fd, it->query, it->query_len, 0);
}

/* The item an answer is for: its id is the one in flight and its
 * question is the item's; NULL for a stale or foreign answer. */
static struct pub_item *
answer_item(struct pub_item **by_id, const uint8_t *buf, ssize_t n)
{
	struct pub_item *it;

	if (n < 12 || !(buf[2] & 0x80))
		return NULL;
	it = by_id[(buf[0] << 8) | buf[1]];
	if (!it || !it->sent || it->id != ((buf[0] << 8) | buf[1]) ||
	    (size_t)n < it->query_len ||
	    memcmp(buf + 12, it->query + 12, it->query_len - 12) != 0)
		return NULL;
	return it;
}

/* "warm": every name asked once, each must be NOERROR. */
static int
warm(int port, struct pub_item *items, size_t count)
{
	int fd = dns_socket(port);
	size_t i, bad = 0;
	uint8_t buf[PUB_DNS_MAX];

	for (i = 0; i < count; i++) {
		struct pub_item *it = &items[i];
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int tries, rcode = -1;
		for (tries = 0; tries < 3 && rcode < 0; tries++) {
			send_query(fd, it, (uint16_t)i);
			while (rcode < 0 && poll(&pfd, 1, 1000) > 0) {
				ssize_t n = recv(fd, buf, sizeof(buf), 0);
				if (n >= 12 && buf[0] == it->query[0] &&
				    buf[1] == it->query[1] && (buf[2] & 0x80))
					rcode = buf[3] & 0x0f;
			}
		}
		if (rcode != 0)
			bad++;
	}
	close(fd);
	printf("warmed %zu names, %zu not NOERROR\n", count, bad);
	return bad != 0;
}

static void
sleep_until(double t_ns)
{
	struct timespec ts;

	ts.tv_sec = (time_t)(t_ns / 1e9);
	ts.tv_nsec = (long)(t_ns - (double)ts.tv_sec * 1e9);
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) ==
	    EINTR)
		;
}

/* The publisher: message i at start + i / rate, timed just before the
 * call that writes it to the broker's socket. */
static void *
publisher(void *arg)
{
	struct pub_run *r = arg;
	double start = now_ns() + 1e6, t;
	size_t i;

	for (i = 0; i < r->count; i++) {
		struct pub_item *it = &r->items[i];
		int rc;
		sleep_until(start + (double)i * 1e9 / r->rate);
		it->published = now_ns();
		rc = MQTTClient_publish(r->client, r->topic,
			(int)strlen(it->msg), it->msg, 0, 0, NULL);
		t = now_ns() - it->published;
		if (t > r->publish_worst)
			r->publish_worst = t;
		if (rc != MQTTCLIENT_SUCCESS && !r->publish_error)
			r->publish_error = rc;
		atomic_store_explicit(&r->done, i + 1, memory_order_release);
	}
	return NULL;
}

/* The prober: until every published name is NXDOMAIN or given up, each
 * pending name has one query in flight, re-asked gap_ns after a NOERROR
 * answer or PUB_RESEND_NS after a lost one. */
static void
probe(struct pub_run *r, int port, double gap_ns)
{
	static struct pub_item *by_id[65536];
	int fd = dns_socket(port);
	size_t lo = 0, i, published;
	uint16_t next_id = 1;
	uint8_t buf[PUB_DNS_MAX];

	for (;;) {
		double now = now_ns();
		struct timespec wait = { 0, 50000 };
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		published = atomic_load_explicit(&r->done,
			memory_order_acquire);
		while (lo < published && r->items[lo].latency >= 0)
			lo++;
		if (lo == r->count)
			break;
		for (i = lo; i < published; i++) {
			struct pub_item *it = &r->items[i];
			if (it->latency >= 0)
				continue;
			if (now - it->published > PUB_GIVE_UP_NS) {
				it->latency = 1e30; /* missed */
				continue;
			}
			if (it->sent ? now - it->sent > PUB_RESEND_NS :
			    now - it->answered >= gap_ns) {
				by_id[next_id] = it;
				send_query(fd, it, next_id++);
				r->queries++;
			}
		}
		if (ppoll(&pfd, 1, &wait, NULL) <= 0)
			continue;
		for (;;) {
			ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
			struct pub_item *it;
			if (n < 0)
				break;
			if (!(it = answer_item(by_id, buf, n)))
				continue;
			now = now_ns();
			it->sent = 0;
			it->answered = now;
			if ((buf[3] & 0x0f) == 3)
				it->latency = now - it->published;
		}
	}
	close(fd);
}

static int
run(int port, struct pub_item *items, size_t count, double rate,
	char **mq)
{
	MQTTClient_connectOptions co = MQTTClient_connectOptions_initializer;
	MQTTClient_SSLOptions ssl = MQTTClient_SSLOptions_initializer;
	struct pub_run r;
	pthread_t tid;
	const char *gap = getenv("PROBE_GAP_US");
	double *lat, sum = 0;
	size_t i, seen = 0, missed = 0;
	char id[64];
	int rc;

	memset(&r, 0, sizeof(r));
	r.items = items;
	r.count = count;
	r.rate = rate;
	r.topic = mq[4];
	snprintf(id, sizeof(id), "bench-publish-%ld", (long)getpid());
	if ((rc = MQTTClient_create(&r.client, mq[0], id,
	    MQTTCLIENT_PERSISTENCE_NONE, NULL)) != MQTTCLIENT_SUCCESS) {
		fprintf(stderr, "bench_publish: MQTTClient_create: %d\n", rc);
		return 1;
	}
	ssl.trustStore = mq[1];
	ssl.keyStore = mq[2];
	ssl.privateKey = mq[3];
	ssl.enableServerCertAuth = 1;
	ssl.verify = 1;
	co.ssl = &ssl;
	co.keepAliveInterval = 600;
	co.cleansession = 1;
	if ((rc = MQTTClient_connect(r.client, &co)) != MQTTCLIENT_SUCCESS) {
		fprintf(stderr, "bench_publish: connect to %s: %d\n", mq[0],
			rc);
		return 1;
	}
	if (pthread_create(&tid, NULL, publisher, &r) != 0) {
		fprintf(stderr, "bench_publish: no thread\n");
		return 1;
	}
	probe(&r, port, (gap ? atof(gap) : 500) * 1e3);
	pthread_join(tid, NULL);
	MQTTClient_disconnect(r.client, 1000);
	MQTTClient_destroy(&r.client);

	if (!(lat = malloc(count * sizeof(*lat))))
		return 1;
	for (i = 0; i < count; i++) {
		if (items[i].latency >= 1e29) {
			missed++;
			continue;
		}
		lat[seen++] = items[i].latency / 1e6;
		sum += items[i].latency / 1e6;
	}
	qsort(lat, seen, sizeof(*lat), cmp_double);
	printf("rate %.0f/s: %zu published in %.2f s, longest publish call "
		"%.3f ms%s; the prober asked %lu queries\n", rate, count,
		(items[count - 1].published - items[0].published) / 1e9,
		r.publish_worst / 1e6, r.publish_error ? ", PUBLISH FAILED" :
		"", r.queries);
	if (seen)
		printf("rate %.0f/s: publish to first NXDOMAIN (ms): p50 %.3f "
			"p99 %.3f max %.3f mean %.3f (%zu names, %zu missed)\n",
			rate, lat[(seen - 1) / 2],
			lat[(size_t)((double)seen * 0.99 + 0.999) - 1],
			lat[seen - 1], sum / (double)seen, seen, missed);
	else
		printf("rate %.0f/s: no name blocked (%zu missed)\n", rate,
			missed);
	free(lat);
	return missed != 0 || r.publish_error != 0;
}

int
main(int argc, char **argv)
{
	struct pub_item *items;
	size_t first, count;
	int rc;

	signal(SIGPIPE, SIG_IGN);
	if (argc == 3 && strcmp(argv[1], "names") == 0) {
		FILE *f = fopen(argv[2], "r");
		char *line = NULL, name[NAME_TEXT_MAX];
		size_t cap = 0;
		if (!f)
			return 1;
		while (getline(&line, &cap, f) > 0)
			if (message_name(line, name, sizeof(name)) == 0)
				puts(name);
		free(line);
		fclose(f);
		return 0;
	}
	if (argc < 6 || (strcmp(argv[1], "warm") != 0 &&
	    strcmp(argv[1], "run") != 0) ||
	    (strcmp(argv[1], "run") == 0 && argc != 12)) {
		fprintf(stderr, "usage: bench_publish names MESSAGES\n"
			"       bench_publish warm PORT MESSAGES FIRST COUNT\n"
			"       bench_publish run PORT MESSAGES FIRST COUNT RATE"
			" BROKER CA CERT KEY TOPIC\n");
		return 2;
	}
	first = strtoul(argv[4], NULL, 10);
	count = strtoul(argv[5], NULL, 10);
	if (!count)
		return 2;
	items = load_items(argv[3], first, count);
	rc = strcmp(argv[1], "warm") == 0 ?
		warm(atoi(argv[2]), items, count) :
		run(atoi(argv[2]), items, count, atof(argv[6]),
		argv + 7);
	return rc;
}
