/*
 * dawg/dawg_build.c - writer of DNS TAPIR's DAWG files.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 *
 * Byte-for-byte compatibility with the Go library decides every choice
 * here.  Its file depends only on the minimal DAWG of the word list (node
 * identity is lost when it renumbers), so any correct incremental
 * minimisation will do; this one keeps the nodes along the last word
 * unfrozen in a per-depth chain and freezes them into a hash-consed
 * register once a later word leaves them, which is the same algorithm
 * (Daciuk et al.) with less memory than a node map.  The root is never
 * registered, as in Go.  What must then be copied exactly: depth-first
 * preorder numbering, "fallthrough" for a single edge to the next node,
 * the per-node count width bitlen(words below), the address width found
 * by iterating until the file's bit length fits, and Go's varint, whose
 * byte boundaries are 0x7f, 0x3fff ... rather than 0x80, 0x4000 ...
 */
#include "tapir_config.h"
#include "dawg/dawg_build.h"
#include "dawg/dawg.h"
#include "dawg/utf8.h"
#include "module/base/csv.h"

#include <stdlib.h>
#include <string.h>

/* Go's writeUnsigned panics from here on; the header counts must stay
 * below it. */
#define GO_VARINT_LIMIT 0xfffffffu
/* The header's size field has 32 bits. */
#define MAX_FILE_BYTES 0xffffffffu

/* An edge: its character and the node it leads to. */
struct bedge {
	uint32_t ch;
	uint32_t child;
};

/* A node on the chain of the last word, not yet frozen. */
struct link {
	struct bedge *e;
	size_t n, cap;
	int final;
};

struct dawg_builder {
	/* Frozen nodes, by id: first edge in pool, edge count, words
	 * reachable (the Go library's count), final flag. */
	size_t *first;
	uint32_t *nedges, *count;
	uint8_t *final;
	size_t nodes, node_cap;
	struct bedge *pool;
	size_t pool_len, pool_cap;
	/* The register: open addressing of id + 1, 0 is empty. */
	uint32_t *reg;
	size_t reg_cap, reg_used;
	/* chain[0] is the root, chain[i] the node after i characters of
	 * the last word. */
	struct link *chain;
	size_t chain_cap;
	/* The last word, as code points and as bytes (order check). */
	uint32_t *last, *cur;
	size_t last_len, cp_cap;
	char *last_bytes;
	size_t last_bytes_len, bytes_cap;
	uint64_t words, edges;
	uint32_t max_ch;
	int error;
};

static int
grow(void **p, size_t *cap, size_t need, size_t elem)
{
	size_t n = *cap ? *cap : 16;
	void *q;

	if (need <= *cap)
		return 0;
	while (n < need)
		n *= 2;
	if (!(q = realloc(*p, n * elem)))
		return -1;
	*p = q;
	*cap = n;
	return 0;
}

/* The chain's links keep their edge arrays for reuse, so new ones must
 * start empty. */
static int
grow_chain(struct dawg_builder *b, size_t need)
{
	size_t old = b->chain_cap;

	if (grow((void **)&b->chain, &b->chain_cap, need, sizeof(*b->chain)))
		return -1;
	memset(b->chain + old, 0, (b->chain_cap - old) * sizeof(*b->chain));
	return 0;
}

/* Room for one more frozen node in the parallel arrays. */
static int
reserve_node(struct dawg_builder *b)
{
	size_t cap = b->node_cap ? b->node_cap * 2 : 1024;
	void *p;

	if (b->nodes < b->node_cap)
		return 0;
	if (b->nodes >= UINT32_MAX - 1)
		return -1;
	if (!(p = realloc(b->first, cap * sizeof(*b->first))))
		return -1;
	b->first = p;
	if (!(p = realloc(b->nedges, cap * sizeof(*b->nedges))))
		return -1;
	b->nedges = p;
	if (!(p = realloc(b->count, cap * sizeof(*b->count))))
		return -1;
	b->count = p;
	if (!(p = realloc(b->final, cap * sizeof(*b->final))))
		return -1;
	b->final = p;
	b->node_cap = cap;
	return 0;
}

