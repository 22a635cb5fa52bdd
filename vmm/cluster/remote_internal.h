/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What vmm/cluster/remote.c, remote_io.c and remote_time.c share, and nobody else.
 */
#ifndef UNUM_VMM_CLUSTER_REMOTE_INTERNAL_H
#define UNUM_VMM_CLUSTER_REMOTE_INTERNAL_H

#include "vmm/cluster/remote.h"
#include "vmm/cluster/remote_wire.h"
#include "net/msg.h"

/* A local vCPU's access forwarded to node 0: when its port access left, and its MMIO
 * access's number and answer. */
struct vcpu_fwd {
	u64 io_since;
	u32 mmio_seq;
	volatile bool mmio_done;
	s8 mmio_status;
	u64 mmio_val;
};

/* The periodic re-check of the guest's TSC against node 0's (remote_time.c). */
struct time_recheck {
	u64 next;     /* when the next re-check starts (0: not yet scheduled) */
	u64 sent_tsc; /* the outstanding probe's t1, 0 when none */
	u64 sent_ns;  /* ... and when it left */
	int answered; /* probes answered in this re-check */
	u64 best_rtt; /* cycles */
	s64 best;     /* the offset that round trip gave */
	u64 checks, steps, stepped_ns;
	s64 last_ns, last_err_ns; /* the last check: node 0's guest TSC minus ours, and its bound */
	s64 worst_ns;		  /* the largest difference found, either way */
	bool warned;
};

/* The state of remote.c, remote_io.c and remote_time.c (part of struct cluster). */
/* Messages for other nodes waiting for the message layer's buffers (remote.c): a ring,
 * in the order posted, and how many wait for each node. */
#define REMOTE_BACKLOG	256
#define REMOTE_BODY_MAX 40 /* the largest message that goes through remote_post */
_Static_assert(sizeof(struct vcpu_msg) <= REMOTE_BODY_MAX &&
		       sizeof(struct io_msg) <= REMOTE_BODY_MAX &&
		       sizeof(struct mmio_msg) <= REMOTE_BODY_MAX &&
		       sizeof(struct eoi_msg) <= REMOTE_BODY_MAX,
	       "remote messages fit the backlog");
struct remote_waiting {
	u16 dst;
	u8 type, len;
	u8 body[REMOTE_BODY_MAX];
};
struct remote_backlog {
	struct remote_waiting q[REMOTE_BACKLOG];
	u32 head, n;
	u16 per_node[MSG_MAX_NODES];
};

struct remote_state {
	bool stop_from_peer; /* the stop was sent, or came from a peer */
	struct remote_backlog backlog;
	/* Refusals owed to restarted nodes (refuse_rejoin), sent again until they go. */
	struct refused_msg refusal[MSG_MAX_NODES];
	bool refusal_owed[MSG_MAX_NODES];
	struct remote_stats st;
	struct vcpu_fwd fwd[VM_MAX_VCPUS];
	struct time_msg time_answer; /* node 0's last answer to a join-time probe */
	volatile bool time_answered;
	struct time_recheck recheck;
};

/* The guest as the message checks see it. */
struct remote_layout remote_layout_of(const struct vm *vm);
/* The counters remote_stats() reports. */
struct remote_stats *remote_counters(struct vm *vm);
/* A message for node dst, from any core (through the boot core), in order (remote_post). */
void remote_send(struct vm *vm, u32 dst, u8 type, const void *body, size_t len);
/* The same on the boot core: sent at once, or after what waits for dst in the backlog,
 * which it may join; one that the backlog cannot take either stops the guest, saying
 * why. */
void remote_post(struct vm *vm, u16 dst, u8 type, const void *body, size_t len);
/* Their message handlers, registered by remote_init(). */
int remote_io_init(struct vm *vm);
int remote_time_init(struct vm *vm);

#endif
