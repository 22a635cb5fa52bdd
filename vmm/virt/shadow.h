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
 * spages first. So a present shadow entry always equals what it would be derived
 * from the guest's entry now (shadow_audit checks it), INVLPG and CR3 loads work
 * natively, and no shadow is ever "out of sync".
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

#define SHADOW_NONE  0xffffffffu /* no spage (an index) */
#define SHADOW_FLOOD 4		 /* writes to a table page without a fill between: unshadow it */
#define SHADOW_AHEAD 16		 /* a 4 KiB fill maps its aligned group of this many entries */

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
};

struct shadow_stats {
	u64 fills, injected, spurious, flushes; /* shadow_fault outcomes */
	u64 ahead;				/* entries a fill mapped beside its own */
	u64 prefilled;			   /* entries derived when an emulated write mapped them */
	u64 writes, zapped, floods, drops; /* invalidations */
	u64 resets, spages;		   /* pool full; spages in use */
};

struct shadow {
	u64 *pool;	/* npages tables of 512 entries, at guest-physical pool_gpa */
	gpa_t pool_gpa; /* where the CPU's walk (through the nested tables) finds it */
	u32 npages;
	struct spage *sp; /* per pool page */
	u32 *hash;	  /* nhash chains of spages by (gfn, level) */
	u32 nhash;	  /* a power of two */
	u32 free;	  /* the free list */
	u8 *prot;	  /* per guest page: 1 if write-protected for shadowing */
	u64 guest_pages;  /* guest-physical pages prot covers */
	u64 gen;	  /* bumped by shadow_reset: roots found before are gone */
	u64 leaf_rsvd;	  /* a 4 KiB leaf's reserved bits, as of the last fault's CPU */
	struct shadow_ops ops;
	struct shadow_stats st;
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
/* Checks every present shadow entry against the guest's entry it derives from: 0, or
 * -E_INVAL with a line in why (tests, and the monitor's `stats` on request). */
int shadow_audit(struct shadow *s, char *why, size_t len);

#endif
