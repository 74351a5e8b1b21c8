/*
 * tests/integration/faults_junkd.c - a misbehaving DNS primary for
 * test_faults.sh: it listens on 127.0.0.1, UDP and TCP, and answers
 * every query with garbage.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 *
 * usage: faults_junkd PORT random|badxfr [SERIAL]
 *
 *   random   random bytes (UDP), or a random length prefix and random
 *            bytes (TCP), then the connection is closed.
 *   badxfr   a correct SOA answer with SERIAL (higher than the client's,
 *            so it asks for a transfer); the transfer answer has the
 *            right ID and the SOA, then a record whose length runs past
 *            the end of the message.
 *
 * The random bytes come from a fixed seed: a failure can be replayed.
 * Runs until killed.
 */
#include "tapir_config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define TYPE_SOA 6

static int badxfr;
static uint32_t serial;

static size_t
put16(uint8_t *p, size_t off, unsigned v)
{
	p[off] = (uint8_t)(v >> 8);
	p[off + 1] = (uint8_t)v;
	return off + 2;
}

static size_t
put32(uint8_t *p, size_t off, uint32_t v)
{
	off = put16(p, off, v >> 16);
	return put16(p, off, v & 0xffff);
}

static size_t
random_bytes(uint8_t *out, size_t max)
{
	size_t i, n = 1 + (size_t)rand() % max;

	for (i = 0; i < n; i++)
		out[i] = (uint8_t)rand();
	return n;
}

/* The end of the question section, or 0 if the query is too short. */
static size_t
question_end(const uint8_t *q, size_t len)
{
	size_t off = 12;

	while (off < len && q[off] != 0) {
		if (q[off] & 0xc0)
			return 0;
		off += 1u + q[off];
	}
	off += 5;
	return off <= len ? off : 0;
}

/* The answer to query q (len bytes) in out; returns its length. */
static size_t
answer(const uint8_t *q, size_t len, uint8_t *out, size_t max)
{
	size_t qend, off;
	unsigned qtype;

	if (!badxfr || len < 12 || !(qend = question_end(q, len)) ||
	    qend + 64 > max)
		return random_bytes(out, max < 512 ? max : 512);
	qtype = (unsigned)q[qend - 4] << 8 | q[qend - 3];
	memcpy(out, q, qend);
	out[2] = 0x84;		/* QR, AA */
	out[3] = 0;
	put16(out, 4, 1);
	put16(out, 6, qtype == TYPE_SOA ? 1 : 3);
	put16(out, 8, 0);
	put16(out, 10, 0);
	off = qend;
	/* The apex SOA: owner and names point at the question's name. */
	off = put16(out, off, 0xc00c);
	off = put16(out, off, TYPE_SOA);
	off = put16(out, off, 1);
	off = put32(out, off, 60);
	off = put16(out, off, 4 + 20);
	off = put16(out, off, 0xc00c);
	off = put16(out, off, 0xc00c);
	off = put32(out, off, serial);
	off = put32(out, off, 2);
	off = put32(out, off, 1);
	off = put32(out, off, 86400);
	off = put32(out, off, 60);
	if (qtype == TYPE_SOA)
		return off;
	/* A transfer: one record that claims more bytes than follow. */
	off = put16(out, off, 0xc00c);
	off = put16(out, off, 5);
	off = put16(out, off, 1);
	off = put32(out, off, 60);
	off = put16(out, off, 900);
	out[off++] = 3;
	return off;
}

static int
listen_on(int type, int port)
{
	struct sockaddr_in sa;
	int one = 1, fd = socket(AF_INET, type, 0);

	if (fd < 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    (type == SOCK_STREAM && listen(fd, 16) != 0)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Read exactly n bytes from a TCP client, giving up after 2 s. */
static int
read_full(int fd, uint8_t *buf, size_t n)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	size_t got = 0;

	while (got < n) {
		ssize_t r;
		if (poll(&p, 1, 2000) <= 0)
			return -1;
		if ((r = read(fd, buf + got, n - got)) <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

static void
serve_tcp(int fd)
{
	uint8_t q[65535], out[2 + 4096];
	size_t len, n;

	if (read_full(fd, q, 2) != 0)
		return;
	len = (size_t)q[0] << 8 | q[1];
	if (read_full(fd, q, len) != 0)
		return;
	n = answer(q, len, out + 2, sizeof(out) - 2);
	if (badxfr)
		put16(out, 0, (unsigned)n);
	else
		put16(out, 0, (unsigned)rand() & 0xffff);
	/* A client that went away is no concern of ours. */
	if (write(fd, out, n + 2) < 0)
		return;
}

int
main(int argc, char **argv)
{
	struct pollfd p[2];
	int port;

	if (argc < 3 || (port = atoi(argv[1])) <= 0 ||
	    (strcmp(argv[2], "random") && strcmp(argv[2], "badxfr"))) {
		fprintf(stderr, "usage: faults_junkd PORT random|badxfr "
			"[SERIAL]\n");
		return 2;
	}
	badxfr = strcmp(argv[2], "badxfr") == 0;
	serial = argc > 3 ? (uint32_t)strtoul(argv[3], NULL, 10) : 1;
	srand(4242);
	p[0].fd = listen_on(SOCK_DGRAM, port);
	p[1].fd = listen_on(SOCK_STREAM, port);
	if (p[0].fd < 0 || p[1].fd < 0) {
		perror("faults_junkd: bind");
		return 1;
	}
	p[0].events = p[1].events = POLLIN;
	for (;;) {
		if (poll(p, 2, -1) < 0)
			continue;
		if (p[0].revents & POLLIN) {
			uint8_t q[4096], out[4096];
			struct sockaddr_storage from;
			socklen_t fl = sizeof(from);
			ssize_t r = recvfrom(p[0].fd, q, sizeof(q), 0,
				(struct sockaddr *)&from, &fl);
			if (r > 0) {
				size_t n = answer(q, (size_t)r, out, 512);
				sendto(p[0].fd, out, n, 0,
					(struct sockaddr *)&from, fl);
			}
		}
		if (p[1].revents & POLLIN) {
			int c = accept(p[1].fd, NULL, NULL);
			if (c >= 0) {
				serve_tcp(c);
				close(c);
			}
		}
	}
}
