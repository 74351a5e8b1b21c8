/*
 * tests/unit/test_dawg.c - the DAWG reader and builder against DNS
 * TAPIR's reference files (tests/fixtures/dawg, written by the Go library),
 * and the reader against hostile files.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 */
#include "tapir_config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "dawg/dawg.h"
#include "dawg/dawg_build.h"
#include "module/base/names.h"

static const char *const fixtures[] = {
	"tiny", "tiny-suffix", "well-known-domains", "edge/empty",
	"edge/emptyword", "edge/single", "edge/wide",
};

/* The input format that rebuilds each fixture from its word list: names
 * for DNS TAPIR's lists, verbatim words for the edge cases (the empty
 * word, words without a trailing dot, upper-case code points). */
static const int fixture_format[] = {
	DAWG_INPUT_TEXT, DAWG_INPUT_TEXT, DAWG_INPUT_TEXT, DAWG_INPUT_WORDS,
	DAWG_INPUT_WORDS, DAWG_INPUT_WORDS, DAWG_INPUT_WORDS,
};

#define NFIXTURES (sizeof(fixtures) / sizeof(*fixtures))

static char *
fixture_path(const char *name, const char *ext)
{
	static char path[4096];
	const char *top = getenv("top_srcdir");

	snprintf(path, sizeof(path), "%s/tests/fixtures/dawg/%s%s",
		top ? top : ".", name, ext);
	return path;
}

/* Read a whole file; *len gets its size. */
static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	*len = fread(buf, 1, (size_t)n, f);
	buf[*len] = 0;
	fclose(f);
	return buf;
}

/* Call fn for every line (without its newline). */
static size_t
each_line(char *text, size_t len, void (*fn)(void *, char *, size_t),
	void *arg)
{
	size_t start = 0, i, n = 0;

	for (i = 0; i < len; i++) {
		if (text[i] != '\n')
			continue;
		fn(arg, text + start, i - start);
		start = i + 1;
		n++;
	}
	if (start < len) {
		fn(arg, text + start, len - start);
		n++;
	}
	return n;
}

struct words_ctx {
	struct dawg *d;
	int64_t next;
	char **list;
	size_t count;
};

static void
check_word(void *arg, char *line, size_t len)
{
	struct words_ctx *c = arg;
	int64_t idx = dawg_lookup(c->d, line, len);

	if (idx != c->next)
		fail_msg("word '%.*s' at index %lld, expected %lld", (int)len,
			line, (long long)idx, (long long)c->next);
	c->list[c->count] = strndup(line, len);
	c->count++;
	c->next++;
}

static void
check_negative(void *arg, char *line, size_t len)
{
	struct dawg *d = arg;

	if (dawg_lookup(d, line, len) != -1)
		fail_msg("negative '%.*s' found", (int)len, line);
}

struct enum_ctx {
	char **list;
	size_t count;
	size_t seen;
};

static int
check_enum(void *arg, const char *word, size_t len, uint64_t index)
{
	struct enum_ctx *c = arg;

	assert_int_equal(index, c->seen);
	assert_true(c->seen < c->count);
	if (strlen(c->list[c->seen]) != len ||
	    memcmp(c->list[c->seen], word, len) != 0)
		fail_msg("enumerated '%.*s' at %zu, expected '%s'", (int)len,
			word, c->seen, c->list[c->seen]);
	c->seen++;
	return 0;
}

/* Every word at its index, every negative missing, enumeration equal to
 * the word list, for every reference file. */
static void
test_fixtures(void **state)
{
	size_t f;

	(void)state;
	for (f = 0; f < NFIXTURES; f++) {
		struct dawg d;
		struct words_ctx c;
		struct enum_ctx e;
		size_t len, i, lines;
		char *words, *neg;
		int r = dawg_open_file(&d, fixture_path(fixtures[f], ".dawg"),
			NULL);

		if (r != DAWG_OK)
			fail_msg("%s: %s", fixtures[f], dawg_strerror(r));
		words = slurp(fixture_path(fixtures[f], ".words.txt"), &len);
		assert_non_null(words);
		memset(&c, 0, sizeof(c));
		c.d = &d;
		c.list = calloc(len + 2, sizeof(char *));
		lines = each_line(words, len, check_word, &c);
		assert_int_equal(lines, d.nwords);
		neg = slurp(fixture_path(fixtures[f], ".negatives.txt"), &len);
		if (neg) {
			each_line(neg, len, check_negative, &d);
			free(neg);
		}
		e.list = c.list;
		e.count = c.count;
		e.seen = 0;
		assert_int_equal(dawg_enumerate(&d, check_enum, &e),
			(int64_t)c.count);
		assert_int_equal(e.seen, c.count);
		for (i = 0; i < c.count; i++)
			free(c.list[i]);
		free(c.list);
		free(words);
		dawg_close(&d);
	}
}

