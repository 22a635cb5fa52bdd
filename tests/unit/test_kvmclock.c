// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvmclock arithmetic: the pvclock scale for TSC rates from slow to fast
 * turns cycles into nanoseconds within a part per million, the filled page
 * follows the version protocol, and civil dates convert to epoch seconds.
 */
#include "tests/unit/check.h"
#include "vmm/dev/kvmclock.h"

static void check_rate(u64 hz)
{
	u32 mul;
	s8 shift;
	u64 cycles = hz * 3600; /* an hour */
	u64 ns, want = 3600ULL * 1000000000ULL, err;

	kvmclock_scale(hz, &mul, &shift);
	CHECK(mul >= (1u << 31)); /* full precision */
	ns = kvmclock_ns(cycles, mul, shift);
	err = ns > want ? ns - want : want - ns;
	if (err > want / 1000000)
		check_fail(__FILE__, __LINE__, "%llu Hz: %llu ns for an hour",
			   (unsigned long long)hz, (unsigned long long)ns);
}

TEST(scale_is_accurate)
{
	check_rate(2595962000ULL);
	check_rate(1000000000ULL);
	check_rate(999999999ULL);
	check_rate(3200000000ULL);
	check_rate(100000000ULL);
	check_rate(5000000000ULL);
}

TEST(fill_follows_version_protocol)
{
	struct pvclock_vcpu_time_info t = { 0 };

	kvmclock_fill(&t, 12345, 678, 2000000000ULL);
	CHECK_EQ(t.version, 2); /* even: stable */
	CHECK_EQ_U64(t.tsc_timestamp, 12345);
	CHECK_EQ_U64(t.system_time, 678);
	CHECK_EQ(t.flags, PVCLOCK_TSC_STABLE_BIT);
	CHECK_EQ_U64(kvmclock_ns(2000000000ULL, t.tsc_to_system_mul, t.tsc_shift), 1000000000ULL);
	kvmclock_fill(&t, 1, 2, 2000000000ULL);
	CHECK_EQ(t.version, 4);
}

TEST(epoch)
{
	CHECK_EQ_U64(kvmclock_epoch(1970, 1, 1, 0, 0, 0), 0);
	CHECK_EQ_U64(kvmclock_epoch(2000, 3, 1, 0, 0, 0), 951868800ULL);
	CHECK_EQ_U64(kvmclock_epoch(2026, 11, 21, 6, 17, 1), 1795241821ULL);
	CHECK_EQ_U64(kvmclock_epoch(2024, 2, 29, 23, 59, 59), 1709251199ULL);
}