struct dawg_builder *
dawg_builder_new(void)
{
	struct dawg_builder *b = calloc(1, sizeof(*b));

	if (b && grow_chain(b, 1)) {
		free(b);
		return NULL;
	}
	return b;
}

static unsigned
bitlen(uint64_t x)
{
	return x ? 64 - (unsigned)__builtin_clzll(x) : 0;
}

static uint64_t
hash_node(int final, const struct bedge *e, size_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15ull ^ (uint64_t)final;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (uint64_t)e[i].ch << 32 | e[i].child;
		h *= 0xff51afd7ed558ccdull;
		h ^= h >> 29;
	}
	return h;
}

/* Put id in the register, which has room. */
static void
reg_put(struct dawg_builder *b, uint32_t id)
{
	size_t mask = b->reg_cap - 1, at = hash_node(b->final[id],
		b->pool + b->first[id], b->nedges[id]) & mask;

	while (b->reg[at])
		at = (at + 1) & mask;
	b->reg[at] = id + 1;
	b->reg_used++;
}

static int
reg_grow(struct dawg_builder *b)
{
	uint32_t *old = b->reg;
	size_t old_cap = b->reg_cap, i;

	if ((b->reg_used + 1) * 2 <= b->reg_cap)
		return 0;
	b->reg_cap = old_cap ? old_cap * 2 : 1024;
	if (!(b->reg = calloc(b->reg_cap, sizeof(*b->reg)))) {
		b->reg = old;
		b->reg_cap = old_cap;
		return -1;
	}
	b->reg_used = 0;
	for (i = 0; i < old_cap; i++)
		if (old[i])
			reg_put(b, old[i] - 1);
	free(old);
	return 0;
}

/* Make a frozen node of l; with registered, look for an equal one first.
 * @return its id, or -1 when out of memory or out of ids. */
static int64_t
freeze(struct dawg_builder *b, struct link *l, int registered)
{
	uint64_t h = hash_node(l->final, l->e, l->n), sum = (uint64_t)l->final;
	size_t mask, at, i;
	uint32_t id;

	if (registered) {
		if (reg_grow(b))
			return -1;
		mask = b->reg_cap - 1;
		for (at = h & mask; b->reg[at]; at = (at + 1) & mask) {
			id = b->reg[at] - 1;
			if (b->final[id] == l->final && b->nedges[id] == l->n &&
			    (l->n == 0 || memcmp(b->pool + b->first[id], l->e,
			    l->n * sizeof(*l->e)) == 0))
				return id;
		}
	}
	if (reserve_node(b) || grow((void **)&b->pool, &b->pool_cap,
	    b->pool_len + l->n, sizeof(*b->pool)))
		return -1;
	id = (uint32_t)b->nodes++;
	b->first[id] = b->pool_len;
	b->nedges[id] = (uint32_t)l->n;
	b->final[id] = (uint8_t)l->final;
	if (l->n)
		memcpy(b->pool + b->pool_len, l->e, l->n * sizeof(*l->e));
	b->pool_len += l->n;
	for (i = 0; i < l->n; i++)
		sum += b->count[l->e[i].child];
	b->count[id] = (uint32_t)sum;
	if (registered)
		reg_put(b, id);
	return id;
}

/* Freeze the chain below depth keep, deepest first, pointing each parent's
 * last edge at the frozen (or equal, older) node. */
static int
minimise(struct dawg_builder *b, size_t keep)
{
	size_t depth;

	for (depth = b->last_len; depth > keep; depth--) {
		struct link *l = &b->chain[depth], *parent = &b->chain[depth - 1];
		int64_t id = freeze(b, l, 1);
		if (id < 0)
			return -1;
		parent->e[parent->n - 1].child = (uint32_t)id;
		l->n = 0;
		l->final = 0;
	}
	return 0;
}

static int
fail(struct dawg_builder *b, int err)
{
	b->error = err;
	return err;
}

