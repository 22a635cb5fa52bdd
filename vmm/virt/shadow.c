// SPDX-License-Identifier: GPL-2.0-only
/*
 * Shadow page tables (see vmm/virt/shadow.h). Entry formats: AMD APM vol. 2 5.3
 * "Long-Mode Page Translation", Intel SDM vol. 3A 4.5 (4-level paging).
 */
#include "vmm/virt/shadow.h"
#include "vmm/lib/klib.h"
#include "vmm/lib/printf.h"

#define SPTE_P	  (1ULL << 0)
#define SPTE_RW	  (1ULL << 1)
#define SPTE_US	  (1ULL << 2)
#define SPTE_PWT  (1ULL << 3)
#define SPTE_PCD  (1ULL << 4)
#define SPTE_A	  (1ULL << 5)
#define SPTE_D	  (1ULL << 6)
#define SPTE_PS	  (1ULL << 7) /* PAT in a 4 KiB leaf */
#define SPTE_G	  (1ULL << 8)
#define SPTE_XD	  (1ULL << 63)
#define SPTE_ADDR 0x000ffffffffff000ULL /* bits 51:12 (a large leaf's PAT is bit 12) */

#define ENTRIES 512

/* What a leaf keeps of the guest's entry: the frame, the permissions, the memory
 * type and G. Not the bits software may use (9-11, 52-58) nor protection keys. */
#define LEAF_KEEP (SPTE_ADDR | SPTE_US | SPTE_PWT | SPTE_PCD | SPTE_PS | SPTE_G | SPTE_XD)

bool shadow_mode_ok(const struct gwalk_cpu *cpu)
{
	return (cpu->cr0 & GWALK_CR0_PG) && (cpu->cr0 & GWALK_CR0_WP) &&
	       (cpu->efer & GWALK_EFER_LMA) && (cpu->cr4 & GWALK_CR4_PAE) &&
	       !(cpu->cr4 & GWALK_CR4_LA57);
}

static gpa_t spa(const struct shadow *s, u32 idx)
{
	return s->pool_gpa + ((gpa_t)idx << PAGE_SHIFT);
}

static u64 *table(const struct shadow *s, u32 idx)
{
	return s->pool + (u64)idx * ENTRIES;
}

static u32 bucket(const struct shadow *s, u64 gfn, u8 level)
{
	return (u32)(((gfn << 2 | (u64)(level - 1)) * 0x9e3779b97f4a7c15ULL) >> 32) &
	       (s->nhash - 1);
}

static u32 lookup(const struct shadow *s, u64 gfn, u8 level)
{
	for (u32 i = s->hash[bucket(s, gfn, level)]; i != SHADOW_NONE; i = s->sp[i].next)
		if (s->sp[i].gfn == gfn && s->sp[i].level == level)
			return i;
	return SHADOW_NONE;
}

/* The spage for (gfn, level), made (empty) if there is none; SHADOW_NONE if the
 * pool is full. */
static u32 get(struct shadow *s, u64 gfn, u8 level)
{
	u32 i = lookup(s, gfn, level), b;

	if (i != SHADOW_NONE || s->free == SHADOW_NONE)
		return i;
	i = s->free;
	s->free = s->sp[i].next;
	memset(table(s, i), 0, PAGE_SIZE);
	b = bucket(s, gfn, level);
	s->sp[i] = (struct spage){ .gfn = gfn, .level = level, .next = s->hash[b] };
	s->hash[b] = i;
	s->st.spages++;
	return i;
}

u64 shadow_meta_size(u32 npages, u64 guest_pages)
{
	u64 nhash = 1;

	while (nhash < npages)
		nhash <<= 1;
	return npages * sizeof(struct spage) + nhash * sizeof(u32) + guest_pages;
}

static void free_all(struct shadow *s)
{
	for (u32 i = 0; i < s->nhash; i++)
		s->hash[i] = SHADOW_NONE;
	for (u32 i = 0; i < s->npages; i++)
		s->sp[i] = (struct spage){ .next = i + 1 < s->npages ? i + 1 : SHADOW_NONE };
	s->free = 0;
	s->st.spages = 0;
}

