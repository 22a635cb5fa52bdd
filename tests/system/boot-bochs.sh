#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The monitor on an Intel node: Bochs 2.7 (a CPU with VMX, EPT, VPID and
# unrestricted guest) boots the same unum.elf from the GRUB ISO through its
# BIOS. The boot report finds the Intel CPU's features and the e1000 NIC; a
# Bochs node and a QEMU (AMD) node on one vde_switch exchange the network
# self-test's authenticated messages both ways. Then the tiny test guests with
# the checks they pass on AMD (tiny-guests-common.sh), and Linux on 2 vCPUs.
. "$(dirname "$0")/lib.sh"

cluster --emulator bochs --config examples/cluster.conf --append noguest
log=$LOGS/node0.log
check exit-status status_is 0
check loader has "$log" '^boot: multiboot 2 from "GRUB [^"]*", command line "id=0 poweroff noguest"$'
check intel-cpu has "$log" '^cpu: GenuineIntel family 0x6 model 0x2a'
check vmx-features has "$log" '^cpu: VMX yes, EPT yes, VPID yes, unrestricted guest yes$'
check e1000 has "$log" '^net: NIC 0: e1000 00:0[0-9a-f].0 mac 52:54:00:00:00:10'
check e1000-irq has "$log" '^net: NIC 0: e1000 .*, receive interrupt on IRQ [0-9]+ \(I/O APIC\)$'
check report-complete has "$log" '^unum: node 0 ready: boot report complete$'

# A mixed cluster's network: node 0 on QEMU (AMD), node 1 on Bochs (Intel).
cluster --nodes 2 --emulator qemu,bochs --append nettest=200
check mixed-status status_is 0
check mixed-node1-intel has "$LOGS/node1.log" '^cpu: VMX yes'
check mixed-node0-amd has "$LOGS/node0.log" '^cpu: SVM yes'
check mixed-0-to-1 has "$LOGS/node1.log" '^nettest: node 0 -> node 1: 200 sent, 200 received, 0 bad'
check mixed-1-to-0 has "$LOGS/node0.log" '^nettest: node 1 -> node 0: 200 sent, 200 received, 0 bad'

# Guests on the Intel node: the VMX back end (VMCS, EPT, unrestricted guest for
# the real-mode start) runs the tiny test guests with the checks they pass on AMD.
TINY_ARGS="--emulator bochs" TINY_TIMEOUT=120
. "$(dirname "$0")/tiny-guests-common.sh"
# Bochs raises every #DB and #AC debug-exc tries, with DR6 as hardware has it.
log=$LOGS/debug-exc/node0.log
check debug-exc-vmx-all lacks "$log" '^tiny debug-exc: this CPU'
check debug-exc-vmx-ac-ok has "$log" '^tiny debug-exc: #AC ok'
check debug-exc-vmx-ac-reflected has "$log" '^exits: +1  guest exception #AC$'
# A hostile guest's endless #DB (a data breakpoint where its delivery pushes) and
# #AC (a misaligned CPL 3 stack): each turn is an exit, and vCPU 0 stops the guest.
# Without the intercepts Bochs itself crashed. (QEMU crashes on a data breakpoint
# hit while it delivers an event, intercepted or not: not run there.)
guest exc-loop --cpus 3
check exc-loop-stopped status_is 64
check exc-loop-said-ok has "$log" '^tiny exc-loop: ok'
check exc-loop-both-looped lacks "$log" '^tiny exc-loop: this CPU ends'
check exc-loop-db-through-monitor has "$log" '^exits: +[0-9]{2,}  guest exception #DB$'
check exc-loop-ac-through-monitor has "$log" '^exits: +[0-9]{2,}  guest exception #AC$'

guest cpuid
check vmx-caps has "$log" '^vmx: VMCS revision 0x[0-9a-f]+, 4096-byte regions; EPT 4-level write-back, 2 MiB pages yes'
check vmx-root has "$log" '^vmx: CPU 0 in VMX root operation$'
check vmx-guest-on-vmx has "$log" '^unum: starting the guest on Intel VMX with EPT$'
# Shadow page tables are AMD's only: an Intel node refuses the option with the reason.
guest cpuid --append shadow
check vmx-shadow-refused status_is 2
check vmx-shadow-reason has "$log" '^unum: refusing to start: shadow page tables \(shadow\) are written for AMD SVM only'

# One guest across 2 Intel nodes, both running at once (no turns to begin with: every node
# is an Intel one, and on EPT without A/D bits the guest's page-table walks read its tables,
# so they stay read-shared): vCPU 1 on node 1 started by INIT/SIPI over the network, every IPI
# kind across nodes, the shared counters coherent.
TIMEOUT=300 cluster --nodes 2 --emulator bochs --guest "$G/smp-ipi.bin"
mkdir -p "$LOGS/2-nodes" && cp "$LOGS"/node*.log "$LOGS/2-nodes/"
check 2-nodes-passes status_is 64
check 2-nodes-said-ok has "$LOGS/2-nodes/node0.log" '^tiny smp-ipi: ok'
check 2-nodes-vcpu1-started-by-sipi has "$LOGS/2-nodes/node1.log" '^vcpus: vCPU 1: [1-9][0-9]* INIT, [1-9][0-9]* SIPI, started [1-9]'
check 2-nodes-node1-fetched-pages has "$LOGS/2-nodes/node1.log" '^dsm: [1-9][0-9]* read and [0-9]+ write faults sent'
check 2-nodes-no-turns lacks "$LOGS/2-nodes/node0.log" '^turns: the nodes'
check 2-nodes-no-turns-said has "$LOGS/2-nodes/node1.log" '^turns: none to begin with: every node walks the guest.s page tables with reads'
check 2-nodes-same-tsc-rate [ "$(grep -ah '^time: TSC' "$LOGS"/2-nodes/node0.log)" = "$(grep -ah '^time: TSC' "$LOGS"/2-nodes/node1.log)" ]

