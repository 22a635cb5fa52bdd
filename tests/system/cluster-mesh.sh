#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Many nodes: the mesh tiny guest (every vCPU interrupts every other one, and
# all add to a counter in shared memory; guest-images/tiny/mesh.S) across 8
# emulated nodes of one vCPU and 64 MiB each (the least the launcher gives), and
# across 2 nodes of 8 vCPUs with the message layer's pool cut to 32 buffers
# (msgbufs=32), where 8 vCPUs interrupting 8 others at once fill it and
# interrupts wait in the backlog (vmm/cluster/remote.c). vCPU 0 starts the
# others with INIT and SIPI over the network; the guest checks every vCPU's
# IPI count and the counter exactly, and its exit stops every node.
. "$(dirname "$0")/lib.sh"

for layout in 8x1 2x8; do
	nodes=${layout%x*} cpus=${layout#*x}
	args=()
	[ $layout = 2x8 ] && args=(--append msgbufs=32)
	TIMEOUT=240 cluster --nodes $nodes --cpus $cpus --memory 64 --guest build/guest/tiny/mesh.bin "${args[@]}"
	mkdir -p "$LOGS/$layout"
	for ((n = 0; n < nodes; n++)); do cp "$LOGS/node$n.log" "$LOGS/$layout/"; done
	cp "$LOGS/launcher.out" "$LOGS/vde_switch.log" "$LOGS/$layout/"
	total=$((nodes * cpus))
	check $layout-guest-passes status_is 64
	check $layout-counts-exact has "$LOGS/node0.log" \
		"^tiny mesh: ok, $total vCPUs, each got $((4 * (total - 1))) IPIs from the others, counter $((total * 2000))"
	for ((n = 0; n < nodes; n++)); do
		log=$LOGS/node$n.log
		check $layout-node$n-reports-interrupts has "$log" \
			'^remote: [1-9][0-9]* interrupts sent to other nodes, [1-9][0-9]* received; [0-9]+ messages waited for a message-layer buffer'
		# Eight nodes read the code page and the flags: every copyset spills to a slot
		# (dsm_spill_default's floor); none drops a reader, which would re-fault and
		# drop another, round and round.
		check $layout-node$n-no-reader-dropped has "$log" '^dsm: evictions: .*; 0 readers dropped, no copyset slot free$'
		[ $layout = 2x8 ] && check $layout-node$n-backlog-used has "$log" \
			'^remote: .* received; [1-9][0-9]* messages waited for a message-layer buffer \([1-9][0-9]* interrupts joined one waiting'
		((n == 0)) && continue
		for ((v = n * cpus; v < (n + 1) * cpus; v++)); do
			check $layout-node$n-vcpu$v-started-by-sipi has "$log" "^vcpus: vCPU $v: [1-9][0-9]* INIT, [1-9][0-9]* SIPI, started [1-9]"
		done
		check $layout-node$n-stopped-too has "$log" '^guest: stopped on node 0 \(exit code 64\): stopping here too$'
	done
done
