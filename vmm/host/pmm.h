/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Physical page allocator: one bit per 4 KiB page up to the highest usable
 * address, built from the boot memory map with the monitor's image, the
 * modules and the boot information reserved. Allocation is first fit for a
 * run of pages at a given alignment, which serves both single pages (page
 * tables) and large contiguous blocks (guest memory). Not locked: the
 * monitor's wrapper (vmm/host/mm.c) serialises callers. Builds on the host.
 */
#ifndef UNUM_VMM_HOST_PMM_H
#define UNUM_VMM_HOST_PMM_H

#include "vmm/host/bootinfo.h"

/* Turns a physical address into a pointer the caller can use. */
typedef void *(*pmm_map_fn)(hpa_t pa);

struct pmm {
	u64 *bitmap; /* bit set: page in use or not RAM */
	u64 npages;  /* pages covered by the bitmap */
	u64 free_pages;
	u64 usable_pages; /* usable RAM in the map, reserved parts included */
	u64 next_hint;	  /* where the next single-page search starts */
	hpa_t bitmap_pa;
	pmm_map_fn map;
};

/*
 * Builds the allocator. The bitmap itself is placed in free usable memory
 * below place_limit (memory the caller can already address through map).
 * Page 0 is never handed out, so 0 can mean "no page".
 * Returns 0, -E_INVAL for an empty map, -E_NOMEM if the bitmap fits nowhere.
 */
int pmm_init(struct pmm *pm, const struct mem_range *mem, u32 nmem,
	     const struct mem_range *reserved, u32 nreserved, hpa_t place_limit, pmm_map_fn map);

/* npages contiguous pages aligned to align_pages (a power of two); 0 if none. */
hpa_t pmm_alloc(struct pmm *pm, u64 npages, u64 align_pages);
/* Returns 0, or -E_INVAL if any page was not allocated (double free, bad range). */
int pmm_free(struct pmm *pm, hpa_t pa, u64 npages);
bool pmm_page_used(const struct pmm *pm, hpa_t pa);

#endif
