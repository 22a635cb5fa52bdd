// SPDX-License-Identifier: GPL-2.0-only
/*
 * Random actors for the DSM simulator (see workload.h). An actor loops: pick an operation,
 * dsm_acquire() its pages, wait for the resume if needed, then perform the access after a
 * random execution delay (sometimes longer than the pin window, so pages get taken away and
 * the access must be retried, as a vCPU would re-fault), release, think, repeat. A read-ahead
 * operation asks for three consecutive pages on three one-page holds in one batch
 * (dsm_batch), as the monitor's fault and read-ahead do, so requests and grants go as runs;
 * like the monitor's read-ahead, the further two are let go as soon as they are granted.
 * With p.sweep, half the operations are read-aheads that walk each actor's way up the
 * pages, so many find pages never written: runs of requests answered by runs of grants.
 */
#include "tests/dsm/workload.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct actor {
	struct wl *w;
	unsigned node, id;
	struct dsm_hold h;
	struct dsm_hold xh[2];	 /* OP_AHEAD: the next two pages, if the node had holds left */
	bool xused[2], xdone[2]; /* ... out; granted (to let go at the next event) */
	uint64_t left, retries;
	uint64_t sweep;	   /* p.sweep: the page this actor's next read-ahead starts at */
	uint64_t gpa, len; /* the pages the operation acquires */
	unsigned kind;
	bool write;
};

enum { OP_READ, OP_WRITE, OP_RMW, OP_CAS, OP_SPLIT, OP_DMA, OP_AHEAD };

struct wl {
	const struct wl_params *p;
	struct sim *s;
	struct actor *actors;
	unsigned nactors;
	struct wl_result *r;
	unsigned xheld[SIM_MAX_NODES]; /* OP_AHEAD's extra holds in use: the actors' own come first */
};

void wl_defaults(struct wl_params *p, unsigned nnodes, uint64_t seed)
{
	memset(p, 0, sizeof(*p));
	p->sim.nnodes = nnodes;
	p->sim.npages = nnodes * 2 + 2 < SIM_MAX_PAGES ? nnodes * 2 + 2 : SIM_MAX_PAGES;
	p->sim.max_holds = 7; /* (the actors' 4, and 3 for read-aheads' further pages) */
	p->sim.max_hold_pages = 3;
	p->sim.pin_ns = 20000;
	p->sim.delay_min_ns = 1000;
	p->sim.delay_max_ns = 15000;
	p->sim.seed = seed;
	p->actors = 4;
	p->ops = 1000;
	p->max_retries = 1000;
}

/* Hot pages first: half the operations go to the lowest pages, the rest anywhere. */
static uint64_t wl_page(struct wl *w)
{
	unsigned n = w->p->sim.npages;

	if (sim_rand(w->s) % 2)
		return sim_rand(w->s) % (n < 3 ? n : 3);
	return sim_rand(w->s) % n;
}

static void wl_pick(struct wl *w, struct actor *a)
{
	uint64_t r = sim_rand(w->s) % 100, page = wl_page(w), n = w->p->sim.npages;
	uint64_t slot = (sim_rand(w->s) % 8) * 512;

	a->kind = r < 33   ? OP_READ
		  : r < 57 ? OP_WRITE
		  : r < 69 ? OP_RMW
		  : r < 79 ? OP_CAS
		  : r < 88 ? OP_SPLIT
		  : r < 95 ? OP_DMA
			   : OP_AHEAD;
	a->write = a->kind != OP_READ && (a->kind <= OP_CAS || sim_rand(w->s) % 2);
	if ((a->kind == OP_SPLIT || a->kind == OP_DMA) && page + 1 >= n)
		page = n - 2;
	if (w->p->sweep && n >= 3 && sim_rand(w->s) % 2) {
		/* (a decompressor's or a clearing loop's writes: mostly never-written pages) */
		a->kind = OP_AHEAD;
		a->write = sim_rand(w->s) % 4 != 0;
		page = a->sweep;
		a->sweep = page + 3 + 2 < n ? page + 3 : 0;
	}
	if (a->kind == OP_AHEAD && n < 3)
		a->kind = a->write ? OP_WRITE : OP_READ;
	if (a->kind == OP_AHEAD && page + 2 >= n)
		page = n - 3;
	a->gpa = page * DSM_PAGE_SIZE + slot;
	a->len = 8;
	if (a->kind == OP_SPLIT) {
		a->gpa = (page + 1) * DSM_PAGE_SIZE - 4;
	} else if (a->kind == OP_DMA) {
		uint64_t pages = 2 + sim_rand(w->s) % 2;

		if (page + pages > n)
			pages = n - page;
		a->gpa = page * DSM_PAGE_SIZE;
		a->len = pages * DSM_PAGE_SIZE;
	}
}

