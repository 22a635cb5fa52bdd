// SPDX-License-Identifier: GPL-2.0-only
/*
 * Bitmap page allocator (see vmm/host/pmm.h). Searches skip whole 64-page words
 * that are full, which keeps single-page allocation cheap even with gigabytes
 * of memory; contiguous runs are found by a linear scan, fine for the few
 * large allocations a node makes at start.
 */
#include "vmm/host/pmm.h"
#include "vmm/lib/klib.h"

static bool bit_test(const struct pmm *pm, u64 pfn)
{
	return pm->bitmap[pfn / 64] & (1ULL << (pfn % 64));
}

static void bits_set(struct pmm *pm, u64 pfn, u64 n, bool used)
{
	for (u64 i = pfn; i < pfn + n && i < pm->npages; i++) {
		u64 mask = 1ULL << (i % 64);
		if (used && !(pm->bitmap[i / 64] & mask)) {
			pm->bitmap[i / 64] |= mask;
			pm->free_pages--;
		} else if (!used && (pm->bitmap[i / 64] & mask)) {
			pm->bitmap[i / 64] &= ~mask;
			pm->free_pages++;
		}
	}
}

/* Page frames wholly inside [base, base+len) (usable) or touching it (reserved). */
static void range_pfns(const struct mem_range *r, bool inner, u64 *first, u64 *end)
{
	u64 lo = r->base, hi = r->base + r->len;

	*first = inner ? ALIGN_UP(lo, PAGE_SIZE) >> PAGE_SHIFT : lo >> PAGE_SHIFT;
	*end = inner ? hi >> PAGE_SHIFT : ALIGN_UP(hi, PAGE_SIZE) >> PAGE_SHIFT;
	if (*end < *first)
		*end = *first;
}

/* Finds room for the bitmap: usable, below place_limit, clear of every reserved range. */
static hpa_t place_bitmap(const struct mem_range *mem, u32 nmem, const struct mem_range *res,
			  u32 nres, u64 bytes, hpa_t limit)
{
	for (u32 i = 0; i < nmem; i++) {
		u64 first, end;
		if (mem[i].type != MEM_USABLE)
			continue;
		range_pfns(&mem[i], true, &first, &end);
		for (hpa_t pa = MAX(first << PAGE_SHIFT, PAGE_SIZE);
		     pa + bytes <= (end << PAGE_SHIFT) && pa + bytes <= limit; pa += PAGE_SIZE) {
			bool clash = false;
			for (u32 j = 0; j < nres && !clash; j++)
				clash = pa < res[j].base + res[j].len && res[j].base < pa + bytes;
			if (!clash)
				return pa;
		}
	}
	return 0;
}

int pmm_init(struct pmm *pm, const struct mem_range *mem, u32 nmem,
	     const struct mem_range *reserved, u32 nreserved, hpa_t place_limit, pmm_map_fn map)
{
	u64 top = 0, bytes, first, end;

	memset(pm, 0, sizeof(*pm));
	for (u32 i = 0; i < nmem; i++)
		if (mem[i].type == MEM_USABLE)
			top = MAX(top, mem[i].base + mem[i].len);
	if (top < 2 * PAGE_SIZE)
		return -E_INVAL;
	pm->npages = top >> PAGE_SHIFT;
	bytes = ALIGN_UP((pm->npages + 63) / 64 * 8, PAGE_SIZE);
	pm->bitmap_pa = place_bitmap(mem, nmem, reserved, nreserved, bytes, place_limit);
	if (!pm->bitmap_pa)
		return -E_NOMEM;
	pm->map = map;
	pm->bitmap = map(pm->bitmap_pa);
	memset(pm->bitmap, 0xff, bytes);
	for (u32 i = 0; i < nmem; i++) {
		if (mem[i].type != MEM_USABLE)
			continue;
		range_pfns(&mem[i], true, &first, &end);
		bits_set(pm, first, end - first, false);
	}
	pm->usable_pages = pm->free_pages;
	/* Overlapping map entries (reserved inside usable) win as reserved. */
	for (u32 i = 0; i < nmem; i++) {
		if (mem[i].type == MEM_USABLE)
			continue;
		range_pfns(&mem[i], false, &first, &end);
		bits_set(pm, first, end - first, true);
	}
	for (u32 i = 0; i < nreserved; i++) {
		range_pfns(&reserved[i], false, &first, &end);
		bits_set(pm, first, end - first, true);
	}
	bits_set(pm, 0, 1, true);
	bits_set(pm, pm->bitmap_pa >> PAGE_SHIFT, bytes >> PAGE_SHIFT, true);
	return 0;
}

static bool run_free(const struct pmm *pm, u64 pfn, u64 n)
{
	for (u64 i = pfn; i < pfn + n; i++)
		if (bit_test(pm, i))
			return false;
	return true;
}

hpa_t pmm_alloc(struct pmm *pm, u64 npages, u64 align_pages)
{
	u64 start = npages == 1 ? pm->next_hint : 0;

	if (npages == 0 || npages > pm->free_pages || !align_pages ||
	    (align_pages & (align_pages - 1)))
		return 0;
	for (int pass = 0; pass < 2; pass++, start = 0) {
		for (u64 pfn = ALIGN_UP(start, align_pages); pfn + npages <= pm->npages;
		     pfn += align_pages) {
			if (align_pages == 1 && pm->bitmap[pfn / 64] == ~0ULL) {
				pfn = (pfn | 63); /* whole word used: skip it */
				continue;
			}
			if (!run_free(pm, pfn, npages))
				continue;
			bits_set(pm, pfn, npages, true);
			if (npages == 1)
				pm->next_hint = pfn + 1;
			return (hpa_t)pfn << PAGE_SHIFT;
		}
	}
	return 0;
}

int pmm_free(struct pmm *pm, hpa_t pa, u64 npages)
{
	u64 pfn = pa >> PAGE_SHIFT;

	if ((pa & (PAGE_SIZE - 1)) || pfn == 0 || pfn + npages > pm->npages || pfn + npages < pfn)
		return -E_INVAL;
	for (u64 i = pfn; i < pfn + npages; i++)
		if (!bit_test(pm, i))
			return -E_INVAL;
	bits_set(pm, pfn, npages, false);
	if (pfn < pm->next_hint)
		pm->next_hint = pfn;
	return 0;
}

bool pmm_page_used(const struct pmm *pm, hpa_t pa)
{
	u64 pfn = pa >> PAGE_SHIFT;

	return pfn >= pm->npages || bit_test(pm, pfn);
}
