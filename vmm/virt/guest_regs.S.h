/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * For the back ends' world switches (vmm/svm/vmrun.S, vmm/vmx/vmentry.S): the
 * general registers other than RAX, RSP and RDI moved between the CPU and a
 * struct guest_regs (vmm/virt/vcpu.h: u64 gpr[] indexed by encoding) at \base.
 */
#define R(n) (8 * (n))

.macro GPRS_LOAD base
	movq R(1)(\base), %rcx
	movq R(2)(\base), %rdx
	movq R(3)(\base), %rbx
	movq R(5)(\base), %rbp
	movq R(6)(\base), %rsi
	movq R(8)(\base), %r8
	movq R(9)(\base), %r9
	movq R(10)(\base), %r10
	movq R(11)(\base), %r11
	movq R(12)(\base), %r12
	movq R(13)(\base), %r13
	movq R(14)(\base), %r14
	movq R(15)(\base), %r15
.endm

.macro GPRS_STORE base
	movq %rcx, R(1)(\base)
	movq %rdx, R(2)(\base)
	movq %rbx, R(3)(\base)
	movq %rbp, R(5)(\base)
	movq %rsi, R(6)(\base)
	movq %r8, R(8)(\base)
	movq %r9, R(9)(\base)
	movq %r10, R(10)(\base)
	movq %r11, R(11)(\base)
	movq %r12, R(12)(\base)
	movq %r13, R(13)(\base)
	movq %r14, R(14)(\base)
	movq %r15, R(15)(\base)
.endm
