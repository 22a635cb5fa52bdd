/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Puts the guest named by the cluster file's guest line into guest memory
 * and sets vCPU 0 up to start it. Two kinds of image: a Linux bzImage (the
 * Linux x86 boot protocol, to come) and a tiny test guest: a flat binary
 * whose bytes 2-9 are "UNUMTINY", loaded at guest-physical 0x8000 and entered
 * in real mode at 0800:0000, exactly as an AP starts after a SIPI with
 * vector 8.
 */
#ifndef UNUM_VMM_GUEST_LOADER_H
#define UNUM_VMM_GUEST_LOADER_H

#include "vmm/host/bootinfo.h"
#include "vmm/lib/config.h"
#include "vmm/virt/vm.h"

#define TINY_MAGIC	 "UNUMTINY"
#define TINY_LOAD_GPA	 0x8000
#define TINY_SIPI_VECTOR 0x08

/* Returns 0, or a negative error with the reason printed. */
int loader_load_guest(struct vm *vm, const struct boot_info *bi, const struct cfg_guest *g);
/* 0 if the boot modules the guest line names are there; -E_NOENT, with a line for
 * each missing one, if not (node 0 checks before it waits for the other nodes). */
int loader_check_modules(const struct boot_info *bi, const struct cfg_guest *g);

#endif
