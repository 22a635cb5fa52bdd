// SPDX-License-Identifier: GPL-2.0-only
/*
 * Choosing the virtualization back end from what the CPU offers.
 */
#include "vmm/virt/virt.h"
#include "vmm/host/cpu.h"
#include "vmm/host/log.h"
#include "vmm/virt/virt_pick.h"

const struct virt_ops *virt;

static struct cpuid_regs host_cpuid(u32 leaf, u32 subleaf)
{
	return cpuid(leaf, subleaf);
}

int virt_select(void)
{
	switch (virt_kind_of(host_cpuid)) {
	case VIRT_SVM: virt = &svm_ops; return 0;
	case VIRT_VMX: virt = &vmx_ops; return 0; /* (cpu_enable says what it lacks) */
	case VIRT_NONE: break;
	}
	pr_err("virt: this CPU has neither AMD SVM nor Intel VMX: it cannot run guests\n");
	return -E_NOTSUP;
}
