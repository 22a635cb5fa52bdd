// SPDX-License-Identifier: GPL-2.0-only
/*
 * The guest page-table walker on a fake 4 MiB guest memory holding page
 * tables built by the test, for each paging mode: paging off, 32-bit (4K, 4M,
 * PSE-36), PAE (4K, 2M) and long mode with 4 and 5 levels (4K, 2M, 1G). Each
 * test states the translation or the exact #PF error code a real CPU gives
 * (Intel SDM vol. 3A 4.6-4.7, AMD APM vol. 2 5.6): not present, U/S, R/W with
 * and without CR0.WP, NX with and without EFER.NXE, SMEP, SMAP, reserved bits
 * (MAXPHYADDR, large-page alignment, PS where it may not be, AMD's bit 8),
 * and the accessed/dirty updates, including a race with another CPU.
 */
#include "tests/unit/check.h"
#include "tests/unit/pte_bits.h"
#include "vmm/emu/gwalk.h"

#define MEM_SIZE (4u << 20)

enum kind { LONG4, LONG5, PAE, BITS32 };

static u8 gmem[MEM_SIZE];
static gpa_t next_page;
static struct {
	gpa_t gpa; /* cmpxchg: before comparing at this address ... */
	u64 clear; /* ... another CPU clears these bits there, once */
	int cmpxchgs;
} race;

static int mem_read(void *opaque, gpa_t gpa, unsigned size, u64 *val)
{
	if (gpa + size > MEM_SIZE)
		return -E_RANGE;
	*val = 0;
	memcpy(val, gmem + gpa, size);
	return 0;
}

static int mem_cmpxchg(void *opaque, gpa_t gpa, unsigned size, u64 old, u64 val)
{
	u64 cur = 0;

	if (gpa + size > MEM_SIZE)
		return -E_RANGE;
	race.cmpxchgs++;
	if (race.gpa == gpa && race.clear) {
		memcpy(&cur, gmem + gpa, size);
		cur &= ~race.clear;
		memcpy(gmem + gpa, &cur, size);
		race.clear = 0;
	}
	memcpy(&cur, gmem + gpa, size);
	if (cur != old)
		return 1;
	memcpy(gmem + gpa, &val, size);
	return 0;
}

static const struct gwalk_mem gm = { mem_read, mem_cmpxchg, NULL };
static const struct gwalk_mem gm_noad = { mem_read, NULL, NULL };

static u64 rd(gpa_t gpa, unsigned size)
{
	u64 v = 0;

	memcpy(&v, gmem + gpa, size);
	return v;
}

static void wr(gpa_t gpa, unsigned size, u64 v)
{
	memcpy(gmem + gpa, &v, size);
}

static gpa_t page_alloc(void)
{
	gpa_t p = next_page;

	next_page += 0x1000;
	return p;
}

static void mem_reset(void)
{
	memset(gmem, 0, sizeof(gmem));
	memset(&race, 0, sizeof(race));
	next_page = 0x100000;
}

static unsigned esize(enum kind k)
{
	return k == BITS32 ? 4 : 8;
}

static unsigned levels(enum kind k)
{
	return k == LONG5 ? 5 : k == LONG4 ? 4 : k == PAE ? 3 : 2;
}

static unsigned index_of(enum kind k, u64 va, int level)
{
	if (k == BITS32)
		return (va >> (12 + 10 * (level - 1))) & 0x3ff;
	if (k == PAE && level == 3)
		return (va >> 30) & 3;
	return (va >> (12 + 9 * (level - 1))) & 0x1ff;
}

/* Address of the entry for va at a level, creating tables above it as needed. */
static gpa_t entry_gpa(enum kind k, gpa_t root, u64 va, int level)
{
	gpa_t table = root;

	for (int l = levels(k); l > level; l--) {
		gpa_t e_gpa = table + index_of(k, va, l) * esize(k);
		u64 e = rd(e_gpa, esize(k));

		if (!(e & P)) {
			/* PAE PDPTEs have no R/W or U/S: those bits are reserved there */
			e = page_alloc() | P | (k == PAE && l == 3 ? 0 : RW | US);
			wr(e_gpa, esize(k), e);
		}
		table = k == BITS32 ? e & 0xfffff000 : e & 0x000ffffffffff000ULL;
	}
	return table + index_of(k, va, level) * esize(k);
}

