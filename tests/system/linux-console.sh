#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The guest's console is interactive: with tools/unum-cluster --interactive,
# what is typed on the terminal reaches the Linux shell on the guest's
# 16550 (received-data interrupts through the IOAPIC) and the shell's output
# comes back. Types only once the prompt is there, as a person would. Across
# 2 nodes, as `make run` boots it by default: the launcher and the guest's
# /init say where each vCPU runs.
. "$(dirname "$0")/lib.sh"

# wait_for REGEX SECONDS: polls node 0's log until a line matches or QEMU is gone.
wait_for() {
	local deadline=$((SECONDS + $2))
	while [ $SECONDS -lt $deadline ]; do
		tr -d '\r' 2>/dev/null <"$LOGS/node0.log" | grep -Eq -- "$1" && return 0
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.2
	done
	return 1
}

mkfifo "$LOGS/keyboard"
# (stats=1: the monitor's lines every second share node 0's console with the guest's)
tools/unum-cluster --nodes 2 --guest linux --memory 512 --interactive --poweroff --timeout 300 \
	--append stats=1 --logdir "$LOGS" <"$LOGS/keyboard" >"$LOGS/launcher.out" 2>&1 &
pid=$!
exec 3>"$LOGS/keyboard"
check shell-prompt wait_for 'unum-guest:/# ' 240
check launcher-says-where has "$LOGS/launcher.out" '^unum-cluster: one guest of 2 vCPUs on 2 emulated nodes: vCPU 0 on node 0 \(qemu\), vCPU 1 on node 1 \(qemu\); '
check guest-says-where-cpu0 has "$LOGS/node0.log" '^unum-init: CPU\(s\) 0 on NUMA node 0 '
check guest-says-where-cpu1 has "$LOGS/node0.log" '^unum-init: CPU\(s\) 1 on NUMA node 1 '
# The prompt is a partial line: the monitor sends it after 20 ms; its stats lines that
# come while it waits for input begin on lines of their own, not glued to it.
stats_lines() { tr -d '\r' <"$LOGS/node0.log" | grep -Ec '^stats: [0-9]+ s: '; }
before=$(stats_lines)
wait_for_more_stats() {
	local deadline=$((SECONDS + 10))
	while [ $SECONDS -lt $deadline ] && [ "$(stats_lines)" -le "$before" ]; do sleep 0.2; done
	[ "$(stats_lines)" -gt "$before" ]
}
check stats-while-prompt-waits wait_for_more_stats
# (the shell asks where the cursor is after its prompt: ESC [6n)
check prompt-then-stats-on-its-own-line has "$LOGS/node0.log" '^unum-guest:/# .?\[6n$'
check no-stats-glued-to-guest-line lacks "$LOGS/node0.log" '.+stats: [0-9]+ s: '
printf 'echo typed-$((6*7))\n' >&3
check command-ran wait_for '^typed-42$' 60
printf 'exit\n' >&3
exec 3>&-
wait "$pid"
status=$?
check powers-off-on-exit status_is 0
check acpi-poweroff has "$LOGS/node0.log" '^guest: powered off \(ACPI S5\)$'
