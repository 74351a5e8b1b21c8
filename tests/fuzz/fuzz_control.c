/*
 * tests/fuzz/fuzz_control.c - libFuzzer target: a control request, from
 * the bytes read off the socket to the command's answer.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 *
 * The input is one request as a client sends it.  It goes through
 * control_request() (what the socket thread does with a line) into the
 * real commands over the real engine, built once from a configuration
 * whose sources cover the decision table: list files, a saved RPZ zone
 * (per-record actions, local data, subtrees) and a saved observation
 * state (tags, expiry), with a source and a rule on trial.  The RPZ
 * primary and the MQTT broker it names do not exist; their feeds retry
 * quietly in the background.  Every request
 * must get an answer; every answer must be whole lines.  A long answer
 * (dump) is produced piece by piece, as the socket thread does, and must
 * end with its count line.
 */
/* fuzz-sources: module/runtime/control.c module/runtime/commands.c module/runtime/engine.c module/runtime/overrides.c module/runtime/conf.c module/runtime/feed_types.c feeds/ module/base/csv.c dawg/dawg.c module/base/names.c module/base/fileio.c module/base/statefile.c module/base/thread.c module/base/workpool.c module/base/log.c module/base/netaddr.c module/policy/policy.c module/policy/epoch.c module/output/output.c module/output/serve.c module/output/zone.c module/policy/policy_zone.c module/runtime/disabled.c module/runtime/counters.c */
/* fuzz-libs: -lpthread -lldns -lpaho-mqtt3cs -lcurl -ljansson -lcrypto */
#include "tapir_config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "module/runtime/commands.h"
#include "module/runtime/conf.h"
#include "module/runtime/control.h"
#include "module/runtime/counters.h"
#include "module/runtime/engine.h"
#include "module/base/log.h"
#include "module/base/names.h"
#include "module/policy/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The configuration; %s is the directory of the files below. */
static const char config_fmt[] =
	"server:\n"
	"    state-dir: \"%s\"\n"
	"policy:\n"
	"    numsources: 2 nodata\n"
	"    numtags: 2 drop\n"
	"    tags: \"likelymalware\" nxdomain\n"
	"    tag-source: \"tagged\"\n"
	"    tag-name: 6 \"my_tag\"\n"
	"    redirect-a: 192.0.2.1\n"
	"mqtt:\n"
	"    server: \"mqtt://127.0.0.1:9\"\n"
	"    insecure-unsigned: yes\n"
	"    reconnect-max: 3600\n"
	"source:\n"
	"    name: \"deny\"\n"
	"    list: denylist\n"
	"    file: \"%s/deny.txt\"\n"
	"source:\n"
	"    name: \"allow\"\n"
	"    list: allowlist\n"
	"    file: \"%s/allow.txt\"\n"
	"source:\n"
	"    name: \"doubt1\"\n"
	"    list: doubtlist\n"
	"    file: \"%s/doubt1.txt\"\n"
	"    match: subdomains\n"
	"source:\n"
	"    name: \"doubt2\"\n"
	"    list: doubtlist\n"
	"    file: \"%s/doubt2.txt\"\n"
	"source:\n"
	"    name: \"trial\"\n"
	"    list: denylist\n"
	"    file: \"%s/trial.txt\"\n"
	"    action-override: monitor\n"
	"source:\n"
	"    name: \"feed\"\n"
	"    list: denylist\n"
	"    type: rpz\n"
	"    zone: rpz.fuzz.\n"
	"    primary: 127.0.0.1@9\n"
	"    refresh-min: 3600\n"
	"source:\n"
	"    name: \"tagged\"\n"
	"    list: doubtlist\n"
	"    type: mqtt\n"
	"    topic: t\n";

static const char rpz_zone[] =
	"$ORIGIN rpz.fuzz.\n"
	"@ 60 SOA ns.rpz.fuzz. host.rpz.fuzz. 1 3600 600 86400 60\n"
	"tree.example CNAME *.\n"
	"*.tree.example CNAME *.\n"
	"here.example A 192.0.2.7\n"
	"there.example CNAME landing.example.\n"
	"free.example CNAME rpz-passthru.\n";

/* An observation snapshot: tags, and an expiry a day away. */
static const char observations[] =
	"{\"src_name\":\"tagged\",\"list_type\":\"doubtlist\",\"added\":["
	"{\"name\":\"www.example.\",\"time_added\":\"%s\",\"ttl\":86400,"
	"\"tag_mask\":19},"
	"{\"name\":\"bad.example.\",\"time_added\":\"%s\",\"ttl\":86400,"
	"\"tag_mask\":16},"
	"{\"name\":\"odd.example.\",\"time_added\":\"%s\",\"ttl\":86400,"
	"\"tag_mask\":3221225472}],\"removed\":[]}";

/* tmpfs: override commands fsync their state file, which on a disk
 * would make most of the fuzzer's time wait for it. */
static char dir[] = "/dev/shm/fuzz_control.XXXXXX";

