/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The bounded cache of a node's copies of pages homed elsewhere (doc/dsm.md, "Eviction: a
 * bounded cache"). A node has memory for its own home range (vm->chunks) and a bounded
 * number of 4 KiB frames for the rest: a page gets a frame before the protocol asks for it
 * (vmcache_frame), mapped in the nested tables without rights until the protocol grants
 * some. When none is free, a clock hand gives pages back through the protocol (dsm_evict):
 * a copy without rights is forgotten at once; a copy with rights goes home with a PUT,
 * and its frame is free when the home has acknowledged it (vmcache_evicted), or stays if
 * the home refused. A page whose nested entry the CPU marked used since the hand last
 * passed gets a second chance. Boot core only, like the protocol.
 */
#ifndef UNUM_VMM_CLUSTER_VMDSM_CACHE_H
#define UNUM_VMM_CLUSTER_VMDSM_CACHE_H

#include "dsm/dsm.h"
#include "vmm/virt/vm.h"

#define VMCACHE_SPARE (16ULL << 20) /* left free by the cache's bound, for later allocations */
#define VMCACHE_FLOOR (4ULL << 20)  /* the cache never grows into the last of it */

struct vmcache {
	struct vm *vm;
	struct dsm_node *node;
	u64 npages;	     /* guest page numbers */
	u32 nframes;	     /* the bound */
	u32 nalloc;	     /* frames with memory so far: they come 2 MiB at a time */
	u32 lowater;	     /* vmcache_poll keeps this many free, evicting ahead (cacheahead=) */
	u64 *frame_page;     /* per frame: 1 + the page it holds, or 0 */
	u8 *frame_flags;     /* per frame: FRAME_PUT */
	u32 *free, nfree;    /* a stack of free frames */
	u32 hand;	     /* the clock's */
	u32 used, peak;	     /* frames holding a page now, at most */
	u32 putting;	     /* frames whose page has a PUT out */
	bool evicting;	     /* within dsm_evict: the rights it takes are no loss */
	u64 fills;	     /* frames given to a page */
	u64 puts, forgets;   /* evictions: PUTs sent, copies without rights dropped */
	u64 puts_freed, puts_refused;
	u64 second_chances;  /* pages passed over, used since the hand last came */
	u64 busy;	     /* pages passed over, held or in a transaction */
	u64 waits;	     /* accesses that waited for a free frame */
	u64 put_waits;	     /* ... for their page's PUT to end */
	u64 scans;	     /* frames the hand passed */
};

/*
 * The cache of a guest that spans nodes: cache_bytes of frames (0: the node's free memory
 * but VMCACHE_SPARE), at least min_frames and at most one for each page homed elsewhere;
 * ahead of them kept free (at most a sixteenth). Sets vm->page_frame and
 * vm->frame_chunks. 0, or -E_NOMEM / -E_RANGE, the figures said.
 */
int vmcache_init(struct vmcache *c, struct vm *vm, struct dsm_node *node, u64 cache_bytes,
		 u32 min_frames, u32 ahead);
/*
 * Gives page a frame if it is homed elsewhere and has none: 0 when it has memory here
 * now; -E_AGAIN when no frame is free (with may_evict, evictions have started and
 * vmcache_evicted or vmcache_poll will free some; without, as for a read-ahead, nothing
 * is evicted for it); -E_BUSY when the page's own PUT is out:
 * ask again when it is over (the protocol would hold the access until then, and then
 * free the frame under it). Call it before each dsm_acquire of the page; a caller that
 * waits counts the wait (waits, put_waits) once.
 */
int vmcache_frame(struct vmcache *c, u64 page, bool may_evict);
/* The protocol's evicted(): the PUT of page is over, its frame freed or kept. */
void vmcache_evicted(struct vmcache *c, u64 page, bool freed);
/* After each network poll: evicts ahead while fewer than lowater frames are free. */
void vmcache_poll(struct vmcache *c);
/* "dsm: cache" lines at guest stop; the stats= line's part. */
void vmcache_report(const struct vmcache *c);
void vmcache_stats_part(const struct vmcache *c, char *buf, size_t size);

#endif
