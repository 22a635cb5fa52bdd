// SPDX-License-Identifier: GPL-2.0-only
/*
 * The simulator's lossy transport (struct sim_lossy in sim.h). Each node's DSM messages go
 * through a real message layer (net/msg.c), wired as the monitor wires it
 * (vmm/cluster/vmdsm.c), and the layers' packets cross a wire that loses, duplicates,
 * corrupts and delays them, so that they also overtake one another. A packet in flight is an
 * event in the simulator's queue, and so is each layer's next timer (retransmissions,
 * delayed acks, probes): everything runs on the simulator's clock and draws from its seed,
 * so a run replays exactly.
 *
 * A layer's buffer pool is fixed. A message it has no buffer for (-MSG_E_AGAIN) waits in
 * its node's queue, in order and ahead of any newer one, and goes as soon as an
 * acknowledgement frees a buffer: it is never dropped, as in the monitor.
 *
 * The layers' timers run only while some layer has something to finish (a message
 * unacknowledged or waiting, an ack owed): heartbeats alone would keep the simulation going
 * for ever, and a run ends when its traffic has; sim_wire_check_quiescent() then checks
 * that every layer's books are closed.
 */
#include "tests/dsm/sim_int.h"

#include <stdlib.h>

#define WIRE_CLUSTER   0xd5a516u
#define WIRE_ACK_DELAY 10000u /* ns: long enough for a reply to carry the ack */

_Static_assert(sizeof(struct msg_stats) % sizeof(uint64_t) == 0, "msg_stats: counters only");

static bool wire_chance(struct sim *s, unsigned pct)
{
	return pct && sim_rand(s) % 100 < pct;
}

/* Damage a packet: cut it short, or change one to four of its bytes. */
static void wire_corrupt(struct sim *s, struct sim_msg *pkt)
{
	s->wire.corrupted++;
	if (sim_rand(s) % 3 == 0) {
		pkt->len = sim_rand(s) % pkt->len;
		return;
	}
	for (unsigned k = 1 + sim_rand(s) % 4; k; k--)
		pkt->buf[sim_rand(s) % pkt->len] ^= (uint8_t)(1 + sim_rand(s) % 255);
}

/* Put one copy of a packet on the wire, with its own delay: copies overtake each other. */
static void wire_launch(struct sim *s, unsigned src, unsigned dst, const void *bytes, size_t len)
{
	const struct sim_lossy *w = &s->p.lossy;
	struct sim_msg *pkt = sim_msg_new(s, src, dst, len);
	uint64_t t = s->now + sim_delay(s);

	if (w->jitter_ns)
		t += sim_rand(s) % (w->jitter_ns + 1);
	memcpy(pkt->buf, bytes, len);
	if (wire_chance(s, w->corrupt_pct))
		wire_corrupt(s, pkt);
	sim_post(s, t, EV_PKT, dst, pkt);
}

/* A layer's ops->send: best effort, and it must not call back into a layer (it does not:
 * the packet becomes an event). */
static void wire_op_send(void *ctx, uint16_t dst, const void *pkt, size_t len)
{
	struct sim_node *n = ctx;
	struct sim *s = n->s;

	if (len > MSG_MAX_PACKET) {
		sim_violation(s, "node %u: its layer sent a packet of %zu bytes", n->id, len);
		return;
	}
	s->wire.packets++;
	if (wire_chance(s, s->p.lossy.loss_pct)) {
		s->wire.lost++;
		return;
	}
	wire_launch(s, n->id, dst, pkt, len);
	if (wire_chance(s, s->p.lossy.dup_pct)) {
		s->wire.duplicated++;
		wire_launch(s, n->id, dst, pkt, len);
	}
}

static uint64_t wire_op_now(void *ctx)
{
	return ((struct sim_node *)ctx)->s->now;
}

/* The next message from src, once and in order: on to the simulator's channel, which hands
 * it to dsm_receive (or parks it, sim_hold_channel). Replies sent from there go into this
 * same layer, which its deliver callback allows. */
static void wire_op_deliver(void *ctx, uint16_t src, uint8_t type, const void *data, size_t len)
{
	struct sim_node *n = ctx;
	struct sim_msg *m;

	if (type != MSG_T_DSM || len > DSM_MSG_MAX) {
		sim_violation(n->s, "node %u: its layer delivered type %u, %zu bytes, from %u",
			      n->id, type, len, src);
		return;
	}
	m = sim_msg_new(n->s, src, n->id, len);
	memcpy(m->buf, data, len);
	sim_msg_arrive(n->s, m);
}

/* Nodes never restart here: a layer that says one did has lost messages. */
static void wire_op_peer_reset(void *ctx, uint16_t node)
{
	struct sim_node *n = ctx;

	sim_violation(n->s, "node %u: its layer says node %u restarted", n->id, node);
}

