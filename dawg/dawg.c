/*
 * dawg/dawg.c - reader for DNS TAPIR's DAWG files.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 *
 * The file is one bit stream, most significant bit first.  Every field
 * is read through window(), which loads 64 big-endian bits from the
 * file's bytes and treats bytes past their end as zero: that one rule
 * makes any address, count or length in a hostile file harmless to
 * read.  What remains is to bound every loop, which the word length
 * (lookups) and an explicit budget (enumeration) do.  Lookups decide a
 * single-edge node, the common case in a name list, from that one
 * window.
 */
#include "tapir_config.h"
#include "dawg/dawg.h"
#include "dawg/utf8.h"
#include "module/base/fileio.h"
#include "module/base/names.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* Longest word enumeration follows; names are at most 255 octets, the
 * margin is for files of other words. */
#define MAX_WORD_CHARS 1024
/* Longest UTF-8 name lookups accept. */
#define MAX_NAME_BYTES (NAME_TEXT_MAX + 1)

/* Bits a window always holds: 8 octets, less up to 7 bits of offset. */
#define WINDOW_BITS 57

/* The 8 octets from byte on, of which some lie past the end: those
 * read as 0.  Kept out of line: only the last octets of a file, or a
 * hostile address, come here. */
static uint64_t __attribute__((noinline))
window_tail(const struct dawg *d, uint64_t byte)
{
	uint64_t w = 0;
	unsigned i;

	for (i = 0; i < 8; i++)
		w = w << 8 | (byte + i < d->size ? d->data[byte + i] : 0);
	return w;
}

/* The bits from bit offset pos on, left-aligned: at least WINDOW_BITS
 * of them are the file's (or 0 past its end). */
static inline uint64_t
window(const struct dawg *d, uint64_t pos)
{
	uint64_t byte = pos >> 3, w;

	if (byte + 8 <= d->size) {
		memcpy(&w, d->data + byte, 8);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		w = __builtin_bswap64(w);
#endif
	} else {
		w = window_tail(d, byte);
	}
	return w << (pos & 7);
}

/* n bits at offset off of a window (off + n <= WINDOW_BITS). */
static inline uint64_t
take(uint64_t w, unsigned off, unsigned n)
{
	return n ? (w << off) >> (64 - n) : 0;
}

/* n (<= 64) bits at bit offset pos; bits past the end read as 0. */
static uint64_t
bits(const struct dawg *d, uint64_t pos, unsigned n)
{
	if (n <= 32)
		return take(window(d, pos), 0, n);
	return take(window(d, pos), 0, 32) << (n - 32) |
		take(window(d, pos + 32), 0, n - 32);
}

static unsigned
bitlen(uint64_t x)
{
	unsigned n = 0;

	while (x) {
		n++;
		x >>= 1;
	}
	return n;
}

/* A big-endian base-128 varint; *pos advances.  Five bytes at most. */
static int
varint(const struct dawg *d, uint64_t *pos, uint64_t *out)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 5; i++) {
		uint64_t b = bits(d, *pos, 8);
		*pos += 8;
		v = v << 7 | (b & 0x7f);
		if (!(b & 0x80)) {
			*out = v;
			return 0;
		}
	}
	return -1;
}

/* A node, as read at a bit offset. */
struct node {
	int final;
	int fallthrough;
	uint64_t n_edges;
	unsigned nskip;
	uint64_t edges;        /* bit offset of the first edge */
};

/* The node at pos, whose window is w.  The whole header fits one window:
 * 3 flag bits, a varint of at most 5 octets and nskiplen (at most 6)
 * bits. */
