# module/: the layers of the module, bottom up.  A layer includes only the
# layers below it (tests/layers.sh checks): base/ (names, logging,
# threads, files), policy/ (the store), then dawg/ and feeds/ (included
# from the top Makefile.am), output/ (the policy served by zone transfer,
# at the feed families' rank), runtime/ (configuration, engine, control) and
# unbound/ (the adapter, the only code with Unbound's headers).
include module/base/local.mk
include module/policy/local.mk
include module/output/local.mk
include module/runtime/local.mk
include module/unbound/local.mk
