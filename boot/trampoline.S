/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Application processor start-up. vmm/host/smp.c copies this page-sized stub to
 * a free page below 1 MiB, fills in trampoline_params, and sends INIT and
 * SIPIs with that page's number as the vector: every AP starts here in real
 * mode at CS:IP = page:0 (Intel SDM vol. 3 section 9.4.4; AMD APM vol. 2
 * 15.27.8), enters protected mode with a GDT inside this page, turns on PAE
 * paging with the boot page tables and long mode, and jumps to ap_entry64
 * in the monitor image. Position-independent in real mode: every address
 * below is relative to the page's start, which CS (and DS) point at.
 */
#include "boot/segments.h"
#define TP(sym) ((sym) - trampoline_start)

	.section .rodata
	.code16
	.balign 4096
	.globl trampoline_start, trampoline_end, trampoline_params
trampoline_start:
	cli
	cld
	movw %cs, %ax
	movw %ax, %ds
	xorl %ebx, %ebx				/* EBX = this page's base, CS * 16 */
	movw %ax, %bx
	shll $4, %ebx
	/* The GDT pointer and the far jump hold linear addresses: vmm/host/smp.c
	 * wrote them into this copy before the SIPI (all APs run it at once,
	 * so it must not patch itself). */
	lgdtl TP(tp_gdt_ptr)
	movl %cr0, %eax
	orl $1, %eax
	movl %eax, %cr0
	ljmpl *TP(tp_pm32_target)

	.code32
tp_pm32:
	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	/* EBX still holds this page's base. */
	movl %cr4, %eax
	orl $0x20, %eax				/* PAE */
	movl %eax, %cr4
	movl TP(tp_cr3)(%ebx), %eax
	movl %eax, %cr3
	movl $0xc0000080, %ecx			/* EFER: LME, and NXE as the BSP has it */
	rdmsr
	orl TP(tp_efer)(%ebx), %eax
	wrmsr
	movl %cr0, %eax
	orl $0x80010000, %eax			/* PG, WP */
	movl %eax, %cr0
	leal TP(tp_lm64_ptr)(%ebx), %eax
	ljmpl *(%eax)

	.balign 8
	/* The monitor's selectors (0x08 64-bit code, 0x10 data) mean the same
	 * here, so the CS an AP arrives with stays valid under its own GDT. */
tp_gdt:
	.quad 0
	.quad 0x00af9a000000ffff		/* 0x08: 64-bit code */
	.quad 0x00cf92000000ffff		/* 0x10: data */
	.quad 0x00cf9a000000ffff		/* 0x18: 32-bit code, for the way up */
tp_gdt_end:
tp_gdt_ptr:
	.word tp_gdt_end - tp_gdt - 1
	.long TP(tp_gdt)			/* + page base, by vmm/host/smp.c */
tp_pm32_target:
	.long TP(tp_pm32)			/* + page base, by vmm/host/smp.c */
	.word 0x18
	.balign 8
tp_lm64_ptr:
	.long ap_entry64			/* in the monitor image: below 4 GiB */
	.word 0x08

	.balign 8
trampoline_params:
tp_cr3:		.long 0
tp_efer:	.long 0
trampoline_end:
	.globl trampoline_gdt_ptr_base, trampoline_pm32_target
	.set trampoline_gdt_ptr_base, TP(tp_gdt_ptr) + 2
	.set trampoline_pm32_target, TP(tp_pm32_target)

	.text
	.code64
	.globl ap_entry64
/* 64-bit from here, on the boot page tables. Take the next AP number and
 * its stack from vmm/host/smp.c's tables, then call ap_main(number). */
ap_entry64:
	LOAD_DATA_SEGMENTS64
	movl $1, %edi
	lock xaddl %edi, smp_next_cpu(%rip)	/* EDI = this AP's CPU number */
	cmpl smp_max_cpus(%rip), %edi
	jae 2f
	movq smp_stacks(, %rdi, 8), %rsp
	xorl %ebp, %ebp
	call ap_main
2:	cli					/* more CPUs than the monitor supports: park */
	hlt
	jmp 2b