int shadow_init(struct shadow *s, const struct shadow_ops *ops, void *pool, gpa_t pool_gpa,
		u32 npages, void *meta, u64 guest_pages)
{
	u8 *m = meta;

	if (!npages || (pool_gpa & (PAGE_SIZE - 1)) || !ops->read || !ops->protect)
		return -E_INVAL;
	memset(s, 0, sizeof(*s));
	s->pool = pool;
	s->pool_gpa = pool_gpa;
	s->npages = npages;
	s->ops = *ops;
	s->nhash = 1;
	while (s->nhash < npages)
		s->nhash <<= 1;
	s->sp = (struct spage *)(void *)m;
	s->hash = (u32 *)(void *)(m + npages * sizeof(struct spage));
	s->prot = m + npages * sizeof(struct spage) + s->nhash * sizeof(u32);
	s->guest_pages = guest_pages;
	s->leaf_rsvd = ~0ULL; /* (no prefill before a fault has said what the CPU reserves) */
	memset(s->prot, 0, guest_pages);
	free_all(s);
	return 0;
}

bool shadow_protected(const struct shadow *s, u64 gfn)
{
	return gfn < s->guest_pages && s->prot[gfn] == SHADOW_PROT_ON;
}

int shadow_root(struct shadow *s, u64 cr3, gpa_t *root)
{
	u64 gfn = (cr3 & SPTE_ADDR) >> PAGE_SHIFT;
	u32 i;

	/* (a page table out of sync that is a root too: unshadowed, then protected by the
	 * first fill through the new root, as any page walked at two levels) */
	if (gfn < s->guest_pages && s->prot[gfn] == SHADOW_PROT_UNSYNC)
		shadow_drop(s, gfn);
	i = get(s, gfn, 4);

	if (i == SHADOW_NONE)
		return -E_NOMEM;
	*root = spa(s, i);
	return 0;
}

/* ---- Deriving entries --------------------------------------------------------- */

/* A leaf: read-only until the guest's entry is dirty, so the first write faults and
 * sets D there. A and (when writable) D are set here, so the CPU never writes them. */
static u64 derive_leaf(u64 g)
{
	u64 e = (g & LEAF_KEEP) | SPTE_P | SPTE_A;

	if ((g & SPTE_RW) && (g & SPTE_D))
		e |= SPTE_RW | SPTE_D;
	return e;
}

/* A link to the child spage, with the guest entry's permissions (the CPU combines
 * them down the walk as it would the guest's). */
static u64 derive_link(const struct shadow *s, u32 child, u64 g)
{
	return spa(s, child) | SPTE_P | SPTE_A | (g & (SPTE_RW | SPTE_US | SPTE_XD));
}

/* ---- Invalidation ------------------------------------------------------------- */

/* Is [base, base + size) any of the shadow pool's memory (which the guest must not map)? */
static bool in_pool(const struct shadow *s, u64 base, u64 size)
{
	return base < s->pool_gpa + (u64)s->npages * PAGE_SIZE && s->pool_gpa < base + size;
}

/* Drops the entries of spage i derived from bytes [off, off + len) of its guest page. */
static void zap(struct shadow *s, u32 i, unsigned off, unsigned len)
{
	u64 *t = table(s, i);

	for (unsigned k = off / 8; k <= (off + len - 1) / 8 && k < ENTRIES; k++)
		if (t[k] & SPTE_P) {
			t[k] = 0;
			s->sp[i].present--;
			s->st.zapped++;
		}
}

/* May a 4 KiB leaf derived from guest entry g be installed without a walk (a fill ahead,
 * a prefill)? Present, young, without reserved bits, not mapping the pool. */
static bool leaf_ok(const struct shadow *s, u64 g, u64 rsvd)
{
	return (g & SPTE_P) && (g & SPTE_A) && !(g & rsvd) && !in_pool(s, g & SPTE_ADDR, PAGE_SIZE);
}

/* The entries derived from [gpa, gpa + len) of one page go; counts a guest write. With
 * prefill, the 4 KiB leaf at gpa is derived from *prefill instead (shadow_write_entry). */
