/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The time-stamp counter as the monitor's clock, calibrated at boot against
 * the legacy PIT (channel 2, gated through port 0x61), which every PC and
 * every emulator we run on provides.
 */
#ifndef UNUM_VMM_HOST_TSC_H
#define UNUM_VMM_HOST_TSC_H

#include "vmm/lib/types.h"

/* Returns the TSC frequency in Hz, or 0 if the PIT never answered. */
u64 tsc_calibrate(void);
u64 tsc_hz(void);
u64 tsc_to_ns(u64 cycles);
u64 time_now_ns(void);
void udelay(u64 us);

#endif
