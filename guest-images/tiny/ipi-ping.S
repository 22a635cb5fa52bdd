/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * IPI round trips between two vCPUs, timed with the TSC (a benchmark guest:
 * tools/bench-cluster runs it on one node with two vCPUs and on two nodes).
 * Needs two vCPUs or more. vCPU 0 starts vCPU 1 alone with INIT and a SIPI
 * to vector 9 (physical id 1; any others stay waiting for a SIPI); both go to
 * 32-bit protected mode, and vCPU 1 waits in HLT with interrupts on. vCPU 0
 * then pings it WARMUP + K (8 + 200) times: it reads the TSC, sends a fixed
 * IPI, vector 0x50, to vCPU 1, whose handler sends the EOI and answers with
 * vector 0x51 to vCPU 0; vCPU 0 spins with PAUSE, interrupts on (as Linux
 * waits for a function-call IPI), until its handler has counted the answer,
 * then reads the TSC again. The first WARMUP round trips are not kept (they
 * fetch the code, IDT and stack pages; across nodes, through the DSM).
 * Then it prints each of the K others, in TSC cycles, one line each,
 * "tiny ipi-ping: rtt 0x<16 hex digits>", and "tiny ipi-ping: ok <K>".
 *
 * Each vCPU writes only its own pages while timing (vCPU 0: DATA0 and its
 * stack at 0x7000; vCPU 1: its stack at 0x6000), so across nodes a round trip
 * is the IPIs and the nodes' turns, not coherence faults.
 *
 * Exit codes: vCPU 1 did not start (1); an answer did not come within the
 * spin bound (2); more answers than pings (3); a round trip of zero or
 * negative cycles (4); an unexpected vector on either vCPU (60).
 */
#include "tiny.h"
#define EOI 0x80b
#define PING 0x50
#define PONG 0x51
#define WARMUP 8
#define K 200
#define SPIN 100000000		/* about 10 s of spinning under emulation */
#define ALIVE 0x3000		/* set once by vCPU 1 when it is ready */
#define DATA0 0x4000		/* vCPU 0's alone: */
#define PONGS DATA0		/*   answers counted by its handler */
#define SAMPLES (DATA0 + 0x100)	/*   K round trips, 64 bits each */
#define STACK1 0x6ff0		/* vCPU 1's stack (vCPU 0's is below 0x7ff0) */

	TINY_HEADER
	PUTS16 hello
	ENTER_PM32 bsp32
bsp32:
	lidt idt_ptr
	X2APIC_ON
	movl $0, PONGS
	sti
	SEND 1, 0x4500			/* INIT to id 1 only */
	SEND 1, 0x4609			/* SIPI, vector 9 */
	movl $SPIN, %ecx
1:	cmpl $0, ALIVE
	jne 2f
	pause
	loop 1b
	jmp fail_1
2:	xorl %ebx, %ebx			/* round trips done */
ping:
	rdtsc
	movl %eax, %esi
	movl %edx, %edi
	SEND 1, PING
	incl %ebx
	movl $SPIN, %ecx
3:	cmpl %ebx, PONGS
	jae 4f
	pause
	loop 3b
	jmp fail_2
4:	rdtsc
	subl %esi, %eax
	sbbl %edi, %edx
	js fail_4
	movl %eax, %ecx
	orl %edx, %ecx
	jz fail_4
	cmpl $WARMUP, %ebx
	jbe ping
	movl %eax, SAMPLES - 8 * (WARMUP + 1)(, %ebx, 8)
	movl %edx, SAMPLES - 8 * (WARMUP + 1) + 4(, %ebx, 8)
	cmpl $WARMUP + K, %ebx
	jb ping

	movl $2000000, %ecx		/* a duplicated answer would come now */
5:	pause
	loop 5b
	cmpl $WARMUP + K, PONGS
	jne fail_3
	xorl %edi, %edi
6:	PUTS32 rtt
	movl SAMPLES + 4(, %edi, 8), %eax
	call put_hex32
	movl SAMPLES(, %edi, 8), %eax
	call put_hex32
	PUTS32 crlf
	incl %edi
	cmpl $K, %edi
	jb 6b
	PUTS32 ok
	EXIT 0

	FAIL_EXITS 1, 2, 3, 4

/* Prints EAX as 8 hex digits on COM1; clobbers EAX, EBX, ECX, EDX. */
put_hex32:
	movl %eax, %ebx
	movl $8, %ecx
	movw $COM1, %dx
7:	roll $4, %ebx
	movl %ebx, %eax
	andl $0xf, %eax
	movb digits(%eax), %al
	outb %al, %dx
	loop 7b
	ret

/* vCPU 1: a ping. EOI first, so that the next ping is not held back. */
irq_ping:
	pushl %eax
	pushl %ecx
	pushl %edx
	WRMSR32 EOI, 0
	SEND 0, PONG
	popl %edx
	popl %ecx
	popl %eax
	iretl
/* vCPU 0: the answer. */
irq_pong:
	pushl %eax
	pushl %ecx
	pushl %edx
	incl PONGS
	WRMSR32 EOI, 0
	popl %edx
	popl %ecx
	popl %eax
	iretl
unexpected:
	EXIT 60

	.code32
	PUTS_BODY puts32_body
	PUTS16_BODY
	GDT_TABLE
	.balign 8
idt:
	IDT_GATES PING, unexpected
	IDT_GATES 1, irq_ping
	IDT_GATES 1, irq_pong
	IDT_GATES (256 - PONG - 1), unexpected
	IDT_END

digits:	.ascii "0123456789abcdef"
hello:	.asciz "tiny ipi-ping: IPI round trips vCPU 0 -> 1 -> 0, in TSC cycles\r\n"
rtt:	.asciz "tiny ipi-ping: rtt 0x"
crlf:	.asciz "\r\n"
ok:	.ascii "tiny ipi-ping: ok "
	.ascii XSTR(K)
	.asciz "\r\n"

/* Where vCPU 1 starts: 0x9000, vector 9. */
	.org 0x1000
	AP_START ap32
ap32:
	movl $STACK1, %esp
	lidt idt_ptr
	X2APIC_ON
	movl $1, ALIVE
	sti
8:	hlt
	jmp 8b
