# feeds/: where sources get their data.  feed.h is what a feed type is to
# the rest of the module; one folder per family of feed types (file/,
# rpz/, tapir/), each including only feeds/feed.h, module/base,
# module/policy and dawg/, never the runtime above it or another family.
noinst_LTLIBRARIES += feeds/libtapir_feeds.la
feeds_libtapir_feeds_la_SOURCES = feeds/feed.c feeds/feed.h \
	feeds/https.c feeds/https.h
feeds_libtapir_feeds_la_CFLAGS = $(AM_CFLAGS) $(LIBCURL_CFLAGS)
feeds_libtapir_feeds_la_LIBADD = $(LIBCURL_LIBS) $(PTHREAD_LIBS)

include feeds/file/local.mk
include feeds/rpz/local.mk
include feeds/tapir/local.mk
