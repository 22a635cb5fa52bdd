// SPDX-License-Identifier: GPL-2.0-only
/*
 * The bounded cache of pages homed elsewhere (see vmm/cluster/vmdsm_cache.h).
 */
#include "vmm/cluster/vmdsm_cache.h"
#include "vmm/host/log.h"
#include "vmm/host/mm.h"
#include "vmm/host/paging.h"
#include "vmm/host/power.h"
#include "vmm/lib/klib.h"
#include "vmm/lib/printf.h"

#define FRAMES_PER_CHUNK (VM_CHUNK / PAGE_SIZE)
#define FRAME_PUT	 1u /* the page's PUT is out: the frame serves until it is over */

static hpa_t frame_hpa(const struct vmcache *c, u32 f)
{
	return c->vm->frame_chunks[f / FRAMES_PER_CHUNK] + (u64)(f % FRAMES_PER_CHUNK) * PAGE_SIZE;
}

static bool homed_here(const struct vmcache *c, u64 page)
{
	gpa_t gpa = page << PAGE_SHIFT;

	return gpa >= c->vm->home_base && gpa < c->vm->home_end;
}

static void *alloc_table(u64 bytes)
{
	hpa_t pa = page_alloc(ALIGN_UP(bytes, PAGE_SIZE) / PAGE_SIZE, 1);

	return pa ? hpa_to_ptr(pa) : NULL;
}

/* Bytes of tables for n frames besides the frames themselves. */
static u64 frame_table_bytes(u64 n)
{
	return n * (sizeof(u64) + sizeof(u8) + sizeof(u32)) +
	       ALIGN_UP(n, FRAMES_PER_CHUNK) / FRAMES_PER_CHUNK * sizeof(hpa_t) + 4 * PAGE_SIZE;
}

static bool grow(struct vmcache *c);

int vmcache_init(struct vmcache *c, struct vm *vm, struct dsm_node *node, u64 cache_bytes,
		 u32 min_frames, u32 ahead)
{
	u64 others = (vm->mem_size - vm_home_ram(vm)) / PAGE_SIZE, free_bytes, room, n;
	/* (the nested tables' last level for the pages homed elsewhere: one page per 512,
	 * made as frames are first mapped there, and kept) */
	u64 leaf_tables = (others / 512 + 2) * PAGE_SIZE;

	c->vm = vm;
	c->node = node;
	c->npages = vm->gpa_end >> PAGE_SHIFT;
	vm->page_frame = alloc_table(c->npages * sizeof(u32));
	if (!vm->page_frame)
		goto nomem;
	free_bytes = mm_free_pages() * PAGE_SIZE;
	room = free_bytes > VMCACHE_SPARE + leaf_tables ? free_bytes - VMCACHE_SPARE - leaf_tables
							 : 0;
	if (cache_bytes) {
		n = cache_bytes / PAGE_SIZE;
	} else {
		/* (each frame costs its page and its share of the tables, about 13 bytes) */
		n = ALIGN_DOWN(room / (PAGE_SIZE + 16), FRAMES_PER_CHUNK);
	}
	n = MIN(n, ALIGN_UP(others, FRAMES_PER_CHUNK));
	if (n < min_frames && n < others) {
		pr_err("vm: node %u's cache for pages homed elsewhere would hold %llu KiB, less "
		       "than the %llu KiB its vCPUs and the protocol may pin at once (%llu MiB "
		       "free after its %llu MiB home range)%s\n",
		       vm->self, (unsigned long long)(n * PAGE_SIZE >> 10),
		       (unsigned long long)((u64)min_frames * PAGE_SIZE >> 10),
		       (unsigned long long)(free_bytes >> 20),
		       (unsigned long long)(vm_home_ram(vm) >> 20),
		       cache_bytes ? ": raise the node's cache= in the cluster file" : "");
		return -E_RANGE;
	}
	if (n * PAGE_SIZE + frame_table_bytes(n) > room) {
		pr_err("vm: node %u cannot keep a cache of %llu MiB for pages homed elsewhere: "
		       "%llu MiB free after its %llu MiB home range, of which the monitor keeps "
		       "%llu MiB\n",
		       vm->self, (unsigned long long)(n * PAGE_SIZE >> 20),
		       (unsigned long long)(free_bytes >> 20),
		       (unsigned long long)(vm_home_ram(vm) >> 20),
		       (unsigned long long)((VMCACHE_SPARE + leaf_tables) >> 20));
		return -E_RANGE;
	}
	c->nframes = (u32)n;
	c->frame_page = alloc_table(n * sizeof(u64));
	c->frame_flags = alloc_table(n);
	c->free = alloc_table(n * sizeof(u32));
	vm->frame_chunks =
		alloc_table(ALIGN_UP(n, FRAMES_PER_CHUNK) / FRAMES_PER_CHUNK * sizeof(hpa_t) + 1);
	if (!c->frame_page || !c->frame_flags || !c->free || !vm->frame_chunks)
		goto nomem;
	c->lowater = (u32)MIN(ahead, n / 16);
	/* The least cache now: later, memory may run short, and the clock needs frames no
	 * hold pins (the bound stops where growing fails: grow). */
	while (c->nalloc < MIN(n, (u64)min_frames))
		if (!grow(c)) {
			pr_err("vm: node %u cannot allocate the least cache for pages homed "
			       "elsewhere, %u frames\n", vm->self, min_frames);
			return -E_NOMEM;
		}
	pr_info("dsm: cache of %llu MiB for pages homed elsewhere (%llu MiB of them), "
		"home range %llu MiB\n",
		(unsigned long long)(n * PAGE_SIZE >> 20), (unsigned long long)(others >> 8),
		(unsigned long long)(vm_home_ram(vm) >> 20));
	return 0;
nomem:
	pr_err("vm: node %u: no memory for the tables of its cache of pages homed elsewhere\n",
	       vm->self);
	return -E_NOMEM;
}