/* Has the node's layer something to finish: a message unacknowledged or waiting, an ack
 * owed? */
static bool wire_busy(const struct sim *s, const struct sim_node *n)
{
	uint32_t unacked, queued;

	if (n->wait_head)
		return true;
	msg_backlog(n->net, &unacked, &queued);
	if (unacked || queued)
		return true;
	for (unsigned i = 0; i < s->p.nnodes; i++)
		if (n->net->peers[i].ack_pending)
			return true;
	return false;
}

/*
 * While any layer is busy, every layer's timers run, heartbeats included, as in the monitor:
 * a sender never retransmits a message the receiver has SACKed, so when the receiver's
 * last ack of it is lost, only the receiver's next packet to it, a heartbeat if nothing
 * else, carries the ack again. Once no layer is busy the timers stop, and the run can end.
 * Superseded timer events are ignored (sim_wire_poll).
 */
static void wire_after(struct sim *s)
{
	bool busy = false;

	for (unsigned i = 0; i < s->p.nnodes && !busy; i++)
		busy = wire_busy(s, &s->node[i]);
	for (unsigned i = 0; i < s->p.nnodes && busy; i++) {
		struct sim_node *n = &s->node[i];
		uint64_t dl = msg_next_deadline(n->net);

		if (dl < s->now)
			dl = s->now;
		if (dl < n->net_poll_at) {
			n->net_poll_at = dl;
			sim_post(s, dl, EV_NET, n->id, NULL);
		}
	}
}

/* Give m to its sender's layer (which copies it); false if the layer has no buffer. */
static bool wire_offer(struct sim *s, struct sim_msg *m)
{
	int rc = msg_send_parts(s->node[m->src].net, (uint16_t)m->dst, MSG_T_DSM, m->buf, m->len,
				NULL, 0);

	if (rc == -MSG_E_AGAIN)
		return false;
	if (rc)
		sim_violation(s, "node %u: its layer refused a message for %u: %d", m->src, m->dst,
			      rc);
	sim_msg_free(s, m);
	return true;
}

static void wire_wait(struct sim *s, struct sim_node *n, struct sim_msg *m)
{
	m->next = NULL;
	if (n->wait_tail)
		n->wait_tail->next = m;
	else
		n->wait_head = m;
	n->wait_tail = m;
	n->nwait++;
	s->wire.waited++;
	if (n->nwait > s->wire.waited_max)
		s->wire.waited_max = n->nwait;
}

/* Send what waits, oldest first, until the layer has no buffer again. */
static void wire_flush(struct sim *s, struct sim_node *n)
{
	while (n->wait_head) {
		struct sim_msg *m = n->wait_head, *next = m->next;

		if (!wire_offer(s, m))
			return;
		n->wait_head = next;
		if (!next)
			n->wait_tail = NULL;
		n->nwait--;
	}
}

/* A DSM message from m->src (not always the node whose ops->send this is: an injected fake
 * ack speaks for another node). It waits if older ones do: order per peer is the point. */
void sim_wire_send(struct sim *s, struct sim_msg *m)
{
	struct sim_node *n = &s->node[m->src];

	if (n->wait_head || !wire_offer(s, m))
		wire_wait(s, n, m);
	wire_after(s);
}

void sim_wire_arrive(struct sim *s, struct sim_msg *pkt)
{
	struct sim_node *n = &s->node[pkt->dst];

	msg_input(n->net, pkt->buf, pkt->len);
	sim_msg_free(s, pkt);
	wire_flush(s, n); /* (an ack may have freed buffers) */
	wire_after(s);
}

void sim_wire_poll(struct sim *s, unsigned node, uint64_t t)
{
	struct sim_node *n = &s->node[node];

	if (n->net_poll_at != t)
		return;
	n->net_poll_at = UINT64_MAX;
	msg_poll(n->net, s->now);
	wire_flush(s, n);
	wire_after(s);
}

/*
 * The layer of node `node`, its timing scaled to the simulated delays: the first
 * retransmission after about two of the longest ordinary round trips (a trip takes at most
 * delay_max + jitter; the stragglers, 1 in 16, may take longer and be sent twice), the
 * backoff doubling up to 16 times that, and a heartbeat as often.
 */
