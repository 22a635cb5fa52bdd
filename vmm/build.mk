# SPDX-License-Identifier: GPL-2.0-only
# vmm/: the monitor, one folder per layer, lowest first (doc/design.md, "Layout"). A folder's
# files include only their own folder's headers and those of the folders listed before it
# here (tools/check-layers, run by make check).
# lib: code with no state of the node: the C runtime (klib, printf), the x86 instruction
# wrappers, and the cluster file's format; the host tests and tools build it too.
MON_SRCS += vmm/lib/klib.c vmm/lib/printf.c vmm/lib/config.c vmm/lib/config_value.c
# host: the physical node: boot information, CPU set-up, interrupts, LAPIC and TSC, memory,
# paging, SMP, locks, the log and panic, power.
MON_SRCS += vmm/host/bootinfo.c vmm/host/percpu.c vmm/host/gdt.c vmm/host/idt.c \
	vmm/host/isr.S vmm/host/cpu.c vmm/host/lapic.c vmm/host/tsc.c vmm/host/pmm.c \
	vmm/host/mm.c vmm/host/paging.c vmm/host/smp.c vmm/host/spinlock.c vmm/host/log.c \
	vmm/host/panic.c vmm/host/power.c
# node: this node's command line and boot report.
MON_SRCS += vmm/node/cmdline.c vmm/node/report.c
# emu: the instruction decoder and emulator, the guest page-table walker.
MON_SRCS += vmm/emu/decode.c vmm/emu/emulate.c vmm/emu/gwalk.c
# dev: the device models, pure state machines (LAPIC and its timer, I/O APIC, PIT, kvmclock).
MON_SRCS += vmm/dev/vlapic.c vmm/dev/vlapic_timer.c vmm/dev/ioapic.c vmm/dev/pit.c \
	vmm/dev/kvmclock.c
# virt: the generic hypervisor (the VM and its vCPUs, exits, port I/O, MMIO, MSRs, CPUID, PV,
# interrupt routing, the nested page-table walker, the shadow page tables).
MON_SRCS += vmm/virt/virt.c vmm/virt/vm.c vmm/virt/exit.c vmm/virt/exitstats.c vmm/virt/io.c \
	vmm/virt/mmio.c vmm/virt/cpuid.c vmm/virt/cpuid_policy.c vmm/virt/msr.c vmm/virt/pv.c \
	vmm/virt/guest_mem.c vmm/virt/nested.c vmm/virt/irq.c vmm/virt/shadow.c \
	vmm/virt/shadow_vm.c
# platform: the guest's devices wired to the VM's port and MMIO dispatch.
MON_SRCS += vmm/platform/uart16550.c vmm/platform/testdev.c vmm/platform/power.c \
	vmm/platform/legacy.c vmm/platform/pci.c vmm/platform/virtq.c vmm/platform/disk.c \
	vmm/platform/virtio_pci.c vmm/platform/virtio_blk.c \
	vmm/platform/virtio_net.c
# svm: the AMD back end.
MON_SRCS += vmm/svm/svm.c vmm/svm/exit.c vmm/svm/npt.c vmm/svm/vmrun.S
MON_SRCS += vmm/virt/virt_pick.c
MON_SRCS += vmm/vmx/vmx.c vmm/vmx/vcpu.c vmm/vmx/exit.c vmm/vmx/ept.c vmm/vmx/vmentry.S
# guest: building the guest (loader, Linux boot protocol, ACPI tables).
MON_SRCS += vmm/guest/loader.c vmm/guest/linux.c vmm/guest/acpi.c vmm/guest/acpi_numa.c
# cluster: one guest across nodes (remote vCPUs and I/O, turns, the DSM glue, prefetch).
MON_SRCS += vmm/cluster/remote.c vmm/cluster/turns.c vmm/cluster/vmdsm.c \
	vmm/cluster/vmdsm_prefetch.c vmm/cluster/handoff.c vmm/cluster/cluster.c \
	vmm/cluster/remote_wire.c vmm/cluster/remote_io.c vmm/cluster/remote_time.c \
	vmm/cluster/vmdsm_mem.c vmm/cluster/vmdsm_report.c vmm/cluster/vmdsm_cache.c \
	vmm/cluster/turns_token.c vmm/cluster/alone.c
MON_SRCS += vmm/main.c
