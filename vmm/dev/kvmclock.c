// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvmclock arithmetic (see vmm/dev/kvmclock.h). The pvclock scale: the guest
 * computes ns = ((delta << shift) * mul) >> 32 (a negative shift shifts
 * right), so the shift is chosen to bring the TSC rate into (1 GHz, 2 GHz],
 * where mul lies in [2^31, 2^32): the most precision a 32-bit mul gives.
 */
#include "vmm/dev/kvmclock.h"
#include "vmm/lib/klib.h"

#define NSEC_PER_SEC 1000000000ULL

void kvmclock_scale(u64 tsc_hz, u32 *mul, s8 *shift)
{
	u64 rate = tsc_hz;
	s8 s = 0;

	while (rate > 2 * NSEC_PER_SEC) {
		rate >>= 1;
		s--;
	}
	while (rate <= NSEC_PER_SEC) {
		rate <<= 1;
		s++;
	}
	*shift = s;
	*mul = (u32)((NSEC_PER_SEC << 32) / rate);
}

u64 kvmclock_ns(u64 tsc_delta, u32 mul, s8 shift)
{
	u64 d = shift < 0 ? tsc_delta >> -shift : tsc_delta << shift;

	return (u64)(((unsigned __int128)d * mul) >> 32);
}

void kvmclock_fill(struct pvclock_vcpu_time_info *t, u64 tsc, u64 system_ns, u64 tsc_hz)
{
	u32 version = t->version, mul;
	s8 shift;

	/* An odd version tells a reader an update is under way (pvclock protocol). */
	__atomic_store_n(&t->version, version | 1, __ATOMIC_RELEASE);
	t->tsc_timestamp = tsc;
	t->system_time = system_ns;
	kvmclock_scale(tsc_hz, &mul, &shift);
	t->tsc_to_system_mul = mul;
	t->tsc_shift = shift;
	t->flags = PVCLOCK_TSC_STABLE_BIT;
	__atomic_store_n(&t->version, (version | 1) + 1, __ATOMIC_RELEASE);
}

/* Days from 1970-01-01 to year-month-day (proleptic Gregorian). */
static u64 days_from_civil(u32 y, u32 m, u32 d)
{
	u32 era, yoe, doy, doe;

	y -= m <= 2;
	era = y / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (u64)era * 146097 + doe - 719468;
}

u64 kvmclock_epoch(u32 year, u32 month, u32 day, u32 hour, u32 min, u32 sec)
{
	return days_from_civil(year, month, day) * 86400 + hour * 3600 + min * 60 + sec;
}