static const char *const edge_files[] = {
	"edge/empty", "edge/emptyword", "edge/single", "edge/wide",
};

/* The file column is "x" throughout: each word must miss in every edge
 * file. */
static void
check_edge_negative(void *arg, char *line, size_t len)
{
	char *tab = memchr(line, '\t', len);
	size_t f, wlen;

	(void)arg;
	if (!tab)
		return;
	wlen = len - (size_t)(tab + 1 - line);
	for (f = 0; f < sizeof(edge_files) / sizeof(*edge_files); f++) {
		struct dawg d;
		assert_int_equal(dawg_open_file(&d, fixture_path(edge_files[f],
			".dawg"), NULL), DAWG_OK);
		if (dawg_lookup(&d, tab + 1, wlen) != -1)
			fail_msg("%s: '%.*s' found", edge_files[f], (int)wlen,
				tab + 1);
		dawg_close(&d);
	}
}

static void
test_edge_negatives(void **state)
{
	size_t len;
	char *text = slurp(fixture_path("edge/edge.negatives", ".tsv"), &len);

	(void)state;
	assert_non_null(text);
	each_line(text, len, check_edge_negative, NULL);
	free(text);
}

struct edm_ctx {
	struct dawg *d;
	size_t checked;
};

static void
check_edm(void *arg, char *line, size_t len)
{
	struct edm_ctx *c = arg;
	char *t1 = memchr(line, '\t', len), *t2;
	const char *kind;
	int64_t index;
	size_t at;
	int r;

	if (!t1 || !(t2 = memchr(t1 + 1, '\t', len - (size_t)(t1 + 1 - line))))
		return;
	r = dawg_lookup_edm(c->d, line, (size_t)(t1 - line), &index, &at);
	kind = r == DAWG_EXACT ? "exact" : r == DAWG_SUFFIX ? "suffix" :
		"miss";
	if (index != strtoll(t1 + 1, NULL, 10) ||
	    strncmp(kind, t2 + 1, len - (size_t)(t2 + 1 - line)) != 0)
		fail_msg("edm '%.*s': %lld %s, expected %.*s", (int)(t1 - line),
			line, (long long)index, kind,
			(int)(len - (size_t)(t1 + 1 - line)), t1 + 1);
	c->checked++;
}

/* edm's lookup rule reproduces DNS TAPIR's expectations exactly. */
static void
test_edm_expected(void **state)
{
	struct dawg d;
	struct edm_ctx c = { &d, 0 };
	size_t len;
	char *text;

	(void)state;
	assert_int_equal(dawg_open_file(&d, fixture_path("tiny-suffix",
		".dawg"), NULL), DAWG_OK);
	text = slurp(fixture_path("tiny-suffix", ".edm-expected.tsv"), &len);
	assert_non_null(text);
	each_line(text, len, check_edm, &c);
	assert_true(c.checked > 5);
	free(text);
	dawg_close(&d);
}

/* The wire-name lookup used at query time agrees with the text one. */
static void
test_wire_lookup(void **state)
{
	struct dawg d;
	uint8_t wire[NAME_WIRE_MAX];
	size_t wlen;
	int64_t index;
	int subtree;

	(void)state;
	assert_int_equal(dawg_open_file(&d, fixture_path("tiny-suffix",
		".dawg"), NULL), DAWG_OK);
	name_from_text("Example.COM", 11, wire, &wlen);
	assert_int_equal(dawg_lookup_wire(&d, wire, &index, &subtree),
		DAWG_EXACT);
	assert_int_equal(index, dawg_lookup(&d, "example.com.", 12));
	assert_int_equal(subtree, 0);
	name_from_text("a.b.ads.example.org", 19, wire, &wlen);
	assert_int_equal(dawg_lookup_wire(&d, wire, &index, &subtree),
		DAWG_SUFFIX);
	assert_int_equal(index, dawg_lookup(&d, ".ads.example.org.", 17));
	assert_int_equal(subtree, 1);
	/* The subtree word does not cover its own apex. */
	name_from_text("ads.example.org", 15, wire, &wlen);
	assert_int_equal(dawg_lookup_wire(&d, wire, &index, &subtree),
		DAWG_MISS);
	name_from_text("example.org", 11, wire, &wlen);
	assert_int_equal(dawg_lookup_wire(&d, wire, &index, &subtree),
		DAWG_MISS);
	dawg_close(&d);
}

static int
count_words(void *arg, const char *word, size_t len, uint64_t index)
{
	(void)word;
	(void)len;
	(void)index;
	(*(size_t *)arg)++;
	return 0;
}

