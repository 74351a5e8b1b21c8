# tests/: what crosses the layers: integration tests against real servers
# (a real Unbound with the module, queried with dig), the fuzz smoke, the
# layering check and the benchmarks of the whole resolver.  Each layer's
# unit tests are registered in its own local.mk.

# Integration tests: real Unbound with the module, queried with dig.
# The feed families register theirs in INTEGRATION_TESTS too: setup.sh
# runs them all again against an upstream Unbound.
INTEGRATION_TESTS += tests/integration/test_skeleton.sh \
	tests/integration/test_actions.sh tests/integration/test_cache.sh \
	tests/integration/test_control.sh tests/integration/test_dawg.sh \
	tests/integration/test_dawg_cli.sh \
	tests/integration/test_rpz_diff.sh \
	tests/integration/test_control_ops.sh \
	tests/integration/test_faults.sh \
	tests/integration/test_hostile_dns.sh \
	tests/integration/test_hostile_control.sh \
	tests/integration/test_hostile_files.sh \
	tests/integration/test_hostile_state.sh \
	tests/integration/test_fast_reload.sh \
	tests/integration/test_output.sh \
	tests/integration/test_rpz_sources.sh \
	tests/integration/test_ops.sh
# test_rpz_diff: Unbound's own rpz: and the module on one zone and one
# upstream.  test_control_ops: every control command, lookup's
# explanations, checkconf over the example configs.  test_faults: a
# corrupt DAWG, a garbage or absent RPZ primary, a full state directory,
# reloads and a rewritten source under a query loop.  test_hostile_*: a
# client trying every query class, type and flag to get or plant a real
# answer for a blocked name; hostile control clients; a FIFO, a device,
# an endless line at a path the module reads; the state directory full,
# read-only or damaged.  test_fast_reload: Unbound 1.22's fast_reload
# keeps modules loaded (skipped before 1.22).  test_output: the policy
# served as an RPZ to a Knot DNS secondary, a BIND 9 response-policy
# zone and an Unbound rpz: (AXFR, IXFR after NOTIFY, TSIG, ACL).
# test_rpz_sources: RPZ sources from a zone file and an HTTPS URL
# (nginx), fed with dump's own zone.
# test_ops: which source and rule decided (stats, /metrics, lookup),
# sources on trial, switched off and on, a real Prometheus scraping the
# module.
TESTS += $(INTEGRATION_TESTS)
EXTRA_DIST += $(INTEGRATION_TESTS) tests/integration/lib.sh \
	tests/integration/lsan.supp tests/integration/rpz_diff_gen.awk \
	tests/integration/hostile_control.py
check_PROGRAMS += tests/integration/faults_junkd
tests_integration_faults_junkd_SOURCES = tests/integration/faults_junkd.c

# The layering: no #include goes up or sideways (ARCHITECTURE.md).
TESTS += tests/layers.sh
EXTRA_DIST += tests/layers.sh

# Fuzzing: every tests/fuzz/fuzz_*.c is a libFuzzer target; make check runs
# a short smoke of each, tests/fuzz/run.sh runs them for longer.
TESTS += tests/fuzz/smoke.sh
EXTRA_DIST += tests/fuzz/run.sh tests/fuzz/smoke.sh

clean-local: clean-fuzz-work
clean-fuzz-work:
	rm -rf tests/fuzz/work
.PHONY: clean-fuzz-work

# Benchmarks of the whole resolver, run by hand (they need minutes and a
# quiet machine): Unbound / its rpz: / tapir-pop side by side, and that
# at 100k to 10M names (scale.sh), the RPZ feed against Knot, what a dump
# costs, what the counters and /metrics cost blocked queries.
EXTRA_DIST += tests/bench/side-by-side.sh tests/bench/sbs_names.awk \
	tests/bench/scale.sh \
	tests/bench/rpz-side-by-side.sh tests/bench/dump-memory.sh \
	tests/bench/metrics-cost.sh tests/bench/bench-env.sh \
	tests/bench/reload-memory.sh

# Debian packages: contrib/build-packages.sh's unbound and tapir-pop
# installed with apt-get into a throw-away Debian 12 root, Unbound started
# as its unit starts it; skipped when the archive is unreachable.  Not an
# integration test of the build's own Unbound, so not run again against
# an upstream one.
TESTS += tests/integration/test_packages.sh
EXTRA_DIST += tests/integration/test_packages.sh
