#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The cluster network (issue 5, doc/net.md): three emulated nodes on one vde_switch, two with
# virtio-net and one with an e1000. First every node sends NETTEST (default 10000) checksummed
# messages to every peer (nettest=N) and each console must report them all received, none bad;
# then a cluster without the self-test comes up, one node's QEMU is killed, and the two others
# must report it down.
. "$(dirname "$0")/lib.sh"

N=${NETTEST:-10000}
if ! command -v vde_switch >/dev/null; then
	echo "SKIP: $NAME (vde_switch not found: apt-get install vde2)"
	exit 0
fi

TIMEOUT=${TIMEOUT:-300} cluster --nodes 3 --nic virtio,virtio,e1000 --append "nettest=$N"
check nettest-exit-status status_is 0
for i in 0 1 2; do
	for j in 0 1 2; do
		[ "$i" = "$j" ] && continue
		check "node$i-sees-node$j-up" has "$LOGS/node$i.log" \
			"^net: node $j \(10\.77\.0\.$((j + 1))\) is up$"
		check "node$i-got-all-from-node$j" has "$LOGS/node$i.log" \
			"^nettest: node $j -> node $i: $N sent, $N received, 0 bad$"
	done
	check "node$i-nettest-done" has "$LOGS/node$i.log" "^nettest: done: "
done
# The e1000 (no MSI) interrupts through the I/O APIC: the firmware's INTx routing.
check node2-e1000-irq has "$LOGS/node2.log" '^net: NIC 0: e1000 .*, receive interrupt on IRQ [0-9]+ \(I/O APIC\)$'
check node2-e1000-irqs-taken has "$LOGS/node2.log" '^net: stats: NIC rx [0-9]+ tx [0-9]+ \(.*irqs [1-9][0-9]*\)'

D=$LOGS/down
mkdir -p "$D"
tools/unum-cluster --quiet --timeout 180 --logdir "$D" --nodes 3 --nic virtio,e1000,virtio \
	>"$D/launcher.out" 2>&1 &
launcher=$!
up=()
for i in 0 1 2; do
	for j in 0 1 2; do
		[ "$i" != "$j" ] && up+=("$D/node$i.log" "^net: node $j \(.*\) is up$")
	done
done
check all-peers-up wait_for 120 "${up[@]}"
if [ -s "$D/node2.pid" ]; then
	kill "$(cat "$D/node2.pid")"
	killed=$(date +%s%N)
fi
check node2-reported-down wait_for 30 "$D/node0.log" "^net: node 2 is DOWN: no word for [0-9]+ ms$" \
	"$D/node1.log" "^net: node 2 is DOWN: no word for [0-9]+ ms$"
if [ -n "${killed:-}" ]; then
	echo "  node 2 reported down on nodes 0 and 1 $((($(date +%s%N) - killed) / 1000000)) ms after its QEMU was killed (at most; polled every 100 ms)"
fi
# Nodes 0 and 1 must keep each other up without node 2: watch them for two of the
# membership's down timeouts (MEMBER_DOWN_NS, 1.5 s: 30 heartbeats) after node 2's report.
sleep 3
check others-stay-up bash -c "! grep -E 'node [01] is DOWN' '$D/node0.log' '$D/node1.log' &&
	kill -0 \$(cat '$D/node0.pid') && kill -0 \$(cat '$D/node1.pid')"
kill "$launcher" 2>/dev/null
wait "$launcher" 2>/dev/null
exit 0
