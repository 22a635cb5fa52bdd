/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The model-specific registers the guest may use. Those that hold only the
 * guest's own state (msr_passthrough: FS/GS bases, SYSCALL and SYSENTER MSRs,
 * TSC_AUX) are not intercepted at all; the rest come here. An MSR the monitor does not know raises #GP in the guest,
 * as on a CPU without it, and is logged once.
 */
#ifndef UNUM_VMM_VIRT_MSR_H
#define UNUM_VMM_VIRT_MSR_H

#include "vmm/virt/vcpu.h"

/* The MSRs the guest reads and writes without an exit. The VMCB or VMCS switches
 * some (FS and GS bases, SYSENTER; on AMD the SYSCALL ones and KERNEL_GS_BASE
 * with VMSAVE/VMLOAD); the others stay the guest's in the CPU, which the monitor
 * never uses them (no SYSCALL, SWAPGS or RDTSCP), and a vCPU keeps its CPU. */
extern const u32 msr_passthrough[];
extern const u32 msr_passthrough_count;

/* 0, or -E_INVAL for #GP. */
int msr_guest_read(struct vcpu *v, u32 msr, u64 *val);
int msr_guest_write(struct vcpu *v, u32 msr, u64 val);
/* Tells the guest, through its kvmclock page if it has one, that the host stopped this
 * vCPU for a while (PVCLOCK_GUEST_STOPPED, as KVM does for a paused VM): Linux then
 * does not take the time that passed meanwhile for a soft lockup or an RCU stall. */
void kvmclock_guest_stopped(struct vcpu *v);

#endif
