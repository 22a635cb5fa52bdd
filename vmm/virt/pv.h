/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * KVM's paravirtual interfaces that cut exits (Documentation/virt/kvm/x86/
 * hypercalls.rst and msr.rst), spoken to an unmodified Linux that believes
 * it runs on KVM:
 *   - hypercalls through VMMCALL: KICK_CPU (wake a vCPU waiting in a PV
 *     spinlock) and SEND_IPI (one exit for an IPI to many vCPUs);
 *   - PV EOI: the guest ends an edge-triggered interrupt by clearing a bit in
 *     its own memory instead of an EOI write, when nothing else is pending (across
 *     nodes, while the word's page is the node's to write: pv.c).
 * kvmclock is in vmm/dev/kvmclock.c.
 */
#ifndef UNUM_VMM_VIRT_PV_H
#define UNUM_VMM_VIRT_PV_H

#include "vmm/virt/vcpu.h"

#define KVM_HC_KICK_CPU	  5
#define KVM_HC_SEND_IPI	  10
#define KVM_ENOSYS	  1000
#define KVM_EPERM	  1
#define MSR_KVM_PV_EOI_EN 0x4b564d04

/* Handles the VMMCALL that exited (RAX: number, RBX/RCX/RDX/RSI: arguments). */
void pv_hypercall(struct vcpu *v);
/* MSR_KVM_PV_EOI_EN written: 0, or -E_INVAL (#GP) for a misaligned address. */
int pv_eoi_enable(struct vcpu *v, u64 val);
/* Before entering the guest: offer PV EOI for the interrupt in service if safe. */
void pv_eoi_before_entry(struct vcpu *v);
/* After an exit: an offered PV EOI the guest took is an EOI now. */
void pv_eoi_after_exit(struct vcpu *v);

#endif
