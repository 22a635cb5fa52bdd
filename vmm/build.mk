# SPDX-License-Identifier: GPL-2.0-only
# vmm/: the monitor core. Files marked (host) also build into host tests.
MON_SRCS += \
	vmm/main.c \
	vmm/klib.c \
	vmm/printf.c \
	vmm/log.c \
	vmm/spinlock.c \
	vmm/panic.c \
	vmm/power.c \
	vmm/percpu.c \
	vmm/gdt.c \
	vmm/idt.c \
	vmm/isr.S \
	vmm/cpu.c \
	vmm/bootinfo.c \
	vmm/cmdline.c \
	vmm/config.c \
	vmm/config_value.c \
	vmm/pmm.c \
	vmm/mm.c \
	vmm/paging.c \
	vmm/report.c
# The generic virtualization layer and the AMD SVM back end.
MON_SRCS += vmm/virt.c vmm/vm.c vmm/exit.c vmm/io.c vmm/cpuid.c vmm/cpuid_policy.c vmm/msr.c \
	vmm/loader.c vmm/dev/uart16550.c vmm/dev/testdev.c \
	vmm/svm/svm.c vmm/svm/exit.c vmm/svm/npt.c vmm/svm/vmrun.S
MON_SRCS += vmm/dev/vlapic.c vmm/dev/vlapic_timer.c
MON_SRCS += vmm/acpi.c vmm/acpi_numa.c vmm/linux.c vmm/dev/power.c
MON_SRCS += vmm/exitstats.c vmm/mmio.c vmm/decode.c vmm/emulate.c vmm/gwalk.c vmm/dev/ioapic.c vmm/dev/irq.c
MON_SRCS += vmm/dev/pit.c vmm/dev/legacy.c vmm/dev/pci.c vmm/dev/kvmclock.c
MON_SRCS += vmm/smp.c vmm/pv.c vmm/remote.c vmm/vmdsm.c vmm/vmdsm_prefetch.c vmm/turns.c vmm/handoff.c
