#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# One unmodified Linux guest across emulated nodes: 2 and 3 nodes with one
# vCPU each, and 2 nodes with two vCPUs each (two cores per machine). Node 0
# loads it through the coherence protocol, vCPU 0 starts the others by
# INIT/SIPI (over the network for another node's), and the guest sees every
# vCPU (nproc), one NUMA node per machine holding that machine's vCPUs (SRAT),
# and the parallel program's per-thread checksums and shared atomic counter
# exact with one thread pinned per vCPU, so the counter's page moves between
# machines and, within one, between cores.
. "$(dirname "$0")/lib.sh"

if [ ! -f build/guest/linux/bzImage ]; then
	echo "FAIL: $NAME (no Linux guest image: run make guest-linux)"
	exit 0
fi

for layout in 2x1 3x1 2x2; do
	nodes=${layout%x*} cpus=${layout#*x} vcpus=$((${layout%x*} * ${layout#*x}))
	# On 2 nodes, node 1 builds its part 5 s late (joinlag, a test option): node 0's
	# requests for the pages node 1 is home to (the initrd's, at the top of RAM) come
	# before node 1 can take them, and must wait, not be acknowledged and lost.
	# It also runs on nested paging (noshadow), where the nodes take turns: the mode
	# before shadow page tables became the default across nodes (3x1 and 2x2 run on
	# them, all nodes at once).
	late=()
	[ $layout = 2x1 ] && late=(--append "joinlag=5000 noshadow")
	# On 3 nodes, the periodic stats lines (stats=5): what each node's vCPU did.
	[ $layout = 3x1 ] && late=(--append stats=5)
	TIMEOUT=900 cluster --nodes $nodes --cpus $cpus --memory 512 --guest linux "${late[@]}" \
		--exec "nproc; ls -d /sys/devices/system/node/node*; cat /sys/devices/system/node/node*/cpulist; parallel -n 200000 -m 2000 | tail -1; i=0; while [ \$i -lt 30 ]; do /bin/true; i=\$((i+1)); done; sleep 11"
	mkdir -p "$LOGS/$layout"
	cp "$LOGS"/node*.log "$LOGS/$layout/"
	out=$(exec_body)
	check $layout-status status_is 0
	check $layout-nproc [ "$(echo "$out" | sed -n 1p)" = "$vcpus" ]
	# one NUMA node per machine, node i holding vCPUs i*cpus .. i*cpus+cpus-1
	want_nodes=$(for ((n = 0; n < nodes; n++)); do echo "/sys/devices/system/node/node$n"; done)
	check $layout-numa-nodes [ "$(echo "$out" | sed -n "2,$((nodes + 1))p")" = "$want_nodes" ]
	want_cpus=$(for ((n = 0; n < nodes; n++)); do
		if [ "$cpus" = 1 ]; then echo $n; else echo "$((n * cpus))-$((n * cpus + cpus - 1))"; fi
	done)
	check $layout-numa-cpus [ "$(echo "$out" | sed -n "$((nodes + 2)),$((2 * nodes + 1))p")" = "$want_cpus" ]
	if [ $layout = 3x1 ]; then
		for ((n = 0; n < nodes; n++)); do
			check 3x1-node$n-stats-vcpu has "$LOGS/node$n.log" "^stats: [0-9]+ s: [0-9]+ exits \(\+[0-9]+\) .*; vCPU $n [A-Za-z ,']+ at RIP 0x[0-9a-f]+, in the guest [0-9]+% of the interval$"
			check 3x1-node$n-stats-exit-kinds has "$LOGS/node$n.log" '^stats: exits since the last line: [1-9][0-9]* [a-zA-Z#]'
			check 3x1-node$n-stats-dsm has "$LOGS/node$n.log" '^stats: dsm: vCPU [0-9]+: [0-9]+ faults on its page-table walks'
		done
		# node 0's exit profile keeps the guest's timer MSR (the deadline its CPU 0
		# writes at every tick) in the busiest list among the coherence faults' many
		# pages, each seen once or twice, which once filled the list first
		check 3x1-node0-exits-top-timer has "$LOGS/node0.log" '^exits: +[0-9]{3,} +WRMSR 0x6e0'
	fi
	if [ $layout = 2x1 ]; then
		check 2x1-node1-built-late has "$LOGS/node1.log" '^node: joinlag=5000: waiting 5000 ms'
		check 2x1-node0-asked-before-node1-took has "$LOGS/node0.log" '^dsm: the monitor has waited [0-9]+ ms for write rights on guest-physical 0x[0-9a-f]+ \(home node 1'
	fi
	check $layout-parallel-exact grep -q "^parallel: threads=$vcpus ok counter=$((vcpus * 2000)) expected=$((vcpus * 2000))$" <<<"$out"
	for ((n = 1; n < nodes; n++)); do
		v=$((n * cpus))
		check $layout-node$n-started-by-sipi has "$LOGS/node$n.log" "^vcpus: vCPU $v: [0-9]+ INIT, [1-9][0-9]* SIPI, started 1 time"
		# PV EOI across nodes: the boot core's vCPU ends interrupts without an exit
		# while its node holds the word's page (its CPU's per-CPU page) for writing
		check $layout-node$n-pv-eoi has "$LOGS/node$n.log" "^pv: vCPU $v: [1-9][0-9]* EOIs through PV EOI, without an exit; [0-9]+ entries did not offer it"
		if [ $layout = 2x1 ]; then
			check $layout-node$n-took-turns has "$LOGS/node$n.log" '^turns: [1-9][0-9]* turns here'
		else
			check $layout-node$n-at-once has "$LOGS/node$n.log" '^turns: none to begin with: every node walks the guest.s page tables with reads'
			check $layout-node$n-free-phases has "$LOGS/node$n.log" '^turns: [1-9][0-9]* free phases \(all nodes running\)'
			check $layout-node$n-shadowed has "$LOGS/node$n.log" '^shadow: [1-9][0-9]* fills .* [0-9]+ waits for the cluster$'
			# each node says when its vCPUs go idle and when one may run again
			check $layout-node$n-says-idle has "$LOGS/node$n.log" '^alone: .*; words to peers: idle [1-9][0-9]*, may run [0-9]+ '
		fi
		# the guest runs long enough for the 10 s re-checks of the TSC offset (the
		# command ends with 11 s of sleep: a boot can be over in less)
		check $layout-node$n-rechecked-time has "$LOGS/node$n.log" '^time: guest TSC against node 0: [1-9][0-9]* re-checks'
		# the write-for-a-read rule lasts while the node writes the page: write rights
		# that leave a page the guest wrote keep it, unwritten end it (the nested
		# entry's dirty mark)
		check $layout-node$n-write-for-a-read has "$LOGS/node$n.log" '^dsm: write for a read: [1-9][0-9]* read faults asked for writing .*; write rights left [1-9][0-9]* pages written .* and [0-9]+ unwritten'
	done
	# node 0, running /init and the shell while the others' vCPUs are idle, walks the
	# guest's own page tables then (alone), and goes back onto shadows when they run
	if [ $layout != 2x1 ]; then
		check $layout-node0-alone has "$LOGS/node0.log" '^alone: [1-9][0-9]* times on the guest.s own page tables while every other node.s vCPUs were idle, [1-9][0-9]* ms in all'
	fi
	# ... and on some node (not necessarily every one: a node may write every page it
	# takes for writing) pages whose write rights left unwritten went back to reads
	check $layout-unwritten-back-to-reads bash -c "cat $LOGS/node[1-9]*.log | tr -d '\r' | grep -Eq '^dsm: write for a read: .* and [1-9][0-9]* unwritten'"
	# a machine's second core runs its own vCPU, which faults pages in itself
	if [ "$cpus" = 2 ]; then
		for ((n = 0; n < nodes; n++)); do
			v=$((n * cpus + 1))
			check $layout-node$n-vcpu$v-started has "$LOGS/node$n.log" "^vcpus: vCPU $v: [0-9]+ INIT, [1-9][0-9]* SIPI, started 1 time"
			check $layout-node$n-vcpu$v-faulted has "$LOGS/node$n.log" "^dsm: vCPU $v: [0-9]+ faults on its page-table walks, [1-9][0-9]* on other accesses"
			check $layout-node$n-handed-off has "$LOGS/node$n.log" '^handoff: [1-9][0-9]* pieces of work handed to the boot core'
		done
	fi
done
