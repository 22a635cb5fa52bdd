/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The state vmm/cluster/vmdsm.c, vmdsm_mem.c and vmdsm_report.c share, and nobody else.
 */
#ifndef UNUM_VMM_CLUSTER_VMDSM_INTERNAL_H
#define UNUM_VMM_CLUSTER_VMDSM_INTERNAL_H

#include "vmm/cluster/vmdsm.h"
#include "dsm/dsm.h"
#include "vmm/cluster/vmdsm_prefetch.h"
#include "vmm/cluster/vmdsm_cache.h"
#include "net/msg.h"

#define VCPU_DSM_HOLDS 16 /* recent pages a vCPU keeps pinned (held has a bit each) */

/* A vCPU's pages: the holds of its last faults, most recent at cur, each pinned here for
 * the protocol's pin time (fault_here). */
struct vcpu_pages {
	struct dsm_hold holds[VCPU_DSM_HOLDS];
	u8 cur;
	u16 held;  /* bit i: holds[i] is in use */
	u16 chain; /* the holds of the faults at chain_rip */
	u64 chain_rip;
	u64 wait_since;		      /* when it began waiting for its page */
	struct {		      /* its fault waits for a cache frame (frame_waiters) */
		gpa_t gpa;
		bool write, fetch, walk, waiting;
	} frame_wait;
	u64 walk_faults, data_faults; /* on its page-table walks / on other accesses */
	volatile bool yield_queued;   /* a yield is queued for the boot core (vmdsm_yield) */
};

#define WAIT_SAMPLES 4096 /* page waits kept for the median and p90 (vmdsm_report.c) */
#define FAULT_RIPS 512	  /* guest instructions whose faults are counted (vmdsm_report.c) */

/* This node's protocol, the monitor's hold, the vCPUs' pages, the prefetcher and the
 * sample of page waits (part of struct cluster). */
struct vm_dsm {
	struct dsm_node *node;
	struct vm *vm;
	struct dsm_hold monitor_hold; /* the monitor's own accesses (vmdsm_acquire_sync) */
	volatile bool monitor_done;
	bool monitor_busy;
	bool monitor_held; /* monitor_hold still pins the last page taken (vmdsm_unhold) */
	u64 monitor_redone; /* monitor accesses asked again: the page left before the copy */
	bool nap;	    /* the boot core's waits pause between polls (vmdsm_nap; nonap: not) */
	struct vcpu_pages pages[VM_MAX_VCPUS];
	struct vmpf pf;
	struct vmcache cache; /* frames for pages homed elsewhere */
	struct {	      /* vCPUs whose fault waits for a free frame, in order */
		u32 id[VM_MAX_VCPUS];
		u32 head, n;
	} frame_waiters;
	struct {
		u32 us[WAIT_SAMPLES]; /* a reservoir sample of how long vCPUs waited */
		u64 n, rng;
	} waits;
	struct {
		u64 rip, page; /* page: the last page faulted on at rip */
		u32 faults, writes;
		u32 shown;  /* faults at the last "stats:" line (its list of the newest) */
	} rips[FAULT_RIPS]; /* open addressing on rip; once full, new RIPs go uncounted */
	u64 rips_uncounted;
	struct vmdsm_outq *outq; /* messages waiting for a message-layer buffer (vmdsm.c) */
};

/* Messages the message layer had no buffer for, in order (vmdsm.c). */
#define VMDSM_OUTQ_SLOTS 2048
struct vmdsm_outq {
	u32 head, n;
	u32 most;    /* the most waiting at once */
	u64 delayed; /* messages that waited */
	struct {
		u16 dst, len;
		u8 data[MSG_MAX_PAYLOAD];
	} slot[VMDSM_OUTQ_SLOTS];
};

struct vcpu_pages *vmdsm_pages_of(const struct vcpu *v);
/* The protocol's part of vmdsm_poll(), for the monitor's own waits: the messages that
 * waited for a message-layer buffer first (its request may be among them), then dsm_poll. */
void vmdsm_poll_protocol(struct vm_dsm *d);

/* A vCPU waited ns for its page (vmdsm_report.c keeps a sample of the waits). */
void vmdsm_record_wait(struct vm_dsm *d, u64 ns);
/* A vCPU at guest RIP rip faulted on page (the report names the instructions that fault most). */
void vmdsm_record_rip(struct vm_dsm *d, u64 rip, u64 page, bool write);

#endif