int
dawg_builder_add(struct dawg_builder *b, const char *word, size_t len)
{
	const uint8_t *s = (const uint8_t *)word;
	size_t n = 0, i = 0, common = 0, cmp_len, depth;
	uint32_t *swap;
	int c;

	if (b->error)
		return b->error;
	/* cur and last swap roles, so both keep cp_cap entries. */
	if (len + 1 > b->cp_cap) {
		size_t cap = b->cp_cap;
		void *p;
		if (grow((void **)&b->cur, &cap, len + 1, sizeof(*b->cur)) ||
		    !(p = realloc(b->last, cap * sizeof(*b->last))))
			return fail(b, DAWG_ERR_NOMEM);
		b->last = p;
		b->cp_cap = cap;
	}
	while (i < len) {
		uint32_t cp = dawg_utf8_next(s, len, &i);
		if (cp == DAWG_UTF8_BAD)
			return DAWG_ERR_UTF8;
		b->cur[n++] = cp;
	}
	if (b->words) {
		cmp_len = len < b->last_bytes_len ? len : b->last_bytes_len;
		c = memcmp(word, b->last_bytes, cmp_len);
		if (c < 0 || (c == 0 && len <= b->last_bytes_len))
			return DAWG_ERR_ORDER;
	}
	if (b->words + 1 >= GO_VARINT_LIMIT ||
	    b->edges + n >= GO_VARINT_LIMIT)
		return fail(b, DAWG_ERR_TOO_BIG);
	while (common < n && common < b->last_len &&
	    b->cur[common] == b->last[common])
		common++;
	if (minimise(b, common) || grow_chain(b, n + 1) ||
	    grow((void **)&b->last_bytes, &b->bytes_cap, len + 1, 1))
		return fail(b, DAWG_ERR_NOMEM);
	for (depth = common; depth < n; depth++) {
		struct link *l = &b->chain[depth];
		if (grow((void **)&l->e, &l->cap, l->n + 1, sizeof(*l->e)))
			return fail(b, DAWG_ERR_NOMEM);
		l->e[l->n].ch = b->cur[depth];
		l->e[l->n].child = 0;
		l->n++;
		if (b->cur[depth] > b->max_ch)
			b->max_ch = b->cur[depth];
	}
	b->chain[n].final = 1;
	b->edges += n - common;
	b->words++;
	memcpy(b->last_bytes, word, len);
	b->last_bytes_len = len;
	swap = b->last;
	b->last = b->cur;
	b->cur = swap;
	b->last_len = n;
	return DAWG_OK;
}

/* Go's writeUnsigned: its byte length for n (below GO_VARINT_LIMIT). */
static unsigned
varint_len(uint64_t n)
{
	return n < 0x7f ? 1 : n < 0x3fff ? 2 : n < 0x1fffff ? 3 : 4;
}

/* A bit stream being written, most significant bit first, into a zeroed
 * buffer of the right size. */
struct bitw {
	uint8_t *buf;
	uint64_t pos;
};

static void
put(struct bitw *w, uint64_t v, unsigned n)
{
	while (n) {
		unsigned room = 8 - (unsigned)(w->pos & 7);
		unsigned k = n < room ? n : room;
		uint64_t chunk = (v >> (n - k)) & ((1u << k) - 1);
		w->buf[w->pos >> 3] |= (uint8_t)(chunk << (room - k));
		w->pos += k;
		n -= k;
	}
}

static void
put_varint(struct bitw *w, uint64_t n)
{
	unsigned len = varint_len(n), i;

	for (i = len; i > 1; i--)
		put(w, ((n >> (7 * (i - 1))) & 0x7f) | 0x80, 8);
	put(w, n & 0x7f, 8);
}

/* Depth-first preorder from the root, children in character order, as
 * the Go library renumbers before writing: order[new] = old id. */
static int
renumber(struct dawg_builder *b, uint32_t root, uint32_t *order,
	uint32_t *newid)
{
	struct frame {
		uint32_t node, next;
	} *stack = NULL;
	size_t cap = 0, depth = 0;
	uint32_t n = 0;

	if (grow((void **)&stack, &cap, 1, sizeof(*stack)))
		return -1;
	memset(newid, 0xff, b->nodes * sizeof(*newid));
	newid[root] = n;
	order[n++] = root;
	stack[0].node = root;
	stack[0].next = 0;
	depth = 1;
	while (depth) {
		struct frame *f = &stack[depth - 1];
		uint32_t child;
		if (f->next == b->nedges[f->node]) {
			depth--;
			continue;
		}
		child = b->pool[b->first[f->node] + f->next++].child;
		if (newid[child] != UINT32_MAX)
			continue;
		newid[child] = n;
		order[n++] = child;
		if (grow((void **)&stack, &cap, depth + 1, sizeof(*stack))) {
			free(stack);
			return -1;
		}
		stack[depth].node = child;
		stack[depth].next = 0;
		depth++;
	}
	free(stack);
	return 0;
}

