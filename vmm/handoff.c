// SPDX-License-Identifier: GPL-2.0-only
/*
 * Work handed to the boot core (see vmm/handoff.h): a ring under a leaf
 * spinlock. The work runs outside the lock, so it may queue more.
 */
#include "vmm/handoff.h"
#include "vmm/klib.h"
#include "vmm/log.h"
#include "vmm/panic.h"
#include "vmm/power.h"
#include "vmm/dev/irq.h"
#include "vmm/x86.h"
#include "drivers/lapic.h"
#include "drivers/tsc.h"

#define HANDOFF_SLOTS	 256
#define HANDOFF_STUCK_NS 1000000000ULL /* a full queue this long: the boot core is stuck */
#define HANDOFF_WAKE_NS	 10000000ULL   /* a waiting vCPU looks at the clock this often */

struct handoff_work {
	handoff_fn fn;
	u8 data[HANDOFF_DATA];
};

static struct handoff_work ring[HANDOFF_SLOTS];
static u32 head, tail; /* taken at head, added at tail; free-running */
static struct spinlock lock = SPINLOCK_INIT("handoff");

void handoff(struct vm *vm, handoff_fn fn, const void *data, size_t len)
{
	u8 copy[HANDOFF_DATA];
	u64 t0 = 0;

	BUG_ON(len > HANDOFF_DATA);
	memset(copy, 0, sizeof(copy));
	memcpy(copy, data, len);
	if (on_boot_core()) {
		fn(vm, copy);
		return;
	}
	for (;;) {
		spin_lock(&lock);
		if (tail - head < HANDOFF_SLOTS) {
			ring[tail % HANDOFF_SLOTS].fn = fn;
			memcpy(ring[tail % HANDOFF_SLOTS].data, copy, HANDOFF_DATA);
			tail++;
			spin_unlock(&lock);
			break;
		}
		spin_unlock(&lock);
		if (!t0)
			t0 = time_now_ns();
		if (time_now_ns() - t0 > HANDOFF_STUCK_NS) {
			vm_stop(vm, EXIT_GUEST_STOPPED,
				"CPU %u: the boot core has not taken work handed to it for 1 s "
				"(%u pieces queued): it is stuck",
				this_cpu_id(), HANDOFF_SLOTS);
			return;
		}
		vcpu_kick(&vm->vcpus[vm->first_local]);
		cpu_relax();
	}
	vcpu_kick(&vm->vcpus[vm->first_local]);
}

void handoff_drain(struct vm *vm)
{
	struct handoff_work w;

	for (;;) {
		spin_lock(&lock);
		if (head == tail) {
			spin_unlock(&lock);
			return;
		}
		w = ring[head % HANDOFF_SLOTS];
		head++;
		spin_unlock(&lock);
		w.fn(vm, w.data);
	}
}

int handoff_wait(struct vcpu *v, volatile bool *done, u64 timeout_ns)
{
	u64 t0 = time_now_ns(), now;

	for (;;) {
		/* Off from the look to the halt (sti; hlt), so the kick is not missed. */
		irq_disable();
		if (__atomic_load_n(done, __ATOMIC_ACQUIRE))
			break;
		if (__atomic_load_n(&v->vm->stopped, __ATOMIC_ACQUIRE)) {
			irq_enable();
			return -E_CANCELED;
		}
		now = time_now_ns();
		if (now - t0 > timeout_ns) {
			irq_enable();
			return -E_TIMEDOUT;
		}
		lapic_timer_arm(now + HANDOFF_WAKE_NS);
		cpu_wait_irq();
	}
	irq_enable();
	return 0;
}
