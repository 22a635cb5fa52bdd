/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A fake host memory of FAKE_POOL_PAGES pages for the nested page-table tests
 * (struct nested's alloc_page, free_page and map): page 0 is never handed out, so
 * 0 means "out of memory"; allocations and frees are counted.
 */
#ifndef UNUM_TESTS_UNIT_FAKE_POOL_H
#define UNUM_TESTS_UNIT_FAKE_POOL_H

#include "vmm/lib/types.h"
#include "vmm/virt/nested.h"

#define FAKE_POOL_PAGES 64

extern int fake_pool_allocs, fake_pool_frees;

/* Empties the pool (allocating it the first time) and zeroes the counts. */
void fake_pool_reset(void);
hpa_t fake_alloc(void *ctx);
void fake_free(hpa_t pa, void *ctx);
void *fake_map(hpa_t pa, void *ctx);
/* Empties the pool and makes *n an empty space of format fmt in it: nested_init's result. */
int fake_pool_nested(struct nested *n, const struct nested_format *fmt);
/* The entry for gpa in the table at table, at level (4 is the root's, 1 the 4 KiB leaves'). */
u64 fake_pool_entry(hpa_t table, gpa_t gpa, int level);

#endif
