/*
 * dawg/dawg.c - reader for DNS TAPIR's DAWG files.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 *
 * The file is one bit stream, most significant bit first.  Every field
 * is read through bits(), which loads a 64-bit big-endian window from the
 * mapping and treats bytes past its end as zero: that one rule makes any
 * address, count or length in a hostile file harmless to read.  What
 * remains is to bound every loop, which the word length (lookups) and an
 * explicit budget (enumeration) do.
 */
#include "tapir_config.h"
#include "dawg/dawg.h"
#include "module/names.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* Longest word enumeration follows; names are at most 255 octets, the
 * margin is for files of other words. */
#define MAX_WORD_CHARS 1024
/* Longest UTF-8 name lookups accept. */
#define MAX_NAME_BYTES (NAME_TEXT_MAX + 1)

/* n (<= 64) bits at bit offset pos; bits past the end read as 0. */
static uint64_t
bits(const struct dawg *d, uint64_t pos, unsigned n)
{
	uint64_t byte = pos >> 3, window = 0;
	unsigned off = (unsigned)(pos & 7), i;

	if (n == 0)
		return 0;
	if (n > 56)
		return bits(d, pos, n - 32) << 32 | bits(d, pos + n - 32, 32);
	if (byte + 8 <= d->size) {
		memcpy(&window, d->data + byte, 8);
		window = __builtin_bswap64(window);
	} else {
		for (i = 0; i < 8; i++)
			window = window << 8 | (byte + i < d->size ?
				d->data[byte + i] : 0);
	}
	return (window << off) >> (64 - n);
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
	/* An empty set needs no characters; anything else does. */
	if (d->nwords && d->cbits == 0)
		return DAWG_ERR_HEADER;
	return DAWG_OK;
}

