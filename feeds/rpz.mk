# feeds/rpz.mk: the RPZ feed (secondary for one Response Policy Zone).
# Owned by the RPZ feed's author.  Like every convenience library here, it
# LIBADDs external libraries only, never another libtapir_*.la (see
# module/local.mk); programs link $(TAPIR_ALL_LIBS).
noinst_LTLIBRARIES += feeds/libtapir_rpz.la
feeds_libtapir_rpz_la_SOURCES = feeds/feed_rpz.c feeds/feed_rpz.h
feeds_libtapir_rpz_la_LIBADD =
