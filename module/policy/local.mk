# module/policy/: the merged policy store, its reader reclamation and the
# format of per-record local data.  No I/O, no threads but the store's
# own background merger.
noinst_LTLIBRARIES += module/policy/libtapir_policy.la
module_policy_libtapir_policy_la_SOURCES = \
	module/policy/policy.c module/policy/policy.h \
	module/policy/epoch.c module/policy/epoch.h \
	module/policy/policy_zone.c module/policy/policy_zone.h \
	module/policy/localdata.h
module_policy_libtapir_policy_la_LIBADD = $(PTHREAD_LIBS)

POLICY_LDADD = module/policy/libtapir_policy.la module/base/libtapir_base.la \
	$(PTHREAD_LIBS)
check_PROGRAMS += tests/unit/test_policy tests/unit/test_epoch
TESTS += tests/unit/test_policy tests/unit/test_epoch
tests_unit_test_policy_SOURCES = tests/unit/test_policy.c
tests_unit_test_policy_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_policy_LDADD = $(POLICY_LDADD) $(CMOCKA_LIBS)
tests_unit_test_epoch_SOURCES = tests/unit/test_epoch.c
tests_unit_test_epoch_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_epoch_LDADD = $(POLICY_LDADD) $(CMOCKA_LIBS)

# Memory per name, lookups, builds and updates (prints figures).
noinst_PROGRAMS += tests/bench/bench_policy
tests_bench_bench_policy_SOURCES = tests/bench/bench_policy.c tests/bench/bench.h
tests_bench_bench_policy_LDADD = $(POLICY_LDADD)
