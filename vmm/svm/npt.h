/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * AMD's nested page table entries (AMD APM vol. 2 section 15.25): the long-mode page
 * format, for the shared walker in vmm/virt/nested.c. Guest accesses are checked as user
 * accesses (section 15.25.5), so every entry sets U/S.
 */
#ifndef UNUM_VMM_SVM_NPT_H
#define UNUM_VMM_SVM_NPT_H

#include "vmm/virt/nested.h"

extern const struct nested_format npt_format;

#endif
