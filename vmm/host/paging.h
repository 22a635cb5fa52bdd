/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The monitor's own address space: identity-mapped (virtual == physical),
 * 2 MiB pages. boot/entry.S maps the first 4 GiB; paging_map_ram() extends
 * the map to all RAM, and paging_set_uncached() marks device ranges (LAPIC,
 * IOAPIC, PCI BARs) uncacheable; paging_map_device() maps device ranges above
 * 4 GiB.
 */
#ifndef UNUM_VMM_HOST_PAGING_H
#define UNUM_VMM_HOST_PAGING_H

#include "vmm/lib/types.h"

#define PAGING_LIMIT (512ULL << 30) /* one PDPT: 512 GiB */

void paging_set_uncached(hpa_t base, u64 len);
/* Device memory anywhere in the lower half of the address space (UEFI firmware puts
 * 64-bit PCI BARs high: OVMF at 0xe000000000), identity-mapped uncacheable with
 * 2 MiB pages; returns 0, -E_RANGE, or -E_NOMEM. */
#define PAGING_DEVICE_LIMIT (1ULL << 47)
int paging_map_device(hpa_t base, u64 len);
/* Maps [4 GiB, top); returns 0, -E_RANGE past PAGING_LIMIT, or -E_NOMEM. */
int paging_map_ram(hpa_t top);

static inline void *hpa_to_ptr(hpa_t pa)
{
	return (void *)(uintptr_t)pa;
}
static inline hpa_t ptr_to_hpa(const void *p)
{
	return (hpa_t)(uintptr_t)p;
}

#endif
