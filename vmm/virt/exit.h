/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Vendor-neutral exit handling: one handler per enum exit_kind.
 */
#ifndef UNUM_VMM_VIRT_EXIT_H
#define UNUM_VMM_VIRT_EXIT_H

#include "vmm/virt/vcpu.h"

void exit_handle(struct vcpu *v);
/* Advances RIP past the instruction that exited. */
void vcpu_skip_insn(struct vcpu *v);

#endif
