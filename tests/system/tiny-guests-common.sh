# SPDX-License-Identifier: GPL-2.0-only
# The tiny test guests' checks that hold on every back end (sourced by
# tiny-guests.sh for AMD SVM under QEMU and boot-bochs.sh for Intel VMX under
# Bochs, after lib.sh): each guest passes (launcher status 64) or, for the
# crashing ones, is stopped by the monitor with its report; the monitor stays up.
# Set before sourcing: TINY_ARGS, the launcher options that pick the emulator;
# TINY_TIMEOUT, seconds per guest.

G=$TOP/build/guest/tiny
# guest NAME [launcher options]: boots NAME; its console is kept in $LOGS/NAME, or in
# $LOGS/$AS when AS is set (one guest run several ways keeps every run's console).
guest() {
	local name=$1 dir=${AS:-$1}
	shift
	TIMEOUT=$TINY_TIMEOUT cluster $TINY_ARGS --guest "$G/$name.bin" "$@"
	mkdir -p "$LOGS/$dir"
	cp "$LOGS/node0.log" "$LOGS/$dir/node0.log"
	log=$LOGS/$dir/node0.log
}

guest cpuid
check cpuid-passes status_is 64
check cpuid-said-ok has "$log" '^tiny cpuid: ok'
check cpuid-started-real-mode has "$log" 'vCPU 0 starts in real mode at 0800:0000'

guest portio
check portio-passes status_is 64
check portio-said-ok has "$log" '^tiny portio: ok'

guest longmode
check longmode-passes status_is 64
check longmode-reached-64-bit has "$log" '^tiny longmode: in 64-bit mode'
check longmode-unknown-msr-reported has "$log" 'read unknown MSR 0x12345 at RIP 0x[0-9a-f]+: #GP$'

guest apic-timer
check apic-timer-passes status_is 64
check apic-timer-said-ok has "$log" '^tiny apic-timer: ok'

# The guest's own paging (A/D bits, PTE changes with INVLPG, two address spaces, CR3
# read back, #PF error codes and CR2, WP off) on nested paging (NPT or EPT).
AS=paging guest paging
check paging-passes status_is 64
check paging-said-ok has "$log" '^tiny paging: ok'

guest mmio
check mmio-passes status_is 64
check mmio-said-ok has "$log" '^tiny mmio: ok'

guest outside-ram
check outside-ram-stops-guest status_is 5
check outside-ram-reported has "$log" '^guest: vCPU 0 accessed guest-physical 0xe0000000 at RIP 0x[0-9a-f]+ \(instruction bytes: a1 00 00 00 e0 .*\): no RAM and no device there$'
check outside-ram-monitor-stays-up has "$log" '^unum: exit code 4$'

AS=smp-ipi-2 guest smp-ipi --cpus 2
check smp-ipi-2-passes status_is 64
AS=smp-ipi-4 guest smp-ipi --cpus 4
check smp-ipi-4-passes status_is 64
check smp-ipi-said-ok has "$log" '^tiny smp-ipi: ok'
# ipi-ping (the IPI round-trip benchmark's guest) on one node: every round trip timed
guest ipi-ping --cpus 2
check ipi-ping-passes status_is 64
check ipi-ping-said-ok has "$log" '^tiny ipi-ping: ok 200'
check ipi-ping-200-samples [ "$(tr -d '\r' <"$log" | grep -cE '^tiny ipi-ping: rtt 0x[0-9a-f]{16}$')" = 200 ]
guest remote-eoi --cpus 2
check remote-eoi-level-irq-twice status_is 64
check remote-eoi-said-twice has "$log" '^tiny remote-eoi: vCPU 1 got the level-triggered interrupt twice'
# the other vCPU, spinning with interrupts off, is stopped at once (not after its spin)
check remote-eoi-one-exit-code [ "$(tr -d '\r' <"$log" | grep -c 'wrote .* to port 0xf4')" = 1 ]

# #DB and #AC, which the monitor intercepts (a loop of them must not hold a core:
# exc-loop, in boot-bochs.sh), reach the guest as the CPU raised them: each #DB
# went through the monitor. What an emulator lacks, the guest says (checked by the
# caller, after this file).
guest debug-exc
check debug-exc-passes status_is 64
check debug-exc-said-ok has "$log" '^tiny debug-exc: ok'
check debug-exc-db-ok has "$log" '^tiny debug-exc: #DB ok'
check debug-exc-db-reflected has "$log" '^exits: +[4-9]  guest exception #DB$'

guest triple-fault
check triple-fault-stops-guest status_is 4
check triple-fault-reported has "$log" '^guest: vCPU 0 triple fault \(shutdown\): the guest crashed$'
check triple-fault-state-dumped has "$log" '^  IDTR .*limit 00000000'

guest hlt-cli
check hlt-cli-stops-guest status_is 5
check hlt-cli-reported has "$log" '^guest: vCPU 0 halted with interrupts disabled at RIP 0x[0-9a-f]+: it can never wake up$'

# The virtio-blk disk, driven by hand and abused: a 64 KiB image whose sector N is
# all bytes N; the guest reads, writes, reads back, gets I/O errors for a sector past
# the end and a buffer outside RAM, any arrangement of descriptors, and has a looping chain, a next index past the
# queue, a misaligned ring and a read-only status byte refused (NEEDS_RESET) with
# the monitor intact; the image file is never written.
disk=$LOGS/virtio-blk.img
python3 -c 'import sys; sys.stdout.buffer.write(b"".join(bytes([n]) * 512 for n in range(128)))' >"$disk"
disk_sum=$(md5sum <"$disk")
guest virtio-blk --disk "$disk"
check virtio-blk-passes status_is 64
check virtio-blk-said-ok has "$log" '^tiny virtio-blk: ok'
check virtio-blk-loop-refused has "$log" '^virtio-blk: queue 0 refused: a descriptor chain is longer than the queue \(a loop\); the device needs a reset'
check virtio-blk-said-past-end has "$log" '^virtio-blk: a request failed: sector 128, 512 bytes: past the end of the disk \(128 sectors\)'
check virtio-blk-no-status-refused has "$log" '^virtio-blk: queue 0 refused: a request without a device-writable status byte'
check virtio-blk-misaligned-said has "$log" '^virtio-blk: queue 0 not enabled: size 8 .* areas at 0x10004'
check virtio-blk-report has "$log" '^disk: 4 reads \(2 KiB\), 2 writes \(1 KiB\), 0 flushes, 0 other, 2 failed$'
check virtio-blk-overlay has "$log" '^disk: 4 KiB written to the overlay in memory'
check virtio-blk-image-untouched [ "$(md5sum <"$disk")" = "$disk_sum" ]
