/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The SVM world switch: svm_vmrun(guest_vmcb_pa, host_vmcb_pa, regs).
 *
 * VMRUN itself saves and restores only part of the host state (APM vol. 2
 * section 15.5.1); the rest (FS, GS and their bases, TR, LDTR, the SYSCALL
 * and SYSENTER MSRs, KernelGSBase) moves with VMSAVE/VMLOAD. So: save the
 * host's into its own area, load the guest's, run, save the guest's, load the
 * host's back. The monitor's GS base (its per-CPU pointer) depends on this.
 * It is called with interrupts disabled. GIF is cleared first and RFLAGS.IF
 * set only then: with GIF clear no interrupt is taken, but with V_INTR_MASKING
 * the host's IF decides whether physical interrupts exit the guest (APM
 * 15.21.1). So an interrupt that arrives at any point, even before VMRUN,
 * causes #VMEXIT(INTR) (at once, if already pending) and is taken by the
 * host's IDT at the STGI below: none can slip between the caller's last look
 * at its timers and the guest running.
 * Guest RAX and RSP live in the VMCB; the other general registers are loaded
 * from and stored to struct guest_regs (vmm/virt/vcpu.h, indexed by encoding).
 */
#include "vmm/virt/guest_regs.S.h"

	.text
	.code64
	.globl svm_vmrun
svm_vmrun:
	pushq %rbp
	movq %rsp, %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	pushq %rdx			/* regs */
	pushq %rsi			/* host VMCB */
	pushq %rdi			/* guest VMCB */

	clgi
	sti
	movq %rsi, %rax
	vmsave %rax
	movq (%rsp), %rax
	vmload %rax

	movq %rdx, %rax
	movq R(7)(%rax), %rdi
	GPRS_LOAD %rax
	movq (%rsp), %rax		/* guest VMCB */
	vmrun %rax
	vmsave %rax

	movq 16(%rsp), %rax		/* regs */
	movq %rdi, R(7)(%rax)
	GPRS_STORE %rax

	movq 8(%rsp), %rax		/* host VMCB */
	vmload %rax
	stgi

	addq $24, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	ret
