#!/bin/sh
# contrib/demo/run-demo.sh BUILDDIR UNBOUND_SBIN - start the demo resolver:
# Unbound with tapir-pop on 127.0.0.1, the example configs and sample lists
# in this directory, upstream data from a local auth-zone (no network).
#
# Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
build=$1
sbin=$2
port=${DEMO_PORT:-8053}
run="$build/demo"
mkdir -p "$run/state"

if [ -f "$run/unbound.pid" ] && kill -0 "$(cat "$run/unbound.pid")" 2>/dev/null; then
	echo "stopping the previous demo resolver"
	kill "$(cat "$run/unbound.pid")"
	sleep 1
fi

cp "$here/deny.txt" "$here/allow.txt" "$run/"
sed -e "s|@RUN@|$run|g" -e "s|@PORT@|$port|g" \
	-e "s|@MODULE@|$build/module/.libs/tapir-pop.so|g" \
	-e "s|@ZONE@|$here/example.zone|g" \
	"$here/unbound.conf.in" > "$run/unbound.conf"
sed -e "s|@RUN@|$run|g" "$here/tapir-pop.conf.in" > "$run/tapir-pop.conf"

TAPIR_POP_CONF="$run/tapir-pop.conf" "$sbin/unbound" -c "$run/unbound.conf"
i=0
until dig +tries=1 +time=1 -p "$port" @127.0.0.1 ns.example >/dev/null 2>&1; do
	i=$((i + 1))
	if [ $i -gt 50 ]; then
		echo "the demo resolver did not start; see $run/unbound.log" >&2
		exit 1
	fi
	sleep 0.2
done

cat <<MSG

The demo resolver runs on 127.0.0.1 port $port (pid $(cat "$run/unbound.pid")).
$(grep 'using configuration' "$run/unbound.log" | tail -n 1)

  dig @127.0.0.1 -p $port listed.example     # on the denylist: NXDOMAIN (aa, SOA tapir-pop.)
  dig @127.0.0.1 -p $port www.example        # not listed: 192.0.2.10 from the demo zone
  dig @127.0.0.1 -p $port x.ads.example      # below a *.ads.example subtree entry: NXDOMAIN
  dig @127.0.0.1 -p $port ok.ads.example     # on the allowlist, which beats the denylist

Edit $run/deny.txt and the change applies within a second.
Control it (tapir-pop-control(8)):
  ctl="$build/tapir-pop-control -c $run/tapir-pop.conf"
  \$ctl deny www.example       # a runtime override, kept in $run/state
  \$ctl lookup www.example     # the decision and why
  \$ctl stats_noreset          # counters
Log: $run/unbound.log
Stop: kill \$(cat $run/unbound.pid)
MSG
