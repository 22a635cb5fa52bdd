/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A triple fault: an empty IDT, then an exception. The guest cannot
 * deliver it, nor the double fault that follows, and shuts down; the monitor
 * must report the crash and stop the guest, never itself. Exit 1 would mean
 * the exception somehow returned.
 */
#include "tiny.h"
	TINY_HEADER
	PUTS16 hello
	lidt idt_empty
	ud2
	EXIT 1
	PUTS16_BODY
	.balign 8
idt_empty:
	.word 0
	.long 0
hello:	.asciz "tiny triple-fault: loading an empty IDT and raising #UD\r\n"
