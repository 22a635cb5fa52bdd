// SPDX-License-Identifier: GPL-2.0-only
/*
 * The virtual LAPIC timer (SDM vol. 3 section 11.5.4). Time is kept in
 * nanoseconds of the monitor's clock; the count register is derived from it
 * (one count per ns times the divide value: a 1 GHz bus). TSC-deadline mode
 * compares against the guest's TSC, which is the host's (no offset yet), so
 * deadlines convert through the monitor's TSC frequency.
 */
#include "vmm/dev/vlapic_timer.h"

#define LVT_MASK	  (1u << 16)
#define LVT_MODE(v)	  (((v) >> 17) & 3)
#define MODE_ONESHOT	  0
#define MODE_PERIODIC	  1
#define MODE_TSC_DEADLINE 2

u64 (*vlapic_tsc_to_ns)(u64 tsc);

static u64 divide_value(const struct vlapic *a)
{
	u32 d = (a->timer_divide & 3) | ((a->timer_divide >> 1) & 4);

	return d == 7 ? 1 : 2ULL << d; /* SDM figure 11-10 */
}

static u64 period_ns(const struct vlapic *a)
{
	return (u64)a->timer_initial * divide_value(a);
}

void vlapic_timer_load(struct vlapic *a, u32 initial)
{
	if (LVT_MODE(a->lvt[1]) == MODE_TSC_DEADLINE)
		return; /* the count register is ignored in TSC-deadline mode */
	a->timer_initial = initial;
	a->timer_start_ns = vlapic_now_ns();
	a->timer_deadline_ns = initial ? a->timer_start_ns + period_ns(a) : 0;
}

void vlapic_timer_lvt_written(struct vlapic *a)
{
	/* Switching modes disarms the timer (SDM 11.5.4.1). */
	if (LVT_MODE(a->lvt[1]) == MODE_TSC_DEADLINE) {
		a->timer_initial = 0;
		a->timer_deadline_ns = a->tsc_deadline ? vlapic_tsc_to_ns(a->tsc_deadline) : 0;
	} else if (a->tsc_deadline) {
		a->tsc_deadline = 0;
		a->timer_deadline_ns = 0;
	}
}

void vlapic_tsc_deadline_write(struct vlapic *a, u64 deadline)
{
	if (LVT_MODE(a->lvt[1]) != MODE_TSC_DEADLINE)
		return; /* SDM: ignored outside TSC-deadline mode */
	a->tsc_deadline = deadline;
	a->timer_deadline_ns = deadline ? vlapic_tsc_to_ns(deadline) : 0;
	if (deadline && !a->timer_deadline_ns)
		a->timer_deadline_ns = 1; /* a deadline in the past fires at once */
}

u32 vlapic_timer_current(const struct vlapic *a)
{
	u64 now, elapsed, period = period_ns(a);

	if (!a->timer_initial || LVT_MODE(a->lvt[1]) == MODE_TSC_DEADLINE)
		return 0;
	now = vlapic_now_ns();
	elapsed = now - a->timer_start_ns;
	if (LVT_MODE(a->lvt[1]) == MODE_ONESHOT && (elapsed >= period || !a->timer_deadline_ns))
		return 0;
	elapsed %= period;
	return (u32)((period - elapsed) / divide_value(a));
}

u64 vlapic_timer_poll(struct vlapic *a, u64 now_ns)
{
	u32 lvt = a->lvt[1];

	if (!a->timer_deadline_ns || now_ns < a->timer_deadline_ns)
		return a->timer_deadline_ns;
	if (!(lvt & LVT_MASK))
		vlapic_set_irr(a, lvt & 0xff, false);
	a->timer_fired++;
	if (LVT_MODE(lvt) == MODE_PERIODIC && period_ns(a)) {
		a->timer_deadline_ns += period_ns(a);
		if (a->timer_deadline_ns <= now_ns) /* fell behind: skip, do not burst */
			a->timer_deadline_ns = now_ns + period_ns(a);
	} else {
		a->timer_deadline_ns = 0;
		a->tsc_deadline = 0;
	}
	return a->timer_deadline_ns;
}
