// SPDX-License-Identifier: GPL-2.0-only
/*
 * What lwIP needs from the monitor in NO_SYS mode (net/lwip/arch/cc.h): sys_now() in
 * milliseconds from the TSC clock, diagnostics into the log at debug level, assertions as
 * monitor bugs, and pseudo-random numbers (ARP and IP identification only: nothing secret).
 */
#include <stdarg.h>

#include "vmm/host/tsc.h"
#include "lwip/sys.h"
#include "vmm/host/log.h"
#include "vmm/host/panic.h"
#include "vmm/lib/x86.h"

u32_t sys_now(void)
{
	return (u32_t)(time_now_ns() / 1000000);
}

void lwip_port_diag(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vprintf(LOG_DEBUG, fmt, ap);
	va_end(ap);
}

void lwip_port_assert(const char *msg, const char *file, int line)
{
	panic_at(file, line, "lwIP assertion failed: %s", msg);
}

/* xorshift64*, seeded from the TSC on first use. */
uint32_t lwip_port_rand(void)
{
	static u64 state;

	if (!state)
		state = rdtsc() | 1;
	state ^= state >> 12;
	state ^= state << 25;
	state ^= state >> 27;
	return (uint32_t)((state * 0x2545f4914f6cdd1dull) >> 32);
}
