/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Page tables shared by two vCPUs, changed by one while the other uses them, as
 * a kernel's TLB shootdown does it: run on one node with two vCPUs and across two
 * nodes, with and without `shadow`, by tests/system/tiny-guests.sh and
 * tests/system/cluster-guest.sh. Across nodes under shadows, each node walks its own
 * shadows of the same guest tables, and a table page one node writes leaves the other
 * with the shadow entries derived from it (vmm/virt/shadow.h).
 *
 * vCPU 0 (the BSP) goes to long mode with CR0.WP set and maps a 4 KiB page at 1 GiB
 * (VA) to frame A; it starts vCPU 1 alone (INIT and SIPI to x2APIC id 1), which
 * enters long mode on the same tables and serves commands from a mailbox. A
 * shootdown is: the BSP writes the PTE, INVLPG, a fixed IPI (vector 0x50) to vCPU 1,
 * whose handler does INVLPG and acknowledges; the BSP waits for that. Checks, each
 * with its own exit code:
 *   1  vCPU 1 reached long mode;   2  it reads frame A at VA;
 *   3  after the PTE moved to frame B (A and D clear) and a shootdown, it reads B;
 *   4  its read set the PTE's A bit and not D (read back by the BSP);
 *   5  its write set D, and the value is in frame B;
 *   6  while it writes VA in a loop, the BSP makes the PTE read-only and shoots it
 *      down: vCPU 1's first write after the shootdown (at the latest) faults, #PF
 *      with error code P|W and CR2 = VA, and none before the PTE changed;
 *   7  no write was lost or came after the fault: frame B holds the last value
 *      written before the one that faulted;
 *   8  vCPU 1 switches to a second address space that maps VA to frame A, reads A,
 *      and reads its CR3 back as written;   9  back in the first, it reads B.
 * 60: an unexpected vector.
 */
#include "tiny.h"
#include "paging.h"
#define SPIN	200000000
#define AP_STACK 0x6000

/* Spins (with PAUSE) until the dword at \mem equals \val, or fails with \code. */
.macro WAIT_EQ mem, val, code
	movl $SPIN, %ecx
1:	cmpl $\val, \mem(%rip)
	je 2f
	pause
	decl %ecx
	jnz 1b
	jmp fail_\code
2:
.endm

/* Has vCPU 1 run command \n (its result in res, res2, res3), or fails with \code. */
.macro COMMAND n, code
	movl $\n, cmd(%rip)
	WAIT_EQ done, \n, \code
.endm

/* The PTE becomes \val, then the shootdown; acks must reach \acks, or fails with \code. */
.macro SHOOTDOWN val, acks, code
	movq $\val, PT
	invlpg VA
	SEND 1, 0x50
	WAIT_EQ acks, \acks, \code
.endm

	TINY_HEADER
	PUTS16 hello
	ENTER_PM32 pm32
pm32:
	ENTER_LONG64 lm64

	.code64
lm64:
	PAGING_FIRST_SPACE
	PAGING_SECOND_SPACE
	X2APIC_ON
	sti
	SEND 1, 0x4500			/* INIT to vCPU 1 alone */
	SEND 1, 0x4609			/* SIPI, vector 9 */
	WAIT_EQ alive, 1, 1

	COMMAND 1, 2			/* 2: it reads frame A */
	cmpq $0x1111, res(%rip)
	jne fail_2

	SHOOTDOWN FRAME_B | 3, 1, 3	/* 3: frame B, A and D clear */
	COMMAND 2, 3
	cmpq $0x2222, res(%rip)
	jne fail_3
	movq PT, %rax			/* 4: its read set A, not D */
	testq $PTE_A, %rax
	jz fail_4
	testq $PTE_D, %rax
	jnz fail_4

	COMMAND 3, 5			/* 5: its write sets D */
	testq $PTE_D, PT
	jz fail_5
	cmpq $0x5555, FRAME_B
	jne fail_5

	/* 6, 7: read-only while it writes in a loop */
	movq $0, FRAME_B
	movl $4, cmd(%rip)
	WAIT_EQ looping, 1, 6
	movl $SPIN, %ecx		/* (some writes first) */
3:	cmpq $1000, FRAME_B
	jae 4f
	pause
	decl %ecx
	jnz 3b
	jmp fail_6
4:	movl $1, protected(%rip)	/* (before the PTE: a fault that sees it, sees this) */
	SHOOTDOWN FRAME_B | PTE_A | PTE_D | 1, 2, 6
	WAIT_EQ done, 4, 6
	cmpq $3, pf_error(%rip)
	jne fail_6
	cmpq $VA, pf_cr2(%rip)
	jne fail_6
	cmpl $1, pf_protected(%rip)	/* not before the PTE was read-only */
	jne fail_6
	movq ipi_rbx(%rip), %rax	/* the first write after the shootdown faulted */
	incq %rax
	cmpq %rax, res(%rip)
	ja fail_6
	movq res(%rip), %rax		/* the value whose write faulted */
	decq %rax
	cmpq %rax, FRAME_B
	jne fail_7
	movq $0x6666, FRAME_B		/* (unlike frame A, whatever the loop left) */

	COMMAND 5, 8			/* 8, 9: its own two address spaces */
	cmpq $0x1111, res(%rip)
	jne fail_8
	cmpq $PML4B, res2(%rip)
	jne fail_8
	cmpq $0x6666, res3(%rip)
	jne fail_9

	leaq ok(%rip), %rsi
	call puts64
	EXIT 0
	FAIL_EXITS 1, 2, 3, 4, 5, 6, 7, 8, 9

