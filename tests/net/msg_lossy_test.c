// SPDX-License-Identifier: GPL-2.0-only
/*
 * The message layer over a bad network: 3 and 4 nodes, every node streaming messages of 0 to
 * MSG_MAX_PAYLOAD bytes to every other while the simulated link (tests/net/simnet.c) loses 20 %
 * of the packets, duplicates 10 %, corrupts or truncates 5 % and delays each by up to half a
 * millisecond so they arrive out of order. Every message must arrive exactly once, in order,
 * with the type and bytes it was sent with; no corrupted packet may get past the MAC, so the
 * drop reasons that only an authentic packet can earn must stay at zero.
 */
#include "net/msg.h"
#include "tests/net/simnet.h"
#include "tests/unit/check.h"

#include <stdlib.h>

#define LOSSY_MAX_NODES 4

struct lossy {
	int nr_nodes;
	uint32_t per_pair;
	uint32_t sent[LOSSY_MAX_NODES][LOSSY_MAX_NODES];     /* [src][dst] */
	uint32_t received[LOSSY_MAX_NODES][LOSSY_MAX_NODES]; /* [src][dst] */
	uint64_t bad;
	uint64_t parts; /* packets the messages sent take: msg_parts() of each */
	uint8_t expect[MSG_MAX_PAYLOAD];
};

static struct lossy lossy;

/* FNV-1a: the checksum a message is compared by (besides its bytes). */
static uint64_t lossy_checksum(const uint8_t *p, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h;
}

/* Message @idx from @src to @dst: its type, length and bytes follow from the three numbers. */
static size_t lossy_message(uint16_t src, uint16_t dst, uint32_t idx, uint8_t *buf, uint8_t *type)
{
	struct sim g = { .rng = (uint64_t)src << 48 | (uint64_t)dst << 32 | idx };
	uint64_t r = sim_rand(&g);
	size_t len = r % 4 == 0 ? MSG_MAX_PAYLOAD : (size_t)(r >> 8) % (MSG_MAX_PAYLOAD + 1);

	*type = (uint8_t)(MSG_T_USER + idx % 100);
	for (size_t i = 0; i < len; i += 8) {
		uint64_t w = sim_rand(&g);

		memcpy(buf + i, &w, len - i < 8 ? len - i : 8);
	}
	return len;
}

static void lossy_deliver(struct sim_node *n, uint16_t src, uint8_t type, const void *data,
			  size_t len)
{
	uint32_t idx = lossy.received[src][n->id]++;
	uint8_t want_type;
	size_t want_len = lossy_message(src, n->id, idx, lossy.expect, &want_type);

	if (idx >= lossy.per_pair || type != want_type || len != want_len ||
	    lossy_checksum(data, len) != lossy_checksum(lossy.expect, want_len) ||
	    memcmp(data, lossy.expect, len) != 0) {
		if (lossy.bad++ < 5)
			printf("  node %u: message %u from %u wrong (type %u len %zu)\n", n->id,
			       idx, src, type, len);
	}
}

/* Queue as many messages as the windows take. */
static void lossy_send_some(struct sim *s)
{
	uint8_t buf[MSG_MAX_PAYLOAD], type;

	for (int src = 0; src < lossy.nr_nodes; src++) {
		for (int dst = 0; dst < lossy.nr_nodes; dst++) {
			while (src != dst && lossy.sent[src][dst] < lossy.per_pair) {
				size_t len = lossy_message((uint16_t)src, (uint16_t)dst,
							   lossy.sent[src][dst], buf, &type);
				int r = msg_send(&s->node[src]->l, (uint16_t)dst, type, buf, len);

				if (r == -MSG_E_AGAIN)
					break;
				CHECK_EQ(r, 0);
				lossy.sent[src][dst]++;
				lossy.parts += msg_parts(len);
			}
		}
	}
}

static bool lossy_done(void)
{
	for (int src = 0; src < lossy.nr_nodes; src++)
		for (int dst = 0; dst < lossy.nr_nodes; dst++)
			if (src != dst && lossy.received[src][dst] != lossy.per_pair)
				return false;
	return true;
}