static void write_page(struct shadow *s, gpa_t gpa, unsigned len, bool count, const u64 *prefill)
{
	u64 gfn = gpa >> PAGE_SHIFT;
	bool flood = false, unsync;

	if (gfn >= s->guest_pages || !s->prot[gfn])
		return; /* (nothing derives from it) */
	/* (out of sync: the guest's own writes are not seen either; only what changed goes) */
	unsync = s->prot[gfn] == SHADOW_PROT_UNSYNC;
	for (u8 level = 1; level <= 4; level++) {
		u32 i = lookup(s, gfn, level);
		if (i == SHADOW_NONE)
			continue;
		zap(s, i, (unsigned)(gpa & (PAGE_SIZE - 1)), len);
		if (unsync)
			continue;
		if (level == 1 && prefill) {
			table(s, i)[(gpa & (PAGE_SIZE - 1)) / 8] = derive_leaf(*prefill);
			s->sp[i].global |= (*prefill & SPTE_G) != 0;
			s->sp[i].present++;
			s->st.prefilled++;
			s->sp[i].writes = 0;
			continue;
		}
		if (count && ++s->sp[i].writes >= SHADOW_FLOOD)
			flood = true;
	}
	if (flood) {
		s->st.floods++;
		shadow_drop(s, gfn);
	}
}

void shadow_write(struct shadow *s, gpa_t gpa, u64 len)
{
	s->st.writes++;
	while (len) {
		unsigned n = (unsigned)MIN(len, PAGE_SIZE - (gpa & (PAGE_SIZE - 1)));
		write_page(s, gpa, n, true, NULL);
		gpa += n;
		len -= n;
	}
}

void shadow_write_entry(struct shadow *s, gpa_t gpa, u64 old, u64 val)
{
	if ((gpa & 7) || (old & SPTE_P) || !leaf_ok(s, val, s->leaf_rsvd)) {
		shadow_write(s, gpa, 8);
		return;
	}
	s->st.writes++;
	write_page(s, gpa, 8, true, &val);
}

static bool listed(const struct shadow *s, u64 gfn)
{
	for (u32 j = 0; j < s->nunsync; j++)
		if (s->unsync[j] == gfn)
			return true;
	return false;
}

/* The list's length, read without the lock by cores about to enter the guest
 * (shadow_vm_wants_flushes): published after what it counts. */
static void set_nunsync(struct shadow *s, u32 n)
{
	__atomic_store_n(&s->nunsync, n, __ATOMIC_RELEASE);
}

/* Takes slot j off the list of pages out of sync. */
static void unlist_at(struct shadow *s, u32 j)
{
	s->unsync[j] = s->unsync[s->nunsync - 1];
	set_nunsync(s, s->nunsync - 1);
}

/* Takes gfn off the list of pages out of sync. */
static void unlist(struct shadow *s, u64 gfn)
{
	for (u32 j = 0; j < s->nunsync; j++)
		if (s->unsync[j] == gfn) {
			unlist_at(s, j);
			return;
		}
}

/* Puts gfn on the list (which has room). */
static void enlist(struct shadow *s, u64 gfn)
{
	s->unsync[s->nunsync] = gfn;
	set_nunsync(s, s->nunsync + 1);
}

void shadow_drop(struct shadow *s, u64 gfn)
{
	u8 was;

	if (gfn >= s->guest_pages || !s->prot[gfn])
		return;
	for (u8 level = 1; level <= 4; level++) {
		u32 i = lookup(s, gfn, level);
		if (i == SHADOW_NONE)
			continue;
		memset(table(s, i), 0, PAGE_SIZE);
		s->sp[i].present = 0;
		s->sp[i].writes = 0;
		s->sp[i].global = false;
	}
	was = s->prot[gfn];
	s->prot[gfn] = SHADOW_PROT_NONE;
	if (was == SHADOW_PROT_UNSYNC)
		unlist(s, gfn); /* (already writable) */
	else
		(void)s->ops.protect(s->ops.ctx, gfn, false); /* (allocates nothing) */
	s->st.drops++;
}