static void map(enum kind k, gpa_t root, u64 va, int level, u64 entry)
{
	wr(entry_gpa(k, root, va, level), esize(k), entry);
}

/* Clears or sets bits in va's entry at a level. */
static void tweak(enum kind k, gpa_t root, u64 va, int level, u64 clear, u64 set)
{
	gpa_t g = entry_gpa(k, root, va, level);

	wr(g, esize(k), (rd(g, esize(k)) & ~clear) | set);
}

static struct gwalk_cpu cpu_long(gpa_t root)
{
	return (struct gwalk_cpu){ .cr0 = GWALK_CR0_PG | GWALK_CR0_WP | 1,
				   .cr3 = root,
				   .cr4 = GWALK_CR4_PAE,
				   .efer = GWALK_EFER_LMA | GWALK_EFER_NXE | (1 << 8),
				   .rflags = 2,
				   .maxphyaddr = 40 };
}

static struct gwalk_result res;

static int tr(const struct gwalk_cpu *cpu, u64 va, u32 access)
{
	memset(&res, 0xa5, sizeof(res));
	return gwalk_translate(cpu, &gm, va, access, &res);
}

/* Expects a #PF with this error code. */
#define CHECK_PF(cpu, va, access, code)                     \
	do {                                                \
		CHECK_EQ(tr(cpu, va, access), GWALK_FAULT); \
		CHECK_EQ(res.error_code, code);             \
	} while (0)

#define UW (GWALK_ACC_USER | GWALK_ACC_WRITE)

TEST(paging_off)
{
	struct gwalk_cpu cpu = { .cr0 = 1, .maxphyaddr = 40 };

	mem_reset();
	CHECK_EQ(tr(&cpu, 0x12345678, GWALK_ACC_WRITE), 0);
	CHECK_EQ_U64(res.gpa, 0x12345678);
	CHECK_EQ(tr(&cpu, 0xffffffff12345678, 0), 0);
	CHECK_EQ_U64(res.gpa, 0x12345678);
}

TEST(long_mode_4k)
{
	const u64 va = 0x00007f1234567000;
	gpa_t root;
	struct gwalk_cpu cpu;

	mem_reset();
	root = page_alloc();
	cpu = cpu_long(root | 0x18); /* PWT/PCD in CR3 are not address bits */
	map(LONG4, root, va, 1, 0x345000 | P | RW | US);
	CHECK_EQ(tr(&cpu, va + 0x123, GWALK_ACC_USER), 0);
	CHECK_EQ_U64(res.gpa, 0x345123);
	CHECK_EQ_U64(res.page_size, 0x1000);
	CHECK_EQ(res.level, 1);
	CHECK_EQ(tr(&cpu, va + 0xfff, UW), 0);
	CHECK_EQ(tr(&cpu, va, GWALK_ACC_FETCH | GWALK_ACC_USER), 0);
	CHECK_EQ(tr(&cpu, va, GWALK_ACC_WRITE), 0);

	/* not present at the PTE, then at the PML4E */
	CHECK_PF(&cpu, va + 0x1000, 0, 0);
	CHECK_EQ(res.level, 1);
	CHECK_PF(&cpu, va + 0x1000, GWALK_ACC_WRITE, GWALK_PF_W);
	CHECK_PF(&cpu, va + 0x1000, UW, GWALK_PF_W | GWALK_PF_U);
	CHECK_PF(&cpu, va + 0x1000, GWALK_ACC_FETCH | GWALK_ACC_USER, GWALK_PF_I | GWALK_PF_U);
	CHECK_PF(&cpu, 0x0000000000401000, GWALK_ACC_USER, GWALK_PF_U);
	CHECK_EQ(res.level, 4);

	/* canonical addresses only */
	CHECK_EQ(tr(&cpu, 0x0000800000000000, 0), -E_INVAL);
	CHECK_PF(&cpu, 0xffff800000000000, 0, 0);
}

