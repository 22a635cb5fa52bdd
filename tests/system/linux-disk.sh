#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The guest's disk: an ext4 image made here (mke2fs -d) given with --disk, served
# by node 0 as a virtio-blk device (virtio 1.x over PCI, MSI-X) to one Linux
# guest across 2 nodes. The guest mounts it, reads a file the image was made
# with and checks a 1 MiB file's digest; a vCPU on node 1 writes a new file
# and syncs (its requests' buffers reach node 0 through the coherence
# protocol, its completion interrupt comes back over the network); after an
# unmount and a dropped page cache, vCPU 0 reads it back through the disk.
# Node 0 says what the disk did, with no failed request, and the image file
# itself is never written (the overlay is in node 0's memory).
. "$(dirname "$0")/lib.sh"

if [ ! -f build/guest/linux/bzImage ]; then
	echo "FAIL: $NAME (no Linux guest image: run make guest-linux)"
	exit 0
fi
if ! command -v mke2fs >/dev/null; then
	echo "FAIL: $NAME (mke2fs not found: apt-get install e2fsprogs, or ./configure --install-deps)"
	exit 0
fi

root=$LOGS/root
rm -rf "$root"
mkdir -p "$root"
echo "made by linux-disk.sh" >"$root/hello.txt"
head -c 1048576 /dev/urandom >"$root/data"
(cd "$root" && md5sum data >data.md5)
image=$LOGS/disk.img
rm -f "$image"
mke2fs -q -t ext4 -d "$root" -L unum "$image" 32M >/dev/null
sum_before=$(md5sum <"$image")

TIMEOUT=900 cluster --nodes 2 --guest linux --disk "$image" --exec "mount /dev/vda /mnt && cat /mnt/hello.txt && cd /mnt && md5sum -c data.md5 && taskset 2 sh -c 'head -c 300000 /dev/urandom >new; md5sum new >new.md5; sync' && cd / && umount /mnt && echo 3 >/proc/sys/vm/drop_caches && mount /dev/vda /mnt && cd /mnt && taskset 1 md5sum -c new.md5 && cd / && umount /mnt && grep -c virtio0-req /proc/interrupts"
out=$(exec_body)
check status status_is 0
check device-found has "$LOGS/node0.log" "^virtio-blk: a 32768 KiB disk \(65536 sectors\) in PCI slot 1"
check read-image-file grep -qx "made by linux-disk.sh" <<<"$out"
check image-data-exact grep -qx "data: OK" <<<"$out"
check node1-write-read-back grep -qx "new: OK" <<<"$out"
check msix-interrupt grep -qx 1 <<<"$out"
check disk-report has "$LOGS/node0.log" "^disk: [1-9][0-9]* reads \([0-9]+ KiB\), [1-9][0-9]* writes \([0-9]+ KiB\), [1-9][0-9]* flushes, [0-9]+ other, 0 failed"
check image-untouched [ "$(md5sum <"$image")" = "$sum_before" ]
