#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Fetches the two binary parts of the Linux guest from Debian's archive and
# extracts them; nothing is installed on the host and nothing fetched is ever
# committed. `fetch.sh kernel OUT` gives OUT/bzImage (the Debian kernel's
# /boot/vmlinuz-*) plus OUT/kernel-config, OUT/kernel-release and
# OUT/kernel-package; `fetch.sh busybox OUT` gives OUT/busybox (from
# busybox-static). The .debs are cached in OUT/debs/ and never downloaded
# again while they are there: a cached kernel .deb wins over a newer one in
# the archive, so benchmarks keep booting the same kernel. To change kernel,
# remove OUT/debs/linux-image-*.deb or name the package in GUEST_KERNEL_PKG
# (e.g. GUEST_KERNEL_PKG=linux-image-6.1.0-56-amd64).
#
# The guest ships no kernel modules: the kernel configuration is checked for
# every option the guest needs built in (=y), and the build fails naming the
# option if a future Debian kernel turns one into a module.

set -eu

# Built-in options the guest relies on: serial console, initramfs (gzip),
# devtmpfs, ACPI power-off, SMP, x2APIC and the KVM paravirtual interfaces the
# monitor speaks (design section 4).
NEEDED_CONFIG="SERIAL_8250 SERIAL_8250_CONSOLE BLK_DEV_INITRD RD_GZIP DEVTMPFS PROC_FS
SYSFS TMPFS ACPI ACPI_SLEEP SMP X86_X2APIC X86_LOCAL_APIC X86_IO_APIC BINFMT_ELF
BINFMT_SCRIPT UNIX98_PTYS FUTEX HYPERVISOR_GUEST PARAVIRT PARAVIRT_SPINLOCKS PARAVIRT_CLOCK
KVM_GUEST NUMA ACPI_NUMA PRINTK"

die() {
	echo "fetch.sh: $*" >&2
	exit 1
}

# cached_deb DIR PATTERN: the newest cached .deb matching PATTERN, or nothing.
cached_deb() {
	# shellcheck disable=SC2012,SC2086 # PATTERN must glob; .deb names have no spaces
	ls "$1"/$2 2>/dev/null | sort -V | tail -n 1
}

# download DIR PKG: fetches PKG's .deb into DIR with apt-get (hash-checked
# against the signed archive index); prints its path.
download() {
	dir=$1 pkg=$2
	tmp=$(mktemp -d "$dir/.download.XXXXXX")
	# As root, apt drops to the _apt user, which cannot write into build/.
	opt=
	[ "$(id -u)" = 0 ] && opt="-o APT::Sandbox::User=root"
	# shellcheck disable=SC2086
	if ! (cd "$tmp" && apt-get download -q $opt "$pkg") >&2; then
		rm -rf "$tmp"
		die "cannot download Debian package $pkg. Fix the network or the apt sources, \
run 'apt-get update' (as root), then retry, or fetch it by hand: \
(cd $dir && apt-get download $pkg)"
	fi
	mv "$tmp"/*.deb "$dir"/
	rm -rf "$tmp"
	cached_deb "$dir" "${pkg}_*.deb"
}

# kernel_package: the linux-image-VERSION-amd64 package that the
# linux-image-amd64 metapackage currently depends on.
kernel_package() {
	pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-amd64\)$/\1/p' | head -n 1)
	[ -n "$pkg" ] || die "apt-cache does not know linux-image-amd64; run 'apt-get update' \
(as root) and retry, or set GUEST_KERNEL_PKG=linux-image-VERSION-amd64"
	echo "$pkg"
}

# check_config FILE: every option in NEEDED_CONFIG is built in.
check_config() {
	for opt in $NEEDED_CONFIG; do
		grep -q "^CONFIG_$opt=y\$" "$1" ||
			die "$1: CONFIG_$opt is not built in (=y); the guest ships no modules"
	done
}

fetch_kernel() {
	out=$1 debs=$1/debs
	if [ -n "${GUEST_KERNEL_PKG:-}" ]; then
		deb=$(cached_deb "$debs" "${GUEST_KERNEL_PKG}_*.deb")
		[ -n "$deb" ] || deb=$(download "$debs" "$GUEST_KERNEL_PKG")
	else
		deb=$(cached_deb "$debs" 'linux-image-[0-9]*-amd64_*.deb')
		[ -n "$deb" ] || deb=$(download "$debs" "$(kernel_package)")
	fi
	tmp=$(mktemp -d "$out/.kernel.XXXXXX")
	# Only /boot is needed: the modules (~4000 files) stay in the .deb.
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" --wildcards './boot/vmlinuz-*' './boot/config-*' ||
		die "$deb: cannot extract /boot/vmlinuz-* and /boot/config-*"
	release=$(basename "$tmp"/boot/vmlinuz-*)
	release=${release#vmlinuz-}
	[ "$(od -An -c -j 514 -N 4 "$tmp/boot/vmlinuz-$release" | tr -d ' ')" = HdrS ] ||
		die "$deb: /boot/vmlinuz-$release is not a bzImage (no HdrS at 0x202)"
	check_config "$tmp/boot/config-$release"
	mv "$tmp/boot/config-$release" "$out/kernel-config"
	echo "$release" >"$out/kernel-release"
	printf '%s %s\n' "$(dpkg-deb -f "$deb" Package)" "$(dpkg-deb -f "$deb" Version)" \
		>"$out/kernel-package"
	mv "$tmp/boot/vmlinuz-$release" "$out/bzImage"
	touch "$out/bzImage" # tar kept the package's date; make needs the build's
	rm -rf "$tmp"
	echo "fetch.sh: bzImage is Linux $release ($(cat "$out/kernel-package"))"
}

fetch_busybox() {
	out=$1 debs=$1/debs
	deb=$(cached_deb "$debs" 'busybox-static_*.deb')
	[ -n "$deb" ] || deb=$(download "$debs" busybox-static)
	tmp=$(mktemp -d "$out/.busybox.XXXXXX")
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" ./bin/busybox ||
		die "$deb: cannot extract /bin/busybox"
	[ "$(od -An -c -N 4 "$tmp/bin/busybox" | tr -d ' ')" = 177ELF ] ||
		die "$deb: /bin/busybox is not an ELF program"
	mv "$tmp/bin/busybox" "$out/busybox"
	touch "$out/busybox"
	rm -rf "$tmp"
	echo "fetch.sh: busybox from $(dpkg-deb -f "$deb" Package) $(dpkg-deb -f "$deb" Version)"
}

[ $# -eq 2 ] || die "usage: fetch.sh kernel|busybox OUTDIR"
if ! command -v apt-get >/dev/null || ! command -v dpkg-deb >/dev/null; then
	die "needs apt-get and dpkg-deb (a Debian host)"
fi
mkdir -p "$2/debs"
case $1 in
kernel) fetch_kernel "$2" ;;
busybox) fetch_busybox "$2" ;;
*) die "usage: fetch.sh kernel|busybox OUTDIR" ;;
esac
