/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A reset requested from another node: vCPU 0 starts vCPU 1 (on node 1 when
 * the guest spans two nodes) and waits; vCPU 1 pulses the keyboard
 * controller's reset line (0xfe to port 0x64), which node 0's devices see
 * through the forwarded port access: the monitor stops the guest as reset,
 * on every node. Exit 1: the reset did not stop the guest (vCPU 0 waited in
 * vain).
 */
#include "tiny.h"
#define SPIN 400000000

	TINY_HEADER
	PUTS16 hello
	ENTER_PM32 bsp32
bsp32:
	START_APS
	movl $SPIN, %ecx
1:	pause
	loop 1b
	EXIT 1

	PUTS16_BODY
	.code32
	PUTS_BODY puts32_body
	GDT_TABLE
hello:	.asciz "tiny remote-reset: vCPU 0 starts vCPU 1\r\n"
from1:	.asciz "tiny remote-reset: vCPU 1 resets the machine\r\n"

	.org 0x1000
	AP_START ap32
ap32:
	movl $0x6ff0, %esp
	PUTS32 from1
	movb $0xfe, %al
	outb %al, $0x64
2:	hlt
	jmp 2b
