# contrib/: build and set-up scripts, example configs.
dist_noinst_SCRIPTS += contrib/build-unbound.sh contrib/build-packages.sh
EXTRA_DIST += contrib/unbound-source.sh
# Debian packaging of tapir-pop (copied to debian/ by build-packages.sh).
EXTRA_DIST += contrib/debian/control contrib/debian/copyright \
	contrib/debian/rules contrib/debian/source/format \
	contrib/debian/tapir-pop.docs contrib/debian/tapir-pop.postinst \
	contrib/debian/tapir-pop.postrm \
	contrib/debian/fs/etc/apparmor.d/local/tapir-pop \
	contrib/debian/fs/etc/unbound/tapir-pop.conf \
	contrib/debian/fs/etc/unbound/tapir-pop/allow.txt \
	contrib/debian/fs/etc/unbound/tapir-pop/deny.txt \
	contrib/debian/fs/etc/unbound/unbound.conf.d/tapir-pop.conf \
	contrib/debian/fs/lib/systemd/system/unbound.service.d/tapir-pop.conf \
	contrib/debian/fs/usr/share/tapir-pop/unbound.conf.d/tapir-pop.conf
dist_noinst_SCRIPTS += contrib/setup.sh contrib/demo/run-demo.sh
EXTRA_DIST += contrib/demo/unbound.conf.in contrib/demo/tapir-pop.conf.in \
	contrib/demo/deny.txt contrib/demo/allow.txt contrib/demo/example.zone

# Example configurations for operators, installed as documentation;
# tests/integration/test_control_ops.sh checks that each *.conf parses,
# test_ops.sh that the Grafana dashboard is JSON and its queries PromQL.
examplesdir = $(docdir)/examples
dist_examples_DATA = contrib/examples/edge-dnstapir.conf \
	contrib/examples/rpz-only.conf \
	contrib/examples/local-lists.conf \
	contrib/examples/one-pop-many-resolvers.conf \
	contrib/examples/unbound.conf.snippet \
	contrib/examples/grafana-dashboard.json
examplessystemddir = $(examplesdir)/unbound.service.d
dist_examplessystemd_DATA = contrib/examples/unbound.service.d/tapir-pop.conf
