/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Asking for guest pages before a vCPU faults on them (doc/dsm.md, "Prefetch"):
 * at the start of each of this node's turns, the pages it lost since its last
 * turn and had used lately; and, when faults come in ascending pages, the next
 * few. Both only ask: every page still comes through the protocol (dsm/), on a
 * hold of its own released as soon as it is granted, so nothing here can make
 * a copy incoherent; a wrong guess costs a transfer, no more. Boot core only,
 * like the rest of vmm/cluster/vmdsm.c.
 */
#ifndef UNUM_VMM_CLUSTER_VMDSM_PREFETCH_H
#define UNUM_VMM_CLUSTER_VMDSM_PREFETCH_H

#include "dsm/dsm.h"
#include "vmm/virt/vm.h"

/* Holds the prefetcher may have out at once (for the protocol's max_holds). */
#define VMPF_HOLDS 24u

struct vmpf_holds {
	struct dsm_hold h[VMPF_HOLDS];
	bool busy[VMPF_HOLDS];
	volatile bool done[VMPF_HOLDS];
};

/* What the prefetch knew of a page a vCPU faulted on (vmpf_note_fault), counted per kind
 * to show why a turn's start did not bring it: */
enum {
	VMPF_NEW,	/* never faulted on here, nor lost after use (what the read-ahead
			 * alone brought counts as new) */
	VMPF_UNTOUCHED, /* lost with its accessed mark clear, so not remembered */
	VMPF_ASKED,	/* asked for at this turn's start: on its way, taken again since, or
			 * brought for reading and now written */
	VMPF_PENDING,	/* lost and remembered, not yet asked for when the vCPU faulted */
	VMPF_STALE,	/* not faulted on in this node's last VMPF_AGE turns (lost or not) */
	VMPF_OTHER,	/* none of these: a write to a page read here, a page lost during
			 * this node's own turn, one not remembered (more than VMPF_LOST),
			 * one the turn's start found here or could not ask for */
	VMPF_KINDS
};

/* The prefetcher's state, one per node (part of struct cluster). */
struct vmcache;

struct vmpf {
	struct dsm_node *node;
	struct vmcache *cache; /* a page homed elsewhere is asked for only into a free frame */
	u64 npages;
	u64 hole_first, hole_end; /* guest pages that are no RAM: the read-ahead stops there */
	u16 *stamp; /* per page: 1 + the turn (mod 2^16) in which a vCPU last faulted on it,
		     * or which it was lost after the guest had used it */
	u8 *flags;  /* per page: PG_LOST (in lost[]), PG_WROTE (its last fault wrote); for
		     * the fault kinds, PG_ASKED, PG_WORK, PG_UNTOUCHED (vmdsm_prefetch.c) */
	u32 *lost;  /* pages lost since this node's turn ended */
	u32 nlost, nwork, cursor;
	u32 *work; /* the previous lost[], being asked for during this turn */
	u16 turn;
	bool turn_began, active;
	struct vmpf_holds holds;
	u64 last, next; /* read-ahead: the last page faulted on, the next not yet asked for */
	u32 run;	/* ... faults on ascending pages so far */
	u32 ahead;	/* ... and how far ahead of the fault it asks */
	u64 turns, asked, here, stale, overflow, ahead_asked, ahead_here, refused;
	u64 lost_unused;      /* losses of pages the guest had not touched since they came */
	u64 upgraded;	      /* read faults asked for writing (vmpf_wants_write) */
	u64 rewritten;	      /* write rights lost on a page the guest wrote: asked for writing */
	u64 unwritten;	      /* write rights lost unused on a page asked for writing: now read */
	u64 kind[VMPF_KINDS]; /* the vCPUs' faults by what the prefetch knew of the page */
};

/* Before the guest runs: per-page state for npages guest pages, of which [hole_first,
 * hole_end) are no RAM (equal: none). 0 or -E_NOMEM. */
int vmpf_init(struct vmpf *pf, struct dsm_node *node, struct vmcache *cache, u64 npages,
	      u64 hole_first, u64 hole_end);
/* A vCPU faulted on page, asking for writing or not (the read-ahead asks alike); wrote:
 * the access was a write (not a read made a write by vmpf_wants_write). Remembered, and
 * may start a read-ahead. */
void vmpf_note_fault(struct vmpf *pf, u64 page, bool write, bool wrote);
/* Should a vCPU's data read fault on page ask for write rights? The node wrote the page
 * the last time it had it: the last fault here was a write, or, later, write rights left
 * the page written (vmpf_note_written). */
bool vmpf_wants_write(const struct vmpf *pf, u64 page);
/* Whether the guest used a page while this node had it, as vmpf_note_lost() is told
 * (the values of nested_page_used()). */
enum { VMPF_USE_UNKNOWN = -1, VMPF_UNUSED = 0, VMPF_USED = 1 };
/* The protocol took write rights on page away from this node; written: whether the
 * guest wrote it since they came (as nested_protect_written() says; -1: unknown). */
void vmpf_note_written(struct vmpf *pf, u64 page, int written);
/* The protocol took rights on page away from this node (it had write rights or not);
 * used: whether the guest touched it since it came or its rights last changed. */
void vmpf_note_lost(struct vmpf *pf, u64 page, int used);
/* This node's turn began: its next vmpf_poll() asks for what it lost meanwhile. */
void vmpf_turn_began(struct vmpf *pf);
/* After each network poll: releases granted holds, asks for more while the turn is
 * this node's (may_run) and the message layer has room. */
void vmpf_poll(struct vmpf *pf, bool may_run);
/* The protocol's resume() for a prefetch hold: true if h was one of them. */
bool vmpf_resume(struct vmpf *pf, struct dsm_hold *h);
/* "dsm:" lines for the report when the guest stops. */
void vmpf_report(const struct vmpf *pf, const char *prefix);

#endif