static void wl_start(struct sim *s, void *arg);
static void wl_perform(struct sim *s, void *arg);

static void wl_perform_at(struct wl *w, struct actor *a)
{
	uint64_t d = sim_rand(w->s) % 10 ? sim_rand(w->s) % 2000
					 : sim_rand(w->s) % (2 * w->p->sim.pin_ns + 1);

	sim_at(w->s, sim_now(w->s) + d, wl_perform, a);
}

static void wl_release_ahead(struct actor *a, unsigned i)
{
	dsm_release(sim_node(a->w->s, a->node), &a->xh[i]);
	sim_kick(a->w->s, a->node);
	a->xused[i] = a->xdone[i] = false;
	a->w->xheld[a->node]--;
}

static void wl_ahead_granted(struct sim *s, void *arg)
{
	struct actor *a = arg;

	for (unsigned i = 0; i < 2; i++)
		if (a->xused[i] && a->xdone[i])
			wl_release_ahead(a, i);
}

static void wl_resume(struct sim *s, unsigned node, struct dsm_hold *h)
{
	struct actor *a = h->cookie;

	if (h != &a->h) { /* a read-ahead's page: let go as soon as it is here */
		a->xdone[h - a->xh] = true;
		sim_at(s, sim_now(s), wl_ahead_granted, a); /* (not from inside the callback) */
		return;
	}
	wl_perform_at(a->w, a);
}

static void wl_do_access(struct wl *w, struct actor *a)
{
	uint64_t val = (uint64_t)(a->id + 1) << 40 | a->left << 8 | 1, old;

	if (a->kind == OP_CAS) {
		/* Compare-and-swap: writable, but writes only when the word is even, so the
		 * page is often given up clean and its version need not change. */
		sim_access(w->s, a->node, a->gpa, 8, false, false, 0);
		memcpy(&old,
		       sim_frame(w->s, a->node, a->gpa / DSM_PAGE_SIZE) + a->gpa % DSM_PAGE_SIZE,
		       8);
		if (old % 2 == 0)
			sim_access(w->s, a->node, a->gpa, 8, true, true, 0);
		return;
	}
	if (a->kind == OP_DMA) {
		uint64_t off = sim_rand(w->s) % 8 * 512;

		for (uint64_t g = a->gpa; g < a->gpa + a->len; g += DSM_PAGE_SIZE)
			sim_access(w->s, a->node, g + off, 8, a->write, false, val);
		return;
	}
	sim_access(w->s, a->node, a->gpa, 8, a->write, a->kind == OP_RMW, val);
}

static void wl_perform(struct sim *s, void *arg)
{
	struct actor *a = arg;
	struct wl *w = a->w;
	bool lost = dsm_hold_lost(&a->h) && !w->p->ignore_lost;

	if (!lost)
		wl_do_access(w, a);
	dsm_release(sim_node(s, a->node), &a->h);
	sim_kick(s, a->node);
	if (w->p->sim.evict)
		sim_cache_trim(s, a->node);
	if (lost) {
		w->r->retries++;
		if (++a->retries > w->r->max_retries)
			w->r->max_retries = a->retries;
		if (a->retries > w->p->max_retries)
			sim_violation(s, "actor %u: %llu retries, livelock", a->id,
				      (unsigned long long)a->retries);
		else
			sim_at(s, sim_now(s), wl_start, a);
		return;
	}
	w->r->ops++;
	a->retries = 0;
	if (--a->left)
		sim_at(s, sim_now(s) + sim_rand(s) % 3000, wl_start, a);
}

