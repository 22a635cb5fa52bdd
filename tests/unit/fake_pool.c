// SPDX-License-Identifier: GPL-2.0-only
/*
 * The nested page-table tests' fake host memory (see tests/unit/fake_pool.h).
 */
#include "tests/unit/fake_pool.h"

#include <stdlib.h>
#include <string.h>

static u8 (*pool)[4096];
static int used[FAKE_POOL_PAGES];
int fake_pool_allocs, fake_pool_frees;

void fake_pool_reset(void)
{
	if (!pool)
		pool = calloc(FAKE_POOL_PAGES, 4096);
	memset(used, 0, sizeof(used));
	fake_pool_allocs = fake_pool_frees = 0;
}

hpa_t fake_alloc(void *ctx)
{
	(void)ctx;
	for (int i = 1; i < FAKE_POOL_PAGES; i++)
		if (!used[i]) {
			used[i] = 1;
			fake_pool_allocs++;
			memset(pool[i], 0, 4096);
			return (hpa_t)i << 12;
		}
	return 0;
}

void fake_free(hpa_t pa, void *ctx)
{
	(void)ctx;
	used[pa >> 12] = 0;
	fake_pool_frees++;
}

void *fake_map(hpa_t pa, void *ctx)
{
	(void)ctx;
	return pool[pa >> 12];
}

int fake_pool_nested(struct nested *n, const struct nested_format *fmt)
{
	fake_pool_reset();
	*n = (struct nested){ .fmt = fmt, .alloc_page = fake_alloc, .free_page = fake_free,
			      .map = fake_map };
	return nested_init(n);
}

u64 fake_pool_entry(hpa_t table, gpa_t gpa, int level)
{
	return ((u64 *)fake_map(table, NULL))[(gpa >> (12 + 9 * (level - 1))) & 511];
}
