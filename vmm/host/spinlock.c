// SPDX-License-Identifier: GPL-2.0-only
/*
 * Ticket spinlock (see vmm/host/spinlock.h).
 */
#include "vmm/host/spinlock.h"
#include "vmm/host/percpu.h"
#include "vmm/lib/x86.h"
#include "vmm/host/log.h"
#include "vmm/host/tsc.h"

void spin_lock(struct spinlock *l)
{
	u16 ticket = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);
	u64 start, waited = 0;

	if (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != ticket) {
		start = rdtsc();
		while (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != ticket)
			cpu_relax();
		waited = rdtsc() - start;
		l->waited++;
		l->wait_tsc += waited;
	}
	l->holder = (s32)this_cpu_id();
	l->taken++;
	if (waited > l->max_wait_tsc)
		l->max_wait_tsc = waited;
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

void spin_report(const struct spinlock *l, const char *prefix)
{
	kprintf("%s: lock %s: taken %llu times, waited for %llu times, %llu ms in all, at most %llu ms once\n",
		prefix, l->name, (unsigned long long)l->taken, (unsigned long long)l->waited,
		(unsigned long long)(tsc_to_ns(l->wait_tsc) / 1000000),
		(unsigned long long)(tsc_to_ns(l->max_wait_tsc) / 1000000));
}
