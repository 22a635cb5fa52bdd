/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The virtual LAPIC timer (vmm/dev/vlapic_timer.c), as the register code in
 * vmm/dev/vlapic.c uses it.
 */
#ifndef UNUM_VMM_DEV_VLAPIC_TIMER_H
#define UNUM_VMM_DEV_VLAPIC_TIMER_H

#include "vmm/dev/vlapic.h"

void vlapic_timer_load(struct vlapic *a, u32 initial);
void vlapic_timer_lvt_written(struct vlapic *a);
u32 vlapic_timer_current(const struct vlapic *a);
void vlapic_tsc_deadline_write(struct vlapic *a, u64 deadline);

#endif
