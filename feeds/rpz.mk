# feeds/rpz.mk: the RPZ feed (secondary for one Response Policy Zone).
# Owned by the RPZ feed's author.  Like every convenience library here, it
# LIBADDs external libraries only, never another libtapir_*.la (see
# module/local.mk); programs link $(TAPIR_ALL_LIBS).
noinst_LTLIBRARIES += feeds/libtapir_rpz.la
feeds_libtapir_rpz_la_SOURCES = feeds/feed_rpz.c feeds/feed_rpz.h \
	feeds/rpz.c feeds/rpz.h
feeds_libtapir_rpz_la_CFLAGS = $(AM_CFLAGS) $(LDNS_CFLAGS)
feeds_libtapir_rpz_la_LIBADD = $(LDNS_LIBS) $(PTHREAD_LIBS)

# The interpretation and the view, against a real policy store.
check_PROGRAMS += tests/unit/test_rpz
TESTS += tests/unit/test_rpz
tests_unit_test_rpz_SOURCES = tests/unit/test_rpz.c
tests_unit_test_rpz_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(LDNS_CFLAGS)
tests_unit_test_rpz_LDADD = feeds/libtapir_rpz.la module/libtapir_policy.la \
	module/libtapir_core.la $(CMOCKA_LIBS) $(LDNS_LIBS) $(PTHREAD_LIBS)

# A real primary (Knot DNS): AXFR, IXFR, NOTIFY, TSIG, restarts.
TESTS += tests/integration/test_rpz.sh
EXTRA_DIST += tests/integration/test_rpz.sh

# Fuzz target (built and run by tests/fuzz/run.sh) and its seeds.
EXTRA_DIST += tests/fuzz/fuzz_rpz.c tests/fuzz/corpus/rpz

# Time to apply a 1M-name zone and a 10k-change IXFR, and memory.
noinst_PROGRAMS += tests/bench/bench_rpz
tests_bench_bench_rpz_SOURCES = tests/bench/bench_rpz.c tests/bench/bench.h
tests_bench_bench_rpz_CFLAGS = $(AM_CFLAGS) $(LDNS_CFLAGS)
tests_bench_bench_rpz_LDADD = feeds/libtapir_rpz.la module/libtapir_policy.la \
	module/libtapir_core.la $(LDNS_LIBS) $(PTHREAD_LIBS)