/* vCPU 1's commands: 1 and 2 read VA into res; 3 writes 0x5555 to it; 4 writes
 * 1, 2, 3 ... to it until a write faults, that value into res; 5 reads VA in the
 * second space into res and its CR3 into res2, then VA in the first into res3. */
ap64:
	lidt idt_ptr(%rip)
	X2APIC_ON
	sti
	xorl %r12d, %r12d		/* the last command done */
	lock incl alive(%rip)
ap_wait:
	movl cmd(%rip), %eax
	cmpl %eax, %r12d
	jne ap_run
	pause
	jmp ap_wait
ap_run:
	movl %eax, %r12d
	cmpl $3, %eax
	je ap_write
	cmpl $4, %eax
	je ap_loop
	cmpl $5, %eax
	je ap_spaces
	movq VA, %rax			/* 1, 2 */
	movq %rax, res(%rip)
	jmp ap_done
ap_write:
	movq $0x5555, VA
	jmp ap_done
ap_loop:
	leaq ap_faulted(%rip), %rax
	movq %rax, pf_resume(%rip)
	movl $1, %ebx
	movl $1, looping(%rip)
5:	movq %rbx, VA			/* until the PTE is read-only */
	incq %rbx
	jmp 5b
ap_faulted:
	movq $0, pf_resume(%rip)	/* (any other #PF is unexpected) */
	movq %rbx, res(%rip)
	jmp ap_done
ap_spaces:
	movq %cr3, %r13
	movq $PML4B, %rax
	movq %rax, %cr3
	movq VA, %rax
	movq %rax, res(%rip)
	movq %cr3, %rax
	movq %rax, res2(%rip)
	movq %r13, %cr3
	movq VA, %rax
	movq %rax, res3(%rip)
ap_done:
	movl %r12d, done(%rip)
	jmp ap_wait

/* #PF (only vCPU 1 takes one): keep its error code and CR2, go on at pf_resume. */
pf_handler:
	cmpq $0, pf_resume(%rip)
	je unexpected
	popq pf_error(%rip)
	pushq %rax
	movl protected(%rip), %eax
	movl %eax, pf_protected(%rip)
	movq %cr2, %rax
	movq %rax, pf_cr2(%rip)
	movq pf_resume(%rip), %rax
	movq %rax, 8(%rsp)
	popq %rax
	iretq

/* 0x50, the shootdown: INVLPG VA, acknowledge, EOI. */
shootdown:
	pushq %rax
	pushq %rcx
	pushq %rdx
	invlpg VA
	movq %rbx, ipi_rbx(%rip)	/* (in the loop: the next value it writes, or that less one) */
	lock incl acks(%rip)
	movl $0x80b, %ecx
	xorl %eax, %eax
	xorl %edx, %edx
	wrmsr
	popq %rdx
	popq %rcx
	popq %rax
	iretq

unexpected:
	EXIT 60

	PUTS_BODY puts64

	PUTS16_BODY

	GDT_TABLE

/* A 64-bit interrupt gate (selector 0x18; the image is below 64 KiB). */
.macro GATE64 handler
	.word \handler, 0x18
	.byte 0, 0x8e
	.word 0
	.long 0, 0
.endm
	.balign 16
idt:
	.rept 14
	GATE64 unexpected
	.endr
	GATE64 pf_handler
	.rept 0x50 - 15
	GATE64 unexpected
	.endr
	GATE64 shootdown
idt_end:
idt_ptr:
	.word idt_end - idt - 1
	.quad idt

	.balign 8
res:	.quad 0
res2:	.quad 0
res3:	.quad 0
pf_error:	.quad 0
pf_cr2:		.quad 0
pf_resume:	.quad 0
cmd:	.long 0
done:	.long 0
alive:	.long 0
acks:	.long 0
looping: .long 0
protected: .long 0
pf_protected: .long 0
ipi_rbx: .quad 0
hello:	.asciz "tiny paging-smp: real mode, going to long mode\r\n"
ok:	.asciz "tiny paging-smp: ok\r\n"

/* Where vCPU 1 starts: 0x9000, vector 9; to long mode on the BSP's tables. */
	.org 0x1000
	AP_START ap32
	.code32
ap32:
	movl $AP_STACK, %esp
	movl %cr4, %eax
	orl $0x20, %eax			/* PAE */
	movl %eax, %cr4
	movl $0x20000, %eax
	movl %eax, %cr3
	movl $0xc0000080, %ecx		/* EFER.LME */
	rdmsr
	orl $0x100, %eax
	wrmsr
	movl %cr0, %eax
	orl $0x80010000, %eax		/* PG, WP */
	movl %eax, %cr0
	ljmpl $0x18, $ap64
