// SPDX-License-Identifier: GPL-2.0-only
/*
 * Work handed to the boot core (see vmm/cluster/handoff.h): a ring under a leaf
 * spinlock. The work runs outside the lock, so it may queue more.
 */
#include "vmm/cluster/handoff.h"
#include "vmm/cluster/cluster_internal.h"
#include "vmm/lib/klib.h"
#include "net/msg.h"
#include "vmm/host/log.h"
#include "vmm/host/panic.h"
#include "vmm/host/percpu.h"
#include "vmm/host/power.h"
#include "vmm/virt/irq.h"
#include "vmm/lib/x86.h"
#include "vmm/host/lapic.h"
#include "vmm/host/tsc.h"

_Static_assert(HANDOFF_SLOTS + HANDOFF_RESERVE <= HANDOFF_RING, "handoff ring size");
#define HANDOFF_STUCK_NS 40000000000ULL /* no progress this long: the boot core is stuck */
#define HANDOFF_WAKE_NS	 10000000ULL	/* a waiting vCPU looks at the clock this often */
#define HANDOFF_KICK_NS	 1000000ULL	/* a core waiting for room kicks the boot core so often */

void handoff_init(struct handoff_ring *r)
{
	r->head = r->tail = r->deepest = 0;
	r->kicked_ns = 0;
	r->lock = (struct spinlock)SPINLOCK_INIT("handoff");
}

void handoff(struct vm *vm, handoff_fn fn, const void *data, size_t len)
{
	struct handoff_ring *r = &cluster_of(vm)->handoff;
	u8 copy[HANDOFF_DATA];
	u32 room = HANDOFF_SLOTS, seen = 0;
	bool locked = spin_held_by_me(&vm->dev_lock);
	u64 since = 0, now;

	BUG_ON(len > HANDOFF_DATA);
	memset(copy, 0, sizeof(copy));
	memcpy(copy, data, len);
	if (on_boot_core()) {
		fn(vm, copy);
		return;
	}
	if (locked)
		room += HANDOFF_RESERVE;
	for (;;) {
		u32 taken;
		spin_lock(&r->lock);
		if (r->tail - r->head < room) {
			struct handoff_work *w = &r->ring[r->tail % HANDOFF_RING];
			w->fn = fn;
			memcpy(w->data, copy, HANDOFF_DATA);
			r->tail++;
			r->deepest = MAX(r->deepest, r->tail - r->head);
			spin_unlock(&r->lock);
			break;
		}
		taken = r->head;
		spin_unlock(&r->lock);
		/* Full: the boot core is busy (a network wait may last seconds) or stuck.
		 * Judged by its progress, not by how long this core has waited. */
		now = time_now_ns();
		if (!since || taken != seen) {
			since = now;
			seen = taken;
		}
		if (__atomic_load_n(&vm->stopped, __ATOMIC_ACQUIRE))
			return; /* (the work would not run: the guest is over) */
		if (now - since > HANDOFF_STUCK_NS) {
			vm_stop(vm, EXIT_GUEST_STOPPED,
				"CPU %u: the boot core has taken none of the %u pieces of work "
				"queued for it in %llu s: it is stuck",
				this_cpu_id(), HANDOFF_SLOTS,
				(unsigned long long)(HANDOFF_STUCK_NS / 1000000000));
			return;
		}
		/* One kick a millisecond for all the cores that wait (a kick for each would
		 * flood the boot core with interrupts), */
		if (now - __atomic_load_n(&r->kicked_ns, __ATOMIC_RELAXED) > HANDOFF_KICK_NS) {
			__atomic_store_n(&r->kicked_ns, now, __ATOMIC_RELAXED);
			vcpu_kick(&vm->vcpus[vm->first_local]);
		}
		/* and each waits halted till its next look: cores spinning here would take
		 * an emulated node's host time from the boot core they wait for (33 vCPUs
		 * interrupting 33 on another node starved it past the peers' timeout). A
		 * dev_lock holder spins, as before: it has the reserve, and the boot core
		 * waits for that lock. */
		if (locked) {
			cpu_relax();
		} else {
			bool on = irq_save_off();

			lapic_timer_arm(now + HANDOFF_KICK_NS);
			cpu_wait_irq(); /* (sti; hlt: on again after it) */
			irq_disable();
			irq_restore(on);
		}
	}
	vcpu_kick(&vm->vcpus[vm->first_local]);
}

/* Runs what was queued when it started (not what the work queues meanwhile: the
 * boot core goes back to its network poll in between). */
void handoff_drain(struct vm *vm)
{
	struct handoff_ring *r = &cluster_of(vm)->handoff;
	struct handoff_work w;
	u32 end;

	BUG_ON(!on_boot_core());
	spin_lock(&r->lock);
	end = r->tail;
	spin_unlock(&r->lock);
	for (;;) {
		spin_lock(&r->lock);
		if (r->head == end) {
			spin_unlock(&r->lock);
			return;
		}
		w = r->ring[r->head % HANDOFF_RING];
		r->head++;
		spin_unlock(&r->lock);
		w.fn(vm, w.data);
	}
}

bool handoff_pending(struct vm *vm)
{
	const struct handoff_ring *r = &cluster_of(vm)->handoff;

	return __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE) !=
	       __atomic_load_n(&r->head, __ATOMIC_ACQUIRE);
}

int handoff_wait(struct vcpu *v, volatile bool *done, u64 timeout_ns)
{
	u64 t0 = time_now_ns(), now;
	int rc = 0;

	for (;;) {
		/* Off from the look to the halt (sti; hlt), so the kick is not missed. */
		irq_disable();
		if (__atomic_load_n(done, __ATOMIC_ACQUIRE))
			break;
		if (__atomic_load_n(&v->vm->stopped, __ATOMIC_ACQUIRE)) {
			rc = -E_CANCELED;
			break;
		}
		now = time_now_ns();
		if (now - t0 > timeout_ns) {
			rc = -E_TIMEDOUT;
			break;
		}
		lapic_timer_arm(now + HANDOFF_WAKE_NS);
		cpu_wait_irq();
	}
	this_cpu()->held_ns += time_now_ns() - t0;
	irq_enable();
	return rc;
}

void handoff_line(struct vm *vm, const char *prefix)
{
	const struct handoff_ring *r = &cluster_of(vm)->handoff;

	if (r->tail)
		kprintf("%s%u pieces of work handed to the boot core by the other cores, at most "
			"%u queued at once\n",
			prefix, r->tail, r->deepest);
}