/* Exercise every entry point on a buffer; must never crash. */
static void
poke(const uint8_t *buf, size_t len)
{
	struct dawg d;
	struct dawg_result res;
	int64_t index;
	size_t at, n = 0;
	int subtree;

	if (dawg_open_buffer(&d, buf, len) != DAWG_OK)
		return;
	dawg_lookup(&d, "example.com.", 12);
	dawg_lookup(&d, "1.0.0.127.in-addr.arpa.", 23);
	dawg_lookup(&d, "", 0);
	dawg_lookup_edm(&d, "www.ads.example.org.", 20, &index, &at);
	dawg_lookup_wire(&d, (const uint8_t *)"\3www\7example\3com", &index,
		&subtree);
	dawg_lookup_wire_exact(&d, (const uint8_t *)"\3www\7example\3com");
	dawg_lookup_wire_edm(&d, (const uint8_t *)"\1a\3ads\7example\3org",
		&res);
	dawg_enumerate(&d, count_words, &n);
}

/* Truncated at every length, every single bit flipped, and random
 * bytes: errors or misses, never a crash or a read out of bounds (the
 * suite runs under AddressSanitizer). */
/* The open file is a copy: truncated or rewritten in place afterwards
 * (a cp over it), it answers as before and cannot fault (a mapping of
 * the file itself raised SIGBUS here). */
static void
test_file_changed_in_place(void **state)
{
	char path[] = "/tmp/test_dawg.XXXXXX";
	size_t len, words_len, n = 0;
	char *file = slurp(fixture_path("well-known-domains", ".dawg"), &len);
	char *words = slurp(fixture_path("well-known-domains", ".words.txt"),
		&words_len);
	char *w, *end;
	struct dawg d;
	int fd;

	(void)state;
	assert_true((fd = mkstemp(path)) >= 0);
	assert_int_equal(write(fd, file, len), (ssize_t)len);
	assert_int_equal(dawg_open_file(&d, path, NULL), DAWG_OK);
	assert_int_equal(ftruncate(fd, 0), 0);
	assert_int_equal(pwrite(fd, "junk", 4, 0), 4);
	for (w = words; w < words + words_len; w = end + 1) {
		end = memchr(w, '\n', (size_t)(words + words_len - w));
		if (!end)
			break;
		assert_int_equal(dawg_lookup(&d, w, (size_t)(end - w)),
			(int64_t)n);
		n++;
	}
	assert_int_equal(n, 99999);
	dawg_close(&d);
	/* What is in the file now is refused. */
	assert_int_not_equal(dawg_open_file(&d, path, NULL), DAWG_OK);
	close(fd);
	unlink(path);
	free(file);
	free(words);
}

static void
test_hostile(void **state)
{
	struct dawg d;
	size_t len, i, bit;
	char *file = slurp(fixture_path("tiny", ".dawg"), &len);
	uint8_t *copy = malloc(len);
	unsigned seed = 12345;

	(void)state;
	assert_non_null(file);
	for (i = 0; i <= len; i++) {
		memcpy(copy, file, i);
		poke(copy, i);
	}
	assert_int_equal(dawg_open_buffer(&d, copy, len - 1),
		DAWG_ERR_TRUNCATED);
	for (bit = 0; bit < len * 8; bit++) {
		memcpy(copy, file, len);
		copy[bit / 8] ^= (uint8_t)(0x80 >> (bit % 8));
		poke(copy, len);
	}
	for (i = 0; i < 2000; i++) {
		size_t k;
		memcpy(copy, file, len);
		for (k = 11; k < len; k++) {
			seed = seed * 1103515245 + 12345;
			copy[k] = (uint8_t)(seed >> 16);
		}
		poke(copy, len);
	}
	assert_int_equal(dawg_open_file(&d, "/nonexistent.dawg", NULL),
		DAWG_ERR_IO);
	free(copy);
	free(file);
}

/* Inputs the fuzzer found: each must now finish quickly. */
static void
test_fuzz_regressions(void **state)
{
	static const char *const found[] = { "regress-enumerate-timeout" };
	const char *top = getenv("top_srcdir");
	char path[4096];
	size_t i, len;

	(void)state;
	for (i = 0; i < sizeof(found) / sizeof(*found); i++) {
		char *buf;
		snprintf(path, sizeof(path), "%s/tests/fuzz/corpus/dawg/%s",
			top ? top : ".", found[i]);
		buf = slurp(path, &len);
		assert_non_null(buf);
		poke((const uint8_t *)buf, len);
		free(buf);
	}
}

/* Parse, sort and build a word list held in memory. */
static uint8_t *
build_text(const char *text, size_t len, const struct dawg_input *in,
	size_t *out_len, size_t *dropped)
{
	struct dawg_words w;
	uint8_t *out = NULL;
	size_t line, drop;

	memset(&w, 0, sizeof(w));
	assert_int_equal(dawg_words_parse(&w, text, len, in, &line), DAWG_OK);
	assert_int_equal(dawg_words_sort(&w, NULL, NULL, &drop), DAWG_OK);
	if (dropped)
		*dropped = drop;
	assert_int_equal(dawg_words_build(&w, &out, out_len, NULL), DAWG_OK);
	dawg_words_free(&w);
	return out;
}