# A shared counter under one spinlock across 2 Intel nodes running at once: mutual
# exclusion holds while the lock's page moves between them.
TIMEOUT=400 cluster --nodes 2 --emulator bochs --guest "$G/lock-contend-short.bin"
mkdir -p "$LOGS/2-nodes-lock" && cp "$LOGS"/node*.log "$LOGS/2-nodes-lock/"
check 2-nodes-lock-passes status_is 64
check 2-nodes-lock-exact has "$LOGS/2-nodes-lock/node0.log" '^tiny lock-contend: ok, the counter is exact'
check 2-nodes-lock-page-moved has "$LOGS/2-nodes-lock/node1.log" '^dsm: [0-9]+ read and [1-9][0-9]* write faults sent'

# A mixed cluster: node 0 on QEMU (AMD SVM), node 1 on Bochs (Intel VMX) run one
# guest: INIT/SIPI and every IPI kind across, shared counters coherent. Node 0 starts
# the guest only once node 1, much slower, has built its part (the start barrier).
TIMEOUT=300 cluster --nodes 2 --emulator qemu,bochs --guest "$G/smp-ipi.bin"
mkdir -p "$LOGS/mixed-guest" && cp "$LOGS"/node*.log "$LOGS/mixed-guest/"
check mixed-guest-passes status_is 64
check mixed-guest-said-ok has "$LOGS/mixed-guest/node0.log" '^tiny smp-ipi: ok'
check mixed-guest-node0-amd has "$LOGS/mixed-guest/node0.log" '^unum: starting the guest on AMD SVM'
check mixed-guest-node1-intel has "$LOGS/mixed-guest/node1.log" '^unum: starting the guest on Intel VMX'
# (node 0 on shadow page tables, the default across nodes on AMD, node 1 on EPT without
# A/D flags: both walk the guest's tables with reads, so they begin at once)
check mixed-guest-no-turns has "$LOGS/mixed-guest/node0.log" '^turns: none to begin with: every node walks the guest.s page tables with reads'
check mixed-guest-node0-shadows has "$LOGS/mixed-guest/node0.log" '^shadow: guest page tables shadowed on this node'
check mixed-guest-vcpu1-started-by-sipi has "$LOGS/mixed-guest/node1.log" '^vcpus: vCPU 1: [1-9][0-9]* INIT, [1-9][0-9]* SIPI, started [1-9]'
# Forwarded I/O across vendors: vCPU 1 on the Intel node writes COM1, reads its scratch
# register and programs the IOAPIC, all done by node 0's devices (remote-io without its
# TSC checks: the two nodes' TSCs run at different rates).
TIMEOUT=300 cluster --nodes 2 --emulator qemu,bochs --guest "$G/remote-io-mixed.bin"
mkdir -p "$LOGS/mixed-io" && cp "$LOGS"/node*.log "$LOGS/mixed-io/"
check mixed-io-passes status_is 64
check mixed-io-line-on-node0 has "$LOGS/mixed-io/node0.log" '^tiny remote-io: hello from vCPU 1'
check mixed-io-node1-mmio-forwarded has "$LOGS/mixed-io/node1.log" '^exits: +[0-9]+ +MMIO page 0xfec00000'
check mixed-io-node1-port-forwarded has "$LOGS/mixed-io/node1.log" '^exits: +[0-9]+ +port I/O 0x3f[8f]'

# Linux on one Intel node with two vCPUs: both CPUs seen, the parallel program's
# per-thread checksums and shared atomic counter exact, ACPI power-off.
if [ -f build/guest/linux/bzImage ]; then
	TIMEOUT=900 cluster --emulator bochs --cpus 2 --memory 512 --guest linux \
		--exec 'nproc; parallel -n 200000 -m 2000 | tail -1'
	out=$(exec_body)
	cp "$LOGS/node0.log" "$LOGS/linux.log"
	check linux-status status_is 0
	check linux-booted has "$LOGS/linux.log" '^===UNUM-INIT-READY=== kernel=[0-9.]+-[0-9]+-amd64 cpus=2 '
	check linux-nproc [ "$(echo "$out" | sed -n 1p)" = 2 ]
	check linux-parallel-exact grep -q '^parallel: threads=2 ok counter=4000 expected=4000$' <<<"$out"
	check linux-powered-off has "$LOGS/linux.log" '^guest: powered off \(ACPI S5\)$'
	check linux-no-unhandled-exit lacks "$LOGS/linux.log" 'not handled by the monitor'
else
	echo "FAIL: $NAME/linux (no Linux guest image: run make guest-linux)"
fi
