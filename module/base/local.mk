# module/base/: what every layer above uses: canonical names and name
# sets, logging, threads, reading files safely, writing state files, a
# fork-join pool.  No policy, no feeds, no Unbound.
#
# Convenience libraries never embed one another (the module links them
# whole, and an embedded copy would be linked twice); they LIBADD
# external libraries only, and a program lists what it needs, dependents
# first, as TAPIR_ALL_LIBS does for everything.
noinst_LTLIBRARIES += module/base/libtapir_base.la
module_base_libtapir_base_la_SOURCES = \
	module/base/names.c module/base/names.h \
	module/base/csv.c module/base/csv.h \
	module/base/nameset.c module/base/nameset.h \
	module/base/log.c module/base/log.h \
	module/base/netaddr.c module/base/netaddr.h \
	module/base/thread.c module/base/thread.h \
	module/base/fileio.c module/base/fileio.h \
	module/base/statefile.c module/base/statefile.h \
	module/base/workpool.c module/base/workpool.h
module_base_libtapir_base_la_LIBADD = $(PTHREAD_LIBS)

BASE_TEST_LDADD = module/base/libtapir_base.la $(CMOCKA_LIBS) $(PTHREAD_LIBS)
BASE_TESTS = tests/unit/test_names tests/unit/test_nameset tests/unit/test_csv \
	tests/unit/test_fileio tests/unit/test_statefile tests/unit/test_thread \
	tests/unit/test_workpool
check_PROGRAMS += $(BASE_TESTS)
TESTS += $(BASE_TESTS)
tests_unit_test_names_SOURCES = tests/unit/test_names.c
tests_unit_test_names_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_names_LDADD = $(BASE_TEST_LDADD)
tests_unit_test_csv_SOURCES = tests/unit/test_csv.c
tests_unit_test_csv_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_csv_LDADD = $(BASE_TEST_LDADD)
tests_unit_test_nameset_SOURCES = tests/unit/test_nameset.c
tests_unit_test_nameset_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_nameset_LDADD = $(BASE_TEST_LDADD)
tests_unit_test_fileio_SOURCES = tests/unit/test_fileio.c
tests_unit_test_fileio_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_fileio_LDADD = $(BASE_TEST_LDADD)
tests_unit_test_statefile_SOURCES = tests/unit/test_statefile.c
tests_unit_test_statefile_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_statefile_LDADD = $(BASE_TEST_LDADD)
tests_unit_test_thread_SOURCES = tests/unit/test_thread.c
tests_unit_test_thread_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_thread_LDADD = $(BASE_TEST_LDADD)
tests_unit_test_workpool_SOURCES = tests/unit/test_workpool.c
tests_unit_test_workpool_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_workpool_LDADD = $(BASE_TEST_LDADD)
