/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The node's other CPUs: started once at boot through the trampoline
 * (boot/trampoline.S), each with its own per-CPU area, stack, GDT/TSS and
 * LAPIC, then idle until the monitor gives it work (a vCPU to run).
 */
#ifndef UNUM_VMM_HOST_SMP_H
#define UNUM_VMM_HOST_SMP_H

#include "vmm/host/bootinfo.h"

/* Starts up to want-1 APs; returns how many CPUs are online (the BSP included). */
u32 smp_start(const struct boot_info *bi, u32 want);
u32 smp_online_cpus(void);
/* Has CPU cpu (1..online-1) call fn(arg) from its idle loop. */
void smp_run_on(u32 cpu, void (*fn)(void *arg), void *arg);
u32 smp_apic_id(u32 cpu);

#endif