TEST(user_supervisor)
{
	const u64 va = 0x00007f0000000000;
	gpa_t root;
	struct gwalk_cpu cpu;

	mem_reset();
	root = page_alloc();
	cpu = cpu_long(root);
	map(LONG4, root, va, 1, 0x5000 | P | RW); /* supervisor page */
	CHECK_PF(&cpu, va, GWALK_ACC_USER, GWALK_PF_P | GWALK_PF_U);
	CHECK_PF(&cpu, va, UW, GWALK_PF_P | GWALK_PF_W | GWALK_PF_U);
	CHECK_PF(&cpu, va, GWALK_ACC_USER | GWALK_ACC_FETCH, GWALK_PF_P | GWALK_PF_U | GWALK_PF_I);
	CHECK_EQ(tr(&cpu, va, GWALK_ACC_WRITE), 0);

	/* U/S must be set at every level: clearing it in the PDE alone is enough */
	tweak(LONG4, root, va, 1, 0, US);
	CHECK_EQ(tr(&cpu, va, GWALK_ACC_USER), 0);
	tweak(LONG4, root, va, 2, US, 0);
	CHECK_PF(&cpu, va, GWALK_ACC_USER, GWALK_PF_P | GWALK_PF_U);
}

TEST(read_only_and_cr0_wp)
{
	const u64 va = 0x00007f0000000000;
	gpa_t root;
	struct gwalk_cpu cpu;

	mem_reset();
	root = page_alloc();
	cpu = cpu_long(root);
	map(LONG4, root, va, 1, 0x5000 | P | US); /* read-only user page */
	CHECK_EQ(tr(&cpu, va, GWALK_ACC_USER), 0);
	CHECK_PF(&cpu, va, UW, GWALK_PF_P | GWALK_PF_W | GWALK_PF_U);
	CHECK_PF(&cpu, va, GWALK_ACC_WRITE, GWALK_PF_P | GWALK_PF_W);
	cpu.cr0 &= ~GWALK_CR0_WP; /* the supervisor may write read-only pages */
	CHECK_EQ(tr(&cpu, va, GWALK_ACC_WRITE), 0);
	CHECK_PF(&cpu, va, UW, GWALK_PF_P | GWALK_PF_W | GWALK_PF_U);

	/* R/W clear only in the PML4E */
	cpu.cr0 |= GWALK_CR0_WP;
	tweak(LONG4, root, va, 1, 0, RW);
	CHECK_EQ(tr(&cpu, va, UW), 0);
	tweak(LONG4, root, va, 4, RW, 0);
	CHECK_PF(&cpu, va, GWALK_ACC_WRITE, GWALK_PF_P | GWALK_PF_W);
}

TEST(no_execute)
{
	const u64 va = 0xffffffff81000000;
	gpa_t root;
	struct gwalk_cpu cpu;

	mem_reset();
	root = page_alloc();
	cpu = cpu_long(root);
	map(LONG4, root, va, 1, 0x5000 | P | RW | XD);
	CHECK_EQ(tr(&cpu, va, 0), 0);
	CHECK_PF(&cpu, va, GWALK_ACC_FETCH, GWALK_PF_P | GWALK_PF_I);

	/* XD in an upper level alone forbids execution */
	tweak(LONG4, root, va, 1, XD, 0);
	CHECK_EQ(tr(&cpu, va, GWALK_ACC_FETCH), 0);
	tweak(LONG4, root, va, 4, 0, XD);
	CHECK_PF(&cpu, va, GWALK_ACC_FETCH, GWALK_PF_P | GWALK_PF_I);

	/* without EFER.NXE bit 63 is reserved, and I/D is never reported */
	cpu.efer &= ~GWALK_EFER_NXE;
	CHECK_PF(&cpu, va, 0, GWALK_PF_P | GWALK_PF_RSVD);
	CHECK_EQ(res.level, 4);
	CHECK_PF(&cpu, va, GWALK_ACC_FETCH, GWALK_PF_P | GWALK_PF_RSVD);
	tweak(LONG4, root, va, 4, XD, 0);
	CHECK_PF(&cpu, va + 0x1000, GWALK_ACC_FETCH, 0);
}

