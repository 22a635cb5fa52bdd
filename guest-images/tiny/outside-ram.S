/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A read from guest-physical 0xe0000000, where the guest has neither RAM
 * nor a device: the monitor must stop the guest with a report naming the
 * address, and stay up itself. Exit 1 would mean the read returned.
 */
#include "tiny.h"
	TINY_HEADER
	PUTS16 hello
	ENTER_PM32 pm32
pm32:
	movl 0xe0000000, %eax
	EXIT 1
	PUTS16_BODY
	GDT_TABLE
hello:	.asciz "tiny outside-ram: reading 0xe0000000\r\n"
