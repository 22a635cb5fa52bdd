// SPDX-License-Identifier: GPL-2.0-only
/*
 * The simulated cluster of simnet.h. Time only moves in sim_advance(), which jumps from event to
 * event: the next packet arrival or the earliest msg_next_deadline() of any node. Packets in
 * flight sit in an unsorted array; at each event the due ones are taken out first and then
 * delivered, so packets sent while delivering wait for a later event.
 */
#include "tests/net/simnet.h"
#include "net/msg_wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sim_pkt {
	uint64_t at;
	uint16_t src, dst;
	size_t len;
	uint8_t data[];
};

/* splitmix64: small, seedable, good enough to pick faults. */
uint64_t sim_rand(struct sim *s)
{
	uint64_t z = (s->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static bool sim_chance(struct sim *s, unsigned int pct)
{
	return pct && sim_rand(s) % 100 < pct;
}

static void sim_corrupt(struct sim *s, struct sim_pkt *p)
{
	s->corrupted++;
	if (sim_rand(s) % 4 == 0) {
		p->len = (size_t)(sim_rand(s) % p->len);
		return;
	}
	for (uint64_t n = 1 + sim_rand(s) % 3; n; n--) {
		uint64_t bit = sim_rand(s) % (p->len * 8);

		p->data[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
}

static void sim_enqueue(struct sim *s, uint16_t src, uint16_t dst, const void *pkt, size_t len)
{
	struct sim_pkt *p = malloc(sizeof(*p) + len);

	if (!p)
		abort();
	p->src = src;
	p->dst = dst;
	p->len = len;
	memcpy(p->data, pkt, len);
	p->at = s->now + s->f.latency_ns + (s->f.jitter_ns ? sim_rand(s) % s->f.jitter_ns : 0);
	if (sim_chance(s, s->f.corrupt_pct))
		sim_corrupt(s, p);
	if (s->nq == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 256;
		s->q = realloc(s->q, s->cap * sizeof(*s->q));
		if (!s->q)
			abort();
	}
	s->q[s->nq++] = p;
}

static void sim_send(void *ctx, uint16_t dst, const void *pkt, size_t len)
{
	struct sim_node *n = ctx;
	struct sim *s = n->sim;

	if (len > MSG_MAX_PACKET) {
		fprintf(stdout, "  simnet: node %u sent %zu bytes\n", n->id, len);
		abort();
	}
	s->sent++;
	if (s->tap)
		s->tap(s, n->id, dst, pkt, len);
	if (s->filter && !s->filter(s, n->id, dst, pkt, len))
		return;
	if (sim_chance(s, s->f.loss_pct)) {
		s->lost++;
		return;
	}
	sim_enqueue(s, n->id, dst, pkt, len);
	if (sim_chance(s, s->f.dup_pct)) {
		s->duplicated++;
		sim_enqueue(s, n->id, dst, pkt, len);
	}
}

static uint64_t sim_now(void *ctx)
{
	struct sim_node *n = ctx;

	return n->sim->now;
}

static void sim_deliver(void *ctx, uint16_t src, uint8_t type, const void *data, size_t len)
{
	struct sim_node *n = ctx;

	n->delivered++;
	if (n->on_deliver)
		n->on_deliver(n, src, type, data, len);
}

static void sim_peer_reset(void *ctx, uint16_t node)
{
	struct sim_node *n = ctx;

	(void)node;
	n->resets++;
}

struct sim *sim_new(uint64_t seed, uint16_t nr_nodes)
{
	struct sim *s = calloc(1, sizeof(*s));

	if (!s)
		abort();
	s->rng = seed;
	s->now = 1000; /* not 0, so a zero timestamp is never a real one */
	s->cfg.cluster_id = SIM_CLUSTER_ID;
	for (int i = 0; i < SIPHASH_KEY_SIZE; i++)
		s->cfg.secret[i] = (uint8_t)(0xa0 + i * 3);
	s->cfg.nr_nodes = nr_nodes;
	s->cfg.rto_min_ns = 2000000;
	s->cfg.rto_max_ns = 16000000;
	s->cfg.ack_delay_ns = 100000;
	s->cfg.hello_interval_ns = 10000000;
	s->f.latency_ns = 50000;
	return s;
}

struct sim_node *sim_start_node(struct sim *s, uint16_t id, uint32_t nr_slots, uint64_t epoch)
{
	struct sim_node *n = s->node[id];
	struct msg_config cfg = s->cfg;
	struct msg_ops ops = { .send = sim_send,
			       .now_ns = sim_now,
			       .deliver = sim_deliver,
			       .peer_reset = sim_peer_reset };

	if (!n) {
		n = calloc(1, sizeof(*n));
		if (!n)
			abort();
		s->node[id] = n;
	}
	free(n->slots);
	n->slots = calloc(nr_slots, sizeof(*n->slots));
	if (!n->slots)
		abort();
	n->sim = s;
	n->id = id;
	ops.ctx = n;
	cfg.self = id;
	cfg.epoch = epoch;
	cfg.slots = n->slots;
	cfg.nr_slots = nr_slots;
	if (msg_init(&n->l, &cfg, &ops) != 0)
		abort();
	return n;
}

void sim_flush(struct sim *s)
{
	for (size_t i = 0; i < s->nq; i++)
		free(s->q[i]);
	s->nq = 0;
}

void sim_free(struct sim *s)
{
	sim_flush(s);
	free(s->q);
	for (int i = 0; i < SIM_MAX_NODES; i++) {
		if (s->node[i]) {
			free(s->node[i]->slots);
			free(s->node[i]);
		}
	}
	free(s);
}

static uint64_t sim_next_event(const struct sim *s)
{
	uint64_t t = UINT64_MAX;

	for (size_t i = 0; i < s->nq; i++)
		if (s->q[i]->at < t)
			t = s->q[i]->at;
	for (int i = 0; i < SIM_MAX_NODES; i++)
		if (s->node[i] && msg_next_deadline(&s->node[i]->l) < t)
			t = msg_next_deadline(&s->node[i]->l);
	return t;
}

/* Take out the packets due now, then hand them to their nodes. */
static void sim_deliver_due(struct sim *s)
{
	size_t nready = 0, keep = 0;
	struct sim_pkt **ready = malloc((s->nq + 1) * sizeof(*ready));

	if (!ready)
		abort();
	for (size_t i = 0; i < s->nq; i++) {
		if (s->q[i]->at <= s->now)
			ready[nready++] = s->q[i];
		else
			s->q[keep++] = s->q[i];
	}
	s->nq = keep;
	for (size_t i = 0; i < nready; i++) {
		struct sim_node *n = s->node[ready[i]->dst];

		if (n)
			msg_input(&n->l, ready[i]->data, ready[i]->len);
		free(ready[i]);
	}
	free(ready);
}

void sim_advance(struct sim *s, uint64_t until)
{
	unsigned int stuck = 0;

	for (;;) {
		uint64_t t = sim_next_event(s);

		if (t > until)
			break;
		/* A deadline that polling does not move would spin here forever. */
		stuck = t > s->now ? 0 : stuck + 1;
		if (stuck > 1000) {
			fprintf(stdout, "  simnet: no progress at t=%llu\n", (unsigned long long)t);
			abort();
		}
		if (t > s->now)
			s->now = t;
		sim_deliver_due(s);
		for (int i = 0; i < SIM_MAX_NODES; i++)
			if (s->node[i])
				msg_poll(&s->node[i]->l, s->now);
	}
	s->now = until;
}

void sim_hdr(struct sim *s, uint16_t src, uint16_t dst, uint8_t type, uint32_t seq, uint16_t len,
	     struct msg_hdr *h)
{
	struct msg_layer *l = &s->node[src]->l;
	struct msg_peer *p = &l->peers[dst];

	*h = (struct msg_hdr){
		.magic = MSG_MAGIC,
		.version = MSG_VERSION,
		.type = type,
		.len = len,
		.cluster = s->cfg.cluster_id,
		.src = src,
		.dst = dst,
		.src_epoch = l->epoch,
		.dst_epoch = p->epoch,
		.pkt_num = ++p->tx_pkt,
		.seq = seq,
		.ack = p->epoch ? p->rx_next - 1 : 0,
	};
}

size_t sim_build(struct sim *s, const struct msg_hdr *h, const void *payload,
		 const struct siphash_key *key, uint8_t *pkt)
{
	struct siphash_key k = siphash_key_from_bytes(s->cfg.secret);

	msg_wire_encode(pkt, h);
	if (h->len)
		memcpy(pkt + MSG_HDR_SIZE, payload, h->len);
	msg_wire_seal(pkt, h->len, key ? key : &k);
	return MSG_HDR_SIZE + (size_t)h->len + MSG_MAC_SIZE;
}
