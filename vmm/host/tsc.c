// SPDX-License-Identifier: GPL-2.0-only
/*
 * TSC calibration against PIT channel 2 (see vmm/host/tsc.h). The PIT runs at
 * 1.193182 MHz (Intel 8254 data sheet); channel 2 in mode 0 raises its output,
 * readable as bit 5 of port 0x61, when the count reaches zero. Three 10 ms
 * windows are measured and the shortest kept: a window stretched by an SMI
 * or, under an emulator, by the host scheduler only ever reads long.
 */
#include "vmm/host/tsc.h"
#include "vmm/lib/x86.h"

#define PIT_HZ	       1193182ULL
#define PIT_CH2	       0x42
#define PIT_CMD	       0x43
#define PORT_B	       0x61
#define PORT_B_GATE2   0x01
#define PORT_B_SPEAKER 0x02
#define PORT_B_OUT2    0x20
#define CAL_MS	       10
#define CAL_SPIN_LIMIT 100000000ULL

static u64 tsc_freq;

/* TSC cycles for one CAL_MS window, or 0 if OUT2 never rose. */
static u64 measure_window(void)
{
	u16 latch = (u16)(PIT_HZ * CAL_MS / 1000);
	u64 t0, t1;

	outb(PORT_B, (u8)((inb(PORT_B) & ~PORT_B_SPEAKER) | PORT_B_GATE2));
	outb(PIT_CMD, 0xB0); /* channel 2, lobyte/hibyte, mode 0, binary */
	outb(PIT_CH2, latch & 0xff);
	outb(PIT_CH2, latch >> 8);
	t0 = rdtsc();
	for (u64 spin = 0; !(inb(PORT_B) & PORT_B_OUT2); spin++)
		if (spin > CAL_SPIN_LIMIT)
			return 0;
	t1 = rdtsc();
	return t1 - t0;
}

u64 tsc_calibrate(void)
{
	u64 best = ~0ULL;

	for (int i = 0; i < 3; i++) {
		u64 c = measure_window();
		if (c == 0)
			return 0;
		best = MIN(best, c);
	}
	tsc_freq = best * (1000 / CAL_MS);
	return tsc_freq;
}

u64 tsc_hz(void)
{
	return tsc_freq;
}

u64 tsc_to_ns(u64 cycles)
{
	if (!tsc_freq)
		return 0;
	/* cycles * 1e9 / hz without overflow for any realistic uptime */
	return (u64)((unsigned __int128)cycles * 1000000000ULL / tsc_freq);
}

u64 time_now_ns(void)
{
	return tsc_to_ns(rdtsc());
}

void udelay(u64 us)
{
	u64 end = rdtsc() + tsc_freq / 1000000 * us;

	while (rdtsc() < end)
		cpu_relax();
}
