// SPDX-License-Identifier: GPL-2.0-only
/*
 * The NPT entry format (see vmm/svm/npt.h): AMD APM vol. 2 section 5.3.3, long-mode
 * 4-Kbyte and 2-Mbyte translations. A leaf without rights keeps its address with P clear
 * and the software bit 9 set, so rights can be taken away and given back.
 */
#include "vmm/svm/npt.h"

#define PTE_P	 (1ULL << 0)
#define PTE_W	 (1ULL << 1)
#define PTE_U	 (1ULL << 2)
#define PTE_A	 (1ULL << 5)
#define PTE_D	 (1ULL << 6)
#define PTE_PS	 (1ULL << 7)
#define PTE_AVL9 (1ULL << 9) /* software-available: a leaf */
#define PTE_NX	 (1ULL << 63)

static u64 npt_leaf_bits(u32 prot, bool large)
{
	/* (A and D clear: the CPU marks the pages it uses and writes, for the DSM's cache and
	 * its prefetch) */
	u64 e = PTE_U;

	if (prot & SPACE_R)
		e |= PTE_P;
	if (prot & SPACE_W)
		e |= PTE_W;
	if (!(prot & SPACE_X))
		e |= PTE_NX;
	return e;
}

static u32 npt_leaf_prot(u64 e)
{
	if (!(e & PTE_P))
		return 0;
	return SPACE_R | ((e & PTE_W) ? SPACE_W : 0) | ((e & PTE_NX) ? 0 : SPACE_X);
}

const struct nested_format npt_format = {
	.addr_mask = 0x000ffffffffff000ULL,
	.table_bits = PTE_P | PTE_W | PTE_U,
	.used_mask = PTE_P,
	.large_bit = PTE_PS,
	.leaf_bit = PTE_AVL9,
	.accessed_bit = PTE_A,
	.dirty_bit = PTE_D,
	.leaf_bits = npt_leaf_bits,
	.leaf_prot = npt_leaf_prot,
};
