# module/: the policy core (no Unbound headers, no I/O in the store) and the
# Unbound adapter, the only code that includes Unbound's headers.
#
# Convenience libraries never embed one another (the module links them
# whole, and an embedded copy would be linked twice); a program lists what
# it needs, dependents first, as TAPIR_ALL_LIBS does for everything.

# Names, logging, threads: the base every component uses.
noinst_LTLIBRARIES += module/libtapir_core.la
module_libtapir_core_la_SOURCES = \
	module/names.c module/names.h \
	module/fileio.c module/fileio.h \
	module/statefile.c module/statefile.h \
	module/log.c module/log.h \
	module/thread.c module/thread.h \
	module/workpool.c module/workpool.h \
	module/nameset.c module/nameset.h \
	module/flushq.c module/flushq.h module/localdata.h
module_libtapir_core_la_LIBADD = $(PTHREAD_LIBS)

# The policy store and its reader reclamation.
noinst_LTLIBRARIES += module/libtapir_policy.la
module_libtapir_policy_la_SOURCES = \
	module/policy.c module/policy.h \
	module/epoch.c module/epoch.h
module_libtapir_policy_la_LIBADD = $(PTHREAD_LIBS)

# The runtime without Unbound: configuration, engine, file feeds.
noinst_LTLIBRARIES += module/libtapir_engine.la
module_libtapir_engine_la_SOURCES = \
	module/conf.c module/conf.h \
	module/engine.c module/engine.h \
	module/control.c module/control.h \
	module/commands.c module/commands.h \
	feeds/listfile.c feeds/listfile.h \
	feeds/feed_file.c feeds/feed_file.h \
	feeds/feed_dawg.c feeds/feed_dawg.h
module_libtapir_engine_la_CPPFLAGS = $(AM_CPPFLAGS) \
	-DTAPIR_DEFAULT_CONFIG='"$(sysconfdir)/unbound/tapir-pop.conf"'
module_libtapir_engine_la_LIBADD = $(PTHREAD_LIBS)

# The Unbound module itself, built only against a configured Unbound tree.
# Only the six dynlib entry points are exported: the unbound binary exports
# all its own functions (config_read, log_err ...), and any other symbol
# of ours would be at risk of binding to one of those, or theirs to ours.
# -z now: an unresolved symbol fails the dlopen at start, not a query later.
# -z nodelete: Unbound dlclose()s and dlopen()s the module on every reload;
# unloading would also unload libcurl, paho and what they pull in (GnuTLS
# through librtmp and libldap), whose constructors and global state are
# not made to run twice in one process (a reload under ASan hung in
# GnuTLS's constructor).  The module keeps no state in globals, so the
# second init starts as clean as the first.
if WITH_UNBOUND
pkglib_LTLIBRARIES += module/tapir-pop.la
endif
module_tapir_pop_la_SOURCES = module/tapir_pop.c module/tapir_pop.h \
	module/ub_cache.c module/ub_cache.h module/ub_compat.h
module_tapir_pop_la_CPPFLAGS = -I$(top_srcdir) -I$(top_builddir) \
	-I$(UNBOUND_SOURCE) $(UNBOUND_COMPAT_CPPFLAGS)
module_tapir_pop_la_LDFLAGS = $(AM_LDFLAGS) -module -avoid-version -shared \
	-export-symbols-regex '^(init|deinit|operate|inform_super|clear|get_mem)$$' \
	-Wl,-z,now -Wl,-z,nodelete
module_tapir_pop_la_LIBADD = $(TAPIR_ALL_LIBS)

man_MANS = module/tapir-pop.conf.5
dist_man_MANS += module/tapir-pop-control.8
EXTRA_DIST += module/tapir-pop.conf.5.in
CLEANFILES += module/tapir-pop.conf.5
module/tapir-pop.conf.5: $(top_srcdir)/module/tapir-pop.conf.5.in
	$(MKDIR_P) module
	sed -e 's|@sysconfdir[@]|$(sysconfdir)|g' $(top_srcdir)/module/tapir-pop.conf.5.in > $@

# The operator's tool.
sbin_PROGRAMS += tapir-pop-control
tapir_pop_control_SOURCES = module/tapir-pop-control.c
tapir_pop_control_LDADD = $(TAPIR_ALL_LIBS)

# The policy store's own tests.
check_PROGRAMS += tests/unit/test_epoch
TESTS += tests/unit/test_epoch
tests_unit_test_epoch_SOURCES = tests/unit/test_epoch.c
tests_unit_test_epoch_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_epoch_LDADD = module/libtapir_policy.la $(CMOCKA_LIBS) \
	$(PTHREAD_LIBS)