int sim_wire_init(struct sim *s, unsigned node)
{
	struct sim_node *n = &s->node[node];
	const struct sim_params *p = &s->p;
	uint64_t rto = 4 * (p->delay_max_ns + p->lossy.jitter_ns) + 2 * WIRE_ACK_DELAY;
	uint32_t min_slots = msg_min_slots((uint16_t)p->nnodes);
	struct msg_config cfg = {
		.cluster_id = WIRE_CLUSTER,
		.self = (uint16_t)node,
		.nr_nodes = (uint16_t)p->nnodes,
		.epoch = 1 + node,
		.rto_min_ns = rto,
		.rto_max_ns = 16 * rto,
		.ack_delay_ns = WIRE_ACK_DELAY,
		.hello_interval_ns = 16 * rto,
		/* (a pool no smaller than the smallest the layer takes: the part reserve) */
		.nr_slots = p->lossy.slots > min_slots ? p->lossy.slots
			    : p->lossy.slots	       ? min_slots
					     : 2 * MSG_WINDOW * (p->nnodes - 1) + min_slots,
	};
	struct msg_ops ops = {
		.ctx = n,
		.send = wire_op_send,
		.now_ns = wire_op_now,
		.deliver = wire_op_deliver,
		.peer_reset = wire_op_peer_reset,
	};

	for (unsigned i = 0; i < SIPHASH_KEY_SIZE; i++)
		cfg.secret[i] = (uint8_t)(0x35 + 11 * i);
	n->net = malloc(sizeof(*n->net));
	n->slots = calloc(cfg.nr_slots ? cfg.nr_slots : 1, sizeof(*n->slots));
	if (!n->net || !n->slots)
		return -1;
	cfg.slots = n->slots;
	return msg_init(n->net, &cfg, &ops);
}

void sim_wire_free(struct sim *s)
{
	for (unsigned i = 0; i < s->p.nnodes; i++) {
		struct sim_node *n = &s->node[i];

		while (n->wait_head) {
			struct sim_msg *m = n->wait_head;

			n->wait_head = m->next;
			sim_msg_free(s, m);
		}
		n->wait_tail = NULL;
		n->nwait = 0;
		free(n->net);
		free(n->slots);
		n->net = NULL;
		n->slots = NULL;
	}
}

/*
 * Once the traffic has stopped, every layer's books must close: nothing unacknowledged,
 * queued or waiting, every buffer back in its pool, every message taken delivered once,
 * and no drop that only an authentic packet can earn (the wire's damage stops at the MAC).
 */
bool sim_wire_check_quiescent(struct sim *s)
{
	uint64_t before = s->violations, taken = 0, delivered = 0;

	for (unsigned i = 0; s->p.lossy.on && i < s->p.nnodes; i++) {
		struct sim_node *n = &s->node[i];
		const struct msg_stats *st = &n->net->stats;
		uint32_t unacked, queued;

		msg_backlog(n->net, &unacked, &queued);
		if (unacked || queued || n->nwait)
			sim_violation(s,
				      "node %u: layer not idle: %u unacknowledged, %u queued, "
				      "%u waiting for a buffer",
				      i, unacked, queued, n->nwait);
		if (msg_free_slots(n->net) != msg_pool_slots(n->net))
			sim_violation(s, "node %u: %u of %u layer buffers still taken", i,
				      msg_pool_slots(n->net) - msg_free_slots(n->net),
				      msg_pool_slots(n->net));
		if (st->drops[MSG_DROP_MALFORMED] || st->drops[MSG_DROP_STALE] ||
		    st->drops[MSG_DROP_BAD_ACK] || st->rx_beyond_window || st->tx_flushed)
			sim_violation(s,
				      "node %u: layer dropped %llu malformed, %llu stale, %llu "
				      "bad-ack, %llu beyond-window packets, flushed %llu messages",
				      i, (unsigned long long)st->drops[MSG_DROP_MALFORMED],
				      (unsigned long long)st->drops[MSG_DROP_STALE],
				      (unsigned long long)st->drops[MSG_DROP_BAD_ACK],
				      (unsigned long long)st->rx_beyond_window,
				      (unsigned long long)st->tx_flushed);
		taken += st->tx_queued;
		delivered += st->delivered;
	}
	if (taken != delivered)
		sim_violation(s, "the layers took %llu messages and delivered %llu",
			      (unsigned long long)taken, (unsigned long long)delivered);
	return s->violations == before;
}

void sim_wire_stats_add(struct sim_wire_stats *sum, const struct sim_wire_stats *x)
{
	const uint64_t *src = (const uint64_t *)(const void *)&x->msg;
	uint64_t *dst = (uint64_t *)(void *)&sum->msg;

	sum->packets += x->packets, sum->lost += x->lost;
	sum->duplicated += x->duplicated, sum->corrupted += x->corrupted;
	sum->waited += x->waited;
	if (x->waited_max > sum->waited_max)
		sum->waited_max = x->waited_max;
	for (size_t k = 0; k < sizeof(x->msg) / sizeof(uint64_t); k++)
		dst[k] += src[k];
}

void sim_wire_stats(const struct sim *s, struct sim_wire_stats *out)
{
	struct sim_wire_stats layer;

	*out = s->wire;
	memset(&out->msg, 0, sizeof(out->msg));
	for (unsigned i = 0; s->p.lossy.on && i < s->p.nnodes; i++) {
		memset(&layer, 0, sizeof(layer));
		layer.msg = s->node[i].net->stats;
		sim_wire_stats_add(out, &layer);
	}
}
