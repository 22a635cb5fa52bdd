/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The monitor's own accesses to guest RAM: a structure an MSR points to, an emulated
 * instruction's memory operand, the loader's images and tables. On one node they are
 * plain copies. Across nodes the pages are the coherence protocol's: the cluster takes
 * them first (vm->cluster, vmm/virt/cluster.h).
 */
#ifndef UNUM_VMM_VIRT_GUEST_MEM_H
#define UNUM_VMM_VIRT_GUEST_MEM_H

#include "vmm/virt/vm.h"

/* Copy from or to guest-physical [gpa, gpa + len): 0, -E_NOENT if any of it is not RAM,
 * or the cluster's error (the pages could not be had). Any core. */
int vm_read_guest(struct vm *vm, gpa_t gpa, void *dst, u64 len);
int vm_write_guest(struct vm *vm, gpa_t gpa, const void *src, u64 len);
/* A pointer to write [gpa, gpa + len) in place, or NULL if it is not all RAM or its pages
 * could not be had, or (across nodes) if the range is not one piece of this node's memory:
 * pages homed elsewhere are single frames of its cache. Across nodes: on the boot core
 * only, for the loaders before the guest starts. Only the last page stays held (until the
 * next access or network poll); the others are this node's only while no peer asks for
 * them, as none does before the guest runs. */
void *vm_guest_writable(struct vm *vm, gpa_t gpa, u64 len);

#endif
