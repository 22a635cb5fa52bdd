/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The guest's own page tables of the paging tests (paging.S, paging-smp.S): a 4 KiB
 * page at 1 GiB (VA) in the tables ENTER_LONG64 builds, and a second address space
 * that maps it elsewhere. Include after tiny.h.
 */
#define VA	0x40000000
#define PD2	0x31000 /* the first space's PDPT[1] -> PD2 -> PT */
#define PT	0x32000
#define PML4B	0x33000 /* the second space: PML4 -> PDPT (shared low half) */
#define PDPTB	0x34000
#define PDB	0x35000
#define PTB	0x36000
#define FRAME_A 0x40000
#define FRAME_B 0x41000
#define PTE_A	0x20
#define PTE_D	0x40

/* 64-bit code, just after ENTER_LONG64: the IDT (idt_ptr), CR0.WP on, and VA mapped
 * to frame A, writable, in the first space; frame A holds 0x1111, frame B 0x2222. */
.macro PAGING_FIRST_SPACE
	lidt idt_ptr(%rip)
	movq %cr0, %rax
	orq $0x10000, %rax		/* WP */
	movq %rax, %cr0
	/* VA -> PDPT[1] -> PD2[0] -> PT[0] -> frame A, writable. */
	movq $PD2 | 7, 0x21008
	movq $PT | 7, PD2
	movq $FRAME_A | 3, PT
	movq $0x1111, FRAME_A
	movq $0x2222, FRAME_B
	movq %cr3, %rax			/* (a full flush: the tables changed) */
	movq %rax, %cr3
.endm

/* The second space (its root at PML4B): VA -> frame A, writable; the first GiB and
 * 3-4 GiB as in the first space. */
.macro PAGING_SECOND_SPACE
	movq $PDPTB | 3, PML4B
	movq $0x22000 | 3, PDPTB	/* the identity-mapped first GiB, shared */
	movq $0x23000 | 3, PDPTB + 0x18
	movq $PDB | 3, PDPTB + 8
	movq $PTB | 3, PDB
	movq $FRAME_A | 3, PTB
.endm
