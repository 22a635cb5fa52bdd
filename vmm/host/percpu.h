/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Per-CPU area: one struct percpu per physical CPU of the node, found through
 * the GS base register, so this_cpu() costs one load. The first field points
 * at the area itself (that is what %gs:0 reads).
 */
#ifndef UNUM_VMM_HOST_PERCPU_H
#define UNUM_VMM_HOST_PERCPU_H

#include "vmm/lib/types.h"

#define MAX_CPUS 64

struct percpu {
	struct percpu *self;
	u32 cpu_id; /* 0 .. ncpus-1, 0 is the boot CPU */
	u32 apic_id;
	hva_t stack_top;
	volatile u64 timer_ticks; /* LAPIC timer interrupts taken */
	volatile u64 timer_armed; /* lapic_timer_arm: the one-shot's deadline (ns), 0 once it fired */
	bool timer_oneshot;	  /* the LAPIC timer's LVT is in one-shot mode */
	u64 timer_writes;	  /* lapic_timer_arm: times it wrote the timer (stats) */
	u64 timer_kept;		  /* lapic_timer_arm: times it kept the armed one (stats) */
	u32 exception_depth;	  /* nested exceptions: a fault in the fault handler */
	hpa_t virt_host_area;	  /* back end's per-CPU host state (SVM: VMSAVE area) */
	/* Time the monitor waited here for the cluster within one exit's handling (vm.c's
	 * gaps leave it out: those waits say so themselves when long). */
	u64 held_ns;
};

void percpu_init(u32 cpu_id, hva_t stack_top);
struct percpu *percpu_of(u32 cpu_id); /* NULL for a CPU that has no area yet */

static inline struct percpu *this_cpu(void)
{
	struct percpu *p;
	__asm__ volatile("movq %%gs:0, %0" : "=r"(p));
	return p;
}

static inline u32 this_cpu_id(void)
{
	return this_cpu()->cpu_id;
}

#endif