static inline void
read_node(const struct dawg *d, uint64_t pos, uint64_t w, struct node *n)
{
	uint64_t v = 0, room;
	unsigned used = 3, i;

	n->final = (int)take(w, 0, 1);
	n->fallthrough = (int)take(w, 1, 1);
	n->n_edges = 1;
	n->nskip = 0;
	if (n->fallthrough) {
		n->edges = pos + 2;
		return;
	}
	if (take(w, 2, 1)) {
		n->edges = pos + 3;
		return;
	}
	for (i = 0; i < 5; i++) {
		uint64_t b = take(w, used, 8);
		used += 8;
		v = v << 7 | (b & 0x7f);
		if (!(b & 0x80))
			break;
	}
	/* A varint longer than five octets: no edges (a miss). */
	n->n_edges = i < 5 ? v : 0;
	n->nskip = (unsigned)take(w, used, d->nskiplen);
	n->edges = pos + used + d->nskiplen;
	/* More edges than the rest of the file can hold: malformed.  Both
	 * factors are below 2^35 and 2^7, so the product cannot wrap. */
	room = (uint64_t)d->size * 8;
	if (n->edges >= room || n->n_edges * (d->cbits + n->nskip + d->abits) >
	    room - n->edges + n->nskip)
		n->n_edges = 0;
}

/* Bit offset of edge i (edge 0 has no count field). */
static uint64_t
edge_pos(const struct dawg *d, const struct node *n, uint64_t i)
{
	return i == 0 ? n->edges :
	    n->edges + i * (d->cbits + n->nskip + d->abits) - n->nskip;
}

/* Edge i of a node: its character, the words it skips, its target.
 * An edge fits one window unless its fields are unusually wide. */
static void
read_edge(const struct dawg *d, const struct node *n, uint64_t i,
	uint32_t *ch, uint64_t *count, uint64_t *target)
{
	uint64_t pos = edge_pos(d, n, i), w = window(d, pos);
	unsigned cb = d->cbits, skip = i ? n->nskip : 0;

	*ch = (uint32_t)take(w, 0, cb);
	if (n->fallthrough) {
		*count = (uint64_t)n->final;
		*target = pos + cb;
		return;
	}
	if (cb + skip + d->abits <= WINDOW_BITS) {
		*count = i ? take(w, cb, skip) : (uint64_t)n->final;
		*target = take(w, cb + skip, d->abits);
		return;
	}
	*count = i ? bits(d, pos + cb, skip) : (uint64_t)n->final;
	*target = bits(d, pos + cb + skip, d->abits);
}

/* Follow the edge labelled c (binary search: edges are sorted).  Most
 * nodes of a name list have one edge, and those are decided from the
 * node's own window. */
