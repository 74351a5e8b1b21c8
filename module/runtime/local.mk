# module/runtime/: the module's runtime without Unbound: the configuration,
# the engine that builds the store and runs the feeds, the control socket
# and its commands, the query counters and /metrics, the cache flush
# queue, and the operator's tool.
noinst_LTLIBRARIES += module/runtime/libtapir_runtime.la
module_runtime_libtapir_runtime_la_SOURCES = \
	module/runtime/conf.c module/runtime/conf.h \
	module/runtime/engine.c module/runtime/engine.h \
	module/runtime/feed_types.c module/runtime/feed_types.h \
	module/runtime/overrides.c module/runtime/overrides.h \
	module/runtime/disabled.c module/runtime/disabled.h \
	module/runtime/counters.c module/runtime/counters.h \
	module/runtime/metrics.c module/runtime/metrics.h \
	module/runtime/control.c module/runtime/control.h \
	module/runtime/commands.c module/runtime/commands.h \
	module/runtime/flushq.c module/runtime/flushq.h
module_runtime_libtapir_runtime_la_CPPFLAGS = $(AM_CPPFLAGS) \
	$(LIBMICROHTTPD_CFLAGS) \
	-DTAPIR_DEFAULT_CONFIG='"$(sysconfdir)/unbound/tapir-pop.conf"'
module_runtime_libtapir_runtime_la_LIBADD = $(LIBMICROHTTPD_LIBS) \
	$(PTHREAD_LIBS)

# The operator's tool.
sbin_PROGRAMS += tapir-pop-control
tapir_pop_control_SOURCES = module/runtime/tapir-pop-control.c
tapir_pop_control_LDADD = $(TAPIR_ALL_LIBS)

man_MANS = module/runtime/tapir-pop.conf.5
dist_man_MANS += module/runtime/tapir-pop-control.8
EXTRA_DIST += module/runtime/tapir-pop.conf.5.in
CLEANFILES += module/runtime/tapir-pop.conf.5
module/runtime/tapir-pop.conf.5: $(top_srcdir)/module/runtime/tapir-pop.conf.5.in
	$(MKDIR_P) module/runtime
	sed -e 's|@sysconfdir[@]|$(sysconfdir)|g' $(top_srcdir)/module/runtime/tapir-pop.conf.5.in > $@

RUNTIME_TESTS = tests/unit/test_conf tests/unit/test_engine tests/unit/test_flushq \
	tests/unit/test_counters
check_PROGRAMS += $(RUNTIME_TESTS)
TESTS += $(RUNTIME_TESTS)
tests_unit_test_conf_SOURCES = tests/unit/test_conf.c
tests_unit_test_conf_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_conf_LDADD = $(TAPIR_ALL_LIBS) $(CMOCKA_LIBS)
tests_unit_test_engine_SOURCES = tests/unit/test_engine.c
tests_unit_test_engine_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_engine_LDADD = $(TAPIR_ALL_LIBS) $(CMOCKA_LIBS)
tests_unit_test_counters_SOURCES = tests/unit/test_counters.c
tests_unit_test_counters_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_counters_LDADD = $(TAPIR_ALL_LIBS) $(CMOCKA_LIBS)
tests_unit_test_flushq_SOURCES = tests/unit/test_flushq.c
tests_unit_test_flushq_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_flushq_LDADD = $(TAPIR_ALL_LIBS) $(CMOCKA_LIBS)

EXTRA_DIST += tests/fuzz/fuzz_conf.c tests/fuzz/fuzz_control.c \
	tests/fuzz/corpus/control
