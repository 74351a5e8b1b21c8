# feeds/file/: sources read from files the operator keeps: text and CSV
# lists, and DNS TAPIR's DAWG files (the reader is dawg/).
noinst_LTLIBRARIES += feeds/file/libtapir_file.la
FEED_FAMILY_LIBS += feeds/file/libtapir_file.la
feeds_file_libtapir_file_la_SOURCES = \
	feeds/file/listfile.c feeds/file/listfile.h \
	feeds/file/feed_file.c feeds/file/feed_file.h \
	feeds/file/feed_dawg.c feeds/file/feed_dawg.h
feeds_file_libtapir_file_la_LIBADD = $(PTHREAD_LIBS)

check_PROGRAMS += tests/unit/test_listfile
TESTS += tests/unit/test_listfile
tests_unit_test_listfile_SOURCES = tests/unit/test_listfile.c
tests_unit_test_listfile_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_listfile_LDADD = feeds/file/libtapir_file.la \
	feeds/libtapir_feeds.la module/base/libtapir_base.la $(CMOCKA_LIBS)

EXTRA_DIST += tests/fuzz/fuzz_listfile.c
