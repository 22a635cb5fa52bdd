/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Multiprocessor start-up and every kind of IPI, through x2APIC MSRs. Needs
 * two or more vCPUs. vCPU 0 starts the others with INIT and a SIPI to
 * vector 9: they begin in real mode at 0900:0000 (offset 0x1000 of this
 * image), go to protected mode and wait in HLT. Every CPU that receives
 * vector 0x50 counts it in its own counter and answers vector 0x51 to vCPU
 * 0 (those answers may coalesce, as on hardware: one pending interrupt per
 * vector, so only their arrival is checked, not their number). Checks, each
 * with its own exit code: all APs start (1); fixed to a physical id (2);
 * fixed to a logical (x2APIC cluster) destination (3); the all-but-self
 * shorthand (4); all-including-self (5); self (6); lowest priority reaches
 * exactly one AP (7); NMI (8); INIT and SIPI restart an AP (9); the answers
 * reached vCPU 0 (10). 60: an unexpected vector.
 */
#include "tiny.h"
#define ICR_LOGICAL (1 << 11)
#define ALL_BUT_SELF (3 << 18)
#define ALL_INCL_SELF (2 << 18)
#define SELF (1 << 18)
#define SPIN 200000000

/* Spins (interrupts on) until the dword at \mem equals %ebx, or fails with \code. */
.macro WAIT_EBX mem, code
	movl $SPIN, %ecx
1:	cmpl %ebx, \mem
	je 2f
	pause
	loop 1b
	jmp fail_\code
2:
.endm

/* Spins until the APs' counters add up to %ebx, or fails with \code. */
.macro WAIT_SUM code
	movl $SPIN, %edi
1:	call sum_ap_counts
	cmpl %ebx, %eax
	je 2f
	pause
	decl %edi
	jnz 1b
	jmp fail_\code
2:
.endm

	TINY_HEADER
	PUTS16 hello
	ENTER_PM32 bsp32
bsp32:
	lidt idt_ptr
	X2APIC_ON
	movl $1, %eax
	cpuid
	shrl $16, %ebx
	andl $0xff, %ebx
	decl %ebx
	movl %ebx, naps			/* vCPUs - 1 */
	sti
	SEND 0, ALL_BUT_SELF | 0x4500	/* INIT, level assert */
	SEND 0, ALL_BUT_SELF | 0x4609	/* SIPI, vector 9 */
	movl naps, %ebx
	WAIT_EBX alive, 1

	SEND 1, 0x50			/* fixed, physical id 1 */
	movl $1, %ebx
	WAIT_EBX cnt50 + 4, 2
	SEND 2, ICR_LOGICAL | 0x50	/* logical: cluster 0, member bit 1 */
	movl $2, %ebx
	WAIT_EBX cnt50 + 4, 3
	SEND 0, ALL_BUT_SELF | 0x50	/* AP 1: 3, the others: 1 each */
	movl naps, %ebx
	addl $2, %ebx
	WAIT_SUM 4
	SEND 0, ALL_INCL_SELF | 0x50	/* every AP one more, and vCPU 0 too */
	movl naps, %ebx
	leal 2(%ebx, %ebx), %ebx
	WAIT_SUM 5
	movl $1, %ebx
	WAIT_EBX cnt50, 5
	SEND 0, SELF | 0x50
	movl $2, %ebx
	WAIT_EBX cnt50, 6
	/* lowest priority to every AP: exactly one of them takes it */
	SEND 0xfffe, ICR_LOGICAL | 0x150
	movl naps, %ebx
	leal 3(%ebx, %ebx), %ebx
	WAIT_SUM 7
	movl $2000000, %ecx		/* and no second one follows */
5:	pause
	loop 5b
	call sum_ap_counts
	cmpl %ebx, %eax
	jne fail_7
	SEND 1, 0x400			/* NMI to id 1 */
	movl $1, %ebx
	WAIT_EBX nmis + 4, 8
	SEND 1, 0x4500			/* INIT to id 1 only, then SIPI: it starts over */
	SEND 1, 0x4609
	movl naps, %ebx
	incl %ebx
	WAIT_EBX alive, 9
	cmpl $0, replies
	je fail_10
	PUTS32 ok
	EXIT 0

/* EAX = sum of cnt50[1 .. naps] */
sum_ap_counts:
	xorl %eax, %eax
	movl naps, %ecx
3:	addl cnt50(, %ecx, 4), %eax
	loop 3b
	ret

	FAIL_EXITS 1, 2, 3, 4, 5, 6, 7, 8, 9, 10

/* 0x50: count it on this CPU, answer 0x51 to vCPU 0. */
irq50:
	pushal
	movl $0x802, %ecx
	rdmsr
	lock incl cnt50(, %eax, 4)
	SEND 0, 0x51
	movl $0x80b, %ecx		/* EOI */
	xorl %eax, %eax
	xorl %edx, %edx
	wrmsr
	popal
	iretl
irq51:
	pushal
	lock incl replies
	movl $0x80b, %ecx
	xorl %eax, %eax
	xorl %edx, %edx
	wrmsr
	popal
	iretl
nmi:
	pushal
	movl $0x802, %ecx
	rdmsr
	lock incl nmis(, %eax, 4)
	popal
	iretl
unexpected:
	EXIT 60

	.code32
	PUTS_BODY puts32_body
	PUTS16_BODY
	GDT_TABLE
	.balign 8
idt:
	.word unexpected, 0x08, 0x8e00, 0
	.word unexpected, 0x08, 0x8e00, 0
	.word nmi, 0x08, 0x8e00, 0
	IDT_GATES (0x50 - 3), unexpected
	IDT_GATES 1, irq50
	IDT_GATES 1, irq51
	IDT_GATES (256 - 0x52), unexpected
	IDT_END

	.balign 4
naps:	.long 0
alive:	.long 0
replies: .long 0
cnt50:	.fill 16, 4, 0
nmis:	.fill 16, 4, 0
hello:	.asciz "tiny smp-ipi: INIT/SIPI and every IPI kind\r\n"
ok:	.asciz "tiny smp-ipi: ok\r\n"

/* Where the APs start: 0x9000, vector 9. */
	.org 0x1000
	AP_START ap32
ap32:
	movl $1, %eax
	lock xaddl %eax, ap_slot
	shll $9, %eax
	movl $0x7000, %esp		/* 512 bytes of stack each, below vCPU 0's */
	subl %eax, %esp
	lidt idt_ptr
	X2APIC_ON
	lock incl alive
	sti
4:	hlt
	jmp 4b
ap_slot: .long 0
