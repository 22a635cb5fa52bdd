/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The glue between one NIC (drivers/nic.h) and lwIP's netif. The driver's poll hands each
 * received frame to net_netif_queue_frame(), which copies it into an lwIP pbuf and queues it;
 * net_netif_input() then feeds the queue to lwIP. Both run in the network context, the only
 * one that touches lwIP (NO_SYS): drivers never call lwIP. Outgoing frames (possibly a chain
 * of pbufs, for IP fragments) are flattened into one buffer and sent with the NIC's send().
 */
#ifndef UNUM_NET_LWIP_NETIF_H
#define UNUM_NET_LWIP_NETIF_H

#include "drivers/nic.h"
#include "lwip/netif.h"

#define NET_RXQ_SIZE 256

struct net_netif_stats {
	u64 rx_queued, rx_no_pbuf, rx_queue_full, rx_lwip_err;
	u64 tx_frames, tx_too_long, tx_nic_full;
};

struct net_netif {
	struct netif netif;
	struct nic *nic;
	struct pbuf *rxq[NET_RXQ_SIZE];
	u32 rxq_head, rxq_tail; /* free-running; head - tail frames queued */
	struct net_netif_stats stats;
};

/*
 * Adds @nif for @nic with address @ip and @netmask (host byte order), up, as lwIP's default.
 * Call after lwip_init(). Returns 0 or -E_NOMEM.
 */
int net_netif_add(struct net_netif *nif, struct nic *nic, u32 ip, u32 netmask);

/* nic_rx_fn: copies a received frame into the queue (dropped and counted when full). */
void net_netif_queue_frame(void *ctx, const void *frame, size_t len);

/* Feeds every queued frame to lwIP; returns how many. */
int net_netif_input(struct net_netif *nif);

#endif
