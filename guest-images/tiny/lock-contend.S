/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Every vCPU contends for one spinlock: vCPU 0 starts the others, then each
 * takes the lock ITERS times (xchg, spinning with PAUSE while it is taken),
 * and inside it increments a shared counter the slow way (read, wait, write),
 * so two vCPUs inside at once would lose increments. Across nodes the lock's
 * page moves at nearly every acquisition, and a vCPU can spin on a lock whose
 * holder's node does not have the turn (vmm/cluster/turns.h): the test is that every
 * vCPU still gets through. vCPU 0 waits for all to finish, then checks the
 * counter. Exit 1: the vCPUs did not all finish within 2^32 spins of vCPU 0
 * (a bound in iterations, not time: across nodes each PAUSE exits, and the
 * launcher's timeout comes first); 2: the counter is wrong (mutual exclusion
 * broke).
 * APs use no stack; the lock and the counter have a page of their own.
 */
#include "tiny.h"
#ifndef ITERS
#define ITERS 500000
#endif
#define DELAY 2000
#define SPIN 0xffffffff

/* Takes the lock ITERS times, incrementing the counter inside; then counts
 * itself done. Clobbers EAX, ECX, EDX, ESI. */
.macro CONTEND
	movl $ITERS, %esi
1:	movl $1, %eax
	xchgl %eax, lock
	testl %eax, %eax
	jz 3f
2:	pause
	cmpl $0, lock
	jne 2b
	jmp 1b
3:	movl counter, %edx
	movl $DELAY, %ecx
4:	loop 4b
	incl %edx
	movl %edx, counter
	movl $0, lock			/* release: a store, as x86 spinlocks do */
	decl %esi
	jnz 1b
	lock incl done
.endm

	TINY_HEADER
	PUTS16 hello
	ENTER_PM32 bsp32
bsp32:
	movl $1, %eax
	cpuid
	shrl $16, %ebx
	andl $0xff, %ebx
	movl %ebx, ncpus		/* vCPUs in all */
	START_APS
	CONTEND
	movl ncpus, %ebx
	movl $SPIN, %ecx
5:	cmpl %ebx, done
	je 6f
	pause
	loop 5b
	jmp fail_1
6:	movl ncpus, %eax
	imull $ITERS, %eax
	cmpl %eax, counter
	jne fail_2
	PUTS32 ok
	EXIT 0

	FAIL_EXITS 1, 2

	PUTS16_BODY
	.code32
	PUTS_BODY puts32_body
	GDT_TABLE
hello:	.ascii "tiny lock-contend: every vCPU takes one spinlock "
	.ascii XSTR(ITERS)
	.asciz " times\r\n"
ok:	.asciz "tiny lock-contend: ok, the counter is exact\r\n"

	.org 0x1000
	AP_START ap32
ap32:
	CONTEND
7:	hlt
	jmp 7b

	.org 0x2000			/* the lock's page: nothing else the vCPUs need */
lock:	.long 0
counter: .long 0
	.org 0x3000			/* what vCPU 0 watches while it waits */
done:	.long 0
ncpus:	.long 0
