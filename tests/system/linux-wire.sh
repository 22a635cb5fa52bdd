#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Linux across 2 nodes over a bad wire: a wirefilter (vde2) between node 1 and the switch
# (unum-cluster --wire) loses and duplicates frames, or corrupts them, both ways while the
# guest boots and runs. (Delays of 1-10 ms and 20 % loss are in tools/bench-wire: each
# coherence fault waits for a round trip, so there the boot alone takes minutes.) Each vCPU writes, reads back
# and checksums memory (memfill: each thread's pages written on its vCPU and verified on
# the other, so they cross the wire), twice with different seeds, and increments one
# shared counter (parallel's, exact). Checked at each setting: the exact results, no panic
# or oops, and in the nodes' end reports what the wire did: retransmissions after loss,
# duplicates, MAC failures after noise (the message layer authenticates every byte; UDP
# checksums are off). doc/benchmarks.md has the slowdowns.
. "$(dirname "$0")/lib.sh"

work='memfill -m 16 -s 11; memfill -m 16 -s 12; parallel -n 2000000 -m 20000 | tail -1'

# report NODE: the node's message-layer line at guest stop
report() {
	tr -d '\r' <"$LOGS/$1/node$2.log" | grep -a '^net: message layer: [0-9]'
}
# count NAME WHAT NODE: the figure before WHAT in that line ("retransmitted" ...)
count() {
	report "$1" "$3" | grep -Eo "[0-9]+ $2" | head -1 | cut -d' ' -f1
}

run() { # NAME WIREFILTER-OPTIONS
	local name=$1 out
	TIMEOUT=900 cluster --nodes 2 --guest linux --memory 512 --wire "$2" --exec "$work"
	mkdir -p "$LOGS/$name"
	cp "$LOGS"/node0.log "$LOGS"/node1.log "$LOGS"/launcher.out "$LOGS"/wirefilter-node1.log \
		"$LOGS/$name/"
	out=$(exec_out "$LOGS/$name/node0.log")
	check "$name-status" status_is 0
	check "$name-memfill-exact" [ "$(grep -c '^memfill: ok$' <<<"$out")" = 2 ]
	check "$name-no-memfill-fail" lacks "$LOGS/$name/node0.log" '^memfill: FAIL'
	check "$name-parallel-exact" grep -q '^parallel: threads=2 ok counter=40000 expected=40000$' <<<"$out"
	# (no panic or oops; soft lockups and RCU stalls are not wrong results: at 5 % loss a
	# coherence fault takes 6 ms on average against under 1 ms, memfill's verification ran
	# at 0.3 MiB/s, and the guest said CPU 1 was stuck for 21-22 s while it waited for pages)
	check "$name-no-panic-or-oops" lacks "$LOGS/$name/node0.log" 'Kernel panic|Oops|BUG: (unable|kernel NULL|Bad page)|general protection'
	for n in 0 1; do
		check "$name-node$n-report" has "$LOGS/$name/node$n.log" '^net: message layer: [0-9]+ of'
	done
}

# 5 % of the frames lost and 5 % duplicated, each way
run loss5-dup5 '-l 5 -D 5'
check loss5-dup5-retransmitted [ "$(($(count loss5-dup5 retransmitted 0) + $(count loss5-dup5 retransmitted 1)))" -gt 0 ]
check loss5-dup5-duplicates [ "$(($(count loss5-dup5 duplicates 0) + $(count loss5-dup5 duplicates 1)))" -gt 0 ]

# noise: bits flipped, about one frame in 30 of full size
run noise '-n 20'
check noise-mac-failures grep -Eq 'packets dropped: (.*, )?[1-9][0-9]* bad MAC' <<<"$(report noise 0; report noise 1)"
