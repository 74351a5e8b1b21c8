# dawg/: the DAWG reader and builder, compatible with DNS TAPIR's files,
# and the tapir-pop-dawg tool.  Includes only module/base.
noinst_LTLIBRARIES += dawg/libtapir_dawg.la
dawg_libtapir_dawg_la_SOURCES = dawg/dawg.c dawg/dawg.h \
	dawg/dawg_build.c dawg/dawg_build.h dawg/utf8.h

bin_PROGRAMS += dawg/tapir-pop-dawg
dawg_tapir_pop_dawg_SOURCES = dawg/tapir-pop-dawg.c
dawg_tapir_pop_dawg_LDADD = dawg/libtapir_dawg.la module/base/libtapir_base.la
dist_man_MANS += dawg/tapir-pop-dawg.1

check_PROGRAMS += tests/unit/test_dawg
tests_unit_test_dawg_SOURCES = tests/unit/test_dawg.c
tests_unit_test_dawg_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_dawg_LDADD = dawg/libtapir_dawg.la module/base/libtapir_base.la \
	$(CMOCKA_LIBS)
TESTS += tests/unit/test_dawg

EXTRA_DIST += tests/fixtures/dawg tests/fuzz/fuzz_dawg.c
EXTRA_DIST += tests/fuzz/corpus/dawg

noinst_PROGRAMS += tests/bench/bench_dawg
tests_bench_bench_dawg_SOURCES = tests/bench/bench_dawg.c tests/bench/bench.h
tests_bench_bench_dawg_LDADD = dawg/libtapir_dawg.la module/base/libtapir_base.la
