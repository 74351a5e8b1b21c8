/*
 * feeds/tapir/mqtt_topic.c - MQTT topic names and filters.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 */
#include "tapir_config.h"
#include "feeds/tapir/mqtt_topic.h"

#include <stddef.h>
#include <string.h>

/* Length of a valid UTF-8 sequence at s (the shortest form, no
 * surrogates, at most U+10FFFF), or 0. */
static size_t
utf8_len(const unsigned char *s)
{
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		return (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (s[0] >= 0xe0 && s[0] <= 0xef) {
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 ||
		    (s[0] == 0xe0 && s[1] < 0xa0) ||
		    (s[0] == 0xed && s[1] > 0x9f))
			return 0;
		return 3;
	}
	if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 ||
		    (s[3] & 0xc0) != 0x80 || (s[0] == 0xf0 && s[1] < 0x90) ||
		    (s[0] == 0xf4 && s[1] > 0x8f))
			return 0;
		return 4;
	}
	return 0;
}

int
mqtt_topic_filter_valid(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n, len = strlen(s);

	if (len == 0 || len > MQTT_TOPIC_MAX)
		return 0;
	while (*p) {
		if (*p < 0x20 || *p == 0x7f)
			return 0;
		if (*p == '+' || *p == '#') {
			/* A whole level, and '#' the last one. */
			if ((p != (const unsigned char *)s && p[-1] != '/') ||
			    (p[1] && p[1] != '/') || (*p == '#' && p[1]))
				return 0;
		}
		if (!(n = utf8_len(p)))
			return 0;
		p += n;
	}
	return 1;
}

int
mqtt_topic_matches(const char *filter, const char *topic)
{
	const char *f = filter, *t = topic;

	/* $SYS and other $ topics are not matched by a leading wildcard. */
	if (*t == '$' && (*f == '+' || *f == '#'))
		return 0;
	for (;;) {
		if (*f == '#')
			return 1;
		if (*f == '+') {
			while (*t && *t != '/')
				t++;
			f++;
		} else {
			while (*f && *f != '/' && *f == *t) {
				f++;
				t++;
			}
			if ((*f && *f != '/') || (*t && *t != '/'))
				return 0;
		}
		/* Both at the end of a level. */
		if (!*f && !*t)
			return 1;
		if (!*f || !*t) {
			/* "a/#" also matches "a". */
			return !*t && f[0] == '/' && f[1] == '#' && !f[2];
		}
		f++;
		t++;
	}
}

int
mqtt_topic_has_wildcard(const char *filter)
{
	return strpbrk(filter, "+#") != NULL;
}
