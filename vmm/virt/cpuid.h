/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What CPUID tells the guest: the host's answer, with virtualization
 * extensions hidden, the hypervisor bit set, Unum's signature at 0x40000000,
 * the vCPU's own APIC id and count, and features the monitor cannot
 * virtualize yet cleared. The policy itself is a pure function so host tests
 * can check it.
 */
#ifndef UNUM_VMM_VIRT_CPUID_H
#define UNUM_VMM_VIRT_CPUID_H

#include "vmm/lib/types.h"
#include "vmm/lib/x86.h"

#define CPUID_UNUM_BASE	     0x40000000u
#define CPUID_UNUM_SIGNATURE "UnumUnumUnum"
/* KVM's paravirtual interface, where Linux looks for it (it scans 0x40000000
 * to 0x4000ff00 in steps of 0x100 for the signature). */
#define CPUID_KVM_BASE			   0x40000100u
#define CPUID_KVM_FEATURES		   (CPUID_KVM_BASE + 1)
#define KVM_FEATURE_CLOCKSOURCE2	   (1u << 3)
#define KVM_FEATURE_PV_EOI		   (1u << 6)
#define KVM_FEATURE_PV_UNHALT		   (1u << 7)
#define KVM_FEATURE_PV_SEND_IPI		   (1u << 11)
#define KVM_FEATURE_CLOCKSOURCE_STABLE_BIT (1u << 24)

struct vcpu;

/* The exit-saving KVM features offered (PV EOI, unhalt, send-IPI); `nopv` on the
 * monitor's command line clears them, to measure what they save. */
extern u32 cpuid_kvm_pv_features;
/* Shadow page tables are on (vmm/virt/shadow_vm.h): the paging features they do not
 * shadow are hidden (PCID, INVPCID, 5-level paging, protection keys, CET). */
extern bool cpuid_shadow_paging;

/* Applies the policy to the host's answer for (leaf, subleaf). */
struct cpuid_regs cpuid_policy(u32 leaf, u32 subleaf, struct cpuid_regs host, u32 vcpu_id,
			       u32 nvcpus);
/* The guest's answer: the host's CPUID run through the policy. */
struct cpuid_regs cpuid_guest(struct vcpu *v, u32 leaf, u32 subleaf);

#endif
