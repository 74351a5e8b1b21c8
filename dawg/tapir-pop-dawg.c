/*
 * dawg/tapir-pop-dawg.c - compile, query and list DNS TAPIR DAWG files.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 *
 * usage: tapir-pop-dawg compile [--format text|csv|words] [--column N]
 *                               [--no-header] INPUT OUTPUT
 *        tapir-pop-dawg lookup FILE NAME...
 *        tapir-pop-dawg list FILE
 *
 * Files compiled here are byte-identical to those of DNS TAPIR's Go tool
 * for the same names.  compile replaces OUTPUT atomically (a sibling
 * temporary file renamed over it), so a running tapir-pop watching OUTPUT
 * never maps a half-written file.
 */
#include "tapir_config.h"
#include "dawg/dawg.h"
#include "dawg/dawg_build.h"
#include "module/base/fileio.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Duplicates named on stderr before only their number is given. */
#define DUPS_SHOWN 10

static void
usage(FILE *out)
{
	fprintf(out,
		"usage: tapir-pop-dawg compile [--format text|csv|words] "
		"[--column N] [--no-header]\n"
		"                              INPUT OUTPUT\n"
		"       tapir-pop-dawg lookup FILE NAME...\n"
		"       tapir-pop-dawg list FILE\n");
}

/* The whole of a file, or of stdin for "-". */
static char *
read_all(const char *path, size_t *len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	char *buf = NULL, *p;
	size_t cap = 0, n;

	*len = 0;
	if (!f)
		return NULL;
	for (;;) {
		if (*len == cap) {
			cap = cap ? cap * 2 : 1 << 16;
			if (!(p = realloc(buf, cap))) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = p;
		}
		n = fread(buf + *len, 1, cap - *len, f);
		*len += n;
		if (n == 0) {
			if (ferror(f)) {
				free(buf);
				buf = NULL;
			}
			break;
		}
	}
	if (f != stdin)
		fclose(f);
	return buf;
}

/* Write data to path through a temporary file renamed over it. */
static int
write_atomic(const char *path, const uint8_t *data, size_t len)
{
	size_t plen = strlen(path);
	char *tmp = malloc(plen + sizeof(".XXXXXX"));
	FILE *f;
	int fd, ok;

	if (!tmp)
		return -1;
	memcpy(tmp, path, plen);
	memcpy(tmp + plen, ".XXXXXX", sizeof(".XXXXXX"));
	if ((fd = mkstemp(tmp)) < 0 || !(f = fdopen(fd, "wb"))) {
		if (fd >= 0) {
			close(fd);
			unlink(tmp);
		}
		free(tmp);
		return -1;
	}
	ok = fwrite(data, 1, len, f) == len && fflush(f) == 0 &&
		fsync(fileno(f)) == 0;
	if (fclose(f) != 0)
		ok = 0;
	/* mkstemp makes the file private; a DAWG is meant to be read. */
	if (ok && chmod(tmp, 0644) != 0)
		ok = 0;
	if (ok && rename(tmp, path) != 0)
		ok = 0;
	if (!ok)
		unlink(tmp);
	free(tmp);
	return ok ? 0 : -1;
}

struct dups {
	size_t shown;
};

static void
report_dup(void *arg, const char *word, size_t len)
{
	struct dups *d = arg;

	if (d->shown++ < DUPS_SHOWN)
		fprintf(stderr, "tapir-pop-dawg: warning: duplicate '%.*s' "
			"dropped\n", (int)len, word);
}

