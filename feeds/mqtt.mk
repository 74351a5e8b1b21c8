# feeds/mqtt.mk: the DNS TAPIR observation feed: the MQTT transport and
# the feed that verifies, parses and applies what it receives.
noinst_LTLIBRARIES += feeds/libtapir_mqtt.la
feeds_libtapir_mqtt_la_SOURCES = feeds/mqtt.c feeds/mqtt.h \
	feeds/feed_obs.c feeds/feed_obs.h
feeds_libtapir_mqtt_la_CFLAGS = $(AM_CFLAGS) $(LIBCRYPTO_CFLAGS)
feeds_libtapir_mqtt_la_LIBADD = $(PAHO_LIBS)

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