/* Every fixture's word list compiles to the Go library's file, byte for
 * byte; the normalised lists also compile unchanged as verbatim words. */
static void
test_build_fixtures(void **state)
{
	size_t f;

	(void)state;
	for (f = 0; f < NFIXTURES; f++) {
		struct dawg_input in = { fixture_format[f], 0, 0 };
		size_t wlen, dlen, olen, dropped;
		char *words = slurp(fixture_path(fixtures[f], ".words.txt"), &wlen);
		char *file = slurp(fixture_path(fixtures[f], ".dawg"), &dlen);
		uint8_t *out;
		int pass;

		assert_non_null(words);
		assert_non_null(file);
		for (pass = 0; pass < 2; pass++) {
			out = build_text(words, wlen, &in, &olen, &dropped);
			assert_int_equal(dropped, 0);
			if (olen != dlen || memcmp(out, file, dlen) != 0)
				fail_msg("%s (format %d): built %zu bytes, "
					"differs from the %zu of the reference",
					fixtures[f], in.format, olen, dlen);
			free(out);
			in.format = DAWG_INPUT_WORDS;
		}
		free(words);
		free(file);
	}
}

/* The words of a built file, in index order, joined by newlines. */
static int
join_word(void *arg, const char *word, size_t len, uint64_t index)
{
	char *out = arg;

	(void)index;
	strncat(out, word, len);
	strcat(out, "\n");
	return 0;
}

static void
assert_words(const uint8_t *file, size_t len, const char *expect)
{
	struct dawg d;
	char got[1024] = "";

	assert_int_equal(dawg_open_buffer(&d, file, len), DAWG_OK);
	assert_true(dawg_enumerate(&d, join_word, got) >= 0);
	assert_string_equal(got, expect);
}

static void
count_dup(void *arg, const char *word, size_t len)
{
	(void)word;
	(void)len;
	(*(size_t *)arg)++;
}

/* Text input: comments and blank lines skipped, names trimmed,
 * lower-cased and made absolute, duplicates dropped and reported. */
static void
test_build_text(void **state)
{
	static const char text[] = "# a comment\n\n  WWW.Example.COM \r\n"
		"example.com.\n\t# indented comment\n.Ads.Example.org\n"
		"example.com\nBÜCHER.example\n";
	struct dawg_input in = { DAWG_INPUT_TEXT, 0, 0 };
	struct dawg_words w;
	size_t len, dropped, dups = 0, line;
	uint8_t *out;

	(void)state;
	out = build_text(text, sizeof(text) - 1, &in, &len, &dropped);
	assert_int_equal(dropped, 1);
	assert_words(out, len, ".ads.example.org.\nbÜcher.example.\n"
		"example.com.\nwww.example.com.\n");
	free(out);
	memset(&w, 0, sizeof(w));
	assert_int_equal(dawg_words_parse(&w, text, sizeof(text) - 1, &in,
		&line), DAWG_OK);
	assert_int_equal(dawg_words_sort(&w, count_dup, &dups, &dropped),
		DAWG_OK);
	assert_int_equal(dups, 1);
	dawg_words_free(&w);
	/* A name with a blank inside is refused, with its line. */
	assert_int_equal(dawg_words_parse(&w, "a.\n\nb c.\n", 9, &in, &line),
		DAWG_ERR_SYNTAX);
	assert_int_equal(line, 3);
	dawg_words_free(&w);
}

/* CSV: header skipped or not, the name column chosen, RFC 4180 quoting,
 * malformed records refused with their line. */
static void
test_build_csv(void **state)
{
	static const char csv[] = "rank,domain,extra\r\n1,Example.com,x\r\n"
		"2,\"www.example.com\",y\n\n3,\"q\"\"x\",\"multi\nline\"\n";
	struct dawg_input in = { DAWG_INPUT_CSV, 2, 1 };
	struct dawg_words w;
	size_t len, line;
	uint8_t *out;

	(void)state;
	out = build_text(csv, sizeof(csv) - 1, &in, &len, NULL);
	assert_words(out, len, "example.com.\nq\"x.\nwww.example.com.\n");
	free(out);
	in.header = 0;
	out = build_text(csv, sizeof(csv) - 1, &in, &len, NULL);
	assert_words(out, len, "domain.\nexample.com.\nq\"x.\n"
		"www.example.com.\n");
	free(out);
	in.column = 1;
	in.header = 1;
	out = build_text("n\nA.\nb\n", 7, &in, &len, NULL);
	assert_words(out, len, "a.\nb.\n");
	free(out);
	in.column = 2;
	memset(&w, 0, sizeof(w));
	assert_int_equal(dawg_words_parse(&w, "h,h\n1,a\n2\n", 10, &in, &line),
		DAWG_ERR_SYNTAX);
	assert_int_equal(line, 3);
	dawg_words_free(&w);
	assert_int_equal(dawg_words_parse(&w, "h,h\n1,a\"b\n", 10, &in, &line),
		DAWG_ERR_SYNTAX);
	assert_int_equal(line, 2);
	dawg_words_free(&w);
	assert_int_equal(dawg_words_parse(&w, "h,h\n1,\"ab\n", 10, &in, &line),
		DAWG_ERR_SYNTAX);
	dawg_words_free(&w);
	assert_int_equal(dawg_words_parse(&w, "h,h\n1,\"a\"b\n", 11, &in,
		&line), DAWG_ERR_SYNTAX);
	dawg_words_free(&w);
	in.column = 0;
	assert_int_equal(dawg_words_parse(&w, "a", 1, &in, &line),
		DAWG_ERR_SYNTAX);
	dawg_words_free(&w);
}

