/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * #DB and #AC reach the guest as the CPU raises them. The monitor intercepts
 * both (so that no loop of them can hold a core: exc-loop.S) and delivers them
 * again; this guest checks that it sees what hardware would give it, in 32-bit
 * protected mode. #DB (handler: count, DR6 and EIP kept, DR6 cleared, TF
 * cleared, RF set):
 *   a single step after POPF sets TF: DR6.BS, EIP after the next instruction (2);
 *   a single step that ends on STI, whose interrupt shadow is then on, which
 *   VM entry accepts only with a pending single step (3; EIP after the STI, or
 *   after the instruction that follows it, as QEMU has it);
 *   an instruction breakpoint (DR0): DR6.B0, EIP at the instruction (4);
 *   a data write breakpoint (DR1): DR6.B1, EIP after the write (5);
 *   an instruction breakpoint with DR7.GD set: the delivery clears GD, or the
 *   handler's MOV from DR6 would raise a second #DB (10);
 *   INT1 (ICEBP): EIP after it (6; QEMU raises #UD instead: said);
 *   general detect (DR7.GD, then a MOV to DR): DR6.BD, EIP at the MOV, and GD
 *   clear in the handler, which reads DR6 itself and would fault again (7;
 *   QEMU has no general detect: said).
 * #AC: alignment checking on (CR0.AM), CPL 3 with EFLAGS.AC, a misaligned load
 * raises #AC with error code 0 at the load, into a CPL 3 handler (8, 9). An
 * emulator without alignment checking (QEMU's) raises none: said, not failed.
 * 60: an unexpected exception.
 */
#include "tiny.h"
#define TF (1 << 8)
#define RF (1 << 16)
#define AC (1 << 18)
#define IOPL3 (3 << 12)
#define DR6_BS (1 << 14)
#define DR6_BD (1 << 13)
#define DR7_GD (1 << 13)

/* Fails with \code unless the #DB count is \n, the EIP it saw \eip and DR6 has \bits
 * set (of B0-B3, BD, BS: those not in \bits must be clear). */
.macro CHECK_DB n, eip, bits, code
	cmpl $\n, db_count
	jne fail_\code
	cmpl $\eip, db_eip
	jne fail_\code
	movl db_dr6, %eax
	andl $0x600f, %eax
	cmpl $\bits, %eax
	jne fail_\code
.endm

	TINY_HEADER
	PUTS16 hello
	lgdtl gdt_ptr
	movl %cr0, %eax
	orl $1, %eax
	movl %eax, %cr0
	ljmpl $0x08, $pm32
	.code32
pm32:	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movl $0x7ff0, %esp
	lidt idt_ptr

	/* single step */
	pushfl
	orl $TF, (%esp)
	popfl
ss_insn:
	nop
ss_after:
	CHECK_DB 1, ss_after, DR6_BS, 2

	/* single step ending on STI (interrupt shadow on at the #DB) */
	pushfl
	orl $TF, (%esp)
	popfl
	sti
sti_after:
	cli
cli_after:
	cmpl $sti_after, db_eip		/* either is right (QEMU delays it past */
	jne 1f				/* the next instruction, as for MOV SS) */
	movl $cli_after, db_eip
1:	CHECK_DB 2, cli_after, DR6_BS, 3

	/* instruction breakpoint: DR0, L0, execute, 1 byte */
	movl $ib_insn, %eax
	movl %eax, %db0
	movl $0x401, %eax
	movl %eax, %db7
ib_insn:
	nop
	xorl %eax, %eax
	movl %eax, %db7
	CHECK_DB 3, ib_insn, 0x1, 4

	/* data write breakpoint: DR1, L1, write, 4 bytes */
	movl $watched, %eax
	movl %eax, %db1
	movl $0xd00404, %eax
	movl %eax, %db7
	movl $5, watched
dw_after:
	xorl %eax, %eax
	movl %eax, %db7
	CHECK_DB 4, dw_after, 0x2, 5

	/* an instruction breakpoint with DR7.GD set: every #DB's delivery clears GD, so
	 * the handler's own MOV from DR6 does not fault (QEMU has no GD: passes as is) */
	movl $ib2_insn, %eax
	movl %eax, %db0
	movl $0x401 | DR7_GD, %eax
	movl %eax, %db7
ib2_insn:
	nop
	xorl %eax, %eax
	movl %eax, %db7
	CHECK_DB 5, ib2_insn, 0x1, 10

	/* INT1 (QEMU raises #UD for it: said, and counted as a #DB so the count goes on) */
icebp:	.byte 0xf1
icebp_after:
	cmpl $0, ud_count
	je 1f
	PUTS32 int1_ud
	incl db_count
	movl $icebp_after, db_eip
1:	movl db_count, %eax
	cmpl $6, %eax
	jne fail_6
	cmpl $icebp_after, db_eip
	jne fail_6

	/* general detect */
	movl $0x400 | DR7_GD, %eax
	movl %eax, %db7
	movl $0x400, %ebx
gd_insn:
	movl %ebx, %db7		/* #DB before it runs; then again, GD now clear */
	cmpl $6, db_count
	jne 1f
	PUTS32 no_gd		/* (QEMU) */
	jmp 2f
1:	CHECK_DB 7, gd_insn, DR6_BD, 7
	movl %db7, %eax
	testl $DR7_GD, %eax
	jnz fail_7
2:

	PUTS32 db_ok

	/* #AC: alignment checking, then CPL 3 (IOPL 3 for the ports) with AC */
	movl %cr0, %eax
	orl $(1 << 18), %eax
	movl %eax, %cr0
	pushl $0x23
	pushl $0x7000
	pushl $(0x2 | AC | IOPL3)
	pushl $0x1b
	pushl $ring3
	iret
ring3:	movw $0x23, %ax
	movw %ax, %ds
	movw %ax, %es
ac_insn:
	movl misaligned + 1, %eax
ac_after:
	movl ac_count, %eax
	testl %eax, %eax
	jz no_ac
	cmpl $1, %eax
	jne fail_8
	cmpl $ac_insn, ac_eip
	jne fail_8
	cmpl $0, ac_error
	jne fail_9
	PUTS32 ac_ok
	PUTS32 ok
	EXIT 0
no_ac:	PUTS32 ac_none
	PUTS32 ok
	EXIT 0

	FAIL_EXITS 2, 3, 4, 5, 6, 7, 8, 9, 10
unexpected:
	EXIT 60

db_handler:
	pushl %eax
	movl %db6, %eax
	movl %eax, db_dr6
	movl $0xffff0ff0, %eax
	movl %eax, %db6
	movl 4(%esp), %eax
	movl %eax, db_eip
	andl $~TF, 12(%esp)
	orl $RF, 12(%esp)
	incl db_count
	popl %eax
	iret

/* #UD: only from INT1 on a CPU without it, which is skipped */
ud_handler:
	cmpl $icebp, (%esp)
	jne unexpected
	incl ud_count
	incl (%esp)
	iret

/* #AC at CPL 3: the error code and EIP kept, the 6-byte load skipped */
ac_handler:
	popl ac_error
	incl ac_count
	pushl %eax
	movl 4(%esp), %eax
	movl %eax, ac_eip
	addl $(ac_after - ac_insn), 4(%esp)
	popl %eax
	iret

	PUTS_BODY puts32_body
	PUTS16_BODY

	.balign 8
gdt:	.quad 0
	.quad 0x00cf9a000000ffff	/* 0x08 code, CPL 0 */
	.quad 0x00cf92000000ffff	/* 0x10 data */
	.quad 0x00cffa000000ffff	/* 0x18 code, DPL 3 */
	.quad 0x00cff2000000ffff	/* 0x20 data, DPL 3 */
gdt_end:
gdt_ptr:
	.word gdt_end - gdt - 1
	.long gdt

	.balign 8
idt:	IDT_GATES 1, unexpected
	.word db_handler, 0x08, 0x8e00, 0
	IDT_GATES 4, unexpected
	.word ud_handler, 0x08, 0x8e00, 0
	IDT_GATES 10, unexpected
	.word ac_handler, 0x1b, 0xee00, 0
	IDT_GATES 14, unexpected
	IDT_END

	.balign 4
db_count:	.long 0
db_eip:		.long 0
db_dr6:		.long 0
ud_count:	.long 0
ac_count:	.long 0
ac_eip:		.long 0
ac_error:	.long 0
watched:	.long 0
misaligned:	.long 0, 0
hello:	.asciz "tiny debug-exc: #DB and #AC as the CPU raises them\r\n"
db_ok:	.asciz "tiny debug-exc: #DB ok\r\n"
int1_ud:	.asciz "tiny debug-exc: this CPU raises #UD for INT1\r\n"
no_gd:	.asciz "tiny debug-exc: this CPU has no general detect (DR7.GD)\r\n"
ac_ok:	.asciz "tiny debug-exc: #AC ok\r\n"
ac_none:	.asciz "tiny debug-exc: this CPU raises no #AC (no alignment checking)\r\n"
ok:	.asciz "tiny debug-exc: ok\r\n"
