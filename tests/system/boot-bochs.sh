#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The monitor on an Intel node: Bochs 2.7 (a CPU with VMX, EPT, VPID and
# unrestricted guest) boots the same unum.elf from the GRUB ISO through its
# BIOS. The boot report finds the Intel CPU's features and the e1000 NIC; a
# Bochs node and a QEMU (AMD) node on one vde_switch exchange the network
# self-test's authenticated messages both ways.
. "$(dirname "$0")/lib.sh"

cluster --emulator bochs --config examples/cluster.conf --append noguest
log=$LOGS/node0.log
check exit-status status_is 0
check loader has "$log" '^boot: multiboot 2 from "GRUB [^"]*", command line "id=0 poweroff noguest"$'
check intel-cpu has "$log" '^cpu: GenuineIntel family 0x6 model 0x2a'
check vmx-features has "$log" '^cpu: VMX yes, EPT yes, VPID yes, unrestricted guest yes$'
check e1000 has "$log" '^net: NIC 0: e1000 00:0[0-9a-f].0 mac 52:54:00:00:00:10'
check report-complete has "$log" '^unum: node 0 ready: boot report complete$'

# A mixed cluster's network: node 0 on QEMU (AMD), node 1 on Bochs (Intel).
cluster --nodes 2 --emulator qemu,bochs --append nettest=200
check mixed-status status_is 0
check mixed-node1-intel has "$LOGS/node1.log" '^cpu: VMX yes'
check mixed-node0-amd has "$LOGS/node0.log" '^cpu: SVM yes'
check mixed-0-to-1 has "$LOGS/node1.log" '^nettest: node 0 -> node 1: 200 sent, 200 received, 0 bad'
check mixed-1-to-0 has "$LOGS/node0.log" '^nettest: node 1 -> node 0: 200 sent, 200 received, 0 bad'

# Guests on the Intel node: the VMX back end (VMCS, EPT, unrestricted guest for
# the real-mode start) runs the tiny test guests that tests/system/tiny-guests.sh
# runs on AMD: a passing guest ends with launcher status 64, the crashing ones are
# stopped with their report.
guest() {
	local name=$1
	shift
	TIMEOUT=90 cluster --emulator bochs --guest "build/guest/tiny/$name.bin" "$@"
	cp "$LOGS/node0.log" "$LOGS/$name.log"
}
guest cpuid
check vmx-caps has "$LOGS/node0.log" '^vmx: VMCS revision 0x[0-9a-f]+, 4096-byte regions; EPT 4-level write-back, 2 MiB pages yes'
check vmx-root has "$LOGS/node0.log" '^vmx: CPU 0 in VMX root operation$'
check vmx-guest-on-vmx has "$LOGS/node0.log" '^unum: starting the guest on Intel VMX with EPT$'
check vmx-cpuid status_is 64
for name in portio longmode apic-timer paging mmio lock-contend; do
	guest $name
	check vmx-$name status_is 64
done
guest smp-ipi --cpus 2
check vmx-smp-ipi-2 status_is 64
guest ipi-ping --cpus 2
check vmx-ipi-ping-2 status_is 64
guest triple-fault
check vmx-triple-fault-stops-guest status_is 4
check vmx-triple-fault-reported has "$LOGS/node0.log" '^guest: vCPU 0 triple fault \(shutdown\): the guest crashed$'
guest hlt-cli
check vmx-hlt-cli-stops-guest status_is 5
guest outside-ram
check vmx-outside-ram-stops-guest status_is 5
check vmx-outside-ram-reported has "$LOGS/node0.log" '^guest: vCPU 0 accessed guest-physical 0xe0000000 at RIP 0x[0-9a-f]+ \(instruction bytes: a1 00 00 00 e0 .*\): no RAM and no device there$'
# Shadow page tables are AMD's only: an Intel node refuses the option with the reason.
guest cpuid --append shadow
check vmx-shadow-refused status_is 2
check vmx-shadow-reason has "$LOGS/node0.log" '^unum: refusing to start: shadow page tables \(shadow\) are written for AMD SVM only'
