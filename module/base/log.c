/*
 * module/base/log.c - logging for code that must not include Unbound.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 */
#include "tapir_config.h"
#include "module/base/log.h"

#include <stdarg.h>
#include <stdio.h>

static void
stderr_sink(enum tapir_log_level level, const char *msg)
{
	static const char *const names[] = { "error", "warning", "info",
		"debug" };

	fprintf(stderr, "tapir-pop: %s: %s\n", names[level], msg);
}

static tapir_log_sink current_sink = stderr_sink;

void
tapir_log_set_sink(tapir_log_sink sink)
{
	current_sink = sink ? sink : stderr_sink;
}

void
tapir_log(enum tapir_log_level level, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	current_sink(level, msg);
}
