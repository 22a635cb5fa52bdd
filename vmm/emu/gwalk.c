// SPDX-License-Identifier: GPL-2.0-only
/*
 * The guest page-table walker (see vmm/emu/gwalk.h). One loop serves every paging
 * mode: what differs is the number of levels, the entry size, how a level
 * indexes the address, which entries may map a page and which bits are
 * reserved. Each entry read is checked for P and reserved bits as hardware
 * does; permissions accumulate down the walk and are checked at the leaf
 * (Intel SDM vol. 3A 4.6 "Access rights", AMD APM vol. 2 5.6 "Page-protection
 * checks"). A/D bits are set only once the access is known to be allowed.
 */
#include "vmm/emu/gwalk.h"

/* Entry bits shared by every format (SDM vol. 3A tables 4-4 to 4-20). */
#define PTE_P  (1ULL << 0)
#define PTE_RW (1ULL << 1)
#define PTE_US (1ULL << 2)
#define PTE_A  (1ULL << 5)
#define PTE_D  (1ULL << 6)
#define PTE_PS (1ULL << 7)
#define PTE_XD (1ULL << 63)

#define GWALK_BITS(hi, lo) ((~0ULL >> (63 - (hi))) & ~((1ULL << (lo)) - 1))

enum gwalk_paging { PAGING_OFF, PAGING_32, PAGING_PAE, PAGING_LONG4, PAGING_LONG5 };

struct gwalk_state {
	const struct gwalk_cpu *cpu;
	const struct gwalk_mem *mem;
	gva_t va;
	u32 access;
	u8 paging; /* enum gwalk_paging */
	u8 levels;
	u8 esize; /* entry size in bytes */
	u8 maxphy;
	u64 addr_mask; /* bits maxphy-1:12 of an 8-byte entry */
	bool user_ok, write_ok, nx;
	gpa_t gpa[5]; /* where each level's entry was read, by level - 1 */
	u64 entry[5];
};

static u8 gwalk_paging_mode(const struct gwalk_cpu *cpu)
{
	if (!(cpu->cr0 & GWALK_CR0_PG))
		return PAGING_OFF;
	if (cpu->efer & GWALK_EFER_LMA)
		return (cpu->cr4 & GWALK_CR4_LA57) ? PAGING_LONG5 : PAGING_LONG4;
	return (cpu->cr4 & GWALK_CR4_PAE) ? PAGING_PAE : PAGING_32;
}

static bool gwalk_nxe(const struct gwalk_state *w)
{
	return w->esize == 8 && (w->cpu->efer & GWALK_EFER_NXE);
}

static unsigned gwalk_index(const struct gwalk_state *w, int level)
{
	if (w->paging == PAGING_32)
		return (w->va >> (12 + 10 * (level - 1))) & 0x3ff;
	if (w->paging == PAGING_PAE && level == 3)
		return (w->va >> 30) & 3;
	return (w->va >> (12 + 9 * (level - 1))) & 0x1ff;
}

static gpa_t gwalk_root(const struct gwalk_state *w)
{
	if (w->paging == PAGING_32)
		return w->cpu->cr3 & 0xfffff000ULL;
	if (w->paging == PAGING_PAE)
		return w->cpu->cr3 & 0xffffffe0ULL; /* 32-byte aligned PDPT */
	return w->cpu->cr3 & w->addr_mask;
}

/* PS makes a PDE (or a long-mode PDPTE) map a page; 32-bit paging needs CR4.PSE. */
static bool gwalk_is_leaf(const struct gwalk_state *w, int level, u64 e)
{
	if (level == 1)
		return true;
	if (!(e & PTE_PS))
		return false;
	if (level == 2)
		return w->paging != PAGING_32 || (w->cpu->cr4 & GWALK_CR4_PSE);
	return level == 3 && w->paging >= PAGING_LONG4;
}

