/*
 * module/policy.h - the merged policy store (interface draft by the lead;
 * the store's author owns and completes this file).
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 */
#ifndef TAPIR_POLICY_H
#define TAPIR_POLICY_H

#include <stddef.h>
#include <stdint.h>

enum policy_list { POLICY_LIST_ALLOW, POLICY_LIST_DENY, POLICY_LIST_DOUBT };
enum policy_action { POLICY_ACTION_NONE = 0, POLICY_ACTION_PASSTHRU,
	POLICY_ACTION_TCP_ONLY, POLICY_ACTION_REDIRECT, POLICY_ACTION_NODATA,
	POLICY_ACTION_NXDOMAIN, POLICY_ACTION_DROP };
enum policy_rule { POLICY_RULE_NONE, POLICY_RULE_ALLOW, POLICY_RULE_DENY,
	POLICY_RULE_NUMSOURCES, POLICY_RULE_NUMTAGS, POLICY_RULE_TAGS };
const char *policy_action_name(enum policy_action a);
int policy_action_from_name(const char *s, enum policy_action *out);
const char *policy_list_name(enum policy_list l);
int policy_list_from_name(const char *s, enum policy_list *out);
const char *policy_rule_name(enum policy_rule r);
struct policy_rules { enum policy_action allow_action, deny_action;
	unsigned numsources; enum policy_action numsources_action;
	unsigned numtags; enum policy_action numtags_action;
	uint32_t tags; enum policy_action tags_action;
	char tag_source[64]; };
void policy_rules_default(struct policy_rules *r);
#define POLICY_SOURCE_SUBDOMAINS 0x1
#define POLICY_SOURCE_ACTION_OVERRIDE 0x2
struct policy_store *policy_store_create(const struct policy_rules *rules,
	unsigned num_readers);
void policy_store_destroy(struct policy_store *s);
int policy_source_add(struct policy_store *s, const char *name,
	enum policy_list list, unsigned flags, uint16_t *id);
int policy_source_find(const struct policy_store *s, const char *name);
struct policy_entry { uint32_t tags; int64_t expires;
	enum policy_action action; int subtree; const uint8_t *data;
	uint16_t data_len; };
struct policy_batch *policy_batch_begin(struct policy_store *s,
	uint16_t source, int replace_all);
int policy_batch_put(struct policy_batch *b, const uint8_t *name,
	const struct policy_entry *e);
int policy_batch_remove(struct policy_batch *b, const uint8_t *name,
	int subtree);
typedef void (*policy_changed_fn)(void *arg, const uint8_t *name,
	int subtree);
int policy_batch_commit(struct policy_batch *b, policy_changed_fn changed,
	void *arg);
void policy_batch_abort(struct policy_batch *b);
struct policy_index { int (*match)(void *ctx, const uint8_t *name,
	size_t len, int *subtree_match); void (*release)(void *ctx);
	void *ctx; };
int policy_source_set_index(struct policy_store *s, uint16_t source,
	const struct policy_index *idx);
void policy_read_begin(struct policy_store *s, unsigned reader);
void policy_read_end(struct policy_store *s, unsigned reader);
struct policy_decision { enum policy_action action; enum policy_rule rule;
	int source; uint32_t tags; unsigned doubt_matches; int64_t expires;
	int subtree; const uint8_t *data; uint16_t data_len; };
int policy_decide(struct policy_store *s, const uint8_t *name, size_t len,
	int64_t now, struct policy_decision *out);
int policy_store_expire(struct policy_store *s, int64_t now);
size_t policy_store_memory(struct policy_store *s);
struct policy_source_stats { char name[64]; enum policy_list list;
	size_t entries; size_t bytes; };
size_t policy_store_source_count(const struct policy_store *s);
int policy_store_source_stats(struct policy_store *s, uint16_t source,
	struct policy_source_stats *out);

#endif /* TAPIR_POLICY_H */
