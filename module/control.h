/*
 * module/control.h - the control socket tapir-pop-control talks to.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 *
 * A Unix stream socket, created by the module after Unbound's privilege
 * drop, so it belongs to Unbound's user; its mode decides who else may
 * connect (like unbound-control's socket).  One thread serves it, one
 * connection at a time: a request is one line, "TPC1 command args...",
 * the answer is text lines, then the server closes the connection.  An
 * answer starting with "error" means the command failed.
 */
#ifndef TAPIR_CONTROL_H
#define TAPIR_CONTROL_H

#include <stdio.h>

/** Protocol tag at the start of every request. */
#define CONTROL_PROTOCOL "TPC1"
/** Longest request line accepted. */
#define CONTROL_LINE_MAX 4096
/** Most words in a request. */
#define CONTROL_ARGS_MAX 16

struct control;

/**
 * A command handler: argv[0] is the command.  It writes its answer to out.
 */
typedef void (*control_fn)(void *arg, int argc, char **argv, FILE *out);

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
 * Stop the thread, close and remove the socket; NULL is fine.
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
 */
void control_request(char *line, size_t len, control_fn fn, void *arg,
	FILE *out);

/**
 * Split a request line into words (in place).
 * @return the number of words, or -1 if the line lacks the protocol tag
 *	or has too many words.  argv[0] is the command.
 */
int control_split(char *line, char **argv, int max);

#endif /* TAPIR_CONTROL_H */
