/*
 * tests/unit/test_dawg.c - the DAWG reader against DNS TAPIR's reference
 * files (tests/fixtures/dawg, written by the Go library), and against
 * hostile files.
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
#include <cmocka.h>

#include "dawg/dawg.h"
#include "module/names.h"

static const char *const fixtures[] = {
	"tiny", "tiny-suffix", "well-known-domains", "edge/empty",
	"edge/emptyword", "edge/single", "edge/wide",
};

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
	for (f = 0; f < sizeof(fixtures) / sizeof(*fixtures); f++) {
		struct dawg d;
		struct words_ctx c;
		struct enum_ctx e;
		size_t len, i, lines;
		char *words, *neg;
		int r = dawg_open_file(&d, fixture_path(fixtures[f], ".dawg"));

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
			".dawg")), DAWG_OK);
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
		".dawg")), DAWG_OK);
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
		".dawg")), DAWG_OK);
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
	dawg_enumerate(&d, count_words, &n);
}

/* Truncated at every length, every single bit flipped, and random
 * bytes: errors or misses, never a crash or a read out of bounds (the
 * suite runs under AddressSanitizer). */
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
	assert_int_equal(dawg_open_file(&d, "/nonexistent.dawg"), DAWG_ERR_IO);
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixtures),
		cmocka_unit_test(test_edge_negatives),
		cmocka_unit_test(test_edm_expected),
		cmocka_unit_test(test_wire_lookup),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_fuzz_regressions),
	};

	return cmocka_run_group_tests_name("dawg", tests, NULL, NULL);
}