TEST(smep_smap)
{
	const u64 va = 0x0000000000400000;
	gpa_t root;
	struct gwalk_cpu cpu;

	mem_reset();
	root = page_alloc();
	cpu = cpu_long(root);
	cpu.efer &= ~GWALK_EFER_NXE; /* I/D still reported: SMEP is on */
	map(LONG4, root, va, 1, 0x5000 | P | RW | US);
	CHECK_EQ(tr(&cpu, va, GWALK_ACC_FETCH), 0);
	cpu.cr4 |= GWALK_CR4_SMEP;
	CHECK_PF(&cpu, va, GWALK_ACC_FETCH, GWALK_PF_P | GWALK_PF_I);
	CHECK_EQ(tr(&cpu, va, GWALK_ACC_FETCH | GWALK_ACC_USER), 0);
	CHECK_EQ(tr(&cpu, va, GWALK_ACC_WRITE), 0);

	cpu.cr4 |= GWALK_CR4_SMAP;
	CHECK_PF(&cpu, va, 0, GWALK_PF_P);
	CHECK_PF(&cpu, va, GWALK_ACC_WRITE, GWALK_PF_P | GWALK_PF_W);
	CHECK_EQ(tr(&cpu, va, UW), 0);
	cpu.rflags |= GWALK_RFLAGS_AC; /* stac */
	CHECK_EQ(tr(&cpu, va, GWALK_ACC_WRITE), 0);
}

TEST(reserved_bits)
{
	const u64 va = 0x00007f0000000000;
	gpa_t root;
	struct gwalk_cpu cpu;

	mem_reset();
	root = page_alloc();
	cpu = cpu_long(root); /* MAXPHYADDR 40 */
	map(LONG4, root, va, 1, 0x5000 | P | RW | US | (1ULL << 39));
	CHECK_EQ(tr(&cpu, va, 0), 0);
	CHECK_EQ_U64(res.gpa, 0x8000005000);
	tweak(LONG4, root, va, 1, 0, 1ULL << 45);
	CHECK_PF(&cpu, va, 0, GWALK_PF_P | GWALK_PF_RSVD);
	/* reserved beats a U/S violation, and the access bits still show */
	tweak(LONG4, root, va, 1, US, 0);
	CHECK_PF(&cpu, va, UW, GWALK_PF_P | GWALK_PF_RSVD | GWALK_PF_W | GWALK_PF_U);
	/* bits 62:52 are ignored in long mode */
	tweak(LONG4, root, va, 1, 1ULL << 45, (1ULL << 55) | US);
	CHECK_EQ(tr(&cpu, va, 0), 0);

	/* PS in a PML4E is reserved; bit 8 of a PML4E only on AMD */
	tweak(LONG4, root, va, 4, 0, PS);
	CHECK_PF(&cpu, va, 0, GWALK_PF_P | GWALK_PF_RSVD);
	CHECK_EQ(res.level, 4);
	tweak(LONG4, root, va, 4, PS, 1ULL << 8);
	CHECK_EQ(tr(&cpu, va, 0), 0);
	cpu.amd = true;
	CHECK_PF(&cpu, va, 0, GWALK_PF_P | GWALK_PF_RSVD);
	tweak(LONG4, root, va, 4, 1ULL << 8, 0);
	tweak(LONG4, root, va, 3, 0, 1ULL << 8); /* not in a non-leaf PDPTE, though */
	CHECK_EQ(tr(&cpu, va, 0), 0);
}

TEST(large_pages)
{
	gpa_t root;
	struct gwalk_cpu cpu;

	mem_reset();
	root = page_alloc();
	cpu = cpu_long(root);
	map(LONG4, root, 0x40200000, 2, 0x80000000 | P | RW | PS);
	CHECK_EQ(tr(&cpu, 0x40212345, 0), 0);
	CHECK_EQ_U64(res.gpa, 0x80012345);
	CHECK_EQ_U64(res.page_size, 2 << 20);
	CHECK_EQ(res.level, 2);
	tweak(LONG4, root, 0x40200000, 2, 0, 1ULL << 13); /* bits 20:13 must be 0 */
	CHECK_PF(&cpu, 0x40212345, 0, GWALK_PF_P | GWALK_PF_RSVD);

	map(LONG4, root, 0x8000000000, 3, 0xc0000000 | P | RW | PS);
	CHECK_EQ(tr(&cpu, 0x8012345678, GWALK_ACC_WRITE), 0);
	CHECK_EQ_U64(res.gpa, 0xd2345678);
	CHECK_EQ_U64(res.page_size, 1 << 30);
	CHECK_EQ(res.level, 3);
	tweak(LONG4, root, 0x8000000000, 3, 0, 1ULL << 29); /* bits 29:13 must be 0 */
	CHECK_PF(&cpu, 0x8012345678, 0, GWALK_PF_P | GWALK_PF_RSVD);
}

