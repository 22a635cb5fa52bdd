/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Macros shared by the tiny test guests. Each guest is a flat binary linked
 * at 0x8000 (tiny.ld) that starts in 16-bit real mode at 0800:0000, as an AP
 * does after a SIPI with vector 8, and reports through two ports: text to
 * COM1 (0x3f8) and its result to 0xf4, where a write ends the guest with
 * that code (0: passed; anything else names the check that failed).
 */
#define COM1 0x3f8
#define EXIT_PORT 0xf4

/* A macro's value as a string, for .ascii: XSTR(ITERS). */
#define STR(x) #x
#define XSTR(x) STR(x)

/* The header the monitor's loader recognises: a short jump over "UNUMTINY". */
.macro TINY_HEADER
	.code16
	.section .text.head, "ax"
	.globl _start
_start:
	jmp 1f
	.ascii "UNUMTINY"
1:
	cli
	xorw %ax, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movw $0x7ff0, %sp
.endm

/* Ends the guest with exit code \code (works in every mode). */
.macro EXIT code
	movl $\code, %eax
	outl %eax, $EXIT_PORT
9:	hlt
	jmp 9b
.endm

/* Prints the NUL-terminated string at \label (32-bit code; needs PUTS_BODY puts32_body). */
.macro PUTS32 label
	movl $\label, %esi
	call puts32_body
.endm

/* Prints the NUL-terminated string at \label (16-bit code, DS = 0). */
.macro PUTS16 label
	movw $\label, %si
	call puts16
.endm

/* A puts routine named \name for the current code size (.code16 or .code64):
 * prints the string at SI/RSI. PUTS16_BODY is the 16-bit one PUTS16 calls. */
.macro PUTS_BODY name
\name:
	movw $COM1, %dx
1:	lodsb
	testb %al, %al
	jz 2f
	outb %al, %dx
	jmp 1b
2:	ret
.endm

.macro PUTS16_BODY
	.code16
	PUTS_BODY puts16
.endm

/* What a guest that prints from real and protected mode needs after its code: puts32_body,
 * putdec (PUTDEC_BODY, below), puts16 and the GDT. */
.macro TINY_BODIES32
	.code32
	PUTS_BODY puts32_body
	PUTDEC_BODY
	PUTS16_BODY
	GDT_TABLE
.endm

/* Flat GDT: 0x08 32-bit code, 0x10 data, 0x18 64-bit code. */
.macro GDT_TABLE
	.balign 8
gdt:
	.quad 0
	.quad 0x00cf9a000000ffff
	.quad 0x00cf92000000ffff
	.quad 0x00af9a000000ffff
gdt_end:
gdt_ptr:
	.word gdt_end - gdt - 1
	.long gdt
.endm

/* From real mode to flat 32-bit protected mode, continuing at \target with
 * data segments and a stack set up. Needs GDT_TABLE somewhere in the guest. */
.macro ENTER_PM32 target
	lgdtl gdt_ptr
	movl %cr0, %eax
	orl $1, %eax
	movl %eax, %cr0
	ljmpl $0x08, $8f
	.code32
8:	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movl $0x7ff0, %esp
	jmp \target
.endm

/* 32-bit code: x2APIC on, then INIT and a SIPI with vector 9 (AP_START) to
 * every other vCPU. */
.macro START_APS
	X2APIC_ON
	WRMSR32 0x830, 0x000c4500	/* INIT to all but self */
	WRMSR32 0x830, 0x000c4609	/* SIPI, vector 9 */
.endm

/* Where an AP starts after a SIPI with vector 9 (0x9000: the image's offset
 * 0x1000): real mode, flat data segments, then 32-bit protected mode at
 * \target. The guest places this with .org 0x1000. */
.macro AP_START target
	.code16
ap_start:
	cli
	xorw %ax, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	ENTER_PM32 \target
.endm

/* \n 32-bit interrupt gates (code selector 0x08) to \handler. */
.macro IDT_GATES n, handler
	.rept \n
	.word \handler, 0x08, 0x8e00, 0
	.endr
.endm

