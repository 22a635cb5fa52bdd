#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Linux under Unum on one node with 2 and 4 cores, one vCPU per core: nproc
# equals the cores; the parallel program runs one thread pinned per vCPU,
# each with checked arithmetic, plus a counter every thread increments
# atomically, exact at the end; /proc/interrupts shows rescheduling and
# function-call IPIs on every CPU (so IPIs really cross between vCPUs); the
# ACPI SRAT puts them all in NUMA node 0. The guest reports no soft lockup or
# RCU stall (with every emulator on one host core, a monitor lock taken at every
# exit once made 4 vCPUs wait for each other for minutes), and the monitor's
# end report has its lock figures. Then the node's emulator is stopped for 6 s while
# the guest runs (as a starved or paused host would stop it): the monitor says so,
# counts it, and tells the guest its host stopped it (kvmclock); Linux's watchdogs are
# set to 2 s (soft lockup) and 3 s (RCU stall) meanwhile.
. "$(dirname "$0")/lib.sh"

for cpus in 2 4; do
	TIMEOUT=400 cluster --guest linux --cpus $cpus --memory 512 \
		--exec "nproc; parallel -n 2000000 -m 100000 | tail -1; grep -E '^ *(RES|CAL):' /proc/interrupts; cat /sys/devices/system/node/node0/cpulist"
	out=$(exec_out)
	cp "$LOGS/node0.log" "$LOGS/node0-cpus$cpus.log"
	check cpus$cpus-status status_is 0
	check cpus$cpus-nproc [ "$(echo "$out" | sed -n 2p)" = "$cpus" ]
	check cpus$cpus-parallel-exact grep -q "^parallel: threads=$cpus ok counter=$((cpus * 100000)) expected=$((cpus * 100000))$" <<<"$out"
	# the SRAT puts every vCPU of this one node in NUMA node 0
	check cpus$cpus-numa-node0 [ "$(echo "$out" | tail -2 | head -1)" = "0-$((cpus - 1))" ]
	check cpus$cpus-no-lockup-or-stall no_crash "$LOGS/node0-cpus$cpus.log"
	check cpus$cpus-lock-report has "$LOGS/node0-cpus$cpus.log" '^locks: lock devices: taken [1-9][0-9]* times, waited for [0-9]+ times'
	for kind in RES CAL; do
		# every CPU's column is a positive count
		line=$(echo "$out" | grep -E "^ *$kind:")
		check cpus$cpus-$kind-on-every-cpu awk -v n="$cpus" '{ for (i = 2; i <= n + 1; i++) if ($i + 0 < 1) exit 1; exit 0 }' <<<"$line"
	done
done

# The emulator stopped (SIGSTOP) for 6 s, once the guest has set its watchdogs short and
# started a busy loop per vCPU; its sleep outlasts the stop.
cmd='echo 1 >/proc/sys/kernel/watchdog_thresh; echo 3 >/sys/module/rcupdate/parameters/rcu_cpu_stall_timeout; (while :; do :; done) & a=$!; (while :; do :; done) & b=$!; echo ===STOP-NOW===; sleep 20; kill $a $b; echo slept'
rm -f "$LOGS/node0.log"
(
	until [ -f "$LOGS/node0.log" ] && has "$LOGS/node0.log" '^===STOP-NOW==='; do
		sleep 0.5 # (killed when the cluster ends without the line)
	done
	pid=$(cat "$LOGS/node0.pid") && kill -STOP "$pid" && sleep 6 && kill -CONT "$pid"
) &
stopper=$!
TIMEOUT=400 cluster --guest linux --cpus 2 --memory 512 --exec "$cmd"
kill $stopper 2>/dev/null # (a guest that never printed the line)
wait $stopper
log=$LOGS/node0.log
check stopped-status status_is 0
check stopped-slept has "$log" '^slept'
for v in 0 1; do
	check stopped-vcpu$v-said has "$log" "^vm: vCPU $v did not run for [0-9]+ ms \\([0-9]+ ms of it (in the guest|halted|handling an exit|polling the devices)\\)"
	check stopped-vcpu$v-report has "$log" "^vcpus: vCPU $v: .* passes of its loop: longest [0-9]+ ms, [1-9][0-9]* over 1000 ms \\(gaps\\)"
done
# (Not checked: that the guest reports no soft lockup. It reports none when the stop finds
# it running its tasks, and soft lockups on both CPUs without the flag; but a stop that finds
# a CPU inside an interrupt handler lets the guest see the jump there before the monitor
# regains the CPU and sets the flag: CI saw "CPU#0 stuck for 5s" once.)
check stopped-no-panic lacks "$log" 'Kernel panic|Oops'
