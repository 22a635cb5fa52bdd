/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the two halves of the message layer, net/msg.c (sending, timers, setup) and
 * net/msg_rx.c (receiving), share and nobody else uses.
 */
#ifndef UNUM_NET_MSG_INTERNAL_H
#define UNUM_NET_MSG_INTERNAL_H

#include "net/msg.h"

#define MSG_NO_SLOT	  0xffffu /* empty ring entry, end of the free list */
#define MSG_REPLAY_WINDOW 64	  /* packet numbers remembered per peer: the bits of rx_pkt_bits */

/* A slot is free, queued for the send window, in it, or holding out-of-order data. */
enum { MSG_SLOT_FREE, MSG_SLOT_QUEUED, MSG_SLOT_TX, MSG_SLOT_RX };

/* Sequence numbers wrap: compare them by their distance (RFC 1982 serial arithmetic). */
static inline bool msg_seq_before(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

static inline uint64_t msg_min(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* Make msg_poll() run no later than @t. */
static inline void msg_wake_at(struct msg_layer *l, uint64_t t)
{
	l->wake_ns = msg_min(l->wake_ns, t);
}

/* A free slot and its index, or NULL when the pool is empty. */
struct msg_slot *msg_slot_alloc(struct msg_layer *l, uint16_t *idx);
void msg_slot_free(struct msg_layer *l, uint16_t idx);

/* (Re)transmit the message in @s (@fast: before its timeout, for a gap a SACK showed). */
void msg_transmit_slot(struct msg_layer *l, struct msg_slot *s, uint64_t now, bool fast);

/* Send an ACK or HELLO to @node, addressed to its incarnation @dst_epoch (0 = a probe). */
void msg_send_control(struct msg_layer *l, uint16_t node, uint8_t type, uint64_t dst_epoch);

/* Move queued messages for @node into its window while there is room; send them if we can. */
void msg_tx_fill_window(struct msg_layer *l, uint16_t node, uint64_t now);

/* Ask for an ack to @p's node at @when or earlier; a packet sent before then carries it. */
void msg_ack_later(struct msg_layer *l, struct msg_peer *p, uint64_t when);

#endif
