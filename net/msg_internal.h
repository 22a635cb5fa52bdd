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

/*
 * A slot is free, queued for the send window, in it, holding out-of-order data, or holding a
 * part of a message received in order whose last part has not come yet.
 */
enum { MSG_SLOT_FREE, MSG_SLOT_QUEUED, MSG_SLOT_TX, MSG_SLOT_RX, MSG_SLOT_PART };

/*
 * How far timeouts back off the first timeout of a peer's next messages (RFC 6298 5.5), in
 * doublings, few enough that random loss, not congestion, does not push every message to
 * rto_max (20 % loss on a 2-node Linux boot: half the page messages, three IP fragments each,
 * timed out, and with 32 the boot made 40 exits in 10 s). At the cap an ack of a message sent
 * more than once gives a sample too (from its last copy), so a round trip that grew past 8
 * times the timeout is still measured (every ack would answer a retransmission). Clearing the
 * estimate instead (RFC 6298 5.7) meant 25 ms timeouts again: that boot at 5 % loss took
 * twice as long.
 */
#define MSG_RTO_SHIFT_MAX 3

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
