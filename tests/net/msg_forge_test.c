// SPDX-License-Identifier: GPL-2.0-only
/*
 * Hostile input to the message layer: packets forged with another key, from another cluster,
 * for another node, truncated at every length, with every single bit flipped, authentic but
 * inconsistent, from or to an earlier incarnation, and replayed. Each must be dropped for the
 * expected reason, counted exactly once under it, and leave no trace: nothing delivered, no
 * packet counted as accepted. Each group ends with a control packet built the same way but
 * valid, which must be accepted, so a check that rejects everything would fail here.
 */
#include "net/msg.h"
#include "net/msg_wire.h"
#include "tests/net/simnet.h"
#include "tests/unit/check.h"

#include <stdlib.h>

/* Three nodes with sessions up; node 0 (A) talks to node 1 (B). */
static struct sim *forge_setup(void)
{
	struct sim *s = sim_new(7, 3);

	for (uint16_t i = 0; i < 3; i++)
		sim_start_node(s, i, 32, 100 * (i + 1));
	sim_advance(s, s->now + 50000000);
	CHECK_EQ(s->node[0]->l.peers[1].epoch, 200);
	CHECK_EQ(s->node[1]->l.peers[0].epoch, 100);
	return s;
}

/* A data message from A to B that B would accept now. */
static size_t forge_data(struct sim *s, struct msg_hdr *h, uint16_t len, uint8_t *pkt)
{
	static uint8_t payload[MSG_MAX_PAYLOAD];

	for (int i = 0; i < len; i++)
		payload[i] = (uint8_t)(i ^ 0x5a);
	sim_hdr(s, 0, 1, MSG_T_PING, s->node[1]->l.peers[0].rx_next, len, h);
	return sim_build(s, h, payload, NULL, pkt);
}

/* Feed @pkt to B and check it is dropped for @why and nothing else happens. */
static void forge_expect(struct sim *s, const uint8_t *pkt, size_t len, int why)
{
	struct msg_layer *b = &s->node[1]->l;
	struct msg_stats before = b->stats;
	uint64_t delivered = s->node[1]->delivered;
	int r = msg_input(b, pkt, len);

	if (r != why)
		printf("  expected \"%s\", got \"%s\"\n", msg_drop_name(why), msg_drop_name(r));
	CHECK_EQ(r, why);
	CHECK_EQ(b->stats.drops[why], before.drops[why] + (why != MSG_DROP_NONE));
	CHECK_EQ(b->stats.rx_packets, before.rx_packets + (why == MSG_DROP_NONE));
	CHECK_EQ(s->node[1]->delivered, delivered + (why == MSG_DROP_NONE));
}

TEST(forged_and_misaddressed)
{
	struct sim *s = forge_setup();
	uint8_t key_bytes[SIPHASH_KEY_SIZE], pkt[MSG_MAX_PACKET + 1];
	struct siphash_key wrong;
	struct msg_hdr h, base;
	size_t n;

	memcpy(key_bytes, s->cfg.secret, sizeof(key_bytes));
	key_bytes[15] ^= 1;
	wrong = siphash_key_from_bytes(key_bytes);
	n = forge_data(s, &base, 100, pkt);

	/* Every field right, MAC computed correctly but under a key one bit off. */
	sim_build(s, &base, pkt + MSG_HDR_SIZE, &wrong, pkt);
	forge_expect(s, pkt, n, MSG_DROP_BAD_MAC);
	/* Another cluster's genuine packet, and one claiming another cluster under our key. */
	h = base;
	h.cluster ^= 0x100;
	forge_expect(s, pkt, sim_build(s, &h, pkt + MSG_HDR_SIZE, &wrong, pkt),
		     MSG_DROP_WRONG_CLUSTER);
	forge_expect(s, pkt, sim_build(s, &h, pkt + MSG_HDR_SIZE, NULL, pkt),
		     MSG_DROP_WRONG_CLUSTER);
	/* Addressed to node 2; from B itself; from nodes that do not exist. */
	h = base;
	h.dst = 2;
	forge_expect(s, pkt, sim_build(s, &h, pkt + MSG_HDR_SIZE, NULL, pkt), MSG_DROP_WRONG_DST);
	for (unsigned int src = 1; src < 300; src += 2) {
		h = base;
		h.src = (uint16_t)src;
		forge_expect(s, pkt, sim_build(s, &h, pkt + MSG_HDR_SIZE, NULL, pkt),
			     MSG_DROP_BAD_SRC);
	}
	/* Framing: magic, version, bytes after the MAC, a length over one page. */
	h = base;
	h.magic ^= 0x01000000;
	forge_expect(s, pkt, sim_build(s, &h, pkt + MSG_HDR_SIZE, NULL, pkt), MSG_DROP_BAD_MAGIC);
	h = base;
	h.version = MSG_VERSION + 1;
	forge_expect(s, pkt, sim_build(s, &h, pkt + MSG_HDR_SIZE, NULL, pkt), MSG_DROP_BAD_VERSION);
	n = sim_build(s, &base, pkt + MSG_HDR_SIZE, NULL, pkt);
	forge_expect(s, pkt, n + 1, MSG_DROP_BAD_LENGTH);
	msg_put16(pkt + MSG_OFF_LEN, MSG_PART_MAX + 1);
	forge_expect(s, pkt, MSG_MAX_PACKET + 1, MSG_DROP_BAD_LENGTH);

	/* Control: the same packet, correctly sealed, is accepted and delivered. */
	forge_expect(s, pkt, sim_build(s, &base, pkt + MSG_HDR_SIZE, NULL, pkt), MSG_DROP_NONE);
	CHECK_EQ(s->node[1]->l.peers[0].rx_next, base.seq + 1);
	sim_free(s);
}

