#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Booting a rack from the network (README, "Booting a rack"): tools/unum-netboot
# makes one boot tree from the cluster file, and emulated nodes boot it with
# iPXE (BIOS) or OVMF (UEFI) from dnsmasq in a network namespace of the
# launcher's, with no -kernel and no id=: each node finds itself by its MAC.
# Also: the tree's files, unum-config's warning for a tree made from another
# file, a Linux guest across 2 network-booted nodes, and a machine whose MAC
# the cluster file does not know, which refuses and says its MAC.
. "$(dirname "$0")/lib.sh"

# ---- the tree ----
tree=$LOGS/tree
tools/unum-netboot --config examples/cluster.conf --output "$tree" --elf build/unum.elf \
	--kernel build/guest/linux/bzImage --initrd build/guest/linux/initrd.img \
	--interface ens5 >"$LOGS/netboot.out" 2>&1
check tree-made [ $? -eq 0 ]
check tree-bios-nbp [ -s "$tree/boot/grub/i386-pc/core.0" ]
check tree-uefi-nbp [ -s "$tree/boot/grub/x86_64-efi/core.efi" ]
cfg=$tree/boot/grub/grub.cfg
check grub-one-entry [ "$(grep -c '^menuentry' "$cfg")" -eq 1 ]
check grub-no-id lacks "$cfg" 'multiboot2 .*id='
check grub-monitor has "$cfg" '^	multiboot2 /unum/unum.elf$'
check grub-guest-on-node0-only has "$cfg" '^	if \[ "\$net_default_mac" = "52:54:00:00:00:10" \]; then$'
check grub-guest-kernel has "$cfg" '^		if module2 /unum/kernel kernel; then true; else$'
check grub-says-tftp-failure has "$cfg" '^			echo "unum-netboot: node 0 could not load /unum/initrd from \$net_default_server by TFTP'
check tree-files cmp -s examples/cluster.conf "$tree/unum/cluster.conf"
dns=$tree/dnsmasq.conf
check dnsmasq-interface has "$dns" '^interface=ens5$'
check dnsmasq-node0-lease has "$dns" '^dhcp-host=52:54:00:00:00:10,10.77.0.10,unum-node0$'
check dnsmasq-node1-lease has "$dns" '^dhcp-host=52:54:00:00:00:11,10.77.0.11,unum-node1$'
check dnsmasq-unknown-pxe-only has "$dns" '^dhcp-range=tag:pxe,10.77.0.238,10.77.0.253,255.255.255.0,10m$'
check dnsmasq-uefi-boot-file has "$dns" '^dhcp-boot=tag:efi-x86_64,boot/grub/x86_64-efi/core.efi$'
check dnsmasq-tftp-root has "$dns" "^tftp-root=$tree\$"
check dnsmasq-syntax dnsmasq --test -C "$dns"
tools/unum-netboot --config examples/cluster.conf --output "$LOGS/no" >"$LOGS/no.out" 2>&1
check tree-needs-kernel [ $? -eq 2 ]
check tree-needs-kernel-message has "$LOGS/no.out" 'has a guest line: give its kernel with --kernel'

out=$LOGS/config.out
tools/unum-config check --netboot "$tree" examples/cluster.conf >"$out" 2>&1
check config-same-no-warning lacks "$out" 'warning'
sed 's/cpus=1$/cpus=2/' examples/cluster.conf >"$LOGS/other.conf"
tools/unum-config check --netboot "$tree" "$LOGS/other.conf" >"$out" 2>&1
check config-differs-status [ $? -eq 0 ]
check config-differs-warning has "$out" "other.conf: warning: differs from $tree/unum/cluster.conf"

# ---- 3 nodes, BIOS ----
cluster --boot pxe --nodes 3
check bios-status status_is 0
for i in 0 1 2; do
	log=$LOGS/node$i.log
	# GRUB came by TFTP (its line), as the BIOS boot file
	check bios-node$i-grub-by-pxe has "$log" "unum-netboot: this machine's MAC is 52:54:00:75:6e:0$i, its address 10.77.0.$((i + 1))"
	check bios-node$i-tftp has "$LOGS/dnsmasq.log" "sent .*/boot/grub/i386-pc/core.0 to 10.77.0.$((i + 1))\$"
	check bios-node$i-no-id has "$log" '^boot: multiboot 2 from "GRUB [^"]*", command line "poweroff"$'
	check bios-node$i-by-mac has "$log" "^net: this is node $i: its mac= 52:54:00:75:6e:0$i is virtio-net NIC 0$"
	check bios-node$i-identity has "$log" "^node: this is node $i of 3$"
done

# ---- 2 nodes, UEFI ----
if [ ! -f /usr/share/OVMF/OVMF_CODE_4M.fd ] || [ ! -f /usr/lib/grub/x86_64-efi/multiboot2.mod ]; then
	echo "SKIP: $NAME/uefi (needs Debian packages ovmf and grub-efi-amd64-bin)"
else
	cluster --boot pxe-uefi --nodes 2
	check uefi-status status_is 0
	for i in 0 1; do
		log=$LOGS/node$i.log
		check uefi-node$i-tftp has "$LOGS/dnsmasq.log" "sent .*/boot/grub/x86_64-efi/core.efi to 10.77.0.$((i + 1))\$"
		check uefi-node$i-no-id has "$log" '^boot: multiboot 2 from "GRUB [^"]*", command line "poweroff"$'
		# OVMF puts the NIC's 64-bit BAR above 512 GiB: the monitor maps it
		check uefi-node$i-nic has "$log" "^net: NIC 0: virtio-net 00:0[0-9a-f].0 mac 52:54:00:75:6e:0$i"
		check uefi-node$i-by-mac has "$log" "^net: this is node $i: its mac= 52:54:00:75:6e:0$i is virtio-net NIC 0$"
	done
fi

# ---- a machine the cluster file does not know ----
cluster --boot pxe --nodes 1 --node-mac 0=52:54:00:99:99:99
check unknown-mac-status status_is 2
log=$LOGS/node0.log
check unknown-mac-says-mac has "$log" "^net: NIC 0 \\(virtio-net, mac 52:54:00:99:99:99\\) is no node's mac= in cluster.conf$"
check unknown-mac-refuses has "$log" '^unum: refusing to start: no id=N on the monitor command line, and no local NIC has the mac= of a node in cluster.conf'

# ---- Linux across 2 network-booted nodes ----
if [ ! -f build/guest/linux/bzImage ] || [ ! -f build/guest/linux/initrd.img ]; then
	echo "FAIL: $NAME/linux (no Linux guest image: run make guest-linux)"
	exit 1
fi
TIMEOUT=600 cluster --boot pxe --nodes 2 --guest linux --exec nproc
check linux-status status_is 0
check linux-nproc [ "$(exec_body | sed -n 1p)" = 2 ]
check linux-node0-loads-guest has "$LOGS/node0.log" "^boot:   module 1 'kernel' at "
check linux-node1-no-guest has "$LOGS/node1.log" '^boot: 1 module$'