void shadow_reset(struct shadow *s)
{
	memset(s->pool, 0, (u64)s->npages * PAGE_SIZE);
	free_all(s);
	for (u64 gfn = 0; gfn < s->guest_pages; gfn++)
		if (s->prot[gfn]) {
			if (s->prot[gfn] == SHADOW_PROT_ON)
				(void)s->ops.protect(s->ops.ctx, gfn, false);
			s->prot[gfn] = SHADOW_PROT_NONE;
		}
	set_nunsync(s, 0);
	s->gen++;
	s->st.resets++;
}

/* ---- Page tables out of sync ------------------------------------------------------ */

/* Entry k of the level-1 spage i, out of sync, goes unless the guest's entry still gives
 * it (and gives no global entry: none derives from a page out of sync). */
static void sync_entry(struct shadow *s, u32 i, unsigned k)
{
	u64 *t = table(s, i), g;

	if (!(t[k] & SPTE_P))
		return;
	if (s->ops.read(s->ops.ctx, (s->sp[i].gfn << PAGE_SHIFT) + k * 8, &g) == 0 &&
	    leaf_ok(s, g, s->leaf_rsvd) && !(g & SPTE_G) && derive_leaf(g) == t[k])
		return;
	t[k] = 0;
	s->sp[i].present--;
	s->st.synced++;
}

/* Page gfn, out of sync, is synced: its entries the guest changed go. */
static void sync_page(struct shadow *s, u64 gfn)
{
	u32 i = lookup(s, gfn, 1);

	s->st.syncs++;
	for (unsigned k = 0; i != SHADOW_NONE && k < ENTRIES && s->sp[i].present; k++)
		sync_entry(s, i, k);
}

bool shadow_can_unsync(const struct shadow *s, u64 gfn)
{
	u32 i;

	if (s->sync_only || s->hold || !shadow_protected(s, gfn) || s->nunsync == SHADOW_UNSYNC_MAX)
		return false;
	for (u8 level = 2; level <= 4; level++)
		if (lookup(s, gfn, level) != SHADOW_NONE)
			return false; /* (an upper table: its links are kept exact) */
	i = lookup(s, gfn, 1);
	if (i == SHADOW_NONE || s->sp[i].global)
		return false;
	for (unsigned k = 0; k < ENTRIES; k++)
		if ((table(s, i)[k] & (SPTE_P | SPTE_G)) == (SPTE_P | SPTE_G))
			return false;
	return true;
}

int shadow_unsync(struct shadow *s, u64 gfn)
{
	u32 i;
	int rc;

	if (!shadow_can_unsync(s, gfn))
		return -E_BUSY;
	i = lookup(s, gfn, 1);
	rc = s->ops.protect(s->ops.ctx, gfn, false);
	if (rc < 0)
		return rc;
	s->prot[gfn] = SHADOW_PROT_UNSYNC;
	enlist(s, gfn);
	s->sp[i].writes = 0;
	s->st.unsyncs++;
	return 0;
}

/* An INVLPG whose walk of the shadow did not reach a page table: the page table the
 * guest's own walk reaches may be out of sync and linked again later (without a change
 * of the link to it when a link above comes back), so that entry goes in every page on
 * the list. */
static void invlpg_everywhere(struct shadow *s, unsigned k)
{
	for (u32 j = 0; j < s->nunsync; j++) {
		u32 i = lookup(s, s->unsync[j], 1);
		if (i != SHADOW_NONE)
			sync_entry(s, i, k);
	}
}