/* Reserved bits of an entry (SDM vol. 3A tables 4-5, 4-8 to 4-11, 4-14 to 4-19). */
static u64 gwalk_rsvd_mask(const struct gwalk_state *w, int level, bool leaf)
{
	u64 nx = gwalk_nxe(w) ? 0 : PTE_XD;
	u64 high;

	switch (w->paging) {
	case PAGING_32:
		if (level == 2 && leaf) {
			/* PSE-36: PDE bits 20:13 hold address bits 39:32 (up to MAXPHYADDR). */
			unsigned hi = w->maxphy > 32 ? MIN(w->maxphy, 40) - 32 : 0;
			return GWALK_BITS(21, 13 + hi);
		}
		return 0;
	case PAGING_PAE:
		high = w->maxphy < 63 ? GWALK_BITS(62, w->maxphy) : 0;
		if (level == 3) /* PDPTE: no R/W, U/S, A, PS or XD */
			return high | PTE_XD | GWALK_BITS(2, 1) | GWALK_BITS(8, 5);
		return high | nx | (leaf && level == 2 ? GWALK_BITS(20, 13) : 0);
	}
	high = (w->maxphy < 52 ? GWALK_BITS(51, w->maxphy) : 0) | nx;
	if (level >= 4) /* PML4E/PML5E: PS must be 0; AMD also reserves bit 8 */
		return high | PTE_PS | (w->cpu->amd ? (1ULL << 8) : 0);
	if (leaf && level == 3)
		return high | GWALK_BITS(29, 13);
	if (leaf && level == 2)
		return high | GWALK_BITS(20, 13);
	return high;
}

/* Rights narrow down the walk: every level must allow user, write; any level may forbid execute. */
static void gwalk_accumulate(struct gwalk_state *w, int level, u64 e)
{
	if (w->paging == PAGING_PAE && level == 3)
		return;
	w->user_ok = w->user_ok && (e & PTE_US);
	w->write_ok = w->write_ok && (e & PTE_RW);
	if (gwalk_nxe(w) && (e & PTE_XD))
		w->nx = true;
}

/* Address and size of the page a leaf entry maps. */
static void gwalk_leaf(const struct gwalk_state *w, int level, u64 e, struct gwalk_result *res)
{
	u64 size, base;

	if (w->paging == PAGING_32) {
		size = level == 1 ? 1ULL << 12 : 1ULL << 22;
		base = e & ~(size - 1) & 0xffffffffULL;
		if (level == 2)
			base |= ((e >> 13) & 0xff) << 32;
	} else {
		size = 1ULL << (12 + 9 * (level - 1));
		base = e & w->addr_mask & ~(size - 1);
	}
	res->page_size = size;
	res->gpa = base | (w->va & (size - 1));
}

/* The #PF error code: the access type, plus P and RSVD as the cause says. */
static u32 gwalk_error_code(const struct gwalk_state *w, u32 cause)
{
	u32 code = cause | (w->access & (GWALK_PF_W | GWALK_PF_U));

	/* I/D is only reported when NX or SMEP is on (SDM vol. 3A 4.7). */
	if ((w->access & GWALK_ACC_FETCH) && (gwalk_nxe(w) || (w->cpu->cr4 & GWALK_CR4_SMEP)))
		code |= GWALK_PF_I;
	return code;
}

/* Access rights at the leaf (SDM vol. 3A 4.6): true when the access is allowed. */
static bool gwalk_allowed(const struct gwalk_state *w)
{
	const struct gwalk_cpu *cpu = w->cpu;
	bool write = w->access & GWALK_ACC_WRITE, fetch = w->access & GWALK_ACC_FETCH;

	if (fetch && w->nx)
		return false;
	if (w->access & GWALK_ACC_USER)
		return w->user_ok && (!write || w->write_ok);
	if (w->user_ok && fetch && (cpu->cr4 & GWALK_CR4_SMEP))
		return false;
	if (w->user_ok && !fetch && (cpu->cr4 & GWALK_CR4_SMAP) && !(cpu->rflags & GWALK_RFLAGS_AC))
		return false;
	return !write || w->write_ok || !(cpu->cr0 & GWALK_CR0_WP);
}

static int gwalk_fault(const struct gwalk_state *w, u32 cause, struct gwalk_result *res)
{
	res->error_code = gwalk_error_code(w, cause);
	return GWALK_FAULT;
}

