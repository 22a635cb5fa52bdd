/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The message layer's transport (struct msg_ops, net/msg.h) over lwIP UDP: one UDP socket
 * bound to this node's port; a packet for node N goes to N's ip:port from the cluster file
 * (net/addr.h); a datagram received is checked to come from a configured node's address,
 * copied out of its pbuf chain (a reassembled datagram is several pbufs) and fed to
 * msg_input(). Runs in the network context only.
 */
#ifndef UNUM_NET_TRANSPORT_H
#define UNUM_NET_TRANSPORT_H

#include "net/msg.h"
#include "vmm/lib/config.h"

struct udp_pcb;

struct net_transport_stats {
	u64 rx_datagrams;   /* handed to msg_input() */
	u64 rx_rejected;    /* of which msg_input() dropped */
	u64 rx_too_long;    /* over MSG_MAX_PACKET: not ours */
	u64 rx_unknown_src; /* not from a node's ip:port in the cluster file */
	u64 tx_datagrams, tx_no_dst, tx_no_mem, tx_err;
};

struct net_transport {
	struct udp_pcb *pcb;
	const struct cluster_config *cfg;
	struct msg_layer *msg;
	struct net_transport_stats stats;
	u8 rx[MSG_MAX_PACKET];
};

/* Binds this node's port; received packets go to @msg. Returns 0 or a negative error. */
int net_transport_open(struct net_transport *t, const struct cluster_config *cfg, u32 self,
		       struct msg_layer *msg);

/* msg_ops.send and msg_ops.now_ns; @ctx is the struct net_transport. */
void net_transport_send(void *ctx, uint16_t dst, const void *pkt, size_t len);
uint64_t net_transport_now(void *ctx);

#endif
