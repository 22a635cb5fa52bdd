/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The node's network, as the monitor sees it (doc/net.md): find the NICs, pick the one the
 * cluster file names for this node, bring up lwIP with the node's address, open the message
 * layer's UDP transport and start membership. Everything runs in one context, the network
 * context: whoever calls net_poll() (the monitor's idle loop, and its vCPU run loop between
 * guest exits). Nothing here is reentrant or called from interrupts; a NIC's interrupt only
 * wakes the CPU so that net_poll() runs sooner.
 */
#ifndef UNUM_NET_NET_H
#define UNUM_NET_NET_H

#include "net/msg.h"
#include "vmm/lib/config.h"

/*
 * Node identity from the hardware (design section 3): enumerates the NICs and stores in *@id
 * the node whose mac= is one of theirs. Returns 0, or -E_NOENT (no NIC, or no node has a
 * local NIC's MAC; the local MACs are printed) so the caller can refuse to start.
 */
int net_identify(const struct cluster_config *cfg, u32 *id);

/*
 * Brings the network up for node @self of @cfg (which must stay valid): the NIC whose MAC is
 * the node's mac= (else the first NIC, with a warning), lwIP with the node's ip= and
 * port=, the message layer and membership. Returns 0 or a negative error (printed); the
 * node can still run alone without a network.
 */
int net_start(const struct cluster_config *cfg, u32 self);

/* Does the network's pending work: received frames, lwIP timers, the message layer's timers,
 * membership, the self-test. Cheap when there is nothing to do; a no-op before net_start(). */
void net_poll(void);

/* When net_poll() next has timed work (the message layer's acks and retransmissions,
 * lwIP's timers), at most NET_IDLE_MAX_NS after @now: a node with nothing else to do
 * sleeps until then or until its NIC's receive interrupt. */
#define NET_IDLE_MAX_NS 10000000ULL
u64 net_next_deadline(u64 now);

/* `msgbufs=N` on the command line: the message layer's pool of buffers; call before
 * net_start(); 0 (the default) sizes it by the peers (net.c, net_pool_slots). */
void net_set_pool(u32 slots);
/* `nettest=N` on the command line: call before net_start(); 0 (the default) disables it. */
void net_set_test(u32 messages);
/* True when a self-test ran and is over (the node may power off); false without one. */
bool net_test_over(void);

/* One line of the NIC's, lwIP's and the message layer's counters ("net: stats: ..."): what
 * a node that hears nothing has sent and received. Nothing before net_start(). */
void net_stats_line(void);

/* Whether @node is up (always true for this node). For layers that must pause without it. */
bool net_node_up(u32 node);
/* Is net_poll() running (a message handler is on the stack)? A nested net_poll()
 * returns at once, so code there must not wait for the network. */
bool net_in_poll(void);
/* Is lwIP up on this node's NIC (net_start got that far), cluster or not? */
bool net_lwip_up(void);
/* Does a frame's arrival wake the CPU (the node's NIC has a receive interrupt, now: e1000
 * may fall back to polling)? When not, a wait for the network must poll, not sleep. */
bool net_rx_wakes(void);
/*
 * The guest's NIC on node 0, bridged onto this node's NIC beside the cluster's traffic:
 * from now on, frames for @mac, and broadcast and multicast frames but the cluster's own
 * (UDP to a node's port), go to @rx (in the network context) as well as, for broadcast
 * and multicast, to lwIP; frames from @mac (echoes) are dropped. The NIC is told to
 * accept @mac. 0, or -E_INVAL (the network is not up, or a port is already attached).
 */
int net_guest_attach(const u8 mac[6], void (*rx)(const void *frame, size_t len));
/* Sends one of the guest's frames (its source is @mac: checked by the caller) on the
 * NIC: 0, -E_NOSPC (the NIC's ring is full), or -E_INVAL. Boot core, outside net_poll. */
int net_guest_send(const void *frame, size_t len);
/* "net: guest:" figures of the bridge, at guest stop. */
void net_guest_line(void);

/* fn(ctx, node, restarted, old_epoch) runs (in the network context) whenever a peer
 * goes down or comes back having restarted (old_epoch: the incarnation it had, 0 if
 * unknown; the new one is net_peer_epoch's); one hook, the guest's. */
void net_on_peer_lost(void (*fn)(void *ctx, u32 node, bool restarted, u64 old_epoch), void *ctx);
/* @node's incarnation as this node's message layer knows it (0: not yet). */
u64 net_peer_epoch(u32 node);
/* This node's incarnation (0 before the message layer is up). */
u64 net_epoch(void);

/* The message layer, for the layers above (DSM, IPI forwarding); NULL before net_start(). */
struct msg_layer *net_msg_layer(void);

/* One line (after @prefix) with the message layer's buffers and counters: what a node
 * prints when it stops, and when a message could not be queued. */
void net_msg_line(const char *prefix);

/*
 * Messages of @type (MSG_T_USER..255) go to @fn, in order per source, in the network context;
 * @data is valid during the call only. Returns 0, or -E_EXIST/-E_INVAL.
 */
typedef void (*net_msg_handler)(void *ctx, u16 src, const void *data, size_t len);
int net_register(u8 type, net_msg_handler fn, void *ctx);

/*
 * From now on, a message of @from_type or above that no handler takes yet waits (it is not
 * acknowledged, its peer sends it again) until net_register() gives its type one, instead of
 * being dropped; 0 ends that (one that no handler takes is dropped and counted). A node that
 * joins a guest holds the guest's messages while it builds its part: a peer that finished
 * first may already ask it for pages.
 */
void net_hold_unhandled(u8 from_type);

#endif