/* One walk from the root; on success the leaf is at res->level. */
static int gwalk_walk(struct gwalk_state *w, struct gwalk_result *res)
{
	gpa_t table = gwalk_root(w);

	w->user_ok = w->write_ok = true;
	w->nx = false;
	for (int level = w->levels; level >= 1; level--) {
		gpa_t gpa = table + gwalk_index(w, level) * w->esize;
		bool leaf;
		u64 e;
		int err = w->mem->read(w->mem->opaque, gpa, w->esize, &e);

		if (err)
			return err;
		w->gpa[level - 1] = res->entry_gpa[level - 1] = gpa;
		w->entry[level - 1] = res->entries[level - 1] = e;
		res->entry = e;
		res->level = level;
		if (!(e & PTE_P))
			return gwalk_fault(w, 0, res);
		leaf = gwalk_is_leaf(w, level, e);
		if (e & gwalk_rsvd_mask(w, level, leaf))
			return gwalk_fault(w, GWALK_PF_P | GWALK_PF_RSVD, res);
		gwalk_accumulate(w, level, e);
		if (leaf) {
			gwalk_leaf(w, level, e, res);
			break;
		}
		table = w->esize == 4 ? e & 0xfffff000ULL : e & w->addr_mask;
	}
	if (!gwalk_allowed(w))
		return gwalk_fault(w, GWALK_PF_P, res);
	return 0;
}

/* Sets A on every entry used and D on the leaf of a write; 1 if one changed under us. */
static int gwalk_set_ad(const struct gwalk_state *w, int leaf_level, struct gwalk_result *res)
{
	for (int level = w->levels; level >= leaf_level; level--) {
		u64 e = w->entry[level - 1], want = e | PTE_A;
		int err;

		if (w->paging == PAGING_PAE && level == 3)
			continue; /* PAE PDPTEs have no accessed bit */
		if (level == leaf_level && (w->access & GWALK_ACC_WRITE))
			want |= PTE_D;
		if (want == e)
			continue;
		err = w->mem->cmpxchg(w->mem->opaque, w->gpa[level - 1], w->esize, e, want);
		if (err)
			return err;
		res->entries[level - 1] = want;
	}
	res->entry = res->entries[leaf_level - 1];
	return 0;
}

static bool gwalk_canonical(const struct gwalk_state *w)
{
	unsigned bits = w->paging == PAGING_LONG5 ? 57 : 48;
	s64 v = (s64)(w->va << (64 - bits)) >> (64 - bits);

	return (u64)v == w->va;
}

int gwalk_translate(const struct gwalk_cpu *cpu, const struct gwalk_mem *mem, gva_t va, u32 access,
		    struct gwalk_result *res)
{
	static const u8 levels[] = { 0, 2, 3, 4, 5 };
	struct gwalk_state w = { .cpu = cpu, .mem = mem, .va = va, .access = access };

	w.paging = gwalk_paging_mode(cpu);
	w.levels = levels[w.paging];
	w.esize = w.paging == PAGING_32 ? 4 : 8;
	w.maxphy = cpu->maxphyaddr && cpu->maxphyaddr <= 52 ? cpu->maxphyaddr : 52;
	w.addr_mask = GWALK_BITS(w.maxphy - 1, 12);
	res->error_code = 0;
	if (w.paging < PAGING_LONG4)
		w.va = va & 0xffffffffULL;
	else if (!gwalk_canonical(&w))
		return -E_INVAL;
	if (w.paging == PAGING_OFF) {
		res->gpa = w.va;
		res->page_size = 1ULL << 32;
		res->level = 0;
		res->entry = 0;
		return 0;
	}
	/* A/D updates race with other vCPUs' own walks: retry a few times, then give up. */
	for (int tries = 0; tries < 8; tries++) {
		int err = gwalk_walk(&w, res);

		if (err || !(access & GWALK_ACC_SET_AD) || !mem->cmpxchg)
			return err;
		err = gwalk_set_ad(&w, res->level, res);
		if (err <= 0)
			return err;
	}
	return -E_TIMEDOUT;
}
