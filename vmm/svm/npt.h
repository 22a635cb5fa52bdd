/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Nested page tables for SVM: a four-level table in the long-mode page
 * format (AMD APM vol. 2 section 15.25) mapping guest-physical to
 * host-physical addresses. Guest accesses are checked as user accesses
 * (section 15.25.5), so every entry sets U/S. Pages are 4 KiB or 2 MiB;
 * npt_protect() splits a 2 MiB page when one of its 4 KiB pages needs other
 * rights (the DSM does that). Host-testable: table pages come from a
 * caller-supplied allocator.
 */
#ifndef UNUM_VMM_SVM_NPT_H
#define UNUM_VMM_SVM_NPT_H

#include "vmm/lib/types.h"

#define NPT_R	1u /* readable (present) */
#define NPT_W	2u
#define NPT_X	4u
#define NPT_RWX (NPT_R | NPT_W | NPT_X)

#define NPT_4K (1ULL << 12)
#define NPT_2M (1ULL << 21)

struct npt {
	hpa_t root;
	hpa_t (*alloc_page)(void *ctx); /* a zeroed page, or 0 */
	void (*free_page)(hpa_t pa, void *ctx);
	void *(*map)(hpa_t pa, void *ctx);
	void *ctx;
	u64 table_pages;
};

/* Returns 0 or -E_NOMEM. */
int npt_init(struct npt *n);
/* Maps [gpa, gpa+size) to hpa; size is NPT_4K or NPT_2M and both are aligned to it.
 * Returns 0, -E_INVAL (alignment), -E_EXIST (something mapped there) or -E_NOMEM. */
int npt_map(struct npt *n, gpa_t gpa, hpa_t hpa, u64 size, u32 prot);
/* Changes the rights of the 4 KiB page at gpa (prot 0: not present). -E_NOENT if unmapped. */
int npt_protect(struct npt *n, gpa_t gpa, u32 prot);
/* Finds the mapping of gpa: host address, rights and page size. -E_NOENT if none. */
int npt_lookup(const struct npt *n, gpa_t gpa, hpa_t *hpa, u32 *prot, u64 *size);
/* Frees every table page (not the memory mapped). */
void npt_destroy(struct npt *n);

#endif
