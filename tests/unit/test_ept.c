// SPDX-License-Identifier: GPL-2.0-only
/*
 * The shared nested page-table walker with Intel's EPT entry format (vmm/vmx/ept.c)
 * over a fake host memory: table entries give read, write and execute (bits 0-2);
 * leaves carry their rights, the write-back memory type (bits 3-5) and, at 2 MiB, the
 * large-page bit; write rights always come with read (write-only is a
 * misconfiguration); a leaf whose rights are taken away keeps its frame, marked by
 * the ignored bit 11, and gets them back; splitting a 2 MiB page keeps its
 * neighbours' rights.
 */
#include "tests/unit/check.h"
#include "tests/unit/fake_pool.h"
#include "vmm/vmx/ept.h"

static struct nested n;

static void setup(void)
{
	CHECK_EQ(fake_pool_nested(&n, &ept_format), 0);
}

static u64 entry(hpa_t table, gpa_t gpa, int level)
{
	return fake_pool_entry(table, gpa, level);
}

#define ADDR(e) ((e) & 0x000ffffffffff000ULL)

TEST(hardware_format)
{
	u64 pml4e, pdpte, pde, pte;

	setup();
	CHECK_EQ(nested_map(&n, 0x200000, 0x40000000, SPACE_2M, SPACE_R | SPACE_W), 0);
	CHECK_EQ(nested_map(&n, 0x3000, 0x9000, SPACE_4K, SPACE_R | SPACE_X), 0);
	pml4e = entry(n.root, 0, 4);
	pdpte = entry(ADDR(pml4e), 0, 3);
	CHECK_EQ_U64(pml4e & 0xff, 7); /* R W X, nothing else */
	CHECK_EQ_U64(pdpte & 0xff, 7);
	pde = entry(ADDR(pdpte), 0x200000, 2);
	CHECK_EQ_U64(pde & 7, 3);	    /* R W, not executable */
	CHECK_EQ_U64((pde >> 3) & 7, 6);    /* write-back */
	CHECK(pde & (1ULL << 7));	    /* a 2 MiB page */
	CHECK(!(pde & (1ULL << 6)));	    /* the guest's PAT still applies */
	CHECK_EQ_U64(ADDR(pde), 0x40000000);
	pte = entry(ADDR(entry(ADDR(pdpte), 0, 2)), 0x3000, 1);
	CHECK_EQ_U64(pte & 7, 5); /* R X */
	CHECK_EQ_U64((pte >> 3) & 7, 6);
	CHECK_EQ_U64(ADDR(pte), 0x9000);
}

TEST(write_comes_with_read)
{
	u32 prot;
	hpa_t hpa;
	u64 size, pte;

	setup();
	CHECK_EQ(nested_map(&n, 0x5000, 0xa000, SPACE_4K, SPACE_W), 0);
	pte = entry(ADDR(entry(ADDR(entry(ADDR(entry(n.root, 0, 4)), 0, 3)), 0, 2)), 0x5000, 1);
	CHECK_EQ_U64(pte & 3, 3);
	CHECK_EQ(nested_lookup(&n, 0x5000, &hpa, &prot, &size), 0);
	CHECK_EQ(prot, SPACE_R | SPACE_W);
}

TEST(rights_taken_and_given_back)
{
	u32 prot;
	hpa_t hpa;
	u64 size, pte;
	int prot_written;

	setup();
	CHECK_EQ(nested_map(&n, 0x200000, 0x40000000, SPACE_2M, SPACE_RWX), 0);
	CHECK_EQ(nested_protect(&n, 0x201000, 0), 0); /* splits the 2 MiB page */
	CHECK_EQ(nested_rights(&n, 0x201000), 0);
	CHECK_EQ(nested_rights(&n, 0x200000), (int)SPACE_RWX);
	CHECK_EQ(nested_rights(&n, 0x202000), (int)SPACE_RWX);
	pte = entry(ADDR(entry(ADDR(entry(ADDR(entry(n.root, 0, 4)), 0, 3)), 0x200000, 2)),
		    0x201000, 1);
	CHECK_EQ_U64(pte & 7, 0);	       /* no access: an EPT violation */
	CHECK(pte & (1ULL << 11));	       /* still a leaf */
	CHECK_EQ_U64(ADDR(pte), 0x40001000);   /* and its frame kept */
	CHECK_EQ(nested_protect(&n, 0x201000, SPACE_R), 0);
	CHECK_EQ(nested_lookup(&n, 0x201abc, &hpa, &prot, &size), 0);
	CHECK_EQ_U64(hpa, 0x40001abc);
	CHECK_EQ(prot, SPACE_R);
	CHECK_EQ_U64(size, SPACE_4K);
	/* Without accessed and dirty flags the DSM cannot tell use or writes: it says so. */
	CHECK_EQ(nested_page_used(&n, 0x201000), -1);
	CHECK_EQ(nested_protect_written(&n, 0x201000, SPACE_RWX, &prot_written), 0);
	CHECK_EQ(prot_written, -1);
}

/* The EPT pointer: write-back (6) in bits 2:0, a 4-level walk (3) in 5:3, and bit 6
 * clear: no accessed and dirty flags in EPT entries, so the CPU's reads of the
 * guest's page tables are reads (what lets them stay read-shared across nodes). */
TEST(eptp_without_ad_flags)
{
	u64 p = ept_pointer(0x12345000);

	CHECK_EQ(p & 7, 6);
	CHECK_EQ((p >> 3) & 7, 3);
	CHECK_EQ(p & (1u << 6), 0);
	CHECK_EQ(p & ~0xfffULL, 0x12345000);
}

/* EPT violations as the SDM describes them (table 27-7), in generic terms. */
TEST(violation_qualifications)
{
	struct ept_violation v;

	/* a data read through a valid translation: bits 0, 7, 8 */
	v = ept_violation_of(0x181);
	CHECK(!v.write && !v.fetch && !v.walk);
	/* the guest's walk reading a paging-structure entry: bits 0, 7 (8 clear) */
	v = ept_violation_of(0x81);
	CHECK(!v.write && !v.fetch && v.walk);
	/* the CPU setting an accessed or dirty flag in a guest paging-structure entry:
	 * a write during the walk (bits 1, 7; 8 clear), so the page table is written */
	v = ept_violation_of(0x82);
	CHECK(v.write && !v.fetch && v.walk);
	/* ... and the same A/D update of the final entry is still part of the walk */
	v = ept_violation_of(0x8a);
	CHECK(v.write && v.walk);
	/* a data write and an instruction fetch through a translation */
	v = ept_violation_of(0x182);
	CHECK(v.write && !v.walk);
	v = ept_violation_of(0x184);
	CHECK(v.fetch && !v.write && !v.walk);
	/* no linear address (bit 7 clear: e.g. the PDPTEs loaded for PAE): not a walk */
	v = ept_violation_of(0x1);
	CHECK(!v.walk);
}
