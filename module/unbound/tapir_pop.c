/*
 * module/unbound/tapir_pop.c - the Unbound adapter: dynlib entry points.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 *
 * This file and ub_cache.c are the only ones that include Unbound's
 * headers.  Unbound's
 * dynlib module loads us with dlopen() and calls the six functions below.
 * init builds an engine (config, policy store, feed threads); operate
 * judges every new top-level query against the store and either answers
 * it here (NXDOMAIN, NODATA, DROP, redirect data, TC for tcp-only) or
 * passes it on to the validator and iterator; deinit stops everything,
 * because Unbound unmaps the library right after it on every reload.
 *
 * The struct layouts we touch follow the config.h of the Unbound tree we
 * were compiled against, so init first checks that the running unbound
 * binary is the one that tree built, and refuses to start otherwise.
 */
#include "config.h"

#include <arpa/inet.h>
#include <link.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "util/module.h"
#include "util/log.h"
#include "util/config_file.h"
#include "util/regional.h"
#include "util/net_help.h"
#include "util/netevent.h"
#include "util/data/msgreply.h"
#include "util/data/packed_rrset.h"
#include "util/data/dname.h"
#include "services/cache/dns.h"
#include "services/mesh.h"
#include "daemon/worker.h"
#include "dynlibmod/dynlibmod.h"
#include "sldns/rrdef.h"
#include "sldns/sbuffer.h"
#include "sldns/wire2str.h"

#include "module/unbound/tapir_pop.h"
#include "module/runtime/commands.h"
#include "module/runtime/control.h"
#include "module/runtime/counters.h"
#include "module/runtime/engine.h"
#include "module/runtime/metrics.h"
#include "module/policy/epoch.h"
#include "module/runtime/flushq.h"
#include "module/policy/localdata.h"
#include "module/base/log.h"
#include "module/base/names.h"
#include "module/policy/policy.h"
#include "module/unbound/ub_cache.h"
#include "module/unbound/ub_compat.h"

/* Reader slots: one per Unbound worker thread plus one for our own use. */
#define EXTRA_READERS 1

/** The module's state for one init/deinit cycle, in dynlibmod's dyn_env. */
struct tapir_module {
	/* The engine; replaced only by the control thread (reload), under
	 * engine_lock, which the metrics thread takes to read it. */
	struct engine *engine;
	pthread_mutex_t engine_lock;
	/* Its store, as workers load it: under the module epoch, so a
	 * reload can swap it and free the old one safely. */
	_Atomic(struct policy_store *) store;
	struct epoch epoch;
	/* The configuration file, for reload. */
	char conf_path[4096];
	unsigned num_readers;
	uint32_t answer_ttl;
	/* The synthesised SOA: owner and rdata in wire format. */
	uint8_t soa_owner[NAME_WIRE_MAX];
	size_t soa_owner_len;
	uint8_t soa_rdata[2 * NAME_WIRE_MAX + 20];
	size_t soa_rdata_len;
	struct tapir_conf_redirect redirect;
	int log_decisions;
	/* Cache invalidation: the queue, and the private name whose query
	 * makes a worker drain it. */
	struct flushq *flushq;
	struct ub_cache_sweep *sweep;
	uint8_t nudge[NAME_WIRE_MAX];
	size_t nudge_len;
	/* Set at the end of init: the initial load needs no flush (the
	 * caches are empty at start and cleared on reload). */
	volatile int serving;
	/* Per-worker counters (module/runtime/counters.h). */
	struct counters *counters;
	/* The control socket and its commands. */
	struct control *control;
	struct commands commands;
	/* /metrics, or NULL. */
	struct metrics *metrics;
};

/* ---- identity of the running Unbound ---- */

struct identity_search {
	const char *needle;
	size_t len;
	int found;
};

static int
search_main_program(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct identity_search *s = arg;
	int i;

	(void)size;
	/* The first object is the main program; we look no further. */
	for (i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_R))
			continue;
		if (memmem((const void *)(info->dlpi_addr + ph->p_vaddr),
		    ph->p_filesz, s->needle, s->len)) {
			s->found = 1;
			break;
		}
	}
	return 1;
}

/* The configure line of the tree we were built against (it holds the
 * version's prefix and every feature flag that changes struct layouts)
 * must appear verbatim in the running binary, which prints it for -V.
 * Scanning our own process works inside a chroot, where /proc and the
 * binary's path may be out of reach. */
static int
unbound_identity_matches(void)
{
	struct identity_search s = { CONFCMDLINE, sizeof(CONFCMDLINE) - 1, 0 };

	dl_iterate_phdr(search_main_program, &s);
	return s.found;
}

/* ---- logging ---- */

static void
unbound_log_sink(enum tapir_log_level level, const char *msg)
{
	switch (level) {
	case TAPIR_LOG_ERR:
		log_err("tapir-pop: %s", msg);
		break;
	case TAPIR_LOG_WARN:
		log_warn("tapir-pop: %s", msg);
		break;
	case TAPIR_LOG_INFO:
		log_info("tapir-pop: %s", msg);
		break;
	case TAPIR_LOG_DEBUG:
		verbose(VERB_ALGO, "tapir-pop: %s", msg);
		break;
	}
}

/* ---- init / deinit ---- */

/* Inside a chroot Unbound strips the chroot prefix from its own file
 * names; do the same, so the operator writes full paths everywhere. */
static const char *
strip_chroot(const struct config_file *cfg, const char *path)
{
	size_t len;

	if (!cfg->chrootdir || !cfg->chrootdir[0])
		return path;
	len = strlen(cfg->chrootdir);
	while (len > 1 && cfg->chrootdir[len - 1] == '/')
		len--;
	if (strncmp(path, cfg->chrootdir, len) == 0 && path[len] == '/')
		return path + len;
	return path;
}

