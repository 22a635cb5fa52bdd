// SPDX-License-Identifier: GPL-2.0-only
/*
 * Encoding, sealing and checking of message-layer packets (layout in net/msg_wire.h and
 * doc/net.md). msg_wire_check() is where untrusted bytes first meet the monitor, so it is
 * written as a sequence of tests, each reading only the bytes it needs and only after the
 * length test that guarantees they exist: the length, the framing, the addressing, then the
 * MAC, and only after the MAC the fields whose meaning depends on the packet being authentic.
 */
#include "net/msg_wire.h"

void msg_wire_encode(uint8_t *pkt, const struct msg_hdr *h)
{
	msg_put32(pkt + MSG_OFF_MAGIC, h->magic);
	pkt[MSG_OFF_VERSION] = h->version;
	pkt[MSG_OFF_TYPE] = h->type;
	msg_put16(pkt + MSG_OFF_LEN, h->len);
	msg_put32(pkt + MSG_OFF_CLUSTER, h->cluster);
	msg_put16(pkt + MSG_OFF_SRC, h->src);
	msg_put16(pkt + MSG_OFF_DST, h->dst);
	msg_put64(pkt + MSG_OFF_SRC_EPOCH, h->src_epoch);
	msg_put64(pkt + MSG_OFF_DST_EPOCH, h->dst_epoch);
	msg_put64(pkt + MSG_OFF_PKT_NUM, h->pkt_num);
	msg_put32(pkt + MSG_OFF_SEQ, h->seq);
	msg_put32(pkt + MSG_OFF_ACK, h->ack);
	msg_put32(pkt + MSG_OFF_SACK, h->sack);
	msg_put32(pkt + MSG_OFF_FLAGS, h->flags);
}

void msg_wire_seal(uint8_t *pkt, size_t len, const struct siphash_key *key)
{
	msg_put64(pkt + MSG_HDR_SIZE + len, siphash24(key, pkt, MSG_HDR_SIZE + len));
}

/* The framing: magic, version and a payload length that matches the datagram exactly. */
static int msg_wire_check_frame(const uint8_t *pkt, size_t len, struct msg_hdr *h)
{
	h->magic = msg_get32(pkt + MSG_OFF_MAGIC);
	if (h->magic != MSG_MAGIC)
		return MSG_DROP_BAD_MAGIC;
	h->version = pkt[MSG_OFF_VERSION];
	if (h->version != MSG_VERSION)
		return MSG_DROP_BAD_VERSION;
	h->len = msg_get16(pkt + MSG_OFF_LEN);
	if (h->len > MSG_PART_MAX)
		return MSG_DROP_BAD_LENGTH;
	if (len < (size_t)MSG_HDR_SIZE + h->len + MSG_MAC_SIZE)
		return MSG_DROP_TRUNCATED;
	if (len > (size_t)MSG_HDR_SIZE + h->len + MSG_MAC_SIZE)
		return MSG_DROP_BAD_LENGTH;
	return MSG_DROP_NONE;
}

/* The addressing: our cluster, to us, from another valid node. */
static int msg_wire_check_addr(const struct msg_wire_id *id, const uint8_t *pkt, struct msg_hdr *h)
{
	h->cluster = msg_get32(pkt + MSG_OFF_CLUSTER);
	if (h->cluster != id->cluster_id)
		return MSG_DROP_WRONG_CLUSTER;
	h->dst = msg_get16(pkt + MSG_OFF_DST);
	if (h->dst != id->self)
		return MSG_DROP_WRONG_DST;
	h->src = msg_get16(pkt + MSG_OFF_SRC);
	if (h->src >= id->nr_nodes || h->src == id->self)
		return MSG_DROP_BAD_SRC;
	return MSG_DROP_NONE;
}

/*
 * The fields of an authentic packet that must agree with its type. A probe (dst_epoch 0) is a
 * hello sent before a session exists, so it can acknowledge nothing; everything else belongs to
 * a session. Control packets carry no payload, no sequence number and no flags; a part of a
 * message with more to come is full.
 */
static int msg_wire_check_fields(const struct msg_hdr *h)
{
	bool control = h->type == MSG_T_ACK || h->type == MSG_T_HELLO;

	if ((h->flags & ~MSG_F_MORE) != 0 || h->src_epoch == 0 || h->pkt_num == 0)
		return MSG_DROP_MALFORMED;
	if (!control && h->type < MSG_T_USER)
		return MSG_DROP_MALFORMED;
	if (control && (h->len != 0 || h->seq != 0 || h->flags != 0))
		return MSG_DROP_MALFORMED;
	if ((h->flags & MSG_F_MORE) && h->len != MSG_PART_MAX)
		return MSG_DROP_MALFORMED;
	if (h->dst_epoch == 0 && (h->type != MSG_T_HELLO || h->ack != 0 || h->sack != 0))
		return MSG_DROP_MALFORMED;
	return MSG_DROP_NONE;
}

static void msg_wire_decode_rest(const uint8_t *pkt, struct msg_hdr *h)
{
	h->type = pkt[MSG_OFF_TYPE];
	h->src_epoch = msg_get64(pkt + MSG_OFF_SRC_EPOCH);
	h->dst_epoch = msg_get64(pkt + MSG_OFF_DST_EPOCH);
	h->pkt_num = msg_get64(pkt + MSG_OFF_PKT_NUM);
	h->seq = msg_get32(pkt + MSG_OFF_SEQ);
	h->ack = msg_get32(pkt + MSG_OFF_ACK);
	h->sack = msg_get32(pkt + MSG_OFF_SACK);
	h->flags = msg_get32(pkt + MSG_OFF_FLAGS);
}

int msg_wire_check(const struct msg_wire_id *id, const uint8_t *pkt, size_t len, struct msg_hdr *h)
{
	uint64_t tag;
	int why;

	if (len < MSG_HDR_SIZE + MSG_MAC_SIZE)
		return MSG_DROP_TRUNCATED;
	why = msg_wire_check_frame(pkt, len, h);
	if (why == MSG_DROP_NONE)
		why = msg_wire_check_addr(id, pkt, h);
	if (why != MSG_DROP_NONE)
		return why;
	/* One 64-bit comparison of the whole tag: no early exit that would time a forgery. */
	tag = siphash24(&id->key, pkt, MSG_HDR_SIZE + h->len);
	if (tag != msg_get64(pkt + MSG_HDR_SIZE + h->len))
		return MSG_DROP_BAD_MAC;
	msg_wire_decode_rest(pkt, h);
	return msg_wire_check_fields(h);
}
