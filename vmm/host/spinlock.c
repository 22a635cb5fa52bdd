// SPDX-License-Identifier: GPL-2.0-only
/*
 * Ticket spinlock (see vmm/host/spinlock.h).
 */
#include "vmm/host/spinlock.h"
#include "vmm/host/percpu.h"
#include "vmm/lib/x86.h"

void spin_lock(struct spinlock *l)
{
	u16 ticket = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);

	while (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != ticket)
		cpu_relax();
	l->holder = (s32)this_cpu_id();
}

void spin_unlock(struct spinlock *l)
{
	l->holder = -1;
	__atomic_store_n(&l->owner, (u16)(l->owner + 1), __ATOMIC_RELEASE);
}

bool spin_held_by_me(const struct spinlock *l)
{
	return l->holder == (s32)this_cpu_id();
}