static void
build_soa(struct tapir_module *m, const struct tapir_conf *cfg)
{
	static const uint8_t hostmaster[] = "\012hostmaster";
	uint8_t *p = m->soa_rdata;
	uint32_t fields[5];
	size_t i;

	memcpy(m->soa_owner, cfg->policy_zone, cfg->policy_zone_len);
	m->soa_owner_len = cfg->policy_zone_len;
	/* MNAME is the policy zone, RNAME hostmaster.<zone>, serial 1; the
	 * minimum is the answer TTL so caches below keep the negative answer
	 * exactly as long as a positive one. */
	memcpy(p, cfg->policy_zone, cfg->policy_zone_len);
	p += cfg->policy_zone_len;
	if (cfg->policy_zone_len + sizeof(hostmaster) - 1 <= NAME_WIRE_MAX) {
		memcpy(p, hostmaster, sizeof(hostmaster) - 1);
		p += sizeof(hostmaster) - 1;
	}
	memcpy(p, cfg->policy_zone, cfg->policy_zone_len);
	p += cfg->policy_zone_len;
	fields[0] = 1;
	fields[1] = 3600;
	fields[2] = 600;
	fields[3] = 86400;
	fields[4] = cfg->answer_ttl;
	for (i = 0; i < 5; i++) {
		uint32_t v = htonl(fields[i]);
		memcpy(p, &v, 4);
		p += 4;
	}
	m->soa_rdata_len = (size_t)(p - m->soa_rdata);
}

/* The address our own nudge query goes to: the first interface Unbound
 * listens on, with a wildcard replaced by loopback. */
static int
resolver_address(const struct config_file *cfg, struct sockaddr_storage *ss,
	socklen_t *len)
{
	const char *ifname = cfg->num_ifs > 0 ? cfg->ifs[0] : "127.0.0.1";
	char host[128];
	const char *at;
	int port = cfg->port;
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	snprintf(host, sizeof(host), "%s", ifname);
	if ((at = strchr(ifname, '@')) != NULL) {
		host[at - ifname] = 0;
		port = atoi(at + 1);
	}
	memset(ss, 0, sizeof(*ss));
	if (strcmp(host, "0.0.0.0") == 0)
		snprintf(host, sizeof(host), "127.0.0.1");
	else if (strcmp(host, "::") == 0 || strcmp(host, "::0") == 0)
		snprintf(host, sizeof(host), "::1");
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		*len = sizeof(*sin);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*sin6);
		return 0;
	}
	return -1;
}

/* The engine reports every added or changed name here (feed threads). */
static void
name_changed(void *arg, const uint8_t *name, int subtree)
{
	struct tapir_module *m = arg;

	if (m->serving)
		flushq_push(m->flushq, name, subtree);
}

/* The cache flushes, counted here and in the flush queue. */
static void
cache_counters(struct tapir_module *m, struct metrics_cache *out)
{
	uint64_t nudges;

	flushq_stats(m->flushq, &out->flush_names, &out->flush_drains,
		&nudges, &out->flush_full);
	ub_cache_sweep_stats(m->sweep, &out->flush_passes,
		&out->flush_removed);
}

/* "stats": what the adapter counts beside the query counters, which
 * commands.c prints. */
static void
stats_hook(void *arg, FILE *out, int reset)
{
	struct tapir_module *m = arg;
	struct metrics_cache c;

	(void)reset;
	cache_counters(m, &c);
	fprintf(out, "cache.flush.names=%" PRIu64 "\n", c.flush_names);
	fprintf(out, "cache.flush.drains=%" PRIu64 "\n", c.flush_drains);
	fprintf(out, "cache.flush.full=%" PRIu64 "\n", c.flush_full);
	fprintf(out, "cache.flush.passes=%" PRIu64 "\n", c.flush_passes);
	fprintf(out, "cache.flush.removed=%" PRIu64 "\n", c.flush_removed);
}

/* A scrape of /metrics, on the metrics thread: the engine cannot be
 * replaced meanwhile. */
static void
metrics_render(void *arg, FILE *out)
{
	struct tapir_module *m = arg;
	struct metrics_cache c;

	cache_counters(m, &c);
	pthread_mutex_lock(&m->engine_lock);
	metrics_write(out, m->engine, m->counters, &c);
	pthread_mutex_unlock(&m->engine_lock);
}

static void
flush_hook(void *arg, const uint8_t *name, int subtree)
{
	struct tapir_module *m = arg;

	flushq_push(m->flushq, name, subtree);
}

/* "reload": the configuration file and every source again, into a new
 * engine built beside the running one (unchanged sources carried over
 * from it, engine_create_from()); queries keep using the old one
 * until the new one is complete, then the store pointer is swapped and the
 * old engine freed once no worker can still be inside it.  server:
 * settings (answer-ttl, policy-zone, control-socket) need Unbound's own
 * reload. */
static void
reload_hook(void *arg, FILE *out)
{
	struct tapir_module *m = arg;
	struct tapir_conf *cfg;
	struct engine *fresh, *old = m->engine;
	char err[1024];

	if (tapir_conf_read(m->conf_path, &cfg, err, sizeof(err)) != 0) {
		log_err("tapir-pop: reload: %s", err);
		fprintf(out, "error %s\n", err);
		return;
	}
	/* The new engine loads the feeds' state files: bring those up to
	 * what the running engine holds now, not its last periodic save. */
	engine_save(old);
	/* A source that is bad now keeps the whole policy in force: the
	 * running engine still holds its last good contents.  Sources
	 * configured as before take the running engine's data over when
	 * it is still current.  The new feeds start once the old ones have
	 * ended (engine.h). */
	fresh = engine_create_from(old, cfg, ENGINE_STRICT, m->num_readers,
		name_changed, m, err, sizeof(err));
	if (!fresh) {
		log_err("tapir-pop: reload: %s", err);
		fprintf(out, "error %s\n", err);
		return;
	}
	pthread_mutex_lock(&m->engine_lock);
	atomic_store_explicit(&m->store, engine_store(fresh),
		memory_order_release);
	m->engine = fresh;
	m->commands.engine = fresh;
	epoch_synchronize(&m->epoch);
	counters_rekey(m->counters, engine_store(old), engine_store(fresh));
	engine_destroy(old);
	pthread_mutex_unlock(&m->engine_lock);
	/* The old engine wrote its last save as it ended. */
	if (engine_start(fresh, 1, err, sizeof(err)) != 0) {
		log_err("tapir-pop: reload: %s", err);
		fprintf(out, "error %s\n", err);
		return;
	}
	log_info("tapir-pop: reloaded %s", m->conf_path);
	fprintf(out, "ok\n");
}

