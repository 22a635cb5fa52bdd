/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Every vCPU interrupts every other one, and all count in shared memory: the
 * test of a cluster of many nodes (tests/system/cluster-mesh.sh). Needs two or
 * more vCPUs, up to 256 (x2APIC ids). vCPU 0 starts the others with INIT and
 * a SIPI to vector 9; when all are up, each vCPU, in ROUNDS rounds, sends a
 * fixed IPI (vector 0x60, physical x2APIC destination) to every other vCPU
 * and adds ADDS to a shared counter with locked increments.
 *
 * Interrupts of one vector coalesce (one pending bit per vector, as on
 * hardware), so a sender first counts each IPI in pending[target] with a
 * locked increment, then sends it; the target's handler takes its pending
 * count with XCHG and adds it to got[self]. Each vCPU then waits, halted,
 * until got[self] = ROUNDS x (vCPUs - 1): the interrupt is the only thing
 * that tells it the sender's count is there to read, so across nodes this
 * checks that a page written before an IPI is seen after it. vCPU 0 waits
 * for every vCPU to finish, then checks everything again from its own node:
 * exit 1: fewer than 2 vCPUs; 2: a vCPU's got[] is wrong; 3: a vCPU took no
 * interrupt; 4: a pending[] count is left over; 5: the shared counter is not
 * exactly vCPUs x ROUNDS x ADDS (a lost locked increment); 60: an
 * unexpected vector. Every wait halts (a vCPU that spins takes its
 * node's host time from the others) and has no bound: the launcher's
 * timeout says what did not finish. Each AP's stack has a page of its own.
 */
#include "tiny.h"
#define ROUNDS 4
#define ADDS 500
#define VEC 0x60
#define ALL_BUT_SELF (3 << 18)
#define STACKS 0x100000 /* AP id's stack: the page below STACKS + (id + 1) * 4096 */
#define WAKE 0x61

/* Halts, interrupts on, until the dword at \mem equals EBX: it is checked with
 * interrupts off, and STI's one-instruction shadow covers the HLT, so an interrupt
 * that changed it meanwhile wakes the HLT. Whoever changes it sends an interrupt. */
.macro WAIT_HALTED mem
1:	cli
	cmpl %ebx, \mem
	je 2f
	sti
	hlt
	jmp 1b
2:	sti
.endm

	TINY_HEADER
	PUTS16 hello
	ENTER_PM32 bsp32
bsp32:
	lidt idt_ptr
	movl $1, %eax
	cpuid
	shrl $16, %ebx
	andl $0xff, %ebx
	jnz 1f
	movl $256, %ebx			/* the 8-bit count wraps at 256 */
1:	movl %ebx, ncpus
	cmpl $2, %ebx
	jb fail_1
	X2APIC_ON
	sti
	SEND 0, ALL_BUT_SELF | 0x4500	/* INIT, level assert */
	SEND 0, ALL_BUT_SELF | 0x4609	/* SIPI, vector 9 */
	movl ncpus, %ebx
	decl %ebx
	WAIT_HALTED alive
	PUTS32 ok1
	movl ncpus, %eax
	call putdec
	PUTS32 started
	movl $1, go
	SEND 0, ALL_BUT_SELF | WAKE
	call mesh
	movl ncpus, %ebx
	WAIT_HALTED finished

	/* Everyone is done: check every count again, from here. */
	movl ncpus, %eax
	decl %eax
	imull $ROUNDS, %eax
	movl %eax, %ebp			/* IPIs each vCPU must have got */
	xorl %ebx, %ebx
6:	cmpl %ebp, got(, %ebx, 4)
	jne bad_got
	cmpl $0, irqs(, %ebx, 4)
	je fail_3
	cmpl $0, pending(, %ebx, 4)
	jne fail_4
	incl %ebx
	cmpl ncpus, %ebx
	jb 6b
	movl ncpus, %eax
	imull $ROUNDS * ADDS, %eax
	cmpl %eax, counter
	jne bad_counter
	PUTS32 ok1
	PUTS32 ok
	movl ncpus, %eax
	call putdec
	PUTS32 ok2
	movl %ebp, %eax
	call putdec
	PUTS32 ok3
	movl counter, %eax
	call putdec
	PUTS32 crlf
	EXIT 0

bad_got:
	PUTS32 wrong
	movl %ebx, %eax
	call putdec
	PUTS32 wrong_got
	movl got(, %ebx, 4), %eax
	call putdec
	PUTS32 crlf
	jmp fail_2
bad_counter:
	PUTS32 wrong_counter
	movl counter, %eax
	call putdec
	PUTS32 crlf
	jmp fail_5

	FAIL_EXITS 1, 2, 3, 4, 5

/* This vCPU's part (any vCPU, interrupts on): ROUNDS rounds of one IPI to every
 * other vCPU, each counted in pending[] first, and ADDS locked increments of the
 * counter; then it waits, halted, until its own IPIs are all in, and counts itself
 * finished. Clobbers every general register but ESP and EBP. */
mesh:
	movl $0x802, %ecx		/* x2APIC id: the vCPU's id */
	rdmsr
	movl %eax, %esi
	movl $ROUNDS, %edi
1:	xorl %ebx, %ebx
2:	cmpl %ebx, %esi
	je 3f
	lock incl pending(, %ebx, 4)
	movl $0x830, %ecx
	movl %ebx, %edx			/* destination: physical x2APIC id */
	movl $VEC, %eax
	wrmsr
3:	incl %ebx
	cmpl ncpus, %ebx
	jb 2b
	movl $ADDS, %ecx
4:	lock incl counter
	loop 4b
	decl %edi
	jnz 1b
	movl ncpus, %eax
	decl %eax
	imull $ROUNDS, %eax
	movl %eax, %ebx
	WAIT_HALTED "got(, %esi, 4)"
	lock incl finished
	testl %esi, %esi
	jz 7f
	SEND 0, WAKE			/* to vCPU 0, which waits for everyone */
7:	ret


/* WAKE: only ends a WAIT_HALTED. */
wake:
	pushal
	jmp eoi_return

/* VEC: take this vCPU's pending count. */
irq60:
	pushal
	movl $0x802, %ecx
	rdmsr
	movl %eax, %ebx
	xorl %eax, %eax
	xchgl %eax, pending(, %ebx, 4)
	lock addl %eax, got(, %ebx, 4)
	lock incl irqs(, %ebx, 4)
eoi_return:
	WRMSR32 0x80b, 0		/* EOI */
	popal
	iretl
unexpected:
	EXIT 60

	TINY_BODIES32
	.balign 8
idt:
	IDT_GATES VEC, unexpected
	IDT_GATES 1, irq60
	IDT_GATES 1, wake
	IDT_GATES (256 - VEC - 2), unexpected
	IDT_END

hello:	.asciz "tiny mesh: every vCPU interrupts every other one\r\n"
started: .asciz " vCPUs started\r\n"
ok1:	.asciz "tiny mesh: "
ok:	.asciz "ok, "
ok2:	.asciz " vCPUs, each got "
ok3:	.asciz " IPIs from the others, counter "
wrong:	.asciz "tiny mesh: vCPU "
wrong_got: .asciz " got IPIs numbering "
wrong_counter: .asciz "tiny mesh: the counter is "
crlf:	.asciz "\r\n"

/* Where the APs start: 0x9000, vector 9. */
	.org 0x1000
	AP_START ap32
ap32:
	lidt idt_ptr
	X2APIC_ON
	movl $0x802, %ecx
	rdmsr
	incl %eax
	shll $12, %eax
	leal STACKS(%eax), %esp
	lock incl alive
	SEND 0, WAKE
	movl $1, %ebx
	WAIT_HALTED go
	call mesh
3:	hlt
	jmp 3b

/* The counts, apart from the code; the counter on a page of its own. */
	.balign 4096
pending: .fill 256, 4, 0
got:	.fill 256, 4, 0
irqs:	.fill 256, 4, 0
ncpus:	.long 0
alive:	.long 0
go:	.long 0
finished: .long 0
	.balign 4096
counter: .long 0
