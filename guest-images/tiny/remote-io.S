/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Port I/O from a vCPU on another node: vCPU 0 starts vCPU 1 (on node 1 when
 * the guest spans two nodes) and waits; vCPU 1 writes a line to COM1 (it must
 * appear on node 0's console, where the devices live), reads the UART's
 * scratch register back through node 0 (exit 2 if the value is wrong), and
 * ends the guest itself through port 0xf4, so the whole cluster stops with
 * its code. Exit 1: vCPU 1 never reported back.
 *
 * On the way the two vCPUs check that their TSCs agree across nodes, once
 * both run: vCPU 1 publishes a TSC reading; vCPU 0 reads its own after seeing
 * it, so its reading must not be smaller (exit 4), and publishes it; vCPU 1
 * then checks the same way (exit 3). Nodes boot at different times; without
 * the monitor's TSC synchronisation one of the two checks fails as soon as
 * the nodes' clocks are further apart than a round trip through shared
 * memory. Exit 5: vCPU 1 waited for vCPU 0 in vain. (remote-io-mixed.S leaves
 * the TSC checks out.)
 *
 * MMIO too: vCPU 1 reads the IOAPIC's version register (exit 6 if wrong) and
 * programs redirection entry 5; vCPU 0 reads the entry back from node 0's
 * IOAPIC (exit 7 if vCPU 1's write did not reach it).
 */
#include "tiny.h"
#define SPIN 400000000
#define T1   0x4000	/* vCPU 1's TSC reading (64 bits) */
#define T0   0x4008	/* vCPU 0's, taken after it saw T1 */
#define FLAG 0x4010	/* 1: T1 written, 2: T0 written */
#define IOAPIC 0xfec00000
#define RTE5   0x00010045	/* redirection entry 5, low half: masked, vector 0x45 */

/* Exits via fail_\code unless EDX:EAX >= the 64-bit value at \addr. */
.macro TSC_NOT_BELOW addr, code
	cmpl \addr + 4, %edx
	jb fail_\code
	ja 10f
	cmpl \addr, %eax
	jb fail_\code
10:
.endm

/* Waits for FLAG to be \value; EXIT \code if it takes too long. */
.macro WAIT_FLAG value, code
	movl $SPIN, %ecx
11:	pause
	cmpl $\value, FLAG
	je 12f
	loop 11b
	EXIT \code
12:
.endm

	TINY_HEADER
	PUTS16 hello
	ENTER_PM32 bsp32
bsp32:
	START_APS
	WAIT_FLAG 1, 1
	movl $IOAPIC, %ebx
	movl $0x1a, (%ebx)		/* select redirection entry 5, low half */
	cmpl $RTE5, 0x10(%ebx)
	jne fail_7
	rdtsc
#ifndef REMOTE_IO_NO_TSC
	TSC_NOT_BELOW T1, 4
#endif
	movl %eax, T0
	movl %edx, T0 + 4
	movl $2, FLAG
	movl $SPIN, %ecx
1:	pause
	loop 1b
	EXIT 1				/* vCPU 1 should have ended the guest by now */

	FAIL_EXITS 2, 3, 4, 6, 7
	PUTS16_BODY
	.code32
	PUTS_BODY puts32_body
	GDT_TABLE
hello:	.asciz "tiny remote-io: vCPU 0 starts vCPU 1\r\n"
from1:	.asciz "tiny remote-io: hello from vCPU 1\r\n"

	.org 0x1000
	AP_START ap32
ap32:
	movl $0x6ff0, %esp
	PUTS32 from1
	movw $COM1 + 7, %dx		/* scratch register: written and read through node 0 */
	movb $0xa5, %al
	outb %al, %dx
	xorb %al, %al
	inb %dx, %al
	cmpb $0xa5, %al
	jne fail_2
	movl $IOAPIC, %ebx		/* MMIO, done by node 0's IOAPIC */
	movl $0x01, (%ebx)		/* select the version register */
	movl 0x10(%ebx), %eax
	cmpb $0x20, %al
	jne fail_6
	movl $0x1a, (%ebx)
	movl $RTE5, 0x10(%ebx)
	rdtsc
	movl %eax, T1
	movl %edx, T1 + 4
	movl $1, FLAG
	WAIT_FLAG 2, 5
#ifndef REMOTE_IO_NO_TSC
	rdtsc
	TSC_NOT_BELOW T0, 3
#endif
	EXIT 0