/* The nudge name: a random label under "flush.<policy-zone>", so that
 * only our own thread triggers drains. */
static void
make_nudge_name(struct tapir_module *m, const struct tapir_conf *cfg)
{
	static const char hex[] = "0123456789abcdef";
	uint8_t rnd[8];
	size_t i;

	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		memcpy(rnd, &m, sizeof(rnd) < sizeof(m) ? sizeof(rnd) :
			sizeof(m));
	m->nudge[0] = 16;
	for (i = 0; i < 8; i++) {
		m->nudge[1 + 2 * i] = (uint8_t)hex[rnd[i] >> 4];
		m->nudge[2 + 2 * i] = (uint8_t)hex[rnd[i] & 15];
	}
	memcpy(m->nudge + 17, "\005flush", 6);
	m->nudge_len = 23;
	if (m->nudge_len + cfg->policy_zone_len <= NAME_WIRE_MAX) {
		memcpy(m->nudge + m->nudge_len, cfg->policy_zone,
			cfg->policy_zone_len);
		m->nudge_len += cfg->policy_zone_len;
	} else {
		m->nudge[m->nudge_len++] = 0;
	}
}

static int query_response_cb(struct module_qstate *qstate,
	struct dns_msg *response, int id, void *arg);

/* What deinit kept for the next init (park()), or NULL.  init and deinit
 * run on Unbound's main thread, one after the other. */
static struct engine *parked;

/* unbound-control reload runs deinit, then init at once.  So that init
 * need not load every source again, deinit keeps a copy of the running
 * engine that shares its data (engine_create_from(): the sources its
 * configuration file still has as they are; the others load into it
 * now) and starts nothing: no thread, no socket, only memory.  The
 * library stays mapped (-z nodelete), and init takes the copy over as a
 * reload takes the running engine over.  deinit cannot tell a reload from
 * Unbound's exit, where the copy is left for the process's end. */
static void
park(struct tapir_module *m)
{
	struct tapir_conf *cfg;
	char err[1024];

	engine_destroy(parked);
	parked = NULL;
	engine_save(m->engine);
	if (tapir_conf_read(m->conf_path, &cfg, err, sizeof(err)) == 0 &&
	    !(parked = engine_create_from(m->engine, cfg, 0, 1, NULL, NULL,
	    err, sizeof(err))))
		log_info("tapir-pop: nothing kept for the next init: %s",
			err);
}

int
init(struct module_env *env, int id)
{
	struct dynlibmod_env *de = env->modinfo[id];
	struct tapir_module *m;
	struct tapir_conf *cfg;
	const char *path;
	char err[1024];
	struct sockaddr_storage addr;
	socklen_t addrlen;
	int handover;

	tapir_log_set_sink(unbound_log_sink);
	if (!unbound_identity_matches()) {
		log_err("tapir-pop: this module was built against Unbound %s "
			"configured as \"%s\"; the running unbound is a "
			"different build and its internal layouts may differ: "
			"refusing to load", PACKAGE_VERSION, CONFCMDLINE);
		return 0;
	}
	path = strip_chroot(env->cfg, tapir_conf_default_path());
	if (tapir_conf_read(path, &cfg, err, sizeof(err)) != 0) {
		log_err("tapir-pop: %s", err);
		return 0;
	}
	log_info("tapir-pop: using configuration %s", path);
	m = calloc(1, sizeof(*m));
	if (!m) {
		tapir_conf_free(cfg);
		log_err("tapir-pop: out of memory");
		return 0;
	}
	build_soa(m, cfg);
	make_nudge_name(m, cfg);
	m->answer_ttl = cfg->answer_ttl;
	m->redirect = cfg->redirect;
	m->log_decisions = cfg->log_decisions;
	m->num_readers = (unsigned)(env->cfg->num_threads > 0 ?
		env->cfg->num_threads : 1) + EXTRA_READERS;
	if (resolver_address(env->cfg, &addr, &addrlen) != 0 ||
	    !(m->sweep = ub_cache_sweep_create()) ||
	    !(m->flushq = flushq_create((struct sockaddr *)&addr, addrlen,
	    m->nudge))) {
		log_err("tapir-pop: cannot set up cache invalidation (the "
			"first interface must be an address Unbound answers "
			"on)");
		ub_cache_sweep_destroy(m->sweep);
		tapir_conf_free(cfg);
		free(m);
		return 0;
	}
	/* After unbound-control reload, take deinit's copy over. */
	m->engine = engine_create_from(parked, cfg, 0, m->num_readers,
		name_changed, m, err, sizeof(err));
	handover = parked != NULL;
	engine_destroy(parked);
	parked = NULL;
	if (!m->engine) {
		log_err("tapir-pop: %s", err);
		flushq_destroy(m->flushq);
		ub_cache_sweep_destroy(m->sweep);
		free(m);
		return 0;
	}
	atomic_init(&m->store, engine_store(m->engine));
	pthread_mutex_init(&m->engine_lock, NULL);
	snprintf(m->conf_path, sizeof(m->conf_path), "%s", path);
	m->counters = counters_create(m->num_readers - EXTRA_READERS);
	if (!m->counters || epoch_init(&m->epoch, m->num_readers) != 0) {
		log_err("tapir-pop: out of memory");
		goto fail;
	}
	if (engine_start(m->engine, handover, err, sizeof(err)) != 0) {
		log_err("tapir-pop: %s", err);
		goto fail;
	}
	m->commands.engine = m->engine;
	m->commands.counters = m->counters;
	m->commands.reader = m->num_readers - EXTRA_READERS;
	m->commands.hooks.flush = flush_hook;
	m->commands.hooks.stats = stats_hook;
	m->commands.hooks.reload = reload_hook;
	m->commands.hooks.arg = m;
	m->commands.started = time(NULL);
	if (engine_config(m->engine)->control_socket) {
		const char *sock = strip_chroot(env->cfg,
			engine_config(m->engine)->control_socket);
		m->control = control_start(sock,
			engine_config(m->engine)->control_socket_mode,
			commands_run, &m->commands, err, sizeof(err));
		if (!m->control) {
			log_err("tapir-pop: %s", err);
			goto fail;
		}
	}
	if (engine_config(m->engine)->metrics_listen &&
	    !(m->metrics = metrics_start(engine_config(m->engine)->
	    metrics_listen, metrics_render, m, err, sizeof(err)))) {
		log_err("tapir-pop: %s", err);
		control_stop(m->control);
		goto fail;
	}
	/* dynlibmod's wrapper, for Unbound checks in-place callbacks
	 * against a list of its own functions. */
	if (!de->inplace_cb_register_wrapped((void *)query_response_cb,
	    inplace_cb_query_response, m, env, id)) {
		log_err("tapir-pop: cannot register the query response "
			"callback");
		metrics_stop(m->metrics);
		control_stop(m->control);
		goto fail;
	}
	m->serving = 1;
	de->dyn_env = m;
	return 1;
fail:
	engine_destroy(m->engine);
	flushq_destroy(m->flushq);
	ub_cache_sweep_destroy(m->sweep);
	epoch_destroy(&m->epoch);
	counters_destroy(m->counters);
	pthread_mutex_destroy(&m->engine_lock);
	free(m);
	return 0;
}

