/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Intel's extended page table entries (SDM vol. 3C 29.3.2, tables 29-1 to 29-6): the
 * format, for the shared nested walker in vmm/virt/nested.c.
 */
#ifndef UNUM_VMM_VMX_EPT_H
#define UNUM_VMM_VMX_EPT_H

#include "vmm/virt/nested.h"

extern const struct nested_format ept_format;

/* The EPT pointer (SDM vol. 3C 24.6.11) for tables at root: write-back, 4 levels, and
 * bit 6 clear, so the CPU sets no accessed or dirty flags in EPT entries and its
 * reads of the guest's paging structures are reads (29.3.3.2). */
u64 ept_pointer(hpa_t root);

/* An EPT violation's exit qualification (table 27-7) in the generic terms. */
struct ept_violation {
	bool write; /* a write: a data write, or the CPU setting an A/D flag in a guest
		     * paging-structure entry (29.3.3.2: those updates are writes) */
	bool fetch; /* an instruction fetch */
	bool walk;  /* the access was to a guest paging-structure entry (bit 7 set: the
		     * linear address is valid; bit 8 clear: not the final translation) */
};
struct ept_violation ept_violation_of(u64 qualification);

#endif
