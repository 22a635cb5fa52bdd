/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Intel's extended page table entries (SDM vol. 3C 29.3.2, tables 29-1 to 29-6): the
 * format, for the shared nested walker in vmm/virt/nested.c.
 */
#ifndef UNUM_VMM_VMX_EPT_H
#define UNUM_VMM_VMX_EPT_H

#include "vmm/virt/nested.h"

extern const struct nested_format ept_format;

#endif