void
deinit(struct module_env *env, int id)
{
	struct dynlibmod_env *de = env->modinfo[id];
	struct tapir_module *m;

	if (!de || !(m = de->dyn_env))
		return;
	de->inplace_cb_delete_wrapped(env, inplace_cb_query_response, id);
	/* Joins every thread we started: the library is unmapped next.
	 * The control thread and the feeds first: they use the engine and
	 * push into the flush queue. */
	metrics_stop(m->metrics);
	control_stop(m->control);
	park(m);
	engine_destroy(m->engine);
	flushq_destroy(m->flushq);
	ub_cache_sweep_destroy(m->sweep);
	epoch_destroy(&m->epoch);
	counters_destroy(m->counters);
	pthread_mutex_destroy(&m->engine_lock);
	free(m);
	de->dyn_env = NULL;
	tapir_log_set_sink(NULL);
}

/* The reader slot of the worker thread we run on; 0 when there is none
 * (Unbound's main thread, or more workers than it told us at init). */
static int
worker_reader(struct tapir_module *m, struct module_env *env,
	unsigned *reader)
{
	if (!env->worker)
		return 0;
	*reader = (unsigned)((struct worker *)env->worker)->thread_num;
	return *reader < m->num_readers - EXTRA_READERS;
}

/* The counters of the worker thread we run on. */
static struct counters_worker *
counters_of(struct tapir_module *m, struct module_env *env)
{
	return &m->counters->w[((struct worker *)env->worker)->thread_num %
	    m->counters->workers];
}

/* ---- answers ---- */

/* One rrset of count records, all in the query region.  rdata[i] holds
 * rdlen[i] bytes of RDATA without the length prefix. */
static struct ub_packed_rrset_key *
make_rrset(struct regional *region, uint8_t *owner, size_t owner_len,
	uint16_t type, uint32_t ttl, const uint8_t *const *rdata,
	const size_t *rdlen, size_t count)
{
	struct ub_packed_rrset_key *key;
	struct packed_rrset_data *d;
	size_t total = sizeof(*d), i;
	uint8_t *p;

	for (i = 0; i < count; i++)
		total += sizeof(size_t) + sizeof(uint8_t *) + sizeof(time_t) +
		    2 + rdlen[i];
	key = regional_alloc_zero(region, sizeof(*key));
	d = regional_alloc_zero(region, total);
	if (!key || !d)
		return NULL;
	key->entry.key = key;
	key->entry.data = d;
	key->rk.dname = owner;
	key->rk.dname_len = owner_len;
	key->rk.type = htons(type);
	key->rk.rrset_class = htons(LDNS_RR_CLASS_IN);
	d->ttl = ttl;
	d->count = count;
	d->trust = rrset_trust_auth_noAA;
	d->security = sec_status_insecure;
	packed_rrset_ptr_fixup(d);
	p = (uint8_t *)&d->rr_ttl[count];
	for (i = 0; i < count; i++) {
		d->rr_len[i] = 2 + rdlen[i];
		d->rr_data[i] = p;
		d->rr_ttl[i] = ttl;
		sldns_write_uint16(p, (uint16_t)rdlen[i]);
		memcpy(p + 2, rdata[i], rdlen[i]);
		p += 2 + rdlen[i];
	}
	return key;
}

/* An empty synthesised reply to the query, with room for capacity
 * rrsets, authoritative, with the answer TTL. */
