/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * CPUID as the guest sees it, checked from real mode: the hypervisor bit is
 * set (exit 1 if not), VMX and SVM are hidden (2, 3), Unum's signature leaf
 * reads "UnumUnumUnum" (4), and EBX[31:24] of leaf 1 is APIC id 0 (5).
 */
#include "tiny.h"
	TINY_HEADER
	PUTS16 hello
	movl $1, %eax
	cpuid
	btl $31, %ecx
	jnc fail_1
	btl $5, %ecx
	jc fail_2
	shrl $24, %ebx
	jnz fail_5
	movl $0x80000001, %eax
	cpuid
	btl $2, %ecx
	jc fail_3
	movl $0x40000000, %eax
	cpuid
	cmpl $0x6d756e55, %ebx	/* "Unum" */
	jne fail_4
	cmpl $0x6d756e55, %ecx
	jne fail_4
	cmpl $0x6d756e55, %edx
	jne fail_4
	PUTS16 ok
	EXIT 0
	FAIL_EXITS 1, 2, 3, 4, 5
	PUTS16_BODY
hello:	.asciz "tiny cpuid: checking CPUID from real mode\r\n"
ok:	.asciz "tiny cpuid: ok\r\n"
