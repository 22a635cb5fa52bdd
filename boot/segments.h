/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shared by boot/entry.S (the boot CPU) and boot/trampoline.S (the APs): the
 * monitor's GDT selectors and the data segment set-up once in 64-bit mode.
 */
#ifndef UNUM_BOOT_SEGMENTS_H
#define UNUM_BOOT_SEGMENTS_H

#define SEG_DATA64 0x10

#ifdef __ASSEMBLER__
/* DS, ES and SS on the flat data segment; FS and GS null. */
.macro LOAD_DATA_SEGMENTS64
	movw $SEG_DATA64, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	xorw %ax, %ax
	movw %ax, %fs
	movw %ax, %gs
.endm
#endif

#endif
