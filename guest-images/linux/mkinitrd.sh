#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Packs the Linux guest's initramfs: OUT/initrd.img, a gzip'd newc cpio
# archive holding /init (guest-images/linux/init), busybox (OUT/busybox, from
# fetch.sh) with a symbolic link per applet, the statically linked test
# programs given as arguments (in /usr/local/bin), /dev/console and a minimal
# /etc. It writes the archive's manifest to OUT/initrd.manifest and packs it
# with tools/mkcpio, so neither the cpio package nor root is needed.
#
# It also carries the few kernel modules a network and a disk need (virtio-net
# and virtio-blk over virtio-pci, and ext4: the Debian kernel builds them as
# modules), taken from the kernel .deb fetch.sh cached
# (OUT/debs/linux-image-RELEASE_*.deb, RELEASE from OUT/kernel-release) into
# OUT/modules/, with two lists in the order /init loads them:
# OUT/modules/order when the command line has unum.ip=, and
# OUT/modules/disk.order when the machine has a virtio disk
# (doc/guest-linux.md). Without that .deb the image is built without them.
#
# And an SSH server: the build host's dropbear (Debian's dropbear-bin, the
# same Debian release as the guest's kernel) with the shared libraries ldd
# names, which /init starts when the launcher added an authorized key
# (/root/.ssh/authorized_keys, in a second archive: tools/unum-cluster
# --guest-net). Without dropbear on the build host the image has no SSH.
#
# Usage: mkinitrd.sh OUT PROGRAM...

set -eu

die() {
	echo "mkinitrd.sh: $*" >&2
	exit 1
}

