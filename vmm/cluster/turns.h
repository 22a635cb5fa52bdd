/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Taking turns: across nodes, the vCPUs of one node at a time run the guest,
 * for a slice of `slice=MS` milliseconds of progress (monitor command line,
 * default 200; 0 lets every node run at once): time its vCPUs spent waiting
 * for pages does not count, up to TURNS_MAX_FACTOR - 1 slices of wall time more.
 * A node's slice doubles, up to TURNS_GROW slices, after each turn it gave up at
 * the end of its slice still wanting to run when the turn came from a node that
 * had done the same; it is one slice again otherwise, or after a turn given up
 * halted (turns_token.h).
 *
 * Why: on AMD, the nested page walk treats each read of a guest page table as
 * a write, so every vCPU that misses its TLB needs write rights to the guest
 * page tables it walks, the kernel's top-level ones in particular; under QEMU
 * the TLB is flushed at every VMRUN, so that is after every exit. vCPUs on two
 * nodes running at once therefore take those pages from each other at every
 * exit and spend their time waiting for them (doc/dsm.md, "Page tables"). A
 * node that has the turn fetches them once and keeps them for its slice.
 *
 * The turn is a token: a node that has runnable vCPUs and not the token asks
 * every node for it (MSG_T_TURN, WANT); the holder passes it on, with the set
 * of nodes still waiting, when its slice is over, when none of its vCPUs can
 * run (halted, waiting for a SIPI, yielding after PAUSE), or when its compute
 * stalled (its vCPUs computed, then began to wait for pages, and the turn came
 * from a node still computing: turns_token.c). Nobody waiting: the
 * holder keeps it. The token is only scheduling: coherence never depends on it.
 *
 * Adaptive turns (the default where every node's walks only read the guest's page tables,
 * beginning with the nodes at once; turns=adaptive asks for them beginning with turns):
 * the nodes also run in free phases, all at once, and go back to turns while the nodes
 * that run spend more than half their time waiting for pages (turns_token.h). Measured: a
 * Linux guest's kernel writes global data at every timer tick (jiffies, the timekeeper,
 * RCU's and the scheduler's state) and at every page fault (the process's mmap_lock), so
 * while its CPUs are busy in the kernel on several nodes, running at once moves those
 * pages at every tick or fault and loses to turns; a compute phase on nohz_full CPUs
 * touches few of them.
 * The protocol itself is vmm/cluster/turns_token.c, host-tested. Runs on the boot core,
 * from the run loop and the network context.
 */
#ifndef UNUM_VMM_CLUSTER_TURNS_H
#define UNUM_VMM_CLUSTER_TURNS_H

#include "vmm/cluster/turns_token.h"
#include "vmm/cluster/vmdsm_prefetch.h"
#include "vmm/virt/vm.h"

/* This node's side of the turns (part of struct cluster): the token protocol's state. */
struct turns_node {
	struct turns t;
	u64 said;      /* when the long wait for the turn was last reported */
	u64 kept;      /* tokens that could not be sent, as last reported */
	bool was_free; /* in a free phase, as last logged (loglevel=3) */
	u32 windows;   /* free phases' windows judged, as last logged (loglevel=3) */
	struct {       /* this turn so far, for its line at loglevel=3 (turns.c) */
		u64 waited, faults, asked, kind[VMPF_KINDS];
	} at_start;
};

/* Before the guest starts; slice_ms 0: no turns (every node runs at once); adaptive: free
 * phases (turns_token.h). */
int turns_init(struct vm *vm, u32 slice_ms, bool adaptive);
/* Once every node has said how its CPU walks the guest's page tables (the start
 * barrier, vmm/main.c): when every node's walks only read the tables (Intel EPT without
 * A/D flags, or AMD on shadow page tables, whose monitor reads them with read rights: they
 * can stay read-shared) and the command line of no node asked for turns (slice_given:
 * slice= or turns= on any node's, as the start messages say), the nodes begin at once and
 * take turns only while running at once loses (adaptive turns beginning with a free
 * phase: measured, threads that fault memory in on several nodes at once, 4 KiB pages,
 * took the guest kernel's shared pages from each other at every fault and ran 5-10 times
 * slower than under turns). Says which it is. */
void turns_settle(struct vm *vm, bool all_walks_read, bool slice_given);
/* The boot core's part, at every pass of its run loop. */
void turns_poll(struct vm *vm, u64 now);
/* When turns_poll() must run next (this node's slice ends while another waits), or 0. */
u64 turns_next_deadline(const struct vm *vm, u64 now);
/* A local vCPU waited for a page from since to now (during this node's turn, that
 * does not count against its slice). */
void turns_note_wait(struct vm *vm, u64 since, u64 now);
/* Would any of this node's vCPUs run now, were it its turn (not halted or waiting for a
 * SIPI without what wakes it, nor yielding)? */
bool turns_node_can_run(const struct vm *vm, u64 now);
/* May this node's vCPUs enter the guest now? */
bool turns_may_run(const struct vm *vm);
/* Does another node wait for the turn this node has? Then PAUSE exits (vmm/virt/exit.c). */
bool turns_others_wait(const struct vm *vm);
/* Says so if this node has waited more than wait_ns for the turn (once per wait_ns). */
void turns_check_wait(const struct vm *vm, u64 now, u64 wait_ns);
/* For the "stats:" line: whether this node has the turn or asked for it. */
const char *turns_state(const struct vm *vm);
/* "turns:" line when the guest stops. */
void turns_report(const struct vm *vm);

#endif
