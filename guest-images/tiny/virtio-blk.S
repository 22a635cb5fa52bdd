/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The virtio-blk disk as a driver sees it, and as a hostile one abuses it. The test
 * gives a 64 KiB image whose sector N is filled with the byte N. In flat 32-bit mode,
 * polling (no interrupts): the device is at PCI 00:01.0 (1af4:1042) with its BAR at
 * 0xfe010000 (exits 1, 2); the driver negotiates VERSION_1 (3, 4); the capacity is
 * 128 sectors (5); sector 1 reads back as ones (6, 7); a write of sector 2 reads back
 * (8, 9); any arrangement of descriptors works: a write whose header and data share
 * one descriptor (18), a read whose data and status share one (19); a read past the
 * end (10) and one into an address that is not RAM (11) fail with IOERR. Then chains the device must refuse without following them: a descriptor
 * that loops to itself (12: NEEDS_RESET; 13: nothing used), and after a reset the
 * device works again (14); a next index past the queue (15); a queue whose descriptor
 * table is misaligned (16); a status byte the device cannot write (17).
 */
#include "tiny.h"

#define BAR	 0xfe010000
#define COMMON	 BAR
#define DEVCFG	 (BAR + 0x1800)
#define NOTIFY	 (BAR + 0x2000)
#define DESC	 0x10000
#define AVAIL	 0x11000
#define USED	 0x12000
#define DATA	 0x13000
#define HDR	 0x14000
#define STATUS	 0x14010
#define WDATA	 0x15000
#define HDR2	 0x16000
#define RDATA	 0x17000
#define QSIZE	 8
#define S_NEEDS_RESET 0x40

	TINY_HEADER
	PUTS16 hello
	ENTER_PM32 pm32

	.code32
