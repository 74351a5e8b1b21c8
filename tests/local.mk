# tests/: unit tests (cmocka, TAP output), integration tests against real
# servers, benchmarks and fuzzers.  Component owners add their own unit
# tests in their directory's fragment; this one holds the shared ones.

UNIT_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)

check_PROGRAMS += tests/unit/test_names
tests_unit_test_names_SOURCES = tests/unit/test_names.c
tests_unit_test_names_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_names_LDADD = module/libtapir_core.la $(CMOCKA_LIBS)

check_PROGRAMS += tests/unit/test_conf
tests_unit_test_conf_SOURCES = tests/unit/test_conf.c
tests_unit_test_conf_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_conf_LDADD = $(TAPIR_ALL_LIBS) $(CMOCKA_LIBS)

check_PROGRAMS += tests/unit/test_listfile
tests_unit_test_listfile_SOURCES = tests/unit/test_listfile.c
tests_unit_test_listfile_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_listfile_LDADD = $(TAPIR_ALL_LIBS) $(CMOCKA_LIBS)

check_PROGRAMS += tests/unit/test_flushq
tests_unit_test_flushq_SOURCES = tests/unit/test_flushq.c
tests_unit_test_flushq_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_flushq_LDADD = module/libtapir_core.la $(CMOCKA_LIBS)

check_PROGRAMS += tests/unit/test_policy
tests_unit_test_policy_SOURCES = tests/unit/test_policy.c
tests_unit_test_policy_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_policy_LDADD = module/libtapir_policy.la \
	module/libtapir_core.la $(CMOCKA_LIBS) $(PTHREAD_LIBS)

check_PROGRAMS += tests/unit/test_fileio
tests_unit_test_fileio_SOURCES = tests/unit/test_fileio.c
tests_unit_test_fileio_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_fileio_LDADD = module/libtapir_core.la $(CMOCKA_LIBS)

check_PROGRAMS += tests/unit/test_thread
tests_unit_test_thread_SOURCES = tests/unit/test_thread.c
tests_unit_test_thread_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_thread_LDADD = module/libtapir_core.la $(CMOCKA_LIBS) \
	$(PTHREAD_LIBS)

check_PROGRAMS += tests/unit/test_workpool
tests_unit_test_workpool_SOURCES = tests/unit/test_workpool.c
tests_unit_test_workpool_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_workpool_LDADD = module/libtapir_core.la $(CMOCKA_LIBS) \
	$(PTHREAD_LIBS)

TESTS += tests/unit/test_names tests/unit/test_conf tests/unit/test_listfile \
	tests/unit/test_flushq tests/unit/test_policy tests/unit/test_fileio \
	tests/unit/test_thread tests/unit/test_workpool

# Integration tests: real Unbound with the module, queried with dig.
TESTS += tests/integration/test_skeleton.sh tests/integration/test_actions.sh \
	tests/integration/test_cache.sh tests/integration/test_control.sh \
	tests/integration/test_dawg.sh tests/integration/test_dawg_cli.sh
EXTRA_DIST += tests/integration/lib.sh \
	tests/integration/lsan.supp tests/integration/test_skeleton.sh \
	tests/integration/test_actions.sh tests/integration/test_cache.sh \
	tests/integration/test_control.sh tests/integration/test_dawg.sh \
	tests/integration/test_dawg_cli.sh

# Fuzzing: every tests/fuzz/fuzz_*.c is a libFuzzer target; make check runs
# a short smoke of each, tests/fuzz/run.sh runs them for longer.
TESTS += tests/fuzz/smoke.sh
EXTRA_DIST += tests/fuzz/run.sh tests/fuzz/smoke.sh \
	tests/fuzz/fuzz_conf.c tests/fuzz/fuzz_listfile.c

clean-local: clean-fuzz-work
clean-fuzz-work:
	rm -rf tests/fuzz/work
.PHONY: clean-fuzz-work

# Benchmarks: programs that print figures; build without sanitizers.
noinst_PROGRAMS += tests/bench/bench_policy
tests_bench_bench_policy_SOURCES = tests/bench/bench_policy.c tests/bench/bench.h
tests_bench_bench_policy_LDADD = module/libtapir_policy.la \
	module/libtapir_core.la $(PTHREAD_LIBS)

# Differential test against Unbound's own RPZ (same zone, same upstream),
# and a side-by-side benchmark of both (not run by make check).
TESTS += tests/integration/test_rpz_diff.sh
EXTRA_DIST += tests/integration/test_rpz_diff.sh \
	tests/integration/rpz_diff_gen.awk tests/bench/rpz-side-by-side.sh

# Operations: every control command, lookup's explanations, checkconf over
# the example configs; the control request fuzzer and its seeds.
TESTS += tests/integration/test_control_ops.sh
EXTRA_DIST += tests/integration/test_control_ops.sh \
	tests/fuzz/fuzz_control.c tests/fuzz/corpus/control

# Faults (issue 9): a corrupt DAWG, a garbage or absent RPZ primary, a
# full state directory, reloads and a rewritten source under a query
# loop.  The side-by-side benchmark is run by hand, not by make check.
TESTS += tests/integration/test_faults.sh

# Hostile input: a client trying every query class, type and flag to get
# or plant a real answer for a blocked name (Knot upstream, Unbound's own
# rpz: beside the module for comparison).
TESTS += tests/integration/test_hostile_dns.sh
EXTRA_DIST += tests/integration/test_hostile_dns.sh
check_PROGRAMS += tests/integration/faults_junkd
tests_integration_faults_junkd_SOURCES = tests/integration/faults_junkd.c
EXTRA_DIST += tests/integration/test_faults.sh \
	tests/bench/side-by-side.sh tests/bench/sbs_names.awk

# Debian packages (issue 15): contrib/build-packages.sh's unbound and
# tapir-pop installed with apt-get into a throw-away Debian 12 root, Unbound
# started as its unit starts it; skipped when the archive is unreachable.
TESTS += tests/integration/test_packages.sh
EXTRA_DIST += tests/integration/test_packages.sh
