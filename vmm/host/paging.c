// SPDX-License-Identifier: GPL-2.0-only
/*
 * Extending and adjusting the monitor's identity map (see vmm/host/paging.h).
 * Page-table formats: AMD APM vol. 2 section 5.3 (long-mode 2-Mbyte pages).
 */
#include "vmm/host/paging.h"
#include "vmm/lib/klib.h"
#include "vmm/host/mm.h"
#include "vmm/lib/x86.h"

#define PTE_P	 0x001ULL
#define PTE_W	 0x002ULL
#define PTE_PWT	 0x008ULL
#define PTE_PCD	 0x010ULL
#define PTE_PS	 0x080ULL
#define PDE_SIZE (2ULL << 20)

extern u64 boot_pml4[512];
extern u64 boot_pdpt[512];
extern u64 boot_pd[4 * 512];

void paging_set_uncached(hpa_t base, u64 len)
{
	for (hpa_t pa = ALIGN_DOWN(base, PDE_SIZE); pa < base + len && pa < (4ULL << 30);
	     pa += PDE_SIZE)
		boot_pd[pa / PDE_SIZE] |= PTE_PCD | PTE_PWT;
	write_cr3(read_cr3()); /* flush: the old attributes may be cached in the TLB */
}

int paging_map_ram(hpa_t top)
{
	if (top > PAGING_LIMIT)
		return -E_RANGE;
	for (u64 gib = 4; gib < ALIGN_UP(top, 1ULL << 30) >> 30; gib++) {
		hpa_t pd_pa;
		u64 *pd;
		if (boot_pdpt[gib] & PTE_P)
			continue;
		pd_pa = page_alloc(1, 1);
		if (!pd_pa)
			return -E_NOMEM;
		pd = hpa_to_ptr(pd_pa);
		for (u64 i = 0; i < 512; i++)
			pd[i] = ((gib << 30) + i * PDE_SIZE) | PTE_P | PTE_W | PTE_PS;
		boot_pdpt[gib] = pd_pa | PTE_P | PTE_W;
	}
	write_cr3(read_cr3());
	return 0;
}

/* The next-level table an entry points to, made (zeroed) if absent; NULL when out of
 * memory, or when the entry maps a large page itself (the monitor maps no 1 GiB page:
 * a bug). */
static u64 *table_of(u64 *entry)
{
	hpa_t pa;

	if ((*entry & (PTE_P | PTE_PS)) == (PTE_P | PTE_PS))
		return NULL;
	if (*entry & PTE_P)
		return hpa_to_ptr(*entry & 0x000ffffffffff000ULL);
	pa = page_alloc(1, 1);
	if (!pa)
		return NULL;
	memset(hpa_to_ptr(pa), 0, PAGE_SIZE);
	*entry = pa | PTE_P | PTE_W;
	return hpa_to_ptr(pa);
}

int paging_map_device(hpa_t base, u64 len)
{
	if (len == 0 || base + len < base || base + len > PAGING_DEVICE_LIMIT)
		return -E_RANGE;
	if (base + len <= (4ULL << 30)) {
		paging_set_uncached(base, len);
		return 0;
	}
	for (hpa_t pa = ALIGN_DOWN(base, PDE_SIZE); pa < base + len; pa += PDE_SIZE) {
		u64 *pdpt = table_of(&boot_pml4[(pa >> 39) & 511]);
		u64 *pd = pdpt ? table_of(&pdpt[(pa >> 30) & 511]) : NULL;
		if (!pd)
			return -E_NOMEM;
		pd[(pa >> 21) & 511] = pa | PTE_P | PTE_W | PTE_PS | PTE_PCD | PTE_PWT;
	}
	write_cr3(read_cr3()); /* flush: the old attributes may be cached in the TLB */
	return 0;
}