static struct dns_msg *
new_reply(struct tapir_module *m, struct module_qstate *qstate, int rcode,
	int truncated, size_t capacity)
{
	struct query_info *q = &qstate->qinfo;
	struct dns_msg *msg;

	msg = dns_msg_create(q->qname, q->qname_len, q->qtype, q->qclass,
		qstate->region, capacity);
	if (!msg)
		return NULL;
	msg->rep->flags = (uint16_t)(BIT_QR | BIT_AA | BIT_RA | rcode |
		(truncated ? BIT_TC : 0));
	msg->rep->authoritative = 1;
	msg->rep->security = sec_status_insecure;
	msg->rep->ttl = m->answer_ttl;
	msg->rep->prefetch_ttl = m->answer_ttl;
	msg->rep->serve_expired_ttl = m->answer_ttl;
	return msg;
}

static void
add_answer(struct dns_msg *msg, struct ub_packed_rrset_key *rrset)
{
	msg->rep->rrsets[msg->rep->rrset_count++] = rrset;
	msg->rep->an_numrrsets++;
}

/* A reply: rcode, at most one answer rrset, and the SOA in authority for
 * negative answers (so caches below us can cache them, RFC 2308). */
static int
answer(struct tapir_module *m, struct module_qstate *qstate, int rcode,
	struct ub_packed_rrset_key *ans, int with_soa, int truncated)
{
	struct dns_msg *msg = new_reply(m, qstate, rcode, truncated, 2);
	uint8_t *owner;

	if (!msg)
		return 0;
	if (ans)
		add_answer(msg, ans);
	if (with_soa) {
		const uint8_t *rd = m->soa_rdata;
		struct ub_packed_rrset_key *soa;
		owner = regional_alloc_init(qstate->region, m->soa_owner,
			m->soa_owner_len);
		if (!owner)
			return 0;
		soa = make_rrset(qstate->region, owner, m->soa_owner_len,
			LDNS_RR_TYPE_SOA, m->answer_ttl, &rd, &m->soa_rdata_len,
			1);
		if (!soa)
			return 0;
		msg->rep->rrsets[msg->rep->rrset_count++] = soa;
		msg->rep->ns_numrrsets++;
	}
	qstate->return_msg = msg;
	qstate->return_rcode = LDNS_RCODE_NOERROR;
	return 1;
}

/* A redirect to a CNAME waits for the target's answer and returns both,
 * as Unbound's own RPZ does: stub resolvers do not chase a CNAME
 * themselves, so a CNAME alone would leave a landing page unreachable.
 * Lives in the query's region; minfo points at it while it waits. */
struct redirect_wait {
	/** The synthesised CNAME. */
	struct ub_packed_rrset_key *cname;
	/** The target's reply, copied into our region; NULL if it failed. */
	struct reply_info *target;
	/** Set by inform_super once the target query is done. */
	int done;
};

/* Start the query for the CNAME's target as a sub-query; 1 if started. */
static int
start_target_query(struct module_qstate *qstate, int id,
	struct ub_packed_rrset_key *cname)
{
	struct packed_rrset_data *data = cname->entry.data;
	uint16_t flags = (uint16_t)(BIT_RD | (qstate->query_flags & BIT_CD));
	struct module_qstate *sub = NULL;
	struct redirect_wait *w;
	struct query_info sq;

	memset(&sq, 0, sizeof(sq));
	sq.qname = data->rr_data[0] + 2;
	sq.qname_len = data->rr_len[0] - 2;
	sq.qtype = qstate->qinfo.qtype;
	sq.qclass = qstate->qinfo.qclass;
	/* A CNAME to the query's own name, or back up a chain of waits. */
	if (qstate->env->detect_cycle(qstate, &sq, flags, 0, 0))
		return 0;
	if (!(w = regional_alloc_zero(qstate->region, sizeof(*w))))
		return 0;
	w->cname = cname;
	if (!ubc_attach_sub(qstate, &sq, flags, 0, 0, &sub))
		return 0;
	qstate->minfo[id] = w;
	return 1;
}

/* The answer once the target is in: the CNAME, then the target's answer
 * records, with its rcode.  A failed target leaves the CNAME alone. */
static int
finish_redirect(struct tapir_module *m, struct module_qstate *qstate,
	struct redirect_wait *w)
{
	struct reply_info *t = w->target;
	size_t i, n = t ? t->an_numrrsets : 0;
	int rcode = t ? FLAGS_GET_RCODE(t->flags) : LDNS_RCODE_NOERROR;
	struct dns_msg *msg;

	if (rcode != LDNS_RCODE_NOERROR && rcode != LDNS_RCODE_NXDOMAIN) {
		rcode = LDNS_RCODE_NOERROR;
		n = 0;
	}
	if (!(msg = new_reply(m, qstate, rcode, 0, 1 + n)))
		return 0;
	add_answer(msg, w->cname);
	for (i = 0; i < n && i < t->rrset_count; i++)
		add_answer(msg, t->rrsets[i]);
	if (t && t->ttl < msg->rep->ttl) {
		msg->rep->ttl = t->ttl;
		msg->rep->prefetch_ttl = t->ttl;
		msg->rep->serve_expired_ttl = t->ttl;
	}
	qstate->return_msg = msg;
	qstate->return_rcode = LDNS_RCODE_NOERROR;
	return 1;
}

/* The redirect action's records: a per-record blob (RPZ local data, see
 * localdata.h) when the entry has one, else the configured redirect data.
 * A CNAME answers every type (with the target's answer when may_wait
 * allows a sub-query: then 2 is returned, and the answer comes later);
 * addresses answer A/AAAA; other types, or types with no record, get
 * NODATA. */
