/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the node's CPU offers: vendor and model, and the virtualization
 * features the back ends choose from (AMD SVM: CPUID 8000_000Ah, APM vol. 3
 * appendix E.4.9; Intel VMX: the IA32_VMX_* capability MSRs, SDM vol. 3
 * appendix A). Optional features are used only when reported here.
 */
#ifndef UNUM_VMM_HOST_CPU_H
#define UNUM_VMM_HOST_CPU_H

#include "vmm/lib/types.h"

struct cpu_features {
	char vendor[13];
	char brand[49];
	u32 family, model, stepping;
	u32 max_leaf, max_ext_leaf;
	u32 phys_addr_bits;
	bool amd, intel;
	bool nx, pdpe1gb, x2apic, tsc_invariant, hypervisor;

	/* AMD SVM */
	bool svm, svm_disabled; /* disabled: VM_CR.SVMDIS set by firmware */
	bool npt, nrips, vmcb_clean, flush_by_asid, decode_assists;
	bool pause_filter, pause_filter_threshold, avic, vgif, lbrv;
	u32 svm_revision, svm_nasid;

	/* Intel VMX */
	bool vmx, vmx_disabled; /* disabled: IA32_FEATURE_CONTROL locked without VMX */
	bool ept, vpid, unrestricted_guest;
};

extern struct cpu_features boot_cpu;

void cpu_detect(struct cpu_features *f);
void cpu_report(const struct cpu_features *f);

#endif
