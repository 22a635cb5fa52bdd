/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Work handed to the boot core. The cluster network (lwIP, the message layer)
 * and the coherence protocol are single-threaded: only the boot core runs
 * them. A vCPU on another core that needs them (a page, an interrupt for a
 * vCPU of another node, a forwarded port or MMIO access) queues the work here
 * and kicks the boot core, which runs it at its next loop iteration, in the
 * order queued (so one vCPU's messages leave in program order: remote.c's backlog keeps
 * that order per node when buffers run short; the coherence protocol's messages wait in
 * its own queue, and need no order against the others).
 */
#ifndef UNUM_VMM_VIRT_HANDOFF_H
#define UNUM_VMM_VIRT_HANDOFF_H

#include "vmm/virt/vm.h"
#include "vmm/host/percpu.h"
#include "vmm/host/spinlock.h"
#include "net/msg.h"

#define HANDOFF_DATA 64 /* bytes of argument copied with each piece of work */

typedef void (*handoff_fn)(struct vm *vm, void *data);

/*
 * A core that holds dev_lock may not wait for the boot core, which may be
 * waiting for dev_lock itself: it may use HANDOFF_RESERVE more slots. One device
 * access queues at most one message per node (irq_deliver_set) and dev_lock is
 * taken per access, so the reserve covers the holder until the boot core, next
 * in the lock's queue, gets the lock and then drains.
 */
#define HANDOFF_SLOTS	256
#define HANDOFF_RESERVE (MSG_MAX_NODES + 8)
#define HANDOFF_RING	1024 /* a power of two above both: the counters wrap cleanly */

struct handoff_work {
	handoff_fn fn;
	u8 data[HANDOFF_DATA];
};

/* The queue: a ring under a leaf spinlock (part of struct cluster). */
struct handoff_ring {
	struct handoff_work ring[HANDOFF_RING];
	u32 head, tail; /* taken at head, added at tail; free-running */
	u32 deepest;	/* the most pieces ever queued at once */
	u64 kicked_ns;	/* when a core waiting for room last kicked the boot core */
	struct spinlock lock;
};

/* Before the first handoff(). */
void handoff_init(struct handoff_ring *r);

/* Is this the boot core, the one that runs the network? */
static inline bool on_boot_core(void)
{
	return this_cpu_id() == 0;
}

/* Runs fn(vm, a copy of data) on the boot core: at once when called there,
 * else queued. A full queue waits (halted, unless this core holds dev_lock), and
 * stops the guest, saying so, when the boot core takes none of it for 40 s. */
void handoff(struct vm *vm, handoff_fn fn, const void *data, size_t len);
/* Boot core: runs the queued work. */
void handoff_drain(struct vm *vm);
/* Is work queued that handoff_drain() has not run yet? */
bool handoff_pending(struct vm *vm);
/* An AP's vCPU waits, in an exit handler, for *done (set by the boot core,
 * which then kicks it): 0, or -E_TIMEDOUT after timeout_ns, or -E_CANCELED if
 * the guest stopped meanwhile. */
int handoff_wait(struct vcpu *v, volatile bool *done, u64 timeout_ns);
/* One line (after prefix) on the work handed over so far; nothing if none was. */
void handoff_line(struct vm *vm, const char *prefix);

#endif
