/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The parts of the guest that live on other nodes: interrupts for their
 * vCPUs (IPIs, INIT, SIPI, NMI, device interrupts) travel as messages to the
 * node that runs them, and a guest that stops on one node stops on all.
 * On a one-node cluster none of this sends anything.
 */
#ifndef UNUM_VMM_CLUSTER_REMOTE_H
#define UNUM_VMM_CLUSTER_REMOTE_H

#include "vmm/virt/vm.h"

/* What crossed nodes from here, for the stats and the report at guest stop. */
struct remote_stats {
	u64 irqs_sent, irqs_received; /* interrupts for vCPUs of other nodes */
	u64 io_sent, io_served;	      /* port accesses forwarded to node 0 / served there */
	u64 mmio_sent, mmio_served;   /* MMIO accesses likewise */
	u64 eois_sent, eois_served;   /* level-triggered EOIs likewise */
	/* Messages the message layer could not take at once (its buffers all in use), the
	 * interrupts among them joined to one already waiting, and the most waiting at once
	 * (remote.c's backlog). */
	u64 waited, irqs_merged, backlog_deepest;
};
const struct remote_stats *remote_stats(struct vm *vm);

int remote_init(struct vm *vm);
/* Sends `node` one message with an interrupt for every vCPU set in map (cluster
 * vCPU ids, VM_MAX_VCPUS bits; all of them that node's). From any core. */
void remote_deliver(struct vm *vm, u32 node, const u64 *map, u8 mode, u8 vector, bool level);
/* Boot core: sends the messages for other nodes that waited for the message layer's
 * buffers, while it takes them; true if some still wait. */
bool remote_flush(struct vm *vm);
/* Boot core: sends the refusals owed to nodes that restarted under the guest whose
 * first try found no buffer (cluster_poll, and the `stay` loop after the guest). */
void remote_retry_refusals(struct vm *vm);
/* The end report's line on interrupts across nodes. */
void remote_report(struct vm *vm);
/* Forwards v's port access to node 0; v waits (io_waiting) for the answer. */
void remote_io(struct vcpu *v, u16 port, u8 size, bool in, u32 val);
/* Tells every other node the guest stopped (once; not when the stop came from
 * them). Boot core only: vm_run calls it when the guest has stopped. */
void remote_stop_cluster(struct vm *vm, int exit_code);
/* A vCPU of this node (not node 0) accesses node 0's device at gpa and waits
 * for the answer: 0, or a negative error (the guest is then stopped). */
/* A vCPU of this node (not node 0) ended a level-triggered interrupt: node 0's
 * IOAPIC clears its remote IRR. */
void remote_eoi(struct vm *vm, u8 vector);
/* When v's port access (remote_io) left, for the long-wait report. */
u64 remote_io_since(const struct vcpu *v);
int remote_mmio(struct vcpu *v, gpa_t gpa, unsigned size, bool write, u64 *val);
/* Make this node's guest TSC and kvmclock agree with node 0's: 0 or -E_TIMEDOUT. */
int remote_sync_time(struct vm *vm);
/* Boot core, every loop: re-measures the offset to node 0 now and then (every
 * 10 s), steps this node's guest TSC forward if it lags, says so if it leads. */
void remote_time_poll(struct vm *vm, u64 now);
/* tsclag=US (a test of the re-check): puts this node's guest TSC US behind. */
void remote_lag_time(struct vm *vm, u32 us);
/* One line on the re-checks (nodes other than 0), after prefix. */
void remote_time_line(const struct vm *vm, const char *prefix);

#endif
