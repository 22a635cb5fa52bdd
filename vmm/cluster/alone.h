/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Alone: across nodes on shadow page tables, a node whose every peer's vCPUs are idle
 * runs its own on the guest's page tables, through nested paging, as on one node; it goes
 * back onto the shadows as soon as a peer's vCPU may run.
 *
 * Why: the shadows cost an exit at every write to a guest page table the node has
 * shadowed, and more for each new one (measured: 200 forks and execs of /bin/true from a
 * shell took 4.8 s on one node on shadows against 1.0 s on nested paging; on 2 nodes
 * 5.4-6.0 s, the other node idle). They buy the nodes running at once: on AMD the nested
 * walk asks for write rights to every guest page table it reads, so nodes walking at
 * once would take the tables from each other (vmm/virt/shadow_vm.h). A node whose peers
 * do not run has nobody to take them from. Node 0 began alone since the shadows came
 * (until it starts a vCPU on another node); this makes it two-way, for every node:
 * serial work (a shell, a build's one compiler, /init) runs at one node's speed.
 *
 * Each node says when its vCPUs become idle (none could run for ALONE_IDLE_NS) and when
 * one may run again (MSG_T_ACTIVITY, to every peer, at each change). A node that has a
 * vCPU to run and has heard every peer say idle goes alone (the shadows dropped, every
 * page table unprotected: vmm/virt/shadow_vm.h, shadow_vm_go_alone); it leaves when a
 * peer says it may run, or when it sends an interrupt to a peer's vCPU (which will run),
 * and a node that takes an interrupt from a peer says it may run at once. Correct either
 * way: the coherence protocol keeps the tables coherent whoever walks them (a walk
 * through nested paging asks for write rights, a shadow fill for read rights). What is
 * at stake is only speed: a node alone while a peer runs takes the page tables from it
 * at each walk, until the word comes; so an alone that ended within ALONE_SHORT_NS
 * delays the next by a back-off that doubles up to ALONE_BACK_OFF_MAX_NS.
 *
 * Runs on the boot core (the network is its), except alone_peer_woken (any core).
 */
#ifndef UNUM_VMM_CLUSTER_ALONE_H
#define UNUM_VMM_CLUSTER_ALONE_H

#include "vmm/virt/vm.h"

#define ALONE_IDLE_NS	      100000000ULL  /* none of a node's vCPUs could run for 100 ms */
#define ALONE_SHORT_NS	      200000000ULL  /* an alone shorter than this backs off */
#define ALONE_BACK_OFF_NS     100000000ULL  /* the first back-off, doubled each time */
#define ALONE_BACK_OFF_MAX_NS 3200000000ULL /* ... up to 3.2 s */
#define ALONE_LONG_NS	      1000000000ULL /* an alone this long resets the back-off */

struct alone_state {
	u64 idle_since;		   /* since when none of this node's vCPUs could run (0: one can) */
	bool idle;		   /* what this node has to say: idle (else: may run) */
	bool woken;		   /* a peer's interrupt came: may run, said at the next poll */
	u64 told_idle[256 / 64];   /* the last word each peer had from this node: idle */
	u64 peer_idle[256 / 64];   /* each peer's last word (atomic: any core clears bits) */
	bool enabled;		   /* it may go alone (not noalone) */
	u64 began;		   /* when this node last went alone at run time (0: not now) */
	u64 back_off, not_before;  /* no alone before not_before */
	/* statistics */
	u64 entered, short_ones, alone_ns, longest_ns, said[2], unsent, malformed;
};

/* enabled false: the node says what its vCPUs do, but never goes alone (noalone). */
int alone_init(struct vm *vm, bool enabled);
/* The boot core, at every pass of its run loop and while it waits. */
void alone_poll(struct vm *vm, u64 now);
/* This node sends an interrupt to a vCPU of `node` (which will run): any core. */
void alone_peer_woken(struct vm *vm, u32 node);
/* An interrupt came from a peer for one of this node's vCPUs (network context). */
void alone_woken(struct vm *vm);
/* The "alone:" line when the guest stops. */
void alone_report(struct vm *vm);

#endif
