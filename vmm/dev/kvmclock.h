/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kvmclock, the paravirtual clock Linux uses on KVM (Documentation/virt/kvm/
 * x86/msr.rst): the guest names a per-vCPU page with MSR_KVM_SYSTEM_TIME_NEW
 * and a wall-clock page with MSR_KVM_WALL_CLOCK_NEW; the monitor writes the
 * pvclock parameters that turn the TSC into nanoseconds. Linux then knows the
 * TSC frequency without calibrating it (calibration needs port reads much
 * faster than an exit) and reads time with no exit at all. The TSC is
 * constant and common to all vCPUs, so the parameters never change.
 * Pure: builds on the host.
 */
#ifndef UNUM_VMM_DEV_KVMCLOCK_H
#define UNUM_VMM_DEV_KVMCLOCK_H

#include "vmm/lib/types.h"

#define MSR_KVM_WALL_CLOCK_NEW	0x4b564d00
#define MSR_KVM_SYSTEM_TIME_NEW 0x4b564d01
#define PVCLOCK_TSC_STABLE_BIT	(1u << 0)
#define PVCLOCK_GUEST_STOPPED	(1u << 1) /* set by the host, cleared by the guest */

struct pvclock_vcpu_time_info {
	u32 version, pad0;
	u64 tsc_timestamp, system_time;
	u32 tsc_to_system_mul;
	s8 tsc_shift;
	u8 flags, pad[2];
} __packed;
_Static_assert(sizeof(struct pvclock_vcpu_time_info) == 32, "pvclock vcpu time info");
_Static_assert(__builtin_offsetof(struct pvclock_vcpu_time_info, flags) == 29, "pvclock flags");

struct pvclock_wall_clock {
	u32 version, sec, nsec;
} __packed;
_Static_assert(sizeof(struct pvclock_wall_clock) == 12, "pvclock wall clock");

/* The multiplier and shift that turn TSC cycles at tsc_hz into nanoseconds. */
void kvmclock_scale(u64 tsc_hz, u32 *mul, s8 *shift);
/* ns = ((tsc delta shifted) * mul) >> 32, as the guest computes it. */
u64 kvmclock_ns(u64 tsc_delta, u32 mul, s8 shift);
/* Fills a vCPU's time info: system time system_ns at TSC value tsc. */
void kvmclock_fill(struct pvclock_vcpu_time_info *t, u64 tsc, u64 system_ns, u64 tsc_hz);
/* Seconds since 1970 from a civil date and time (UTC). */
u64 kvmclock_epoch(u32 year, u32 month, u32 day, u32 hour, u32 min, u32 sec);

#endif