int
dawg_open_file(struct dawg *d, const char *path)
{
	struct stat st;
	void *map;
	int fd, r, saved;

	memset(d, 0, sizeof(*d));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return DAWG_ERR_IO;
	if (fstat(fd, &st) != 0) {
		saved = errno;
		close(fd);
		errno = saved;
		return DAWG_ERR_IO;
	}
	if (st.st_size == 0) {
		close(fd);
		return DAWG_ERR_TRUNCATED;
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	saved = errno;
	close(fd);
	if (map == MAP_FAILED) {
		errno = saved;
		return DAWG_ERR_IO;
	}
	r = dawg_open_buffer(d, map, (size_t)st.st_size);
	if (r != DAWG_OK) {
		munmap(map, (size_t)st.st_size);
		memset(d, 0, sizeof(*d));
		return r;
	}
	d->mapped = 1;
	return DAWG_OK;
}

void
dawg_close(struct dawg *d)
{
	if (d->mapped)
		munmap((void *)d->data, d->size);
	memset(d, 0, sizeof(*d));
}

/* A node, as read at a bit offset. */
struct node {
	int final;
	int fallthrough;
	uint64_t n_edges;
	unsigned nskip;
	uint64_t edges;        /* bit offset of the first edge */
};

/* The whole header of a node fits one 56-bit window: 3 flag bits, a
 * varint of at most 5 octets and nskiplen (at most 7) bits. */
static void
read_node(const struct dawg *d, uint64_t pos, struct node *n)
{
	uint64_t w = bits(d, pos, 56), v = 0;
	unsigned used = 3, i;

	n->final = (int)(w >> 55);
	n->fallthrough = (int)((w >> 54) & 1);
	if (n->fallthrough) {
		n->n_edges = 1;
		n->nskip = 0;
		n->edges = pos + 2;
		return;
	}
	if ((w >> 53) & 1) {
		n->n_edges = 1;
		n->nskip = 0;
		n->edges = pos + 3;
		return;
	}
	for (i = 0; i < 5; i++) {
		uint64_t b = (w >> (56 - used - 8)) & 0xff;
		used += 8;
		v = v << 7 | (b & 0x7f);
		if (!(b & 0x80))
			break;
	}
	/* A varint longer than five octets: no edges (a miss). */
	n->n_edges = i < 5 ? v : 0;
	n->nskip = d->nskiplen ? (unsigned)((w >> (56 - used - d->nskiplen)) &
		((1u << d->nskiplen) - 1)) : 0;
	n->edges = pos + used + d->nskiplen;
	/* More edges than the rest of the file can hold: malformed. */
	if (n->edges >= (uint64_t)d->size * 8 || n->n_edges >
	    ((uint64_t)d->size * 8 - n->edges) / (d->cbits + d->abits))
		n->n_edges = 0;
}

/* Bit offset of edge i (edge 0 has no count field). */
static uint64_t
edge_pos(const struct dawg *d, const struct node *n, uint64_t i)
{
	return i == 0 ? n->edges :
	    n->edges + i * (d->cbits + n->nskip + d->abits) - n->nskip;
}

/* Edge i of a node: its character, the words it skips, its target. */
static void
read_edge(const struct dawg *d, const struct node *n, uint64_t i,
	uint32_t *ch, uint64_t *count, uint64_t *target)
{
	uint64_t pos;

	if (n->fallthrough) {
		*ch = (uint32_t)bits(d, n->edges, d->cbits);
		*count = (uint64_t)n->final;
		*target = n->edges + d->cbits;
		return;
	}
	if (i == 0) {
		pos = n->edges;
		*ch = (uint32_t)bits(d, pos, d->cbits);
		*count = (uint64_t)n->final;
		*target = bits(d, pos + d->cbits, d->abits);
		return;
	}
	pos = edge_pos(d, n, i);
	*ch = (uint32_t)bits(d, pos, d->cbits);
	*count = bits(d, pos + d->cbits, n->nskip);
	*target = bits(d, pos + d->cbits + n->nskip, d->abits);
}

/* Follow the edge labelled c (binary search: edges are sorted). */
static int
follow(const struct dawg *d, uint64_t *node, uint32_t c, uint64_t *index)
{
	struct node n;
	uint64_t lo = 0, hi, count, target;
	uint32_t ch;

	read_node(d, *node, &n);
	hi = n.n_edges;
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;
		/* Only the character while searching; the rest on a match. */
		ch = (uint32_t)bits(d, n.fallthrough ? n.edges :
			edge_pos(d, &n, mid), d->cbits);
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

/* One code point of UTF-8 (invalid bytes give U+FFFD, as Go's range
 * over a string does). */
static uint32_t
utf8_next(const uint8_t *s, size_t len, size_t *i)
{
	uint8_t b = s[*i];
	uint32_t cp;
	size_t need, k;

	if (b < 0x80) {
		(*i)++;
		return b;
	}
	if (b >= 0xc2 && b <= 0xdf) {
		need = 1;
		cp = b & 0x1f;
	} else if (b >= 0xe0 && b <= 0xef) {
		need = 2;
		cp = b & 0x0f;
	} else if (b >= 0xf0 && b <= 0xf4) {
		need = 3;
		cp = b & 0x07;
	} else {
		(*i)++;
		return 0xfffd;
	}
	if (*i + need >= len) {
		(*i)++;
		return 0xfffd;
	}
	for (k = 1; k <= need; k++) {
		if ((s[*i + k] & 0xc0) != 0x80) {
			(*i)++;
			return 0xfffd;
		}
		cp = cp << 6 | (s[*i + k] & 0x3f);
	}
	/* Overlong forms, surrogates and values past U+10FFFF. */
	if ((need == 2 && cp < 0x800) || (need == 3 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) {
		(*i)++;
		return 0xfffd;
	}
	*i += need + 1;
	return cp;
}

int64_t
dawg_lookup(const struct dawg *d, const char *word, size_t len)
{
	const uint8_t *s = (const uint8_t *)word;
	uint64_t node = d->root, index = 0;
	size_t i = 0;
	struct node n;

	if (!d->nwords)
		return -1;
	while (i < len) {
		uint32_t c = utf8_next(s, len, &i);
		if (follow(d, &node, c, &index))
			return -1;
	}
	read_node(d, node, &n);
	return n.final && index < d->nwords ? (int64_t)index : -1;
}

int
dawg_lookup_edm(const struct dawg *d, const char *name, size_t len,
	int64_t *index, size_t *suffix_at)
{
	char lower[MAX_NAME_BYTES] = "";
	size_t i;

	*index = -1;
	if (len > sizeof(lower))
		return DAWG_MISS;
	for (i = 0; i < len; i++) {
		char c = name[i];
		lower[i] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
	}
	if ((*index = dawg_lookup(d, lower, len)) >= 0)
		return DAWG_EXACT;
	/* ".parent." at each label boundary, nearest first; a dot that ends
	 * the name would leave "." alone, which is never a subtree. */
	for (i = 0; i + 1 < len; i++) {
		if (lower[i] != '.')
			continue;
		if ((*index = dawg_lookup(d, lower + i, len - i)) >= 0) {
			*suffix_at = i + 1;
			return DAWG_SUFFIX;
		}
	}
	return DAWG_MISS;
}

int
dawg_lookup_wire(const struct dawg *d, const uint8_t *wire, int64_t *index,
	int *subtree)
{
	char text[NAME_TEXT_MAX] = "";
	size_t starts[128], labels = 0, i;
	int len;

	*index = -1;
	*subtree = 0;
	/* The presentation form, noting where each label starts: escaped
	 * dots inside a label are not boundaries. */
	len = 0;
	while (*wire && labels < 128) {
		char label[NAME_TEXT_MAX];
		uint8_t one[64 + 2];
		int n;
		one[0] = *wire;
		memcpy(one + 1, wire + 1, *wire);
		one[1 + *wire] = 0;
		n = name_to_text(one, label, sizeof(label));
		if (n < 0 || (size_t)len + (size_t)n >= sizeof(text))
			return DAWG_MISS;
		starts[labels++] = (size_t)len;
		memcpy(text + len, label, (size_t)n);
		len += n;
		wire += 1 + *wire;
	}
	if (len == 0) {
		text[0] = '.';
		len = 1;
	}
	if ((*index = dawg_lookup(d, text, (size_t)len)) >= 0)
		return DAWG_EXACT;
	for (i = 1; i < labels; i++) {
		size_t at = starts[i] - 1;       /* the dot before label i */
		if ((*index = dawg_lookup(d, text + at, (size_t)len - at)) >= 0) {
			*subtree = 1;
			return DAWG_SUFFIX;
		}
	}
	*index = -1;
	return DAWG_MISS;
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
	read_node(d, d->root, &stack[0].n);
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
		read_node(d, target, &stack[depth].n);
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
	case DAWG_ERR_IO: return "cannot open or map the file";
	case DAWG_ERR_TRUNCATED: return "file shorter than its header says";
	case DAWG_ERR_SIZE: return "file size does not match its header";
	case DAWG_ERR_HEADER: return "impossible header";
	}
	return "unknown DAWG error";
}
