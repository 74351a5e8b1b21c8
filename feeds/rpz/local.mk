# feeds/rpz/: a secondary for one Response Policy Zone: the type
# (rpz_type.c), the zone's interpretation and view (rpz.c), the
# transfers, NOTIFY and the saved zone (feed_rpz.c), with ldns.
noinst_LTLIBRARIES += feeds/rpz/libtapir_rpz.la
FEED_FAMILY_LIBS += feeds/rpz/libtapir_rpz.la
feeds_rpz_libtapir_rpz_la_SOURCES = \
	feeds/rpz/rpz_type.c feeds/rpz/rpz_type.h \
	feeds/rpz/feed_rpz.c feeds/rpz/feed_rpz.h \
	feeds/rpz/rpz.c feeds/rpz/rpz.h \
	feeds/rpz/rpz_fetch.c feeds/rpz/rpz_fetch.h
feeds_rpz_libtapir_rpz_la_CFLAGS = $(AM_CFLAGS) $(LDNS_CFLAGS) \
	$(LIBCURL_CFLAGS)
feeds_rpz_libtapir_rpz_la_LIBADD = $(LDNS_LIBS) $(LIBCURL_LIBS) \
	$(PTHREAD_LIBS)

RPZ_LDADD = feeds/rpz/libtapir_rpz.la feeds/libtapir_feeds.la \
	module/policy/libtapir_policy.la \
	module/base/libtapir_base.la $(LDNS_LIBS) $(LIBCURL_LIBS) \
	$(PTHREAD_LIBS)

# The interpretation and the view, against a real policy store.
check_PROGRAMS += tests/unit/test_rpz
TESTS += tests/unit/test_rpz
tests_unit_test_rpz_SOURCES = tests/unit/test_rpz.c
tests_unit_test_rpz_CFLAGS = $(UNIT_CFLAGS) $(LDNS_CFLAGS)
tests_unit_test_rpz_LDADD = $(RPZ_LDADD) $(CMOCKA_LIBS)

# A real primary (Knot DNS): AXFR, IXFR, NOTIFY, TSIG, restarts.
INTEGRATION_TESTS += tests/integration/test_rpz.sh

# Fuzz target (built and run by tests/fuzz/run.sh) and its seeds.
EXTRA_DIST += tests/fuzz/fuzz_rpz.c tests/fuzz/corpus/rpz

# Time to apply a 1M-name zone and a 10k-change IXFR, and memory.
noinst_PROGRAMS += tests/bench/bench_rpz
tests_bench_bench_rpz_SOURCES = tests/bench/bench_rpz.c tests/bench/bench.h
tests_bench_bench_rpz_CFLAGS = $(AM_CFLAGS) $(LDNS_CFLAGS)
tests_bench_bench_rpz_LDADD = $(RPZ_LDADD)
