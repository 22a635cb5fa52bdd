// SPDX-License-Identifier: GPL-2.0-only
/*
 * Per-CPU areas (see vmm/host/percpu.h). Statically allocated for MAX_CPUS:
 * the areas are small, and a CPU must have one before it can allocate.
 */
#include "vmm/host/percpu.h"
#include "vmm/lib/x86.h"

static struct percpu percpu_areas[MAX_CPUS];

void percpu_init(u32 cpu_id, hva_t stack_top)
{
	struct percpu *p = &percpu_areas[cpu_id];

	p->self = p;
	p->cpu_id = cpu_id;
	p->stack_top = stack_top;
	wrmsr(MSR_GS_BASE, (u64)(uintptr_t)p);
}

struct percpu *percpu_of(u32 cpu_id)
{
	return cpu_id < MAX_CPUS && percpu_areas[cpu_id].self ? &percpu_areas[cpu_id] : NULL;
}
