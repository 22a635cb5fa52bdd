/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Cluster membership (design section 6, issue 5 item 4): which peers are up. The message
 * layer does the talking: every node probes every other one from its first poll and, once a
 * session exists, sends it a heartbeat each hello interval (100 ms), and records when it last
 * heard an authentic packet from each peer. Membership watches those times: a peer is up from
 * the first packet heard from it, and down once it has been silent for MEMBER_DOWN_NS, then up
 * again when it speaks (a restarted peer speaks with a new epoch: also reported).
 *
 * Pure C: the caller passes the time and a function reading the last-heard times, and gets
 * each change through a callback, so the host tests drive it with a fake clock.
 */
#ifndef UNUM_NET_MEMBERSHIP_H
#define UNUM_NET_MEMBERSHIP_H

#include "net/msg.h"

#define MEMBER_DOWN_NS 1500000000ull /* 15 heartbeats missed */

enum member_event { MEMBER_UP, MEMBER_DOWN, MEMBER_RESTARTED };

struct membership_ops {
	void *ctx;
	/* When @node was last heard from, 0 for never (msg_peer_last_heard). */
	uint64_t (*last_heard)(void *ctx, uint16_t node);
	/* A change; @silent_ns is how long a peer reported down has been silent. */
	void (*event)(void *ctx, uint16_t node, enum member_event ev, uint64_t silent_ns);
};

struct membership {
	struct membership_ops ops;
	uint16_t self, nr_nodes;
	uint16_t nr_up;
	uint64_t down_ns;
	uint8_t up[MSG_MAX_NODES];
};

/* @down_ns 0 picks MEMBER_DOWN_NS. Every peer starts down (not yet heard from). */
void membership_init(struct membership *m, uint16_t self, uint16_t nr_nodes, uint64_t down_ns,
		     const struct membership_ops *ops);
/* Looks at every peer at time @now and reports changes. */
void membership_poll(struct membership *m, uint64_t now);
/* The message layer saw @node restart (msg_ops.peer_reset). */
void membership_peer_reset(struct membership *m, uint16_t node);
bool membership_is_up(const struct membership *m, uint16_t node);
/* True when every peer is up. */
bool membership_all_up(const struct membership *m);

#endif