static inline int
follow(const struct dawg *d, uint64_t *node, uint32_t c, uint64_t *index)
{
	struct node n;
	uint64_t w = window(d, *node), lo = 0, hi, count, target;
	unsigned cb = d->cbits, ab = d->abits;
	uint32_t ch;

	if (take(w, 1, 1)) {
		if (take(w, 2, cb) != c || *node + 2 + cb >= (uint64_t)d->size * 8)
			return -1;
		*index += take(w, 0, 1);
		*node += 2 + cb;
		return 0;
	}
	if (take(w, 2, 1) && 3 + cb + ab <= WINDOW_BITS) {
		target = take(w, 3 + cb, ab);
		if (take(w, 3, cb) != c || target >= (uint64_t)d->size * 8)
			return -1;
		*index += take(w, 0, 1);
		*node = target;
		return 0;
	}
	read_node(d, *node, w, &n);
	hi = n.n_edges;
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;
		/* Only the character while searching; the rest on a match. */
		ch = (uint32_t)take(window(d, edge_pos(d, &n, mid)), 0, d->cbits);
		if (ch == c) {
			read_edge(d, &n, mid, &ch, &count, &target);
			if (target >= (uint64_t)d->size * 8)
				return -1;
			*index += count;
			*node = target;
			return 0;
		}
		if (ch < c)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

int
dawg_open_buffer(struct dawg *d, const uint8_t *data, size_t size)
{
	uint64_t pos = 48, nnodes, nedges;

	memset(d, 0, sizeof(*d));
	d->data = data;
	d->size = size;
	if (size < 9)
		return DAWG_ERR_TRUNCATED;
	if (bits(d, 0, 32) != size)
		return bits(d, 0, 32) > size ? DAWG_ERR_TRUNCATED :
			DAWG_ERR_SIZE;
	d->cbits = (unsigned)bits(d, 32, 8);
	d->abits = (unsigned)bits(d, 40, 8);
	if (d->cbits > 21 || d->abits > 40 || d->abits == 0 ||
	    varint(d, &pos, &d->nwords) || varint(d, &pos, &nnodes) ||
	    varint(d, &pos, &nedges) || pos > (uint64_t)size * 8)
		return DAWG_ERR_HEADER;
	d->nskiplen = bitlen(bitlen(d->nwords));
	d->root = pos;
	/* Every subtree lookup starts with the same '.' edge from the root;
	 * a file without one (no subtree words) skips them all. */
	d->dot_node = d->root;
	d->has_dot = d->nwords && !follow(d, &d->dot_node, '.', &d->dot_index);
	return DAWG_OK;
}

/*
 * The file is read into private memory rather than mapped: a mapping of
 * the file shares the page cache, so a file truncated or rewritten in
 * place (a plain cp over it) would change under the lookups or, once
 * shorter, raise SIGBUS in whichever resolver thread touched the lost
 * pages.  The copy costs the file's size, about 9 bytes a name.  A file
 * that changes while it is read is refused (DAWG_ERR_CHANGED), not half
 * taken: its writer is still at work.  A rename over the file's path
 * meanwhile is not a change: the descriptor still reads the file it
 * opened.
 */
int
dawg_open_fd(struct dawg *d, int fd, int *err)
{
	struct file_id before, after;
	uint8_t *copy;
	size_t size, got = 0;
	ssize_t n = 0;
	int r, saved = 0;

	memset(d, 0, sizeof(*d));
	if (err)
		*err = 0;
	if (file_id_fd(fd, &before) != 0) {
		if (err)
			*err = errno;
		return DAWG_ERR_IO;
	}
	if (before.size == 0)
		return DAWG_ERR_TRUNCATED;
	/* The header counts the file's size in 32 bits. */
	if ((uint64_t)before.size > UINT32_MAX)
		return DAWG_ERR_SIZE;
	size = (size_t)before.size;
	copy = mmap(NULL, size, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (copy == MAP_FAILED)
		return DAWG_ERR_NOMEM;
	while (got < size) {
		n = pread(fd, copy + got, size - got, (off_t)got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			saved = errno;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	r = n < 0 ? DAWG_ERR_IO : got < size || file_id_fd(fd, &after) != 0 ||
	    !file_id_equal(&before, &after) ? DAWG_ERR_CHANGED : DAWG_OK;
	/* Lookups only read it; a stray write should fault, not corrupt. */
	if (r == DAWG_OK && mprotect(copy, size, PROT_READ) != 0)
		r = DAWG_ERR_NOMEM;
	if (r == DAWG_OK)
		r = dawg_open_buffer(d, copy, size);
	if (r != DAWG_OK) {
		munmap(copy, size);
		memset(d, 0, sizeof(*d));
		if (err)
			*err = saved;
		return r;
	}
	d->mapped = 1;
	return DAWG_OK;
}

int
dawg_open_file(struct dawg *d, const char *path, int *err)
{
	int fd, r;

	memset(d, 0, sizeof(*d));
	if ((r = file_open(path, &fd, NULL)) != 0) {
		if (err)
			*err = r;
		return DAWG_ERR_IO;
	}
	r = dawg_open_fd(d, fd, err);
	close(fd);
	return r;
}

void
dawg_close(struct dawg *d)
{
	if (d->mapped)
		munmap((void *)d->data, d->size);
	memset(d, 0, sizeof(*d));
}

/* The result of a walk that ended at node having skipped index words. */
static int64_t
found(const struct dawg *d, uint64_t node, uint64_t index)
{
	return take(window(d, node), 0, 1) && index < d->nwords ?
		(int64_t)index : -1;
}

int64_t
dawg_lookup(const struct dawg *d, const char *word, size_t len)
{
	const uint8_t *s = (const uint8_t *)word;
	uint64_t node = d->root, index = 0;
	size_t i = 0;

	if (!d->nwords)
		return -1;
	while (i < len) {
		uint32_t c = dawg_utf8_next(s, len, &i);
		/* Go turns an invalid byte into U+FFFD and looks that up. */
		if (follow(d, &node, c == DAWG_UTF8_BAD ? 0xfffd : c, &index))
			return -1;
	}
	return found(d, node, index);
}

int
dawg_lookup_edm(const struct dawg *d, const char *name, size_t len,
	int64_t *index, size_t *suffix_at)
{
	char lower[MAX_NAME_BYTES] = "";
	size_t i;

	*index = -1;
	*suffix_at = 0;
	if (len > sizeof(lower))
		return DAWG_MISS;
	for (i = 0; i < len; i++) {
		char c = name[i];
		lower[i] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
	}
	if ((*index = dawg_lookup(d, lower, len)) >= 0)
		return DAWG_EXACT;
	if (!d->has_dot)
		return DAWG_MISS;
	/* ".parent." at each label boundary, nearest first.  A dot inside
	 * an escape ("\." or "\046") is part of a label, not a boundary, so
	 * text and wire lookups agree; a dot that ends the name would leave
	 * "." alone, which is never a subtree. */
	for (i = 0; i + 1 < len; i++) {
		if (lower[i] == '\\') {
			i += i + 1 < len && lower[i + 1] >= '0' &&
				lower[i + 1] <= '9' ? 3 : 1;
			continue;
		}
		if (lower[i] != '.')
			continue;
		if ((*index = dawg_lookup(d, lower + i, len - i)) >= 0) {
			*suffix_at = i + 1;
			return DAWG_SUFFIX;
		}
	}
	return DAWG_MISS;
}

/* Follow what name_to_text() writes for one label octet: the octet, "\X"
 * for the characters it escapes, or "\DDD". */
static int
follow_octet(const struct dawg *d, uint64_t *node, uint64_t *index,
	uint8_t c)
{
	if (c == '.' || c == '\\' || c == '"' || c == ';' || c == '(' ||
	    c == ')' || c == '@' || c == '$')
		return follow(d, node, '\\', index) || follow(d, node, c, index);
	if (c <= 0x20 || c >= 0x7f)
		return follow(d, node, '\\', index) ||
			follow(d, node, (uint32_t)('0' + c / 100), index) ||
			follow(d, node, (uint32_t)('0' + c / 10 % 10), index) ||
			follow(d, node, (uint32_t)('0' + c % 10), index);
	return follow(d, node, c, index);
}

/* Walk the presentation form of a wire name (each label then '.', or "."
 * for the root) straight from its octets, with no text buffer.  Names
 * longer than DNS allows, or with label types other than plain, miss.
 * fold lower-cases ASCII as edm does; canonical names need none. */
static int
walk_wire(const struct dawg *d, uint64_t *node, uint64_t *index,
	const uint8_t *wire, int fold)
{
	size_t used = 1;

	if (!*wire)
		return follow(d, node, '.', index);
	while (*wire) {
		uint8_t len = *wire++, i;
		if (len > 63 || (used += 1u + len) > NAME_WIRE_MAX)
			return -1;
		for (i = 0; i < len; i++) {
			uint8_t c = wire[i];
			if (fold && c >= 'A' && c <= 'Z')
				c = (uint8_t)(c + 32);
			if (follow_octet(d, node, index, c))
				return -1;
		}
		wire += len;
		if (follow(d, node, '.', index))
			return -1;
	}
	return 0;
}

int64_t
dawg_lookup_wire_exact(const struct dawg *d, const uint8_t *wire)
{
	uint64_t node = d->root, index = 0;

	if (!d->nwords || walk_wire(d, &node, &index, wire, 0))
		return -1;
	return found(d, node, index);
}

int
dawg_lookup_wire_edm(const struct dawg *d, const uint8_t *wire,
	struct dawg_result *res)
{
	const uint8_t *parent = wire;
	uint64_t node = d->root, index = 0;

	res->index = -1;
	res->match = DAWG_MISS;
	res->offset = 0;
	if (!d->nwords)
		return DAWG_MISS;
	if (!walk_wire(d, &node, &index, wire, 1) &&
	    (res->index = found(d, node, index)) >= 0)
		return res->match = DAWG_EXACT;
	if (!d->has_dot || !*wire || *wire > 63)
		return DAWG_MISS;
	/* Each proper parent but the root, nearest first, as ".parent.";
	 * the walk through the leading dot is shared. */
	for (parent += 1 + *parent; *parent; parent += 1 + *parent) {
		if (*parent > 63 || parent - wire >= NAME_WIRE_MAX)
			return DAWG_MISS;
		node = d->dot_node;
		index = d->dot_index;
		if (!walk_wire(d, &node, &index, parent, 1) &&
		    (res->index = found(d, node, index)) >= 0) {
			res->offset = (size_t)(parent - wire);
			return res->match = DAWG_SUFFIX;
		}
	}
	res->index = -1;
	return DAWG_MISS;
}

int
dawg_lookup_wire(const struct dawg *d, const uint8_t *wire, int64_t *index,
	int *subtree)
{
	struct dawg_result res;
	int m = dawg_lookup_wire_edm(d, wire, &res);

	*index = res.index;
	*subtree = m == DAWG_SUFFIX;
	return m;
}

static size_t
utf8_put(char *out, uint32_t cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | cp >> 12);
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (cp >> 18 & 0x07));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* One level of the enumeration's explicit stack. */
struct frame {
	struct node n;
	uint64_t next_edge;
	size_t text_len;     /* bytes of the word before this node's edges */
};

int64_t
dawg_enumerate(const struct dawg *d,
	int (*fn)(void *arg, const char *word, size_t len, uint64_t index),
	void *arg)
{
	static const size_t max_depth = MAX_WORD_CHARS;
	struct frame stack[MAX_WORD_CHARS + 1];
	char text[MAX_WORD_CHARS * 4 + 4] = "";
	uint64_t emitted = 0, budget;
	size_t depth = 0;

	if (!d->nwords)
		return 0;
	/* A well-formed file visits each word's path once; a file whose
	 * shared suffixes multiply paths beyond that is malformed. */
	budget = (d->nwords + 1) * 512;
	if (budget > (uint64_t)d->size * 512 + 1024)
		budget = (uint64_t)d->size * 512 + 1024;
	read_node(d, d->root, window(d, d->root), &stack[0].n);
	stack[0].next_edge = 0;
	stack[0].text_len = 0;
	if (stack[0].n.final) {
		if (fn(arg, text, 0, emitted++))
			return (int64_t)emitted;
	}
	for (;;) {
		struct frame *f = &stack[depth];
		uint64_t count, target;
		uint32_t ch;
		size_t len;

		if (!budget--)
			return -1;
		if (f->next_edge >= f->n.n_edges) {
			if (depth == 0)
				break;
			depth--;
			continue;
		}
		read_edge(d, &f->n, f->next_edge++, &ch, &count, &target);
		if (target >= (uint64_t)d->size * 8 || depth + 1 > max_depth)
			return -1;
		len = f->text_len + utf8_put(text + f->text_len, ch);
		depth++;
		read_node(d, target, window(d, target), &stack[depth].n);
		stack[depth].next_edge = 0;
		stack[depth].text_len = len;
		if (stack[depth].n.final) {
			if (emitted >= d->nwords)
				return -1;
			if (fn(arg, text, len, emitted++))
				return (int64_t)emitted;
		}
	}
	return (int64_t)emitted;
}

const char *
dawg_strerror(int err)
{
	switch (err) {
	case DAWG_OK: return "ok";
	case DAWG_ERR_IO: return "cannot open or read the file";
	case DAWG_ERR_TRUNCATED: return "file shorter than its header says";
	case DAWG_ERR_SIZE: return "file size does not match its header";
	case DAWG_ERR_HEADER: return "impossible header";
	case DAWG_ERR_NOMEM: return "out of memory";
	case DAWG_ERR_ORDER: return "words not in increasing byte order";
	case DAWG_ERR_UTF8: return "word is not valid UTF-8";
	case DAWG_ERR_TOO_BIG: return "more words than the format can hold";
	case DAWG_ERR_SYNTAX: return "unreadable word list";
	case DAWG_ERR_CHANGED: return "file changed while being read";
	}
	return "unknown DAWG error";
}