/* The files go when the fuzzer exits; the engine's threads with it. */
static void
remove_files(void)
{
	static const char *const names[] = { "deny.txt", "allow.txt",
		"doubt1.txt", "doubt2.txt", "feed.rpz",
		"tagged.observations.json", "tagged.observations.json.tmp",
		"overrides", "overrides.tmp", "trial.txt", "disabled-sources",
		"disabled-sources.tmp" };
	char path[512];
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(*names); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
	rmdir(dir);
}

static void
write_file(const char *where, const char *name, const char *fmt,
	const char *arg)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", where, name);
	if (!(f = fopen(path, "w")))
		abort();
	fprintf(f, fmt, arg, arg, arg);
	fclose(f);
}

static void
quiet(enum tapir_log_level level, const char *msg)
{
	(void)level;
	(void)msg;
}

static void
hook_flush(void *arg, const uint8_t *name, int subtree)
{
	(void)arg;
	(void)name;
	(void)subtree;
}

static void
hook_stats(void *arg, FILE *out, int reset)
{
	(void)arg;
	fprintf(out, "num.queries.judged=0\nreset=%d\n", reset);
}

static void
hook_reload(void *arg, FILE *out)
{
	(void)arg;
	fprintf(out, "ok\n");
}

static struct commands *
setup(void)
{
	static struct commands c;
	char text[4096], err[512], now[32];
	time_t t = time(NULL);
	struct tapir_conf *cfg;
	struct tm tm;

	tapir_log_set_sink(quiet);
	if (!mkdtemp(dir))
		abort();
	atexit(remove_files);
	gmtime_r(&t, &tm);
	strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", &tm);
	write_file(dir, "deny.txt", "listed.example\n*.tree.example\n", "");
	write_file(dir, "allow.txt", "ok.tree.example\n", "");
	write_file(dir, "doubt1.txt", "www.example\nsub.example\n", "");
	write_file(dir, "doubt2.txt", "www.example\na.sub.example\n", "");
	write_file(dir, "trial.txt", "new.example\nlisted.example\n", "");
	write_file(dir, "feed.rpz", rpz_zone, "");
	write_file(dir, "tagged.observations.json", observations, now);
	snprintf(text, sizeof(text), config_fmt, dir, dir, dir, dir, dir,
		dir);
	if (tapir_conf_parse("fuzz.conf", text, strlen(text), &cfg, err,
	    sizeof(err)) != 0 || !(c.engine = engine_create(cfg, 0, 1, NULL,
	    NULL, err, sizeof(err)))) {
		fprintf(stderr, "fuzz_control: %s\n", err);
		abort();
	}
	if (!(c.counters = counters_create(1)))
		abort();
	c.reader = 0;
	c.hooks.flush = hook_flush;
	c.hooks.stats = hook_stats;
	c.hooks.reload = hook_reload;
	c.started = time(NULL);
	return &c;
}

/* Drop every runtime override.  The fuzzer adds names for as long as it
 * runs, and each override command rewrites them all, so without this the
 * run would slow down as it goes on. */
static void
clear_overrides(struct engine *e)
{
	char *list = NULL, *line, *save = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&list, &len);

	if (!out)
		return;
	overrides_list(engine_overrides(e), out);
	fclose(out);
	for (line = strtok_r(list, "\n", &save); line;
	    line = strtok_r(NULL, "\n", &save)) {
		char *name = strchr(line, ' '), *end;
		uint8_t wire[NAME_WIRE_MAX];
		size_t wire_len;
		if (!name)
			continue;
		name++;
		end = strchr(name, ' ');
		if (name_from_text(name, end ? (size_t)(end - name) :
		    strlen(name), wire, &wire_len) == NAME_OK)
			overrides_remove(engine_overrides(e), wire);
	}
	free(list);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct commands *c;
	static const char list_overrides[] = "list_overrides";
	struct control_reply reply = { 0 };
	char *line, *answer = NULL;
	size_t answer_len = 0;
	int streamed;
	FILE *out;

	static unsigned runs;

	if (!c)
		c = setup();
	if (++runs % 256 == 0)
		clear_overrides(c->engine);
	/* The socket thread's buffer holds at most this much. */
	if (size > CONTROL_LINE_MAX)
		return 0;
	if (!(line = malloc(size ? size : 1)))
		return 0;
	memcpy(line, data, size);
	if (!(out = open_memstream(&answer, &answer_len))) {
		free(line);
		return 0;
	}
	control_request(line, size, commands_run, c, out, &reply);
	streamed = reply.next != NULL;
	while (reply.next && reply.next(reply.state, out))
		;
	if (reply.free)
		reply.free(reply.state);
	fclose(out);
	/* An answer is whole lines, and only an empty override list may
	 * answer with nothing. */
	if (answer_len ? answer[answer_len - 1] != '\n' :
	    !(size >= sizeof(list_overrides) + 5 &&
	    memmem(data, size, list_overrides, sizeof(list_overrides) - 1)))
		abort();
	/* A dump ends with the number of owners it wrote. */
	if (streamed && !(answer_len > 9 &&
	    !strcmp(answer + answer_len - 8, " owners\n")))
		abort();
	free(answer);
	free(line);
	return 0;
}
