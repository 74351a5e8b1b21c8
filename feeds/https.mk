# feeds/https.mk: HTTPS for the DNS TAPIR feed: the snapshot bootstrap and
# the signed status reports (libcurl, OpenSSL).
#
# Like every convenience library it LIBADDs external libraries only:
# programs link it before feeds/libtapir_feeds.la (JWS, observations)
# and module/libtapir_core.la.
noinst_LTLIBRARIES += feeds/libtapir_https.la
feeds_libtapir_https_la_SOURCES = \
	feeds/bootstrap.c feeds/bootstrap.h \
	feeds/status.c feeds/status.h
feeds_libtapir_https_la_CFLAGS = $(AM_CFLAGS) $(LIBCURL_CFLAGS) \
	$(JANSSON_CFLAGS) $(LIBCRYPTO_CFLAGS)
feeds_libtapir_https_la_LIBADD = $(LIBCURL_LIBS) $(JANSSON_LIBS) \
	$(LIBCRYPTO_LIBS) $(PTHREAD_LIBS)

HTTPS_TEST_LDADD = feeds/libtapir_https.la feeds/libtapir_feeds.la \
	module/libtapir_core.la $(LIBCURL_LIBS) $(JANSSON_LIBS) \
	$(LIBCRYPTO_LIBS) $(PTHREAD_LIBS)

check_PROGRAMS += tests/unit/test_status
tests_unit_test_status_SOURCES = tests/unit/test_status.c
tests_unit_test_status_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) \
	$(JANSSON_CFLAGS) $(LIBCRYPTO_CFLAGS)
tests_unit_test_status_LDADD = $(HTTPS_TEST_LDADD) $(CMOCKA_LIBS)
TESTS += tests/unit/test_status

# The bootstrap against a real HTTPS server (nginx); the driver also
# signs the test's snapshots.
check_PROGRAMS += tests/integration/bootstrap_fetch
tests_integration_bootstrap_fetch_SOURCES = \
	tests/integration/bootstrap_fetch.c
tests_integration_bootstrap_fetch_CFLAGS = $(AM_CFLAGS) \
	$(JANSSON_CFLAGS) $(LIBCRYPTO_CFLAGS)
tests_integration_bootstrap_fetch_LDADD = $(HTTPS_TEST_LDADD)
TESTS += tests/integration/test_bootstrap_https.sh
EXTRA_DIST += tests/integration/test_bootstrap_https.sh
