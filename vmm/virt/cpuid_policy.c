// SPDX-License-Identifier: GPL-2.0-only
/*
 * The guest's CPUID (see vmm/virt/cpuid.h). Bit positions: AMD APM vol. 3
 * appendix E, Intel SDM vol. 2A "CPUID". Builds on the host.
 */
#include "vmm/virt/cpuid.h"
#include "vmm/lib/klib.h"

#define BIT(n) (1u << (n))
/* leaf 1 ECX */
#define C1_MONITOR	BIT(3)
#define C1_VMX		BIT(5)
#define C1_SMX		BIT(6)
#define C1_PCID		BIT(17)
#define C1_X2APIC	BIT(21)
#define C1_TSC_DEADLINE BIT(24)
#define C1_XSAVE	BIT(26)
#define C1_OSXSAVE	BIT(27)
#define C1_AVX		BIT(28)
#define C1_HYPERVISOR	BIT(31)
/* leaf 1 EDX */
#define D1_MCE	BIT(7)
#define D1_MTRR BIT(12)
#define D1_MCA	BIT(14)
/* leaf 6 EAX */
#define P6_ARAT BIT(2)
/* leaf 7 subleaf 0 EBX and ECX */
#define S7B_INVPCID BIT(10)
#define S7C_PKU	    BIT(3)
#define S7C_CET_SS  BIT(7)
#define S7C_LA57    BIT(16)
/* leaf 8000_0001h ECX */
#define E1_SVM BIT(2)
/* leaf 8000_0007h EDX */
#define E7_INVARIANT_TSC BIT(8)
/* leaf 8000_0008h EBX */
#define E8_INVLPGB BIT(3)

static struct cpuid_regs leaf1(struct cpuid_regs r, u32 vcpu_id, u32 nvcpus)
{
	/* No nested virtualization, no MONITOR/MWAIT (would sleep the physical CPU),
	 * no XSAVE yet (XSETBV is intercepted and not emulated). */
	r.ecx &= ~(C1_MONITOR | C1_VMX | C1_SMX | C1_XSAVE | C1_OSXSAVE | C1_AVX);
	/* The virtual LAPIC offers x2APIC and the TSC-deadline timer on any host. */
	r.ecx |= C1_HYPERVISOR | C1_X2APIC | C1_TSC_DEADLINE;
	/* Machine checks and MTRRs are not virtualized: their MSRs would #GP. */
	r.edx &= ~(D1_MCE | D1_MCA | D1_MTRR);
	/* EBX: initial APIC id in 31:24, logical processor count in 23:16 */
	r.ebx = (r.ebx & 0xffff) | (vcpu_id << 24) | ((nvcpus & 0xff) << 16);
	if (cpuid_shadow_paging)
		r.ecx &= ~C1_PCID;
	return r;
}

/* Extended topology (leaves 0xB and 0x1F): each vCPU a package of one core of one
 * thread, its x2APIC id its vCPU id. Not the host's: that numbers the node's physical
 * CPUs, and its shifts would make vCPUs of different nodes SMT or core siblings. */
static struct cpuid_regs topology_leaf(u32 subleaf, u32 vcpu_id)
{
	struct cpuid_regs r = { 0, 0, subleaf & 0xff, vcpu_id };

	if (subleaf < 2) { /* level 0: SMT, level 1: core; shift 0, one of each */
		r.ebx = 1;
		r.ecx |= (subleaf + 1) << 8;
	}
	return r;
}

static struct cpuid_regs signature_leaf(void)
{
	struct cpuid_regs r = { CPUID_UNUM_BASE, 0, 0, 0 };

	memcpy(&r.ebx, CPUID_UNUM_SIGNATURE, 4);
	memcpy(&r.ecx, CPUID_UNUM_SIGNATURE + 4, 4);
	memcpy(&r.edx, CPUID_UNUM_SIGNATURE + 8, 4);
	return r;
}

bool cpuid_shadow_paging;

/* Under shadow page tables, the paging features they do not shadow are hidden:
 * PCIDs, 5-level paging, protection keys, CET shadow stacks (and INVLPGB, leaf
 * 8000_0008h). */
static struct cpuid_regs leaf7(struct cpuid_regs r, u32 subleaf)
{
	if (cpuid_shadow_paging && subleaf == 0) {
		r.ebx &= ~S7B_INVPCID;
		r.ecx &= ~(S7C_PKU | S7C_CET_SS | S7C_LA57);
	}
	return r;
}

u32 cpuid_kvm_pv_features = KVM_FEATURE_PV_EOI | KVM_FEATURE_PV_UNHALT | KVM_FEATURE_PV_SEND_IPI;

/* KVM's signature and the paravirtual features the monitor implements (only those:
 * Linux uses each feature it sees). */
static struct cpuid_regs kvm_leaf(u32 leaf)
{
	struct cpuid_regs r = { 0, 0, 0, 0 };

	if (leaf == CPUID_KVM_BASE) {
		r.eax = CPUID_KVM_FEATURES;
		memcpy(&r.ebx, "KVMK", 4);
		memcpy(&r.ecx, "VMKV", 4);
		memcpy(&r.edx, "M\0\0\0", 4);
	} else {
		r.eax = KVM_FEATURE_CLOCKSOURCE2 | KVM_FEATURE_CLOCKSOURCE_STABLE_BIT |
			cpuid_kvm_pv_features;
	}
	return r;
}

struct cpuid_regs cpuid_policy(u32 leaf, u32 subleaf, struct cpuid_regs host, u32 vcpu_id,
			       u32 nvcpus)
{
	static const struct cpuid_regs zero;

	switch (leaf) {
	case 1: return leaf1(host, vcpu_id, nvcpus);
	case 6: {
		/* Power management: none of its MSRs is virtualized (APERF/MPERF, thermal,
		 * HWP), so only "the APIC timer always runs", which the virtual LAPIC's
		 * does; Linux would otherwise sample APERF/MPERF at every tick. */
		struct cpuid_regs r = { P6_ARAT, 0, 0, 0 };
		return r;
	}
	case 7: return leaf7(host, subleaf);
	case 0xb:
	case 0x1f: return topology_leaf(subleaf, vcpu_id);
	case 0xd: /* XSAVE state: none while XSAVE is hidden */ return zero;
	case CPUID_UNUM_BASE: return signature_leaf();
	case CPUID_KVM_BASE:
	case CPUID_KVM_FEATURES: return kvm_leaf(leaf);
	case 0x80000001: host.ecx &= ~E1_SVM; return host;
	case 0x80000007:
		/* The guest's TSC runs at a constant rate: it is the host's, never scaled. */
		host.edx |= E7_INVARIANT_TSC;
		return host;
	case 0x80000008:
		/* (INVLPGB would flush other cores' TLBs without an exit: not under shadows) */
		if (cpuid_shadow_paging)
			host.ebx &= ~E8_INVLPGB;
		return host;
	case 0x8000000a: /* SVM features: the guest has no SVM */ return zero;
	default:
		if (leaf > CPUID_UNUM_BASE && leaf < 0x40010000)
			return zero;
		return host;
	}
}
