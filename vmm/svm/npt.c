// SPDX-License-Identifier: GPL-2.0-only
/*
 * Nested page table builder (see vmm/svm/npt.h). Entry format: AMD APM
 * vol. 2 section 5.3.3 (long-mode 4-Kbyte and 2-Mbyte translations).
 * A "not present" leaf keeps its address with P clear, so npt_protect() can
 * take rights away and give them back without forgetting the frame.
 */
#include "vmm/svm/npt.h"
#include "vmm/lib/klib.h"

#define PTE_P	    (1ULL << 0)
#define PTE_W	    (1ULL << 1)
#define PTE_U	    (1ULL << 2)
#define PTE_A	    (1ULL << 5)
#define PTE_PS	    (1ULL << 7)
#define PTE_NX	    (1ULL << 63)
#define PTE_ADDR    0x000ffffffffff000ULL
#define PTE_KEEP    (1ULL << 9) /* software bit: a leaf with rights removed */
#define TABLE_FLAGS (PTE_P | PTE_W | PTE_U)

static u64 *table(const struct npt *n, hpa_t pa)
{
	return n->map(pa, n->ctx);
}

static unsigned index_at(gpa_t gpa, int level)
{
	return (unsigned)(gpa >> (12 + 9 * (level - 1))) & 511;
}

static u64 leaf_bits(u32 prot, bool large)
{
	u64 e = PTE_U | PTE_A | PTE_KEEP;

	if (prot & NPT_R)
		e |= PTE_P;
	if (prot & NPT_W)
		e |= PTE_W;
	if (!(prot & NPT_X))
		e |= PTE_NX;
	return large ? e | PTE_PS : e;
}

static u32 leaf_prot(u64 e)
{
	u32 prot = 0;

	if (e & PTE_P)
		prot |= NPT_R | ((e & PTE_W) ? NPT_W : 0) | ((e & PTE_NX) ? 0 : NPT_X);
	return prot;
}

static bool is_leaf(u64 e, int level)
{
	return (e & PTE_KEEP) && (level == 1 || (e & PTE_PS));
}

int npt_init(struct npt *n)
{
	n->table_pages = 0;
	n->root = n->alloc_page(n->ctx);
	if (!n->root)
		return -E_NOMEM;
	n->table_pages = 1;
	return 0;
}

/* The entry for gpa at level (1: 4K, 2: 2M), creating tables on the way down. */
static u64 *walk_create(struct npt *n, gpa_t gpa, int level)
{
	u64 *t = table(n, n->root);

	for (int l = 4; l > level; l--) {
		u64 *e = &t[index_at(gpa, l)];
		if (is_leaf(*e, l))
			return NULL; /* a larger page is in the way */
		if (!(*e & PTE_P)) {
			hpa_t pa = n->alloc_page(n->ctx);
			if (!pa)
				return NULL;
			n->table_pages++;
			*e = pa | TABLE_FLAGS;
		}
		t = table(n, *e & PTE_ADDR);
	}
	return &t[index_at(gpa, level)];
}

int npt_map(struct npt *n, gpa_t gpa, hpa_t hpa, u64 size, u32 prot)
{
	int level = size == NPT_2M ? 2 : 1;
	u64 *e;

	if ((size != NPT_4K && size != NPT_2M) || (gpa | hpa) & (size - 1))
		return -E_INVAL;
	e = walk_create(n, gpa, level);
	if (!e)
		return -E_NOMEM; /* or blocked by a large page: both mean "cannot map here" */
	if (*e & (PTE_P | PTE_KEEP))
		return -E_EXIST;
	*e = hpa | leaf_bits(prot, level == 2);
	return 0;
}

/* Walks to the leaf for gpa; sets *level. NULL if nothing maps it. */
static u64 *walk_find(const struct npt *n, gpa_t gpa, int *level)
{
	u64 *t = table(n, n->root);

	for (int l = 4; l >= 1; l--) {
		u64 *e = &t[index_at(gpa, l)];
		if (is_leaf(*e, l)) {
			*level = l;
			return e;
		}
		if (!(*e & PTE_P) || l == 1)
			return NULL;
		t = table(n, *e & PTE_ADDR);
	}
	return NULL;
}

/* Replaces the 2 MiB leaf *e with a table of 512 4 KiB leaves of the same rights. */
static int split_2m(struct npt *n, u64 *e)
{
	hpa_t pa = n->alloc_page(n->ctx);
	u64 *t, base = *e & PTE_ADDR & ~(NPT_2M - 1), bits = *e & ~PTE_ADDR & ~PTE_PS;

	if (!pa)
		return -E_NOMEM;
	n->table_pages++;
	t = table(n, pa);
	for (u64 i = 0; i < 512; i++)
		t[i] = (base + i * NPT_4K) | bits;
	*e = pa | TABLE_FLAGS;
	return 0;
}

int npt_protect(struct npt *n, gpa_t gpa, u32 prot)
{
	int level, rc;
	u64 *e = walk_find(n, gpa, &level);

	if (!e)
		return -E_NOENT;
	if (level == 2 && leaf_prot(*e) != prot) {
		rc = split_2m(n, e);
		if (rc)
			return rc;
		e = walk_find(n, gpa, &level);
	}
	*e = (*e & PTE_ADDR) | leaf_bits(prot, level == 2);
	return 0;
}

int npt_lookup(const struct npt *n, gpa_t gpa, hpa_t *hpa, u32 *prot, u64 *size)
{
	int level;
	u64 *e = walk_find(n, gpa, &level);
	u64 sz;

	if (!e)
		return -E_NOENT;
	sz = level == 2 ? NPT_2M : NPT_4K;
	*hpa = (*e & PTE_ADDR & ~(sz - 1)) + (gpa & (sz - 1));
	*prot = leaf_prot(*e);
	*size = sz;
	return 0;
}

static void free_level(struct npt *n, hpa_t pa, int level)
{
	u64 *t = table(n, pa);

	for (int i = 0; i < 512 && level > 1; i++)
		if ((t[i] & PTE_P) && !is_leaf(t[i], level))
			free_level(n, t[i] & PTE_ADDR, level - 1);
	n->free_page(pa, n->ctx);
}

void npt_destroy(struct npt *n)
{
	if (n->root)
		free_level(n, n->root, 4);
	n->root = 0;
	n->table_pages = 0;
}