/* The builder refuses what the Go library would panic on or get wrong,
 * and handles the sets with no characters at all. */
static void
test_build_errors(void **state)
{
	struct dawg_builder *b = dawg_builder_new();
	struct dawg d;
	uint8_t *out;
	size_t len;
	char got[64] = "";

	(void)state;
	assert_non_null(b);
	assert_int_equal(dawg_builder_add(b, "", 0), DAWG_OK);
	assert_int_equal(dawg_builder_add(b, "", 0), DAWG_ERR_ORDER);
	assert_int_equal(dawg_builder_add(b, "b", 1), DAWG_OK);
	assert_int_equal(dawg_builder_add(b, "a", 1), DAWG_ERR_ORDER);
	assert_int_equal(dawg_builder_add(b, "b", 1), DAWG_ERR_ORDER);
	/* Invalid UTF-8 would become U+FFFD, merging distinct words. */
	assert_int_equal(dawg_builder_add(b, "c\xff", 2), DAWG_ERR_UTF8);
	assert_int_equal(dawg_builder_add(b, "c\xc3", 2), DAWG_ERR_UTF8);
	assert_int_equal(dawg_builder_add(b, "c\xed\xa0\x80", 4),
		DAWG_ERR_UTF8);
	assert_int_equal(dawg_builder_add(b, "c\xc3\xa9", 3), DAWG_OK);
	assert_int_equal(dawg_builder_finish(b, &out, &len), DAWG_OK);
	assert_int_equal(dawg_builder_add(b, "d", 1), DAWG_ERR_ORDER);
	dawg_builder_free(b);
	assert_int_equal(dawg_open_buffer(&d, out, len), DAWG_OK);
	assert_int_equal(dawg_lookup(&d, "", 0), 0);
	assert_int_equal(dawg_lookup(&d, "b", 1), 1);
	assert_int_equal(dawg_lookup(&d, "c\xc3\xa9", 3), 2);
	assert_int_equal(dawg_lookup(&d, "c", 1), -1);
	free(out);

	/* Only the empty word: no character, cbits 0. */
	b = dawg_builder_new();
	assert_int_equal(dawg_builder_add(b, "", 0), DAWG_OK);
	assert_int_equal(dawg_builder_finish(b, &out, &len), DAWG_OK);
	dawg_builder_free(b);
	assert_int_equal(dawg_open_buffer(&d, out, len), DAWG_OK);
	assert_int_equal(d.cbits, 0);
	assert_int_equal(dawg_lookup(&d, "", 0), 0);
	assert_int_equal(dawg_lookup(&d, "a", 1), -1);
	assert_int_equal(dawg_enumerate(&d, join_word, got), 1);
	assert_string_equal(got, "\n");
	free(out);

	/* The empty set, as the Go library writes it. */
	b = dawg_builder_new();
	assert_int_equal(dawg_builder_finish(b, &out, &len), DAWG_OK);
	dawg_builder_free(b);
	assert_int_equal(len, 11);
	assert_int_equal(dawg_open_buffer(&d, out, len), DAWG_OK);
	assert_int_equal(dawg_lookup(&d, "", 0), -1);
	free(out);
	dawg_builder_free(NULL);
}

static unsigned rng_state;