TEST(truncated_at_every_length)
{
	struct sim *s = forge_setup();
	uint8_t pkt[MSG_MAX_PACKET];
	struct msg_hdr h;
	uint64_t before = s->node[1]->l.stats.drops[MSG_DROP_TRUNCATED];
	size_t n = forge_data(s, &h, 300, pkt);

	for (size_t len = 0; len < n; len++)
		CHECK_EQ(msg_input(&s->node[1]->l, pkt, len), MSG_DROP_TRUNCATED);
	CHECK_EQ(s->node[1]->l.stats.drops[MSG_DROP_TRUNCATED], before + n);
	CHECK_EQ(s->node[1]->delivered, 0);
	forge_expect(s, pkt, n, MSG_DROP_NONE);
	sim_free(s);
}

/* Why B must drop a packet whose bit @bit was flipped (node 0 to 1, 3 nodes, payload @len). */
static int forge_flip_reason(size_t bit, uint16_t len, size_t total)
{
	size_t byte = bit / 8;
	unsigned int v = 1u << (bit % 8);

	if (byte < MSG_OFF_VERSION)
		return MSG_DROP_BAD_MAGIC;
	if (byte == MSG_OFF_VERSION)
		return MSG_DROP_BAD_VERSION;
	if (byte == MSG_OFF_LEN || byte == MSG_OFF_LEN + 1) {
		unsigned int flipped = len ^ (byte == MSG_OFF_LEN ? v : v << 8);

		if (flipped > MSG_PART_MAX || MSG_HDR_SIZE + flipped + MSG_MAC_SIZE < total)
			return MSG_DROP_BAD_LENGTH;
		return MSG_DROP_TRUNCATED;
	}
	if (byte >= MSG_OFF_CLUSTER && byte < MSG_OFF_SRC)
		return MSG_DROP_WRONG_CLUSTER;
	if (byte == MSG_OFF_SRC) /* source 0 becomes 1 (B itself), 2 (valid), or >= 3 */
		return v == 2 ? MSG_DROP_BAD_MAC : MSG_DROP_BAD_SRC;
	if (byte == MSG_OFF_SRC + 1)
		return MSG_DROP_BAD_SRC;
	if (byte == MSG_OFF_DST || byte == MSG_OFF_DST + 1)
		return MSG_DROP_WRONG_DST;
	return MSG_DROP_BAD_MAC;
}

