#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# A cluster file with mistakes: tools/unum-config check and the monitor's
# console must give the same messages (file name aside), and the monitor must
# refuse to start. Also checks the launcher refuses the file by itself, and a
# guest larger than the cluster is refused with the sum.
. "$(dirname "$0")/lib.sh"

conf=$LOGS/bad.conf
cat >"$conf" <<'CONF'
# three mistakes, on lines 3, 4 and 5
cluster id=1 secret=00112233445566778899aabbccddeeff
node id=0 mac=52:54:00:00:00:10 ip=10.77.0.10 cpus=0
node id=1 mac=52:54:00:00:00:11 ip=10.77.0.300
guest memory=100M kernel=kernel colour=blue
CONF
tools/unum-config check "$conf" >"$LOGS/unum-config.out" 2>&1
tool_status=$?
check tool-exit-status [ $tool_status -eq 1 ]
sed -n "s|^$conf:||p" "$LOGS/unum-config.out" >"$LOGS/tool.errors"
check tool-three-errors [ "$(wc -l <"$LOGS/tool.errors")" -eq 3 ]
check tool-message has "$LOGS/tool.errors" '^3:52: error: cpus: expected a whole number from 1 to 64, found "0"$'

cluster --boot kernel --config "$conf" --no-check
check monitor-refuses status_is 2
tr -d '\r' <"$LOGS/node0.log" | sed -n 's|^cluster.conf:||p' >"$LOGS/monitor.errors"
check same-messages diff -u "$LOGS/tool.errors" "$LOGS/monitor.errors"
check refusal-line has "$LOGS/node0.log" '^unum: refusing to start: cluster.conf is invalid'

cluster --boot kernel --config "$conf"
check launcher-refuses status_is 2
check launcher-says-why has "$LOGS/launcher.out" 'is not a valid cluster file'

# Without --poweroff the refusing monitor halts its machine instead of ending
# QEMU: the launcher reads the halt off the console and returns 2 all the same,
# long before its timeout.
tools/unum-cluster --quiet --timeout 300 --logdir "$LOGS" --boot kernel --config "$conf" \
	--no-check >"$LOGS/launcher.out" 2>&1 </dev/null
status=$?
check halted-monitor-ends-launcher status_is 2
check halted-launcher-says-why has "$LOGS/launcher.out" 'monitor refused to start \(configuration\) \(exit code 1\) and halted'
check halted-console-exit-code has "$LOGS/node0.log" '^unum: exit code 1$'

# A guest larger than the nodes' memory= together: refused by the checker and by
# node 0, both with the sum.
cat >"$LOGS/big.conf" <<'CONF'
cluster id=1 secret=00112233445566778899aabbccddeeff
node id=0 mac=52:54:00:75:6e:00 ip=10.77.0.1 memory=256M
node id=1 mac=52:54:00:75:6e:01 ip=10.77.0.2 memory=256M
guest memory=600M kernel=kernel
CONF
tools/unum-config check "$LOGS/big.conf" >"$LOGS/unum-config.out" 2>&1
check too-big-tool-refuses has "$LOGS/unum-config.out" ':4:1: error: memory=600M is more than the cluster has: 512 MiB in all \(memory= of its 2 nodes\)$'
cluster --boot kernel --config "$LOGS/big.conf" --no-check
check too-big-monitor-refuses status_is 2
check too-big-monitor-says-sum has "$LOGS/node0.log" '^cluster.conf:4:1: error: memory=600M is more than the cluster has: 512 MiB in all \(memory= of its 2 nodes\)$'

# A valid file whose guest line names boot modules node 0 was not given: node 0
# says which, before it waits for the other node, and refuses.
cat >"$LOGS/nomod.conf" <<'CONF'
cluster id=1 secret=00112233445566778899aabbccddeeff
node id=0 mac=52:54:00:75:6e:00 ip=10.77.0.1
node id=1 mac=52:54:00:75:6e:01 ip=10.77.0.2
guest memory=64M kernel=vmlinuz initrd=rootfs
CONF
cluster --boot kernel --nodes 2 --config "$LOGS/nomod.conf"
check missing-module-refuses status_is 2
check missing-kernel-named has "$LOGS/node0.log" "^loader: no boot module named 'vmlinuz' \\(the guest line's kernel=\\)"
check missing-initrd-named has "$LOGS/node0.log" "^loader: no boot module named 'rootfs' \\(the guest line's initrd=\\)"
check missing-module-refusal has "$LOGS/node0.log" "^unum: refusing to start: the guest's image is missing"

# QEMU ends with status 1 both for the debug-exit port's code 0 (the monitor
# finished) and for its own errors. A QEMU that failed before the monitor printed
# anything is said to have failed, with its first line, not taken for a finished
# monitor.
cat >"$LOGS/failing-qemu" <<'QEMU'
#!/bin/sh
echo "qemu-system-x86_64: -kernel build/unum.elf32: cannot open: it is not there" >&2
exit 1
QEMU
chmod +x "$LOGS/failing-qemu"
cluster --boot kernel --qemu "$LOGS/failing-qemu"
check failed-qemu-status status_is 1
check failed-qemu-said has "$LOGS/launcher.out" '^unum-cluster: QEMU for node 0 failed before the monitor printed anything: qemu-system-x86_64: -kernel build/unum.elf32: cannot open: it is not there; logs in '
check failed-qemu-not-finished lacks "$LOGS/launcher.out" 'monitor finished'
