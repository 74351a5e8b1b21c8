# feeds/mqtt.mk: the DNS TAPIR observation feed: the MQTT transport and
# the feed that verifies, parses and applies what it receives.
noinst_LTLIBRARIES += feeds/libtapir_mqtt.la
feeds_libtapir_mqtt_la_SOURCES = feeds/mqtt.c feeds/mqtt.h \
	feeds/feed_obs.c feeds/feed_obs.h
feeds_libtapir_mqtt_la_CFLAGS = $(AM_CFLAGS) $(LIBCRYPTO_CFLAGS)
feeds_libtapir_mqtt_la_LIBADD = $(PAHO_LIBS)

# The feed without a broker: lapsed names, saved state kept aside.
check_PROGRAMS += tests/unit/test_feed_obs
TESTS += tests/unit/test_feed_obs
tests_unit_test_feed_obs_SOURCES = tests/unit/test_feed_obs.c
tests_unit_test_feed_obs_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_feed_obs_LDADD = $(TAPIR_ALL_LIBS) $(CMOCKA_LIBS)

# Against a real mosquitto broker with TLS client certificates.
TESTS += tests/integration/test_mqtt.sh
EXTRA_DIST += tests/integration/test_mqtt.sh

# Received -> visible latency and applied observations per second.
noinst_PROGRAMS += tests/bench/bench_obs
tests_bench_bench_obs_SOURCES = tests/bench/bench_obs.c tests/bench/bench.h
tests_bench_bench_obs_CFLAGS = $(AM_CFLAGS) $(LIBCRYPTO_CFLAGS)
tests_bench_bench_obs_LDADD = feeds/libtapir_mqtt.la feeds/libtapir_https.la \
	feeds/libtapir_feeds.la module/libtapir_policy.la \
	module/libtapir_core.la $(PAHO_LIBS) $(LIBCURL_LIBS) \
	$(JANSSON_LIBS) $(LIBCRYPTO_LIBS) $(PTHREAD_LIBS)
TESTS += tests/integration/test_mqtt_bootstrap.sh
EXTRA_DIST += tests/integration/test_mqtt_bootstrap.sh
EXTRA_DIST += tests/bench/mqtt-load.sh
