// SPDX-License-Identifier: GPL-2.0-only
/*
 * The guest's CPUID on the monitor: the host's answer through cpuid_policy().
 */
#include "vmm/virt/cpuid.h"
#include "vmm/virt/vcpu.h"
#include "vmm/virt/vm.h"

struct cpuid_regs cpuid_guest(struct vcpu *v, u32 leaf, u32 subleaf)
{
	return cpuid_policy(leaf, subleaf, cpuid(leaf, subleaf), v->id, v->vm->nvcpus);
}
