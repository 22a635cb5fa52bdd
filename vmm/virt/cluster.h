/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The cluster seam: all that the single-node path (the VM, its exits, its devices, the
 * guest builder) asks of the cluster, as one set of hooks the VM is given when it is built.
 * vmm/cluster/cluster.c fills it in when the guest spans nodes; with one node vm->cluster
 * is NULL and none of this runs. No single-node file names a cluster function: they call
 * through these, and the cluster layer calls them back by name (it sits above them).
 *
 * Every hook runs on the core of the vCPU it is given, or on the boot core where it says
 * so. The cluster's network and coherence protocol are the boot core's alone; hooks called
 * on other cores hand their work to it.
 */
#ifndef UNUM_VMM_VIRT_CLUSTER_H
#define UNUM_VMM_VIRT_CLUSTER_H

#include "vmm/lib/types.h"

struct vm;
struct vcpu;

struct vm_cluster {
	/* Boot core, between guest exits and while idle: the network, the coherence
	 * protocol, the turns, the time agreement, long waits and stats lines. Returns the
	 * cluster's next deadline (a time in ns, at the latest 10 ms from now). */
	u64 (*poll)(struct vm *vm, u64 now);
	/* Boot core: how often it polls while its vCPU is not in the guest (halted, waiting
	 * for a page, an answer, the turn or a SIPI) besides poll's deadline; 0: no more
	 * often. (In the guest, the NIC's interrupt ends the guest's run at once.) */
	u64 (*wait_poll_ns)(const struct vm *vm);
	/* Boot core: the cluster's next deadline as poll's, without polling: after work that
	 * may have taken in messages itself (the devices' work waits for pages). */
	u64 (*deadline)(struct vm *vm, u64 now);
	/* Boot core, with the VM's "stats:" line (stats=S): the cluster's lines. */
	void (*stats)(struct vm *vm);
	/* May this node's vCPUs enter the guest now (is the turn this node's)? */
	bool (*may_run)(const struct vm *vm);
	/* Should a vCPU about to enter intercept PAUSE (another node waits for the turn)? */
	bool (*others_wait)(const struct vm *vm);
	/* A nested fault on guest RAM this node has too few rights to (a write, an
	 * instruction fetch, or on the guest's own page-table walk): sets v->mem_waiting,
	 * which the boot core clears (and kicks v) when the rights are here. */
	void (*fault)(struct vcpu *v, gpa_t gpa, bool write, bool fetch, bool walk);
	/* A PAUSE while other nodes run: the vCPU lets go of the pages it keeps pinned. */
	void (*yield)(struct vcpu *v);
	/* The monitor's own accesses to guest RAM (vmm/virt/guest_mem.h): copy to or from
	 * [gpa, gpa + len), or take it here for writing in place. 0 or a negative error. */
	int (*copy)(struct vm *vm, gpa_t gpa, void *buf, u64 len, bool write);
	int (*take)(struct vm *vm, gpa_t gpa, u64 len, bool write);
	/* Boot core: does this node hold gpa's page for writing now, with nothing pending on
	 * it? Then the monitor may write it in place without asking, until the protocol
	 * next runs (the boot core's poll, or a wait of the monitor's for a page). */
	bool (*writable_here)(struct vm *vm, gpa_t gpa);
	/* On nodes other than 0: a port access or MMIO access to node 0's devices. io sets
	 * v->io_waiting until the answer is in v's registers; mmio returns with the answer
	 * (0) or an error. */
	void (*io)(struct vcpu *v, u16 port, u8 size, bool in, u32 val);
	int (*mmio)(struct vcpu *v, gpa_t gpa, unsigned size, bool write, u64 *val);
	/* An interrupt for the vCPUs of node `node` in map (vmm/virt/irq.c's delivery); a
	 * level-triggered interrupt's EOI, for node 0's I/O APIC. */
	void (*deliver)(struct vm *vm, u32 node, const u64 *map, u8 mode, u8 vector, bool level);
	void (*eoi)(struct vm *vm, u8 vector);
	/* Boot core, once the guest stopped here: tells the other nodes at once; then, after
	 * the VM's own report, prints the cluster's. */
	void (*stopped)(struct vm *vm);
	void (*report)(struct vm *vm);
};

#endif
