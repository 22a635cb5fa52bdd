/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * From real mode to 64-bit long mode, the way an AP's start-up code does:
 * GDT, protected mode, PAE page tables, EFER.LME through WRMSR (intercepted
 * by the monitor), paging on, far jump into a 64-bit segment. Then, in long
 * mode: EFER reads back with LMA set (exit 2) and without SVME (3); an
 * unknown MSR raises #GP into the guest's own handler (4); 64-bit
 * arithmetic works (5). Exit 1: the far jump into long mode came back.
 */
#include "tiny.h"
#define PML4 0x20000
#define PDPT 0x21000
#define PD 0x22000
#define MSR_EFER 0xc0000080

	TINY_HEADER
	PUTS16 hello
	ENTER_PM32 pm32
pm32:
	/* identity map the first 16 MiB with 2 MiB pages */
	movl $PDPT | 3, PML4
	movl $PD | 3, PDPT
	xorl %ecx, %ecx
1:	movl %ecx, %eax
	shll $21, %eax
	orl $0x83, %eax
	movl %eax, PD(, %ecx, 8)
	incl %ecx
	cmpl $8, %ecx
	jb 1b
	movl %cr4, %eax
	orl $0x20, %eax		/* PAE */
	movl %eax, %cr4
	movl $PML4, %eax
	movl %eax, %cr3
	movl $MSR_EFER, %ecx
	rdmsr
	orl $0x100, %eax	/* LME */
	wrmsr
	movl %cr0, %eax
	orl $0x80000000, %eax	/* PG */
	movl %eax, %cr0
	ljmpl $0x18, $lm64
	EXIT 1

	.code64
lm64:
	lidt idt_ptr(%rip)
	leaq inlong(%rip), %rsi
	call puts64
	movl $MSR_EFER, %ecx
	rdmsr
	btl $10, %eax		/* LMA */
	jnc fail2
	btl $12, %eax		/* SVME must not show */
	jc fail3
	movl $0x12345, %ecx	/* no such MSR */
	rdmsr
	cmpl $1, gp_count(%rip)
	jne fail4
	movabsq $0x123456789a, %rax
	shrq $32, %rax
	cmpq $0x12, %rax
	jne fail5
	leaq ok(%rip), %rsi
	call puts64
	EXIT 0
fail2:	EXIT 2
fail3:	EXIT 3
fail4:	EXIT 4
fail5:	EXIT 5

/* #GP: count it and step over the 2-byte RDMSR that raised it. */
gp_handler:
	incl gp_count(%rip)
	addq $8, %rsp		/* error code */
	addq $2, (%rsp)
	iretq

	PUTS_BODY puts64

	PUTS16_BODY

	GDT_TABLE

	IDT64_ONE 13, gp_handler

gp_count:	.long 0
hello:	.asciz "tiny longmode: real mode, going to long mode\r\n"
inlong:	.asciz "tiny longmode: in 64-bit mode\r\n"
ok:	.asciz "tiny longmode: ok\r\n"
