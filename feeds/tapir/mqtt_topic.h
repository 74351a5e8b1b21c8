/*
 * feeds/tapir/mqtt_topic.h - MQTT topic names and filters.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 *
 * One connection carries every observation source and Core's
 * configuration topic, so a message is routed by its topic to whoever
 * subscribed with a filter that matches it (MQTT v5, 4.7): levels split
 * at '/', '+' matches one whole level, '#' the rest, and a filter that
 * starts with a wildcard never matches a topic that starts with '$'.
 * Topics come from the configuration file and from Core's configuration
 * messages, so a filter is checked before it is subscribed.
 */
#ifndef TAPIR_MQTT_TOPIC_H
#define TAPIR_MQTT_TOPIC_H

/** The longest topic or filter accepted, in bytes (MQTT allows 65535;
 *  DNS TAPIR's are a few dozen). */
#define MQTT_TOPIC_MAX 1024

/**
 * Whether s is a usable topic filter: 1 to MQTT_TOPIC_MAX bytes of UTF-8
 * without NUL or control characters, '+' and '#' only as whole levels,
 * '#' only last.
 * @return 1 or 0.
 */
int mqtt_topic_filter_valid(const char *s);

/**
 * Whether the topic of a message matches a filter.
 * @return 1 or 0.
 */
int mqtt_topic_matches(const char *filter, const char *topic);

/**
 * Whether a filter has wildcards (so it names more than one topic).
 * @return 1 or 0.
 */
int mqtt_topic_has_wildcard(const char *filter);

#endif /* TAPIR_MQTT_TOPIC_H */
