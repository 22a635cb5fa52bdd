/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The node's local APIC, in xAPIC (MMIO) mode: the emulators we test under
 * offer no x2APIC to the monitor. Register offsets: Intel SDM vol. 3
 * table 11-1, AMD APM vol. 2 section 16.3.
 */
#ifndef UNUM_VMM_HOST_LAPIC_H
#define UNUM_VMM_HOST_LAPIC_H

#include "vmm/lib/types.h"

/* Returns 0, or -E_NOTSUP when there is no usable local APIC. */
int lapic_init(void);
u32 lapic_id(void);
void lapic_eoi(void);
/* Periodic timer at hz on VEC_LAPIC_TIMER; returns the timer's input clock in Hz. */
u64 lapic_timer_start(u32 hz);
/* One-shot: an interrupt on VEC_LAPIC_TIMER at (or just after) deadline_ns of the
 * monitor's clock; replaces the periodic timer and any later deadline. An earlier one armed
 * before is kept if it is no more than an eighth of the time left early: callers must take
 * an early wake-up (they all look at the time again and arm again). */
void lapic_timer_arm(u64 deadline_ns);
/* Per-CPU part of lapic_init() for an AP (the BSP already mapped the registers). */
void lapic_init_ap(void);
/* A fixed interrupt to one CPU (by APIC id). */
void lapic_send_ipi(u32 apic_id, u8 vector);
/* INIT, then start-up with the page vector, to every other CPU (SDM 9.4.4.1). */
void lapic_broadcast_init(void);
void lapic_broadcast_sipi(u8 vector);
/* This CPU's highest vector in service (ISR) and requested (IRR), or -1: for
 * diagnostics (an ISR bit left set blocks every vector of its class and below). */
int lapic_in_service(void);
/* Summed over the node's CPUs: lapic_timer_arm's writes to the timer, and the times it
 * kept the one armed (racy reads of other CPUs' counters: for the stats lines). */
void lapic_timer_counts(u64 *writes, u64 *kept);
int lapic_requested(void);
/* An NMI to one CPU (by APIC id). */
void lapic_send_nmi(u32 apic_id);

#endif
