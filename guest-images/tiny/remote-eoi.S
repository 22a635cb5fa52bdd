/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A level-triggered interrupt from node 0's devices to a vCPU on another
 * node, twice: vCPU 1 routes COM1's IOAPIC pin, level-triggered, to itself
 * and enables the UART's "transmitter empty" interrupt. Its handler reads
 * IIR (the line drops) and sends the EOI, which must reach node 0's IOAPIC:
 * until it does, the pin's remote IRR holds further interrupts back. vCPU 1
 * then enables the interrupt again and must get it a second time (exit 3 if
 * not: the EOI was lost). Exit 2: not even the first one came. Exit 1: vCPU 1
 * never reported back. Exit 4: an unexpected vector.
 */
#include "tiny.h"
#define SPIN	400000000
#define IOAPIC	0xfec00000
#define VEC	0x41
#define RTE4_LO (0x8000 | VEC)	/* level-triggered, active high, fixed, unmasked */
#define COUNT	0x4000		/* interrupts taken by vCPU 1 */

	TINY_HEADER
	PUTS16 hello
	ENTER_PM32 bsp32
bsp32:
	START_APS
	movl $3 * SPIN, %ecx		/* longer than vCPU 1's two waits together */
1:	pause
	loop 1b
	EXIT 1

/* Waits with interrupts on until COUNT reaches \n; EXIT \code if it does not. */
.macro WAIT_COUNT n, code
	movl $SPIN, %ecx
11:	sti
	pause
	cli
	cmpl $\n, COUNT
	jae 12f
	loop 11b
	EXIT \code
12:
.endm

	FAIL_EXITS 2, 3, 4
	PUTS16_BODY
	.code32
	PUTS_BODY puts32_body
	GDT_TABLE
hello:	.asciz "tiny remote-eoi: vCPU 0 starts vCPU 1\r\n"
twice:	.asciz "tiny remote-eoi: vCPU 1 got the level-triggered interrupt twice\r\n"

irq41:
	pushl %eax
	pushl %ecx
	pushl %edx
	movw $COM1 + 2, %dx		/* IIR: acknowledges "transmitter empty" */
	inb %dx, %al
	incl COUNT
	WRMSR32 0x80b, 0		/* EOI: level-triggered, so it goes to the IOAPIC */
	popl %edx
	popl %ecx
	popl %eax
	iretl
unexpected:
	EXIT 4

	.balign 8
idt:
	IDT_GATES VEC, unexpected
	IDT_GATES 1, irq41
	IDT_GATES (256 - VEC - 1), unexpected
	IDT_END

	.org 0x1000
	AP_START ap32
ap32:
	movl $0x6ff0, %esp
	lidt idt_ptr
	X2APIC_ON
	movl $IOAPIC, %ebx
	movl $0x19, (%ebx)		/* pin 4 (COM1), high half: destination APIC 1 */
	movl $0x01000000, 0x10(%ebx)
	movl $0x18, (%ebx)		/* low half */
	movl $RTE4_LO, 0x10(%ebx)
	movw $COM1 + 4, %dx		/* MCR: OUT2 lets the line through */
	movb $0x08, %al
	outb %al, %dx
	movw $COM1 + 1, %dx		/* IER: "transmitter empty" */
	movb $0x02, %al
	outb %al, %dx
	WAIT_COUNT 1, 2
	movw $COM1 + 1, %dx		/* again: off, then on while empty */
	xorb %al, %al
	outb %al, %dx
	movb $0x02, %al
	outb %al, %dx
	WAIT_COUNT 2, 3
	PUTS32 twice
	EXIT 0
