/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The guest's local APIC, one per vCPU: xAPIC registers (through the MMIO
 * page at 0xfee00000) and x2APIC MSRs (0x800-0x8ff), interrupt request and
 * in-service bookkeeping with priorities, EOI, and the timer in one-shot,
 * periodic and TSC-deadline modes. Register layout: Intel SDM vol. 3
 * chapter 11 (tables 11-1 and 11-6). The timer counts a 1 GHz bus clock
 * (divided by the divide configuration); it is driven from the monitor's
 * TSC clock, so it needs no host timer of its own: the run loop asks for the
 * next deadline and arms the physical timer for it.
 */
#ifndef UNUM_VMM_DEV_VLAPIC_H
#define UNUM_VMM_DEV_VLAPIC_H

#include "vmm/lib/types.h"

#define VLAPIC_BASE   0xfee00000ULL
#define VLAPIC_BUS_HZ 1000000000ULL

struct vlapic {
	u32 id;
	u64 apic_base; /* IA32_APIC_BASE as the guest sees it */
	u32 tpr, svr, ldr, dfr, esr, icr_lo, icr_hi;
	u32 lvt[7]; /* CMCI, timer, thermal, perf, LINT0, LINT1, error */
	u32 irr[8], isr[8], tmr[8];
	u32 timer_initial, timer_divide;
	u64 timer_start_ns;    /* when the count was loaded */
	u64 timer_deadline_ns; /* 0: not armed */
	u64 tsc_deadline;      /* IA32_TSC_DEADLINE */
	u64 timer_fired;       /* statistics */
	/* Told when a level-triggered vector ends (EOI), so the IOAPIC can clear remote IRR. */
	void (*level_eoi)(void *ctx, u8 vector);
	void *eoi_ctx;
	/* Routes an interrupt command (ICR low word, destination) to its targets. */
	void (*send_ipi)(void *ctx, struct vlapic *from, u32 icr_lo, u32 dest);
	void *ipi_ctx;
};

struct vcpu;

void vlapic_init(struct vlapic *a, u32 id, bool bsp);
bool vlapic_x2apic_mode(const struct vlapic *a);
/* Does this LAPIC answer to dest (physical id, or logical in the current mode)? */
bool vlapic_match_dest(const struct vlapic *a, u32 dest, bool logical);
/* MMIO (xAPIC mode): offset within the page, 4-byte accesses. */
u32 vlapic_mmio_read(struct vlapic *a, u32 offset);
void vlapic_mmio_write(struct vlapic *a, u32 offset, u32 val);
/* MSRs: IA32_APIC_BASE, IA32_TSC_DEADLINE and 0x800-0x8ff. 0 or -E_INVAL (#GP). */
int vlapic_msr_read(struct vlapic *a, u32 msr, u64 *val);
int vlapic_msr_write(struct vlapic *a, u32 msr, u64 val);
/* Requests an interrupt (from a device, an IPI or the timer). */
void vlapic_set_irr(struct vlapic *a, u8 vector, bool level);
/* Fires the timer if its deadline has passed; returns the next deadline (ns), 0 if none. */
u64 vlapic_timer_poll(struct vlapic *a, u64 now_ns);
/* The vector to deliver now (above the processor priority), or -1. */
int vlapic_pending(const struct vlapic *a);
/* Any interrupt requested, deliverable or blocked by priority. */
bool vlapic_irr_any(const struct vlapic *a);
/* The highest in-service vector is edge-triggered (PV EOI may end it). */
bool vlapic_isr_edge_only(const struct vlapic *a);
/* An EOI the guest made through PV EOI. */
void vlapic_eoi_pv(struct vlapic *a);
/* The CPU accepted the vector: move it from IRR to ISR. */
void vlapic_accept(struct vlapic *a, u8 vector);

/* Clocks for the timer, set by the monitor (host tests use fake ones). */
extern u64 (*vlapic_now_ns)(void);
extern u64 (*vlapic_tsc_to_ns)(u64 tsc);

#endif
