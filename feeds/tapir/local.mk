# feeds/tapir/: DNS TAPIR.  The tag vocabulary, JWS verification and
# signing, observation messages and snapshots, the MQTT v5 connection
# (paho), the observation feed (a source of type mqtt), the HTTPS
# bootstrap (libcurl) and the signed status report document.
noinst_LTLIBRARIES += feeds/tapir/libtapir_tapir.la
FEED_FAMILY_LIBS += feeds/tapir/libtapir_tapir.la
feeds_tapir_libtapir_tapir_la_SOURCES = \
	feeds/tapir/tags.c feeds/tapir/tags.h \
	feeds/tapir/jws.c feeds/tapir/jws.h \
	feeds/tapir/observation.c feeds/tapir/observation.h \
	feeds/tapir/mqtt_topic.c feeds/tapir/mqtt_topic.h \
	feeds/tapir/mqtt_conn.c feeds/tapir/mqtt_conn.h \
	feeds/tapir/certfile.c feeds/tapir/certfile.h \
	feeds/tapir/keyring.c feeds/tapir/keyring.h \
	feeds/tapir/coreconfig.c feeds/tapir/coreconfig.h \
	feeds/tapir/feed_obs.c feeds/tapir/feed_obs.h \
	feeds/tapir/mqtt_type.c feeds/tapir/mqtt_type.h \
	feeds/tapir/bootstrap.c feeds/tapir/bootstrap.h \
	feeds/tapir/status.c feeds/tapir/status.h
feeds_tapir_libtapir_tapir_la_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) \
	$(LIBCRYPTO_CFLAGS) $(LIBCURL_CFLAGS)
feeds_tapir_libtapir_tapir_la_LIBADD = $(PAHO_LIBS) $(LIBCURL_LIBS) \
	$(JANSSON_LIBS) $(LIBCRYPTO_LIBS) $(PTHREAD_LIBS)

TAPIR_TEST_CFLAGS = $(UNIT_CFLAGS) $(JANSSON_CFLAGS) $(LIBCRYPTO_CFLAGS)
TAPIR_LDADD = feeds/tapir/libtapir_tapir.la feeds/libtapir_feeds.la \
	module/policy/libtapir_policy.la \
	module/base/libtapir_base.la $(PAHO_LIBS) $(LIBCURL_LIBS) \
	$(JANSSON_LIBS) $(LIBCRYPTO_LIBS) $(PTHREAD_LIBS)
TAPIR_TESTS = tests/unit/test_jws tests/unit/test_observation \
	tests/unit/test_tags tests/unit/test_status tests/unit/test_feed_obs \
	tests/unit/test_coreconfig tests/unit/test_keyring
check_PROGRAMS += $(TAPIR_TESTS)
TESTS += $(TAPIR_TESTS)
tests_unit_test_jws_SOURCES = tests/unit/test_jws.c
tests_unit_test_jws_CFLAGS = $(TAPIR_TEST_CFLAGS)
tests_unit_test_jws_LDADD = $(TAPIR_LDADD) $(CMOCKA_LIBS)
tests_unit_test_observation_SOURCES = tests/unit/test_observation.c
tests_unit_test_observation_CFLAGS = $(TAPIR_TEST_CFLAGS)
tests_unit_test_observation_LDADD = $(TAPIR_LDADD) $(CMOCKA_LIBS)
tests_unit_test_tags_SOURCES = tests/unit/test_tags.c
tests_unit_test_tags_CFLAGS = $(TAPIR_TEST_CFLAGS)
tests_unit_test_tags_LDADD = $(TAPIR_LDADD) $(CMOCKA_LIBS)
tests_unit_test_status_SOURCES = tests/unit/test_status.c
tests_unit_test_status_CFLAGS = $(TAPIR_TEST_CFLAGS)
tests_unit_test_status_LDADD = $(TAPIR_LDADD) $(CMOCKA_LIBS)
tests_unit_test_feed_obs_SOURCES = tests/unit/test_feed_obs.c
tests_unit_test_feed_obs_CFLAGS = $(TAPIR_TEST_CFLAGS)
tests_unit_test_feed_obs_LDADD = $(TAPIR_LDADD) $(CMOCKA_LIBS)
tests_unit_test_coreconfig_SOURCES = tests/unit/test_coreconfig.c
tests_unit_test_coreconfig_CFLAGS = $(TAPIR_TEST_CFLAGS)
tests_unit_test_coreconfig_LDADD = $(TAPIR_LDADD) $(CMOCKA_LIBS)
tests_unit_test_keyring_SOURCES = tests/unit/test_keyring.c
tests_unit_test_keyring_CFLAGS = $(TAPIR_TEST_CFLAGS)
tests_unit_test_keyring_LDADD = $(TAPIR_LDADD) $(CMOCKA_LIBS)

# Against a real mosquitto broker with TLS client certificates, and the
# bootstrap against a real HTTPS server (nginx); the driver also signs
# the test's snapshots.  test_mqtt_edge: an edge left alone for months
# (Core's configuration, key rotation, certificate renewal, nothing lost
# across a disconnect, two sources on one connection, checkconf).
INTEGRATION_TESTS += tests/integration/test_mqtt.sh \
	tests/integration/test_mqtt_bootstrap.sh \
	tests/integration/test_bootstrap_https.sh \
	tests/integration/test_mqtt_edge.sh
check_PROGRAMS += tests/integration/bootstrap_fetch
tests_integration_bootstrap_fetch_SOURCES = tests/integration/bootstrap_fetch.c
tests_integration_bootstrap_fetch_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) \
	$(LIBCRYPTO_CFLAGS)
tests_integration_bootstrap_fetch_LDADD = $(TAPIR_LDADD)

# Received -> visible latency and applied observations per second; the
# load through a real broker.
noinst_PROGRAMS += tests/bench/bench_obs
tests_bench_bench_obs_SOURCES = tests/bench/bench_obs.c tests/bench/bench.h
tests_bench_bench_obs_CFLAGS = $(AM_CFLAGS) $(LIBCRYPTO_CFLAGS)
tests_bench_bench_obs_LDADD = $(TAPIR_LDADD)
# Publish at the broker to the first NXDOMAIN at the resolver.
noinst_PROGRAMS += tests/bench/bench_publish
tests_bench_bench_publish_SOURCES = tests/bench/bench_publish.c \
	tests/bench/bench.h
tests_bench_bench_publish_LDADD = $(TAPIR_LDADD)
EXTRA_DIST += tests/bench/mqtt-load.sh tests/bench/publish-latency.sh

# DNS TAPIR's signed reference messages (see tests/fixtures/jws/README),
# and the fuzz targets (built and run by tests/fuzz/run.sh) with seeds.
EXTRA_DIST += tests/fixtures/jws tests/fuzz/fuzz_jws.c \
	tests/fuzz/fuzz_observation.c tests/fuzz/corpus/jws \
	tests/fuzz/corpus/observation tests/fuzz/fuzz_coreconfig.c \
	tests/fuzz/corpus/coreconfig
