# module/unbound/: the Unbound adapter, the only code that includes
# Unbound's headers; built only against a configured Unbound tree.
#
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
module_tapir_pop_la_SOURCES = \
	module/unbound/tapir_pop.c module/unbound/tapir_pop.h \
	module/unbound/ub_cache.c module/unbound/ub_cache.h \
	module/unbound/ub_compat.h
module_tapir_pop_la_CPPFLAGS = -I$(top_srcdir) -I$(top_builddir) \
	-I$(UNBOUND_SOURCE) $(UNBOUND_COMPAT_CPPFLAGS)
module_tapir_pop_la_LDFLAGS = $(AM_LDFLAGS) -module -avoid-version -shared \
	-export-symbols-regex '^(init|deinit|operate|inform_super|clear|get_mem)$$' \
	-Wl,-z,now -Wl,-z,nodelete
module_tapir_pop_la_LIBADD = $(TAPIR_ALL_LIBS)
