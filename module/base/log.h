/*
 * module/base/log.h - logging for code that must not include Unbound.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 *
 * Feeds and the engine log through this small indirection.  The Unbound
 * adapter installs a sink that forwards to Unbound's thread-safe log_*
 * functions; tests and tools get the default sink, which writes to stderr.
 */
#ifndef TAPIR_LOG_H
#define TAPIR_LOG_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

/** Severity of a log line, mapped to Unbound's err/warn/info/verbose. */
enum tapir_log_level {
	TAPIR_LOG_ERR,   /**< an error: input rejected, feed failed */
	TAPIR_LOG_WARN,  /**< something an operator should look at */
	TAPIR_LOG_INFO,  /**< state changes: source loaded, config used */
	TAPIR_LOG_DEBUG  /**< detail for debugging */
};

/** A log sink gets the level and the formatted line (no newline). */
typedef void (*tapir_log_sink)(enum tapir_log_level level, const char *msg);

/**
 * Install the sink; NULL restores the stderr default.  Call before any
 * thread logs (the module does it first thing in init).
 */
void tapir_log_set_sink(tapir_log_sink sink);

/**
 * Log a printf-style message through the sink.  Thread-safe if the sink is.
 */
void tapir_log(enum tapir_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/**
 * Format the reason for a failure into the caller's err buffer, the way
 * the parsers return it (they do not log: their callers decide).  Does
 * nothing when err is NULL or errlen 0.  Inline, so that a parser needs
 * no more than this header.
 */
static inline void __attribute__((format(printf, 3, 4)))
tapir_err_set(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

#endif /* TAPIR_LOG_H */
