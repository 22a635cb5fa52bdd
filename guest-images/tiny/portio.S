/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Port I/O: the UART's scratch register keeps a byte (exit 1); the divisor
 * latch is reached through LCR.DLAB (2); an unclaimed port reads as all ones
 * in 8, 16 and 32 bits (3, 4, 5); a 16-bit IN leaves EAX's upper half alone
 * (6); the UART reports an empty transmitter (7).
 */
#include "tiny.h"
	TINY_HEADER
	PUTS16 hello
	movw $COM1 + 7, %dx
	movb $0x5a, %al
	outb %al, %dx
	xorb %al, %al
	inb %dx, %al
	cmpb $0x5a, %al
	jne fail_1
	movw $COM1 + 3, %dx
	movb $0x80, %al		/* DLAB */
	outb %al, %dx
	movw $COM1, %dx
	movb $0x0c, %al		/* divisor 12: 9600 baud */
	outb %al, %dx
	movw $COM1 + 3, %dx
	movb $0x03, %al		/* 8N1, DLAB off */
	outb %al, %dx
	movw $COM1 + 3, %dx
	movb $0x83, %al
	outb %al, %dx
	movw $COM1, %dx
	inb %dx, %al
	cmpb $0x0c, %al
	jne fail_2
	movw $COM1 + 3, %dx
	movb $0x03, %al
	outb %al, %dx
	movw $0x2f0, %dx	/* nothing there */
	inb %dx, %al
	cmpb $0xff, %al
	jne fail_3
	inw %dx, %ax
	cmpw $0xffff, %ax
	jne fail_4
	inl %dx, %eax
	cmpl $0xffffffff, %eax
	jne fail_5
	movl $0x12340000, %eax
	inw %dx, %ax
	cmpl $0x1234ffff, %eax
	jne fail_6
	movw $COM1 + 5, %dx
	inb %dx, %al
	andb $0x60, %al
	cmpb $0x60, %al
	jne fail_7
	PUTS16 ok
	EXIT 0
	FAIL_EXITS 1, 2, 3, 4, 5, 6, 7
	PUTS16_BODY
hello:	.asciz "tiny portio: checking port I/O\r\n"
ok:	.asciz "tiny portio: ok\r\n"
