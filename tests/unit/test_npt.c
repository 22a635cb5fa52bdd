// SPDX-License-Identifier: GPL-2.0-only
/*
 * The shared nested page-table walker (vmm/virt/nested.c) with AMD's entry format
 * (vmm/svm/npt.c) over a fake host memory: mappings of
 * both sizes read back, entries have the hardware format NPT needs (U/S on
 * every level, NX when not executable), overlaps and misalignment are
 * refused, rights change per 4 KiB page (splitting a 2 MiB page without
 * disturbing its neighbours), a 4 KiB page unmaps (the DSM's cache reuses its frame),
 * the accessed bit the CPU sets reads back once, and destroying the tables frees every
 * page.
 */
#include "tests/unit/check.h"
#include "tests/unit/fake_pool.h"
#include "vmm/svm/npt.h"

static struct nested n;

static void setup(void)
{
	CHECK_EQ(fake_pool_nested(&n, &npt_format), 0);
}

static u64 entry(hpa_t table, gpa_t gpa, int level)
{
	return fake_pool_entry(table, gpa, level);
}

/* The 4 KiB leaf entry of gpa (its tables exist). */
static u64 *leaf_of(gpa_t gpa)
{
	hpa_t t = n.root;

	for (int level = 4; level > 1; level--)
		t = fake_pool_entry(t, gpa, level) & 0x000ffffffffff000ULL;
	return (u64 *)fake_map(t, NULL) + ((gpa >> 12) & 511);
}

TEST(map_and_lookup)
{
	hpa_t hpa;
	u32 prot;
	u64 size;

	setup();
	CHECK_EQ(nested_map(&n, 0x200000, 0x40000000, SPACE_2M, SPACE_RWX), 0);
	CHECK_EQ(nested_map(&n, 0x1000, 0x7000, SPACE_4K, SPACE_R), 0);
	CHECK_EQ(nested_lookup(&n, 0x2abcde, &hpa, &prot, &size), 0);
	CHECK_EQ_U64(hpa, 0x400abcde);
	CHECK_EQ(prot, SPACE_RWX);
	CHECK_EQ_U64(size, SPACE_2M);
	CHECK_EQ(nested_lookup(&n, 0x1234, &hpa, &prot, &size), 0);
	CHECK_EQ_U64(hpa, 0x7234);
	CHECK_EQ(prot, SPACE_R);
	CHECK_EQ_U64(size, SPACE_4K);
	CHECK_EQ(nested_lookup(&n, 0x2000, &hpa, &prot, &size), -E_NOENT);
	CHECK_EQ(nested_lookup(&n, 0x8000000000ULL, &hpa, &prot, &size), -E_NOENT);
	/* root, PDPT, PD, and one page table for the 4K mapping */
	CHECK_EQ(n.table_pages, 4);
}

TEST(hardware_format)
{
	u64 pml4e, pdpte, pde, pte;

	setup();
	CHECK_EQ(nested_map(&n, 0x200000, 0x40000000, SPACE_2M, SPACE_R | SPACE_W), 0);
	CHECK_EQ(nested_map(&n, 0x3000, 0x9000, SPACE_4K, SPACE_R | SPACE_X), 0);
	pml4e = entry(n.root, 0, 4);
	pdpte = entry(pml4e & ~0xfffULL, 0, 3);
	pde = entry(pdpte & ~0xfffULL, 0x200000, 2);
	/* guest accesses are user accesses to NPT: U/S (bit 2) must be set everywhere */
	CHECK_EQ_U64(pml4e & 7, 7);
	CHECK_EQ_U64(pdpte & 7, 7);
	CHECK_EQ_U64(pde & 0x87, 0x87); /* P W U PS */
	CHECK_EQ_U64(pde & 0x000ffffffffff000ULL, 0x40000000);
	CHECK(pde >> 63); /* not executable: NX */
	pte = entry(entry(pdpte & ~0xfffULL, 0, 2) & ~0xfffULL, 0x3000, 1);
	CHECK_EQ_U64(pte & 7, 5); /* P U, read-only */
	CHECK(!(pte >> 63));	  /* executable */
	CHECK_EQ_U64(pte & 0x000ffffffffff000ULL, 0x9000);
}

