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

/* Before the guest runs: per-page state for npages guest pages. 0 or -E_NOMEM. */
int vmpf_init(struct dsm_node *node, u64 npages);
/* A vCPU faulted on page (for writing or not): remembered, and may start a read-ahead. */
void vmpf_note_fault(u64 page, bool write);
/* Should a vCPU's data read fault on page ask for write rights? (its last fault here
 * wrote, or was made a write by this rule) */
bool vmpf_wants_write(u64 page);
/* The protocol took rights on page away from this node (it had write rights or not). */
void vmpf_note_lost(u64 page);
/* This node's turn began: its next vmpf_poll() asks for what it lost meanwhile. */
void vmpf_turn_began(void);
/* After each network poll: releases granted holds, asks for more while the turn is
 * this node's (may_run) and the message layer has room. */
void vmpf_poll(bool may_run);
/* The protocol's resume() for a prefetch hold: true if h was one of them. */
bool vmpf_resume(struct dsm_hold *h);
/* "dsm:" lines for the report when the guest stops. */
void vmpf_report(const char *prefix);

#endif