void shadow_invlpg(struct shadow *s, gpa_t root_gpa, gva_t va)
{
	u64 i = (root_gpa - s->pool_gpa) >> PAGE_SHIFT;
	unsigned k = (unsigned)(va >> PAGE_SHIFT) & (ENTRIES - 1);

	if (!s->nunsync)
		return;
	if (root_gpa < s->pool_gpa || i >= s->npages || s->sp[i].level != 4) {
		invlpg_everywhere(s, k);
		return;
	}
	for (unsigned level = 4; level > 1; level--) {
		u64 e = table(s, (u32)i)[(va >> (PAGE_SHIFT + 9 * (level - 1))) & (ENTRIES - 1)];
		if ((e & SPTE_P) && (e & SPTE_PS))
			return; /* (a large leaf: from an upper table, never out of sync) */
		i = ((e & SPTE_ADDR) - s->pool_gpa) >> PAGE_SHIFT;
		if (!(e & SPTE_P) || (e & SPTE_ADDR) < s->pool_gpa || i >= s->npages) {
			invlpg_everywhere(s, k);
			return;
		}
	}
	if (s->sp[i].level == 1 && s->prot[s->sp[i].gfn] == SHADOW_PROT_UNSYNC) {
		sync_entry(s, (u32)i, k);
		s->st.invlpgs++;
	}
}

bool shadow_sync_begin(struct shadow *s)
{
	bool any = false;

	for (u32 j = 0; j < s->nunsync;) {
		u64 gfn = s->unsync[j];
		u32 i = lookup(s, gfn, 1);
		/* (what is stale already goes: dropping is always safe) */
		for (unsigned k = 0; i != SHADOW_NONE && k < ENTRIES && s->sp[i].present; k++)
			sync_entry(s, i, k);
		if (i == SHADOW_NONE || !s->sp[i].present) {
			/* (no entry left: nothing to keep in sync; writable, off the list) */
			unlist_at(s, j);
			s->st.syncs++;
			continue;
		}
		if (s->ops.protect(s->ops.ctx, gfn, true) < 0) {
			shadow_drop(s, gfn); /* (cannot be protected: nothing may derive from it) */
			continue;
		}
		any = true; /* (still out of sync, listed, until the end) */
		j++;
	}
	return any;
}

void shadow_sync_end(struct shadow *s)
{
	while (s->nunsync) {
		u64 gfn = s->unsync[s->nunsync - 1];
		sync_page(s, gfn); /* (written no more: protected, every TLB flushed) */
		s->prot[gfn] = SHADOW_PROT_ON;
		/* (off the list last: a core that reads the list shorter enters without the
		 * INVLPG intercept, and must not find the stale entries still there) */
		unlist_at(s, s->nunsync - 1);
	}
}

bool shadow_sync_all(struct shadow *s)
{
	bool any = shadow_sync_begin(s);

	shadow_sync_end(s);
	return any;
}

/* ---- Filling -------------------------------------------------------------------- */

static int walk_read(void *opaque, gpa_t gpa, unsigned size, u64 *val)
{
	struct shadow *s = opaque;

	return size == 8 ? s->ops.read(s->ops.ctx, gpa, val) : -E_INVAL;
}

/* The walk sets a guest entry's A/D bits: what derives from the old value goes. */
static int walk_cmpxchg(void *opaque, gpa_t gpa, unsigned size, u64 old, u64 val)
{
	struct shadow *s = opaque;
	int rc;

	if (size != 8 || !s->ops.cmpxchg)
		return -E_INVAL;
	rc = s->ops.cmpxchg(s->ops.ctx, gpa, old, val);
	if (rc == 0)
		write_page(s, gpa, 8, false, NULL);
	return rc;
}

/* Every guest table page the walk used is protected here, but a page table out of sync
 * whose leaf the fill needs is not global; true if one just became protected (the TLBs
 * must be flushed before the fill can rely on it). */
static int protect_chain(struct shadow *s, const struct gwalk_result *r, bool *fresh)
{
	*fresh = false;
	for (int level = 4; level >= r->level; level--) {
		u64 gfn = r->entry_gpa[level - 1] >> PAGE_SHIFT;
		if (gfn >= s->guest_pages)
			return -E_FAULT;
		if (s->prot[gfn] == SHADOW_PROT_UNSYNC) {
			bool on = listed(s, gfn);
			if (level > 1 || (r->entries[0] & SPTE_G) ||
			    (!on && (s->nunsync == SHADOW_UNSYNC_MAX || s->hold))) {
				/* (used as an upper table, or to map globally, or no room: what
				 * derives from it goes, as another core may still be writing it,
				 * and it is protected afresh below) */
				shadow_drop(s, gfn);
			} else if (!on) {
				/* (an entry derives from it again: synced at the next flush; the
				 * first on the list makes every core intercept INVLPG first) */
				enlist(s, gfn);
				*fresh |= s->nunsync == 1;
			}
		}
		if (!s->prot[gfn]) {
			int rc = s->ops.protect(s->ops.ctx, gfn, true);
			if (rc < 0)
				return rc;
			s->prot[gfn] = SHADOW_PROT_ON;
			*fresh = true;
		}
	}
	return 0;
}

