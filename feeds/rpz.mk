# feeds/rpz.mk: the RPZ feed (secondary for one Response Policy Zone).
# Owned by the RPZ feed's author; the engine links feeds/libtapir_rpz.la.
noinst_LTLIBRARIES += feeds/libtapir_rpz.la
feeds_libtapir_rpz_la_SOURCES = feeds/feed_rpz.h
feeds_libtapir_rpz_la_LIBADD = module/libtapir_core.la
