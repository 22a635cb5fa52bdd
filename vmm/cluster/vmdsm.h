/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The coherence protocol (dsm/) wired to this node's guest: a guest page's
 * nested mapping always carries the rights the protocol gives this node; a
 * nested page fault on guest RAM asks the protocol for the rights it lacks;
 * the monitor's own accesses to guest memory (vmm/virt/guest_mem.h) go through
 * vmdsm_copy() and vmdsm_acquire_sync(). Protocol messages travel as MSG_T_DSM.
 */
#ifndef UNUM_VMM_CLUSTER_VMDSM_H
#define UNUM_VMM_CLUSTER_VMDSM_H

#include "vmm/cluster/cluster.h"
#include "vmm/virt/vm.h"

/* Builds the protocol for a guest that spans vm->nnodes nodes (homes: vm_home_range) and
 * the cache of pages homed elsewhere, as o says (its prefetch, cache, pin and nap). */
int vmdsm_init(struct vm *vm, const struct cluster_options *o);
/* A nested page fault on guest RAM: returns once the vCPU may retry, or with
 * v->mem_waiting set (the run loop then waits for the protocol). */
void vmdsm_fault(struct vcpu *v, gpa_t gpa, bool write, bool fetch, bool walk);
/* Rights on [gpa, gpa+len) for the monitor itself, waiting for them: boot core only
 * (the cluster's take hook). 0 or an error. The last page stays pinned against peers'
 * requests until the next such access or the next vmdsm_poll(), so the caller may
 * touch it in between. */
int vmdsm_acquire_sync(struct vm *vm, gpa_t gpa, u64 len, bool write);
/* Boot core: this node holds gpa's page for writing, with no request or eviction out on
 * it: the monitor may write it in place until the protocol next runs (the cluster's
 * writable_here hook). */
bool vmdsm_writable_here(struct vm *vm, gpa_t gpa);
/* The monitor is done with the page its last access took: peers may have it. */
void vmdsm_unhold(struct vm *vm);
/* The monitor copies from or to [gpa, gpa + len), each page taken through the protocol
 * first (the cluster's copy hook); from another core the boot core does it. 0, -E_NOENT
 * when it is not RAM, or the protocol's error. */
int vmdsm_copy(struct vm *vm, gpa_t gpa, void *buf, u64 len, bool write);
/* When v's page fault began waiting (for the long-wait report). */
u64 vmdsm_wait_since(const struct vcpu *v);
/* The vCPU will not run for a while: its pages need not stay pinned. */
void vmdsm_yield(struct vcpu *v);
void vmdsm_poll(struct vm *vm);
/* When vmdsm_poll() next has timed work (a pin window that ends), or 0 for none. */
u64 vmdsm_next_deadline(struct vm *vm);
/* A pause of the boot core's between its polls while it waits for the network (called
 * with interrupts off since the poll): sleeps until the NIC's receive interrupt, a kick,
 * vmdsm_poll()'s or the message layer's next deadline, or VMDSM_NAP_NS, whichever comes
 * first, and returns with interrupts off. Spinning instead takes a shared host core from
 * the peer that must answer (emulated nodes). With a polled NIC (no receive interrupt),
 * or with nonap, it returns at once. A kick it takes is not there for the run loop's
 * sleep: cluster_deadline() looks at the handoff queue itself, and the rest waits at
 * most for the run loop's next poll. */
void vmdsm_nap(struct vm *vm);
/* This node's turn began (vmm/cluster/turns.c): the next poll prefetches the page-table
 * pages its vCPUs' walks faulted on lately. */
void vmdsm_turn_began(struct vm *vm);
/* Says what v's page fault waits for: the page, its home, the owner if the home
 * is this node, its state here (for the run loop's report of long waits). */
void vmdsm_wait_line(struct vm *vm, const struct vcpu *v, u64 waited_ns);
/* One "stats:" line: faults, pages held, bytes sent (stats=S). */
void vmdsm_stats_line(struct vm *vm);
/* Prints the protocol's counters ("dsm:" lines) when the guest stops. */
void vmdsm_report(struct vm *vm);

#endif