TEST(five_levels)
{
	const u64 va = 0x0001000000003000; /* bit 48: needs 57-bit addresses */
	gpa_t root;
	struct gwalk_cpu cpu;

	mem_reset();
	root = page_alloc();
	cpu = cpu_long(root);
	cpu.cr4 |= GWALK_CR4_LA57;
	map(LONG5, root, va, 1, 0x7000 | P | RW);
	CHECK_EQ(tr(&cpu, va + 8, 0), 0);
	CHECK_EQ_U64(res.gpa, 0x7008);
	CHECK_EQ(tr(&cpu, 0x0100000000000000, 0), -E_INVAL);
	cpu.cr4 &= ~GWALK_CR4_LA57;
	CHECK_EQ(tr(&cpu, va, 0), -E_INVAL);
}

TEST(accessed_dirty)
{
	const u64 va = 0x00007f0000000000;
	gpa_t root, e[5];
	struct gwalk_cpu cpu;

	mem_reset();
	root = page_alloc();
	cpu = cpu_long(root);
	map(LONG4, root, va, 1, 0x5000 | P | RW);
	for (int l = 1; l <= 4; l++)
		e[l] = entry_gpa(LONG4, root, va, l);

	CHECK_EQ(tr(&cpu, va, 0), 0); /* no flag: nothing written */
	for (int l = 1; l <= 4; l++)
		CHECK(!(rd(e[l], 8) & (A | D)));
	CHECK_EQ(tr(&cpu, va, GWALK_ACC_USER | GWALK_ACC_SET_AD), GWALK_FAULT);
	for (int l = 1; l <= 4; l++) /* a faulting access sets nothing */
		CHECK(!(rd(e[l], 8) & (A | D)));
	CHECK_EQ(tr(&cpu, va, GWALK_ACC_SET_AD), 0);
	for (int l = 1; l <= 4; l++)
		CHECK_EQ_U64(rd(e[l], 8) & (A | D), A);
	CHECK_EQ(tr(&cpu, va, GWALK_ACC_WRITE | GWALK_ACC_SET_AD), 0);
	CHECK_EQ_U64(rd(e[1], 8) & (A | D), A | D);
	CHECK_EQ_U64(rd(e[2], 8) & (A | D), A); /* D only in the leaf */
	for (int l = 1; l <= 4; l++) {		/* the chain, as it is now in memory */
		CHECK_EQ_U64(res.entry_gpa[l - 1], e[l]);
		CHECK_EQ_U64(res.entries[l - 1], rd(e[l], 8));
	}
	CHECK_EQ_U64(res.entry, rd(e[1], 8));
	race.cmpxchgs = 0;
	CHECK_EQ(tr(&cpu, va, GWALK_ACC_WRITE | GWALK_ACC_SET_AD), 0);
	CHECK_EQ(race.cmpxchgs, 0); /* already set: no writes */

	/* without a cmpxchg callback the bits are left alone */
	map(LONG4, root, va, 1, 0x5000 | P | RW);
	CHECK_EQ(gwalk_translate(&cpu, &gm_noad, va, GWALK_ACC_WRITE | GWALK_ACC_SET_AD, &res), 0);
	CHECK_EQ_U64(rd(e[1], 8), 0x5000 | P | RW);

	/* a 2M leaf gets D in the PDE */
	map(LONG4, root, 0x40000000, 2, 0x200000 | P | RW | PS);
	CHECK_EQ(tr(&cpu, 0x40000000, GWALK_ACC_WRITE | GWALK_ACC_SET_AD), 0);
	CHECK_EQ_U64(rd(entry_gpa(LONG4, root, 0x40000000, 2), 8) & (A | D), A | D);
}

/* Another CPU makes the page read-only between our walk and our D update: the
 * cmpxchg fails, the walk restarts and now faults, as hardware would. */
