// SPDX-License-Identifier: GPL-2.0-only
/*
 * A DSM node's memory: dsm_init() carves the one buffer it is given into the cache entries
 * (every guest page), the directory (pages homed here), the spill pool for large copysets,
 * the active-page records with their hash, and the message cells used by the deferred and
 * self queues. Every pool is sized at init from the configuration so that nothing can run
 * out while peers stay within the same limits; see dsm_mem_size() for the bounds.
 */
#include "dsm/internal.h"

struct layout {
	size_t home, cache, dir, spill, act, hash, rec, total;
	uint32_t nact, nhash, nrec, spill_size, spill_slots;
	uint64_t home_count;
};

static size_t align8(size_t x)
{
	return (x + 7) & ~(size_t)7;
}

/* Equal contiguous ranges when the caller gives none. */
static uint64_t layout_start(const struct dsm_config *c, unsigned node)
{
	if (node >= c->nnodes)
		return c->npages;
	if (c->home_start)
		return c->home_start[node];
	return c->npages * node / c->nnodes;
}

static bool layout_valid(const struct dsm_config *c)
{
	if (c->nnodes < 1 || c->nnodes > DSM_MAX_NODES || c->self >= c->nnodes)
		return false;
	if (c->npages < 1 || c->npages > (UINT64_MAX >> DSM_PAGE_SHIFT))
		return false;
	if (c->max_holds < 1 || c->max_holds > 4096 || c->max_hold_pages < 1 ||
	    c->max_hold_pages > 4096 ||
	    (c->spill_slots > DSM_SLOT_MAX && c->spill_slots != DSM_SPILL_NONE))
		return false;
	if (layout_start(c, 0) != 0)
		return false;
	for (unsigned i = 0; i < c->nnodes; i++)
		if (layout_start(c, i) > layout_start(c, i + 1))
			return false;
	return true;
}

/*
 * Active records: one per page pinned by a hold (max_holds * max_hold_pages) plus one per
 * outstanding request, with slack for holds released while waiting, plus one per eviction
 * in flight (at most max_holds: dsm_evict says busy beyond). Message cells: each
 * request outstanding anywhere puts at most one message (FWD, INV, or our own REQ/GRANT)
 * in this node's queues, and every node has at most max_holds (+2 slack) outstanding.
 */
static bool layout_compute(const struct dsm_config *c, uint32_t spill_slots, struct layout *l)
{
	size_t off = align8(sizeof(struct dsm_node));

	if (!layout_valid(c))
		return false;
	l->home_count = layout_start(c, c->self + 1) - layout_start(c, c->self);
	l->nact = c->max_holds * (c->max_hold_pages + 3);
	for (l->nhash = 16; l->nhash < 2 * l->nact; l->nhash <<= 1)
		;
	l->nrec = c->nnodes * (c->max_holds + 2) + 16;
	/* A bitmap of nnodes bits; at least 4 bytes so a free slot can hold the free link. */
	l->spill_size = (c->nnodes + 7) / 8 > 4 ? (c->nnodes + 7) / 8 : 4;
	l->spill_slots = c->nnodes > 3 ? spill_slots : 0;
	l->home = off, off += align8((c->nnodes + 1) * sizeof(uint64_t));
	l->cache = off, off += align8(c->npages * sizeof(struct dsm_centry));
	l->dir = off, off += align8(l->home_count * sizeof(struct dsm_dentry));
	l->spill = off, off += align8((size_t)l->spill_slots * l->spill_size);
	l->act = off, off += align8(l->nact * sizeof(struct dsm_act));
	l->hash = off, off += align8(l->nhash * sizeof(uint32_t));
	l->rec = off, off += align8(l->nrec * sizeof(struct dsm_rec));
	l->total = off;
	return true;
}

/* The spill slots a configuration asks for: DSM_SPILL_NONE none, 0 the default. */
static uint32_t spill_of(const struct dsm_config *cfg)
{
	if (cfg->spill_slots == DSM_SPILL_NONE)
		return 0;
	return cfg->spill_slots ? cfg->spill_slots : dsm_spill_default(cfg);
}