static void lossy_check_stats(const struct msg_layer *l, struct msg_stats *sum)
{
	/* Only an authentic packet can be malformed, stale or carry a bad ack. */
	CHECK_EQ(l->stats.drops[MSG_DROP_MALFORMED], 0);
	CHECK_EQ(l->stats.drops[MSG_DROP_STALE], 0);
	CHECK_EQ(l->stats.drops[MSG_DROP_BAD_ACK], 0);
	CHECK_EQ(l->stats.tx_flushed, 0);
	CHECK_EQ(l->stats.rx_beyond_window, 0);
	CHECK(l->nr_free == l->nr_slots); /* every buffer back in the pool */
	for (int i = 0; i < MSG_DROP_NR; i++)
		sum->drops[i] += l->stats.drops[i];
	sum->tx_retrans += l->stats.tx_retrans;
	sum->tx_data += l->stats.tx_data;
	sum->tx_queued += l->stats.tx_queued;
	sum->rx_bad_parts += l->stats.rx_bad_parts;
	sum->rx_dup += l->stats.rx_dup;
	sum->rx_held += l->stats.rx_held;
	sum->delivered += l->stats.delivered;
}

static void lossy_run(int nr_nodes, uint32_t per_pair, uint32_t nr_slots, uint64_t seed)
{
	struct sim *s = sim_new(seed, (uint16_t)nr_nodes);
	struct msg_stats sum = { 0 };
	uint64_t pairs = (uint64_t)nr_nodes * (nr_nodes - 1);

	memset(&lossy, 0, sizeof(lossy));
	lossy.nr_nodes = nr_nodes;
	lossy.per_pair = per_pair;
	s->f = (struct sim_faults){ .loss_pct = 20,
				    .dup_pct = 10,
				    .corrupt_pct = 5,
				    .latency_ns = 20000,
				    .jitter_ns = 500000 };
	for (int i = 0; i < nr_nodes; i++)
		sim_start_node(s, (uint16_t)i, nr_slots, 1000 + i)->on_deliver = lossy_deliver;
	while (!lossy_done() && s->now < 60000000000ULL) {
		lossy_send_some(s);
		sim_advance(s, s->now + 200000);
	}
	CHECK(lossy_done());
	/* Late duplicates and retransmissions still in flight must not deliver anything again. */
	sim_advance(s, s->now + 200000000);
	CHECK(lossy_done());
	CHECK_EQ(lossy.bad, 0);
	for (int i = 0; i < nr_nodes; i++)
		lossy_check_stats(&s->node[i]->l, &sum);
	CHECK_EQ(sum.delivered, pairs * per_pair);
	CHECK_EQ(sum.tx_queued, pairs * per_pair);
	CHECK_EQ(sum.tx_data, lossy.parts); /* each part went out once, then as retransmissions */
	CHECK(lossy.parts > pairs * per_pair); /* messages in parts were among them */
	CHECK_EQ(sum.rx_bad_parts, 0);
	/* The faults did happen, and were survived by the mechanisms meant for them. */
	CHECK(sum.drops[MSG_DROP_BAD_MAC] > 0 && sum.drops[MSG_DROP_TRUNCATED] > 0);
	CHECK(sum.drops[MSG_DROP_REPLAY] > 0 && sum.rx_dup > 0 && sum.rx_held > 0);
	CHECK(sum.tx_retrans > 0);
	printf("  %d nodes, %u slots, %llu messages in %.2f simulated s: %llu packets, %llu "
	       "lost, %llu duplicated, %llu corrupted; %llu retransmissions, %llu bad MAC, %llu "
	       "truncated, %llu replays, %llu held out of order\n",
	       nr_nodes, nr_slots, (unsigned long long)sum.delivered, s->now / 1e9,
	       (unsigned long long)s->sent, (unsigned long long)s->lost,
	       (unsigned long long)s->duplicated, (unsigned long long)s->corrupted,
	       (unsigned long long)sum.tx_retrans, (unsigned long long)sum.drops[MSG_DROP_BAD_MAC],
	       (unsigned long long)sum.drops[MSG_DROP_TRUNCATED],
	       (unsigned long long)sum.drops[MSG_DROP_REPLAY], (unsigned long long)sum.rx_held);
	sim_free(s);
}

/* Pools sized as doc/net.md advises: a window each way for every peer, and the part reserve. */
TEST(three_nodes)
{
	lossy_run(3, 3000, 2 * MSG_WINDOW * 2 + msg_min_slots(3), 1);
}

TEST(four_nodes)
{
	lossy_run(4, 1500, 2 * MSG_WINDOW * 3 + msg_min_slots(4), 2);
}

/* A pool far too small: slower, but still exactly once and in order. */
TEST(four_nodes_small_pool)
{
	lossy_run(4, 200, 12, 3);
}
