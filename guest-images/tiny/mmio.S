/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Every instruction form the monitor's MMIO emulator supports, executed
 * against the test scratch page (memory-like, at 0xfebf0000), first in
 * 32-bit protected mode without paging, then in 64-bit mode through page
 * tables. Each check that fails ends the guest with its own code (1-29);
 * exit 0 means every form gave the result a real CPU gives.
 */
#include "tiny.h"
#define S 0xfebf0000

.macro CHECK32 reg, value, code
	cmpl $\value, \reg
	jne fail_\code
.endm

	TINY_HEADER
	PUTS16 hello
	ENTER_PM32 pm32
pm32:
	movl $S, %ebx
	/* MOV forms: imm to mem, reg to mem, mem to reg; 8, 16, 32 bits */
	movl $0x12345678, (%ebx)		/* C7 /0 */
	movl (%ebx), %eax			/* 8B */
	CHECK32 %eax, 0x12345678, 1
	movb $0x9a, 1(%ebx)			/* C6 /0, disp8 */
	movw (%ebx), %ax			/* 66 8B */
	CHECK32 %eax, 0x12349a78, 2
	movl $0xdeadbeef, %ecx
	movl %ecx, 8(%ebx)			/* 89, disp8 */
	movb 8(%ebx), %dl			/* 8A */
	movzbl %dl, %edx
	CHECK32 %edx, 0xef, 3
	movb 9(%ebx), %dh			/* 8A into DH (no REX) */
	CHECK32 %edx, 0xbeef, 4
	/* MOVZX / MOVSX */
	movzbl 11(%ebx), %eax			/* 0F B6 */
	CHECK32 %eax, 0xde, 5
	movsbl 11(%ebx), %eax			/* 0F BE */
	CHECK32 %eax, 0xffffffde, 6
	movswl 10(%ebx), %eax			/* 0F BF */
	CHECK32 %eax, 0xffffdead, 7
	movzwl 10(%ebx), %eax			/* 0F B7 */
	CHECK32 %eax, 0xdead, 8
	/* moffs: A1 / A3 */
	movl %eax, S + 16
	movl S + 16, %ecx
	CHECK32 %ecx, 0xdead, 9
	/* ALU read-modify-write and flags */
	movl $0xff00ff00, 20(%ebx)
	orl $0xff, 20(%ebx)			/* 81 /1 */
	andl $0x0f0f0f0f, 20(%ebx)		/* 81 /4 */
	movl $0xffffffff, %edx
	xorl %edx, 20(%ebx)			/* 31 */
	CHECK32 20(%ebx), 0xf0fff0f0, 10
	addl $0x10, 20(%ebx)			/* 83 /0 */
	subl $0x100, 20(%ebx)			/* 81 /5 */
	CHECK32 20(%ebx), 0xf0fff000, 11
	testl $0x1000, 20(%ebx)			/* F7 /0 */
	jz fail_12
	testb $0x01, 20(%ebx)			/* F6 /0 */
	jnz fail_12
	cmpl $0xf0fff001, 20(%ebx)		/* 81 /7: mem < imm unsigned: CF */
	jnc fail_13
	movl $0xf0fff000, %eax
	cmpl 20(%ebx), %eax			/* 3B */
	jne fail_13
	/* XCHG */
	movl $0xaaaa5555, %eax
	xchgl %eax, 20(%ebx)			/* 87 */
	CHECK32 %eax, 0xf0fff000, 14
	CHECK32 20(%ebx), 0xaaaa5555, 15

	ENTER_LONG64 lm64
	.code64
lm64:
	movq $S, %r10
	movabsq $0x0123456789abcdef, %r9
	movq %r9, 0x40(%r10)			/* REX.WR 89 */
	movq 0x40(%r10), %r11			/* REX.WRB 8B */
	cmpq %r9, %r11
	jne fail_16
	movl 0x44(%r10), %r12d			/* REX.RB 8B: 32-bit load zero-extends */
	cmpq $0x01234567, %r12
	jne fail_17
	movslq 0x40(%r10), %rax			/* REX.W 63 MOVSXD */
	movabsq $0xffffffff89abcdef, %rcx
	cmpq %rcx, %rax
	jne fail_18
	movb 0x40(%r10), %sil			/* REX 8A: SIL, not DH */
	cmpb $0xef, %sil
	jne fail_19
	orq $-1, 0x48(%r10)			/* REX.W 83 /1 sign-extended */
	cmpq $-1, 0x48(%r10)
	jne fail_20
	movabsq S + 0x40, %rax			/* REX.W A1 moffs64 */
	cmpq %r9, %rax
	jne fail_21
	/* STOS: REP STOSQ of 4 quadwords into the device */
	leaq 0x100(%r10), %rdi
	movq $0x1111222233334444, %rax
	movq $4, %rcx
	cld
	rep stosq
	testq %rcx, %rcx
	jnz fail_22
	cmpq %rax, 0x118(%r10)
	jne fail_22
	/* MOVS: RAM to device and device to RAM, with DF both ways */
	leaq src(%rip), %rsi
	leaq 0x200(%r10), %rdi
	movq $3, %rcx
	rep movsl
	cmpl $0xc0ffee03, 0x208(%r10)
	jne fail_23
	leaq 0x200(%r10), %rsi
	leaq dst(%rip), %rdi
	movq $3, %rcx
	rep movsl
	cmpl $0xc0ffee02, dst + 4(%rip)
	jne fail_24
	std					/* backwards: one element, then both pointers drop */
	movl $0, dst + 8(%rip)
	leaq 0x208(%r10), %rsi
	leaq dst + 8(%rip), %rdi
	movsl
	cld
	cmpl $0xc0ffee03, dst + 8(%rip)
	jne fail_25
	leaq 0x204(%r10), %rax
	cmpq %rax, %rsi
	jne fail_25
	/* BT on device memory: c0ffee01 has bit 0 set, bit 1 clear */
	movl $1, %eax
	btl %eax, 0x200(%r10)			/* 0F A3 */
	jc fail_26
	decl %eax
	btl %eax, 0x200(%r10)
	jnc fail_26
	/* 16-bit operand size with a segment-override prefix in 64-bit mode */
	movw $0xbeef, %fs:0x300(%r10)		/* 64 66 C7 */
	cmpw $0xbeef, 0x300(%r10)
	jne fail_27
	leaq ok(%rip), %rsi
	call puts64
	EXIT 0

	FAIL_EXITS 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21
	FAIL_EXITS 22, 23, 24, 25, 26, 27

	PUTS_BODY puts64
	PUTS16_BODY
	GDT_TABLE
	.balign 8
src:	.long 0xc0ffee01, 0xc0ffee02, 0xc0ffee03
dst:	.long 0, 0, 0
hello:	.asciz "tiny mmio: every emulated MMIO instruction form\r\n"
ok:	.asciz "tiny mmio: ok\r\n"
