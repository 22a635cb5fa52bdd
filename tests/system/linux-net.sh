#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The guest's network (--guest-net): a virtio NIC on node 0, bridged onto node 0's NIC
# at 10.77.0.253 on the cluster's vde_switch, where tools/unum-cluster's network
# namespace (10.77.0.254) reaches it. On 1 node and across 2 (the guest's commands
# pinned on vCPU 1, node 1's, so its notifications are forwarded and its buffers cross
# nodes): the guest fetches a 1 MiB file from an HTTP server in the namespace (busybox
# httpd) and its SHA-256 matches; it pings the namespace; it takes node 0's address
# and sends gratuitous ARP replies claiming it, which node 0 refuses to send on (nor
# its answers to the nodes' ARP requests for it); the test logs in over SSH
# from the namespace (dropbear, the launcher's key) and runs nproc, which also lets the
# guest's command end. Checked too: across nodes, the cluster's messages (node 0's NIC
# takes them beside the guest's frames) did not reach the guest; node 0's report of
# the guest's frames.
. "$(dirname "$0")/lib.sh"

if [ ! -f build/guest/linux/bzImage ]; then
	echo "FAIL: $NAME (no Linux guest image: run make guest-linux)"
	exit 0
fi
for tool in dropbear dbclient dropbearkey nsenter; do
	if ! command -v $tool >/dev/null; then
		echo "FAIL: $NAME ($tool not found: apt-get install dropbear-bin util-linux, or ./configure --install-deps)"
		exit 0
	fi
done

www=$LOGS/www
mkdir -p "$www"
head -c 1048576 /dev/urandom >"$www/data.bin"
want=$(sha256sum <"$www/data.bin" | cut -d' ' -f1)

# run_net NODES PIN: one run; the guest's fetch and ping on CPU mask PIN.
run_net() {
	local nodes=$1 pin=$2 log=$LOGS/node0.log
	rm -f "$LOGS/netns.log" "$LOGS/netns.pid" "$log" # (the last run's)
	local cmd="for i in \$(seq 60); do taskset $pin wget -q -O /tmp/data.bin http://10.77.0.254:8080/data.bin && break; sleep 1; done; taskset $pin sha256sum /tmp/data.bin; taskset $pin ping -c 5 10.77.0.254 | grep -E 'transmitted|round-trip'; ip addr add 10.77.0.1/32 dev eth0; arping -U -c 2 -w 2 -I eth0 -s 10.77.0.1 10.77.0.1 >/dev/null 2>&1; ip addr del 10.77.0.1/32 dev eth0; i=0; while [ ! -f /tmp/ssh-done ] && [ \$i -lt 300 ]; do sleep 1; i=\$((i + 1)); done; echo waited=\$i; echo rx-packets=\$(cat /sys/class/net/eth0/statistics/rx_packets)"
	tools/unum-cluster --quiet --poweroff --timeout 900 --logdir "$LOGS" --nodes "$nodes" \
		--guest linux --guest-net --exec "$cmd" >"$LOGS/launcher.out" 2>&1 &
	local launcher=$!
	# the namespace, then its HTTP server (the guest retries until it answers)
	wait_for 60 "$LOGS/netns.log" '^NETNS-READY'
	tools/unum-netns "$LOGS" build/guest/linux/busybox httpd -f -p 10.77.0.254:8080 -h "$www" \
		>"$LOGS/httpd.log" 2>&1 &
	local httpd=$!
	wait_for 600 "$log" '^unum-init: ssh: dropbear on port 22'
	timeout 300 tools/unum-netns "$LOGS" ssh 'nproc; touch /tmp/ssh-done' \
		>"$LOGS/ssh.out" 2>"$LOGS/ssh.err"
	wait $launcher
	status=$?
	kill $httpd 2>/dev/null
	wait $httpd 2>/dev/null
	out=$(exec_out "$log")
}

for nodes in 1 2; do
	if [ $nodes = 1 ]; then pin=1 p=1node; else pin=2 p=2nodes; fi
	run_net $nodes $pin
	check $p-status status_is 0
	check $p-nic-up has "$LOGS/node0.log" '^virtio-net: the guest.s NIC, mac 52:54:00:75:67:01, in PCI slot 2'
	check $p-guest-address has "$LOGS/node0.log" '^unum-init: network: eth0 10\.77\.0\.253/24'
	check $p-fetched-exact grep -q "^$want  /tmp/data.bin" <<<"$out"
	check $p-ping grep -q '^5 packets transmitted, 5 packets received, 0% packet loss' <<<"$out"
	check $p-ssh-nproc [ "$(cat "$LOGS/ssh.out")" = "$nodes" ]
	check $p-ssh-ended-wait grep -qE '^waited=([0-9]|[0-9][0-9]|[0-2][0-9][0-9])$' <<<"$out"
	check $p-report has "$LOGS/node0.log" '^nic: received [1-9][0-9]+ frames .*; sent [1-9][0-9]+ frames \([0-9]+ KiB\), dropped [0-9]+ \(0 malformed, [0-9]+ not from its MAC or as a node, 0 refused by the link\)'
	# its gratuitous ARP claiming node 0's address never left node 0
	check $p-spoof-refused has "$LOGS/node0.log" '^net: guest: [1-9][0-9]* frames to the guest.s NIC, [0-9]+ from it \([0-9]+ times held back for the cluster.s share of the NIC\), [2-9][0-9]* refused'
	mkdir -p "$LOGS/$p"
	cp "$LOGS"/node*.log "$LOGS"/ssh.* "$LOGS/$p/"
done
# The cluster's messages, which node 0's NIC takes beside the guest's frames, never
# reached the guest: it received fewer frames than a tenth of them.
guest_rx=$(tr -d '\r' <"$LOGS/2nodes/node0.log" | sed -n 's/^rx-packets=\([0-9]*\)$/\1/p')
messages=$(sed -n 's/^dsm: \([0-9]*\) messages (.*/\1/p' "$LOGS/2nodes/node0.log")
few_frames() { [ -n "$1" ] && [ -n "$2" ] && [ "$2" -gt 10000 ] && [ $(($1 * 10)) -lt "$2" ]; }
check 2nodes-no-cluster-traffic few_frames "$guest_rx" "$messages"
