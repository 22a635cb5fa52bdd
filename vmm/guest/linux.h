/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Loading a Linux bzImage the way a boot loader does, by the Linux x86 boot
 * protocol (Documentation/arch/x86/boot.rst, version 2.12 or later), and
 * entering it at its 64-bit entry point: no BIOS, no real-mode setup code.
 * The monitor provides what the protocol asks of a loader: boot_params with
 * the setup header, an e820 memory map, the command line, the initrd, the
 * ACPI RSDP address, identity page tables and a GDT with __BOOT_CS/__BOOT_DS.
 */
#ifndef UNUM_VMM_GUEST_LINUX_H
#define UNUM_VMM_GUEST_LINUX_H

#include "vmm/virt/vm.h"

/* Guest-physical layout below 1 MiB (all in the first, usable, e820 range). */
#define LINUX_GDT_GPA	      0x1000
#define LINUX_PML4_GPA	      0x2000 /* then the PDPT and four page directories */
#define LINUX_BOOT_PARAMS_GPA 0x10000
#define LINUX_CMDLINE_GPA     0x20000
#define LINUX_CMDLINE_MAX     2048

/*
 * Loads kernel (and initrd, if initrd_len) into the VM and sets vCPU 0 at
 * the 64-bit entry. Returns 0, or a negative error with the reason printed.
 */
int linux_load(struct vm *vm, const u8 *kernel, u64 kernel_len, const u8 *initrd, u64 initrd_len,
	       const char *cmdline, gpa_t rsdp);

#endif