static void free_frame(struct vmcache *c, u32 f)
{
	u64 page = c->frame_page[f] - 1;
	int left = nested_rights(&c->vm->space, page << PAGE_SHIFT);

	/* The protocol took every right first, waiting for the TLBs: nothing uses it, and
	 * the unmap needs no flush. A frame still mapped with rights would be reused under
	 * a TLB that may still reach it: stop rather than let another page share it. */
	if (left > 0) {
		vm_stop(c->vm, EXIT_PANIC,
			"dsm: the cache frame of guest-physical %#llx is to be freed with rights "
			"%#x still mapped",
			(unsigned long long)(page << PAGE_SHIFT), (unsigned)left);
		return; /* (kept: never reused) */
	}
	nested_unmap(&c->vm->space, page << PAGE_SHIFT);
	__atomic_store_n(&c->vm->page_frame[page], 0, __ATOMIC_RELEASE);
	c->frame_page[f] = 0;
	c->frame_flags[f] = 0;
	c->free[c->nfree++] = f;
	c->used--;
}

/* The clock: passes over pages until `want` frames are free or on their way (PUTs),
 * or it has passed RECLAIM_SCAN frames (the hand goes on from there next time), or gone
 * round twice. */
#define RECLAIM_SCAN 2048
static void reclaim(struct vmcache *c, u32 want)
{
	u32 got = 0;

	if (!c->nalloc)
		return;
	for (u64 scanned = 0; scanned < MIN(2ULL * c->nalloc, RECLAIM_SCAN) && got < want;
	     scanned++) {
		u32 f = c->hand;
		u64 page = c->frame_page[f];
		int rc;

		c->hand = (c->hand + 1) % c->nalloc;
		c->scans++;
		if (!page-- || (c->frame_flags[f] & FRAME_PUT))
			continue;
		if (nested_test_clear_accessed(&c->vm->space, page << PAGE_SHIFT) == 1) {
			c->second_chances++;
			continue;
		}
		c->evicting = true; /* (its rights go: not a loss for the prefetcher to undo) */
		rc = dsm_evict(c->node, page);
		c->evicting = false;
		if (rc == 0 || rc == DSM_EINVAL) { /* (forgotten, or no copy at all) */
			c->forgets++;
			free_frame(c, f);
			got++;
		} else if (rc == DSM_PENDING) {
			c->frame_flags[f] |= FRAME_PUT;
			c->putting++;
			c->puts++;
			got++;
		} else {
			c->busy++; /* (held, in a transaction, or too many PUTs out) */
		}
	}
}

/* Frames for 2 MiB more of the bound: false when the node has no memory for them, or
 * only VMCACHE_FLOOR (what the monitor's later needs draw on: node 0's disk overlay, a
 * stack of nested tables, a report), and the bound stops there. */
static bool grow(struct vmcache *c)
{
	u32 chunk = c->nalloc / FRAMES_PER_CHUNK, n = MIN(FRAMES_PER_CHUNK, c->nframes - c->nalloc);
	hpa_t pa = mm_free_pages() * PAGE_SIZE >= VMCACHE_FLOOR + VM_CHUNK
			   ? page_alloc(FRAMES_PER_CHUNK, 1)
			   : 0;

	if (!pa) {
		pr_warn("dsm: node %u's cache stops at %u frames (%u MiB) of %u: the node has "
			"%llu MiB free, and keeps %llu\n",
			c->vm->self, c->nalloc, c->nalloc >> 8, c->nframes,
			(unsigned long long)(mm_free_pages() >> 8),
			(unsigned long long)(VMCACHE_FLOOR >> 20));
		c->nframes = c->nalloc;
		return false;
	}
	c->vm->frame_chunks[chunk] = pa;
	for (u32 i = n; i-- > 0;)
		c->free[c->nfree++] = c->nalloc + i;
	c->nalloc += n;
	return true;
}