/* Lay out and write the renumbered nodes. */
static int
write_file(struct dawg_builder *b, const uint32_t *order,
	const uint32_t *newid, uint8_t **out, size_t *len)
{
	unsigned cbits = bitlen(b->max_ch), nskiplen = bitlen(bitlen(b->words));
	unsigned abits = 1;
	uint64_t fixed, linked = 0, total, size, *addr;
	uint32_t i, nodes = (uint32_t)b->nodes;
	struct bitw w;

	/* Bits that do not depend on abits, and the number of edges that
	 * carry an address; the file's length is fixed + linked * abits. */
	fixed = 48 + 8 * (uint64_t)(varint_len(b->words) +
		varint_len(nodes) + varint_len(b->edges));
	for (i = 0; i < nodes; i++) {
		uint32_t id = order[i], ne = b->nedges[id];
		unsigned nskip = bitlen(b->count[id]);
		fixed += 2;
		if (ne == 1 && newid[b->pool[b->first[id]].child] == i + 1) {
			fixed += cbits;
			continue;
		}
		fixed++;
		if (ne != 1)
			fixed += 8 * varint_len(ne) + nskiplen;
		if (ne)
			fixed += (uint64_t)ne * cbits + (uint64_t)(ne - 1) * nskip;
		linked += ne;
	}
	/* The Go library's search for the address width: widen until the
	 * file's own bit length fits. */
	for (;;) {
		total = fixed + linked * abits;
		if (bitlen(total) <= abits)
			break;
		abits = bitlen(total);
	}
	size = (total + 7) / 8;
	if (size > MAX_FILE_BYTES)
		return DAWG_ERR_TOO_BIG;
	if (!(addr = malloc((size_t)nodes * sizeof(*addr))))
		return DAWG_ERR_NOMEM;
	if (!(w.buf = calloc(1, (size_t)size))) {
		free(addr);
		return DAWG_ERR_NOMEM;
	}
	/* Addresses: the same walk again, now that abits is known. */
	w.pos = 48 + 8 * (uint64_t)(varint_len(b->words) + varint_len(nodes) +
		varint_len(b->edges));
	for (i = 0; i < nodes; i++) {
		uint32_t id = order[i], ne = b->nedges[id];
		unsigned nskip = bitlen(b->count[id]);
		addr[i] = w.pos;
		w.pos += 2;
		if (ne == 1 && newid[b->pool[b->first[id]].child] == i + 1) {
			w.pos += cbits;
			continue;
		}
		w.pos++;
		if (ne != 1)
			w.pos += 8 * varint_len(ne) + nskiplen;
		if (ne)
			w.pos += (uint64_t)ne * (cbits + abits) +
				(uint64_t)(ne - 1) * nskip;
	}
	w.pos = 0;
	put(&w, size, 32);
	put(&w, cbits, 8);
	put(&w, abits, 8);
	put_varint(&w, b->words);
	put_varint(&w, nodes);
	put_varint(&w, b->edges);
	for (i = 0; i < nodes; i++) {
		uint32_t id = order[i], ne = b->nedges[id], k;
		const struct bedge *e = b->pool + b->first[id];
		unsigned nskip = bitlen(b->count[id]);
		uint64_t skipped = b->final[id];
		put(&w, b->final[id], 1);
		if (ne == 1 && newid[e[0].child] == i + 1) {
			put(&w, 1, 1);
			put(&w, e[0].ch, cbits);
			continue;
		}
		put(&w, 0, 1);
		if (ne == 1) {
			put(&w, 1, 1);
		} else {
			put(&w, 0, 1);
			put_varint(&w, ne);
			put(&w, nskip, nskiplen);
		}
		for (k = 0; k < ne; k++) {
			put(&w, e[k].ch, cbits);
			if (k > 0)
				put(&w, skipped, nskip);
			put(&w, addr[newid[e[k].child]], abits);
			skipped += b->count[e[k].child];
		}
	}
	free(addr);
	*out = w.buf;
	*len = (size_t)size;
	return DAWG_OK;
}

