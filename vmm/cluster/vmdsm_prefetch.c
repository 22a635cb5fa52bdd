// SPDX-License-Identifier: GPL-2.0-only
/*
 * Prefetch of guest pages (see vmm/cluster/vmdsm_prefetch.h).
 *
 * Why, measured on 2-node Linux boots under turns (one node's vCPUs run at a
 * time: vmm/cluster/turns.h): each turn, a node's vCPU faulted on about 35 pages, one
 * round trip after the other, and spent about 80% of its turn waiting. Most
 * (70%) were pages it had used before and lost to the other node during the
 * other's turn (the kernel's page tables, runqueues, timers, allocator state);
 * a third of one node's were runs through whole 2 MiB regions, one page after
 * the next (Linux clearing the pages it allocates). Two guesses follow:
 *
 * - Turn start: the pages taken from this node since its last turn, which its
 *   vCPUs faulted on in their last VMPF_AGE turns, are asked for together when
 *   the turn begins, with the rights they last faulted for. Asking instead for
 *   the last 256 distinct pages faulted on, whether lost or not, moved about
 *   140 pages per turn, most not wanted: the link was busy and a boot took 3x
 *   longer. Losing a page is what makes it worth asking for. With VMPF_AGE 4,
 *   a fifth of the faults left were on lost pages skipped as not used lately;
 *   with 16, 3-node boots waited about 20% less (doc/benchmarks.md). Where the
 *   nested entry has an accessed mark, a page lost untouched since it came is not
 *   asked for again (a prefetched page never faults, so before, an unused one went
 *   back and forth for 16 turns), and one lost after use counts as used that turn.
 * - Read-ahead: after three faults on ascending pages, the next VMPF_AHEAD; each
 *   further fault of the run doubles how far ahead, up to VMPF_HOLDS, borrowing the
 *   turn start's holds once it is done. At 8 ahead, a stream of writes (the
 *   decompressor's, the kernel clearing what it allocates) waited a round trip every
 *   9 pages: on a 3-node boot the decompressor faulted 2,200-2,300 times, about 930
 *   with this, and the vCPUs waited 15-30% less often.
 * - Write for a read: a data read fault on a page this node wrote the last time it
 *   had it asks for write rights (vmpf_wants_write), so a page this node writes
 *   stays asked for writing. In a 2-node boot, about 1,700 of each node's 10,000
 *   faults were a read and then a write of such a page: two round trips where one
 *   does. Pages a node only reads stay shared, and instruction fetches never ask
 *   for writing (the decompressor wrote every page of kernel text on node 0).
 *   "Wrote" is the last fault's own access (a read this rule made a write is no
 *   write), then, when write rights leave the page, whether the guest wrote it
 *   since they came: the nested entry's dirty mark, or an emulated write under
 *   shadow page tables (vmpf_note_written). Where the format has no dirty mark
 *   (Intel EPT without A/D flags) a page the node only reads goes back to reads at
 *   its second fault. Before, a read made a write counted as a write, so a page
 *   written once stayed asked for writing on every node, and its reads took it
 *   from each other: with the nodes running at once (shadow slice=0), the kernel's
 *   read-mostly data (the clocksource, the timekeeping flags beside the CPU masks)
 *   went back and forth at every tick, and a 2-node boot with the long parallel
 *   program took 88-114 s against 28-33 s (doc/benchmarks.md, session 28).
 *
 * At most VMPF_HOLDS (VMPF_WINDOW + VMPF_AHEAD) holds out, and only while more than a
 * quarter of what the message layer may queue is free: the first version asked for 64 at once and
 * filled the pool (a protocol message could not be queued: the guest stopped).
 * The peers answer each request with one grant, which net/net.c sizes their
 * pools for.
 */
#include "vmm/cluster/vmdsm_prefetch.h"
#include "vmm/cluster/vmdsm_cache.h"
#include "net/msg.h"
#include "net/net.h"
#include "vmm/lib/klib.h"
#include "vmm/host/log.h"
#include "vmm/host/mm.h"
#include "vmm/host/paging.h"