static int
answer_redirect(struct tapir_module *m, struct module_qstate *qstate,
	int id, const struct policy_decision *d, int may_wait)
{
	const struct tapir_conf_redirect *r = &m->redirect;
	struct query_info *q = &qstate->qinfo;
	const uint8_t *rdata[TAPIR_CONF_REDIRECT_MAX];
	size_t rdlen[TAPIR_CONF_REDIRECT_MAX], i, count = 0;
	uint16_t type = q->qtype;
	struct ub_packed_rrset_key *rrset;
	uint8_t *owner;

	if (d->data_len) {
		size_t pos = 0;
		uint16_t t, len;
		const uint8_t *rd;
		while (count < TAPIR_CONF_REDIRECT_MAX &&
		    localdata_next(d->data, d->data_len, &pos, &t, &rd,
		    &len)) {
			if (t == LDNS_RR_TYPE_CNAME) {
				type = t;
				rdata[0] = rd;
				rdlen[0] = len;
				count = 1;
				break;
			}
			if (t == q->qtype) {
				rdata[count] = rd;
				rdlen[count++] = len;
			}
		}
	} else if (r->cname_len) {
		type = LDNS_RR_TYPE_CNAME;
		rdata[0] = r->cname;
		rdlen[0] = r->cname_len;
		count = 1;
	} else if (q->qtype == LDNS_RR_TYPE_A) {
		for (i = 0; i < r->num_a; i++) {
			rdata[count] = (const uint8_t *)&r->a[i];
			rdlen[count++] = 4;
		}
	} else if (q->qtype == LDNS_RR_TYPE_AAAA) {
		for (i = 0; i < r->num_aaaa; i++) {
			rdata[count] = (const uint8_t *)&r->aaaa[i];
			rdlen[count++] = 16;
		}
	}
	if (!count)
		return answer(m, qstate, LDNS_RCODE_NOERROR, NULL, 1, 0);
	owner = regional_alloc_init(qstate->region, q->qname, q->qname_len);
	if (!owner)
		return 0;
	rrset = make_rrset(qstate->region, owner, q->qname_len, type,
		m->answer_ttl, rdata, rdlen, count);
	if (!rrset)
		return 0;
	if (type == LDNS_RR_TYPE_CNAME && may_wait &&
	    q->qtype != LDNS_RR_TYPE_CNAME && q->qtype != LDNS_RR_TYPE_ANY &&
	    start_target_query(qstate, id, rrset))
		return 2;
	return answer(m, qstate, LDNS_RCODE_NOERROR, rrset, 0, 0);
}

/* Whether the client that started this query came over UDP. */
static int
client_over_udp(struct module_qstate *qstate)
{
	struct mesh_reply *r = qstate->mesh_info->reply_list;

	return r && r->query_reply.c && r->query_reply.c->type == comm_udp;
}

/* RFC 8914 Extended DNS Error, sent when the client used EDNS. */
static void
add_ede(struct module_qstate *qstate, const struct policy_decision *d)
{
	char text[96];

	snprintf(text, sizeof(text), "tapir-pop: %s by %s",
		policy_action_name(d->action), policy_rule_name(d->rule));
	edns_opt_list_append_ede(&qstate->edns_opts_front_out, qstate->region,
		d->rule == POLICY_RULE_DENY ? LDNS_EDE_BLOCKED :
		LDNS_EDE_FILTERED, text);
}

/* One line per decision that changed an answer, as rpz-log does: client,
 * query, action, source, rule.  A monitor decision is logged alike with
 * the action "monitor", then what it would have done. */
static void
log_decision(struct policy_store *store, struct module_qstate *qstate,
	const struct policy_decision *d, int monitor)
{
	struct mesh_reply *r = qstate->mesh_info->reply_list;
	char client[128] = "-", name[LDNS_MAX_DOMAINLEN * 4 + 8];
	char type[16];

	if (r)
		addr_to_str(&r->query_reply.client_addr,
			r->query_reply.client_addrlen, client, sizeof(client));
	dname_str(qstate->qinfo.qname, name);
	sldns_wire2str_type_buf(qstate->qinfo.qtype, type, sizeof(type));
	if (monitor)
		log_info("tapir-pop: %s %s %s monitor source %s rule %s "
			"would %s", client, name, type,
			policy_source_name(store, d->monitor_source),
			policy_rule_name(d->monitor_rule),
			policy_action_name(d->monitor_action));
	else
		log_info("tapir-pop: %s %s %s %s source %s rule %s", client,
			name, type, policy_action_name(d->action),
			policy_source_name(store, d->source),
			policy_rule_name(d->rule));
}

/* Answer the query as the decision says; 1 when answered (or dropped)
 * here, 0 to let the query resolve normally.  may_wait: a redirect may
 * wait for its CNAME target's answer (not once the query has resolved). */
static int
apply(struct tapir_module *m, struct policy_store *store,
	struct module_qstate *qstate, int id, const struct policy_decision *d,
	int may_wait)
{
	int done = 0;

	switch (d->action) {
	case POLICY_ACTION_NONE:
	case POLICY_ACTION_MONITOR:
	case POLICY_ACTION_PASSTHRU:
		return 0;
	case POLICY_ACTION_NXDOMAIN:
		done = answer(m, qstate, LDNS_RCODE_NXDOMAIN, NULL, 1, 0);
		break;
	case POLICY_ACTION_NODATA:
		done = answer(m, qstate, LDNS_RCODE_NOERROR, NULL, 1, 0);
		break;
	case POLICY_ACTION_REDIRECT:
		done = answer_redirect(m, qstate, id, d, may_wait);
		break;
	case POLICY_ACTION_TCP_ONLY:
		if (!client_over_udp(qstate))
			return 0;
		done = answer(m, qstate, LDNS_RCODE_NOERROR, NULL, 0, 1);
		break;
	case POLICY_ACTION_DROP:
		qstate->is_drop = 1;
		qstate->return_msg = NULL;
		done = 1;
		break;
	}
	if (!done)
		return 0;
	if (m->log_decisions)
		log_decision(store, qstate, d, 0);
	if (d->action != POLICY_ACTION_DROP && qstate->env->cfg->ede)
		add_ede(qstate, d);
	qstate->ext_state[id] = done == 2 ? module_wait_subquery :
		module_finished;
	return 1;
}

