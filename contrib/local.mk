# contrib/: build and set-up scripts, example configs.
dist_noinst_SCRIPTS += contrib/build-unbound.sh