#define VMPF_WINDOW 16	 /* turn-start requests out at once */
#define VMPF_AHEAD  8	 /* holds for the read-ahead alone, and how far ahead a run starts */
#define VMPF_AGE    16	 /* "used lately": faulted on in this node's last 16 turns */
#define VMPF_LOST   1024 /* pages remembered as lost between two turns */

_Static_assert(VMPF_WINDOW + VMPF_AHEAD == VMPF_HOLDS, "VMPF_HOLDS");

enum {
	PG_LOST = 1,	  /* in lost[] */
	PG_WROTE = 2,	  /* its last fault here wrote (vmpf_wants_write) */
	PG_ASKED = 4,	  /* asked for at this turn's start, not faulted on since */
	PG_UNTOUCHED = 8, /* its last loss found its accessed mark clear */
	PG_WORK = 16,	  /* in work[], not yet asked for */
};

static void *alloc_bytes(u64 bytes)
{
	hpa_t pa = page_alloc(ALIGN_UP(bytes, PAGE_SIZE) / PAGE_SIZE, 1);

	if (!pa)
		return NULL;
	memset(hpa_to_ptr(pa), 0, ALIGN_UP(bytes, PAGE_SIZE));
	return hpa_to_ptr(pa);
}

int vmpf_init(struct vmpf *pf, struct dsm_node *node, struct vmcache *cache, u64 npages,
	      u64 hole_first, u64 hole_end)
{
	pf->node = node;
	pf->cache = cache;
	pf->npages = npages;
	pf->hole_first = hole_first;
	pf->hole_end = hole_end;
	pf->stamp = alloc_bytes(npages * sizeof(u16));
	pf->flags = alloc_bytes(npages);
	pf->lost = alloc_bytes(VMPF_LOST * sizeof(u32));
	pf->work = alloc_bytes(VMPF_LOST * sizeof(u32));
	return pf->stamp && pf->flags && pf->lost && pf->work ? 0 : -E_NOMEM;
}

void vmpf_note_lost(struct vmpf *pf, u64 page, int used)
{
	if (!pf->flags || page >= pf->npages || (pf->flags[page] & PG_LOST))
		return;
	if (used == VMPF_UNUSED) {
		pf->flags[page] |= PG_UNTOUCHED;
		pf->lost_unused++; /* (a guess that did not pay, or a page it no longer uses) */
		return;
	}
	pf->flags[page] &= (u8)~PG_UNTOUCHED;
	if (used == VMPF_USED)
		pf->stamp[page] = (u16)(pf->turn + 1) ? (u16)(pf->turn + 1) : 1;
	else if (!pf->stamp[page])
		return; /* (never faulted on here: the loader's pages, say) */
	if (pf->nlost == VMPF_LOST) {
		pf->overflow++;
		return;
	}
	pf->flags[page] |= PG_LOST;
	pf->lost[pf->nlost++] = (u32)page;
}

bool vmpf_wants_write(const struct vmpf *pf, u64 page)
{
	return pf->flags && page < pf->npages && (pf->flags[page] & PG_WROTE);
}

void vmpf_note_written(struct vmpf *pf, u64 page, int written)
{
	if (!pf->flags || page >= pf->npages || written < 0)
		return;
	if (written) {
		pf->flags[page] |= PG_WROTE;
		pf->rewritten++;
	} else if (pf->flags[page] & PG_WROTE) {
		pf->flags[page] &= (u8)~PG_WROTE; /* (asked for writing, only read) */
		pf->unwritten++;
	}
}

void vmpf_turn_began(struct vmpf *pf)
{
	pf->turn_began = true;
}

/* A free hold among [from, to), or -1. */
static int free_hold(const struct vmpf *pf, u32 from, u32 to)
{
	for (u32 i = from; i < to; i++)
		if (!pf->holds.busy[i])
			return (int)i;
	return -1;
}