static unsigned
rng(void)
{
	rng_state = rng_state * 1103515245u + 12345u;
	return rng_state >> 16;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

struct list_ctx {
	char **words;
	size_t n, seen;
};

static int
check_listed(void *arg, const char *word, size_t len, uint64_t index)
{
	struct list_ctx *c = arg;

	assert_int_equal(index, c->seen);
	assert_true(c->seen < c->n);
	assert_int_equal(strlen(c->words[c->seen]), len);
	assert_memory_equal(c->words[c->seen], word, len);
	c->seen++;
	return 0;
}

/* Random sets over a small alphabet with multi-byte characters (so that
 * suffixes are shared and edges are wide) round-trip: every word at its
 * sorted index, every other string missing, enumeration in order. */
static void
test_build_roundtrip(void **state)
{
	static const char *const pieces[] = {
		"a", "b", "c", ".", "-", "z", "\xc3\xa9", "\xe4\xbe\x8b",
		"\xf0\x9f\x98\x80", "com.", "example.",
	};
	static const size_t sizes[] = { 1, 2, 3, 10, 100, 3000 };
	size_t s, i, k;

	(void)state;
	rng_state = 42;
	for (s = 0; s < sizeof(sizes) / sizeof(*sizes); s++) {
		struct dawg_builder *b = dawg_builder_new();
		char **words = calloc(sizes[s], sizeof(char *));
		struct list_ctx c;
		struct dawg d;
		size_t n = 0, len;
		uint8_t *out;

		for (i = 0; i < sizes[s]; i++) {
			char buf[256] = "";
			size_t parts = rng() % 10;
			for (k = 0; k < parts; k++)
				strcat(buf, pieces[rng() %
					(sizeof(pieces) / sizeof(*pieces))]);
			words[i] = strdup(buf);
		}
		qsort(words, sizes[s], sizeof(char *), cmp_str);
		for (i = 0; i < sizes[s]; i++) {
			if (n && strcmp(words[n - 1], words[i]) == 0) {
				free(words[i]);
				continue;
			}
			words[n++] = words[i];
			assert_int_equal(dawg_builder_add(b, words[n - 1],
				strlen(words[n - 1])), DAWG_OK);
		}
		assert_int_equal(dawg_builder_finish(b, &out, &len), DAWG_OK);
		dawg_builder_free(b);
		assert_int_equal(dawg_open_buffer(&d, out, len), DAWG_OK);
		assert_int_equal(d.nwords, n);
		for (i = 0; i < n; i++) {
			char probe[300];
			assert_int_equal(dawg_lookup(&d, words[i],
				strlen(words[i])), (int64_t)i);
			/* A longer and a shorter string: in the set only if
			 * listed. */
			snprintf(probe, sizeof(probe), "%sa", words[i]);
			assert_int_equal(dawg_lookup(&d, probe, strlen(probe)) >= 0,
				bsearch(&(char *){ probe }, words, n,
				sizeof(char *), cmp_str) != NULL);
			if (*words[i]) {
				probe[strlen(words[i]) - 1] = 0;
				assert_int_equal(dawg_lookup(&d, probe,
					strlen(probe)) >= 0, bsearch(
					&(char *){ probe }, words, n,
					sizeof(char *), cmp_str) != NULL);
			}
		}
		c.words = words;
		c.n = n;
		c.seen = 0;
		assert_int_equal(dawg_enumerate(&d, check_listed, &c),
			(int64_t)n);
		for (i = 0; i < n; i++)
			free(words[i]);
		free(words);
		free(out);
	}
}

struct wire_ctx {
	struct dawg *d;
	size_t checked;
};

/* The wire lookups must agree with the text ones on name_to_text(). */
static void
check_wire_equals_text(struct dawg *d, const uint8_t *wire)
{
	char text[NAME_TEXT_MAX], parent[NAME_TEXT_MAX];
	struct dawg_result res;
	int64_t index;
	size_t at;
	int n = name_to_text(wire, text, sizeof(text)), m;

	assert_true(n > 0);
	assert_int_equal(dawg_lookup_wire_exact(d, wire),
		dawg_lookup(d, text, (size_t)n));
	m = dawg_lookup_edm(d, text, (size_t)n, &index, &at);
	assert_int_equal(dawg_lookup_wire_edm(d, wire, &res), m);
	assert_int_equal(res.match, m);
	assert_int_equal(res.index, index);
	if (m == DAWG_SUFFIX) {
		assert_true(name_to_text(wire + res.offset, parent,
			sizeof(parent)) > 0);
		assert_string_equal(parent, text + at);
	}
}

static void
check_wire_line(void *arg, char *line, size_t len)
{
	struct wire_ctx *c = arg;
	uint8_t wire[NAME_WIRE_MAX];
	size_t wlen;
	char *tab = memchr(line, '\t', len);

	/* edge.negatives.tsv: the word after the tab. */
	if (tab) {
		len -= (size_t)(tab + 1 - line);
		line = tab + 1;
	}
	if (name_from_text(line, len, wire, &wlen) != NAME_OK)
		return;
	check_wire_equals_text(c->d, wire);
	c->checked++;
}

/* For every fixture word and negative that is a DNS name. */
static void
test_wire_equals_text(void **state)
{
	static const char *const lists[] = { ".words.txt", ".negatives.txt" };
	size_t f, l, len, total = 0;

	(void)state;
	for (f = 0; f < NFIXTURES; f++) {
		struct dawg d;
		struct wire_ctx c = { &d, 0 };
		assert_int_equal(dawg_open_file(&d, fixture_path(fixtures[f],
			".dawg"), NULL), DAWG_OK);
		for (l = 0; l < 2; l++) {
			char *text = slurp(fixture_path(fixtures[f], lists[l]),
				&len);
			if (!text)
				continue;
			each_line(text, len, check_wire_line, &c);
			free(text);
		}
		if (strncmp(fixtures[f], "edge/", 5) == 0) {
			char *text = slurp(fixture_path("edge/edge.negatives",
				".tsv"), &len);
			assert_non_null(text);
			each_line(text, len, check_wire_line, &c);
			free(text);
		}
		total += c.checked;
		dawg_close(&d);
	}
	assert_true(total > 100000);
}

/* Octets that presentation format escapes: the wire walk must produce
 * exactly name_to_text()'s escapes, and a dot inside a label is no
 * boundary for the subtree rule. */
static void
test_wire_escapes(void **state)
{
	static const struct {
		const char *wire;
		size_t len;
	} names[] = {
		{ "\3a.b\7example\0", 14 },
		{ "\1\\\7example\0", 11 },
		{ "\2\0\xff\3ads\7example\0", 16 },
		{ "\3a b\3ads\7example\0", 18 },
		{ "\4$@()\7example\0", 14 },
		{ "\2\";\7example\0", 12 },
		{ "\3WWW\7Example\0", 14 },
		{ "\1x\3b.c\7example\0", 16 },
		{ "\0", 1 },
	};
	/* The words: some of these names and some subtrees, as text. */
	static const char words[] =
		"a\\.b.example.\n"
		"\\\\.example.\n"
		".ads.example.\n"
		"$@().example.\n"
		".c.example.\n"
		"www.example.\n";
	struct dawg_input in = { DAWG_INPUT_WORDS, 0, 0 };
	struct dawg_result res;
	struct dawg d;
	size_t i, len;
	uint8_t *out;

	(void)state;
	out = build_text(words, sizeof(words) - 1, &in, &len, NULL);
	assert_int_equal(dawg_open_buffer(&d, out, len), DAWG_OK);
	for (i = 0; i < sizeof(names) / sizeof(*names); i++)
		check_wire_equals_text(&d, (const uint8_t *)names[i].wire);
	assert_true(dawg_lookup_wire_exact(&d, (const uint8_t *)"\3a.b\7example")
		>= 0);
	assert_true(dawg_lookup_wire_exact(&d, (const uint8_t *)"\1\\\7example")
		>= 0);
	assert_int_equal(dawg_lookup_wire_edm(&d,
		(const uint8_t *)"\2\0\xff\3ads\7example", &res), DAWG_SUFFIX);
	assert_int_equal(res.offset, 3);
	/* Upper case: exact is exact, edm folds. */
	assert_int_equal(dawg_lookup_wire_exact(&d,
		(const uint8_t *)"\3WWW\7Example"), -1);
	assert_int_equal(dawg_lookup_wire_edm(&d,
		(const uint8_t *)"\3WWW\7Example", &res), DAWG_EXACT);
	/* "b.c" is one label: ".c.example." does not cover it. */
	assert_int_equal(dawg_lookup_wire_edm(&d,
		(const uint8_t *)"\1x\3b.c\7example", &res), DAWG_MISS);
	assert_int_equal(dawg_lookup_edm(&d, "x.b\\.c.example.", 15, &res.index,
		&i), DAWG_MISS);
	/* A label too long for DNS, and a name too long: misses. */
	assert_int_equal(dawg_lookup_wire_exact(&d, (const uint8_t *)"\100"),
		-1);
	free(out);
}

/* A bit stream for hand-made files. */
struct bw {
	uint8_t buf[64];
	size_t pos;
};

static void
bw_put(struct bw *w, uint64_t v, unsigned n)
{
	while (n--) {
		if ((v >> n) & 1)
			w->buf[w->pos / 8] |= (uint8_t)(0x80 >> (w->pos % 8));
		w->pos++;
	}
}

/* A header with cbits 7 and abits 16, nwords as given; returns the size
 * to patch in once the nodes are written. */
static void
bw_header(struct bw *w, const uint8_t *nwords_varint, size_t vlen)
{
	size_t i;

	memset(w, 0, sizeof(*w));
	bw_put(w, 0, 32);
	bw_put(w, 7, 8);
	bw_put(w, 16, 8);
	for (i = 0; i < vlen; i++)
		bw_put(w, nwords_varint[i], 8);
	bw_put(w, 1, 8);
	bw_put(w, 1, 8);
}

static size_t
bw_finish(struct bw *w)
{
	size_t size = (w->pos + 7) / 8;

	w->buf[0] = (uint8_t)(size >> 24);
	w->buf[1] = (uint8_t)(size >> 16);
	w->buf[2] = (uint8_t)(size >> 8);
	w->buf[3] = (uint8_t)size;
	return size;
}

/* Files no writer makes: huge counts, an address past the end, a node
 * that leads to itself.  Errors or misses, never a hang. */
static void
test_hostile_crafted(void **state)
{
	static const uint8_t huge[] = { 0xff, 0xff, 0xff, 0x7f };
	static const uint8_t one[] = { 1 };
	char long_a[1200];
	uint8_t long_label[65] = { 0 };
	struct dawg_result res;
	struct dawg d;
	struct bw w;
	size_t size, n = 0, root;

	(void)state;
	memset(long_a, 'a', sizeof(long_a));
	/* A root claiming 2^28 edges in a 20-byte file. */
	bw_header(&w, huge, sizeof(huge));
	bw_put(&w, 0, 3);
	bw_put(&w, 0xff, 8);
	bw_put(&w, 0xff, 8);
	bw_put(&w, 0xff, 8);
	bw_put(&w, 0x7f, 8);
	size = bw_finish(&w);
	assert_int_equal(dawg_open_buffer(&d, w.buf, size), DAWG_OK);
	assert_int_equal(dawg_lookup(&d, "a", 1), -1);
	assert_true(dawg_enumerate(&d, count_words, &n) <= 1);
	/* A single edge 'a' to an address far past the end. */
	bw_header(&w, one, 1);
	bw_put(&w, 0, 2);
	bw_put(&w, 1, 1);
	bw_put(&w, 'a', 7);
	bw_put(&w, 0xfff0, 16);
	size = bw_finish(&w);
	assert_int_equal(dawg_open_buffer(&d, w.buf, size), DAWG_OK);
	assert_int_equal(dawg_lookup(&d, "a", 1), -1);
	assert_int_equal(dawg_enumerate(&d, count_words, &n), -1);
	/* A final root whose edge 'a' leads back to itself. */
	bw_header(&w, one, 1);
	root = w.pos;
	bw_put(&w, 1, 1);
	bw_put(&w, 0, 1);
	bw_put(&w, 1, 1);
	bw_put(&w, 'a', 7);
	bw_put(&w, root, 16);
	size = bw_finish(&w);
	assert_int_equal(dawg_open_buffer(&d, w.buf, size), DAWG_OK);
	assert_int_equal(dawg_lookup(&d, "", 0), 0);
	assert_int_equal(dawg_lookup(&d, long_a, sizeof(long_a)), -1);
	long_label[0] = 63;
	memset(long_label + 1, 'a', 63);
	assert_int_equal(dawg_lookup_wire_edm(&d, long_label, &res),
		DAWG_MISS);
	assert_int_equal(dawg_enumerate(&d, count_words, &n), -1);
	/* The same with a '.' edge, so that subtree walks run too. */
	bw_header(&w, one, 1);
	bw_put(&w, 1, 1);
	bw_put(&w, 0, 1);
	bw_put(&w, 1, 1);
	bw_put(&w, '.', 7);
	bw_put(&w, root, 16);
	size = bw_finish(&w);
	assert_int_equal(dawg_open_buffer(&d, w.buf, size), DAWG_OK);
	assert_true(d.has_dot);
	assert_int_equal(dawg_lookup_wire_edm(&d,
		(const uint8_t *)"\1a\1b\1c", &res), DAWG_MISS);
	/* Header faults. */
	assert_int_equal(dawg_open_buffer(&d, w.buf, 0), DAWG_ERR_TRUNCATED);
	assert_int_equal(dawg_open_buffer(&d, w.buf, size + 1), DAWG_ERR_SIZE);
	w.buf[4] = 22;
	assert_int_equal(dawg_open_buffer(&d, w.buf, size), DAWG_ERR_HEADER);
	w.buf[4] = 7;
	w.buf[5] = 41;
	assert_int_equal(dawg_open_buffer(&d, w.buf, size), DAWG_ERR_HEADER);
	(void)n;
}

/* A 0-byte file is refused at open. */
static void
test_empty_file(void **state)
{
	const char *top = getenv("top_builddir");
	char path[4096];
	struct dawg d;
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s/tests/unit/test_dawg.empty",
		top ? top : ".");
	f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(dawg_open_file(&d, path, NULL), DAWG_ERR_TRUNCATED);
	remove(path);
	assert_string_equal(dawg_strerror(DAWG_ERR_SYNTAX),
		"unreadable word list");
	assert_string_equal(dawg_strerror(-1), "unknown DAWG error");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixtures),
		cmocka_unit_test(test_edge_negatives),
		cmocka_unit_test(test_edm_expected),
		cmocka_unit_test(test_wire_lookup),
		cmocka_unit_test(test_wire_equals_text),
		cmocka_unit_test(test_wire_escapes),
		cmocka_unit_test(test_file_changed_in_place),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_hostile_crafted),
		cmocka_unit_test(test_empty_file),
		cmocka_unit_test(test_fuzz_regressions),
		cmocka_unit_test(test_build_fixtures),
		cmocka_unit_test(test_build_text),
		cmocka_unit_test(test_build_csv),
		cmocka_unit_test(test_build_errors),
		cmocka_unit_test(test_build_roundtrip),
	};

	return cmocka_run_group_tests_name("dawg", tests, NULL, NULL);
}
