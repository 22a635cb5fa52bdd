/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shadow page tables over nested paging: one node's own copy of the guest's
 * guest-virtual to guest-physical tables, which the CPU walks instead of the
 * guest's (doc/dsm.md, "Page tables across nodes"). AMD's nested walk writes every
 * guest page-table entry it reads, so a guest's tables walked by the hardware on
 * two nodes go back and forth between them; walking a node-private copy instead,
 * the guest's own tables are only read, by this code, and stay shared.
 *
 * Shape. A shadow page ("spage") is a 4 KiB table in a pool outside the guest's
 * RAM, derived from one guest table page (its gfn) at one level: its entries are
 * the guest's entries with the child tables replaced by spages, filled lazily when
 * the CPU faults on a missing one (shadow_fault), a 4 KiB leaf with the young entries
 * of its group of SHADOW_AHEAD beside it. Entries keep the guest's
 * permission bits (R/W, U/S, XD; G, PWT, PCD, PAT in leaves), so the CPU applies
 * CR0.WP, SMEP, SMAP and NX itself; a leaf whose guest entry is not yet dirty is
 * read-only until the first write, which sets the guest's D (A is set on every
 * guest entry a fill uses). An spage is found by (gfn, level): the spages of the
 * kernel's upper levels are shared by every process's root, and the table of
 * roots is the cache of shadows per guest CR3.
 *
 * Coherence. A guest page that any spage derives from is write-protected in this
 * node's nested tables (ops->protect); the guest's writes to it trap and are
 * emulated, and shadow_write() drops the entries derived from what changed. When
 * the page leaves the node (another node writes it), shadow_drop() empties its
 * spages first. So a present shadow entry equals what it would be derived from the
 * guest's entry now (shadow_audit checks it), with one exception:
 *
 * Out of sync. A page table (level 1 only) that the guest writes may instead be given
 * back to it (shadow_unsync): its writes then run at full speed, and its spage may
 * hold entries the guest has since changed, as a CPU's TLB may, until the guest's own
 * TLB flush: INVLPG syncs the one entry (shadow_invlpg), a CR3 load syncs every page
 * out of sync and protects it again (shadow_sync_all), unless no entry is left in its
 * spage: then it stays writable, off the list until a fill derives from it again (a
 * page table emptied, or freed and used as data, costs nothing). A page table out of
 * sync linked again into its parent's spage is synced first (an INVLPG made while it
 * was not linked did not reach it). No global entry is ever derived
 * from a page out of sync (a fill that would need one syncs the page first), so a
 * flush that keeps global entries keeps nothing stale; a flush by CR4 (PGE) is
 * intercepted while any page is out of sync, as INVLPG is (vmm/virt/shadow_vm.h); a
 * page table a global entry was ever derived from (the kernel's) stays in sync. Up to SHADOW_UNSYNC_MAX pages are out of sync at once.
 *
 * Scope: 64-bit 4-level paging with CR0.WP set (what Linux runs); shadow_mode_ok()
 * tells; any other mode runs on nested paging alone. Pure code: no locks, no
 * allocation (the caller serialises and gives the memory); it builds into host
 * unit tests that check it against the guest walker (tests/unit/test_shadow.c).
 */
#ifndef UNUM_VMM_VIRT_SHADOW_H
#define UNUM_VMM_VIRT_SHADOW_H

#include "vmm/emu/gwalk.h"
#include "vmm/lib/types.h"

#define SHADOW_NONE	  0xffffffffu /* no spage (an index) */
#define SHADOW_FLOOD	  4  /* writes to a table page without a fill between: unshadow it */
#define SHADOW_AHEAD	  16 /* a 4 KiB fill maps its aligned group of this many entries */
#define SHADOW_UNSYNC_MAX 64 /* page tables out of sync at once */

struct shadow_ops {
	/* Reads the 8-byte guest entry at gpa: 0, or a negative error (the page is not on
	 * this node: the caller brings it and tries again; or it is not RAM). */
	int (*read)(void *ctx, gpa_t gpa, u64 *val);
	/* Replaces old by val at gpa (the A/D bits): 0, 1 if it no longer held old, or a
	 * negative error (no write rights here: as for read). */
	int (*cmpxchg)(void *ctx, gpa_t gpa, u64 old, u64 val);
	/* Takes away (on) or gives back (off) the guest's write access to guest page gfn
	 * on this node. After "on", the caller must flush every local TLB before a fill
	 * relies on it (shadow_fault returns SHADOW_FLUSH). */
	int (*protect)(void *ctx, u64 gfn, bool on); /* 0 or a negative error */
	void *ctx;
};

/* One shadow page's bookkeeping. */
struct spage {
	u64 gfn;     /* the guest table page it derives from */
	u8 level;    /* 4 = PML4 .. 1 = page table; 0: free */
	u8 writes;   /* guest writes to gfn since the last fill here (SHADOW_FLOOD) */
	u16 present; /* present entries */
	u32 next;    /* the next spage in its hash chain, or in the free list */
	bool global; /* a global entry was derived here since it was last emptied: a kernel
		      * table, never given back out of sync */
};

struct shadow_stats {
	u64 fills, injected, spurious, flushes; /* shadow_fault outcomes */
	u64 ahead;				/* entries a fill mapped beside its own */
	u64 prefilled;			   /* entries derived when an emulated write mapped them */
	u64 writes, zapped, floods, drops; /* invalidations */
	u64 resets, spages;		   /* pool full; spages in use */
	u64 unsyncs, syncs, synced; /* pages given back, synced again; entries dropped then */
	u64 invlpgs;		    /* INVLPGs that reached a page table out of sync */
};

struct shadow {
	u64 *pool;	/* npages tables of 512 entries, at guest-physical pool_gpa */
	gpa_t pool_gpa; /* where the CPU's walk (through the nested tables) finds it */
	u32 npages;
	struct spage *sp; /* per pool page */
	u32 *hash;	  /* nhash chains of spages by (gfn, level) */
	u32 nhash;	  /* a power of two */
	u32 free;	  /* the free list */
	u8 *prot;	  /* per guest page: SHADOW_PROT_* */
	u64 guest_pages;  /* guest-physical pages prot covers */
	u64 gen;	  /* bumped by shadow_reset: roots found before are gone */
	u64 leaf_rsvd;	  /* a 4 KiB leaf's reserved bits, as of the last fault's CPU */
	u64 unsync[SHADOW_UNSYNC_MAX]; /* the pages out of sync */
	u32 nunsync;
	bool sync_only; /* no page out of sync: every write to a protected page emulated */
	bool hold;	/* none goes out of sync for now (a flush runs again natively) */
	struct shadow_ops ops;
	struct shadow_stats st;
};

/* A guest page's state (shadow.prot). */
enum shadow_prot {
	SHADOW_PROT_NONE,   /* nothing derives from it */
	SHADOW_PROT_ON,	    /* spages derive from it: write-protected */
	SHADOW_PROT_UNSYNC, /* a level-1 spage derives from it, out of sync: writable */
};

/* shadow_fault() results, besides negative errors. */
enum shadow_outcome {
	SHADOW_FILLED = 0, /* the shadow now maps the address: re-run the access */
	SHADOW_INJECT,	   /* the guest's own tables refuse it: inject #PF(*error) */
	SHADOW_FLUSH,	   /* pages newly protected: flush every local TLB, then re-run */
	SHADOW_SPURIOUS,   /* nothing to change: a stale TLB entry (flush this vCPU's and
			    * re-run), or, twice in a row, a check the guest walker does
			    * not model (inject the CPU's own error code) */
};

/* Memory shadow_init() needs besides the pool (bookkeeping for npages spages and
 * guest_pages guest pages). */
u64 shadow_meta_size(u32 npages, u64 guest_pages);
/* pool: npages zeroed 4 KiB tables at guest-physical pool_gpa; meta: shadow_meta_size()
 * zeroed bytes. 0, or -E_INVAL. */
int shadow_init(struct shadow *s, const struct shadow_ops *ops, void *pool, gpa_t pool_gpa,
		u32 npages, void *meta, u64 guest_pages);
/* Can a vCPU in this state run on shadows? (64-bit 4-level paging, CR0.WP set) */
bool shadow_mode_ok(const struct gwalk_cpu *cpu);
/* The shadow root for guest CR3 cr3: its guest-physical address in *root. 0, or
 * -E_NOMEM (pool full: shadow_reset, then again). */
int shadow_root(struct shadow *s, u64 cr3, gpa_t *root);
/*
 * The CPU, walking the shadow, raised #PF with error code *error at va (cpu: the
 * guest's state, its own CR3). Walks the guest's tables, setting their A/D bits, and
 * fills the shadow, or finds the guest's #PF (*error set to its code). Returns an
 * enum shadow_outcome, or a negative error: the guest walk's (a table page not here:
 * bring it and try again), -E_NOMEM (pool full: shadow_reset, then again), or
 * -E_FAULT (the guest maps the pool itself).
 */
int shadow_fault(struct shadow *s, const struct gwalk_cpu *cpu, gva_t va, u32 *error);
/* Guest-physical [gpa, gpa + len) was written (by the guest, emulated, or by the
 * monitor): the entries derived from it go. A page written SHADOW_FLOOD times with no
 * fill from it between is unshadowed (shadow_drop). */
void shadow_write(struct shadow *s, gpa_t gpa, u64 len);
/* The same for one aligned 8-byte guest entry written from old to val by an emulated
 * instruction; an entry of a 4 KiB page table that goes from not present to present and
 * young (Linux mapping a page at its own page fault) is derived at once, instead of by
 * the fill its first access would need. It counts as a write all the same. */
void shadow_write_entry(struct shadow *s, gpa_t gpa, u64 old, u64 val);
/* Guest page gfn leaves this node, or is no longer worth shadowing: its spages are
 * emptied and its protection given back. The caller flushes the TLBs. */
void shadow_drop(struct shadow *s, u64 gfn);
/* Every spage freed and every protection given back (s->gen moves on). The caller
 * flushes the TLBs and finds its roots again. */
void shadow_reset(struct shadow *s);
/* Is guest page gfn write-protected for shadowing? */
bool shadow_protected(const struct shadow *s, u64 gfn);
/* May protected page gfn go out of sync? A page table (level 1 only) no global entry
 * derived from, with room on the list, and no hold on. */
bool shadow_can_unsync(const struct shadow *s, u64 gfn);
/* The guest wrote protected page gfn: gives it back out of sync if it may. 0, or -E_BUSY
 * (the caller emulates the write instead). The first page on the list: the caller must
 * have made every core intercept INVLPG first (and CR4 writes). */
int shadow_unsync(struct shadow *s, u64 gfn);
/* The guest's INVLPG of va on the shadow root at root_gpa: the entry out of sync that
 * the CPU would use for va, if any, is synced (dropped if the guest changed it). */
void shadow_invlpg(struct shadow *s, gpa_t root_gpa, gva_t va);
/* The guest's CR3 load, in two halves around a flush of every local TLB, so that no
 * core still writes a page when its entries are read. First: every page out of sync
 * with entries is protected again (one with none is left writable, off the list); true
 * if any was, and then the caller flushes every core, waiting. Then the end syncs
 * them: their entries the guest changed go. */
bool shadow_sync_begin(struct shadow *s);
void shadow_sync_end(struct shadow *s);
/* Both halves, for a caller with one core (the tests): true if any page was protected. */
bool shadow_sync_all(struct shadow *s);
/* Checks every present shadow entry against the guest's entry it derives from: 0, or
 * -E_INVAL with a line in why (tests, and the monitor's `stats` on request). */
int shadow_audit(struct shadow *s, char *why, size_t len);

#endif
