// SPDX-License-Identifier: GPL-2.0-only
/*
 * The back end from CPUID (see vmm/virt/virt_pick.h).
 */
#include "vmm/virt/virt_pick.h"

enum virt_kind virt_kind_of(struct cpuid_regs (*id)(u32 leaf, u32 subleaf))
{
	/* (leaf 8000_0001h exists only if 8000_0000h says so) */
	if (id(0x80000000, 0).eax >= 0x80000001 && (id(0x80000001, 0).ecx & (1u << 2)))
		return VIRT_SVM;
	if (id(0, 0).eax >= 1 && (id(1, 0).ecx & (1u << 5)))
		return VIRT_VMX;
	return VIRT_NONE;
}
