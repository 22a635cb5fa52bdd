/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The node's physical memory: the page allocator (vmm/host/pmm.c) set up from the
 * boot information, behind a lock, with the monitor image, the boot modules,
 * the boot information and the first megabyte (real-mode structures, and
 * later the AP start-up trampoline) reserved.
 */
#ifndef UNUM_VMM_HOST_MM_H
#define UNUM_VMM_HOST_MM_H

#include "vmm/host/bootinfo.h"

/* Returns 0 or a negative error, with the reason printed. */
int mm_init(const struct boot_info *bi);
/* npages contiguous, aligned pages, zeroed; 0 when memory is exhausted. */
hpa_t page_alloc(u64 npages, u64 align_pages);
void page_free(hpa_t pa, u64 npages);
u64 mm_free_pages(void);
u64 mm_usable_pages(void);

#endif
