#!/bin/sh
# tests/fuzz/smoke.sh - the short fuzz run make check does (a few seconds
# per target); the long runs are `tests/fuzz/run.sh --time N`.
exec "$top_srcdir/tests/fuzz/run.sh" --time "${FUZZ_SMOKE_SECONDS:-5}"
