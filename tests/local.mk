# tests/: unit tests (cmocka, TAP output), integration tests against real
# servers, benchmarks and fuzzers.