static int
cmd_compile(int argc, char **argv)
{
	struct dawg_input in = { DAWG_INPUT_TEXT, 0, 1 };
	struct dawg_words w;
	struct dups dups = { 0 };
	const char *input, *output;
	size_t len, line, dropped, bad, out_len;
	uint8_t *out;
	char *text, *end;
	int i, r;

	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		if (strcmp(argv[i], "--format") == 0 && i + 1 < argc) {
			const char *f = argv[++i];
			if (strcmp(f, "text") == 0)
				in.format = DAWG_INPUT_TEXT;
			else if (strcmp(f, "csv") == 0)
				in.format = DAWG_INPUT_CSV;
			else if (strcmp(f, "words") == 0)
				in.format = DAWG_INPUT_WORDS;
			else {
				fprintf(stderr, "tapir-pop-dawg: unknown format "
					"'%s'\n", f);
				return 2;
			}
		} else if (strcmp(argv[i], "--column") == 0 && i + 1 < argc) {
			unsigned long c = strtoul(argv[++i], &end, 10);
			if (*end || c == 0 || c > 65535) {
				fprintf(stderr, "tapir-pop-dawg: bad column "
					"'%s'\n", argv[i]);
				return 2;
			}
			in.column = (unsigned)c;
		} else if (strcmp(argv[i], "--no-header") == 0) {
			in.header = 0;
		} else {
			usage(stderr);
			return 2;
		}
	}
	if (argc - i != 2) {
		usage(stderr);
		return 2;
	}
	if (in.column == 0)
		in.column = 2;
	input = argv[i];
	output = argv[i + 1];
	if (!(text = read_all(input, &len))) {
		fprintf(stderr, "tapir-pop-dawg: %s: %s\n", input,
			strerror(errno ? errno : ENOMEM));
		return 1;
	}
	memset(&w, 0, sizeof(w));
	r = dawg_words_parse(&w, text, len, &in, &line);
	free(text);
	if (r != DAWG_OK) {
		fprintf(stderr, "tapir-pop-dawg: %s:%zu: %s\n", input, line,
			dawg_strerror(r));
		dawg_words_free(&w);
		return 1;
	}
	if ((r = dawg_words_sort(&w, report_dup, &dups, &dropped)) != DAWG_OK) {
		fprintf(stderr, "tapir-pop-dawg: %s\n", dawg_strerror(r));
		dawg_words_free(&w);
		return 1;
	}
	if (dropped)
		fprintf(stderr, "tapir-pop-dawg: warning: %zu duplicate%s "
			"dropped\n", dropped, dropped == 1 ? "" : "s");
	r = dawg_words_build(&w, &out, &out_len, &bad);
	if (r != DAWG_OK) {
		if (r == DAWG_ERR_UTF8 || r == DAWG_ERR_ORDER)
			fprintf(stderr, "tapir-pop-dawg: '%.*s': %s\n",
				(int)w.list[bad].len, w.arena + w.list[bad].off,
				dawg_strerror(r));
		else
			fprintf(stderr, "tapir-pop-dawg: %s\n",
				dawg_strerror(r));
		dawg_words_free(&w);
		return 1;
	}
	if (write_atomic(output, out, out_len) != 0) {
		fprintf(stderr, "tapir-pop-dawg: %s: %s\n", output,
			strerror(errno));
		r = 1;
	}
	dawg_words_free(&w);
	free(out);
	return r ? 1 : 0;
}

static int
open_or_complain(struct dawg *d, const char *path)
{
	int err, r = dawg_open_file(d, path, &err);

	if (r != DAWG_OK)
		fprintf(stderr, "tapir-pop-dawg: %s: %s%s%s\n", path,
			dawg_strerror(r), r == DAWG_ERR_IO ? ": " : "",
			r == DAWG_ERR_IO ? file_strerror(err) : "");
	return r;
}

/* One line per name: the name, the matching word's index, how it
 * matched (edm's rule: the name, then ".parent." subtree words). */
static int
cmd_lookup(int argc, char **argv)
{
	struct dawg d;
	int i;

	if (argc < 3) {
		usage(stderr);
		return 2;
	}
	if (open_or_complain(&d, argv[1]) != DAWG_OK)
		return 1;
	for (i = 2; i < argc; i++) {
		int64_t index;
		size_t at;
		int m = dawg_lookup_edm(&d, argv[i], strlen(argv[i]), &index,
			&at);
		printf("%s\t%lld\t%s\n", argv[i], (long long)index,
			m == DAWG_EXACT ? "exact" : m == DAWG_SUFFIX ? "suffix" :
			"miss");
	}
	dawg_close(&d);
	return ferror(stdout) ? 1 : 0;
}

static int
print_word(void *arg, const char *word, size_t len, uint64_t index)
{
	(void)arg;
	(void)index;
	fwrite(word, 1, len, stdout);
	return putchar('\n') == EOF;
}

/* Every word in index order, one a line: the X.words.txt format. */
static int
cmd_list(int argc, char **argv)
{
	struct dawg d;
	uint64_t expected;
	int64_t n;

	if (argc != 2) {
		usage(stderr);
		return 2;
	}
	if (open_or_complain(&d, argv[1]) != DAWG_OK)
		return 1;
	expected = d.nwords;
	n = dawg_enumerate(&d, print_word, NULL);
	dawg_close(&d);
	if (n < 0)
		fprintf(stderr, "tapir-pop-dawg: %s: malformed file\n",
			argv[1]);
	else if ((uint64_t)n != expected && !ferror(stdout))
		fprintf(stderr, "tapir-pop-dawg: %s: %lld words found, the "
			"header says %llu\n", argv[1], (long long)n,
			(unsigned long long)expected);
	if (fflush(stdout) != 0)
		return 1;
	return n >= 0 && (uint64_t)n == expected ? 0 : 1;
}

int
main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "compile") == 0)
		return cmd_compile(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "lookup") == 0)
		return cmd_lookup(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "list") == 0)
		return cmd_list(argc - 1, argv + 1);
	if (argc == 2 && (strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "--help") == 0)) {
		usage(stdout);
		return 0;
	}
	usage(stderr);
	return 2;
}
