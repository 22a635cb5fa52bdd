/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Runs until stopped from outside: vCPU 0 starts vCPU 1 (on node 1 when the
 * guest spans two nodes); vCPU 1 says it runs, then both spin, vCPU 1 on a
 * counter in shared memory that vCPU 0 reads, so the nodes keep exchanging
 * the page. For the tests that take a node away under a running guest.
 * Exit 1: the spin ended (it must not).
 */
#include "tiny.h"
#define COUNTER 0x4000

	TINY_HEADER
	PUTS16 hello
	ENTER_PM32 bsp32
bsp32:
	START_APS
1:	pause
	movl COUNTER, %eax
	jmp 1b
	EXIT 1

	PUTS16_BODY
	.code32
	PUTS_BODY puts32_body
	GDT_TABLE
hello:	.asciz "tiny spin: vCPU 0 starts vCPU 1\r\n"
runs1:	.asciz "tiny spin: vCPU 1 runs\r\n"

	.org 0x1000
	AP_START ap32
ap32:
	movl $0x6ff0, %esp
	PUTS32 runs1
2:	lock incl COUNTER
	pause
	jmp 2b
	EXIT 1
