/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The coherence protocol (dsm/) wired to this node's guest: a guest page's
 * nested mapping always carries the rights the protocol gives this node; a
 * nested page fault on guest RAM asks the protocol for the rights it lacks;
 * the monitor's own accesses to guest memory (the loader) go through
 * vmdsm_acquire() too. Protocol messages travel as MSG_T_DSM.
 */
#ifndef UNUM_VMM_VMDSM_H
#define UNUM_VMM_VMDSM_H

#include "vmm/vm.h"

/* Builds the protocol for a guest that spans vm->nnodes nodes. */
int vmdsm_init(struct vm *vm);
/* A nested page fault on guest RAM: returns once the vCPU may retry, or with
 * v->dsm_waiting set (the run loop then waits for the protocol). */
void vmdsm_fault(struct vcpu *v, gpa_t gpa, bool write);
/* After the vCPU ran again: its faulting access has retired; unpin the page. */
void vmdsm_release(struct vcpu *v);
/* Write rights on [gpa, gpa+len) for the monitor itself, waiting for them. 0 or an error. */
int vmdsm_acquire_sync(struct vm *vm, gpa_t gpa, u64 len);
void vmdsm_poll(struct vm *vm);
/* Prints the protocol's counters ("dsm:" lines) when the guest stops. */
void vmdsm_report(struct vm *vm);

#endif