/* Ends the IDT that starts at label idt and defines idt_ptr, for lidt. */
.macro IDT_END
idt_end:
idt_ptr:
	.word idt_end - idt - 1
	.long idt
.endm

/* From flat 32-bit protected mode to 64-bit mode, continuing at \target:
 * PAE tables at 0x20000 mapping the first 16 MiB and, uncached, the 2 MiB
 * pages from 0xfea00000 to 0xfeffffff (test scratch, IOAPIC, local APIC).
 * Needs GDT_TABLE (selector 0x18). */
.macro ENTER_LONG64 target
	movl $0x21000 | 3, 0x20000	/* PML4[0] -> PDPT */
	movl $0x22000 | 3, 0x21000	/* PDPT[0] -> PD for 0-1 GiB */
	movl $0x23000 | 3, 0x21018	/* PDPT[3] -> PD for 3-4 GiB */
	xorl %ecx, %ecx
7:	movl %ecx, %eax
	shll $21, %eax
	orl $0x83, %eax
	movl %eax, 0x22000(, %ecx, 8)
	incl %ecx
	cmpl $8, %ecx
	jb 7b
	movl $0xfea00000 | 0x9b, 0x23000 + 8 * 0x1f5	/* P W PWT PCD PS */
	movl $0xfec00000 | 0x9b, 0x23000 + 8 * 0x1f6
	movl $0xfee00000 | 0x9b, 0x23000 + 8 * 0x1f7
	movl %cr4, %eax
	orl $0x20, %eax
	movl %eax, %cr4
	movl $0x20000, %eax
	movl %eax, %cr3
	movl $0xc0000080, %ecx
	rdmsr
	orl $0x100, %eax
	wrmsr
	movl %cr0, %eax
	orl $0x80000000, %eax
	movl %eax, %cr0
	ljmpl $0x18, $\target
.endm

/* putdec (32-bit code): prints EAX in decimal through puts32_body (PUTS_BODY).
 * Clobbers EAX, ECX, EDX, ESI, EDI. */
.macro PUTDEC_BODY
putdec:
	movl $putdec_end, %edi
	movl $10, %ecx
1:	xorl %edx, %edx
	divl %ecx
	addb $'0', %dl
	decl %edi
	movb %dl, (%edi)
	testl %eax, %eax
	jnz 1b
	movl %edi, %esi
	jmp puts32_body
putdec_buf:
	.skip 10
putdec_end:
	.byte 0
.endm

/* One label fail_N per code, each ending the guest with exit code N:
 * FAIL_EXITS 1, 2, 3 defines fail_1, fail_2 and fail_3. */
.macro FAIL_EXITS codes:vararg
.irp code, \codes
fail_\code:
	EXIT \code
.endr
.endm

/* wrmsr with a 32-bit value (EDX = 0), for the x2APIC registers. */
.macro WRMSR32 msr, value
	movl $\msr, %ecx
	movl $\value, %eax
	xorl %edx, %edx
	wrmsr
.endm

/* Switches the local APIC to x2APIC mode and enables it (SVR = 0x1ff). */
.macro X2APIC_ON
	movl $0x1b, %ecx
	rdmsr
	orl $0xc00, %eax
	wrmsr
	WRMSR32 0x80f, 0x1ff
.endm

/* An IPI through the x2APIC ICR (MSR 0x830): destination id (physical or logical)
 * \dest, command \cmd (clobbers EAX, ECX, EDX; 32- or 64-bit code). */
.macro SEND dest, cmd
	movl $0x830, %ecx
	movl $\dest, %edx
	movl $\cmd, %eax
	wrmsr
.endm

/* A 64-bit IDT with one present interrupt gate, vector \vec to \handler (code
 * selector 0x18; the image is below 64 KiB), and idt_ptr for lidt. */
.macro IDT64_ONE vec, handler
	.balign 16
idt:
	.skip \vec * 16
	.word \handler			/* offset 15:0 */
	.word 0x18			/* selector */
	.byte 0, 0x8e			/* IST, present 64-bit interrupt gate */
	.word 0				/* offset 31:16 */
	.long 0, 0
idt_end:
idt_ptr:
	.word idt_end - idt - 1
	.quad idt
.endm
