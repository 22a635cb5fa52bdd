/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The wire format of the cluster message layer (doc/net.md has the table): a 56-byte
 * little-endian header, up to MSG_PART_MAX payload bytes, and an 8-byte SipHash-2-4 tag over
 * both.
 * Fields are read and written byte by byte at the offsets below, never by casting the buffer,
 * so alignment and host byte order do not matter. msg_wire_check() is the only parser of
 * received bytes; net/msg.c acts only on the struct msg_hdr it fills.
 */
#ifndef UNUM_NET_MSG_WIRE_H
#define UNUM_NET_MSG_WIRE_H

#include "net/msg.h"

#define MSG_MAGIC   0x4d554e55u /* "UNUM" in wire order */
#define MSG_VERSION 2		/* 2: messages in parts of one frame each */

#define MSG_OFF_MAGIC	  0  /* u32 */
#define MSG_OFF_VERSION	  4  /* u8 */
#define MSG_OFF_TYPE	  5  /* u8 */
#define MSG_OFF_LEN	  6  /* u16 payload length */
#define MSG_OFF_CLUSTER	  8  /* u32 */
#define MSG_OFF_SRC	  12 /* u16 */
#define MSG_OFF_DST	  14 /* u16 */
#define MSG_OFF_SRC_EPOCH 16 /* u64 */
#define MSG_OFF_DST_EPOCH 24 /* u64, 0 = unknown (probes only) */
#define MSG_OFF_PKT_NUM	  32 /* u64 */
#define MSG_OFF_SEQ	  40 /* u32 */
#define MSG_OFF_ACK	  44 /* u32 */
#define MSG_OFF_SACK	  48 /* u32 */
#define MSG_OFF_FLAGS	  52 /* u32, MSG_F_* */

#define MSG_F_MORE 1u /* a part of a message that goes on in the next sequence number */

_Static_assert(MSG_OFF_FLAGS + 4 == MSG_HDR_SIZE, "header layout");
_Static_assert(MSG_MAX_PARTS == 3, "a page and its DSM header in 3 parts (doc/net.md)");

/* A decoded header, in host order. */
struct msg_hdr {
	uint32_t magic;
	uint8_t version;
	uint8_t type;
	uint16_t len;
	uint32_t cluster;
	uint16_t src;
	uint16_t dst;
	uint64_t src_epoch;
	uint64_t dst_epoch;
	uint64_t pkt_num;
	uint32_t seq;
	uint32_t ack;
	uint32_t sack;
	uint32_t flags;
};

/* Write @h into the first MSG_HDR_SIZE bytes of @pkt. */
void msg_wire_encode(uint8_t *pkt, const struct msg_hdr *h);

/* Store the tag of the header and @len payload bytes at @pkt right after them. */
void msg_wire_seal(uint8_t *pkt, size_t len, const struct siphash_key *key);

/*
 * Check the datagram of @len bytes at @pkt for @id, cheapest and least trusting test first,
 * and decode its header into @h. Nothing after a failed test is read. Returns MSG_DROP_NONE or
 * the reason to drop it; @h is meaningful only on success.
 */
int msg_wire_check(const struct msg_wire_id *id, const uint8_t *pkt, size_t len, struct msg_hdr *h);

static inline uint16_t msg_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t msg_get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t msg_get64(const uint8_t *p)
{
	return (uint64_t)msg_get32(p) | (uint64_t)msg_get32(p + 4) << 32;
}

static inline void msg_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void msg_put32(uint8_t *p, uint32_t v)
{
	msg_put16(p, (uint16_t)v);
	msg_put16(p + 2, (uint16_t)(v >> 16));
}

static inline void msg_put64(uint8_t *p, uint64_t v)
{
	msg_put32(p, (uint32_t)v);
	msg_put32(p + 4, (uint32_t)(v >> 32));
}

#endif
