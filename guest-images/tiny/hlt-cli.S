/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * HLT with interrupts disabled: nothing can ever wake this vCPU, and the
 * monitor must say so and stop the guest rather than spin or hang.
 */
#include "tiny.h"
	TINY_HEADER
	PUTS16 hello
	cli
	hlt
	EXIT 1
	PUTS16_BODY
hello:	.asciz "tiny hlt-cli: halting with interrupts disabled\r\n"