size_t dsm_mem_size(const struct dsm_config *cfg)
{
	struct layout l;

	return layout_compute(cfg, spill_of(cfg), &l) ? l.total : 0;
}

/*
 * Spend what is left of a 16-bytes-per-page budget on spill slots, but never fewer than
 * DSM_SPILL_FLOOR (or every page homed here, if fewer). Two sharers besides the owner stay
 * inline, so up to three nodes never spill. Without a free slot a read that would overflow
 * the copyset evicts an inline sharer instead (see dir.c), which re-faults and evicts
 * another: on a page that more than three nodes keep reading (code, a flag they poll),
 * that is a ring of evictions. The floor is for small guests, whose fixed pools alone used up the
 * budget: 8 nodes sharing a 16 MiB guest had no slot at all, and the mesh test's code page
 * went round them some 12,000 times a node (doc/dsm.md, "State").
 */
uint32_t dsm_spill_default(const struct dsm_config *cfg)
{
	struct layout l;
	uint64_t budget, slots = 0, floor;

	if (!layout_compute(cfg, 0, &l) || cfg->nnodes <= 3)
		return 0;
	budget = 16 * cfg->npages;
	if (budget > l.total)
		slots = (budget - l.total) / l.spill_size;
	floor = l.home_count < DSM_SPILL_FLOOR ? l.home_count : DSM_SPILL_FLOOR;
	if (slots < floor)
		slots = floor;
	if (slots > l.home_count)
		slots = l.home_count;
	return slots > DSM_SLOT_MAX - 1 ? DSM_SLOT_MAX - 1 : (uint32_t)slots;
}

static void node_init_pools(struct dsm_node *d)
{
	for (uint32_t i = 0; i < d->nact; i++)
		d->act[i].next_free = i + 1 < d->nact ? i + 1 : DSM_NIL;
	for (uint32_t i = 0; i < d->nrec; i++)
		d->rec[i].next = i + 1 < d->nrec ? i + 1 : DSM_NIL;
	/* Free spill slots chain through their first four bytes. */
	for (uint32_t i = 0; i < d->spill_slots; i++) {
		uint32_t next = i + 1 < d->spill_slots ? i + 1 : DSM_NIL;

		memcpy(d->spill + (size_t)i * d->spill_size, &next, sizeof(next));
	}
	d->act_free = d->nact ? 0 : DSM_NIL;
	d->rec_free = d->nrec ? 0 : DSM_NIL;
	d->spill_free = d->spill_slots ? 0 : DSM_NIL;
	d->selfq_head = d->selfq_tail = DSM_NIL;
	d->holds.next = d->holds.prev = &d->holds;
	d->next_deadline = UINT64_MAX;
}

int dsm_init(struct dsm_node **out, const struct dsm_config *cfg, const struct dsm_ops *ops,
	     void *ctx, void *mem, size_t mem_len)
{
	uint32_t slots = spill_of(cfg);
	uint8_t *base = mem;
	struct dsm_node *d = mem;
	struct layout l;

	if (!ops || !ops->send || !ops->now || !ops->frame || !ops->set_rights || !ops->resume)
		return DSM_EINVAL;
	if (!layout_compute(cfg, slots, &l) || mem_len < l.total || ((uintptr_t)mem & 7))
		return DSM_EINVAL;
	memset(mem, 0, l.total);
	d->ops = ops, d->ctx = ctx;
	d->self = cfg->self, d->nnodes = cfg->nnodes, d->npages = cfg->npages;
	d->home_start = (uint64_t *)(void *)(base + l.home);
	for (unsigned i = 0; i <= cfg->nnodes; i++)
		d->home_start[i] = layout_start(cfg, i);
	d->home_first = d->home_start[d->self], d->home_count = l.home_count;
	d->cache = (struct dsm_centry *)(void *)(base + l.cache);
	d->dir = (struct dsm_dentry *)(void *)(base + l.dir);
	d->spill = base + l.spill, d->spill_slots = l.spill_slots, d->spill_size = l.spill_size;
	d->act = (struct dsm_act *)(void *)(base + l.act), d->nact = l.nact;
	d->hash = (uint32_t *)(void *)(base + l.hash), d->hash_mask = l.nhash - 1;
	d->rec = (struct dsm_rec *)(void *)(base + l.rec), d->nrec = l.nrec;
	d->max_holds = cfg->max_holds, d->max_hold_pages = cfg->max_hold_pages;
	d->pin_ns = cfg->pin_ns, d->mem_size = l.total;
	node_init_pools(d);
	*out = d;
	return 0;
}