/* Whether an action answers for the name instead of resolving it. */
static int
changes_answer(enum policy_action a)
{
	return a != POLICY_ACTION_NONE && a != POLICY_ACTION_PASSTHRU;
}

/* Count, and log, what the decision for one name of the query did.  The
 * query's own name counts whatever was decided (tcp-only over TCP
 * included), and its monitor decision; a name of its CNAME chain counts
 * only when it blocked the answer.  Inside the read section: the
 * decision's source ids are the store's. */
static void
tally(struct tapir_module *m, struct policy_store *store,
	struct module_qstate *qstate, const struct policy_decision *d,
	int own, int done)
{
	struct counters_worker *wc = counters_of(m, qstate->env);

	if (done || (own && (!changes_answer(d->action) ||
	    d->action == POLICY_ACTION_TCP_ONLY)))
		counters_decision(wc, d);
	if (!own || d->monitor_rule == POLICY_RULE_NONE)
		return;
	counters_monitor(wc, d);
	if (m->log_decisions)
		log_decision(store, qstate, d, 1);
}

/* Decide for one name of the query: its own name (own: a redirect may
 * wait for its CNAME target's answer), or a name its answer's CNAME
 * chain reaches.  The decision's data pointer is only valid inside the
 * read section, so the answer is built inside it too. */
static int
decide_and_apply(struct tapir_module *m, struct module_qstate *qstate,
	int id, uint8_t *wire, size_t max, struct policy_decision *d,
	int own)
{
	uint8_t name[NAME_WIRE_MAX];
	struct policy_store *store;
	size_t len;
	unsigned reader;
	int done;

	d->action = POLICY_ACTION_NONE;
	len = name_canonicalise_wire(wire, max, name);
	if (!len || !worker_reader(m, qstate->env, &reader))
		return 0;
	epoch_enter(&m->epoch, reader);
	store = atomic_load_explicit(&m->store, memory_order_acquire);
	policy_read_begin(store, reader);
	policy_decide(store, name, len, (int64_t)*qstate->env->now, d);
	done = apply(m, store, qstate, id, d, own);
	tally(m, store, qstate, d, own, done);
	policy_read_end(store, reader);
	epoch_leave(&m->epoch, reader);
	return done;
}

static int
is_nudge(struct tapir_module *m, struct query_info *q)
{
	return q->qname_len == m->nudge_len &&
	    query_dname_compare(q->qname, m->nudge) == 0;
}

/* Our own nudge query: remove what the feeds queued from the caches. */
static void
drain_flush_queue(struct tapir_module *m, struct module_qstate *qstate,
	int id)
{
	struct flushq_work work;

	flushq_take(m->flushq, &work);
	if (ub_cache_drain(qstate->env, m->sweep, &work))
		flushq_again(m->flushq);
	answer(m, qstate, LDNS_RCODE_NOERROR, NULL, 1, 0);
	qstate->ext_state[id] = module_finished;
}

/* Marks, in minfo, a query whose name the allowlist let through: its
 * CNAME chain is not judged (the allowlist is absolute). */
static const int allowlisted_mark;

/* A new client query. */
static void
judge_new(struct tapir_module *m, struct module_qstate *qstate, int id)
{
	struct query_info *q = &qstate->qinfo;
	struct counters_worker *wc = counters_of(m, qstate->env);
	struct policy_decision d;

	if (is_nudge(m, q)) {
		counters_bump(&wc->drains);
		drain_flush_queue(m, qstate, id);
		return;
	}
	counters_bump(&wc->judged);
	if (decide_and_apply(m, qstate, id, q->qname, q->qname_len, &d, 1)) {
		/* No client waiting: a prefetch of a cached name that is now
		 * blocked.  Its old answer must not be served any more. */
		if (!qstate->mesh_info->reply_list)
			ub_cache_remove_name(qstate->env, q->qname,
				q->qname_len);
		return;
	}
	if (d.rule == POLICY_RULE_ALLOW)
		qstate->minfo[id] = (void *)&allowlisted_mark;
	qstate->ext_state[id] = module_wait_module;
}

/* CNAME cloaking: a passed-through name whose answer's CNAME chain reaches
 * a blocked name gets the block too.  The iterator has already cached the
 * chain under the query name, so that entry is removed right here. */
static void
judge_chain(struct tapir_module *m, struct module_qstate *qstate, int id)
{
	struct reply_info *rep = qstate->return_msg ?
		qstate->return_msg->rep : NULL;
	struct policy_decision d;
	size_t i;

	if (!rep || qstate->minfo[id] == &allowlisted_mark)
		return;
	for (i = 0; i < rep->an_numrrsets && i < rep->rrset_count; i++) {
		struct ub_packed_rrset_key *k = rep->rrsets[i];
		struct packed_rrset_data *data = k->entry.data;
		int hit = 0;
		if (query_dname_compare(k->rk.dname, qstate->qinfo.qname) != 0)
			hit = decide_and_apply(m, qstate, id, k->rk.dname,
				k->rk.dname_len, &d, 0);
		/* The chain's last target may have no RRset in the answer
		 * (NXDOMAIN or NODATA there): check CNAME targets too. */
		if (!hit && ntohs(k->rk.type) == LDNS_RR_TYPE_CNAME &&
		    data->count > 0 && data->rr_len[0] > 2)
			hit = decide_and_apply(m, qstate, id,
				data->rr_data[0] + 2, data->rr_len[0] - 2, &d, 0);
		if (hit) {
			counters_bump(&counters_of(m, qstate->env)->cloaked);
			ub_cache_remove_name(qstate->env, qstate->qinfo.qname,
				qstate->qinfo.qname_len);
			return;
		}
	}
}

/* Whether the policy answers for a name other than by resolving it
 * (blocks it, redirects it, or sends it to TCP). */
