#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The guest's disk on an NBD server (Debian's nbd-server), which tools/unum-cluster
# runs in a network namespace of its own on the cluster's vde_switch; node 0 reaches
# it over lwIP TCP. Across 2 nodes: the guest mounts the ext4 export, a thread on
# node 1's vCPU writes a file and syncs (flushes go to the server), the guest powers
# off, and the host finds the file's bytes in the image (debugfs) and the file system
# clean (e2fsck -n); reads of 1 MiB (larger than the TCP window) come back whole. On 1 node: the server is killed while the guest writes to the
# raw disk (100 rounds of 25 MiB at most); the guest's writes fail with I/O errors
# (its kernel logs them), the guest goes on and powers off, and node 0 says the server
# was lost.
. "$(dirname "$0")/lib.sh"

if [ ! -f build/guest/linux/bzImage ]; then
	echo "FAIL: $NAME (no Linux guest image: run make guest-linux)"
	exit 0
fi
for tool in nbd-server mke2fs debugfs e2fsck; do
	if ! command -v $tool >/dev/null; then
		echo "FAIL: $NAME ($tool not found: apt-get install nbd-server e2fsprogs, or ./configure --install-deps)"
		exit 0
	fi
done

image=$LOGS/export.img
rm -rf "$LOGS/root" "$image"
mkdir -p "$LOGS/root"
echo "served by nbd-server" >"$LOGS/root/hello.txt"
mke2fs -q -t ext4 -d "$LOGS/root" "$image" 32M >/dev/null
TIMEOUT=900 cluster --nodes 2 --guest linux --nbd-server "$image" --exec "mount /dev/vda /mnt && cat /mnt/hello.txt && taskset 2 sh -c 'head -c 200000 /dev/urandom >/mnt/new; md5sum </mnt/new >/mnt/new.md5; sync' && cat /mnt/new.md5 && umount /mnt && dd if=/dev/vda of=/dev/null bs=1M count=4 iflag=direct 2>&1 | grep records"
mkdir -p "$LOGS/persist"
cp "$LOGS"/node*.log "$LOGS/persist/"
out=$(exec_body)
check status status_is 0
check export-opened has "$LOGS/node0.log" "^virtio-blk: a 32768 KiB disk \(65536 sectors\) in PCI slot 1; export 'unum' of the NBD server at 10\.77\.0\.254:10809, flushed"
check read-export grep -qx "served by nbd-server" <<<"$out"
guest_sum=$(grep -E '^[0-9a-f]{32}  -$' <<<"$out" | cut -d' ' -f1)
host_sum=$(debugfs -R "cat /new" "$image" 2>/dev/null | md5sum | cut -d' ' -f1)
same_sum() { [ -n "$1" ] && [ "$1" = "$2" ]; }
fsck_clean() { e2fsck -fn "$1" >"$LOGS/e2fsck.out" 2>&1; }
check file-in-image same_sum "$guest_sum" "$host_sum"
check image-clean fsck_clean "$image"
check flushes-served has "$LOGS/node0.log" "^disk: [0-9]+ reads .*, [1-9][0-9]* writes .*, [1-9][0-9]* flushes, [0-9]+ other, 0 failed"
check large-reads grep -qx "4+0 records in" <<<"$out"
check server-kept lacks "$LOGS/node0.log" "is lost"
check nbd-line has "$LOGS/node0.log" "^disk: NBD: [1-9][0-9]* requests, [0-9]+ KiB, 0 answered with an error; disconnected \(NBD_CMD_DISC acknowledged\)"

# The server killed in the middle of the guest's writes.
truncate -s 32M "$LOGS/kill.img"
tools/unum-cluster --quiet --poweroff --timeout 600 --logdir "$LOGS" --nodes 1 --guest linux \
	--nbd-server "$LOGS/kill.img" --exec "echo WRITING; i=0; while [ \$i -lt 100 ] && dd if=/dev/zero of=/dev/vda bs=64k count=400 oflag=direct 2>/dev/null; do i=\$((i + 1)); done; echo writes-ended=\$i; dmesg | grep -c 'I/O error.*vda'; echo after" \
	>"$LOGS/launcher.out" 2>&1 &
launcher=$!
for _ in $(seq 1200); do
	grep -q '^WRITING' "$LOGS/node0.log" 2>/dev/null && break
	sleep 0.25
done
sleep 1
pkill -KILL -f -- "-C $LOGS/nbd-server.conf" # (a crash: SIGTERM waits for the client)
wait $launcher
status=$?
out=$(exec_body)
check kill-status status_is 0
check kill-writes-failed grep -Eq '^writes-ended=([0-9]|[1-9][0-9])$' <<<"$out"
check kill-guest-io-errors grep -Eq '^[1-9][0-9]*$' <<<"$out"
check kill-guest-went-on grep -qx after <<<"$out"
check kill-server-lost has "$LOGS/node0.log" "^nbd: the server at 10\.77\.0\.254:10809 is lost \((it closed the connection|it reset the connection)\)"
check kill-requests-failed has "$LOGS/node0.log" "^disk: [0-9]+ reads .*, [0-9]+ writes .*, [1-9][0-9]* failed"
