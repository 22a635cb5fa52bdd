// SPDX-License-Identifier: GPL-2.0-only
/*
 * The physical page allocator over a fake 64 MiB "physical memory" with
 * holes and reserved ranges: it never hands out reserved or non-RAM pages,
 * honours alignment, finds contiguous runs, detects double frees, and its
 * accounting adds up.
 */
#include "tests/unit/check.h"
#include "vmm/host/pmm.h"

#include <stdlib.h>

#define MiB	  (1ULL << 20)
#define PHYS_SIZE (64 * MiB)

static unsigned char *phys;
static struct pmm pm;

static void *fake_map(hpa_t pa)
{
	return phys + pa;
}

static const struct mem_range map[] = {
	{ 0, 0x9fc00, MEM_USABLE },	    { 0x9fc00, 0x400, MEM_RESERVED },
	{ 0xf0000, 0x10000, MEM_RESERVED }, { MiB, 47 * MiB, MEM_USABLE },
	{ 48 * MiB, MiB, MEM_RESERVED },    { 49 * MiB, 15 * MiB, MEM_USABLE },
	{ 62 * MiB, 4096, MEM_ACPI_NVS }, /* overlaps usable: reserved wins */
};

static const struct mem_range reserved[] = {
	{ 0, MiB, MEM_RESERVED },	       /* low megabyte */
	{ MiB, MiB, MEM_RESERVED },	       /* the monitor image */
	{ 3 * MiB + 100, 5000, MEM_RESERVED }, /* a module, not page aligned */
};

static int setup(void)
{
	if (!phys)
		phys = calloc(1, PHYS_SIZE);
	return pmm_init(&pm, map, sizeof(map) / sizeof(map[0]), reserved,
			sizeof(reserved) / sizeof(reserved[0]), PHYS_SIZE, fake_map);
}

static bool overlaps(hpa_t pa, u64 len, u64 base, u64 blen)
{
	return pa < base + blen && base < pa + len;
}

TEST(accounting)
{
	CHECK_EQ(setup(), 0);
	/* usable pages: 159 below 640K + 47 MiB + 15 MiB */
	CHECK_EQ(pm.usable_pages, 159 + 47 * 256 + 15 * 256);
	/* free: the 2 MiB from 1 MiB reserved... minus module (2 pages), NVS page, bitmap (1 page) */
	CHECK_EQ(pm.free_pages, 46 * 256 + 15 * 256 - 2 - 1 - 1);
	CHECK(pm.bitmap_pa >= 2 * MiB);
	CHECK(!overlaps(pm.bitmap_pa, 4096, 3 * MiB + 100, 5000));
}

TEST(never_hands_out_reserved_pages)
{
	u64 n = 0;
	hpa_t pa;

	CHECK_EQ(setup(), 0);
	while ((pa = pmm_alloc(&pm, 1, 1)) != 0) {
		n++;
		CHECK(pa % PAGE_SIZE == 0);
		CHECK(pa >= 2 * MiB);
		CHECK(!overlaps(pa, PAGE_SIZE, 3 * MiB + 100, 5000));
		CHECK(!overlaps(pa, PAGE_SIZE, 48 * MiB, MiB));
		CHECK(!overlaps(pa, PAGE_SIZE, 62 * MiB, 4096));
		CHECK(!overlaps(pa, PAGE_SIZE, pm.bitmap_pa, 4096));
		CHECK(pa + PAGE_SIZE <= PHYS_SIZE);
		memset(phys + pa, 0xab, 16); /* ASan would catch a page outside the arena */
		if (check_failures())
			break;
	}
	CHECK_EQ(pm.free_pages, 0);
	CHECK_EQ(n, 46 * 256 + 15 * 256 - 4);
}

TEST(alignment_and_runs)
{
	hpa_t a, b;

	CHECK_EQ(setup(), 0);
	a = pmm_alloc(&pm, 512, 512); /* 2 MiB, 2 MiB aligned */
	CHECK(a != 0);
	CHECK_EQ(a % (2 * MiB), 0);
	CHECK(!overlaps(a, 2 * MiB, 3 * MiB + 100, 5000));
	b = pmm_alloc(&pm, 3, 4);
	CHECK_EQ(b % (4 * PAGE_SIZE), 0);
	CHECK(!overlaps(a, 2 * MiB, b, 3 * PAGE_SIZE));
	/* a run that must skip the hole at 48 MiB: nothing spans it */
	CHECK_EQ(pmm_alloc(&pm, 16 * 256, 1) > 0, 1);
	CHECK_EQ(pmm_alloc(&pm, 0, 1), 0);
	CHECK_EQ(pmm_alloc(&pm, 1, 3), 0);	  /* alignment not a power of two */
	CHECK_EQ(pmm_alloc(&pm, 64 * 256, 1), 0); /* more than exists */
}

TEST(free_and_double_free)
{
	u64 before;
	hpa_t a;

	CHECK_EQ(setup(), 0);
	before = pm.free_pages;
	a = pmm_alloc(&pm, 8, 1);
	CHECK_EQ(pm.free_pages, before - 8);
	CHECK(pmm_page_used(&pm, a + 7 * PAGE_SIZE));
	CHECK_EQ(pmm_free(&pm, a, 8), 0);
	CHECK_EQ(pm.free_pages, before);
	CHECK(!pmm_page_used(&pm, a));
	CHECK_EQ(pmm_free(&pm, a, 1), -E_INVAL);	 /* double free */
	CHECK_EQ(pmm_free(&pm, a + 1, 1), -E_INVAL);	 /* unaligned */
	CHECK_EQ(pmm_free(&pm, 0, 1), -E_INVAL);	 /* page 0 */
	CHECK_EQ(pmm_free(&pm, PHYS_SIZE, 1), -E_INVAL); /* past the end */
	CHECK_EQ(pm.free_pages, before);
	CHECK_EQ(pmm_alloc(&pm, 1, 1), a); /* the freed page is found again first */
}

TEST(empty_or_full_maps)
{
	static const struct mem_range none[] = { { 0, 4096, MEM_RESERVED } };
	static const struct mem_range tiny[] = { { 0, 8192, MEM_USABLE } };
	static const struct mem_range all[] = { { 0, 8 * MiB, MEM_RESERVED } };

	CHECK_EQ(pmm_init(&pm, none, 1, NULL, 0, PHYS_SIZE, fake_map), -E_INVAL);
	/* the only free page besides page 0 is needed for the bitmap, and is reserved */
	CHECK_EQ(pmm_init(&pm, tiny, 1, all, 1, PHYS_SIZE, fake_map), -E_NOMEM);
	/* room below place_limit is required for the bitmap */
	CHECK_EQ(pmm_init(&pm, map, 6, reserved, 3, 2 * MiB, fake_map), -E_NOMEM);
}
