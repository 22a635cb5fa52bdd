/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A pattern over more guest memory than a node's cache holds (the DSM's bounded cache:
 * tests/system/cluster-guest.sh runs it on two nodes with 64 MiB of guest RAM, 32 MiB
 * homed on each, and a cache of 5 MiB each). vCPU 0 starts vCPU 1 with INIT and a
 * SIPI; both go to flat 32-bit protected mode.
 *
 * Each vCPU fills a 12 MiB region homed on the other node, a dword at each address a
 * with a ^ its seed, then reads it back: on the way its node gives most of those pages
 * back to their home (PUTs that carry the page), and the read-back takes them again. Then
 * each reads the region the other filled, which is homed on its own node: what the other
 * wrote must have come home. vCPU 0: region A, 40-52 MiB (node 1's home); vCPU 1:
 * region B, 8-20 MiB (node 0's). Last, each writes the region the other filled with a
 * second seed, and vCPU 0 checks both.
 *
 * Prints "tiny memfill: ok". Exit codes: a word of region A wrong when vCPU 0 reads it
 * back (2), of region B when vCPU 1 does (3), of region B when vCPU 0 reads what vCPU 1
 * wrote (4), of region A when vCPU 1 reads what vCPU 0 wrote (5), the second round's
 * check (6).
 */
#include "tiny.h"
#define REGION_A 0x02800000	/* 40 MiB: node 1's home */
#define REGION_B 0x00800000	/* 8 MiB: node 0's home */
#define REGION_LEN 0x00c00000	/* 12 MiB: more than twice a node's 5 MiB cache */
#define SEED0 0x5a5a0000
#define SEED1 0xc3c30000
#define SEED2 0x0f0f0000
#define FLAGS 0x3000		/* vCPU 1's reports, on a page of their own */
#define AP_STEP FLAGS		/*   1 filled B and read it back; 2 read A; 3 wrote A again */
#define AP_FAIL (FLAGS + 4)	/*   the exit code it found, or 0 */
#define BSP_STEP 0x5000		/* vCPU 0's: 1 filled A and read it back; 2 read B */
#define STACK1 0x6ff0

/* Fills [\base, \base + REGION_LEN) with a ^ \seed. */
.macro FILL base, seed
	movl $\base, %edi
1:	movl %edi, %eax
	xorl $\seed, %eax
	movl %eax, (%edi)
	addl $4, %edi
	cmpl $\base + REGION_LEN, %edi
	jb 1b
.endm

/* Checks [\base, \base + REGION_LEN) holds a ^ \seed; jumps to \bad if not. */
.macro CHECK base, seed, bad
	movl $\base, %edi
1:	movl %edi, %eax
	xorl $\seed, %eax
	cmpl %eax, (%edi)
	jne \bad
	addl $4, %edi
	cmpl $\base + REGION_LEN, %edi
	jb 1b
.endm

/* Waits with PAUSE until the dword at \addr is at least \value. */
.macro WAIT_FOR addr, value
1:	cmpl $\value, \addr
	jae 2f
	pause
	jmp 1b
2:
.endm

	TINY_HEADER
	PUTS16 hello
	ENTER_PM32 bsp32
bsp32:
	movl $0, AP_STEP
	movl $0, AP_FAIL
	movl $0, BSP_STEP
	X2APIC_ON
	movl $0x830, %ecx		/* ICR; x2APIC: the destination in EDX */
	movl $1, %edx
	movl $0x4500, %eax		/* INIT to id 1 only */
	wrmsr
	movl $1, %edx
	movl $0x4609, %eax		/* SIPI, vector 9 */
	wrmsr
	FILL REGION_A, SEED0
	CHECK REGION_A, SEED0, fail_2
	movl $1, BSP_STEP
	PUTS32 filled
	WAIT_FOR AP_STEP, 1
	cmpl $0, AP_FAIL		/* (each wait may end with vCPU 1's failure) */
	jne ap_failed
	CHECK REGION_B, SEED1, fail_4
	movl $2, BSP_STEP
	WAIT_FOR AP_STEP, 2
	cmpl $0, AP_FAIL
	jne ap_failed
	FILL REGION_B, SEED2
	WAIT_FOR AP_STEP, 3
	cmpl $0, AP_FAIL
	jne ap_failed
	CHECK REGION_A, SEED2, fail_6
	CHECK REGION_B, SEED2, fail_6
	PUTS32 ok
	EXIT 0
ap_failed:
	movl AP_FAIL, %eax
	outl %eax, $EXIT_PORT
	jmp ap_failed

	FAIL_EXITS 2, 4, 6

	.code32
	PUTS_BODY puts32_body
	PUTS16_BODY
	GDT_TABLE

hello:	.asciz "tiny memfill: two vCPUs, 12 MiB each, homed on the other node\r\n"
filled:	.asciz "tiny memfill: vCPU 0 filled its region and read it back\r\n"
ok:	.asciz "tiny memfill: ok\r\n"

/* Where vCPU 1 starts: 0x9000, vector 9. */
	.org 0x1000
	AP_START ap32
ap32:
	movl $STACK1, %esp
	FILL REGION_B, SEED1
	CHECK REGION_B, SEED1, ap_fail_3
	movl $1, AP_STEP
	WAIT_FOR BSP_STEP, 1
	CHECK REGION_A, SEED0, ap_fail_5
	movl $2, AP_STEP
	FILL REGION_A, SEED2
	movl $3, AP_STEP
	jmp ap_idle
ap_fail_3:				/* (AP_FAIL before AP_STEP: vCPU 0 reads them so) */
	movl $3, AP_FAIL
	movl $3, AP_STEP
	jmp ap_idle
ap_fail_5:
	movl $5, AP_FAIL
	movl $3, AP_STEP
ap_idle:
	hlt
	jmp ap_idle