/* Installs want at slot k of spage i; true if that changed it. */
static bool install(struct shadow *s, u32 i, unsigned k, u64 want)
{
	u64 *t = table(s, i);

	s->sp[i].writes = 0; /* a fill from its page: not a page table being reused */
	s->sp[i].global |= s->sp[i].level == 1 && (want & SPTE_G);
	if (t[k] == want)
		return false;
	if (!(t[k] & SPTE_P))
		s->sp[i].present++;
	t[k] = want;
	return true;
}

/* Reserved bits of a 4 KiB leaf in 4-level paging (SDM vol. 3A table 4-19): address bits
 * from MAXPHYADDR to 51, and XD without EFER.NXE. */
static u64 leaf_rsvd(const struct gwalk_cpu *cpu)
{
	unsigned maxphy = cpu->maxphyaddr && cpu->maxphyaddr <= 52 ? cpu->maxphyaddr : 52;
	u64 high = maxphy < 52 ? ((1ULL << 52) - 1) & ~((1ULL << maxphy) - 1) : 0;

	return high | (cpu->efer & GWALK_EFER_NXE ? 0 : SPTE_XD);
}

/*
 * A 4 KiB fill at entry k of page table spage i also maps the other entries of its
 * aligned group of SHADOW_AHEAD that are present, without reserved bits, and young: their
 * A bit already set by the guest (Linux sets it on the pages it maps around a fault, its
 * fault-around) or by an earlier use. An entry whose A is clear waits for its own first
 * access, which must set it. Permissions need no check: the entry keeps the guest's bits,
 * and the CPU refuses on the shadow what the guest's tables refuse (then the fault's walk
 * injects the guest's #PF). Each entry is derived as a fill's would be, so the audit holds.
 */
_Static_assert(SHADOW_AHEAD && (SHADOW_AHEAD & (SHADOW_AHEAD - 1)) == 0 && SHADOW_AHEAD <= ENTRIES,
	       "SHADOW_AHEAD: a power of two, at most a table");

static void fill_ahead(struct shadow *s, const struct gwalk_cpu *cpu, u32 i, unsigned k,
		       gpa_t table_gpa)
{
	unsigned first = k & ~(SHADOW_AHEAD - 1u);
	u64 rsvd = leaf_rsvd(cpu);
	bool unsync = s->prot[s->sp[i].gfn] == SHADOW_PROT_UNSYNC;

	for (unsigned j = first; j < first + SHADOW_AHEAD; j++) {
		u64 g;

		if (j == k || (table(s, i)[j] & SPTE_P))
			continue;
		if (s->ops.read(s->ops.ctx, table_gpa + j * 8, &g) != 0)
			break;
		if (!leaf_ok(s, g, rsvd) || (unsync && (g & SPTE_G)))
			continue;
		install(s, i, j, derive_leaf(g));
		s->st.ahead++;
	}
}

/*
 * With NX and SMEP off the CPU does not say whether a faulting access was a read or an
 * instruction fetch; they differ only under SMAP, which stops a kernel's reads of user
 * pages but not its fetches. So a read the guest's tables refuse for want of a right
 * is tried as a fetch before #PF is injected: if the fill that follows was not what
 * the access needed, the CPU faults again, with nothing left to change
 * (SHADOW_SPURIOUS twice), and the caller injects the CPU's own error code. (The
 * guest's A bits on that walk are then set by an access that faulted: only a
 * kernel's SMAP violation does that.)
 */
