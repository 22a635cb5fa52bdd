/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Ticket spinlock: FIFO-fair, so no CPU starves. Records the holder's CPU so
 * code can assert it holds a lock (spin_assert_held). Interrupt state is the
 * caller's business: take a lock that an interrupt handler also takes only
 * with interrupts disabled.
 */
#ifndef UNUM_VMM_HOST_SPINLOCK_H
#define UNUM_VMM_HOST_SPINLOCK_H

#include "vmm/lib/types.h"
#include "vmm/host/panic.h"

struct spinlock {
	volatile u16 next, owner;
	volatile s32 holder; /* CPU id of the holder, -1 when free */
	const char *name;
	/* Contention, counted by the CPU that waited (under the lock, so exact):
	 * a waiter whose emulated CPU the host has descheduled holds up every
	 * later ticket, which is what these figures show on a slow host. */
	u64 taken, waited, wait_tsc, max_wait_tsc;
};

#define SPINLOCK_INIT(n)                \
	{                               \
		0, 0, -1, n, 0, 0, 0, 0 \
	}

void spin_lock(struct spinlock *l);
void spin_unlock(struct spinlock *l);
bool spin_held_by_me(const struct spinlock *l);
/* One line "PREFIX: lock NAME: taken N times, waited for M times, X ms in all,
 * at most Y ms once" (TSC ticks converted with the calibrated rate). */
void spin_report(const struct spinlock *l, const char *prefix);
/* For a function whose contract is "the caller holds l": a monitor bug otherwise. */
#define spin_assert_held(l) BUG_ON(!spin_held_by_me(l))

#endif