pm32:
	movl $0x80000800, %eax		/* 00:01.0, register 0 */
	call pci_read
	cmpl $0x10421af4, %eax
	jne fail_1
	movl $0x80000810, %eax		/* BAR 0 */
	call pci_read
	cmpl $BAR, %eax
	jne fail_2
	movl $0x80000804, %eax		/* command: memory space, bus master */
	movw $0xcf8, %dx
	outl %eax, %dx
	movw $0xcfc, %dx
	movl $6, %eax
	outl %eax, %dx

	call setup
	cmpl $128, DEVCFG		/* capacity, low half */
	jne fail_5
	cmpl $0, DEVCFG + 4
	jne fail_5

	/* sector 1 reads back as 512 ones */
	movl $0, %eax
	movl $1, %ebx
	movl $DATA, %ecx
	movl $2, %esi
	call submit
	cmpb $0, %al
	jne fail_6
	movl $DATA, %edi
	movl $0x01010101, %eax
	movl $128, %ecx
	repe scasl
	jne fail_7

	/* sector 2 written with 0xab, then read back */
	movl $WDATA, %edi
	movl $0xabababab, %eax
	movl $128, %ecx
	rep stosl
	movl $1, %eax
	movl $2, %ebx
	movl $WDATA, %ecx
	movl $0, %esi
	call submit
	cmpb $0, %al
	jne fail_8
	movl $0, %eax
	movl $2, %ebx
	movl $DATA, %ecx
	movl $2, %esi
	call submit
	cmpb $0, %al
	jne fail_9
	movl $DATA, %edi
	movl $0xabababab, %eax
	movl $128, %ecx
	repe scasl
	jne fail_9

	/* any arrangement of descriptors: a write whose header and data share one
	 * descriptor, then a read whose data and status share one */
	movl $HDR2 + 16, %edi
	movl $0xcdcdcdcd, %eax
	movl $128, %ecx
	rep stosl
	movl $1, HDR2
	movl $0, HDR2 + 4
	movl $3, HDR2 + 8
	movl $0, HDR2 + 12
	movb $0xff, STATUS
	movl $HDR2, DESC + 0
	movl $0, DESC + 4
	movl $16 + 512, DESC + 8
	movw $1, DESC + 12
	movw $1, DESC + 14
	movl $STATUS, DESC + 16
	movl $0, DESC + 20
	movl $1, DESC + 24
	movw $2, DESC + 28
	movw $0, DESC + 30
	call offer
	call wait_used
	cmpb $0, STATUS
	jne fail_18
	movl $0, HDR
	movl $0, HDR + 4
	movl $3, HDR + 8
	movl $0, HDR + 12
	movb $0xff, RDATA + 512
	movl $HDR, DESC + 0
	movl $0, DESC + 4
	movl $16, DESC + 8
	movw $1, DESC + 12
	movw $1, DESC + 14
	movl $RDATA, DESC + 16
	movl $0, DESC + 20
	movl $512 + 1, DESC + 24
	movw $2, DESC + 28
	movw $0, DESC + 30
	call offer
	call wait_used
	cmpb $0, RDATA + 512
	jne fail_19
	movl $RDATA, %edi
	movl $0xcdcdcdcd, %eax
	movl $128, %ecx
	repe scasl
	jne fail_19

	/* past the end, and into what is not RAM: I/O errors */
	movl $0, %eax
	movl $128, %ebx
	movl $DATA, %ecx
	movl $2, %esi
	call submit
	cmpb $1, %al
	jne fail_10
	movl $0, %eax
	movl $1, %ebx
	movl $0xf0000000, %ecx
	movl $2, %esi
	call submit
	cmpb $1, %al
	jne fail_11

	/* a descriptor whose next is itself */
	movl USED + 0, %eax
	movl %eax, used_before
	movl $HDR, DESC + 0
	movl $0, DESC + 4
	movl $16, DESC + 8
	movw $1, DESC + 12		/* NEXT */
	movw $0, DESC + 14		/* ... to itself */
	call offer
	call wait_needs_reset
	jnz fail_12
	movl USED + 0, %eax
	cmpl used_before, %eax
	jne fail_13
	PUTS32 said_loop

	/* reset: the device works again */
	call setup
	movl $0, %eax
	movl $1, %ebx
	movl $DATA, %ecx
	movl $2, %esi
	call submit
	cmpb $0, %al
	jne fail_14

	/* a next index past the queue */
	movl $HDR, DESC + 0
	movl $0, DESC + 4
	movl $16, DESC + 8
	movw $1, DESC + 12
	movw $100, DESC + 14
	call offer
	call wait_needs_reset
	jnz fail_15

	/* a misaligned descriptor table: the queue is not enabled */
	call setup_features
	movw $0, COMMON + 0x16
	movw $QSIZE, COMMON + 0x18
	movl $DESC + 4, COMMON + 0x20
	movl $0, COMMON + 0x24
	movl $AVAIL, COMMON + 0x28
	movl $0, COMMON + 0x2c
	movl $USED, COMMON + 0x30
	movl $0, COMMON + 0x34
	movw $1, COMMON + 0x1c
	testb $S_NEEDS_RESET, COMMON + 0x14
	jz fail_16
	cmpw $0, COMMON + 0x1c
	jne fail_16

	/* a request whose status byte the device may not write */
	call setup
	movl $1, %eax			/* a write: every other buffer is read-only too */
	movl $1, %ebx
	movl $DATA, %ecx
	movl $0, %esi
	call build
	movw $0, DESC + 32 + 12		/* status descriptor: not device-writable */
	call offer
	call wait_needs_reset
	jnz fail_17

	movb $0, COMMON + 0x14		/* leave it reset */
	PUTS32 ok
	EXIT 0

/* pci_read: EAX = configuration address; returns the dword in EAX. */
pci_read:
	movw $0xcf8, %dx
	outl %eax, %dx
	movw $0xcfc, %dx
	inl %dx, %eax
	ret

