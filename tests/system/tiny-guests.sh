#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Boots each tiny test guest (guest-images/tiny/) under the monitor on AMD SVM
# with nested paging, under QEMU, and checks what it reports: a passing guest
# ends with code 0 through port 0xf4 (launcher status 64); a guest that
# crashes or halts for good must be stopped by the monitor with a report,
# never take the monitor down. The same checks run on Intel VMX under Bochs
# (boot-bochs.sh): tiny-guests-common.sh.
. "$(dirname "$0")/lib.sh"

TINY_ARGS="--boot kernel" TINY_TIMEOUT=60
. "$(dirname "$0")/tiny-guests-common.sh"

# What QEMU's CPU lacks, which debug-exc says rather than fails (Bochs has all).
log=$LOGS/debug-exc/node0.log
check debug-exc-qemu-int1-ud has "$log" '^tiny debug-exc: this CPU raises #UD for INT1'
check debug-exc-qemu-no-gd has "$log" '^tiny debug-exc: this CPU has no general detect'
check debug-exc-qemu-no-ac has "$log" '^tiny debug-exc: this CPU raises no #AC'

# Shadow page tables (AMD only): the paging guest again, where the shadows must
# have done the work: with page tables given back out of sync until the guest's
# INVLPG or CR3 load (`shadow`), and with every write to them emulated (`shadow=sync`).
AS=paging-shadow guest paging --append shadow
check paging-shadow-passes status_is 64
check paging-shadow-said-ok has "$log" '^tiny paging: ok'
check paging-shadow-filled has "$log" '^shadow: [1-9][0-9]* fills \(and [0-9]+ entries mapped beside them\), 2 #PF given to the guest, 0 spurious, '
check paging-shadow-out-of-sync has "$log" '^shadow: out of sync: [1-9][0-9]* page tables given back, [1-9][0-9]* synced again \([0-9]+ entries dropped then\), [1-9][0-9]* INVLPGs that reached one$'
AS=paging-shadow-sync guest paging --append shadow=sync
check paging-shadow-sync-passes status_is 64
check paging-shadow-sync-said-ok has "$log" '^tiny paging: ok'
check paging-shadow-sync-emulated has "$log" '^shadow: [1-9][0-9]* fills \(and [0-9]+ entries mapped beside them\), 2 #PF given to the guest, 0 spurious, .* [1-9][0-9]* page-table writes emulated'
check paging-shadow-sync-in-sync has "$log" '^shadow: out of sync: 0 page tables given back'

# Page tables shared by two vCPUs of one node, one changing them while the other uses
# them (shootdowns by IPI, A/D bits set by the other vCPU and read back, a page made
# read-only under the other's writing loop, its own CR3 switch): on nested paging, then
# shadowed (the other vCPU's read-only fault is the guest's own #PF).
AS=paging-smp guest paging-smp --cpus 2
check paging-smp-passes status_is 64
check paging-smp-said-ok has "$log" '^tiny paging-smp: ok'
for mode in shadow shadow=sync; do
	AS=paging-smp-${mode/=/-} guest paging-smp --cpus 2 --append $mode
	check paging-smp-${mode/=/-}-passes status_is 64
	check paging-smp-${mode/=/-}-said-ok has "$log" '^tiny paging-smp: ok'
	check paging-smp-${mode/=/-}-filled has "$log" '^shadow: [1-9][0-9]* fills \(and [0-9]+ entries mapped beside them\), 1 #PF given to the guest, '
done
check paging-smp-shadow-out-of-sync has "$LOGS/paging-smp-shadow/node0.log" '^shadow: out of sync: [1-9][0-9]* page tables given back'
check paging-smp-shadow-sync-emulated has "$LOGS/paging-smp-shadow-sync/node0.log" '^shadow: .* [1-9][0-9]* page-table writes emulated'
check paging-smp-shadow-sync-in-sync has "$LOGS/paging-smp-shadow-sync/node0.log" '^shadow: out of sync: 0 page tables given back'

# The GRUB ISO boot path, as on a real machine.
guest cpuid --boot iso
check grub-iso-guest-passes status_is 64
