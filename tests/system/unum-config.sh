#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The unum-config command line: check, show, errors for unreadable files and
# bad usage; a guest larger than the nodes' memory= together refused with the sum,
# and the homes shown in proportion to it.
. "$(dirname "$0")/lib.sh"

out=$LOGS/out
tools/unum-config check examples/cluster.conf >"$out" 2>&1
check example-ok [ $? -eq 0 ]
check example-summary has "$out" '^examples/cluster.conf: ok: 2 nodes, 2 vCPUs, guest$'
tools/unum-config show examples/cluster.conf >"$out" 2>&1
check show has "$out" '^node 1 mac 52:54:00:00:00:11 ip 10.77.0.11 port 7700 cpus 1$'
conf=$LOGS/big.conf
{
	echo "cluster id=7 secret=00112233445566778899aabbccddeeff"
	echo "node id=0 mac=52:54:00:00:00:01 ip=10.0.0.1 memory=2G"
	echo "node id=1 mac=52:54:00:00:00:02 ip=10.0.0.2 memory=1G cache=64M"
	echo "guest memory=4G kernel=k"
} >"$conf"
tools/unum-config check "$conf" >"$out" 2>&1
check too-big-refused [ $? -eq 1 ]
check too-big-says-sum has "$out" "^$conf:4:1: error: memory=4096M is more than the cluster has: 3072 MiB in all \(memory= of its 2 nodes\)$"
sed -i 's/memory=4G/memory=2G/' "$conf"
tools/unum-config show "$conf" >"$out" 2>&1
check homes-in-proportion has "$out" '^node 0 .* memory 2048 MiB home 1364 MiB$'
check homes-in-proportion-1 has "$out" '^node 1 .* memory 1024 MiB home 684 MiB cache 64 MiB$'
tools/unum-config check /nonexistent.conf >"$out" 2>&1
check missing-file [ $? -eq 1 ]
check missing-file-message has "$out" '^/nonexistent.conf: cannot open: No such file or directory$'
tools/unum-config frobnicate >"$out" 2>&1
check bad-usage [ $? -eq 2 ]
tools/unum-config --help >"$out" 2>&1
check help has "$out" '^Usage: unum-config check \[--netboot DIR\] FILE'
