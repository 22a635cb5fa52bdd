/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Taking turns: across nodes, the vCPUs of one node at a time run the guest,
 * for a slice of at most `slice=MS` milliseconds (monitor command line; 0
 * lets every node run at once).
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
 * of nodes still waiting, when its slice is over or when none of its vCPUs can
 * run (halted, waiting for a SIPI, yielding after PAUSE). Nobody waiting: the
 * holder keeps it. The token is only scheduling: coherence never depends on it.
 * Runs on the boot core, from the run loop and the network context.
 */
#ifndef UNUM_VMM_TURNS_H
#define UNUM_VMM_TURNS_H

#include "vmm/vm.h"

#define MSG_T_TURN	       39
#define TURNS_DEFAULT_SLICE_MS 50

/* Before the guest starts; slice_ms 0: no turns (every node runs at once). */
int turns_init(struct vm *vm, u32 slice_ms);
/* The boot core's part, at every pass of its run loop. */
void turns_poll(struct vm *vm, u64 now);
/* May this node's vCPUs enter the guest now? */
bool turns_may_run(const struct vm *vm);
/* Does another node wait for the turn this node has? Then PAUSE exits (vmm/exit.c). */
bool turns_others_wait(const struct vm *vm);
/* For the "stats:" line: whether this node has the turn or asked for it. */
const char *turns_state(void);
/* "turns:" line when the guest stops. */
void turns_report(const struct vm *vm);

#endif