static bool ambiguous(const struct gwalk_cpu *cpu, u32 access, u32 code)
{
	return (code & GWALK_PF_P) && !(code & GWALK_PF_RSVD) &&
	       !(access & (GWALK_ACC_WRITE | GWALK_ACC_FETCH)) && !(cpu->efer & GWALK_EFER_NXE) &&
	       !(cpu->cr4 & GWALK_CR4_SMEP);
}

int shadow_fault(struct shadow *s, const struct gwalk_cpu *cpu, gva_t va, u32 *error)
{
	const struct gwalk_mem mem = { walk_read, walk_cmpxchg, s };
	u32 access = *error & (GWALK_PF_W | GWALK_PF_U | GWALK_PF_I);
	struct gwalk_result r;
	bool fresh, changed = false;
	u64 leaf_base;
	int rc;

	if (!shadow_mode_ok(cpu))
		return -E_INVAL;
	s->leaf_rsvd = leaf_rsvd(cpu);
	rc = gwalk_translate(cpu, &mem, va, access | GWALK_ACC_SET_AD, &r);
	if (rc == GWALK_FAULT && ambiguous(cpu, access, r.error_code))
		rc = gwalk_translate(cpu, &mem, va, access | GWALK_ACC_FETCH | GWALK_ACC_SET_AD,
				     &r);
	if (rc == GWALK_FAULT) {
		*error = r.error_code;
		s->st.injected++;
		return SHADOW_INJECT;
	}
	if (rc < 0)
		return rc;
	leaf_base = r.gpa & ~(r.page_size - 1);
	if (in_pool(s, leaf_base, r.page_size))
		return -E_FAULT; /* the guest would see (and change) its own shadow */
	rc = protect_chain(s, &r, &fresh);
	if (rc < 0)
		return rc;
	if (fresh) {
		s->st.flushes++;
		return SHADOW_FLUSH;
	}
	for (u8 level = 4; level >= r.level; level--) {
		u32 i = get(s, r.entry_gpa[level - 1] >> PAGE_SHIFT, level), child;
		unsigned k = (unsigned)(r.entry_gpa[level - 1] & (PAGE_SIZE - 1)) / 8;
		u64 g = r.entries[level - 1];

		if (i == SHADOW_NONE)
			return -E_NOMEM;
		if (level == r.level) {
			changed |= install(s, i, k, derive_leaf(g));
			if (level == 1 && changed) /* (not on a stale TLB entry's fault) */
				fill_ahead(s, cpu, i, k, r.entry_gpa[0] & ~(gpa_t)(PAGE_SIZE - 1));
			break;
		}
		child = get(s, (g & SPTE_ADDR) >> PAGE_SHIFT, (u8)(level - 1));
		if (child == SHADOW_NONE)
			return -E_NOMEM;
		if (level == 2 && s->prot[s->sp[child].gfn] == SHADOW_PROT_UNSYNC &&
		    table(s, i)[k] != derive_link(s, child, g)) {
			/* A page table out of sync linked (again): INVLPGs made while it was
			 * not linked here did not reach it, so its stale entries go now; after
			 * this, an INVLPG finds it. */
			for (unsigned e = 0; e < ENTRIES && s->sp[child].present; e++)
				sync_entry(s, child, e);
		}
		changed |= install(s, i, k, derive_link(s, child, g));
	}
	if (!changed) {
		s->st.spurious++;
		return SHADOW_SPURIOUS;
	}
	s->st.fills++;
	return SHADOW_FILLED;
}

/* ---- Audit ---------------------------------------------------------------------- */

