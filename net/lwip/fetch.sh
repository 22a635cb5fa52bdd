#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# fetch.sh TREE [LWIP_DIR]: makes TREE an lwIP 2.1.3 source tree (TREE/src/core/udp.c) for
# the monitor's build (net/build.mk). lwIP is a dependency, never committed (design section 2):
#   - with LWIP_DIR (./configure --with-lwip=DIR), TREE becomes a symbolic link to it;
#   - else Debian's source package is fetched with `apt-get source lwip` and unpacked. When
#     the machine's APT has no deb-src entries, the script uses a private APT configuration
#     under TREE's parent (deb-src lines for this machine's Debian release, checked against
#     the system's archive keyring), so nothing on the system changes and no root is needed.
# Needs apt-get and dpkg-source (Debian package dpkg-dev). Exits non-zero with the fix.
set -eu

tree=${1:?usage: fetch.sh TREE [LWIP_DIR]}
lwip_dir=${2:-}
version=2.1.3
mkdir -p "$(dirname "$tree")"
parent=$(cd "$(dirname "$tree")" && pwd)

fail() {
	echo "net/lwip/fetch.sh: $*" >&2
	exit 1
}

if [ -n "$lwip_dir" ]; then
	[ -f "$lwip_dir/src/core/udp.c" ] ||
		fail "--with-lwip=$lwip_dir: no lwIP source there (expected $lwip_dir/src/core/udp.c)"
	ln -sfn "$(cd "$lwip_dir" && pwd)" "$tree"
	exit 0
fi
[ -f "$tree/src/core/udp.c" ] && exit 0

command -v apt-get >/dev/null || fail "apt-get not found: on a non-Debian system download
  lwIP $version (https://download.savannah.nongnu.org/releases/lwip/lwip-$version.zip),
  unpack it and run ./configure --with-lwip=DIR"
command -v dpkg-source >/dev/null || fail "dpkg-source not found: apt-get install dpkg-dev"

work="$parent/fetch.$$"
rm -rf "$work"
mkdir -p "$work"
trap 'rm -rf "$work"' EXIT

# apt-get source with the machine's own configuration, if it has deb-src entries.
fetch_system() {
	(cd "$work" && apt-get source -q "lwip" >"$work/apt.log" 2>&1)
}

# A private APT configuration: deb-src for this Debian release, in $parent/apt.
fetch_private() {
	. /etc/os-release
	codename=${VERSION_CODENAME:-}
	[ -n "$codename" ] || return 1
	apt="$parent/apt"
	mkdir -p "$apt/lists/partial"
	echo "deb-src http://deb.debian.org/debian $codename main" >"$apt/sources.list"
	set -- -o "Dir::Etc::SourceList=$apt/sources.list" -o "Dir::Etc::SourceParts=$apt/none" \
		-o "Dir::State::Lists=$apt/lists" -o "Debug::NoLocking=1" -o "APT::Sandbox::User=root"
	apt-get "$@" -q update >"$work/apt.log" 2>&1 &&
		(cd "$work" && apt-get "$@" -q source lwip >>"$work/apt.log" 2>&1)
}

echo "net/lwip/fetch.sh: fetching Debian's lwip source package (apt-get source lwip)"
if ! fetch_system; then
	grep -q "deb-src" "$work/apt.log" || { cat "$work/apt.log" >&2; fail "apt-get source lwip failed"; }
	echo "net/lwip/fetch.sh: APT has no deb-src entries; using a private source list in $parent/apt"
	if ! fetch_private; then
		cat "$work/apt.log" >&2
		fail "could not fetch the lwip source package. Either enable source packages:
  add deb-src to the Types: line of /etc/apt/sources.list.d/debian.sources (or add
  'deb-src http://deb.debian.org/debian $(. /etc/os-release; echo "$VERSION_CODENAME") main'
  to /etc/apt/sources.list), run apt-get update, and make again;
  or unpack lwIP $version yourself and run ./configure --with-lwip=DIR"
	fi
fi

src=$(find "$work" -maxdepth 1 -type d -name "lwip-$version*" | head -1)
if [ -z "$src" ] || [ ! -f "$src/src/core/udp.c" ]; then
	found=$(find "$work" -maxdepth 1 -type d -name 'lwip-*' | head -1)
	fail "the archive's lwip source is not version $version (${found:-nothing unpacked}); Unum is
  ported to $version: get it from https://download.savannah.nongnu.org/releases/lwip/ and run
  ./configure --with-lwip=DIR"
fi
rm -rf "$tree"
mv "$src" "$tree"
echo "net/lwip/fetch.sh: lwIP $version source in $tree"
