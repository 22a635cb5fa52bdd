// SPDX-License-Identifier: GPL-2.0-only
/*
 * The EPT entry format (see vmm/vmx/ept.h). Bits 0-2 give read, write and
 * execute rights at every level; a leaf adds its memory type in bits 3-5
 * (write-back: the guest's PAT still combines with it, as bit 6 stays clear).
 * A leaf without rights keeps its address with bits 0-2 clear and the ignored
 * bit 11 set, so rights can be taken away and given back. Write without read
 * is a misconfiguration (table 29-6 note), so write rights always come with read.
 */
#include "vmm/vmx/ept.h"

#define EPT_R	      (1ULL << 0)
#define EPT_W	      (1ULL << 1)
#define EPT_X	      (1ULL << 2)
#define EPT_MEMTYPE_WB (6ULL << 3)
#define EPT_LARGE     (1ULL << 7)
#define EPT_SOFT11    (1ULL << 11) /* ignored by the CPU: a leaf */

static u64 ept_leaf_bits(u32 prot, bool large)
{
	u64 e = EPT_MEMTYPE_WB;

	(void)large; /* (the walker adds the large-page bit) */
	if (prot & (SPACE_R | SPACE_W))
		e |= EPT_R;
	if (prot & SPACE_W)
		e |= EPT_W;
	if ((prot & SPACE_X) && (prot & (SPACE_R | SPACE_W)))
		e |= EPT_X; /* (execute-only pages are not used) */
	return e;
}

static u32 ept_leaf_prot(u64 e)
{
	if (!(e & EPT_R))
		return 0;
	return SPACE_R | ((e & EPT_W) ? SPACE_W : 0) | ((e & EPT_X) ? SPACE_X : 0);
}

u64 ept_pointer(hpa_t root)
{
	return (root & 0x000ffffffffff000ULL) | ((4 - 1) << 3) | 6; /* (bit 6: no A/D) */
}

struct ept_violation ept_violation_of(u64 q)
{
	struct ept_violation v = {
		.write = q & (1u << 1),
		.fetch = q & (1u << 2),
		.walk = (q & (1u << 7)) && !(q & (1u << 8)),
	};

	return v;
}

const struct nested_format ept_format = {
	.addr_mask = 0x000ffffffffff000ULL,
	.table_bits = EPT_R | EPT_W | EPT_X,
	.used_mask = EPT_R | EPT_W | EPT_X,
	.large_bit = EPT_LARGE,
	.leaf_bit = EPT_SOFT11,
	.leaf_bits = ept_leaf_bits,
	.leaf_prot = ept_leaf_prot,
};