[ $# -ge 1 ] || die "usage: mkinitrd.sh OUT PROGRAM..."
out=$1
shift
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
etc=$out/etc
[ -x "$out/busybox" ] || die "$out/busybox is missing (run guest-images/linux/fetch.sh busybox $out)"

mkdir -p "$etc"
echo 'root:x:0:0:root:/root:/bin/sh' >"$etc/passwd"
echo 'root:x:0:' >"$etc/group"
echo 'unum-guest' >"$etc/hostname"
cat >"$etc/profile" <<'EOF'
export PATH=/usr/local/bin:/bin:/sbin:/usr/bin:/usr/sbin
export PS1='unum-guest:$PWD# '
EOF

# The applet list comes from the busybox that goes into the archive, so it
# always matches. It is a static x86-64 program and runs on the build host.
applets=$("$out/busybox" --list-full) || die "$out/busybox --list-full failed"

# Modules for unum.ip=, dependencies first: each one's depends= (its .modinfo)
# must name only modules listed before it, so a future kernel that splits a
# driver differently fails here, naming the module, rather than in the guest.
VIRTIO_MODULES="kernel/drivers/virtio/virtio_ring kernel/drivers/virtio/virtio
kernel/drivers/virtio/virtio_pci_modern_dev kernel/drivers/virtio/virtio_pci_legacy_dev
kernel/drivers/virtio/virtio_pci"
NET_MODULES="$VIRTIO_MODULES kernel/net/core/failover kernel/drivers/net/net_failover
kernel/drivers/net/virtio_net"
DISK_MODULES="$VIRTIO_MODULES kernel/drivers/block/virtio_blk kernel/lib/crc16
kernel/fs/mbcache kernel/fs/jbd2/jbd2 kernel/crypto/crc32c_generic kernel/fs/ext4/ext4"

# module_depends KO: the modules KO's .modinfo says it needs, one per line.
module_depends() {
	tr '\0' '\n' <"$1" | sed -n 's/^depends=//p' | tr ',' '\n' | sed '/^$/d'
}

# net_modules: fills $out/modules from the kernel .deb (once per .deb);
# returns 1, with a warning, if there is no .deb to take them from.
net_modules() {
	release=$(cat "$out/kernel-release" 2>/dev/null) || release=
	# shellcheck disable=SC2012 # .deb names have no spaces
	deb=$(ls "$out/debs/linux-image-${release}_"*.deb 2>/dev/null | sort -V | tail -n 1)
	if [ -z "$release" ] || [ -z "$deb" ]; then
		echo "mkinitrd.sh: warning: no cached kernel .deb for '${release:-?}' in $out/debs:" \
			"the image has no network or disk modules (unum.ip= and the disk will not work)" >&2
		return 1
	fi
	mods=$out/modules
	stamp="$(basename "$deb") $(echo "$NET_MODULES $DISK_MODULES" | cksum)"
	[ "$(cat "$mods/source" 2>/dev/null)" = "$stamp" ] && return 0
	rm -rf "$mods" "$out/.modules"
	mkdir -p "$out/.modules" "$mods"
	globs=
	# (each once: tar says "not found" of a pattern a file already matched)
	for m in $(printf '%s\n' $NET_MODULES $DISK_MODULES | sort -u); do
		globs="$globs ./lib/modules/$release/$m.ko*"
	done
	# shellcheck disable=SC2086 # one pattern per module
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$out/.modules" --wildcards $globs ||
		die "$deb: cannot extract the network and disk modules"
	module_list order NET_MODULES "$NET_MODULES"
	module_list disk.order DISK_MODULES "$DISK_MODULES"
	rm -rf "$out/.modules"
	echo "$stamp" >"$mods/source"
}

# module_list FILE NAME LIST: moves LIST's modules from $out/.modules into
# $mods (once each) and writes their load order to $mods/FILE.
module_list() {
	: >"$mods/$1"
	for m in $3; do
		name=$(basename "$m")
		ko=$out/.modules/lib/modules/$release/$m.ko
		# Debian may compress modules; busybox insmod takes them plain.
		[ -f "$ko.xz" ] && xz -d "$ko.xz"
		[ -f "$ko" ] && mv "$ko" "$mods/$name.ko"
		[ -f "$mods/$name.ko" ] || die "$deb: no $m.ko (.ko.xz)"
		for dep in $(module_depends "$mods/$name.ko"); do
			grep -qx "$dep.ko" "$mods/$1" ||
				die "$name needs $dep, which $2 does not load before it"
		done
		echo "$name.ko" >>"$mods/$1"
	done
}

modules=no
net_modules && modules=yes

# dropbear and what it links: "lib.so => /path (addr)" and the loader's path.
dropbear=$(command -v dropbear 2>/dev/null) || dropbear=
if [ -n "$dropbear" ]; then
	# (a static dropbear names none: ldd fails for it, which is fine)
	ldd_out=$(ldd "$dropbear" 2>/dev/null) || ldd_out=
	dropbear_libs=$(echo "$ldd_out" |
		sed -n 's/.*=> \(\/[^ ]*\) .*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) .*/\1/p' | sort -u)
	if [ -z "$dropbear_libs" ] && echo "$ldd_out" | grep -q '=>'; then
		die "ldd $dropbear named libraries this script could not read: $ldd_out"
	fi
else
	echo "mkinitrd.sh: warning: no dropbear on this host (apt-get install dropbear-bin):" \
		"the image has no SSH server" >&2
fi

manifest=$out/initrd.manifest
{
	echo "# Generated by guest-images/linux/mkinitrd.sh; packed by tools/mkcpio."
	for d in /bin /sbin /usr /usr/bin /usr/sbin /usr/local /usr/local/bin /etc /proc \
		/sys /dev /run /mnt; do
		echo "dir $d 0755 0 0"
	done
	echo "dir /root 0700 0 0"
	echo "dir /tmp 1777 0 0"
	# The kernel opens /dev/console for init before init can mount devtmpfs.
	echo "nod /dev/console 0600 0 0 c 5 1"
	echo "file /init $here/init 0755 0 0"
	echo "file /bin/busybox $out/busybox 0755 0 0"
	for f in passwd group hostname profile; do
		echo "file /etc/$f $etc/$f 0644 0 0"
	done
	for a in $applets; do
		case $a in
		*/*) [ "$a" = bin/busybox ] || echo "slink /$a /bin/busybox 0777 0 0" ;;
		esac
	done
	for p in "$@"; do
		echo "file /usr/local/bin/$(basename "$p") $p 0755 0 0"
	done
	echo "dir /lib 0755 0 0"
	if [ -n "$dropbear" ]; then
		echo "dir /etc/dropbear 0700 0 0"
		echo "file /usr/sbin/dropbear $dropbear 0755 0 0"
		# every directory the libraries' paths need, parents first (once each)
		for l in $dropbear_libs; do
			d=$(dirname "$l")
			while [ "$d" != / ]; do
				echo "$d"
				d=$(dirname "$d")
			done
		done | sort -u | grep -vxE '/lib|/usr|/usr/local|/bin|/sbin|/usr/bin|/usr/sbin' |
			while read -r d; do echo "dir $d 0755 0 0"; done
		for l in $dropbear_libs; do
			echo "file $l $(readlink -f "$l") 0755 0 0"
		done
	fi
	if [ $modules = yes ]; then
		echo "dir /lib/modules 0755 0 0"
		echo "file /lib/modules/order $out/modules/order 0644 0 0"
		echo "file /lib/modules/disk.order $out/modules/disk.order 0644 0 0"
		sort -u "$out/modules/order" "$out/modules/disk.order" | while read -r ko; do
			echo "file /lib/modules/$ko $out/modules/$ko 0644 0 0"
		done
	fi
} >"$manifest"

"$top/tools/mkcpio" --gzip "$manifest" "$out/initrd.img"
echo "mkinitrd.sh: $out/initrd.img ($(wc -c <"$out/initrd.img") bytes," \
	"$(grep -c '^[a-z]' "$manifest") entries)"
