/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The guest's own paging, as the shadow page tables must keep it (and nested
 * paging alone does): run with and without `shadow` by tests/system/tiny-guests.sh.
 * In long mode with CR0.WP set, a 4 KiB page at 1 GiB (VA) maps frame A through
 * tables of the guest's own:
 *   2  a read sets the PTE's A bit and not D;   3  a write then sets D;
 *   4  the value written is in frame A;
 *   5  the PTE changed to frame B (then INVLPG) reads frame B;
 *   6  a second address space (its own CR3) maps the same VA to frame A, and reads
 *      it; 7  CR3 reads back as written; 8  back in the first, frame B again;
 *   9  a write to a read-only PTE faults: #PF, error code P|W, CR2 the address;
 *  10  an unmapped page faults: #PF, error code W (not present), CR2 the address;
 *  11  a user-only page is still readable by the kernel (SMAP is off);
 *  12  turning WP off lets the kernel write the read-only page (the monitor leaves
 *      the shadows for nested paging alone in that mode) and sets D.
 * Exit 1: the far jump into long mode came back.
 */
#include "tiny.h"
#include "paging.h"

	TINY_HEADER
	PUTS16 hello
	ENTER_PM32 pm32
pm32:
	ENTER_LONG64 lm64

	.code64
lm64:
	PAGING_FIRST_SPACE
	leaq inlong(%rip), %rsi
	call puts64			/* (exits: from here the monitor may shadow) */

	movq VA, %rax			/* 2: a read sets A, not D */
	cmpq $0x1111, %rax
	jne fail_2
	movq PT, %rax
	testq $PTE_A, %rax
	jz fail_2
	testq $PTE_D, %rax
	jnz fail_2
	movq $0x3333, VA		/* 3: a write sets D */
	movq PT, %rax
	testq $PTE_D, %rax
	jz fail_3
	cmpq $0x3333, FRAME_A		/* 4 */
	jne fail_4

	movq $FRAME_B | 3, PT		/* 5: the PTE moves to frame B */
	invlpg VA
	cmpq $0x2222, VA
	jne fail_5

	/* 6, 7: a second space mapping VA to frame A */
	PAGING_SECOND_SPACE
	movq %cr3, %r12			/* the first space */
	movq $PML4B, %rax
	movq %rax, %cr3
	cmpq $0x3333, VA
	jne fail_6
	movq %cr3, %rax
	cmpq $PML4B, %rax
	jne fail_7
	movq %r12, %cr3			/* 8 */
	cmpq $0x2222, VA
	jne fail_8

	/* 9: a write to a read-only page */
	movq $FRAME_A | 1, PT
	invlpg VA
	movq $VA + 8, %rdi
	movl $0, pf_count(%rip)
	movl $1, (%rdi)			/* c7 07 01 00 00 00: 6 bytes */
	cmpl $1, pf_count(%rip)
	jne fail_9
	cmpq $3, pf_error(%rip)
	jne fail_9
	cmpq $VA + 8, pf_cr2(%rip)
	jne fail_9

	/* 10: an unmapped page */
	movq $0, PT + 8
	movq $VA + 0x1010, %rdi
	movl $1, (%rdi)
	cmpl $2, pf_count(%rip)
	jne fail_10
	cmpq $2, pf_error(%rip)
	jne fail_10
	cmpq $VA + 0x1010, pf_cr2(%rip)
	jne fail_10

	/* 11: a user page, read by the kernel */
	movq $FRAME_B | 5, PT + 16	/* present, user, read-only */
	cmpq $0x2222, VA + 0x2000
	jne fail_11

	/* 12: WP off: the kernel writes the read-only page, and D is set */
	movq $FRAME_A | 1, PT
	invlpg VA
	movq %cr0, %rax
	andq $~0x10000, %rax
	movq %rax, %cr0
	movq $0x4444, VA
	movq %cr0, %rax
	orq $0x10000, %rax
	movq %rax, %cr0
	cmpq $0x4444, FRAME_A
	jne fail_12
	testq $PTE_D, PT
	jz fail_12
	cmpl $2, pf_count(%rip)
	jne fail_12

	leaq ok(%rip), %rsi
	call puts64
	EXIT 0
	FAIL_EXITS 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12

/* #PF: count it, keep its error code and CR2, step over the 6-byte store. */
pf_handler:
	incl pf_count(%rip)
	popq pf_error(%rip)
	pushq %rax
	movq %cr2, %rax
	movq %rax, pf_cr2(%rip)
	popq %rax
	addq $6, (%rsp)
	iretq

	PUTS_BODY puts64

	PUTS16_BODY

	GDT_TABLE

	IDT64_ONE 14, pf_handler

	.balign 8
pf_count:	.long 0, 0
pf_error:	.quad 0
pf_cr2:		.quad 0
hello:	.asciz "tiny paging: real mode, going to long mode\r\n"
inlong:	.asciz "tiny paging: in 64-bit mode, WP on\r\n"
ok:	.asciz "tiny paging: ok\r\n"