TEST(refusals)
{
	setup();
	CHECK_EQ(nested_map(&n, 0x201000, 0, SPACE_2M, SPACE_R), -E_INVAL);
	CHECK_EQ(nested_map(&n, 0x1000, 0x1001, SPACE_4K, SPACE_R), -E_INVAL);
	CHECK_EQ(nested_map(&n, 0, 0, 12345, SPACE_R), -E_INVAL);
	CHECK_EQ(nested_map(&n, 0x400000, 0x400000, SPACE_2M, SPACE_R), 0);
	CHECK_EQ(nested_map(&n, 0x400000, 0x800000, SPACE_2M, SPACE_R), -E_EXIST);
	CHECK(nested_map(&n, 0x401000, 0x1000, SPACE_4K, SPACE_R) != 0); /* inside the 2M page */
	CHECK_EQ(nested_map(&n, 0x1000, 0x1000, SPACE_4K, SPACE_R), 0);
	CHECK_EQ(nested_map(&n, 0x1000, 0x2000, SPACE_4K, SPACE_R), -E_EXIST);
}

TEST(protect_splits_large_page)
{
	hpa_t hpa;
	u32 prot;
	u64 size, before;

	setup();
	CHECK_EQ(nested_map(&n, 0x200000, 0x40000000, SPACE_2M, SPACE_RWX), 0);
	before = n.table_pages;
	CHECK_EQ(nested_protect(&n, 0x203000, SPACE_R), 0);
	CHECK_EQ(n.table_pages, before + 1);
	CHECK_EQ(nested_lookup(&n, 0x203fff, &hpa, &prot, &size), 0);
	CHECK_EQ_U64(hpa, 0x40003fff);
	CHECK_EQ(prot, SPACE_R);
	CHECK_EQ_U64(size, SPACE_4K);
	CHECK_EQ(nested_lookup(&n, 0x204000, &hpa, &prot, &size), 0);
	CHECK_EQ_U64(hpa, 0x40004000);
	CHECK_EQ(prot, SPACE_RWX);
	/* rights removed entirely: not present, but the frame is remembered */
	CHECK_EQ(nested_protect(&n, 0x203000, 0), 0);
	CHECK_EQ(nested_lookup(&n, 0x203000, &hpa, &prot, &size), 0);
	CHECK_EQ(prot, 0);
	CHECK_EQ_U64(hpa, 0x40003000);
	CHECK_EQ(nested_protect(&n, 0x203000, SPACE_RWX), 0);
	CHECK_EQ(nested_lookup(&n, 0x203000, &hpa, &prot, &size), 0);
	CHECK_EQ(prot, SPACE_RWX);
	/* same rights on a 2M page: no split */
	CHECK_EQ(nested_map(&n, 0x600000, 0x600000, SPACE_2M, SPACE_R), 0);
	before = n.table_pages;
	CHECK_EQ(nested_protect(&n, 0x600000, SPACE_R), 0);
	CHECK_EQ(n.table_pages, before);
	CHECK_EQ(nested_protect(&n, 0x900000, SPACE_R), -E_NOENT);
}

