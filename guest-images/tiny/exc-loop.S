/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A hostile guest's endless exceptions (CVE-2015-8104, CVE-2015-5307): each
 * delivery raises the same exception again before one guest instruction runs,
 * so a CPU left to deliver them itself would never take an interrupt or exit
 * again, and the monitor would lose that core. Needs three vCPUs.
 *   vCPU 1, in 64-bit mode: a data write breakpoint on the slot of its #DB
 *   stack (IST 1) where delivering a #DB pushes SS; a write there raises #DB,
 *   whose delivery writes there again, and so on.
 *   vCPU 2, at CPL 3 with alignment checking and a misaligned stack: a push
 *   raises #AC, whose CPL 3 handler's frame goes onto that same stack.
 * vCPU 0 waits until both are in their loops, spins a little longer, and ends
 * the guest (0): the monitor must stop both others. The test reads the exit
 * profile: the loops went round through the monitor. A CPU that does not loop
 * (an emulator without the breakpoint or the alignment check) reaches the
 * handler, which says so. 1: a vCPU did not start.
 */
#include "tiny.h"
#define SPIN 200000000
#define LINGER 3000000
#define DB_STACK 0x7000		/* IST 1 (16-byte aligned) */
#define AC_STACK 0x6001		/* misaligned */

	TINY_HEADER
	PUTS16 hello
	ENTER_PM32 bsp32
bsp32:
	START_APS
	movl $SPIN, %ecx
1:	cmpl $2, ready
	je 2f
	pause
	loop 1b
	EXIT 1
2:	movl $LINGER, %ecx
3:	pause
	loop 3b
	cmpl $0, db_ran
	je 4f
	PUTS32 db_none
4:	cmpl $0, ac_ran
	je 5f
	PUTS32 ac_none
5:	PUTS32 ok
	EXIT 0

	PUTS16_BODY
	.code32
	PUTS_BODY puts32_body

/* vCPU 1: 64-bit mode, a TSS with IST 1 for #DB */
db_loop:
	ENTER_LONG64 long64
	.code64
long64:
	lidt idt64_ptr(%rip)
	movw $0x30, %ax
	ltr %ax
	movq $DB_STACK - 8, %rax	/* DR0: where #DB's delivery pushes SS */
	movq %rax, %db0
	movq $0x90401, %rax		/* L0, write, 8 bytes */
	movq %rax, %db7
	lock incl ready(%rip)
	movq $0, DB_STACK - 8		/* the first #DB */
	jmp .
db_handler:				/* only if the CPU did not loop */
	movl $1, db_ran(%rip)
	jmp .

	.code32
/* vCPU 2: alignment checking, CPL 3, a misaligned stack, #AC to a CPL 3 handler */
ac_loop:
	movl $0x5ff0, %esp		/* (vCPU 0 has 0x7ff0) */
	lidt idt32_ptr
	movl %cr0, %eax
	orl $(1 << 18), %eax		/* AM */
	movl %eax, %cr0
	pushl $0x2b
	pushl $AC_STACK
	pushl $(0x2 | (1 << 18))	/* AC */
	pushl $0x23
	pushl $ring3
	iret
ring3:	movw $0x2b, %ax
	movw %ax, %ds
	lock incl ready
	pushl %eax			/* the first #AC */
	jmp .
ac_handler:				/* only if the CPU did not loop */
	movl $1, ac_ran
	jmp .

	.balign 8
gdt:	.quad 0
	.quad 0x00cf9a000000ffff	/* 0x08 code, 32-bit */
	.quad 0x00cf92000000ffff	/* 0x10 data */
	.quad 0x00af9a000000ffff	/* 0x18 code, 64-bit */
	.quad 0x00cffa000000ffff	/* 0x20 code, 32-bit, DPL 3 */
	.quad 0x00cff2000000ffff	/* 0x28 data, DPL 3 */
	.word tss_end - tss - 1, tss	/* 0x30 available 64-bit TSS */
	.byte 0, 0x89, 0, 0
	.quad 0
gdt_end:
gdt_ptr:
	.word gdt_end - gdt - 1
	.long gdt

	.balign 8
tss:	.long 0
	.quad 0, 0, 0			/* RSP0-2 */
	.quad 0
	.quad DB_STACK			/* IST 1 */
	.quad 0, 0, 0, 0, 0, 0
	.quad 0
	.word 0, tss_end - tss		/* no I/O bitmap */
tss_end:

	.balign 16
idt64:	.skip 16
	.word db_handler, 0x18
	.byte 1, 0x8e			/* IST 1, 64-bit interrupt gate */
	.word 0
	.long 0, 0
idt64_end:
idt64_ptr:
	.word idt64_end - idt64 - 1
	.quad idt64

	.balign 8
idt32:	.skip 17 * 8
	.word ac_handler, 0x23, 0xee00, 0	/* #AC: CPL 3 code, no stack switch */
idt32_end:
idt32_ptr:
	.word idt32_end - idt32 - 1
	.long idt32

	.balign 4
ap_slot:	.long 0
ready:		.long 0
db_ran:		.long 0
ac_ran:		.long 0
hello:	.asciz "tiny exc-loop: endless #DB on vCPU 1, endless #AC on vCPU 2\r\n"
db_none: .asciz "tiny exc-loop: this CPU ends the #DB loop itself (no breakpoint in delivery)\r\n"
ac_none: .asciz "tiny exc-loop: this CPU ends the #AC loop itself (no alignment checking)\r\n"
ok:	.asciz "tiny exc-loop: ok, vCPU 0 stops the guest\r\n"

	.org 0x1000
	AP_START ap32
ap32:
	movl $1, %eax
	lock xaddl %eax, ap_slot
	testl %eax, %eax
	jz db_loop
	jmp ac_loop
