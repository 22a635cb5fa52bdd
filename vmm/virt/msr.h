/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The model-specific registers the guest may use. Those the VMCB holds
 * (FS/GS bases, SYSCALL and SYSENTER MSRs) are not intercepted at all; the
 * rest come here. An MSR the monitor does not know raises #GP in the guest,
 * as on a CPU without it, and is logged once.
 */
#ifndef UNUM_VMM_VIRT_MSR_H
#define UNUM_VMM_VIRT_MSR_H

#include "vmm/virt/vcpu.h"

/* 0, or -E_INVAL for #GP. */
int msr_guest_read(struct vcpu *v, u32 msr, u64 *val);
int msr_guest_write(struct vcpu *v, u32 msr, u64 val);

#endif
