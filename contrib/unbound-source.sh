# contrib/unbound-source.sh - Debian's unbound source package, for
# build-unbound.sh (Unbound built into a prefix) and build-packages.sh
# (Unbound rebuilt as Debian packages).  Sourced, not run.
#
# Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
#
# Defines:
#   ubsrc_add_deb_src      add a deb-src entry for Debian 12 if apt has none
#                          (a fresh machine has binary sources only)
#   ubsrc_version          print the newest unbound source version apt knows
#   ubsrc_fetch VER DIR    apt-get source unbound=VER, unpacked as DIR/src
# Each reports through the caller's log() and returns non-zero on failure.

ubsrc_add_deb_src() {
	ubsrc_list=/etc/apt/sources.list.d/tapir-pop-deb-src.sources
	if grep -rqs '^Types:.*deb-src' /etc/apt/sources.list.d/ ||
	   grep -qs '^deb-src' /etc/apt/sources.list; then
		return 0
	fi
	log "adding deb-src entry $ubsrc_list"
	cat > "$ubsrc_list" <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
	apt-get update -qq
}

ubsrc_version() {
	ubsrc_v=$(apt-cache showsrc unbound 2>/dev/null |
		sed -n 's/^Version: //p' | sort -V | tail -n 1)
	if [ -z "$ubsrc_v" ]; then
		log "apt-cache showsrc unbound found no source package"
		return 1
	fi
	printf '%s\n' "$ubsrc_v"
}

ubsrc_fetch() {
	mkdir -p "$2/download"
	if ! (cd "$2/download" && apt-get source -qq "unbound=$1" >/dev/null 2>&1); then
		log "apt-get source unbound=$1 failed"
		return 1
	fi
	ubsrc_dir=$(find "$2/download" -maxdepth 1 -type d -name 'unbound-*' | head -n 1)
	mv "$ubsrc_dir" "$2/src" && rm -rf "$2/download"
}
