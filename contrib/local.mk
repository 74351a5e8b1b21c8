# contrib/: build and set-up scripts, example configs.
dist_noinst_SCRIPTS += contrib/build-unbound.sh
dist_noinst_SCRIPTS += contrib/setup.sh contrib/demo/run-demo.sh
EXTRA_DIST += contrib/demo/unbound.conf.in contrib/demo/tapir-pop.conf.in \
	contrib/demo/deny.txt contrib/demo/allow.txt contrib/demo/example.zone
EXTRA_DIST += contrib/examples/local-lists.conf \
	contrib/examples/unbound.conf.snippet \
	contrib/examples/tapir-pop.service.conf