TEST(unmap_and_accessed)
{
	hpa_t hpa;
	u32 prot;
	u64 size, *pte;

	setup();
	CHECK_EQ(nested_map(&n, 0x5000, 0x9000, SPACE_4K, 0), 0); /* a frame, no rights yet */
	CHECK_EQ(nested_rights(&n, 0x5000), 0);
	CHECK_EQ(nested_protect(&n, 0x5000, SPACE_RWX), 0);
	pte = leaf_of(0x5000);
	CHECK_EQ_U64(*pte & 0x20, 0); /* A clear: the CPU marks the page when it uses it */
	CHECK_EQ(nested_test_clear_accessed(&n, 0x5000), 0);
	*pte |= 0x20; /* (as the CPU does) */
	CHECK_EQ(nested_test_clear_accessed(&n, 0x5000), 1);
	CHECK_EQ(nested_test_clear_accessed(&n, 0x5000), 0);
	CHECK_EQ(nested_unmap(&n, 0x5000), 0);
	CHECK_EQ_U64(*pte, 0); /* (not even the old frame's address) */
	CHECK_EQ(nested_lookup(&n, 0x5000, &hpa, &prot, &size), -E_NOENT);
	CHECK_EQ(nested_unmap(&n, 0x5000), -E_NOENT);
	CHECK_EQ(nested_test_clear_accessed(&n, 0x5000), -E_NOENT);
	CHECK_EQ(nested_map(&n, 0x5000, 0xa000, SPACE_4K, SPACE_R), 0); /* another frame */
	CHECK_EQ(nested_lookup(&n, 0x5000, &hpa, &prot, &size), 0);
	CHECK_EQ_U64(hpa, 0xa000);
	/* Inside a 2 MiB page: split, the neighbours stay. */
	CHECK_EQ(nested_map(&n, 0x400000, 0x800000, SPACE_2M, SPACE_RWX), 0);
	CHECK_EQ(nested_unmap(&n, 0x401000), 0);
	CHECK_EQ(nested_lookup(&n, 0x401000, &hpa, &prot, &size), -E_NOENT);
	CHECK_EQ(nested_lookup(&n, 0x402000, &hpa, &prot, &size), 0);
	CHECK_EQ_U64(hpa, 0x802000);
	CHECK_EQ(prot, SPACE_RWX);
}

TEST(a_rights_change_says_whether_the_page_was_written_and_starts_afresh)
{
	u64 *pte;
	int written;

	setup();
	CHECK_EQ(nested_map(&n, 0x5000, 0x9000, SPACE_4K, SPACE_RWX), 0);
	pte = leaf_of(0x5000);
	CHECK_EQ_U64(*pte & 0x60, 0); /* A and D clear: the CPU marks what it uses and writes */
	CHECK_EQ(nested_protect_written(&n, 0x5000, SPACE_RWX, &written), 0);
	CHECK_EQ(written, 0);
	*pte |= 0x60; /* (as the CPU does on a write) */
	CHECK_EQ(nested_protect_written(&n, 0x5000, SPACE_R | SPACE_X, &written), 0);
	CHECK_EQ(written, 1);
	CHECK_EQ_U64(*pte & 0x60, 0); /* (the new entry has neither mark) */
	CHECK_EQ(nested_rights(&n, 0x5000), (int)(SPACE_R | SPACE_X));
	*pte |= 0x20; /* used, not written */
	CHECK_EQ(nested_protect_written(&n, 0x5000, 0, &written), 0);
	CHECK_EQ(written, 0);
	/* Nothing mapped, or a 2 MiB leaf (its mark is any of 512 pages'): cannot tell. */
	CHECK_EQ(nested_protect_written(&n, 0x7000, SPACE_R, &written), -E_NOENT);
	CHECK_EQ(written, -1);
	CHECK_EQ(nested_map(&n, 0x400000, 0x800000, SPACE_2M, SPACE_RWX), 0);
	CHECK_EQ(nested_protect_written(&n, 0x400000, SPACE_RWX, &written), 0);
	CHECK_EQ(written, -1);
}

TEST(destroy_frees_everything)
{
	setup();
	CHECK_EQ(nested_map(&n, 0, 0, SPACE_4K, SPACE_R), 0);
	CHECK_EQ(nested_map(&n, 1ULL << 39, 0, SPACE_4K, SPACE_R), 0); /* a second PML4 slot */
	CHECK_EQ(nested_map(&n, 0x200000, 0x200000, SPACE_2M, SPACE_R), 0);
	CHECK_EQ(nested_protect(&n, 0x200000, 0), 0);
	nested_destroy(&n);
	CHECK_EQ(fake_pool_frees, fake_pool_allocs);
	CHECK_EQ(n.root, 0);
}

TEST(out_of_memory)
{
	int got = 0;

	setup();
	/* each 1 GiB-apart 4K mapping needs a new PD and PT: the pool runs out */
	for (u64 i = 0; i < 64; i++)
		got += nested_map(&n, i << 30, 0, SPACE_4K, SPACE_R) == 0;
	CHECK(got > 0 && got < 64);
	CHECK_EQ(nested_map(&n, 63ULL << 30, 0, SPACE_4K, SPACE_R), -E_NOMEM);
}