int
dawg_builder_finish(struct dawg_builder *b, uint8_t **out, size_t *len)
{
	uint32_t *order, *newid;
	int64_t root;
	int r;

	*out = NULL;
	*len = 0;
	if (b->error)
		return b->error;
	if (minimise(b, 0) || (root = freeze(b, &b->chain[0], 0)) < 0)
		return fail(b, DAWG_ERR_NOMEM);
	b->last_len = 0;
	order = malloc(b->nodes * sizeof(*order));
	newid = malloc(b->nodes * sizeof(*newid));
	if (!order || !newid || renumber(b, (uint32_t)root, order, newid))
		r = DAWG_ERR_NOMEM;
	else if (b->nodes >= GO_VARINT_LIMIT)
		r = DAWG_ERR_TOO_BIG;
	else
		r = write_file(b, order, newid, out, len);
	free(order);
	free(newid);
	/* The root is frozen now: any later word would be out of order. */
	b->error = r == DAWG_OK ? DAWG_ERR_ORDER : r;
	return r;
}

void
dawg_builder_free(struct dawg_builder *b)
{
	size_t i;

	if (!b)
		return;
	for (i = 0; i < b->chain_cap; i++)
		free(b->chain[i].e);
	free(b->chain);
	free(b->first);
	free(b->nedges);
	free(b->count);
	free(b->final);
	free(b->pool);
	free(b->reg);
	free(b->last);
	free(b->cur);
	free(b->last_bytes);
	free(b);
}

/* Append a word to the list, as is. */
static int
words_add(struct dawg_words *w, const char *word, size_t len)
{
	if (grow((void **)&w->arena, &w->arena_cap, w->arena_len + len + 1, 1) ||
	    grow((void **)&w->list, &w->cap, w->n + 1, sizeof(*w->list)))
		return DAWG_ERR_NOMEM;
	memcpy(w->arena + w->arena_len, word, len);
	w->list[w->n].off = w->arena_len;
	w->list[w->n].len = len;
	w->arena_len += len;
	w->n++;
	return DAWG_OK;
}

static int
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* Append a name from text or CSV: trimmed, ASCII lower-cased (DNS
 * compares names case-insensitively in ASCII only, RFC 4343) and
 * absolute, the form lookups use.  A leading dot (a subtree word) stays. */
static int
words_add_name(struct dawg_words *w, const char *name, size_t len)
{
	size_t i;
	int r;

	while (len && is_blank(*name)) {
		name++;
		len--;
	}
	while (len && is_blank(name[len - 1]))
		len--;
	if (len == 0 || memchr(name, ' ', len) || memchr(name, '\t', len))
		return DAWG_ERR_SYNTAX;
	if ((r = words_add(w, name, len)) != DAWG_OK)
		return r;
	for (i = w->arena_len - len; i < w->arena_len; i++)
		if (w->arena[i] >= 'A' && w->arena[i] <= 'Z')
			w->arena[i] = (char)(w->arena[i] + 32);
	if (name[len - 1] != '.') {
		w->arena[w->arena_len++] = '.';
		w->list[w->n - 1].len++;
	}
	return DAWG_OK;
}

static int
parse_lines(struct dawg_words *w, const char *text, size_t len, int verbatim,
	size_t *line)
{
	size_t start = 0, end;
	int r;

	for (*line = 1; start < len; (*line)++, start = end + 1) {
		const char *nl = memchr(text + start, '\n', len - start);
		size_t k;
		end = nl ? (size_t)(nl - text) : len;
		if (verbatim) {
			r = words_add(w, text + start, end - start);
		} else {
			for (k = start; k < end && is_blank(text[k]); k++)
				;
			if (k == end || text[k] == '#')
				continue;
			r = words_add_name(w, text + start, end - start);
		}
		if (r != DAWG_OK)
			return r;
	}
	return DAWG_OK;
}

