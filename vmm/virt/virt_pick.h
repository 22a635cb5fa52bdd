/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Which virtualization back end a CPU gets, from its CPUID alone (host-tested):
 * AMD SVM where leaf 8000_0001h ECX bit 2 says so (AMD APM vol. 3 appendix E),
 * else Intel VMX where leaf 1 ECX bit 5 does (Intel SDM vol. 2A "CPUID"). One
 * unum.elf serves both; virt_select() (virt.c) acts on the answer.
 */
#ifndef UNUM_VMM_VIRT_VIRT_PICK_H
#define UNUM_VMM_VIRT_VIRT_PICK_H

#include "vmm/lib/x86.h"

enum virt_kind { VIRT_NONE, VIRT_SVM, VIRT_VMX };

/* id: CPUID itself on the monitor, a table in the tests. */
enum virt_kind virt_kind_of(struct cpuid_regs (*id)(u32 leaf, u32 subleaf));

#endif
