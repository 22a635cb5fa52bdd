#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# A Linux guest larger than every node (memory aggregation, vmm/cluster/vmdsm_cache.h):
# 768 MiB of guest RAM on three nodes of 384 MiB each. Each node holds its 256 MiB home
# range and a cache of what it has left for pages homed elsewhere, far less than the 512
# MiB of them. free -m in the guest shows the whole RAM; memfill (in the guest image)
# writes a pattern over 600 MiB from its three vCPUs, one per node, and each verifies a
# share another wrote: every word must be exact. Every node must have given pages back
# to their homes (PUTs with the page: write-backs), and none may have used more memory
# for guest pages than its home range and its cache (the "memory for guest pages" line
# at guest stop).
. "$(dirname "$0")/lib.sh"

if [ ! -f build/guest/linux/bzImage ]; then
	echo "FAIL: $NAME (no Linux guest image: run make guest-linux)"
	exit 0
fi


TIMEOUT=1500 cluster --nodes 3 --guest linux --guest-memory 768M --memory 384 \
	--exec "free -m; memfill -m 600"
out=$(exec_out)
check status status_is 0
check free-shows-the-guest bash -c "awk '/^Mem:/ { seen = 1; big = \$2 >= 700 } END { exit !(seen && big) }' <<<'$out'"
check fill-exact grep -qx "memfill: ok" <<<"$out"
for n in 0 1 2; do
	log=$LOGS/node$n.log
	check node$n-home-256 has "$log" '^dsm: cache of [0-9]+ MiB for pages homed elsewhere \(512 MiB of them\), home range 256 MiB$'
	check node$n-wrote-back has "$log" '^dsm: evictions: [1-9][0-9]* PUTs sent \([1-9][0-9]* with the page\)'
	# (the report exists, and the bound it gives is less than the node's memory)
	check node$n-within-bound bash -c "tr -d '\r' <'$log' | grep -E '^dsm: cache: [0-9]+ frames .*memory for guest pages:' | \
		sed -E 's/.*= ([0-9]+) MiB, of home \+ cache bound ([0-9]+) MiB/\1 \2/' | \
		awk '{ seen = 1; ok = \$1 <= \$2 && \$2 < 384 } END { exit !(seen && ok) }'"
done
