#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# One unmodified Linux guest across 2 and 3 emulated nodes, one vCPU each:
# node 0 loads it through the coherence protocol, vCPU 0 starts the others by
# INIT/SIPI over the network, and the guest sees every vCPU (nproc), one NUMA
# node per machine holding that machine's vCPU (SRAT), and the parallel
# program's per-thread checksums and shared atomic counter exact with one
# thread pinned per vCPU, so the counter's page moves between machines.
. "$(dirname "$0")/lib.sh"

if [ ! -f build/guest/linux/bzImage ]; then
	echo "FAIL: $NAME (no Linux guest image: run make guest-linux)"
	exit 0
fi

for nodes in 2 3; do
	TIMEOUT=900 cluster --nodes $nodes --memory 512 --guest linux \
		--exec "nproc; ls -d /sys/devices/system/node/node*; cat /sys/devices/system/node/node*/cpulist; parallel -n 200000 -m 2000 | tail -1"
	mkdir -p "$LOGS/$nodes"
	cp "$LOGS"/node*.log "$LOGS/$nodes/"
	out=$(tr -d '\r' <"$LOGS/node0.log" | sed -n '/^===UNUM-EXEC-BEGIN===$/,/^===UNUM-EXEC-END/p' | sed '1d;$d')
	check nodes$nodes-status status_is 0
	check nodes$nodes-nproc [ "$(echo "$out" | sed -n 1p)" = "$nodes" ]
	# one NUMA node per machine, node i holding vCPU i
	want_nodes=$(for ((n = 0; n < nodes; n++)); do echo "/sys/devices/system/node/node$n"; done)
	check nodes$nodes-numa-nodes [ "$(echo "$out" | sed -n "2,$((nodes + 1))p")" = "$want_nodes" ]
	want_cpus=$(seq 0 $((nodes - 1)))
	check nodes$nodes-numa-cpus [ "$(echo "$out" | sed -n "$((nodes + 2)),$((2 * nodes + 1))p")" = "$want_cpus" ]
	check nodes$nodes-parallel-exact grep -q "^parallel: threads=$nodes ok counter=$((nodes * 2000)) expected=$((nodes * 2000))$" <<<"$out"
	for ((n = 1; n < nodes; n++)); do
		check nodes$nodes-node$n-started-by-sipi has "$LOGS/node$n.log" "^vcpus: vCPU $n: [0-9]+ INIT, [1-9][0-9]* SIPI, started 1 time"
		check nodes$nodes-node$n-took-turns has "$LOGS/node$n.log" '^turns: [1-9][0-9]* turns here'
	done
done
