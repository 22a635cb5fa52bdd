// SPDX-License-Identifier: GPL-2.0-only
/*
 * Node memory set-up and the locked allocator interface (see vmm/host/mm.h).
 */
#include "vmm/host/mm.h"
#include "vmm/lib/klib.h"
#include "vmm/host/log.h"
#include "vmm/host/paging.h"
#include "vmm/host/panic.h"
#include "vmm/host/pmm.h"
#include "vmm/host/spinlock.h"

extern char __image_start[], __image_end[];

static struct pmm node_pmm;
static struct spinlock mm_lock = SPINLOCK_INIT("mm");
static struct mem_range mm_reserved[BOOT_MAX_RESERVED + BOOT_MAX_MODS + 2];

static void *mm_map(hpa_t pa)
{
	return hpa_to_ptr(pa);
}

static u32 mm_collect_reserved(const struct boot_info *bi)
{
	u32 n = 0;

	mm_reserved[n++] = (struct mem_range){ 0, 1ULL << 20, MEM_RESERVED };
	mm_reserved[n++] = (struct mem_range){ ptr_to_hpa(__image_start),
					       ptr_to_hpa(__image_end) - ptr_to_hpa(__image_start),
					       MEM_RESERVED };
	for (u32 i = 0; i < bi->nmods; i++)
		mm_reserved[n++] =
			(struct mem_range){ bi->mods[i].start, bi->mods[i].end - bi->mods[i].start,
					    MEM_RESERVED };
	for (u32 i = 0; i < bi->nreserved; i++)
		mm_reserved[n++] = bi->reserved[i];
	return n;
}

/* The map, with RAM past what one PDPT can map cut off (and said so). */
static u32 mm_clip_map(const struct boot_info *bi, struct mem_range *out)
{
	u32 n = 0;

	for (u32 i = 0; i < bi->nmem; i++) {
		struct mem_range r = bi->mem[i];
		if (r.base >= PAGING_LIMIT) {
			if (r.type != MEM_USABLE)
				continue;
			pr_warn("mm: ignoring memory at %#llx: only the first %llu GiB are used\n",
				(unsigned long long)r.base, PAGING_LIMIT >> 30);
			continue;
		}
		if (r.base + r.len > PAGING_LIMIT)
			r.len = PAGING_LIMIT - r.base;
		out[n++] = r;
	}
	return n;
}

int mm_init(const struct boot_info *bi)
{
	static struct mem_range map[BOOT_MAX_MEM];
	u32 nres = mm_collect_reserved(bi), nmap = mm_clip_map(bi, map);
	int rc = pmm_init(&node_pmm, map, nmap, mm_reserved, nres, 4ULL << 30, mm_map);

	if (rc) {
		pr_err("mm: cannot build the page allocator from the memory map (error %d): %s\n",
		       rc,
		       rc == -E_NOMEM ? "no free usable memory below 4 GiB for its bitmap"
				      : "no usable memory");
		return rc;
	}
	rc = paging_map_ram((hpa_t)node_pmm.npages << PAGE_SHIFT);
	if (rc)
		pr_err("mm: no memory for the page tables mapping RAM above 4 GiB\n");
	return rc;
}

hpa_t page_alloc(u64 npages, u64 align_pages)
{
	hpa_t pa;

	spin_lock(&mm_lock);
	pa = pmm_alloc(&node_pmm, npages, align_pages);
	spin_unlock(&mm_lock);
	if (pa)
		memset(hpa_to_ptr(pa), 0, npages * PAGE_SIZE);
	return pa;
}

void page_free(hpa_t pa, u64 npages)
{
	int rc;

	spin_lock(&mm_lock);
	rc = pmm_free(&node_pmm, pa, npages);
	spin_unlock(&mm_lock);
	BUG_ON(rc != 0); /* freeing what was not allocated */
}

u64 mm_free_pages(void)
{
	return node_pmm.free_pages;
}

u64 mm_usable_pages(void)
{
	return node_pmm.usable_pages;
}
