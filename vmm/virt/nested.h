/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Nested page tables, shared by the back ends: a four-level table (9 bits a level, 4 KiB
 * tables, as both AMD's NPT and Intel's EPT) mapping guest-physical to host-physical
 * addresses. Only the entries' format is the back end's (struct nested_format: vmm/svm/npt.c
 * for AMD). Pages are 4 KiB or 2 MiB; nested_protect() splits a 2 MiB page when one of its
 * 4 KiB pages needs other rights (the DSM does that). A leaf whose rights are all taken
 * away keeps its frame, marked by the format's software bit, so rights can come back.
 * Host-testable: table pages come from a caller-supplied allocator.
 */
#ifndef UNUM_VMM_VIRT_NESTED_H
#define UNUM_VMM_VIRT_NESTED_H

#include "vmm/lib/types.h"

/* Rights in a nested address space. */
#define SPACE_R	  1u
#define SPACE_W	  2u
#define SPACE_X	  4u
#define SPACE_RWX 7u
#define SPACE_4K  (1ULL << 12)
#define SPACE_2M  (1ULL << 21)

/* The back end's entry format. */
struct nested_format {
	u64 addr_mask;	  /* the frame address bits of an entry */
	u64 table_bits;	  /* what a non-leaf entry carries besides the address */
	u64 used_mask;	  /* an entry with any of these bits points to a table (or is a leaf) */
	u64 large_bit;	  /* a 2 MiB leaf at level 2 */
	u64 leaf_bit;	  /* a software-available bit: this entry is a leaf, rights or not */
	u64 accessed_bit; /* the bit the CPU sets in a leaf it uses; 0: the format has none */
	u64 dirty_bit;	  /* the bit the CPU sets in a leaf it writes through; 0: none */
	/* A leaf's bits besides its address, for rights prot (SPACE_*). */
	u64 (*leaf_bits)(u32 prot, bool large);
	/* The rights a leaf gives. */
	u32 (*leaf_prot)(u64 e);
};

struct nested {
	const struct nested_format *fmt;
	hpa_t root;
	hpa_t (*alloc_page)(void *ctx); /* a zeroed page, or 0 */
	void (*free_page)(hpa_t pa, void *ctx);
	void *(*map)(hpa_t pa, void *ctx);
	void *ctx;
	u64 table_pages;
};

/* Returns 0 or -E_NOMEM. */
int nested_init(struct nested *n);
/* Maps [gpa, gpa+size) to hpa; size is SPACE_4K or SPACE_2M and both are aligned to it.
 * Returns 0, -E_INVAL (alignment), -E_EXIST (something mapped there) or -E_NOMEM. */
int nested_map(struct nested *n, gpa_t gpa, hpa_t hpa, u64 size, u32 prot);
/* Changes the rights of the 4 KiB page at gpa (prot 0: no access). -E_NOENT if unmapped.
 * The entry starts afresh: the CPU's accessed and dirty marks are cleared. */
int nested_protect(struct nested *n, gpa_t gpa, u32 prot);
/* nested_protect(), also saying in *written whether the entry it replaced had the dirty
 * mark (1, 0, or -1 if the format has none or a 2 MiB leaf maps gpa), read in the same
 * atomic exchange. */
int nested_protect_written(struct nested *n, gpa_t gpa, u32 prot, int *written);
/* Removes the 4 KiB mapping at gpa (splitting a 2 MiB page around it): nothing is left
 * there, not even the frame's address. The caller flushes as for a rights change.
 * 0, -E_NOENT if unmapped, -E_NOMEM. */
int nested_unmap(struct nested *n, gpa_t gpa);
/* Has the CPU used the 4 KiB page at gpa since the last call (or since its rights last
 * changed)? Clears the mark: 1 used, 0 not or the format cannot tell, -E_NOENT. A CPU
 * may go on using a cached translation without marking it again until its TLB is
 * flushed, so a page can look unused when it is not: good enough to choose what to
 * evict, never a correctness signal. */
int nested_test_clear_accessed(struct nested *n, gpa_t gpa);
/* As nested_test_clear_accessed() for the one 4 KiB page at gpa: 1 used, 0 not, -1 if it
 * cannot tell (the format has no mark, nothing is mapped, or a 2 MiB leaf maps it). */
int nested_page_used(struct nested *n, gpa_t gpa);
/* Finds the mapping of gpa: host address, rights and page size. -E_NOENT if none. */
int nested_lookup(const struct nested *n, gpa_t gpa, hpa_t *hpa, u32 *prot, u64 *size);
/* The rights gpa is mapped with now (SPACE_*), or -E_NOENT. */
int nested_rights(const struct nested *n, gpa_t gpa);
/* Frees every table page (not the memory mapped). */
void nested_destroy(struct nested *n);

#endif