/* Asks for page on hold i; 1 if a request went out, 0 if the page was here, -1 if
 * the protocol refused (out of transient records, say: counted, not an error, as
 * the vCPU's own fault will ask again). */
static int ask(struct vmpf *pf, u32 i, u64 page, bool write)
{
	int rc;

	if (vmcache_frame(pf->cache, page, false) != 0) {
		pf->refused++; /* (a prefetch evicts nothing) */
		return -1;
	}
	pf->holds.h[i].cookie = pf;
	pf->holds.done[i] = false;
	rc = dsm_acquire(pf->node, &pf->holds.h[i], page << PAGE_SHIFT, 1, write);
	if (rc == DSM_PENDING) {
		pf->holds.busy[i] = true;
		return 1;
	}
	if (rc == 0) {
		dsm_release(pf->node, &pf->holds.h[i]);
		return 0;
	}
	pf->refused++;
	return -1;
}

static int fault_kind(const struct vmpf *pf, u64 page)
{
	u8 f = pf->flags[page];

	if (f & PG_ASKED)
		return VMPF_ASKED;
	if (f & PG_WORK)
		return VMPF_PENDING;
	if (f & PG_UNTOUCHED)
		return VMPF_UNTOUCHED;
	if (!pf->stamp[page])
		return VMPF_NEW;
	if ((u16)(pf->turn - (pf->stamp[page] - 1)) > VMPF_AGE)
		return VMPF_STALE;
	return VMPF_OTHER;
}

static bool room(void)
{
	struct msg_layer *l = net_msg_layer();

	return l && msg_send_room(l) > msg_send_capacity(l) / 2;
}

void vmpf_note_fault(struct vmpf *pf, u64 page, bool write, bool wrote)
{
	if (!pf->stamp || page >= pf->npages)
		return;
	pf->kind[fault_kind(pf, page)]++;
	pf->stamp[page] = (u16)(pf->turn + 1) ? (u16)(pf->turn + 1) : 1; /* (0: never) */
	pf->flags[page] = (u8)((pf->flags[page] & PG_LOST) | (wrote ? PG_WROTE : 0));
	/* A run goes on through pages the read-ahead already asked for. */
	pf->run = page > pf->last && page <= MAX(pf->last + 1, pf->next) ? pf->run + 1 : 0;
	pf->last = page;
	if (pf->run < 2)
		return;
	if (pf->next < page || pf->next > page + pf->ahead + 1) {
		pf->next = page + 1; /* (a new run, or one that jumped) */
		pf->ahead = VMPF_AHEAD;
	} else {
		/* The run reached a page still on its way, or the first one not asked for
		 * (which the vCPU's own fault asks for): further ahead. */
		pf->next = MAX(pf->next, page + 1);
		pf->ahead = MAX(MIN(2 * pf->ahead, VMPF_HOLDS), VMPF_AHEAD);
	}
	while (pf->next <= page + pf->ahead && pf->next < pf->npages &&
	       !(pf->next >= pf->hole_first && pf->next < pf->hole_end) && room()) {
		int i = free_hold(pf, VMPF_WINDOW, VMPF_HOLDS), rc;
		if (i < 0 && !pf->active)
			i = free_hold(pf, 0, VMPF_WINDOW); /* (the turn start's, once it is done) */
		if (i < 0)
			break;
		rc = ask(pf, (u32)i, pf->next++, write);
		if (rc > 0)
			pf->ahead_asked++;
		else if (rc == 0)
			pf->ahead_here++;
	}
}

/* The turn began: what was lost since the last one is this turn's work. */
static void start_turn(struct vmpf *pf)
{
	u32 *t = pf->work;

	for (u32 i = 0; i < pf->nwork; i++) /* (last turn's: asked for or not) */
		pf->flags[pf->work[i]] &= (u8) ~(PG_ASKED | PG_WORK);
	pf->turn_began = false;
	pf->turns++;
	pf->turn++;
	pf->work = pf->lost;
	pf->nwork = pf->nlost;
	pf->lost = t;
	pf->nlost = 0;
	pf->cursor = 0;
	pf->active = true;
	for (u32 i = 0; i < pf->nwork; i++)
		pf->flags[pf->work[i]] = (u8)((pf->flags[pf->work[i]] & ~PG_LOST) | PG_WORK);
}

