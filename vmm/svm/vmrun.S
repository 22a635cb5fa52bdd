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
#define R(n) (8 * (n))

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
	movq R(1)(%rax), %rcx
	movq R(2)(%rax), %rdx
	movq R(3)(%rax), %rbx
	movq R(5)(%rax), %rbp
	movq R(6)(%rax), %rsi
	movq R(7)(%rax), %rdi
	movq R(8)(%rax), %r8
	movq R(9)(%rax), %r9
	movq R(10)(%rax), %r10
	movq R(11)(%rax), %r11
	movq R(12)(%rax), %r12
	movq R(13)(%rax), %r13
	movq R(14)(%rax), %r14
	movq R(15)(%rax), %r15
	movq (%rsp), %rax		/* guest VMCB */
	vmrun %rax
	vmsave %rax

	movq 16(%rsp), %rax		/* regs */
	movq %rcx, R(1)(%rax)
	movq %rdx, R(2)(%rax)
	movq %rbx, R(3)(%rax)
	movq %rbp, R(5)(%rax)
	movq %rsi, R(6)(%rax)
	movq %rdi, R(7)(%rax)
	movq %r8, R(8)(%rax)
	movq %r9, R(9)(%rax)
	movq %r10, R(10)(%rax)
	movq %r11, R(11)(%rax)
	movq %r12, R(12)(%rax)
	movq %r13, R(13)(%rax)
	movq %r14, R(14)(%rax)
	movq %r15, R(15)(%rax)

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
