// SPDX-License-Identifier: GPL-2.0-only
/*
 * Choosing the virtualization back end from what the CPU offers.
 */
#include "vmm/virt/virt.h"
#include "vmm/host/cpu.h"
#include "vmm/host/log.h"

const struct virt_ops *virt;

int virt_select(void)
{
	if (boot_cpu.svm) {
		virt = &svm_ops;
		return 0;
	}
	if (boot_cpu.vmx) {
		virt = &vmx_ops; /* (cpu_enable says what it lacks) */
		return 0;
	}
	pr_err("virt: this CPU has neither AMD SVM nor Intel VMX: it cannot run guests\n");
	return -E_NOTSUP;
}