static int audit_entry(struct shadow *s, u32 i, unsigned k, char *why, size_t len)
{
	const struct spage *p = &s->sp[i];
	u64 e = table(s, i)[k], g, want;
	gpa_t at = (p->gfn << PAGE_SHIFT) + k * 8;
	bool leaf = p->level == 1 || (e & SPTE_PS);

	if (!shadow_protected(s, p->gfn)) {
		ksnprintf(why, len,
			  "spage %u (gfn %#llx level %u) has entries but its page is "
			  "not protected",
			  i, (unsigned long long)p->gfn, p->level);
		return -E_INVAL;
	}
	if (s->ops.read(s->ops.ctx, at, &g) != 0) {
		ksnprintf(why, len, "guest entry %#llx unreadable", (unsigned long long)at);
		return -E_INVAL;
	}
	if (!(g & SPTE_P) || !(g & SPTE_A)) { /* (every fill and fill ahead needs both) */
		ksnprintf(why, len,
			  "entry %u of spage %u (gfn %#llx level %u) is %#llx, from a guest "
			  "entry %#llx that is %s",
			  k, i, (unsigned long long)p->gfn, p->level, (unsigned long long)e,
			  (unsigned long long)g, g & SPTE_P ? "not accessed" : "not present");
		return -E_INVAL;
	}
	if (leaf) {
		want = derive_leaf(g);
	} else {
		u64 c = ((e & SPTE_ADDR) - s->pool_gpa) >> PAGE_SHIFT;
		if ((e & SPTE_ADDR) < s->pool_gpa || c >= s->npages ||
		    s->sp[c].level != p->level - 1 ||
		    s->sp[c].gfn != (g & SPTE_ADDR) >> PAGE_SHIFT) {
			ksnprintf(why, len,
				  "entry %u of spage %u (level %u) links to %#llx, not "
				  "to the spage of guest table %#llx",
				  k, i, p->level, (unsigned long long)(e & SPTE_ADDR),
				  (unsigned long long)(g & SPTE_ADDR));
			return -E_INVAL;
		}
		want = derive_link(s, (u32)c, g);
	}
	if (e != want) {
		ksnprintf(why, len,
			  "entry %u of spage %u (gfn %#llx level %u) is %#llx; the "
			  "guest's %#llx gives %#llx",
			  k, i, (unsigned long long)p->gfn, p->level, (unsigned long long)e,
			  (unsigned long long)g, (unsigned long long)want);
		return -E_INVAL;
	}
	return 0;
}

/* Spage i derives from a page out of sync: a page table, whose entries may be stale but
 * never global, and which is on the list if it has any. */
static int audit_unsync(struct shadow *s, u32 i, char *why, size_t len)
{
	const struct spage *p = &s->sp[i];
	bool on = listed(s, p->gfn);

	if (p->level != 1 || (!on && p->present)) {
		ksnprintf(why, len, "spage %u (gfn %#llx level %u) is out of sync but %s", i,
			  (unsigned long long)p->gfn, p->level,
			  p->level != 1 ? "not a page table" : "not on the list");
		return -E_INVAL;
	}
	for (unsigned k = 0; k < ENTRIES; k++)
		if ((table(s, i)[k] & (SPTE_P | SPTE_G)) == (SPTE_P | SPTE_G)) {
			ksnprintf(why, len,
				  "entry %u of spage %u (gfn %#llx), out of sync, is global", k, i,
				  (unsigned long long)p->gfn);
			return -E_INVAL;
		}
	return 0;
}

int shadow_audit(struct shadow *s, char *why, size_t len)
{
	for (u32 i = 0; i < s->nunsync; i++)
		if (s->unsync[i] >= s->guest_pages || s->prot[s->unsync[i]] != SHADOW_PROT_UNSYNC) {
			ksnprintf(why, len, "page %#llx is listed out of sync but is not",
				  (unsigned long long)s->unsync[i]);
			return -E_INVAL;
		}
	for (u32 i = 0; i < s->npages; i++) {
		unsigned present = 0;
		bool unsync;
		if (!s->sp[i].level)
			continue;
		unsync = s->sp[i].gfn < s->guest_pages &&
			 s->prot[s->sp[i].gfn] == SHADOW_PROT_UNSYNC;
		if (unsync && audit_unsync(s, i, why, len))
			return -E_INVAL;
		for (unsigned k = 0; k < ENTRIES; k++) {
			if (!(table(s, i)[k] & SPTE_P))
				continue;
			present++;
			if (!unsync && audit_entry(s, i, k, why, len))
				return -E_INVAL;
		}
		if (present != s->sp[i].present) {
			ksnprintf(why, len, "spage %u counts %u present entries, has %u", i,
				  s->sp[i].present, present);
			return -E_INVAL;
		}
	}
	return 0;
}
