/*
 * module/runtime/control.h - the control socket tapir-pop-control talks to.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 *
 * A Unix stream socket, created by the module after Unbound's privilege
 * drop, so it belongs to Unbound's user; its mode decides who else may
 * connect (like unbound-control's socket).  A request is one line,
 * "TPC1 command args...", the answer is text lines, then the server
 * closes the connection.  An answer starting with "error" means the
 * command failed; a long answer that fails half-way ends with an "error"
 * line.
 *
 * One thread serves the socket and every client together (poll): no
 * client can hold up another, or the module's deinit.  A client must send
 * its request within CONTROL_REQUEST_MS and take some of its answer every
 * CONTROL_STALL_MS, or it is dropped.  Commands run on that thread one at
 * a time; a long answer (a dump) is produced piece by piece as the client
 * takes it, so it is never held whole in memory.
 */
#ifndef TAPIR_CONTROL_H
#define TAPIR_CONTROL_H

#include <stdint.h>
#include <stdio.h>

/** Protocol tag at the start of every request. */
#define CONTROL_PROTOCOL "TPC1"
/** Longest request line accepted. */
#define CONTROL_LINE_MAX 4096
/** Most words in a request. */
#define CONTROL_ARGS_MAX 16
/** Clients served at once; one more gets an error line and is closed. */
#define CONTROL_CLIENTS_MAX 64
/** Time a client has from connecting to the end of its request line. */
#define CONTROL_REQUEST_MS 2000
/** Time a client may go without taking any of its answer. */
#define CONTROL_STALL_MS 10000
/** Time a client has for its whole answer, however steadily it reads. */
#define CONTROL_ANSWER_MS 600000

struct control;

/** What the control thread has counted since it started. */
struct control_counters {
	/** Clients served (connections accepted and not refused). */
	uint64_t clients;
	/** Clients refused with an error line: CONTROL_CLIENTS_MAX busy. */
	uint64_t refused;
	/** Clients that sent no complete request line in time. */
	uint64_t request_timeouts;
	/** Answers dropped: the client did not take them in time. */
	uint64_t dropped;
};

/**
 * What a command gets and may set besides its output stream.  For a long
 * answer a command sets next (and state, and free if it needs it); the
 * control thread calls next() whenever the client has taken everything
 * produced so far, then free() once, when the answer is complete, the
 * client is gone or the server stops.
 */
struct control_reply {
	/** Write the next part of the answer (a bounded amount of work) to
	 *  out; return 1 while more follows, 0 after the last part. */
	int (*next)(void *state, FILE *out);
	/** Release state; may be NULL. */
	void (*free)(void *state);
	/** For next and free. */
	void *state;
	/** The server's counters, to report; NULL without a server (the
	 *  fuzzer). */
	const struct control_counters *counters;
};

/**
 * A command handler: argv[0] is the command.  It writes its answer to
 * out; a long answer may leave the rest to reply's next.
 */
typedef void (*control_fn)(void *arg, int argc, char **argv, FILE *out,
	struct control_reply *reply);

/**
 * Create the socket and start serving it.
 * @param path: socket path; a stale socket there is replaced.
 * @param mode: permission bits, e.g. 0660.
 * @param fn: called for every well-formed request, on the control thread.
 * @param arg: for fn.
 * @param err: out, the reason on failure.
 * @param errlen: size of err.
 * @return the control, or NULL on failure.
 */
struct control *control_start(const char *path, unsigned mode, control_fn fn,
	void *arg, char *err, size_t errlen);

/**
 * Stop the thread, close every client, close and remove the socket; NULL
 * is fine.  Returns promptly whatever the clients do.
 */
void control_stop(struct control *c);

/**
 * Check and run one request: the bytes up to the first newline must be
 * printable text, "TPC1 command args..." with at most CONTROL_ARGS_MAX
 * words; then fn runs, else an "error ..." line is written.  This is all
 * the parsing a request gets, so the socket thread and the fuzzer share it.
 * @param line: the request, modified in place; need not be NUL-terminated.
 * @param len: bytes in line.
 * @param fn: the command handler.
 * @param arg: for fn.
 * @param out: where the answer goes.
 * @param reply: its counters are the caller's; next, free and state are
 *	cleared here, and fn may set them for the rest of a long answer.
 */
void control_request(char *line, size_t len, control_fn fn, void *arg,
	FILE *out, struct control_reply *reply);

#endif /* TAPIR_CONTROL_H */
