#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Linux on shadow page tables (`shadow`, vmm/virt/shadow_vm.h), on one node with two
# vCPUs: the CPU walks the monitor's shadows of the guest's tables, filled on the
# guest's #PF, kept in step by emulating the guest's writes to its tables or by
# giving a page table back out of sync until the guest's INVLPG or CR3 load (both
# vCPUs then intercept INVLPG), with CR3 and CR0 virtualised. Checked: the boot, the parallel program's exact counter and
# checksums with its threads pinned on both vCPUs (its page tables shared by them),
# a fork/exec loop's exact count, and the report
# saying the shadows did the work (fills, emulated writes, #PF given to the guest);
# then the same across 2 nodes.
. "$(dirname "$0")/lib.sh"

if [ ! -f build/guest/linux/bzImage ] || [ ! -f build/guest/linux/initrd.img ]; then
	echo "FAIL: $NAME (no Linux guest image: run make guest-linux)"
	exit 1
fi
log=$LOGS/node0.log
cmd='nproc; parallel -n 2000000 -m 50000; n=0; for i in $(seq 300); do n=$(($(/bin/echo 1) + n)); done; echo forkexec=$n'
TIMEOUT=600 cluster --guest linux --memory 512 --cpus 2 --append shadow --exec "$cmd"
check exit-status status_is 0
check shadows-on has "$log" '^shadow: guest page tables shadowed on this node'
check booted has "$log" '^===UNUM-INIT-READY=== kernel=[0-9.]+-[0-9]+-amd64 cpus=2 '
out=$(exec_out "$log")
check nproc-is-2 [ "$(echo "$out" | sed -n 2p)" = 2 ]
check parallel-exact has "$log" '^parallel: threads=2 ok counter=100000 expected=100000'
check parallel-cpu0 has "$log" '^parallel: thread 0 cpu 0 \(start 0, end 0\) .* checksum ok'
check parallel-cpu1 has "$log" '^parallel: thread 1 cpu 1 \(start 1, end 1\) .* checksum ok'
check fork-exec-loop has "$log" '^forkexec=300'
check command-status has "$log" '^===UNUM-EXEC-END status=0===$'
# the shadows did the work: filled, emulated the guest's page-table writes, and
# gave the guest its own page faults
check report has "$log" '^shadow: [1-9][0-9]* fills \(and [1-9][0-9]* entries mapped beside them\), [1-9][0-9]* #PF given to the guest, .* [1-9][0-9]* page-table writes emulated'
check out-of-sync has "$log" '^shadow: out of sync: [1-9][0-9]* page tables given back, [1-9][0-9]* synced again \([1-9][0-9]* entries dropped then\), [1-9][0-9]* INVLPGs that reached one$'
check invlpg-exits has "$log" '^exits: +[1-9][0-9]* +INVLPG \(shadow paging\)$'
check no-crash no_crash "$log"
# (kept: the 2-node run below writes the same files; this part once ran out of its 600 s)
mkdir -p "$LOGS/1node"
cp "$LOGS"/node0.log "$LOGS"/launcher.out "$LOGS/1node/"

# Across 2 nodes of one vCPU each: each node shadows the guest's tables, which it
# reads through the coherence protocol (read rights: they stay shared); a table page
# another node writes leaves with its shadows. The same exact results. With adaptive
# turns (turns=adaptive, vmm/cluster/turns_token.h): free phases, in which both nodes
# run at once, begin and end, and the results stay exact.
cmd='parallel -n 2000000 -m 50000; n=0; for i in $(seq 100); do n=$(($(/bin/echo 1) + n)); done; echo forkexec=$n'
TIMEOUT=600 cluster --nodes 2 --guest linux --memory 512 --append "shadow turns=adaptive" --exec "$cmd"
for n in 0 1; do
	log=$LOGS/node$n.log
	check node$n-shadows-on has "$log" '^shadow: guest page tables shadowed on this node'
	check node$n-report has "$log" '^shadow: [1-9][0-9]* fills .* [1-9][0-9]* waits for the cluster$'
	check node$n-free-phases has "$log" '^turns: [1-9][0-9]* free phases \(all nodes running\)'
	check node$n-no-crash no_crash "$log"
done
# node 0 walks the guest's own tables until it starts node 1's vCPU (the kernel boots
# on CPU 0 alone), then goes onto shadows; node 1 is on shadows from its first entry
check node0-alone-then-shadows has "$LOGS/node0.log" '^shadow: a vCPU on another node starts: this node.s vCPUs go onto shadow page tables \(on the guest.s own tables for the first [1-9][0-9]* ms\)$'
check node1-never-alone lacks "$LOGS/node1.log" '^shadow: a vCPU on another node starts'
log=$LOGS/node0.log
check 2nodes-exit-status status_is 0
check 2nodes-parallel-exact has "$log" '^parallel: threads=2 ok counter=100000 expected=100000'
check 2nodes-parallel-cpu1 has "$log" '^parallel: thread 1 cpu 1 \(start 1, end 1\) .* checksum ok'
check 2nodes-fork-exec-loop has "$log" '^forkexec=100'
