/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The monitor's writes into a page another node keeps taking. Two vCPUs, meant for
 * two nodes run at once (slice=0) with no pin window (pin=0): vCPU 1 writes the KVM
 * wall-clock MSR ITERS times, naming a struct in the page vCPU 0 writes all the while.
 * At each write the monitor, on vCPU 1's node, reads the struct and writes it back
 * with its version moved on by 2 (vmm/virt/msr.c), taking the page through the
 * coherence protocol for each; vCPU 0's next store takes it back. A monitor hold whose
 * page left before the copy must ask again (vmm/cluster/vmdsm_mem.c): a copy into a
 * frame the node no longer owns is lost, and the version falls short. vCPU 0 waits
 * for vCPU 1 to finish, then checks the version. Exit 1: vCPU 1 did not finish within
 * 2^32 - 1 of vCPU 0's stores (a bound in iterations; the launcher's timeout comes first);
 * 2: the version is not 2 * ITERS (a monitor write was lost).
 * The APs use no stack; the struct and vCPU 0's word share a page; what vCPU 0 waits
 * on has a page of its own.
 */
#include "tiny.h"
#ifndef ITERS
#define ITERS 250
#endif
#define MSR_KVM_WALL_CLOCK_NEW 0x4b564d00
#define DELAY 1000
#define SPIN 0xffffffff

	TINY_HEADER
	PUTS16 hello
	ENTER_PM32 bsp32
bsp32:
	START_APS
	movl $SPIN, %esi
1:	incl word			/* takes the page back from vCPU 1's node */
	movl $DELAY, %ecx
2:	loop 2b
	cmpl $1, done
	je 3f
	decl %esi
	jnz 1b
	jmp fail_1
3:	cmpl $2 * ITERS, wall
	jne fail_2
	PUTS32 ok
	EXIT 0

	FAIL_EXITS 1, 2

	PUTS16_BODY
	.code32
	PUTS_BODY puts32_body
	GDT_TABLE
hello:	.ascii "tiny monitor-write: the monitor writes a page another vCPU writes, "
	.ascii XSTR(ITERS)
	.asciz " times\r\n"
ok:	.asciz "tiny monitor-write: ok, every write of the monitor is there\r\n"

	.org 0x1000
	AP_START ap32
ap32:
	movl $ITERS, %esi
5:	movl $MSR_KVM_WALL_CLOCK_NEW, %ecx
	movl $wall, %eax
	xorl %edx, %edx
	wrmsr
	decl %esi
	jnz 5b
	movl $1, done
4:	hlt
	jmp 4b

	.org 0x2000			/* the contended page */
word:	.long 0
	.org 0x2040
wall:	.long 0, 0, 0			/* struct pvclock_wall_clock: version, sec, nsec */
	.org 0x3000			/* what vCPU 0 watches while it waits */
done:	.long 0
