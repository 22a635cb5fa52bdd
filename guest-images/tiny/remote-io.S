/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Port I/O from a vCPU on another node: vCPU 0 starts vCPU 1 (on node 1 when
 * the guest spans two nodes) and waits; vCPU 1 writes a line to COM1 (it must
 * appear on node 0's console, where the devices live), reads the UART's
 * scratch register back through node 0 (exit 2 if the value is wrong), and
 * ends the guest itself through port 0xf4, so the whole cluster stops with
 * its code. Exit 1: vCPU 1 never reported back.
 */
#include "tiny.h"
#define SPIN 400000000

	TINY_HEADER
	PUTS16 hello
	ENTER_PM32 bsp32
bsp32:
	X2APIC_ON
	WRMSR32 0x830, 0x000c4500	/* INIT to all but self */
	WRMSR32 0x830, 0x000c4609	/* SIPI, vector 9 */
	movl $SPIN, %ecx
1:	pause
	loop 1b
	EXIT 1				/* vCPU 1 should have ended the guest by now */

	FAIL_EXITS 2
	PUTS16_BODY
	.code32
	PUTS_BODY puts32_body
	GDT_TABLE
hello:	.asciz "tiny remote-io: vCPU 0 starts vCPU 1\r\n"
from1:	.asciz "tiny remote-io: hello from vCPU 1\r\n"

	.code16
	.org 0x1000
ap_start:
	cli
	xorw %ax, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	ENTER_PM32 ap32
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
	EXIT 0