/* CSV through the one reader (module/base/csv.h), handed the whole
 * text: quoted fields may span lines, as Go reads them. */
static int
parse_csv(struct dawg_words *w, const char *text, size_t len,
	const struct dawg_input *in, size_t *line)
{
	struct csv_reader c;
	const char *field = NULL;
	size_t flen = 0, records = 0, at = 0;
	int r = DAWG_OK, got;

	csv_init(&c, text, len, 0);
	while (r == DAWG_OK &&
	    (got = csv_next(&c, in->column, &field, &flen, &at)) != CSV_END) {
		if (got == CSV_ERR_NOMEM)
			r = DAWG_ERR_NOMEM;
		else if (got == CSV_ERR_QUOTE)
			r = DAWG_ERR_SYNTAX;
		else if (records++ == 0 && in->header)
			continue;
		else if (got == CSV_SHORT)
			r = DAWG_ERR_SYNTAX;
		else
			r = words_add_name(w, field, flen);
	}
	if (r != DAWG_OK)
		*line = at;
	csv_free(&c);
	return r;
}

int
dawg_words_parse(struct dawg_words *w, const char *text, size_t len,
	const struct dawg_input *in, size_t *line)
{
	size_t at = 0;

	if (!line)
		line = &at;
	*line = 0;
	switch (in->format) {
	case DAWG_INPUT_TEXT:
		return parse_lines(w, text, len, 0, line);
	case DAWG_INPUT_WORDS:
		return parse_lines(w, text, len, 1, line);
	case DAWG_INPUT_CSV:
		if (in->column == 0)
			return DAWG_ERR_SYNTAX;
		return parse_csv(w, text, len, in, line);
	}
	return DAWG_ERR_SYNTAX;
}

/* A word during sorting: qsort has no context argument, so the arena
 * pointer travels with each element. */
struct sort_word {
	const char *p;
	size_t len;
};

static int
cmp_words(const void *a, const void *b)
{
	const struct sort_word *x = a, *y = b;
	int c = memcmp(x->p, y->p, x->len < y->len ? x->len : y->len);

	if (c)
		return c;
	return x->len < y->len ? -1 : x->len > y->len;
}

int
dawg_words_sort(struct dawg_words *w,
	void (*dup)(void *arg, const char *word, size_t len), void *arg,
	size_t *dropped)
{
	struct sort_word *s;
	size_t i, n = 0;

	*dropped = 0;
	if (w->n < 2)
		return DAWG_OK;
	if (!(s = malloc(w->n * sizeof(*s))))
		return DAWG_ERR_NOMEM;
	for (i = 0; i < w->n; i++) {
		s[i].p = w->arena + w->list[i].off;
		s[i].len = w->list[i].len;
	}
	qsort(s, w->n, sizeof(*s), cmp_words);
	for (i = 0; i < w->n; i++) {
		if (n && s[i].len == w->list[n - 1].len &&
		    memcmp(s[i].p, w->arena + w->list[n - 1].off, s[i].len) == 0) {
			if (dup)
				dup(arg, s[i].p, s[i].len);
			(*dropped)++;
			continue;
		}
		w->list[n].off = (size_t)(s[i].p - w->arena);
		w->list[n].len = s[i].len;
		n++;
	}
	w->n = n;
	free(s);
	return DAWG_OK;
}

int
dawg_words_build(const struct dawg_words *w, uint8_t **out, size_t *len,
	size_t *bad)
{
	struct dawg_builder *b = dawg_builder_new();
	size_t i;
	int r = DAWG_OK;

	*out = NULL;
	*len = 0;
	if (!b)
		return DAWG_ERR_NOMEM;
	for (i = 0; i < w->n && r == DAWG_OK; i++)
		r = dawg_builder_add(b, w->arena + w->list[i].off,
			w->list[i].len);
	if (r != DAWG_OK) {
		if (bad)
			*bad = i - 1;
	} else {
		r = dawg_builder_finish(b, out, len);
	}
	dawg_builder_free(b);
	return r;
}

void
dawg_words_free(struct dawg_words *w)
{
	free(w->arena);
	free(w->list);
	memset(w, 0, sizeof(*w));
}
