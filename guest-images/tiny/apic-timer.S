/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The virtual local APIC in x2APIC mode, from 32-bit protected mode: the
 * CPUID x2APIC bit (exit 1), switching IA32_APIC_BASE to x2APIC (2), the
 * APIC id MSR (3), then the timer in its three modes, each waited for with
 * HLT so that interrupt injection and HLT wake-up are exercised too:
 * periodic, 10 interrupts on vector 0x40 (4); one-shot, exactly one on 0x41
 * and the count reads 0 afterwards (5); TSC-deadline, one on 0x42 (6). A
 * masked timer must not interrupt (7). Every handler sends EOI through MSR
 * 0x80b; an interrupt on an unexpected vector ends the guest with 8.
 */
#include "tiny.h"
#define MSR_APIC_BASE 0x1b
#define X2_ID 0x802
#define X2_EOI 0x80b
#define X2_SVR 0x80f
#define X2_LVT_TIMER 0x832
#define X2_TIMER_INIT 0x838
#define X2_TIMER_CUR 0x839
#define X2_TIMER_DIV 0x83e
#define MSR_TSC_DEADLINE 0x6e0

	TINY_HEADER
	PUTS16 hello
	ENTER_PM32 pm32
pm32:
	lidt idt_ptr
	movl $1, %eax
	cpuid
	btl $21, %ecx
	jnc fail_1
	movl $MSR_APIC_BASE, %ecx
	rdmsr
	orl $0xc00, %eax		/* EN | EXTD */
	wrmsr
	rdmsr
	andl $0xc00, %eax
	cmpl $0xc00, %eax
	jne fail_2
	movl $X2_ID, %ecx
	rdmsr
	testl %eax, %eax
	jnz fail_3
	WRMSR32 X2_SVR, 0x1ff
	WRMSR32 X2_TIMER_DIV, 0xb	/* divide by 1: 1 count per ns */

	/* periodic, 1 ms */
	WRMSR32 X2_LVT_TIMER, 0x20040
	WRMSR32 X2_TIMER_INIT, 1000000
	sti
1:	hlt
	cmpl $10, ticks40
	jb 1b
	cli
	WRMSR32 X2_TIMER_INIT, 0	/* stop */
	cmpl $10, ticks40
	jb fail_4

	/* one-shot, 0.5 ms */
	WRMSR32 X2_LVT_TIMER, 0x41
	WRMSR32 X2_TIMER_INIT, 500000
	sti
2:	hlt
	cmpl $1, ticks41
	jb 2b
	movl $X2_TIMER_CUR, %ecx
	rdmsr
	testl %eax, %eax
	jnz fail_5
	cmpl $1, ticks41
	jne fail_5

	/* TSC deadline, 10^6 TSC cycles ahead (0.5 ms at 2 GHz). Armed with
	 * interrupts off, and waited for with STI; HLT (STI's shadow covers the
	 * HLT): a deadline that passes before the HLT (a slow host, an exit that
	 * took long) would otherwise interrupt before it, and the HLT would wait
	 * for ever. Seen about once in 20-30 runs on a loaded host. */
	cli
	WRMSR32 X2_LVT_TIMER, 0x40042
	rdtsc
	addl $1000000, %eax
	adcl $0, %edx
	movl $MSR_TSC_DEADLINE, %ecx
	wrmsr
3:	sti
	hlt
	cli
	cmpl $1, ticks42
	jb 3b

	/* masked: a short one-shot that must not arrive; a periodic timer on
	 * 0x40 (unmasked, slower) is the clock we wait with */
	cli
	movl $0, ticks40
	WRMSR32 X2_LVT_TIMER, 0x10041
	WRMSR32 X2_TIMER_INIT, 100000
	sti
	movl $200000000, %ecx		/* spin a while: the masked timer expires meanwhile */
4:	loop 4b
	cmpl $1, ticks41
	jne fail_7

	PUTS32 ok
	EXIT 0
	FAIL_EXITS 1, 2, 3, 4, 5, 6, 7

.macro HANDLER vec, counter
irq\vec:
	pushl %eax
	pushl %ecx
	pushl %edx
	incl \counter
	WRMSR32 X2_EOI, 0
	popl %edx
	popl %ecx
	popl %eax
	iretl
.endm
	HANDLER 40, ticks40
	HANDLER 41, ticks41
	HANDLER 42, ticks42
unexpected:
	EXIT 8

	.code32
	PUTS_BODY puts32_body
	PUTS16_BODY

	GDT_TABLE
	.balign 8
idt:
	IDT_GATES 0x40, unexpected
	IDT_GATES 1, irq40
	IDT_GATES 1, irq41
	IDT_GATES 1, irq42
	IDT_GATES (256 - 0x43), unexpected
	IDT_END

ticks40: .long 0
ticks41: .long 0
ticks42: .long 0
hello:	.asciz "tiny apic-timer: x2APIC timer, periodic, one-shot, TSC deadline\r\n"
ok:	.asciz "tiny apic-timer: ok\r\n"
