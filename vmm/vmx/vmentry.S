/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The VMX world switch: vmx_enter(regs, launched) returns 0 after a VM exit, or 1 if
 * VMLAUNCH/VMRESUME failed (VMfail: the VM-instruction error field says why).
 * VM exit restores the host's RSP and RIP from the VMCS (HOST_RSP is written here,
 * just before entry, HOST_RIP once at set-up: vmx_exit_point) and nothing of the
 * general registers, so every one but RSP (which the VMCS holds for the guest) is
 * loaded from and stored to struct guest_regs (vmm/virt/vcpu.h, indexed by encoding).
 * Called with interrupts disabled: external-interrupt exiting makes a physical
 * interrupt pending at entry exit at once, and the caller takes it after the exit.
 */
#include "vmm/virt/guest_regs.S.h"
#define VMCS_HOST_RSP 0x6c14

	.text
	.code64
	.globl vmx_enter, vmx_exit_point
vmx_enter:
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	pushq %rdi			/* regs, at the host RSP the exit returns with */
	movl $VMCS_HOST_RSP, %eax
	vmwrite %rsp, %rax
	jbe 2f
	testl %esi, %esi
	movq R(0)(%rdi), %rax
	GPRS_LOAD %rdi
	movq R(7)(%rdi), %rdi		/* (the MOVs leave ZF from the TEST above) */
	jnz 1f
	vmlaunch
	jmp 2f
1:	vmresume
2:	/* VMfail: back with 1, the host's registers untouched but RSI, RDI, RAX... */
	popq %rdi
	movl $1, %eax
	jmp 3f

vmx_exit_point:
	pushq %rdi			/* the guest's */
	movq 8(%rsp), %rdi		/* regs */
	movq %rax, R(0)(%rdi)
	GPRS_STORE %rdi
	popq %rax
	movq %rax, R(7)(%rdi)
	popq %rdi
	xorl %eax, %eax
3:	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	ret