TEST(accessed_dirty_race)
{
	const u64 va = 0x00007f0000000000;
	gpa_t root;
	struct gwalk_cpu cpu;

	mem_reset();
	root = page_alloc();
	cpu = cpu_long(root);
	map(LONG4, root, va, 1, 0x5000 | P | RW);
	race.gpa = entry_gpa(LONG4, root, va, 1);
	race.clear = RW;
	CHECK_PF(&cpu, va, GWALK_ACC_WRITE | GWALK_ACC_SET_AD, GWALK_PF_P | GWALK_PF_W);
	CHECK(!(rd(race.gpa, 8) & D));

	/* a race that does not change the outcome just costs a retry */
	map(LONG4, root, va, 1, 0x5000 | P | RW | US);
	race.clear = US;
	CHECK_EQ(tr(&cpu, va, GWALK_ACC_WRITE | GWALK_ACC_SET_AD), 0);
	CHECK_EQ_U64(rd(race.gpa, 8), 0x5000 | P | RW | A | D);
}

TEST(pae)
{
	gpa_t pdpt;
	struct gwalk_cpu cpu = { .cr0 = GWALK_CR0_PG | GWALK_CR0_WP | 1,
				 .cr4 = GWALK_CR4_PAE,
				 .efer = GWALK_EFER_NXE,
				 .maxphyaddr = 36 };

	mem_reset();
	pdpt = page_alloc() + 0x20; /* 32-byte aligned, not page aligned */
	cpu.cr3 = pdpt;
	map(PAE, pdpt, 0xc0001000, 1, 0x2345000 | P | RW);
	CHECK_EQ(tr(&cpu, 0xc0001abc, GWALK_ACC_WRITE), 0);
	CHECK_EQ_U64(res.gpa, 0x2345abc);
	CHECK_EQ(tr(&cpu, 0xffffffffc0001abc, 0), 0); /* only 32 bits of linear address */
	CHECK_EQ_U64(res.gpa, 0x2345abc);
	CHECK_PF(&cpu, 0xc0001000, GWALK_ACC_USER, GWALK_PF_P | GWALK_PF_U);

	map(PAE, pdpt, 0x80200000, 2, 0x7fe00000 | P | RW | US | PS);
	CHECK_EQ(tr(&cpu, 0x80212345, UW), 0);
	CHECK_EQ_U64(res.gpa, 0x7fe12345);
	CHECK_EQ_U64(res.page_size, 2 << 20);

	/* PDPTE not present; PDPTE with R/W (reserved there) */
	CHECK_PF(&cpu, 0x40000000, GWALK_ACC_FETCH, GWALK_PF_I);
	CHECK_EQ(res.level, 3);
	tweak(PAE, pdpt, 0xc0001000, 3, 0, RW);
	CHECK_PF(&cpu, 0xc0001000, 0, GWALK_PF_P | GWALK_PF_RSVD);
	tweak(PAE, pdpt, 0xc0001000, 3, RW, 0);

	/* PAE reserves bits 62:MAXPHYADDR, unlike long mode */
	tweak(PAE, pdpt, 0xc0001000, 1, 0, 1ULL << 40);
	CHECK_PF(&cpu, 0xc0001000, 0, GWALK_PF_P | GWALK_PF_RSVD);
	tweak(PAE, pdpt, 0xc0001000, 1, 1ULL << 40, 1ULL << 55);
	CHECK_PF(&cpu, 0xc0001000, 0, GWALK_PF_P | GWALK_PF_RSVD);
	tweak(PAE, pdpt, 0xc0001000, 1, 1ULL << 55, 0);

	/* NX in a PDE */
	tweak(PAE, pdpt, 0xc0001000, 2, 0, XD);
	CHECK_PF(&cpu, 0xc0001000, GWALK_ACC_FETCH, GWALK_PF_P | GWALK_PF_I);
	cpu.efer = 0;
	CHECK_PF(&cpu, 0xc0001000, 0, GWALK_PF_P | GWALK_PF_RSVD);
	CHECK_EQ(res.level, 2);

	/* 2M page with a bit of 20:13 set */
	tweak(PAE, pdpt, 0x80200000, 2, 0, 1ULL << 20);
	CHECK_PF(&cpu, 0x80200000, 0, GWALK_PF_P | GWALK_PF_RSVD);
}