int vmcache_frame(struct vmcache *c, u64 page, bool may_evict)
{
	u32 f;
	int rc;

	if (page >= c->npages || homed_here(c, page) ||
	    !vm_gpa_is_ram(c->vm, page << PAGE_SHIFT, PAGE_SIZE))
		return 0; /* (the hole: no memory anywhere) */
	f = c->vm->page_frame[page];
	if (f && (c->frame_flags[f - 1] & FRAME_PUT))
		return -E_BUSY; /* (see vmcache_frame in the header) */
	if (f)
		return 0;
	if (!c->nfree && c->nalloc < c->nframes)
		grow(c);
	/* (PUTs already out will free frames: the clock need not run for each ask) */
	if (!c->nfree && may_evict && c->putting < MAX(c->lowater, 1u))
		reclaim(c, MAX(c->lowater, 1u) - c->putting);
	/* (a read-ahead may take the frames kept free ahead too: with them it roughly halved
	 * the time of linux-aggregate's verify, 166 s against 325 s) */
	if (!c->nfree)
		return -E_AGAIN;
	f = c->free[--c->nfree];
	/* No rights until the protocol grants them (its set_rights); the frame's contents
	 * are the grant's, or zeros it writes itself. */
	rc = nested_map(&c->vm->space, page << PAGE_SHIFT, frame_hpa(c, f), SPACE_4K, 0);
	if (rc) {
		pr_err("dsm: cannot map the cache frame of guest-physical %#llx (error %d)\n",
		       (unsigned long long)(page << PAGE_SHIFT), rc);
		c->nfree++; /* (still free: nothing was mapped) */
		return rc;
	}
	c->frame_page[f] = page + 1;
	c->used++;
	c->peak = MAX(c->peak, c->used);
	c->fills++;
	__atomic_store_n(&c->vm->page_frame[page], f + 1, __ATOMIC_RELEASE);
	return 0;
}

void vmcache_evicted(struct vmcache *c, u64 page, bool freed)
{
	u32 f = page < c->npages ? c->vm->page_frame[page] : 0;

	if (!f-- || !(c->frame_flags[f] & FRAME_PUT)) {
		pr_err("dsm: an eviction of guest-physical %#llx ended that this node's cache "
		       "did not start\n", (unsigned long long)(page << PAGE_SHIFT));
		return;
	}
	c->frame_flags[f] &= (u8)~FRAME_PUT;
	c->putting--;
	if (freed) {
		c->puts_freed++;
		free_frame(c, f);
	} else {
		c->puts_refused++; /* (the copy and its rights stay) */
	}
}

void vmcache_poll(struct vmcache *c)
{
	if (c->nalloc < c->nframes || c->nfree + c->putting >= c->lowater)
		return;
	reclaim(c, c->lowater - c->nfree - c->putting);
}

void vmcache_stats_part(const struct vmcache *c, char *buf, size_t size)
{
	ksnprintf(buf, size, "cache %u/%u frames used, %llu PUTs, %llu forgotten, %llu waited",
		  c->used, c->nframes, (unsigned long long)c->puts,
		  (unsigned long long)c->forgets, (unsigned long long)c->waits);
}

void vmcache_report(const struct vmcache *c)
{
	u64 home = vm_home_ram(c->vm) >> 20;

	kprintf("dsm: cache: %u frames (%u MiB) for pages homed elsewhere, at most %u used; "
		"memory for guest pages: home %llu MiB + cache %u MiB allocated = %llu MiB, "
		"of home + cache bound %llu MiB\n",
		c->nframes, c->nframes >> 8, c->peak, (unsigned long long)home, c->nalloc >> 8,
		(unsigned long long)(home + (c->nalloc >> 8)),
		(unsigned long long)(home + (c->nframes >> 8)));
	kprintf("dsm: cache: %llu frames filled; evictions: %llu PUTs (%llu freed, %llu "
		"refused), %llu copies forgotten; the clock passed %llu frames, %llu second "
		"chances, %llu busy\n",
		(unsigned long long)c->fills, (unsigned long long)c->puts,
		(unsigned long long)c->puts_freed, (unsigned long long)c->puts_refused,
		(unsigned long long)c->forgets, (unsigned long long)c->scans,
		(unsigned long long)c->second_chances, (unsigned long long)c->busy);
	kprintf("dsm: cache: %llu accesses waited for a free frame, %llu for their page's PUT "
		"to end; %u frames kept free ahead\n",
		(unsigned long long)c->waits, (unsigned long long)c->put_waits, c->lowater);
}