static int
policy_changes_answer(struct tapir_module *m, struct module_env *env,
	uint8_t *wire, size_t max)
{
	uint8_t name[NAME_WIRE_MAX];
	struct policy_store *store;
	struct policy_decision d;
	unsigned reader;
	size_t len = name_canonicalise_wire(wire, max, name);

	if (!len || !worker_reader(m, env, &reader))
		return 0;
	epoch_enter(&m->epoch, reader);
	store = atomic_load_explicit(&m->store, memory_order_acquire);
	policy_read_begin(store, reader);
	policy_decide(store, name, len, (int64_t)*env->now, &d);
	policy_read_end(store, reader);
	epoch_leave(&m->epoch, reader);
	return d.action != POLICY_ACTION_NONE &&
	    d.action != POLICY_ACTION_PASSTHRU;
}

/* Every answer the iterator gets from upstream passes here before it is
 * stored.  operate() judges only the queries clients ask; the iterator's
 * own sub-queries start below us and never reach it: the class-IN
 * queries it makes for a class-ANY one, the addresses of name servers,
 * the validator's DS and DNSKEY queries.  Neither do the names a CNAME
 * or DNAME leads to.  What those answers put in the message cache, the
 * worker serves to the next client before any module runs.  So an answer
 * for a name the policy answers for itself, or with such a name in its
 * answer section, is kept out of the cache altogether: the query that
 * asked still gets it to finish its own work (a delegation's address, a
 * chain that operate() then judges on the way out), and nobody else ever
 * reads it.  Runs on the worker thread, before the iterator stores. */
static int
query_response_cb(struct module_qstate *qstate, struct dns_msg *response,
	int id, void *arg)
{
	struct tapir_module *m = arg;
	struct reply_info *rep = response ? response->rep : NULL;
	int hit;
	size_t i;

	(void)id;
	if (!rep || qstate->no_cache_store ||
	    response->qinfo.qclass != LDNS_RR_CLASS_IN)
		return 1;
	hit = policy_changes_answer(m, qstate->env, response->qinfo.qname,
		response->qinfo.qname_len);
	for (i = 0; !hit && i < rep->an_numrrsets && i < rep->rrset_count;
	    i++) {
		struct ub_packed_rrset_key *k = rep->rrsets[i];
		struct packed_rrset_data *data = k->entry.data;
		hit = policy_changes_answer(m, qstate->env, k->rk.dname,
			k->rk.dname_len);
		if (!hit && ntohs(k->rk.type) == LDNS_RR_TYPE_CNAME &&
		    data->count > 0 && data->rr_len[0] > 2)
			hit = policy_changes_answer(m, qstate->env,
				data->rr_data[0] + 2, data->rr_len[0] - 2);
	}
	if (hit) {
		qstate->no_cache_store = 1;
		counters_bump(&counters_of(m, qstate->env)->uncached);
	}
	return 1;
}

void
operate(struct module_qstate *qstate, enum module_ev event, int id,
	struct outbound_entry *outbound)
{
	struct dynlibmod_env *de = qstate->env->modinfo[id];
	struct tapir_module *m = de->dyn_env;
	/* Client queries are judged here; the iterator's own sub-queries
	 * (NS addresses ...) have a super state, and their answers meet the
	 * policy in query_response_cb.  Class ANY is judged as IN: the
	 * iterator answers it through class-IN queries of its own. */
	int top = qstate->mesh_info->super_set.count == 0 &&
		(qstate->qinfo.qclass == LDNS_RR_CLASS_IN ||
		qstate->qinfo.qclass == LDNS_RR_CLASS_ANY);

	(void)outbound;
	switch (event) {
	case module_event_new:
		if (top) {
			judge_new(m, qstate, id);
			return;
		}
		qstate->ext_state[id] = module_wait_module;
		return;
	case module_event_pass:
		if (qstate->minfo[id] && qstate->minfo[id] !=
		    &allowlisted_mark) {
			struct redirect_wait *w = qstate->minfo[id];
			if (!w->done) {
				qstate->ext_state[id] = module_wait_subquery;
				return;
			}
			qstate->ext_state[id] = finish_redirect(m, qstate, w) ?
				module_finished : module_error;
			return;
		}
		qstate->ext_state[id] = module_wait_module;
		return;
	case module_event_moddone:
		qstate->ext_state[id] = module_finished;
		if (top)
			judge_chain(m, qstate, id);
		return;
	default:
		qstate->ext_state[id] = module_error;
		return;
	}
}

/* A redirect's CNAME target has resolved: keep a copy of its reply in the
 * waiting query's region (the sub-query's goes away with it). */
void
inform_super(struct module_qstate *qstate, int id,
	struct module_qstate *super)
{
	struct redirect_wait *w = super->minfo[id];

	if (!w || super->minfo[id] == &allowlisted_mark)
		return;
	if (qstate->return_rcode == LDNS_RCODE_NOERROR &&
	    qstate->return_msg && qstate->return_msg->rep)
		w->target = reply_info_copy(qstate->return_msg->rep, NULL,
			super->region);
	w->done = 1;
}

void
clear(struct module_qstate *qstate, int id)
{
	qstate->minfo[id] = NULL;
}

size_t
get_mem(struct module_env *env, int id)
{
	struct dynlibmod_env *de = env->modinfo[id];
	struct tapir_module *m = de ? de->dyn_env : NULL;

	size_t total;
	unsigned reader;

	if (!m)
		return 0;
	total = sizeof(*m);
	/* Unbound asks from a worker thread (unbound-control stats); the
	 * store may be swapped by a reload meanwhile: read it as queries do. */
	if (worker_reader(m, env, &reader)) {
		epoch_enter(&m->epoch, reader);
		total += policy_store_memory(atomic_load_explicit(&m->store,
			memory_order_acquire));
		epoch_leave(&m->epoch, reader);
	}
	return total;
}
