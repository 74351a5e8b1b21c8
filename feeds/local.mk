# feeds/: where sources get their data.  One folder per family of feed
# types (file/, rpz/, tapir/); each includes only module/base,
# module/policy and dawg/, never the runtime above it or another family.
include feeds/file/local.mk
include feeds/rpz/local.mk
include feeds/tapir/local.mk