/* Acquire the operation's pages (picking a new operation unless this is a retry). */
static void wl_start(struct sim *s, void *arg)
{
	struct actor *a = arg;
	struct dsm_node *d = sim_node(s, a->node);
	uint64_t pin;
	int rc;

	if (a->retries == 0)
		wl_pick(a->w, a);
	if (a->kind == OP_AHEAD)
		dsm_batch(d, true);
	/* A retry pins its pages longer each time, as the monitor's accesses do. */
	pin = a->retries ? a->w->p->sim.pin_ns << (a->retries < 6 ? a->retries : 6) : 0;
	rc = dsm_acquire_pinned(d, &a->h, a->gpa, a->len, a->write, pin);
	for (unsigned i = 0; i < 2 && a->kind == OP_AHEAD; i++) {
		int x;

		if (a->xused[i] || a->w->xheld[a->node] + a->w->p->actors >= a->w->p->sim.max_holds)
			continue; /* (still out from a try before; or short of holds: ask less) */
		x = dsm_acquire(d, &a->xh[i], a->gpa + (i + 1) * DSM_PAGE_SIZE, 8, a->write);
		a->xused[i] = x == 0 || x == DSM_PENDING;
		a->w->xheld[a->node] += a->xused[i];
		if (x == 0)
			wl_release_ahead(a, i);
		else if (x < 0)
			sim_violation(s, "actor %u: dsm_acquire returned %d", a->id, x);
	}
	if (a->kind == OP_AHEAD)
		dsm_batch(d, false);
	sim_kick(s, a->node);
	if (rc == 0)
		wl_perform_at(a->w, a);
	else if (rc != DSM_PENDING)
		sim_violation(s, "actor %u: dsm_acquire returned %d", a->id, rc);
}

static void wl_collect(struct wl *w, struct wl_result *r)
{
	r->checked = sim_checked(w->s);
	r->sim_ns = sim_now(w->s);
	sim_stats_sum(w->s, &r->sum);
	r->faults = *sim_faults(w->s);
	for (unsigned i = 0; i < w->p->sim.nnodes; i++) {
		const struct dsm_stats *st = dsm_stats(sim_node(w->s, i));

		for (unsigned k = 0; k < DSM_HOT_PAGES; k++)
			if (st->hot[k].faults && st->hot[k].page < SIM_MAX_PAGES)
				r->page_faults[st->hot[k].page] += st->hot[k].faults;
	}
	r->violations = sim_violations(w->s);
	for (unsigned i = 0; i < w->p->sim.nnodes; i++)
		r->cache_peak[i] = sim_cache_peak(w->s, i);
	sim_wire_stats(w->s, &r->wire);
}

/* What a stuck run looks like: every page's state and every actor's hold. */
static void wl_dump(struct wl *w)
{
	sim_dump(w->s);
	for (unsigned i = 0; i < w->nactors; i++) {
		struct dsm_hold *h = &w->actors[i].h;

		printf("  actor %u node %u: hold state %u pages %llu..%llu at %llu%s%s\n", i,
		       w->actors[i].node, h->state, (unsigned long long)h->first,
		       (unsigned long long)h->last, (unsigned long long)h->cur,
		       h->write ? " write" : " read", h->lost ? " lost" : "");
	}
}

bool wl_run(const struct wl_params *p, struct wl_result *r)
{
	struct wl w = { .p = p, .r = r, .nactors = p->actors * p->sim.nnodes };
	uint64_t limit = 400 * p->ops * w.nactors + 100000;

	memset(r, 0, sizeof(*r));
	w.s = sim_new(&p->sim);
	if (!w.s)
		return false;
	sim_set_resume(w.s, wl_resume);
	w.actors = calloc(w.nactors, sizeof(*w.actors));
	for (unsigned i = 0; i < w.nactors; i++) {
		struct actor *a = &w.actors[i];

		*a = (struct actor){ .w = &w, .node = i % p->sim.nnodes, .id = i, .left = p->ops };
		a->h.cookie = a->xh[0].cookie = a->xh[1].cookie = a;
		a->sweep = sim_rand(w.s) % p->sim.npages;
		sim_at(w.s, sim_rand(w.s) % 1000, wl_start, a);
	}
	r->events = sim_run(w.s, limit);
	r->finished = r->ops == p->ops * w.nactors;
	for (unsigned i = 0; i < w.nactors && !r->finished; i++)
		if (w.actors[i].left)
			sim_violation(w.s, "actor %u on node %u stuck with %llu ops left%s", i,
				      w.actors[i].node, (unsigned long long)w.actors[i].left,
				      r->events >= limit ? " (event limit: livelock)" : "");
	if (r->finished)
		sim_check_quiescent(w.s);
	else if (getenv("DSM_DUMP"))
		wl_dump(&w);
	wl_collect(&w, r);
	free(w.actors);
	sim_free(w.s);
	return r->finished && r->violations == 0;
}
