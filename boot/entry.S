/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The monitor's entry point. Every loader (QEMU -kernel with multiboot 1,
 * GRUB BIOS and GRUB UEFI with multiboot 1 or 2) enters here in 32-bit
 * protected mode, paging off, interrupts off, with the boot magic in EAX and
 * the physical address of the boot information in EBX; nothing else (stack,
 * GDT, IDT) may be relied on. This file checks for long mode, clears .bss,
 * identity-maps the first 4 GiB with 2 MiB pages, switches to 64-bit mode and
 * calls monitor_main(magic, info) in C with the boot stack of CPU 0.
 * The C code maps the rest of memory and sets caching attributes later.
 */
#include "boot/multiboot.h"
#include "boot/segments.h"

#define CR0_PE 0x00000001
#define CR0_WP 0x00010000
#define CR0_PG 0x80000000
#define CR4_PAE 0x00000020
#define MSR_EFER 0xC0000080
#define EFER_LME 0x00000100
#define EFER_NXE 0x00000800
#define PTE_P 0x001
#define PTE_W 0x002
#define PTE_PS 0x080
#define COM1 0x3F8
#define BOOT_STACK_SIZE 16384

	.section .text.boot, "ax"
	.code32
	.globl _start
_start:
	cli
	cld
	/* No stack yet: keep the loader's EAX and EBX in .data, which the next step spares. */
	movl %eax, boot_magic
	movl %ebx, boot_info

	/* .bss (page tables and the boot stack live there) starts zeroed. */
	movl $__bss_start, %edi
	movl $__bss_end, %ecx
	subl %edi, %ecx
	shrl $2, %ecx
	xorl %eax, %eax
	rep stosl
	movl $boot_stack_top, %esp

	/* CPUID 8000_0001h EDX bit 29: long mode. Without it there is nothing to run. */
	movl $0x80000000, %eax
	cpuid
	cmpl $0x80000001, %eax
	jb no_long_mode
	movl $0x80000001, %eax
	cpuid
	btl $29, %edx
	jnc no_long_mode
	movl %edx, %ebp			/* bit 20: NX, used for EFER.NXE below */

	/* PML4[0] -> PDPT; PDPT[0..3] -> four page directories of 2 MiB pages. */
	movl $boot_pdpt, %eax
	orl $(PTE_P | PTE_W), %eax
	movl %eax, boot_pml4
	xorl %ecx, %ecx
1:	movl %ecx, %eax
	shll $12, %eax
	addl $boot_pd, %eax
	orl $(PTE_P | PTE_W), %eax
	movl %eax, boot_pdpt(, %ecx, 8)
	incl %ecx
	cmpl $4, %ecx
	jb 1b
	xorl %ecx, %ecx			/* 2048 entries, entry i maps i * 2 MiB */
2:	movl %ecx, %eax
	shll $21, %eax
	orl $(PTE_P | PTE_W | PTE_PS), %eax
	movl %eax, boot_pd(, %ecx, 8)
	movl %ecx, %eax
	shrl $11, %eax			/* high half of the address: i >> 11 */
	movl %eax, boot_pd + 4(, %ecx, 8)
	incl %ecx
	cmpl $2048, %ecx
	jb 2b

	movl %cr4, %eax
	orl $CR4_PAE, %eax
	movl %eax, %cr4
	movl $boot_pml4, %eax
	movl %eax, %cr3
	movl $MSR_EFER, %ecx
	rdmsr
	orl $EFER_LME, %eax
	btl $20, %ebp
	jnc 3f
	orl $EFER_NXE, %eax
3:	wrmsr
	lgdt boot_gdt_ptr
	movl %cr0, %eax
	orl $(CR0_PE | CR0_PG | CR0_WP), %eax
	movl %eax, %cr0
	ljmp $0x08, $long_mode

no_long_mode:
	movl $no_lm_msg, %ebx
4:	movb (%ebx), %al
	testb %al, %al
	jz 6f
	movw $COM1 + 5, %dx		/* wait for the transmitter (LSR.THRE) */
5:	inb %dx, %al
	testb $0x20, %al
	jz 5b
	movb (%ebx), %al
	movw $COM1, %dx
	outb %al, %dx
	incl %ebx
	jmp 4b
6:	hlt
	jmp 6b

	.code64
long_mode:
	LOAD_DATA_SEGMENTS64
	movq $boot_stack_top, %rsp
	xorl %ebp, %ebp
	movl boot_magic(%rip), %edi	/* monitor_main(magic, info): zero-extended */
	movl boot_info(%rip), %esi
	call monitor_main
7:	cli
	hlt
	jmp 7b

	.section .rodata
no_lm_msg:
	.asciz "Unum: this CPU has no 64-bit long mode (CPUID 8000_0001h EDX bit 29); cannot start.\r\n"

	/* Flat 64-bit code (0x08) and data (0x10) segments. */
	.balign 16
	.globl boot_gdt
boot_gdt:
	.quad 0
	.quad 0x00af9a000000ffff
	.quad 0x00cf92000000ffff
boot_gdt_end:
	.balign 8
boot_gdt_ptr:
	.short boot_gdt_end - boot_gdt - 1
	.long boot_gdt

	.section .data
	.balign 4
boot_magic:
	.long 0
boot_info:
	.long 0

	.section .bss
	.balign 4096
	.globl boot_pml4, boot_pdpt, boot_pd
boot_pml4:
	.skip 4096
boot_pdpt:
	.skip 4096
boot_pd:
	.skip 4 * 4096
	.balign 16
	.globl boot_stack_bottom, boot_stack_top
boot_stack_bottom:
	.skip BOOT_STACK_SIZE
boot_stack_top:
