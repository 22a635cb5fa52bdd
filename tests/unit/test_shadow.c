// SPDX-License-Identifier: GPL-2.0-only
/*
 * The shadow page tables (vmm/virt/shadow.c) against the guest walker. The "CPU"
 * here is the walker itself, walking the shadow (as the real one does, through its
 * CR3 pointing at the shadow root) and calling shadow_fault() on each #PF, as the
 * monitor will. Every access must end as the same walk of the guest's own tables
 * says: the same guest-physical address, or the same #PF error code; and leave the
 * guest's A/D bits as a real CPU would. Guest writes to protected table pages are
 * "trapped" (shadow_write), writes to others are not, like the nested tables'
 * write protection. After each step, every shadow entry is audited against the
 * guest entry it derives from. With page tables out of sync (unsync_on), a trapped
 * write may instead give the page back to the guest: the guest's entries written so
 * are "unflushed" until an INVLPG of an address whose walk uses them, or a CR3 load;
 * an access that uses an unflushed entry may see the old translation, as with a TLB,
 * and is not compared; every other access must be exactly the walker's.
 */
#include "tests/unit/check.h"
#include "tests/unit/pte_bits.h"
#include "vmm/virt/shadow.h"
#include <stdlib.h>

#define ADDR	    0x000ffffffffff000ULL
#define MEM_SIZE    (8u << 20)
#define GUEST_PAGES (MEM_SIZE >> 12)
#define POOL_GPA    (1ULL << 40) /* above the guest's MAXPHYADDR (40 bits) */
#define MAX_POOL    64

static u8 gmem[MEM_SIZE];
static u64 pool[MAX_POOL * 512] __attribute__((aligned(4096)));
static u8 meta[1 << 20];
static u8 prot[GUEST_PAGES]; /* what the "nested tables" protect */
static unsigned protects, unprotects;
static struct shadow sh;
static gpa_t next_page;

static int g_read(void *ctx, gpa_t gpa, u64 *val)
{
	if (gpa + 8 > MEM_SIZE)
		return -E_RANGE;
	memcpy(val, gmem + gpa, 8);
	return 0;
}

static int g_cmpxchg(void *ctx, gpa_t gpa, u64 old, u64 val)
{
	u64 cur;

	if (gpa + 8 > MEM_SIZE)
		return -E_RANGE;
	memcpy(&cur, gmem + gpa, 8);
	if (cur != old)
		return 1;
	memcpy(gmem + gpa, &val, 8);
	return 0;
}

static int g_protect(void *ctx, u64 gfn, bool on)
{
	if (gfn >= GUEST_PAGES) {
		check_fail(__FILE__, __LINE__, "protect(%#llx): not guest RAM",
			   (unsigned long long)gfn);
		return -E_RANGE;
	}
	CHECK(prot[gfn] != on); /* (never twice the same way) */
	prot[gfn] = on;
	if (on)
		protects++;
	else
		unprotects++;
	return 0;
}

static const struct shadow_ops ops = { g_read, g_cmpxchg, g_protect, NULL };

/* The CPU's walk of the shadow reads only the pool. */
static int hw_read(void *opaque, gpa_t gpa, unsigned size, u64 *val)
{
	if (gpa < POOL_GPA || gpa + size > POOL_GPA + sizeof(pool) || size != 8)
		return -E_RANGE;
	memcpy(val, (u8 *)pool + (gpa - POOL_GPA), 8);
	return 0;
}

static int hw_cmpxchg(void *opaque, gpa_t gpa, unsigned size, u64 old, u64 val)
{
	u64 cur;

	if (hw_read(opaque, gpa, size, &cur))
		return -E_RANGE;
	if (cur != old)
		return 1;
	memcpy((u8 *)pool + (gpa - POOL_GPA), &val, 8);
	return 0;
}

static const struct gwalk_mem hw_mem = { hw_read, hw_cmpxchg, NULL };

static int gm_read(void *opaque, gpa_t gpa, unsigned size, u64 *val)
{
	return size == 8 ? g_read(opaque, gpa, val) : -E_INVAL;
}

static const struct gwalk_mem guest_mem = { gm_read, NULL, NULL };

static u64 rd(gpa_t gpa)
{
	u64 v;

	memcpy(&v, gmem + gpa, 8);
	return v;
}

static bool unsync_on; /* a trapped write may give its page back out of sync (half of them) */
static bool stale;     /* (directed tests) the guest flushes each address before it uses it */
static gpa_t stale_at; /* the last entry written out of sync */
#define MAX_UNFLUSHED 64
static gpa_t unflushed[MAX_UNFLUSHED]; /* (random runs) entries written out of sync since */
static unsigned nunflushed;	       /* their last flush */

static bool is_unflushed(gpa_t e)
{
	for (unsigned i = 0; i < nunflushed; i++)
		if (unflushed[i] == e)
			return true;
	return false;
}

static void flushed(gpa_t e)
{
	for (unsigned i = 0; i < nunflushed; i++)
		if (unflushed[i] == e) {
			unflushed[i] = unflushed[--nunflushed];
			return;
		}
}

/* The guest's CR3 load (or CR4 write): the monitor syncs every page out of sync. */
static void flush_all(void)
{
	(void)shadow_sync_all(&sh);
	nunflushed = 0;
}
static unsigned rnd_half(void);

/* The guest writes one of its entries: trapped and emulated if protected (as the
 * monitor's emulation reports an aligned 8-byte write: old and new value), or, with
 * unsync_on, the page given back out of sync and the write not trapped. */
static void guest_write(gpa_t gpa, u64 v)
{
	u64 old = rd(gpa);

	memcpy(gmem + gpa, &v, 8);
	if (prot[gpa >> 12] && unsync_on && rnd_half() && shadow_unsync(&sh, gpa >> 12) == 0)
		CHECK(!prot[gpa >> 12]);
	if (prot[gpa >> 12])
		shadow_write_entry(&sh, gpa, old, v);
	else if (sh.prot[gpa >> 12] == SHADOW_PROT_UNSYNC) {
		stale_at = gpa;
		if (!is_unflushed(gpa) && nunflushed == MAX_UNFLUSHED)
			flush_all(); /* (a model this small: the guest loads CR3) */
		if (!is_unflushed(gpa))
			unflushed[nunflushed++] = gpa;
	}
}

static void setup(u32 npages, struct gwalk_cpu *cpu)
{
	unsync_on = stale = false;
	stale_at = 0;
	nunflushed = 0;
	memset(gmem, 0, sizeof(gmem));
	memset(pool, 0, sizeof(pool));
	memset(prot, 0, sizeof(prot));
	protects = unprotects = 0;
	next_page = 0x100000;
	CHECK(shadow_meta_size(npages, GUEST_PAGES) <= sizeof(meta));
	CHECK_EQ(shadow_init(&sh, &ops, pool, POOL_GPA, npages, meta, GUEST_PAGES), 0);
	*cpu = (struct gwalk_cpu){ .cr0 = GWALK_CR0_PG | GWALK_CR0_WP | 1,
				   .cr4 = GWALK_CR4_PAE,
				   .efer = GWALK_EFER_LMA | GWALK_EFER_NXE,
				   .maxphyaddr = 40,
				   .amd = true };
}

static gpa_t page_new(void)
{
	gpa_t p = next_page;

	next_page += 0x1000;
	CHECK(next_page <= MEM_SIZE);
	return p;
}

static unsigned idx(u64 va, int level)
{
	return (va >> (12 + 9 * (level - 1))) & 0x1ff;
}

/* Maps va with leaf value leaf at level (1 = 4K, 2 = 2M, 3 = 1G), making tables. */
static void map(gpa_t root, u64 va, int level, u64 leaf)
{
	gpa_t t = root;

	for (int l = 4; l > level; l--) {
		gpa_t e = t + idx(va, l) * 8;
		if (!(rd(e) & P))
			guest_write(e, page_new() | P | RW | US);
		t = rd(e) & ADDR;
	}
	guest_write(t + idx(va, level) * 8, leaf);
}

static gpa_t entry_at(gpa_t root, u64 va, int level)
{
	gpa_t t = root;

	for (int l = 4; l > level; l--)
		t = rd(t + idx(va, l) * 8) & ADDR;
	return t + idx(va, level) * 8;
}

/* A pool of npages, one address space (returned: its root, and cpu's CR3), and va mapped
 * by a 4 KiB leaf; *pte = where that leaf is. */
static gpa_t one_page(u32 npages, struct gwalk_cpu *cpu, u64 va, u64 leaf, gpa_t *pte)
{
	gpa_t root;

	setup(npages, cpu);
	root = page_new();
	cpu->cr3 = root;
	map(root, va, 1, leaf);
	*pte = entry_at(root, va, 1);
	return root;
}

/*
 * One access by the CPU on the shadow, with shadow_fault() on each #PF. Returns 0
 * with *gpa, or GWALK_FAULT with *code (the #PF the guest gets), or what
 * shadow_fault() returned that the test does not handle.
 */
static int cpu_access(const struct gwalk_cpu *guest, u64 va, u32 access, gpa_t *gpa, u32 *code)
{
	struct gwalk_cpu hw = *guest;
	struct gwalk_result r;
	int spurious = 0;

	for (int tries = 0; tries < 8; tries++) {
		gpa_t root;
		u32 err;
		int rc = shadow_root(&sh, guest->cr3, &root);

		if (rc == -E_NOMEM) {
			shadow_reset(&sh);
			continue;
		}
		CHECK_EQ(rc, 0);
		if (stale) /* (the guest flushes what it changed before it uses it) */
			shadow_invlpg(&sh, root, va);
		hw.cr3 = root;
		hw.maxphyaddr = 52;
		rc = gwalk_translate(&hw, &hw_mem, va, access | GWALK_ACC_SET_AD, &r);
		if (rc == 0) {
			*gpa = r.gpa;
			return 0;
		}
		CHECK_EQ(rc, GWALK_FAULT);
		err = r.error_code;
		rc = shadow_fault(&sh, guest, va, &err);
		if (rc == SHADOW_SPURIOUS && ++spurious == 2) { /* the monitor's rule */
			*code = err;
			return GWALK_FAULT;
		}
		if (rc != SHADOW_SPURIOUS)
			spurious = 0;
		if (rc == SHADOW_INJECT) {
			*code = err;
			return GWALK_FAULT;
		}
		if (rc == -E_NOMEM) {
			shadow_reset(&sh);
			continue;
		}
		if (rc != SHADOW_FILLED && rc != SHADOW_FLUSH && rc != SHADOW_SPURIOUS)
			return rc;
	}
	return -E_TIMEDOUT;
}

/* The access as the guest's own tables say, then on the shadow: the same outcome, and
 * the guest's A/D bits set as a CPU would. */
static u64 n_mapped, n_faulted;

static void check_access(const struct gwalk_cpu *cpu, u64 va, u32 access)
{
	struct gwalk_result ref;
	int want = gwalk_translate(cpu, &guest_mem, va, access, &ref), got;
	gpa_t gpa = 0;
	u32 code = 0;
	char why[200];

	got = cpu_access(cpu, va, access, &gpa, &code);
	n_mapped += want == 0;
	n_faulted += want != 0;
	if (want == 0) {
		if (got != 0) {
			fprintf(stderr,
				"va %#llx access %#x cr4 %#llx efer %#llx ac %d: got %d code %#x\n",
				(unsigned long long)va, access, (unsigned long long)cpu->cr4,
				(unsigned long long)cpu->efer, !!(cpu->rflags & GWALK_RFLAGS_AC),
				got, code);
			for (int l = 4; l >= ref.level; l--)
				fprintf(stderr, "  L%d %#llx = %#llx\n", l,
					(unsigned long long)ref.entry_gpa[l - 1],
					(unsigned long long)ref.entries[l - 1]);
		}
		CHECK_EQ(got, 0);
		CHECK_EQ_U64(gpa, ref.gpa);
		for (int l = 4; l >= ref.level && got == 0; l--) {
			u64 e = rd(ref.entry_gpa[l - 1]);
			CHECK(e & A);
			if (l == ref.level && (access & GWALK_ACC_WRITE))
				CHECK(e & D);
		}
	} else {
		CHECK_EQ(want, GWALK_FAULT);
		CHECK_EQ(got, GWALK_FAULT);
		CHECK_EQ(code, ref.error_code);
	}
	if (shadow_audit(&sh, why, sizeof(why)) != 0)
		check_fail(__FILE__, __LINE__, "audit: %s", why);
}

static gpa_t spte(u64 va, int level, gpa_t root_spa)
{
	u64 t = root_spa;

	for (int l = 4; l > level; l--)
		t = pool[(t - POOL_GPA) / 8 + idx(va, l)] & ADDR;
	return pool[(t - POOL_GPA) / 8 + idx(va, level)];
}

TEST(modes)
{
	struct gwalk_cpu cpu;

	setup(8, &cpu);
	CHECK(shadow_mode_ok(&cpu));
	cpu.cr0 &= ~GWALK_CR0_WP;
	CHECK(!shadow_mode_ok(&cpu)); /* a read-only leaf would not stop a kernel write */
	cpu.cr0 |= GWALK_CR0_WP;
	cpu.cr4 |= GWALK_CR4_LA57;
	CHECK(!shadow_mode_ok(&cpu));
	cpu.cr4 &= ~GWALK_CR4_LA57;
	cpu.efer &= ~GWALK_EFER_LMA; /* PAE */
	CHECK(!shadow_mode_ok(&cpu));
	cpu.cr0 &= ~GWALK_CR0_PG;
	CHECK(!shadow_mode_ok(&cpu));
	{
		u32 err = 0;
		CHECK_EQ(shadow_fault(&sh, &cpu, 0x1000, &err), -E_INVAL);
	}
}

/* A 4K page: filled on the first access, with A set in the guest; read-only in the
 * shadow until the first write, which sets D; a PTE write takes effect. */
TEST(fill_dirty_and_pte_write)
{
	const u64 va = 0x00007f1234567000;
	struct gwalk_cpu cpu;
	gpa_t root, root_spa, pte;

	setup(16, &cpu);
	root = page_new();
	cpu.cr3 = root;
	map(root, va, 1, 0x5000 | P | RW | US);
	pte = entry_at(root, va, 1);
	CHECK_EQ(protects, 0); /* nothing shadowed yet */
	check_access(&cpu, va + 0x10, GWALK_ACC_USER);
	CHECK_EQ(protects, 4); /* the four table pages of the walk */
	CHECK_EQ_U64(rd(pte), 0x5000 | P | RW | US | A);
	CHECK_EQ(shadow_root(&sh, root, &root_spa), 0);
	CHECK_EQ_U64(spte(va, 1, root_spa), 0x5000 | P | US | A); /* no D: read-only */
	check_access(&cpu, va + 0x10, GWALK_ACC_USER | GWALK_ACC_WRITE);
	CHECK_EQ_U64(rd(pte), 0x5000 | P | RW | US | A | D);
	CHECK_EQ_U64(spte(va, 1, root_spa), 0x5000 | P | RW | US | A | D);
	CHECK_EQ(sh.st.fills, 2);

	/* the guest moves the page: the trapped write drops the shadow entry */
	guest_write(pte, 0x9000 | P | US);
	CHECK_EQ_U64(spte(va, 1, root_spa), 0);
	check_access(&cpu, va + 0x20, GWALK_ACC_USER);
	check_access(&cpu, va + 0x20, GWALK_ACC_USER | GWALK_ACC_WRITE); /* now read-only */
	/* and unmaps it */
	guest_write(pte, 0);
	check_access(&cpu, va, GWALK_ACC_USER);
	CHECK(sh.st.injected >= 2);
}

/* Large pages stay large; G, PWT, PCD and PAT are kept; NX, SMEP and SMAP act on
 * the shadow as on the guest's tables. */
TEST(large_pages_and_permissions)
{
	struct gwalk_cpu cpu;
	gpa_t root, root_spa;

	setup(16, &cpu);
	root = page_new();
	cpu.cr3 = root;
	map(root, 0xffffffff80000000, 2, 0x200000 | P | RW | PS | G | D | XD);
	map(root, 0xffff888000000000, 3, 0x40000000 | P | RW | PS | 0x18 | (1 << 12));
	map(root, 0x400000, 2, 0x600000 | P | US | PS | A);
	check_access(&cpu, 0xffffffff80001234, GWALK_ACC_WRITE);
	CHECK_EQ(shadow_root(&sh, root, &root_spa), 0);
	CHECK_EQ_U64(spte(0xffffffff80000000, 2, root_spa),
		     0x200000 | P | RW | PS | G | A | D | XD);
	check_access(&cpu, 0xffffffff80001234, GWALK_ACC_FETCH); /* NX */
	check_access(&cpu, 0xffff888012345678, 0);
	CHECK_EQ_U64(spte(0xffff888000000000, 3, root_spa),
		     0x40000000 | P | PS | 0x18 | (1 << 12) | A);
	check_access(&cpu, 0x400123, GWALK_ACC_USER | GWALK_ACC_FETCH);
	check_access(&cpu, 0x400123, GWALK_ACC_USER | GWALK_ACC_WRITE); /* read-only */
	cpu.cr4 |= GWALK_CR4_SMEP | GWALK_CR4_SMAP;
	check_access(&cpu, 0x400123, GWALK_ACC_FETCH); /* SMEP */
	check_access(&cpu, 0x400123, 0);	       /* SMAP */
	cpu.rflags |= GWALK_RFLAGS_AC;
	check_access(&cpu, 0x400123, 0);
	cpu.efer &= ~GWALK_EFER_NXE; /* XD is now a reserved bit, in the shadow too */
	check_access(&cpu, 0xffffffff80001234, 0);
}

/* Two address spaces share the kernel's upper tables: one spage each for those, and
 * a CR3 switch finds each root again. */
TEST(shared_roots)
{
	struct gwalk_cpu cpu;
	gpa_t r1, r2, s1, s2;

	setup(32, &cpu);
	r1 = page_new();
	r2 = page_new();
	cpu.cr3 = r1;
	map(r1, 0xffff888000000000, 1, 0x3000 | P | RW);
	memcpy(gmem + r2 + 256 * 8, gmem + r1 + 256 * 8, 256 * 8); /* the kernel half */
	map(r2, 0x1000, 1, 0x4000 | P | US);
	map(r1, 0x1000, 1, 0x5000 | P | US);
	check_access(&cpu, 0xffff888000000000, 0);
	check_access(&cpu, 0x1000, GWALK_ACC_USER);
	u64 before = sh.st.spages;
	cpu.cr3 = r2;
	check_access(&cpu, 0xffff888000000000, 0);
	CHECK_EQ(sh.st.spages, before + 1); /* only r2's own root is new */
	check_access(&cpu, 0x1000, GWALK_ACC_USER);
	CHECK_EQ(shadow_root(&sh, r1, &s1), 0);
	CHECK_EQ(shadow_root(&sh, r2, &s2), 0);
	CHECK(s1 != s2);
	CHECK_EQ_U64(spte(0x1000, 1, s1) & ADDR, 0x5000);
	CHECK_EQ_U64(spte(0x1000, 1, s2) & ADDR, 0x4000);
}

/* A page leaving the node empties its spages; writes with no fill between
 * unshadow a page; a full pool asks for a reset; the guest cannot map the pool. */
TEST(drop_flood_reset_and_pool)
{
	const u64 va = 0x00007f0000000000;
	struct gwalk_cpu cpu;
	gpa_t root, pte, root_spa;

	root = one_page(6, &cpu, va, 0x5000 | P | RW | US | A | D, &pte);
	check_access(&cpu, va, GWALK_ACC_USER | GWALK_ACC_WRITE);
	CHECK(prot[pte >> 12]);
	shadow_drop(&sh, pte >> 12);
	CHECK(!prot[pte >> 12]);
	CHECK(!shadow_protected(&sh, pte >> 12));
	CHECK_EQ(shadow_root(&sh, root, &root_spa), 0);
	CHECK_EQ_U64(spte(va, 1, root_spa), 0);
	check_access(&cpu, va, GWALK_ACC_USER); /* filled again, protected again */
	CHECK(prot[pte >> 12]);

	for (int i = 0; i < SHADOW_FLOOD; i++)
		guest_write(pte + 8 * (i + 1), 0x7000 | P);
	CHECK(!prot[pte >> 12]); /* a page written like data is unshadowed */
	CHECK_EQ(sh.st.floods, 1);
	check_access(&cpu, va + 0x1000, 0);

	/* 6 spages: a second 4K table under another PDPT needs 3 more */
	map(root, 0x100000000000, 1, 0x8000 | P);
	map(root, 0x200000000000, 1, 0x8000 | P);
	check_access(&cpu, 0x100000000000, 0);
	check_access(&cpu, 0x200000000000, 0);
	CHECK(sh.st.resets >= 1);
	check_access(&cpu, va, 0);

	/* a guest leaf on the pool is refused (with a 52-bit guest, where it is legal) */
	cpu.maxphyaddr = 52;
	map(root, 0x300000000000, 1, POOL_GPA | P | RW);
	{
		u32 err = 0;
		CHECK_EQ(shadow_fault(&sh, &cpu, 0x300000000000, &err), -E_FAULT);
		CHECK_EQ(shadow_fault(&sh, &cpu, 0x300000000000, &err), -E_FAULT);
	}
}

/* A 4 KiB fill maps the young neighbours of its group of SHADOW_AHEAD: not an old one
 * (its first use must set A), nor one not present, with a reserved bit, or on the pool.
 * A supervisor page is mapped as such: a user access to it faults on the shadow too. */
TEST(fill_ahead_maps_young_neighbours)
{
	const u64 va = 0x00007f0000010000; /* entry 16 of its table: a group's first */
	struct gwalk_cpu cpu;
	gpa_t root, root_spa, pte;

	setup(16, &cpu);
	root = page_new();
	cpu.cr3 = root;
	for (u64 j = 0; j < 2 * SHADOW_AHEAD; j++)
		map(root, va + j * 0x1000, 1, (0x40000 + j * 0x1000) | P | RW | US | A);
	pte = entry_at(root, va, 1);
	guest_write(pte + 2 * 8, 0x42000 | P | RW | US);		    /* old */
	guest_write(pte + 3 * 8, 0);					    /* not present */
	guest_write(pte + 4 * 8, 0x44000 | P | RW | A | D);		    /* supervisor */
	guest_write(pte + 5 * 8, 0x45000 | P | RW | US | A | (1ULL << 45)); /* reserved bit */
	guest_write(pte + 6 * 8, 0x46000 | P | RW | US | A | (1ULL << 7));  /* PAT: kept */
	guest_write(pte + 7 * 8, 0x47000 | P | RW | US | A | D);	    /* dirty: writable */
	check_access(&cpu, va + 0x1000, GWALK_ACC_USER);
	CHECK_EQ(shadow_root(&sh, root, &root_spa), 0);
	CHECK_EQ(sh.st.fills, 1);
	CHECK_EQ_U64(spte(va, 1, root_spa), 0x40000 | P | US | A);
	CHECK_EQ_U64(spte(va + 0x1000, 1, root_spa), 0x41000 | P | US | A);
	CHECK_EQ_U64(spte(va + 0x2000, 1, root_spa), 0);
	CHECK_EQ_U64(spte(va + 0x3000, 1, root_spa), 0);
	CHECK_EQ_U64(spte(va + 0x4000, 1, root_spa), 0x44000 | P | RW | A | D);
	CHECK_EQ_U64(spte(va + 0x5000, 1, root_spa), 0);
	CHECK_EQ_U64(spte(va + 0x6000, 1, root_spa), 0x46000 | P | US | A | (1ULL << 7));
	CHECK_EQ_U64(spte(va + 0x7000, 1, root_spa), 0x47000 | P | RW | US | A | D);
	CHECK_EQ_U64(spte(va + 0xf000, 1, root_spa), 0x4f000 | P | US | A);
	CHECK_EQ_U64(spte(va + 0x10000, 1, root_spa), 0); /* the next group */
	CHECK_EQ(sh.st.ahead, SHADOW_AHEAD - 4);
	check_access(&cpu, va + 0x4000, GWALK_ACC_USER);  /* the guest's #PF */
	check_access(&cpu, va + 0x4000, GWALK_ACC_WRITE); /* the kernel's write: no fault */
	CHECK_EQ(sh.st.fills, 1);
	/* The entries mapped ahead serve without a fault; the old one faults and gets A. */
	check_access(&cpu, va + 0x8000, GWALK_ACC_USER);
	CHECK_EQ(sh.st.fills, 1);
	check_access(&cpu, va + 0x2000, GWALK_ACC_USER);
	CHECK_EQ_U64(rd(pte + 2 * 8), 0x42000 | P | RW | US | A);
	CHECK_EQ(sh.st.fills, 2);
	/* The guest ages a page (clears A): its entry goes, and the next use sets A again. */
	guest_write(pte + 9 * 8, 0x49000 | P | RW | US);
	CHECK_EQ_U64(spte(va + 0x9000, 1, root_spa), 0);
	check_access(&cpu, va + 0x9000, GWALK_ACC_USER);
	CHECK_EQ_U64(rd(pte + 9 * 8), 0x49000 | P | RW | US | A);
	/* A neighbour on the pool is never mapped (a 52-bit guest, where it is legal). */
	cpu.maxphyaddr = 52;
	guest_write(pte + 17 * 8, POOL_GPA | P | RW | US | A);
	check_access(&cpu, va + 0x10000, GWALK_ACC_USER);
	CHECK_EQ_U64(spte(va + 0x10000, 1, root_spa), 0x50000 | P | US | A);
	CHECK_EQ_U64(spte(va + 0x11000, 1, root_spa), 0);
	CHECK_EQ_U64(spte(va + 0x12000, 1, root_spa), 0x52000 | P | US | A);
}

/* An emulated write that maps a page (not present before, present and young now) is
 * derived at once; one that changes a present entry, or maps it old, drops it as before.
 * A prefill is a fill for the flood count; other writes are not. */
TEST(prefill_on_a_new_mapping)
{
	const u64 va = 0x00007f0000020000;
	struct gwalk_cpu cpu;
	gpa_t root, root_spa, pte;

	root = one_page(16, &cpu, va, 0x40000 | P | RW | US | A | D, &pte);
	check_access(&cpu, va, GWALK_ACC_USER);
	CHECK_EQ(shadow_root(&sh, root, &root_spa), 0);
	CHECK_EQ(sh.st.fills, 1);
	/* the guest's own page faults map three pages, one old */
	guest_write(pte + 8 * 20, 0x41000 | P | RW | US | A | D);
	guest_write(pte + 8 * 21, 0x42000 | P | RW | US | A);
	guest_write(pte + 8 * 22, 0x43000 | P | RW | US);
	CHECK_EQ_U64(spte(va + 20 * 0x1000, 1, root_spa), 0x41000 | P | RW | US | A | D);
	CHECK_EQ_U64(spte(va + 21 * 0x1000, 1, root_spa), 0x42000 | P | US | A);
	CHECK_EQ_U64(spte(va + 22 * 0x1000, 1, root_spa), 0);
	CHECK_EQ(sh.st.prefilled, 2);
	check_access(&cpu, va + 20 * 0x1000, GWALK_ACC_USER | GWALK_ACC_WRITE);
	check_access(&cpu, va + 21 * 0x1000, GWALK_ACC_USER | GWALK_ACC_WRITE); /* sets D */
	CHECK_EQ_U64(rd(pte + 8 * 21), 0x42000 | P | RW | US | A | D);
	CHECK_EQ(sh.st.fills, 2);
	/* a present entry changed (write-protected, as fork does): dropped, not derived */
	guest_write(pte + 8 * 20, 0x41000 | P | US | A | D);
	CHECK_EQ_U64(spte(va + 20 * 0x1000, 1, root_spa), 0);
	/* not young, reserved, or on the pool: not derived */
	guest_write(pte + 8 * 23, 0x44000 | P | RW | US | A | (1ULL << 45));
	CHECK_EQ_U64(spte(va + 23 * 0x1000, 1, root_spa), 0);
	cpu.maxphyaddr = 52; /* (the pool is legal for a 52-bit guest; a fill says so) */
	check_access(&cpu, va + 22 * 0x1000, GWALK_ACC_USER); /* (and resets the count) */
	CHECK_EQ(sh.st.fills, 3);
	guest_write(pte + 8 * 24, POOL_GPA | P | RW | US | A);
	guest_write(pte + 8 * 25, (1ULL << 45) | P | RW | US | A);
	CHECK_EQ_U64(spte(va + 24 * 0x1000, 1, root_spa), 0);
	CHECK_EQ_U64(spte(va + 25 * 0x1000, 1, root_spa), (1ULL << 45) | P | US | A);
	CHECK_EQ(sh.st.prefilled, 3);
	/* prefills keep the page shadowed; SHADOW_FLOOD other writes in a row unshadow it */
	for (int i = 0; i < 2 * SHADOW_FLOOD; i++)
		guest_write(pte + 8 * (100 + i), (0x50000 + i * 0x1000) | P | US | A);
	CHECK(prot[pte >> 12]);
	CHECK_EQ(sh.st.prefilled, 3 + 2 * SHADOW_FLOOD);
	for (int i = 0; i < SHADOW_FLOOD; i++)
		guest_write(pte + 8 * (100 + i), 0);
	CHECK(!prot[pte >> 12]);
	check_access(&cpu, va + 101 * 0x1000, GWALK_ACC_USER);
}

/* ---- Random tables, random accesses, random changes ------------------------------ */

static u64 rng_state;

static unsigned rnd_half(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (unsigned)(rng_state >> 40) & 1;
}

static u64 rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static bool chance(unsigned pct)
{
	return rnd() % 100 < pct;
}

static gpa_t tables[4][24]; /* guest tables by level - 1 */
static unsigned ntables[4];

/* A random entry for a table at level: a link to another table (often one that
 * exists: shared), or a leaf; with random permissions, A/D, and now and then a
 * reserved bit or not present. */
static u64 random_entry(int level)
{
	u64 e = 0;

	if (chance(8))
		return chance(50) ? 0 : rnd() & ~P;
	if (level == 1 || (level <= 3 && chance(25))) {
		u64 size = level == 1 ? 0x1000 : level == 2 ? 0x200000 : 0x40000000;
		e = (rnd() % ((1ULL << 36) / size)) * size | (level > 1 ? PS : 0);
		if (level > 1 && chance(5))
			e |= 0x2000;			 /* a reserved bit of a large leaf */
		e |= chance(unsync_on ? 5 : 50) ? G : 0; /* (a global leaf: kept in sync) */
	} else {
		unsigned n = ntables[level - 2];
		if (n < 24 && (n == 0 || chance(40))) {
			tables[level - 2][n] = page_new();
			ntables[level - 2]++;
		}
		e = tables[level - 2][rnd() % ntables[level - 2]];
		if (chance(4)) { /* a table of a higher level here too: one page at two
				  * levels (a lower one's entries, read as links, would
				  * point outside the guest's memory) */
			int other = level - 1 + (int)(rnd() % (unsigned)(5 - level));
			if (ntables[other])
				e = tables[other][rnd() % ntables[other]];
		}
	}
	e |= P | (chance(75) ? RW : 0) | (chance(70) ? US : 0) | (chance(20) ? XD : 0);
	e |= (chance(50) ? A : 0) | (chance(50) ? D : 0);
	if (chance(3))
		e |= 1ULL << (40 + rnd() % 12); /* above MAXPHYADDR */
	if (level == 4 && chance(3))
		e |= 0x100; /* AMD reserves bit 8 of a PML4E */
	return e;
}

/* A table slot: mostly one of a few, so that addresses and entries meet. */
static unsigned random_slot(void)
{
	static const unsigned pick[] = { 0, 1, 2, 255, 256, 511 };

	return chance(80) ? pick[rnd() % 6] : (unsigned)(rnd() % 512);
}

/* An address whose walk from root uses the entry at gpa of a page table, through the
 * slots random_slot() favours: true with *va if there is one. */
static bool va_through(gpa_t root, gpa_t gpa, u64 *va)
{
	static const unsigned pick[] = { 0, 1, 2, 255, 256, 511 };

	for (unsigned a = 0; a < 6; a++) {
		u64 e4 = rd(root + pick[a] * 8), e3, e2;
		if (!(e4 & P) || (e4 & ADDR) >= MEM_SIZE)
			continue;
		for (unsigned b = 0; b < 6; b++) {
			e3 = rd((e4 & ADDR) + pick[b] * 8);
			if (!(e3 & P) || (e3 & PS) || (e3 & ADDR) >= MEM_SIZE)
				continue;
			for (unsigned c = 0; c < 6; c++) {
				e2 = rd((e3 & ADDR) + pick[c] * 8);
				if (!(e2 & P) || (e2 & PS) || (e2 & ADDR) != (gpa & ADDR))
					continue;
				*va = (u64)pick[a] << 39 | (u64)pick[b] << 30 | (u64)pick[c] << 21 |
				      (gpa & 0xfff) / 8 << 12;
				if (*va & (1ULL << 47))
					*va |= 0xffff000000000000ULL;
				return true;
			}
		}
	}
	return false;
}

/* A random canonical address. */
static u64 random_va(void)
{
	u64 va = 0;

	for (int l = 4; l >= 1; l--)
		va |= (u64)random_slot() << (12 + 9 * (l - 1));
	va |= rnd() & 0xfff;
	if (va & (1ULL << 47))
		va |= 0xffff000000000000ULL;
	return va;
}

static u64 n_ahead, n_prefilled;

/* The level-1 entry the guest's walk of va uses (a leaf or the entry that faults), or 0. */
static gpa_t pte_of(const struct gwalk_cpu *cpu, u64 va)
{
	struct gwalk_result r;

	if (gwalk_translate(cpu, &guest_mem, va, 0, &r) < 0 && r.level != 1)
		return 0;
	return r.level == 1 ? r.entry_gpa[0] : 0;
}

/* The guest's INVLPG of va, on the shadow root of its CR3. */
static void invlpg(const struct gwalk_cpu *cpu, u64 va)
{
	gpa_t root, e = pte_of(cpu, va);

	if (shadow_root(&sh, cpu->cr3, &root) == 0)
		shadow_invlpg(&sh, root, va);
	if (e)
		flushed(e);
}

/* An access through an unflushed entry: any outcome a TLB allows; only the audit. */
static void unchecked_access(const struct gwalk_cpu *cpu, u64 va, u32 access)
{
	gpa_t gpa;
	u32 code;
	char why[200];
	int rc = cpu_access(cpu, va, access, &gpa, &code);

	CHECK(rc == 0 || rc == GWALK_FAULT);
	if (shadow_audit(&sh, why, sizeof(why)) != 0)
		check_fail(__FILE__, __LINE__, "audit: %s", why);
}

static void random_run(u64 seed, u32 npages, int steps, bool unsync)
{
	struct gwalk_cpu cpu;
	gpa_t roots[3];

	rng_state = seed;
	setup(npages, &cpu);
	unsync_on = unsync;
	memset(ntables, 0, sizeof(ntables));
	for (int i = 0; i < 3; i++) {
		roots[i] = page_new();
		tables[3][ntables[3]++] = roots[i];
	}
	cpu.cr3 = roots[0];
	for (int step = 0; step < steps && !check_failures(); step++) {
		unsigned what = (unsigned)(rnd() % 100);
		if (what < 60) {
			u32 access =
				(u32)(rnd() & (GWALK_ACC_WRITE | GWALK_ACC_USER | GWALK_ACC_FETCH));
			if ((access & GWALK_ACC_WRITE) && (access & GWALK_ACC_FETCH))
				access &= ~GWALK_ACC_FETCH;
			u64 va = random_va();
			if (nunflushed && chance(50)) /* (mostly what was just changed) */
				(void)va_through(cpu.cr3, stale_at, &va);
			gpa_t e = pte_of(&cpu, va);
			if (e && is_unflushed(e) && chance(50)) /* (the guest flushes it first) */
				invlpg(&cpu, va);
			if (e && is_unflushed(e))
				unchecked_access(&cpu, va, access);
			else
				check_access(&cpu, va, access);
		} else if (what < 62 && unsync_on) { /* an INVLPG, mostly of what changed */
			u64 va = random_va();
			if (nunflushed && chance(70))
				(void)va_through(cpu.cr3, unflushed[rnd() % nunflushed], &va);
			invlpg(&cpu, va);
		} else if (what < 90) { /* the guest changes an entry of one of its tables */
			/* (out of sync: mostly page tables, the tables that may be) */
			int level = unsync_on && chance(60) ? 1 : 1 + (int)(rnd() % 4);
			if (!ntables[level - 1])
				continue;
			gpa_t t = tables[level - 1][rnd() % ntables[level - 1]];
			guest_write(t + random_slot() * 8, random_entry(level));
		} else if (what < 94) {
			cpu.cr3 = roots[rnd() % 3];
			flush_all();	/* (the monitor's CR3 exit) */
		} else if (what < 97) { /* another node takes a table page */
			int level = 1 + (int)(rnd() % 4);
			if (!ntables[level - 1])
				continue;
			gpa_t t = tables[level - 1][rnd() % ntables[level - 1]];
			shadow_drop(&sh, t >> 12);
			guest_write(t + random_slot() * 8, random_entry(level)); /* (not trapped) */
		} else if (what < 99) {
			cpu.cr4 ^= chance(50) ? GWALK_CR4_SMEP : GWALK_CR4_SMAP;
			cpu.rflags ^= chance(50) ? GWALK_RFLAGS_AC : 0;
			flush_all(); /* (the monitor's CR4 exit, while any is out of sync) */
		} else {
			cpu.efer ^= chance(20) ? GWALK_EFER_NXE : 0;
			if (chance(30)) {
				shadow_reset(&sh);
				nunflushed = 0;
			}
		}
	}
	n_ahead += sh.st.ahead;
	n_prefilled += sh.st.prefilled;
	/* protections given back = those taken, less those still held */
	unsigned held = 0;
	for (u64 g = 0; g < GUEST_PAGES; g++)
		held += prot[g];
	CHECK_EQ(protects - unprotects, held);
}

/* Several seeds, with a roomy pool and a tight one (resets). */
TEST(random_against_the_walker)
{
	for (u64 seed = 1; seed <= 12 && !check_failures(); seed++)
		random_run(seed * 0x9e3779b97f4a7c15ULL, seed % 3 ? MAX_POOL : 10, 20000, false);
	/* (what the runs covered: every kind of outcome, many times) */
	printf("random runs: %llu accesses mapped, %llu faulted, %llu entries mapped ahead, "
	       "%llu prefilled\n",
	       (unsigned long long)n_mapped, (unsigned long long)n_faulted,
	       (unsigned long long)n_ahead, (unsigned long long)n_prefilled);
	CHECK(n_mapped > 10000 && n_faulted > 10000 && n_ahead > 1000 && n_prefilled > 100);
}

/* The same with page tables out of sync: every outcome still the walker's once the guest
 * has flushed the address; pages given back, synced and protected again. */
TEST(random_with_pages_out_of_sync)
{
	u64 unsyncs = 0, syncs = 0, synced = 0, invlpgs = 0;

	for (u64 seed = 1; seed <= 12 && !check_failures(); seed++) {
		random_run(seed * 0x2545f4914f6cdd1dULL, seed % 3 ? MAX_POOL : 10, 20000, true);
		unsyncs += sh.st.unsyncs;
		syncs += sh.st.syncs;
		synced += sh.st.synced;
		invlpgs += sh.st.invlpgs;
	}
	printf("random runs out of sync: %llu pages given back, %llu synced (%llu entries "
	       "dropped then), %llu INVLPGs that reached one\n",
	       (unsigned long long)unsyncs, (unsigned long long)syncs, (unsigned long long)synced,
	       (unsigned long long)invlpgs);
	CHECK(unsyncs > 100 && syncs > 100 && synced > 20 && invlpgs > 200);
}

/* A page table out of sync: the guest's writes are not trapped, its changed entry stays
 * in the shadow until INVLPG of its address, a CR3 load protects the page again; a page
 * table with a global entry is not given back, and a global entry's fill from one out
 * of sync drops and protects it first; with no entry left, it stays writable, off the
 * list, until a fill from it; a link to it made again syncs it; another core's write
 * before the flush between the halves of a CR3 load's sync is seen. */
TEST(page_table_out_of_sync)
{
	const u64 va = 0x00007f0000000000;
	struct gwalk_cpu cpu;
	gpa_t root, pte, root_spa;

	root = one_page(8, &cpu, va, 0x5000 | P | RW | US | A | D, &pte);
	check_access(&cpu, va, GWALK_ACC_USER);
	CHECK_EQ(shadow_root(&sh, root, &root_spa), 0);
	CHECK(prot[pte >> 12]);
	CHECK_EQ(shadow_unsync(&sh, root >> 12), -E_BUSY); /* (a PML4) */
	CHECK_EQ(shadow_unsync(&sh, pte >> 12), 0);
	CHECK(!prot[pte >> 12]);
	CHECK_EQ(sh.prot[pte >> 12], SHADOW_PROT_UNSYNC);
	CHECK_EQ(shadow_unsync(&sh, pte >> 12), -E_BUSY); /* (already) */

	memcpy(gmem + pte, &(u64){ 0x6000 | P | RW | US | A | D }, 8); /* not trapped */
	CHECK_EQ_U64(spte(va, 1, root_spa) & ADDR, 0x5000);	       /* a stale TLB */
	shadow_invlpg(&sh, root_spa, va + 0x1000);		       /* another address */
	CHECK_EQ_U64(spte(va, 1, root_spa) & ADDR, 0x5000);
	shadow_invlpg(&sh, root_spa, va);
	CHECK_EQ_U64(spte(va, 1, root_spa), 0);
	CHECK_EQ(sh.st.invlpgs, 2);
	check_access(&cpu, va, GWALK_ACC_USER | GWALK_ACC_WRITE);
	CHECK_EQ_U64(spte(va, 1, root_spa) & ADDR, 0x6000);
	CHECK_EQ(sh.prot[pte >> 12], SHADOW_PROT_UNSYNC); /* (filled, still out of sync) */

	/* a neighbour changes; the CR3 load drops it and protects the page again */
	map(root, va + 0x1000, 1, 0x7000 | P | US | A);
	check_access(&cpu, va + 0x1000, GWALK_ACC_USER);
	memcpy(gmem + pte + 8, &(u64){ 0x8000 | P | US | A }, 8);
	CHECK(shadow_sync_all(&sh));
	CHECK(prot[pte >> 12]);
	CHECK_EQ(sh.prot[pte >> 12], SHADOW_PROT_ON);
	CHECK_EQ_U64(spte(va + 0x1000, 1, root_spa), 0);
	CHECK_EQ_U64(spte(va, 1, root_spa) & ADDR, 0x6000); /* (unchanged: kept) */
	check_access(&cpu, va + 0x1000, GWALK_ACC_USER);
	CHECK_EQ_U64(spte(va + 0x1000, 1, root_spa) & ADDR, 0x8000);

	/* out of sync again; a global entry's fill syncs and protects it first */
	CHECK_EQ(shadow_unsync(&sh, pte >> 12), 0);
	memcpy(gmem + pte + 16, &(u64){ 0x9000 | P | G | A }, 8);
	check_access(&cpu, va + 0x2000, 0);
	CHECK(prot[pte >> 12]);
	CHECK(spte(va + 0x2000, 1, root_spa) & G);
	CHECK_EQ(shadow_unsync(&sh, pte >> 12), -E_BUSY); /* (a global entry derived) */

	/* every entry cleared while out of sync: left writable, off the list, at the CR3 load;
	 * a fill from it lists it again */
	memset(gmem + pte, 0, 24);
	shadow_drop(&sh, pte >> 12);
	check_access(&cpu, va, GWALK_ACC_USER); /* (faults: the guest unmapped it) */
	map(root, va, 1, 0x5000 | P | US | A);
	check_access(&cpu, va, GWALK_ACC_USER);
	CHECK_EQ(shadow_unsync(&sh, pte >> 12), 0);
	memset(gmem + pte, 0, 8);
	CHECK(!shadow_sync_all(&sh));
	CHECK(!prot[pte >> 12]);
	CHECK_EQ(sh.prot[pte >> 12], SHADOW_PROT_UNSYNC);
	CHECK_EQ(sh.nunsync, 0);
	check_access(&cpu, va, GWALK_ACC_USER); /* (not mapped) */
	CHECK_EQ(sh.nunsync, 0);
	guest_write(pte, 0x5000 | P | US | A); /* (not trapped) */
	check_access(&cpu, va, GWALK_ACC_USER);
	CHECK_EQ(sh.nunsync, 1);
	CHECK(!prot[pte >> 12]);
	CHECK(shadow_sync_all(&sh)); /* (an entry: protected again) */
	CHECK(prot[pte >> 12]);

	/* another core writes the page until the flush between the halves of a CR3 load's
	 * sync: the end reads what it wrote */
	CHECK_EQ(shadow_unsync(&sh, pte >> 12), 0);
	CHECK_EQ_U64(spte(va, 1, root_spa) & ADDR, 0x5000);
	CHECK(shadow_sync_begin(&sh));
	CHECK(prot[pte >> 12]);
	CHECK_EQ_U64(spte(va, 1, root_spa) & ADDR, 0x5000);   /* (unchanged so far: kept) */
	memcpy(gmem + pte, &(u64){ 0x6000 | P | US | A }, 8); /* (its TLB still writable) */
	shadow_sync_end(&sh);
	CHECK_EQ_U64(spte(va, 1, root_spa), 0);
	CHECK_EQ(sh.prot[pte >> 12], SHADOW_PROT_ON);
	check_access(&cpu, va, GWALK_ACC_USER);
	CHECK_EQ_U64(spte(va, 1, root_spa) & ADDR, 0x6000);

	/* the link to it goes (a PMD write), the guest clears an entry and flushes it while
	 * nothing links the page (the INVLPG finds nothing), then links it again: the stale
	 * entry must go when the link comes back */
	stale = false; /* (no INVLPG but the guest's own from here) */
	map(root, va + 0x1000, 1, 0x7000 | P | US | A);
	check_access(&cpu, va + 0x1000, GWALK_ACC_USER);
	check_access(&cpu, va, GWALK_ACC_USER);
	CHECK_EQ(shadow_unsync(&sh, pte >> 12), 0);
	gpa_t pde = entry_at(root, va, 2);
	u64 link = rd(pde);
	memset(gmem + pte, 0, 8); /* (not trapped) */
	guest_write(pde, 0);	  /* (trapped: the link goes) */
	shadow_invlpg(&sh, root_spa, va);
	guest_write(pde, link);
	check_access(&cpu, va + 0x1000, GWALK_ACC_USER); /* (the link back) */
	check_access(&cpu, va, GWALK_ACC_USER);		 /* (not the stale 0x6000) */
	CHECK(shadow_sync_all(&sh));

	/* the same a level higher: the page directory's link to it stays, the PDPT's shadow
	 * is emptied (another node took that page), the INVLPG reaches no page table, a
	 * neighbour's fill links the PDPT again */
	map(root, va, 1, 0x5000 | P | US | A);
	check_access(&cpu, va, GWALK_ACC_USER);
	CHECK_EQ(shadow_unsync(&sh, pte >> 12), 0);
	memset(gmem + pte, 0, 8); /* (not trapped) */
	shadow_drop(&sh, (rd(entry_at(root, va, 4)) & ADDR) >> 12);
	shadow_invlpg(&sh, root_spa, va);
	check_access(&cpu, va + 0x1000, GWALK_ACC_USER); /* (the PDPT's link back) */
	check_access(&cpu, va, GWALK_ACC_USER);		 /* (not the stale 0x5000) */
	CHECK(shadow_sync_all(&sh));

	/* out of sync, then walked as a page directory too: synced and protected */
	map(root, va + 0x1000, 1, 0x8000 | P | US | A);
	check_access(&cpu, va + 0x1000, GWALK_ACC_USER);
	CHECK_EQ(shadow_unsync(&sh, pte >> 12), 0);
	memcpy(gmem + 0x8000, &(u64){ 0xa000 | P | US | A }, 8); /* (0x8000: read as a table) */
	map(root, 0x0000010000000000, 3, (pte & ADDR) | P | RW | US);
	check_access(&cpu, 0x0000010000000000 + (1ULL << 21), GWALK_ACC_USER);
	CHECK(prot[pte >> 12]);
	CHECK_EQ(sh.prot[pte >> 12], SHADOW_PROT_ON);
	CHECK_EQ(shadow_unsync(&sh, pte >> 12), -E_BUSY); /* (an upper table now) */
	check_access(&cpu, va + 0x1000, GWALK_ACC_USER);
}
