/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Internal interface of the SVM back end (vmm/svm/). Generic code sees only
 * svm_ops (vmm/virt/virt.h).
 */
#ifndef UNUM_VMM_SVM_SVM_H
#define UNUM_VMM_SVM_SVM_H

#include "vmm/svm/npt.h"
#include "vmm/svm/vmcb.h"
#include "vmm/virt/virt.h"

#define SVM_MAX_VCPUS 256

struct svm_vcpu {
	struct vmcb *vmcb;
	hpa_t vmcb_pa;
	struct nested *npt; /* its nested page tables (the VM's) */
};

static inline struct svm_vcpu *svm_of(struct vcpu *v)
{
	return v->arch;
}

/* vmm/svm/vmrun.S */
void svm_vmrun(hpa_t guest_vmcb, hpa_t host_area, struct guest_regs *regs);
/* vmm/svm/exit.c: fills v->exit from the VMCB after an exit. */
void svm_decode_exit(struct vcpu *v, struct vmcb *vmcb);
void svm_dump(struct vcpu *v);

#endif
