/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A hostile guest: vCPU 0, driven by a seed, does OPS random operations of six
 * kinds, each the privileged kind a guest can aim at the monitor:
 *   0 port I/O: any port (half of them near the emulated devices'), any size,
 *     in or out, any value;
 *   1 MMIO to the IOAPIC's and the local APIC's pages: any offset within the
 *     page, size 1, 2 or 4, read or write, any value;
 *   2 RDMSR and 3 WRMSR of an index in one of the ranges MSRs live in (or any),
 *     with any value;
 *   4 a hypercall (VMMCALL or VMCALL) with any number and arguments;
 *   5 an IPI to vCPU 1 through the x2APIC MSR or the xAPIC page: any vector,
 *     delivery mode (INIT and SIPI included) and trigger.
 * Every exception an operation raises is taken and counted, and the next
 * operation follows: whatever the monitor does (emulate the access, inject a
 * fault, or stop the guest with a report) must leave the monitor intact.
 * vCPU 1 is the victim of the IPIs: it starts, after every INIT and SIPI, in
 * real mode at 0x9000 (a SIPI's vector is always 9) and waits in HLT taking
 * whatever comes. vCPU 0 runs with interrupts off.
 * So that the run lasts, vCPU 0 spares itself what would end or reset it, and
 * only that: writes to the exit port (0xf4), the keyboard controller (0x60,
 * 0x64), port 0x92, the reset control (0xcf9), the ACPI PM1 control (0x604, a
 * power-off) and the UART (0x3f8-0x3ff, the console); an INIT, SIPI or NMI to
 * itself (its IPIs go to vCPU 1 alone; its LVT, IOAPIC redirection and PV
 * send-IPI writes name no INIT); an NMI to vCPU 1 (one that finds it starting
 * crashes it); guest-physical addresses for the KVM MSRs
 * that the monitor writes into are, one time in four, random (then almost
 * never RAM), else in a scratch area at 0x300000.
 * The seed is the dword at offset 0xff0 of the image, the count of operations
 * the one at 0xff4 (tests/fuzz/fuzz-guest writes them). The end: a line with
 * what was done, and exit code 0.
 */
#include "tiny.h"
#define SCRATCH 0x300000
#define ICR_LOGICAL (1 << 11)
#define NSPARED 7 /* port ranges spared: spared[] */

	TINY_HEADER
	PUTS16 hello
	ENTER_PM32 bsp32
bsp32:
	lidt idt_ptr
	movl seed, %eax
	testl %eax, %eax
	jnz 1f
	incl %eax			/* (xorshift needs a state other than 0) */
1:	movl %eax, rng
	movl ops, %eax
	movl %eax, left
	X2APIC_ON
	SEND 1, 0x4500			/* vCPU 1: INIT, then SIPI to vector 9 */
	SEND 1, 0x4609
	PUTS32 line_seed
	movl seed, %eax
	call putdec
	PUTS32 line_ops
	movl ops, %eax
	call putdec
	PUTS32 crlf

/* The loop: every operation ends at next, exception or not (the handlers go there). */
next:
	movl $0x7ff0, %esp
	cmpl $0, left
	je done
	decl left
	call rand
	xorl %edx, %edx
	movl $6, %ecx
	divl %ecx
	incl count(, %edx, 4)
	jmp *kinds(, %edx, 4)

done:
	PUTS32 line_done
	xorl %ebx, %ebx
1:	movl count(, %ebx, 4), %eax
	pushl %ebx
	call putdec
	popl %ebx
	movl names(, %ebx, 4), %esi
	call puts32_body
	incl %ebx
	cmpl $6, %ebx
	jb 1b
	movl faults + 4 * 13, %eax
	call putdec
	PUTS32 line_gp
	movl faults + 4 * 6, %eax
	call putdec
	PUTS32 line_ud
	movl skipped, %eax
	call putdec
	PUTS32 line_skipped
	EXIT 0

/* EAX = the next xorshift32 number. Clobbers EDX. */
rand:
	movl rng, %eax
	movl %eax, %edx
	shll $13, %edx
	xorl %edx, %eax
	movl %eax, %edx
	shrl $17, %edx
	xorl %edx, %eax
	movl %eax, %edx
	shll $5, %edx
	xorl %edx, %eax
	movl %eax, rng
	ret

/* 0: port I/O. EBX: the choice bits, EDI: the value, DX: the port, ECX: the size. */
op_port:
	call rand
	movl %eax, %ebx
	call rand
	movl %eax, %edi
	movzwl %bx, %edx		/* any port, or one of the devices' */
	testl $1 << 20, %ebx
	jz 1f
	movl %ebx, %eax
	shrl $24, %eax
	andl $15, %eax
	movzwl ports(, %eax, 2), %edx
	movl %ebx, %eax
	shrl $28, %eax
	andl $7, %eax
	addl %eax, %edx
1:	movl %ebx, %ecx
	shrl $16, %ecx
	andl $3, %ecx			/* 0, 1: byte; 2: word; 3: dword */
	testl $1 << 18, %ebx
	jz port_in
	/* an out: skip it if [port, port + size) meets a port that would end the run */
	movl $1, %esi
	shll %cl, %esi
	shrl $1, %esi
	jnz 2f
	incl %esi			/* ESI: 1, 1, 2, 4 bytes */
2:	pushl %edi
	xorl %edi, %edi
3:	movzwl spared(, %edi, 4), %eax	/* [from, to) */
	cmpl %eax, %edx
	jb 4f				/* port < from: below unless port + size > from */
	movzwl spared + 2(, %edi, 4), %eax
	cmpl %eax, %edx
	jb 5f				/* from <= port < to: meets it */
	jmp 6f
4:	leal (%edx, %esi), %eax
	cmpw spared(, %edi, 4), %ax
	ja 5f
6:	incl %edi
	cmpl $NSPARED, %edi
	jb 3b
	popl %eax			/* the value */
	cmpl $2, %ecx
	je 7f
	ja 8f
	outb %al, %dx
	jmp next
7:	outw %ax, %dx
	jmp next
8:	outl %eax, %dx
	jmp next
5:	popl %eax
	incl skipped
	jmp next
port_in:
	cmpl $2, %ecx
	je 7f
	ja 8f
	inb %dx, %al
	jmp next
7:	inw %dx, %ax
	jmp next
8:	inl %dx, %eax
	jmp next

/* 1: MMIO to the IOAPIC's or the local APIC's page. */
op_mmio:
	call rand
	movl %eax, %ebx
	call rand
	movl %eax, %edi			/* the value */
	movl %ebx, %ecx
	shrl $13, %ecx
	andl $3, %ecx
	movl $1, %esi
	shll %cl, %esi
	cmpl $8, %esi
	jne 1f
	movl $4, %esi			/* ESI: 1, 2, 4, 4 bytes */
1:	movl %ebx, %edx
	shrl $1, %edx
	andl $0xfff, %edx
	movl $0x1000, %eax
	subl %esi, %eax
	cmpl %eax, %edx
	jbe 2f
	movl %eax, %edx			/* (within the page) */
2:	testl $1, %ebx
	jz 3f
	/* the IOAPIC: a write to its window (as a whole dword) names no INIT, SMI or
	 * ExtINT */
	movl %edx, %eax
	andl $~3, %eax
	cmpl $0x10, %eax
	jne 4f
	movl %eax, %edx
	movl $4, %esi
	andl $~0x700, %edi
4:	addl $0xfec00000, %edx
	jmp 5f
3:	/* the local APIC: the ICR (0x300, 0x310) only through op_ipi; LVTs (as whole
	 * dwords): fixed or NMI */
	cmpl $0x300, %edx
	jb 6f
	cmpl $0x320, %edx
	jb op_ipi_xapic
	cmpl $0x380, %edx
	jae 6f
	andl $~0xf, %edx
	movl $4, %esi
	andl $~0x300, %edi
6:	addl $0xfee00000, %edx
5:	movl %edi, %eax
	testl $1 << 15, %ebx
	jz mmio_read
	cmpl $2, %esi
	je 7f
	ja 8f
	movb %al, (%edx)
	jmp next
7:	movw %ax, (%edx)
	jmp next
8:	movl %eax, (%edx)
	jmp next
mmio_read:
	cmpl $2, %esi
	je 7f
	ja 8f
	movb (%edx), %al
	jmp next
7:	movw (%edx), %ax
	jmp next
8:	movl (%edx), %eax
	jmp next

/* ECX = an MSR index: in one of the ranges MSRs live in, or any. */
msr_index:
	call rand
	movl %eax, %ecx
	shrl $24, %eax
	andl $7, %eax
	andl msr_mask(, %eax, 4), %ecx
	orl msr_base(, %eax, 4), %ecx
	ret

/* 2: RDMSR. */
op_rdmsr:
	call msr_index
	rdmsr
	jmp next

/* 3: WRMSR, any value; the x2APIC ICR only through op_ipi, LVTs without INIT, and the
 * KVM MSRs that hold an address mostly pointing at the scratch area. */
op_wrmsr:
	call msr_index
	pushl %ecx
	call rand
	movl %eax, %edi
	call rand
	movl %eax, %edx
	movl %edi, %eax
	popl %ecx
	cmpl $0x830, %ecx
	je op_ipi_x2apic
	cmpl $0x832, %ecx
	jb 1f
	cmpl $0x838, %ecx
	jae 1f
	andl $~0x300, %eax
1:	cmpl $0x11, %ecx		/* the old kvmclock MSRs */
	je 2f
	cmpl $0x12, %ecx
	je 2f
	movl %ecx, %esi
	andl $~0xff, %esi
	cmpl $0x4b564d00, %esi
	jne 3f
2:	testl $3 << 8, %edi		/* three times in four: the scratch area */
	jz 3f
	andl $0xff1, %eax
	orl $SCRATCH, %eax
	xorl %edx, %edx
3:	wrmsr
	jmp next

/* 4: a hypercall, VMMCALL (AMD) or VMCALL (Intel); the other one is #UD. A PV
 * send-IPI (number 10) names vCPUs from 1 up and no INIT or SIPI. */
op_hypercall:
	call rand
	movl %eax, %edi
	call rand
	movl %eax, %ebx
	call rand
	movl %eax, %ecx
	call rand
	movl %eax, %esi
	call rand
	movl %eax, %edx
	movl %edi, %eax
	testl $1 << 30, %edi
	jnz 1f
	andl $15, %eax			/* mostly the numbers KVM has */
1:	cmpl $10, %eax
	jne 2f
	orl $1, %edx			/* the lowest vCPU named: 1 or above */
	andl $~0x600, %esi		/* delivery mode: not INIT, not SIPI */
2:	testl $1 << 31, %edi
	jz 3f
	vmmcall
	jmp next
3:	vmcall
	jmp next

/* 5: an IPI to vCPU 1, through the x2APIC ICR or the xAPIC page. */
op_ipi:
	call rand
	movl %eax, %edi
	testl $1 << 31, %edi
	jz op_ipi_xapic_value
	jmp op_ipi_x2apic_value
op_ipi_xapic:				/* (from op_mmio: EDI holds the value) */
op_ipi_xapic_value:
	call ipi_command
	movl $1 << 24, 0xfee00310	/* destination: vCPU 1 */
	movl %eax, 0xfee00300
	jmp next
op_ipi_x2apic:				/* (from op_wrmsr: EDI holds the value) */
op_ipi_x2apic_value:
	call ipi_command
	movl $0x830, %ecx
	movl $1, %edx
	wrmsr
	jmp next

/* EAX = EDI made an IPI for vCPU 1 only: physical destination, no shorthand, a
 * SIPI's vector 9, and no NMI (one that finds vCPU 1 starting, before its IDT, would
 * crash it: a guest's own doing, which would end the run). */
ipi_command:
	movl %edi, %eax
	andl $~(ICR_LOGICAL | (3 << 18) | (1 << 12)), %eax
	movl %eax, %edx
	andl $0x700, %edx
	cmpl $0x400, %edx
	jne 1f
	andl $~0x700, %eax		/* NMI: fixed instead */
1:	cmpl $0x600, %edx
	jne 2f
	andl $~0xff, %eax
	orl $9, %eax
2:	ret

/* Exceptions on vCPU 0: counted, and the run goes on at next. NMI returns. */
.macro FAULT v
fault_\v:
.if \v == 2
	iretl
.else
.if (\v == 8) || (\v == 10) || (\v == 11) || (\v == 12) || (\v == 13) || (\v == 14) || (\v == 17) || (\v == 21) || (\v == 29) || (\v == 30)
	addl $4, %esp			/* the error code */
.endif
	incl faults + 4 * \v
	movl $next, (%esp)
	iretl
.endif
.endm
.irp v, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
	FAULT \v
.endr

	TINY_BODIES32

/* The seed and the count of operations (tests/fuzz/fuzz-guest writes them). */
	.org 0xff0
seed:	.long 1
ops:	.long 10000

/* vCPU 1, after every INIT and SIPI: takes whatever comes, halted. */
	.org 0x1000
	AP_START ap32
ap32:
	movl $0x6000, %esp
	lidt ap_idt_ptr
	X2APIC_ON
	lock incl ap_starts
	sti
1:	hlt
	jmp 1b
ap_irq:
	pushl %eax
	pushl %ecx
	pushl %edx
	WRMSR32 0x80b, 0		/* EOI */
	lock incl ap_irqs
	popl %edx
	popl %ecx
	popl %eax
	iretl

	.balign 8
idt:
.irp v, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
	.word fault_\v, 0x08, 0x8e00, 0
.endr
	IDT_END
ap_idt:
	IDT_GATES 256, ap_irq
ap_idt_end:
ap_idt_ptr:
	.word ap_idt_end - ap_idt - 1
	.long ap_idt

	.balign 4
kinds:	.long op_port, op_mmio, op_rdmsr, op_wrmsr, op_hypercall, op_ipi
names:	.long n_port, n_mmio, n_rdmsr, n_wrmsr, n_hypercall, n_ipi
/* the devices' ports, each with up to 7 more after it */
ports:	.word 0x20, 0x40, 0x60, 0x70, 0x80, 0x92, 0xa0, 0x3f8
	.word 0xcf8, 0xcfc, 0x600, 0x604, 0x608, 0x4d0, 0x510, 0x2f8
/* writes spared, [from, to): they would end or reset the run, or fill the console */
spared:	.word 0xf4, 0xf8, 0x60, 0x61, 0x64, 0x65, 0x92, 0x93, 0xcf9, 0xcfa, 0x604, 0x606
	.word 0x3f8, 0x400
/* MSR ranges: the index is (random & mask) | base */
msr_base: .long 0, 0xc0000000, 0xc0010000, 0x40000000, 0x4b564d00, 0x800, 0x10, 0
msr_mask: .long 0x1fff, 0x1ff, 0x1ff, 0xff, 0xff, 0xff, 0x3, 0xffffffff

hello:	.asciz "tiny hostile: random port I/O, MMIO, MSRs, hypercalls and IPIs\r\n"
line_seed: .asciz "tiny hostile: seed "
line_ops: .asciz ", operations "
line_done: .asciz "tiny hostile: done: "
n_port:	.asciz " port I/O, "
n_mmio:	.asciz " MMIO, "
n_rdmsr: .asciz " RDMSR, "
n_wrmsr: .asciz " WRMSR, "
n_hypercall: .asciz " hypercalls, "
n_ipi:	.asciz " IPIs; "
line_gp: .asciz " #GP, "
line_ud: .asciz " #UD taken; "
line_skipped: .asciz " port writes spared\r\n"
crlf:	.asciz "\r\n"

/* What each vCPU writes, on a page of its own (across nodes a page written by one
 * node's vCPU leaves the other's). */
	.balign 4096
rng:	.long 0
left:	.long 0
skipped: .long 0
count:	.fill 6, 4, 0
faults:	.fill 32, 4, 0
	.balign 4096
ap_starts: .long 0
ap_irqs: .long 0
