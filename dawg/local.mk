# dawg/: the DAWG reader (mmap), compatible with DNS TAPIR's files.
noinst_LTLIBRARIES += dawg/libtapir_dawg.la
dawg_libtapir_dawg_la_SOURCES = dawg/dawg.c dawg/dawg.h

check_PROGRAMS += tests/unit/test_dawg
tests_unit_test_dawg_SOURCES = tests/unit/test_dawg.c
tests_unit_test_dawg_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_dawg_LDADD = dawg/libtapir_dawg.la module/libtapir_core.la \
	$(CMOCKA_LIBS)
TESTS += tests/unit/test_dawg

EXTRA_DIST += tests/fixtures/dawg tests/fuzz/fuzz_dawg.c
EXTRA_DIST += tests/fuzz/corpus/dawg

noinst_PROGRAMS += tests/bench/bench_dawg
tests_bench_bench_dawg_SOURCES = tests/bench/bench_dawg.c
tests_bench_bench_dawg_LDADD = dawg/libtapir_dawg.la module/libtapir_core.la