void vmpf_poll(struct vmpf *pf, bool may_run)
{
	if (!pf->stamp)
		return; /* (off: noprefetch) */
	for (u32 i = 0; i < VMPF_HOLDS; i++)
		if (pf->holds.busy[i] && pf->holds.done[i]) {
			dsm_release(pf->node, &pf->holds.h[i]);
			pf->holds.busy[i] = false;
		}
	if (pf->turn_began)
		start_turn(pf);
	if (!may_run)
		pf->active = false; /* the turn went on: the pages are the new holder's to take */
	dsm_batch(pf->node, true);  /* (consecutive pages' requests go as runs) */
	while (pf->active && pf->cursor < pf->nwork && room()) {
		u32 page = pf->work[pf->cursor];
		int i = free_hold(pf, 0, VMPF_WINDOW);
		if (i < 0)
			break;
		pf->cursor++;
		pf->flags[page] &= (u8)~PG_WORK;
		if ((u16)(pf->turn - (pf->stamp[page] - 1)) > VMPF_AGE) {
			pf->stale++;
			continue;
		}
		switch (ask(pf, (u32)i, page, pf->flags[page] & PG_WROTE)) {
		case 1:
			pf->asked++;
			pf->flags[page] |= PG_ASKED;
			break;
		case 0: pf->here++; break;
		default: break;
		}
	}
	dsm_batch(pf->node, false);
	if (pf->cursor >= pf->nwork)
		pf->active = false;
}

bool vmpf_resume(struct vmpf *pf, struct dsm_hold *h)
{
	if (h->cookie != pf)
		return false;
	pf->holds.done[h - pf->holds.h] = true;
	return true;
}

void vmpf_report(const struct vmpf *pf, const char *prefix)
{
	if (!pf->stamp) {
		kprintf("%sno prefetch (noprefetch)\n", prefix);
		return;
	}
	if (pf->turns)
		kprintf("%sprefetch at %llu turn starts: %llu lost pages asked for, %llu here "
			"again already, %llu not used lately; %llu lost pages not remembered, "
			"%llu losses of pages untouched since they came\n",
			prefix, (unsigned long long)pf->turns, (unsigned long long)pf->asked,
			(unsigned long long)pf->here, (unsigned long long)pf->stale,
			(unsigned long long)pf->overflow, (unsigned long long)pf->lost_unused);
	kprintf("%sthe vCPUs' faults, by what the prefetch knew of the page: %llu on new pages, "
		"%llu lost untouched, %llu asked for at the turn's start, %llu not yet asked for, "
		"%llu not used lately, %llu other\n",
		prefix, (unsigned long long)pf->kind[VMPF_NEW],
		(unsigned long long)pf->kind[VMPF_UNTOUCHED],
		(unsigned long long)pf->kind[VMPF_ASKED],
		(unsigned long long)pf->kind[VMPF_PENDING],
		(unsigned long long)pf->kind[VMPF_STALE], (unsigned long long)pf->kind[VMPF_OTHER]);
	kprintf("%sread-ahead: %llu pages asked for, %llu already here; %llu prefetches refused "
		"by the protocol\n",
		prefix, (unsigned long long)pf->ahead_asked, (unsigned long long)pf->ahead_here,
		(unsigned long long)pf->refused);
	kprintf("%swrite for a read: %llu read faults asked for writing (the page's last fault "
		"here wrote); write rights left %llu pages written (asked for writing again) and "
		"%llu unwritten (back to reads)\n",
		prefix, (unsigned long long)pf->upgraded, (unsigned long long)pf->rewritten,
		(unsigned long long)pf->unwritten);
}