TEST(every_bit_flipped)
{
	struct sim *s = forge_setup();
	uint8_t pkt[MSG_MAX_PACKET], bad[MSG_MAX_PACKET];
	uint64_t want[MSG_DROP_NR] = { 0 };
	struct msg_stats before = s->node[1]->l.stats;
	struct msg_hdr h;
	size_t n = forge_data(s, &h, 40, pkt);

	for (size_t bit = 0; bit < n * 8; bit++) {
		int why = forge_flip_reason(bit, h.len, n), r;

		memcpy(bad, pkt, n);
		bad[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		r = msg_input(&s->node[1]->l, bad, n);
		if (r != why)
			printf("  bit %zu: expected \"%s\", got \"%s\"\n", bit, msg_drop_name(why),
			       msg_drop_name(r));
		CHECK_EQ(r, why);
		want[why]++;
	}
	for (int why = 1; why < MSG_DROP_NR; why++)
		CHECK_EQ(s->node[1]->l.stats.drops[why] - before.drops[why], want[why]);
	CHECK_EQ(want[MSG_DROP_BAD_MAC], (n - 16) * 8 + 8 + 1);
	CHECK_EQ(s->node[1]->delivered, 0);
	forge_expect(s, pkt, n, MSG_DROP_NONE);
	sim_free(s);
}

/* Change @h into inconsistency number @i; returns the expected reason, or -1 past the last. */
static int forge_inconsistent(int i, struct msg_hdr *h, uint64_t seen_pkt)
{
	switch (i) {
	case 0: h->flags = 2; return MSG_DROP_MALFORMED; /* an unknown flag */
	case 1: h->type = 0; return MSG_DROP_MALFORMED;
	case 2: h->type = 3; return MSG_DROP_MALFORMED;
	case 3: h->type = MSG_T_USER - 1; return MSG_DROP_MALFORMED;
	case 4:
		h->type = MSG_T_ACK;
		h->seq = 0;
		return MSG_DROP_MALFORMED; /* with payload */
	case 5:
		h->type = MSG_T_HELLO;
		h->len = 0;
		return MSG_DROP_MALFORMED;		     /* with seq */
	case 6: h->dst_epoch = 0; return MSG_DROP_MALFORMED; /* data outside a session */
	case 7:
		h->type = MSG_T_HELLO;
		h->len = 0;
		h->seq = 0;
		h->dst_epoch = 0;
		h->ack = 1;
		return MSG_DROP_MALFORMED; /* a probe acknowledging something */
	case 8: h->src_epoch = 0; return MSG_DROP_MALFORMED;
	case 9: h->pkt_num = 0; return MSG_DROP_MALFORMED;
	case 10: h->src_epoch--; return MSG_DROP_STALE; /* A's previous life */
	case 11: h->dst_epoch--; return MSG_DROP_STALE; /* to B's previous life */
	case 12: h->dst_epoch++; return MSG_DROP_STALE;
	case 13:
		h->type = MSG_T_HELLO;
		h->len = 0;
		h->seq = 0;
		h->dst_epoch = 0;
		h->src_epoch--;
		return MSG_DROP_STALE;		      /* an old probe */
	case 14: h->ack = 1; return MSG_DROP_BAD_ACK; /* B has sent A nothing */
	case 15: h->sack = 1; return MSG_DROP_BAD_ACK;
	case 16:
		h->src_epoch++;
		h->ack = 1;
		return MSG_DROP_BAD_ACK;			/* a "new" A acking */
	case 17: h->pkt_num = seen_pkt; return MSG_DROP_REPLAY; /* a number B has accepted */
	case 18: h->flags = MSG_F_MORE; return MSG_DROP_MALFORMED; /* a part not full */
	case 19:
		h->type = MSG_T_ACK;
		h->len = 0;
		h->seq = 0;
		h->flags = MSG_F_MORE;
		return MSG_DROP_MALFORMED; /* control packets come whole */
	default: return -1;
	}
}

TEST(authentic_but_inconsistent)
{
	struct sim *s = forge_setup();
	struct msg_layer *b = &s->node[1]->l;
	uint8_t pkt[MSG_MAX_PACKET];
	struct msg_hdr h, base;
	int why;

	forge_data(s, &base, 8, pkt);
	for (int i = 0;; i++) {
		h = base;
		why = forge_inconsistent(i, &h, b->peers[0].rx_pkt_max);
		if (why < 0)
			break;
		forge_expect(s, pkt, sim_build(s, &h, pkt + MSG_HDR_SIZE, NULL, pkt), why);
	}
	/* Nothing above touched the session: no reset, no reply queued, same expectations. */
	CHECK_EQ(b->peers[0].epoch, 100);
	CHECK_EQ(b->stats.sessions, 2);
	CHECK_EQ(b->peers[0].rx_next, base.seq);
	CHECK(!b->peers[0].ack_pending);
	h = base;
	forge_expect(s, pkt, sim_build(s, &h, pkt + MSG_HDR_SIZE, NULL, pkt), MSG_DROP_NONE);
	sim_free(s);
}

static size_t forge_got_len;
static uint8_t forge_got_type;

static void forge_got(struct sim_node *n, uint16_t src, uint8_t type, const void *data, size_t len)
{
	(void)n, (void)src, (void)data;
	forge_got_len = len;
	forge_got_type = type;
}

/* A part @len bytes long of type @type, with @flags, as the next sequence number from A to B. */
static void forge_part(struct sim *s, uint8_t type, uint32_t flags, uint16_t len)
{
	static uint8_t payload[MSG_PART_MAX], pkt[MSG_MAX_PACKET];
	struct msg_hdr h;

	sim_hdr(s, 0, 1, type, s->node[1]->l.peers[0].rx_next, len, &h);
	h.flags = flags;
	CHECK_EQ(msg_input(&s->node[1]->l, pkt, sim_build(s, &h, payload, NULL, pkt)),
		 MSG_DROP_NONE);
}

/*
 * An authentic peer (one with a bug: the cluster secret is its) sends parts that do not make a
 * message: more than MSG_MAX_PARTS, more than MSG_MAX_PAYLOAD bytes, types that differ. Each
 * such message is dropped whole, counted, and the next one is delivered as sent; nothing is
 * read or written past a buffer.
 */
TEST(parts_that_do_not_fit)
{
	struct sim *s = forge_setup();
	struct msg_layer *b = &s->node[1]->l;
	uint64_t delivered;

	s->node[1]->on_deliver = forge_got;
	/* the largest message there is, then one byte too many */
	forge_part(s, MSG_T_PING, MSG_F_MORE, MSG_PART_MAX);
	forge_part(s, MSG_T_PING, MSG_F_MORE, MSG_PART_MAX);
	CHECK_EQ(b->parts_held, 2);
	delivered = s->node[1]->delivered;
	forge_part(s, MSG_T_PING, 0, MSG_MAX_PAYLOAD - 2 * MSG_PART_MAX);
	CHECK_EQ(s->node[1]->delivered, delivered + 1);
	CHECK_EQ(forge_got_len, MSG_MAX_PAYLOAD);
	forge_part(s, MSG_T_PING, MSG_F_MORE, MSG_PART_MAX);
	forge_part(s, MSG_T_PING, MSG_F_MORE, MSG_PART_MAX);
	forge_part(s, MSG_T_PING, 0, MSG_MAX_PAYLOAD - 2 * MSG_PART_MAX + 1);
	CHECK_EQ(b->stats.rx_bad_parts, 1);
	/* four parts: the fourth and the rest of that message are dropped */
	for (int i = 0; i < 5; i++)
		forge_part(s, MSG_T_PING, MSG_F_MORE, MSG_PART_MAX);
	forge_part(s, MSG_T_PING, 0, 10);
	CHECK_EQ(b->stats.rx_bad_parts, 2);
	/* a part of another type in the middle */
	forge_part(s, MSG_T_PING, MSG_F_MORE, MSG_PART_MAX);
	forge_part(s, MSG_T_PONG, 0, 10);
	CHECK_EQ(b->stats.rx_bad_parts, 3);
	CHECK_EQ(b->parts_held, 0);
	CHECK_EQ(s->node[1]->delivered, delivered + 1);
	/* then a message in two parts, and one in one, arrive as sent */
	forge_part(s, MSG_T_PONG, MSG_F_MORE, MSG_PART_MAX);
	forge_part(s, MSG_T_PONG, 0, 1);
	CHECK_EQ(forge_got_len, MSG_PART_MAX + 1);
	CHECK_EQ(forge_got_type, MSG_T_PONG);
	forge_part(s, MSG_T_PING, 0, 7);
	CHECK_EQ(forge_got_len, 7);
	CHECK_EQ(s->node[1]->delivered, delivered + 3);
	CHECK_EQ(b->parts_held, 0);
	sim_free(s);
}

#define FORGE_CAPTURES 512

struct forge_capture {
	uint16_t src, dst;
	size_t len;
	struct msg_hdr h;
	uint8_t data[MSG_MAX_PACKET];
};

static struct forge_capture forge_cap[FORGE_CAPTURES];
static int forge_ncap;

static void forge_tap(struct sim *s, uint16_t src, uint16_t dst, const uint8_t *pkt, size_t len)
{
	struct forge_capture *c = &forge_cap[forge_ncap % FORGE_CAPTURES];
	struct msg_wire_id id = { .key = siphash_key_from_bytes(s->cfg.secret),
				  .cluster_id = s->cfg.cluster_id,
				  .self = dst,
				  .nr_nodes = s->cfg.nr_nodes };

	forge_ncap++;
	c->src = src;
	c->dst = dst;
	c->len = len;
	memcpy(c->data, pkt, len);
	CHECK_EQ(msg_wire_check(&id, pkt, len, &c->h), MSG_DROP_NONE);
}

/* The first captured packet from @src to @dst of @type (0: any) and dst_epoch 0 if @probe. */
static struct forge_capture *forge_find(uint16_t src, uint16_t dst, uint8_t type, bool probe)
{
	for (int i = 0; i < forge_ncap && i < FORGE_CAPTURES; i++) {
		struct forge_capture *c = &forge_cap[i];

		if (c->src == src && c->dst == dst && (c->h.type == type || !type) &&
		    (c->h.dst_epoch == 0) == probe)
			return c;
	}
	return NULL;
}

TEST(replays)
{
	struct sim *s = sim_new(8, 3);
	struct msg_layer *a, *b;
	struct forge_capture *data, *ack, *probe; /* ack: any in-session packet B to A */
	struct msg_peer before;
	struct msg_hdr h;
	uint8_t pkt[MSG_MAX_PACKET];
	uint64_t probes;

	forge_ncap = 0;
	s->tap = forge_tap;
	for (uint16_t i = 0; i < 3; i++)
		sim_start_node(s, i, 32, 100 * (i + 1));
	a = &s->node[0]->l;
	b = &s->node[1]->l;
	sim_advance(s, s->now + 50000000);
	CHECK_EQ(msg_send(a, 1, MSG_T_PING, "replay me", 9), 0);
	sim_advance(s, s->now + 5000000);
	data = forge_find(0, 1, MSG_T_PING, false);
	ack = forge_find(1, 0, 0, false);
	probe = forge_find(0, 1, MSG_T_HELLO, true);
	CHECK(data && ack && probe);
	if (!data || !ack || !probe) {
		sim_free(s);
		return;
	}
	CHECK_EQ(s->node[1]->delivered, 1);

	/* The data packet and a packet of B's, replayed as they were. */
	forge_expect(s, data->data, data->len, MSG_DROP_REPLAY);
	CHECK_EQ(msg_input(a, ack->data, ack->len), MSG_DROP_REPLAY);
	CHECK_EQ(a->stats.drops[MSG_DROP_REPLAY], 1);
	/* An old probe is answered, and changes nothing else. */
	before = b->peers[0];
	probes = b->stats.rx_probes;
	CHECK_EQ(msg_input(b, probe->data, probe->len), MSG_DROP_NONE);
	CHECK_EQ(b->stats.rx_probes, probes + 1);
	CHECK_EQ(b->peers[0].epoch, before.epoch);
	CHECK_EQ(b->peers[0].last_heard_ns, before.last_heard_ns);
	CHECK_EQ(b->peers[0].rx_pkt_max, before.rx_pkt_max);
	CHECK_EQ(b->peers[0].rx_pkt_bits, before.rx_pkt_bits);
	CHECK_EQ(b->peers[0].rx_next, before.rx_next);

	/* The same message sent again under a fresh packet number: a duplicate, not delivered. */
	sim_hdr(s, 0, 1, MSG_T_PING, data->h.seq, 9, &h);
	CHECK_EQ(msg_input(b, pkt, sim_build(s, &h, "replay me", NULL, pkt)), MSG_DROP_NONE);
	CHECK_EQ(b->stats.rx_dup, 1);
	CHECK_EQ(s->node[1]->delivered, 1);
	/* Far behind the replay window: still refused. */
	for (int i = 0; i < 100; i++) {
		CHECK_EQ(msg_send(a, 1, MSG_T_PING, &i, sizeof(i)), 0);
		sim_advance(s, s->now + 1000000);
	}
	CHECK(b->peers[0].rx_pkt_max - data->h.pkt_num >= 64);
	forge_expect(s, data->data, data->len, MSG_DROP_REPLAY);
	CHECK_EQ(s->node[1]->delivered, 101);
	CHECK_EQ(b->stats.drops[MSG_DROP_REPLAY], 2);
	sim_free(s);
}
