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