unsigned node_home_of(const struct dsm_node *d, uint64_t page)
{
	unsigned lo = 0, hi = d->nnodes - 1;

	/* Last node whose range starts at or below page; empty ranges are skipped over. */
	while (lo < hi) {
		unsigned mid = (lo + hi + 1) / 2;

		if (d->home_start[mid] <= page)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

struct dsm_dentry *node_dir(struct dsm_node *d, uint64_t page)
{
	return &d->dir[page - d->home_first];
}

static uint32_t hash_slot(const struct dsm_node *d, uint64_t page)
{
	return (uint32_t)((page * 0x9e3779b97f4a7c15ull) >> 40) & d->hash_mask;
}

struct dsm_act *act_find(struct dsm_node *d, uint64_t page)
{
	if (!ce_active(d, page))
		return NULL;
	for (uint32_t i = hash_slot(d, page);; i = (i + 1) & d->hash_mask) {
		uint32_t a = d->hash[i];

		if (a == 0)
			return NULL;
		if (d->act[a - 1].page == page)
			return &d->act[a - 1];
	}
}

/* The page's active record, made if needed; NULL when the pool is exhausted. */
struct dsm_act *act_get(struct dsm_node *d, uint64_t page)
{
	struct dsm_act *a = act_find(d, page);
	uint32_t i, idx = d->act_free;

	if (a)
		return a;
	if (idx == DSM_NIL)
		return NULL;
	a = &d->act[idx];
	d->act_free = a->next_free;
	memset(a, 0, sizeof(*a));
	a->page = page;
	a->dq_head = a->dq_tail = DSM_NIL;
	for (i = hash_slot(d, page); d->hash[i]; i = (i + 1) & d->hash_mask)
		;
	d->hash[i] = idx + 1;
	d->act_used++;
	ce_set_flags(d, page, CE_ACTIVE, CE_ACTIVE);
	return a;
}

/* Linear probing needs backward-shift deletion so later probes still find their keys. */
static void hash_remove(struct dsm_node *d, uint32_t i)
{
	for (uint32_t j = i;;) {
		uint32_t home;

		j = (j + 1) & d->hash_mask;
		if (d->hash[j] == 0)
			break;
		home = hash_slot(d, d->act[d->hash[j] - 1].page);
		if (((j - home) & d->hash_mask) >= ((j - i) & d->hash_mask)) {
			d->hash[i] = d->hash[j];
			i = j;
		}
	}
	d->hash[i] = 0;
}

/* Drop the record once nothing is in flight or deferred for the page. */
void act_maybe_free(struct dsm_node *d, uint64_t page)
{
	struct dsm_act *a = act_find(d, page);
	uint32_t i;

	if (!a || a->pend != PEND_NONE || a->dq_head != DSM_NIL)
		return;
	for (i = hash_slot(d, page); d->act[d->hash[i] - 1].page != page;
	     i = (i + 1) & d->hash_mask)
		;
	hash_remove(d, i);
	a->next_free = d->act_free;
	d->act_free = (uint32_t)(a - d->act);
	d->act_used--;
	ce_set_flags(d, page, CE_ACTIVE, 0);
}

uint32_t rec_alloc(struct dsm_node *d)
{
	uint32_t i = d->rec_free;

	if (i != DSM_NIL) {
		d->rec_free = d->rec[i].next;
		d->rec[i].next = DSM_NIL;
		d->rec_used++;
	}
	return i;
}

void rec_free(struct dsm_node *d, uint32_t i)
{
	d->rec[i].next = d->rec_free;
	d->rec_free = i;
	d->rec_used--;
}