/* setup_features: reset, ACKNOWLEDGE and DRIVER, VERSION_1 only, FEATURES_OK. */
setup_features:
	movb $0, COMMON + 0x14
	cmpb $0, COMMON + 0x14
	jne fail_3
	movb $3, COMMON + 0x14
	movl $1, COMMON + 0x00		/* device features 32-63 */
	testl $1, COMMON + 0x04		/* VERSION_1 (bit 32) */
	jz fail_3
	movl $1, COMMON + 0x08
	movl $1, COMMON + 0x0c
	movl $0, COMMON + 0x08
	movl $0, COMMON + 0x0c
	movb $0xb, COMMON + 0x14
	testb $8, COMMON + 0x14
	jz fail_4
	ret

/* setup: setup_features, then queue 0 of QSIZE entries on cleared rings, DRIVER_OK. */
setup:
	call setup_features
	movl $DESC, %edi
	xorl %eax, %eax
	movl $0x3000 / 4, %ecx
	rep stosl
	movw $0, aidx
	movw $0, COMMON + 0x16
	movw $QSIZE, COMMON + 0x18
	movl $DESC, COMMON + 0x20
	movl $0, COMMON + 0x24
	movl $AVAIL, COMMON + 0x28
	movl $0, COMMON + 0x2c
	movl $USED, COMMON + 0x30
	movl $0, COMMON + 0x34
	movw $1, COMMON + 0x1c
	cmpw $1, COMMON + 0x1c
	jne fail_4
	movb $0xf, COMMON + 0x14	/* DRIVER_OK */
	ret

/* build: a request of type EAX for sector EBX, 512 bytes at ECX, data flags ESI
 * (2: the device writes them), as descriptors 0, 1, 2. */
build:
	movl %eax, HDR
	movl $0, HDR + 4
	movl %ebx, HDR + 8
	movl $0, HDR + 12
	movb $0xff, STATUS
	movl $HDR, DESC + 0
	movl $0, DESC + 4
	movl $16, DESC + 8
	movw $1, DESC + 12
	movw $1, DESC + 14
	movl %ecx, DESC + 16
	movl $0, DESC + 20
	movl $512, DESC + 24
	orl $1, %esi
	movw %si, DESC + 28
	movw $2, DESC + 30
	movl $STATUS, DESC + 32
	movl $0, DESC + 36
	movl $1, DESC + 40
	movw $2, DESC + 44
	movw $0, DESC + 46
	ret

/* offer: makes chain 0 available and notifies queue 0. */
offer:
	movzwl aidx, %eax
	andl $QSIZE - 1, %eax
	movw $0, AVAIL + 4(, %eax, 2)
	incw aidx
	movw aidx, %ax
	movw %ax, AVAIL + 2
	movw $0, NOTIFY
	ret

/* submit: build, offer, wait for the used index; AL = the status byte (0xff if the
 * device never answered). */
submit:
	call build
	call offer
	call wait_used
	movb STATUS, %al
	ret

/* wait_used: until the used index catches up with the available one (or long). */
wait_used:
	movl $10000000, %ecx
1:	movw USED + 2, %ax
	cmpw aidx, %ax
	je 2f
	pause
	loop 1b
2:	ret

/* wait_needs_reset: ZF set once the device status has NEEDS_RESET. */
wait_needs_reset:
	movl $10000000, %ecx
1:	testb $S_NEEDS_RESET, COMMON + 0x14
	jnz 2f
	pause
	loop 1b
	orl $1, %ecx			/* ZF clear: it never came */
	ret
2:	xorl %eax, %eax			/* ZF set */
	ret

	FAIL_EXITS 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19
	PUTS_BODY puts32_body
	PUTS16_BODY
	GDT_TABLE
	.balign 4
used_before: .long 0
aidx:	.word 0
hello:	.asciz "tiny virtio-blk: checking the disk, and refusing hostile chains\r\n"
said_loop: .asciz "tiny virtio-blk: a looping chain was refused\r\n"
ok:	.asciz "tiny virtio-blk: ok\r\n"