TEST(legacy_32bit)
{
	gpa_t pd;
	struct gwalk_cpu cpu = { .cr0 = GWALK_CR0_PG | GWALK_CR0_WP | 1, .maxphyaddr = 40 };

	mem_reset();
	pd = page_alloc();
	cpu.cr3 = pd | 0x18;
	map(BITS32, pd, 0x80001000, 1, 0x00345000 | P | RW | US);
	CHECK_EQ(tr(&cpu, 0x80001234, UW), 0);
	CHECK_EQ_U64(res.gpa, 0x345234);
	CHECK_EQ(tr(&cpu, 0x1280001234, 0), 0); /* only 32 bits of linear address */
	CHECK_EQ_U64(res.gpa, 0x345234);
	/* no NX here: fetches are never refused by page bits, nor reported as such */
	CHECK_EQ(tr(&cpu, 0x80001000, GWALK_ACC_FETCH), 0);
	CHECK_PF(&cpu, 0x80002000, GWALK_ACC_FETCH | GWALK_ACC_USER, GWALK_PF_U);
	tweak(BITS32, pd, 0x80001000, 1, RW, 0);
	CHECK_PF(&cpu, 0x80001000, UW, GWALK_PF_P | GWALK_PF_W | GWALK_PF_U);
	tweak(BITS32, pd, 0x80001000, 2, US, 0);
	CHECK_PF(&cpu, 0x80001000, GWALK_ACC_USER, GWALK_PF_P | GWALK_PF_U);
	/* bits 31:12 of a 4K PTE are all address: no reserved bits */
	map(BITS32, pd, 0x80003000, 1, 0xfffff000 | P);
	CHECK_EQ(tr(&cpu, 0x80003fff, 0), 0);
	CHECK_EQ_U64(res.gpa, 0xffffffff);
}

TEST(legacy_32bit_4m_pages)
{
	gpa_t pd, pt;
	struct gwalk_cpu cpu = { .cr0 = GWALK_CR0_PG | 1, .cr4 = GWALK_CR4_PSE, .maxphyaddr = 40 };

	mem_reset();
	pd = page_alloc();
	pt = page_alloc();
	cpu.cr3 = pd;
	map(BITS32, pd, 0xc0000000, 2, 0x00c00000 | P | RW | PS);
	CHECK_EQ(tr(&cpu, 0xc0123456, 0), 0);
	CHECK_EQ_U64(res.gpa, 0x00d23456);
	CHECK_EQ_U64(res.page_size, 4 << 20);

	/* PSE-36: PDE bits 20:13 are address bits 39:32 */
	map(BITS32, pd, 0xc0400000, 2, 0x00c00000 | (0x12 << 13) | P | PS);
	CHECK_EQ(tr(&cpu, 0xc0412345, 0), 0);
	CHECK_EQ_U64(res.gpa, 0x1200c12345);
	tweak(BITS32, pd, 0xc0400000, 2, 0, 1 << 21); /* bit 21 is always reserved */
	CHECK_PF(&cpu, 0xc0412345, 0, GWALK_PF_P | GWALK_PF_RSVD);
	cpu.maxphyaddr = 36; /* then bits 20:17 are too */
	tweak(BITS32, pd, 0xc0400000, 2, 1 << 21, 0);
	CHECK_PF(&cpu, 0xc0412345, 0, GWALK_PF_P | GWALK_PF_RSVD);

	/* without CR4.PSE, PS is ignored and the PDE points to a page table */
	cpu.cr4 = 0;
	map(BITS32, pd, 0xc0800000, 2, pt | P | RW | PS);
	wr(pt + 5 * 4, 4, 0x00777000 | P);
	CHECK_EQ(tr(&cpu, 0xc0805010, 0), 0);
	CHECK_EQ_U64(res.gpa, 0x777010);
	CHECK_EQ_U64(res.page_size, 0x1000);
}

TEST(unreadable_tables)
{
	struct gwalk_cpu cpu = cpu_long(0x7f000000); /* outside the fake memory */

	mem_reset();
	CHECK_EQ(tr(&cpu, 0x1000, 0), -E_RANGE);
}
