// SPDX-License-Identifier: GPL-2.0-only
/*
 * The nested page-table walker (see vmm/virt/nested.h); the entries' bits come from the
 * back end's struct nested_format.
 */
#include "vmm/virt/nested.h"
#include "vmm/lib/klib.h"

static u64 *table(const struct nested *n, hpa_t pa)
{
	return n->map(pa, n->ctx);
}

static unsigned index_at(gpa_t gpa, int level)
{
	return (unsigned)(gpa >> (12 + 9 * (level - 1))) & 511;
}

static bool is_leaf(const struct nested *n, u64 e, int level)
{
	return (e & n->fmt->leaf_bit) && (level == 1 || (e & n->fmt->large_bit));
}

static u64 leaf(const struct nested *n, hpa_t hpa, u32 prot, bool large)
{
	return hpa | n->fmt->leaf_bits(prot, large) | n->fmt->leaf_bit |
	       (large ? n->fmt->large_bit : 0);
}

int nested_init(struct nested *n)
{
	n->table_pages = 0;
	n->root = n->alloc_page(n->ctx);
	if (!n->root)
		return -E_NOMEM;
	n->table_pages = 1;
	return 0;
}

/* The entry for gpa at level (1: 4K, 2: 2M), creating tables on the way down. */
static u64 *walk_create(struct nested *n, gpa_t gpa, int level)
{
	u64 *t = table(n, n->root);

	for (int l = 4; l > level; l--) {
		u64 *e = &t[index_at(gpa, l)];
		if (is_leaf(n, *e, l))
			return NULL; /* a larger page is in the way */
		if (!(*e & n->fmt->used_mask)) {
			hpa_t pa = n->alloc_page(n->ctx);
			if (!pa)
				return NULL;
			n->table_pages++;
			*e = pa | n->fmt->table_bits;
		}
		t = table(n, *e & n->fmt->addr_mask);
	}
	return &t[index_at(gpa, level)];
}

int nested_map(struct nested *n, gpa_t gpa, hpa_t hpa, u64 size, u32 prot)
{
	int level = size == SPACE_2M ? 2 : 1;
	u64 *e;

	if ((size != SPACE_4K && size != SPACE_2M) || (gpa | hpa) & (size - 1))
		return -E_INVAL;
	e = walk_create(n, gpa, level);
	if (!e)
		return -E_NOMEM; /* or blocked by a large page: both mean "cannot map here" */
	if (*e & (n->fmt->used_mask | n->fmt->leaf_bit))
		return -E_EXIST;
	*e = leaf(n, hpa, prot, level == 2);
	return 0;
}

/* Walks to the leaf for gpa; sets *level. NULL if nothing maps it. */
static u64 *walk_find(const struct nested *n, gpa_t gpa, int *level)
{
	u64 *t = table(n, n->root);

	for (int l = 4; l >= 1; l--) {
		u64 *e = &t[index_at(gpa, l)];
		if (is_leaf(n, *e, l)) {
			*level = l;
			return e;
		}
		if (!(*e & n->fmt->used_mask) || l == 1)
			return NULL;
		t = table(n, *e & n->fmt->addr_mask);
	}
	return NULL;
}

/* Replaces the 2 MiB leaf *e with a table of 512 4 KiB leaves of the same rights. */
static int split_2m(struct nested *n, u64 *e)
{
	hpa_t pa = n->alloc_page(n->ctx);
	u64 *t, base = *e & n->fmt->addr_mask & ~(SPACE_2M - 1);
	u32 prot = n->fmt->leaf_prot(*e);

	if (!pa)
		return -E_NOMEM;
	n->table_pages++;
	t = table(n, pa);
	for (u64 i = 0; i < 512; i++)
		t[i] = leaf(n, base + i * SPACE_4K, prot, false);
	*e = pa | n->fmt->table_bits;
	return 0;
}

/* Splits the 2 MiB leaf *e that maps gpa; *e is then gpa's 4 KiB leaf. */
static int split_around(struct nested *n, gpa_t gpa, u64 **e, int *level)
{
	int rc = split_2m(n, *e);

	if (rc)
		return rc;
	*e = walk_find(n, gpa, level);
	return 0;
}

int nested_protect_written(struct nested *n, gpa_t gpa, u32 prot, int *written)
{
	int level, rc;
	u64 *e = walk_find(n, gpa, &level), old;
	bool large;

	if (written)
		*written = -1;
	if (!e)
		return -E_NOENT;
	if (level == 2 && n->fmt->leaf_prot(*e) != prot && (rc = split_around(n, gpa, &e, &level)))
		return rc;
	large = level == 2;
	/* (one exchange: a mark the CPU sets between reading the entry and replacing it is
	 * not lost) */
	old = __atomic_exchange_n(e, leaf(n, *e & n->fmt->addr_mask, prot, large),
				  __ATOMIC_RELAXED);
	if (written && n->fmt->dirty_bit && !large)
		*written = (old & n->fmt->dirty_bit) ? 1 : 0;
	return 0;
}

int nested_protect(struct nested *n, gpa_t gpa, u32 prot)
{
	return nested_protect_written(n, gpa, prot, NULL);
}

int nested_unmap(struct nested *n, gpa_t gpa)
{
	int level, rc;
	u64 *e = walk_find(n, gpa, &level);

	if (!e)
		return -E_NOENT;
	if (level == 2 && (rc = split_around(n, gpa, &e, &level)))
		return rc;
	*e = 0;
	return 0;
}

int nested_test_clear_accessed(struct nested *n, gpa_t gpa)
{
	int level;
	u64 *e = walk_find(n, gpa, &level);
	u64 bit = n->fmt->accessed_bit;

	if (!e)
		return -E_NOENT;
	/* (atomic: the CPU sets bits in the same entry with locked writes) */
	return bit && (__atomic_fetch_and(e, ~bit, __ATOMIC_RELAXED) & bit) ? 1 : 0;
}

int nested_page_used(struct nested *n, gpa_t gpa)
{
	int level;
	u64 *e = walk_find(n, gpa, &level);
	u64 bit = n->fmt->accessed_bit;

	if (!e || !bit || level == 2)
		return -1; /* (a 2 MiB leaf's mark is any of its 512 pages') */
	return (__atomic_fetch_and(e, ~bit, __ATOMIC_RELAXED) & bit) ? 1 : 0;
}

int nested_lookup(const struct nested *n, gpa_t gpa, hpa_t *hpa, u32 *prot, u64 *size)
{
	int level;
	u64 *e = walk_find(n, gpa, &level);
	u64 sz;

	if (!e)
		return -E_NOENT;
	sz = level == 2 ? SPACE_2M : SPACE_4K;
	*hpa = (*e & n->fmt->addr_mask & ~(sz - 1)) + (gpa & (sz - 1));
	*prot = n->fmt->leaf_prot(*e);
	*size = sz;
	return 0;
}

int nested_rights(const struct nested *n, gpa_t gpa)
{
	hpa_t hpa;
	u32 prot;
	u64 size;
	int rc = nested_lookup(n, gpa, &hpa, &prot, &size);

	return rc ? rc : (int)prot;
}

static void free_level(struct nested *n, hpa_t pa, int level)
{
	u64 *t = table(n, pa);

	for (int i = 0; i < 512 && level > 1; i++)
		if ((t[i] & n->fmt->used_mask) && !is_leaf(n, t[i], level))
			free_level(n, t[i] & n->fmt->addr_mask, level - 1);
	n->free_page(pa, n->ctx);
}

void nested_destroy(struct nested *n)
{
	if (n->root)
		free_level(n, n->root, 4);
	n->root = 0;
	n->table_pages = 0;
}
