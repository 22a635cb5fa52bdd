#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Guest RAM above 4 GiB: a 4608 MiB Linux guest, whose RAM is 4064 MiB below the
# devices' window and 544 MiB from 4 GiB up. The guest's e820 map and /proc/iomem show
# both ranges, the SRAT gives each node's memory without the window, and memfill (in
# the guest image) writes and verifies a pattern over 4000 MiB on 1 node, more than the
# RAM below the window has free, so Linux must place some of it above 4 GiB. Across 2 nodes, node 1's home range
# holds the window and the high RAM: the SRAT splits it around the window, and a
# smaller fill, written on one vCPU and verified on the other, is exact.
. "$(dirname "$0")/lib.sh"

if [ ! -f build/guest/linux/bzImage ]; then
	echo "FAIL: $NAME (no Linux guest image: run make guest-linux)"
	exit 0
fi


TIMEOUT=900 cluster --nodes 1 --guest linux --guest-memory 4608M --exec "dmesg | grep -E 'BIOS-e820|SRAT: Node'; grep 'System RAM' /proc/iomem; memfill -m 4000"
out=$(exec_out)
check one-status status_is 0
check one-vm-layout has "$LOGS/node0.log" "^vm: 4608 MiB of guest RAM \(4064 MiB below 4 GiB, the rest from 4 GiB\)"
check one-e820-high grep -q "BIOS-e820: \[mem 0x0000000100000000-0x0000000121ffffff\] usable" <<<"$out"
check one-iomem-low grep -qx "00100000-fdffffff : System RAM" <<<"$out"
check one-iomem-high grep -qx "100000000-121ffffff : System RAM" <<<"$out"
check one-fill-exact grep -qx "memfill: ok" <<<"$out"

TIMEOUT=900 cluster --nodes 2 --guest linux --guest-memory 4608M --exec "dmesg | grep 'SRAT: Node'; memfill -m 16 -t 2"
out=$(exec_out)
check two-status status_is 0
check two-srat-node0 grep -q "SRAT: Node 0 PXM 0 \[mem 0x00000000-0x8fffffff\]" <<<"$out"
check two-srat-node1-low grep -q "SRAT: Node 1 PXM 1 \[mem 0x90000000-0xfdffffff\]" <<<"$out"
check two-srat-node1-high grep -q "SRAT: Node 1 PXM 1 \[mem 0x100000000-0x121ffffff\]" <<<"$out"
check two-fill-exact grep -qx "memfill: ok" <<<"$out"
