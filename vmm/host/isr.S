/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Interrupt and exception entry stubs, one per vector, and the common path
 * that builds a struct trap_frame (vmm/host/idt.h) and calls trap_dispatch().
 * Vectors for which the CPU pushes an error code (8, 10-14, 17, 21, 29, 30;
 * AMD APM vol. 2 section 8.2, Intel SDM vol. 3 table 6-1) skip the dummy push.
 * isr_table[] holds the 256 stub addresses for vmm/host/idt.c.
 */
	.text
	.code64

.macro ISR vec
	.balign 16
isr_\vec:
	.if !((\vec == 8) || (\vec >= 10 && \vec <= 14) || (\vec == 17) || (\vec == 21) || (\vec == 29) || (\vec == 30))
	pushq $0
	.endif
	pushq $\vec
	jmp isr_common
.endm

	.altmacro
.macro ISR_ALL from=0, to=255
	ISR \from
	.if \to-\from
	ISR_ALL %(\from+1), \to
	.endif
.endm
	/* Recursion depth is limited in gas, so expand in blocks of 64. */
	ISR_ALL 0, 63
	ISR_ALL 64, 127
	ISR_ALL 128, 191
	ISR_ALL 192, 255

isr_common:
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	cld
	movq %rsp, %rdi
	call trap_dispatch
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rbx
	popq %rax
	addq $16, %rsp			/* vector and error code */
	iretq

.macro ISR_ADDR vec
	.quad isr_\vec
.endm
.macro ISR_ADDRS from=0, to=255
	ISR_ADDR \from
	.if \to-\from
	ISR_ADDRS %(\from+1), \to
	.endif
.endm
	.section .rodata
	.balign 8
	.globl isr_table
isr_table:
	ISR_ADDRS 0, 63
	ISR_ADDRS 64, 127
	ISR_ADDRS 128, 191
	ISR_ADDRS 192, 255
