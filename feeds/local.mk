# feeds/: feed parsers and threads.

# The DNS TAPIR observation feed's pure parts: JWS verification and
# signing, observation messages and snapshots, the tag vocabulary.  No
# I/O beyond reading a key file, no threads.  Like every convenience
# library it LIBADDs external libraries only (see module/local.mk):
# programs link it before module/libtapir_core.la, whose names.c it uses.
noinst_LTLIBRARIES += feeds/libtapir_feeds.la
feeds_libtapir_feeds_la_SOURCES = \
	feeds/jws.c feeds/jws.h \
	feeds/observation.c feeds/observation.h \
	feeds/tags.c feeds/tags.h
feeds_libtapir_feeds_la_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) \
	$(LIBCRYPTO_CFLAGS)
feeds_libtapir_feeds_la_LIBADD = $(JANSSON_LIBS) $(LIBCRYPTO_LIBS)

FEEDS_TEST_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(JANSSON_CFLAGS) \
	$(LIBCRYPTO_CFLAGS)
FEEDS_TEST_LDADD = feeds/libtapir_feeds.la module/libtapir_core.la \
	$(CMOCKA_LIBS) $(JANSSON_LIBS) $(LIBCRYPTO_LIBS)

check_PROGRAMS += tests/unit/test_jws tests/unit/test_observation \
	tests/unit/test_tags
tests_unit_test_jws_SOURCES = tests/unit/test_jws.c
tests_unit_test_jws_CFLAGS = $(FEEDS_TEST_CFLAGS)
tests_unit_test_jws_LDADD = $(FEEDS_TEST_LDADD)
tests_unit_test_observation_SOURCES = tests/unit/test_observation.c
tests_unit_test_observation_CFLAGS = $(FEEDS_TEST_CFLAGS)
tests_unit_test_observation_LDADD = $(FEEDS_TEST_LDADD)
tests_unit_test_tags_SOURCES = tests/unit/test_tags.c
tests_unit_test_tags_CFLAGS = $(FEEDS_TEST_CFLAGS)
tests_unit_test_tags_LDADD = $(FEEDS_TEST_LDADD)
TESTS += tests/unit/test_jws tests/unit/test_observation tests/unit/test_tags

# DNS TAPIR's signed reference messages (see tests/fixtures/jws/README).
EXTRA_DIST += \
	tests/fixtures/jws/ALT_compact.ed25519.jws.txt \
	tests/fixtures/jws/ALT_general_serialization.ed25519.jws.json \
	tests/fixtures/jws/NEG_alg_mismatch.jws.json \
	tests/fixtures/jws/NEG_no_kid.jws.json \
	tests/fixtures/jws/NEG_tampered_payload.ed25519.jws.json \
	tests/fixtures/jws/NEG_unknown_kid.jws.json \
	tests/fixtures/jws/README \
	tests/fixtures/jws/obs_globally_new.ed25519.jws.json \
	tests/fixtures/jws/obs_globally_new.es256.jws.json \
	tests/fixtures/jws/obs_globally_new.payload.json \
	tests/fixtures/jws/obs_looptest.ed25519.jws.json \
	tests/fixtures/jws/obs_looptest.es256.jws.json \
	tests/fixtures/jws/obs_looptest.payload.json \
	tests/fixtures/jws/obs_multi_flag.ed25519.jws.json \
	tests/fixtures/jws/obs_multi_flag.es256.jws.json \
	tests/fixtures/jws/obs_multi_flag.payload.json \
	tests/fixtures/jws/obs_removed_handcrafted.ed25519.jws.json \
	tests/fixtures/jws/obs_removed_handcrafted.es256.jws.json \
	tests/fixtures/jws/obs_removed_handcrafted.payload.json \
	tests/fixtures/jws/trusted_jwks.json

# Fuzz targets (built and run by tests/fuzz/run.sh) and their seeds.
EXTRA_DIST += tests/fuzz/fuzz_jws.c tests/fuzz/fuzz_observation.c \
	tests/fuzz/corpus/jws tests/fuzz/corpus/observation
