# module/output/: the merged policy served as a Response Policy Zone
# (AXFR, IXFR, NOTIFY, TSIG) to other resolvers, with ldns.  At the feed
# families' rank: it reads the store (module/policy) and uses feeds/feed.h's
# configuration parsers; the engine starts it.
noinst_LTLIBRARIES += module/output/libtapir_output.la
module_output_libtapir_output_la_SOURCES = \
	module/output/output.c module/output/output.h \
	module/output/output_int.h \
	module/output/zone.c module/output/zone.h \
	module/output/serve.c
module_output_libtapir_output_la_CFLAGS = $(AM_CFLAGS) $(LDNS_CFLAGS)
module_output_libtapir_output_la_LIBADD = $(LDNS_LIBS) $(PTHREAD_LIBS)

# A 1M-name AXFR, a 10k-change IXFR, journal bytes per change (prints
# figures).
noinst_PROGRAMS += tests/bench/bench_output
tests_bench_bench_output_SOURCES = tests/bench/bench_output.c tests/bench/bench.h
tests_bench_bench_output_CFLAGS = $(AM_CFLAGS) $(LDNS_CFLAGS)
tests_bench_bench_output_LDADD = module/output/libtapir_output.la \
	feeds/libtapir_feeds.la module/policy/libtapir_policy.la \
	module/base/libtapir_base.la $(LDNS_LIBS) $(PTHREAD_LIBS)
