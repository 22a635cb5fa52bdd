// SPDX-License-Identifier: GPL-2.0-only
/*
 * The reliable message layer between cluster nodes (design section 6; the protocol is described
 * in doc/net.md), sending side: the buffer pool, building and sealing packets, the send window,
 * retransmission with capped exponential backoff, delayed acks and heartbeats driven by
 * msg_poll(), and setup. The receiving side is net/msg_rx.c, packet checks net/msg_wire.c.
 * Nothing here blocks or allocates: buffers come from the caller's slot pool, time and the
 * transport from struct msg_ops, so the same code runs in the monitor and in host tests.
 */
#include <string.h>

#include "net/msg.h"
#include "net/msg_internal.h"
#include "net/msg_wire.h"

_Static_assert(MSG_WINDOW >= 2 && MSG_WINDOW <= 32, "the SACK field covers the window");
_Static_assert(sizeof(struct msg_peer) == 168, "per-peer memory figure in doc/net.md");

struct msg_slot *msg_slot_alloc(struct msg_layer *l, uint16_t *idx)
{
	struct msg_slot *s;

	if (l->free_head == MSG_NO_SLOT)
		return NULL;
	*idx = l->free_head;
	s = &l->slots[*idx];
	l->free_head = s->next;
	l->nr_free--;
	return s;
}

void msg_slot_free(struct msg_layer *l, uint16_t idx)
{
	struct msg_slot *s = &l->slots[idx];

	if (s->state == MSG_SLOT_RX)
		l->rx_held--;
	else if (s->state == MSG_SLOT_PART)
		l->parts_held--;
	s->state = MSG_SLOT_FREE;
	s->next = l->free_head;
	l->free_head = idx;
	l->nr_free++;
}

/* The SACK field: bit i set if message rx_next + 1 + i is held (rx_next itself is missing). */
static uint32_t msg_rx_sack(const struct msg_layer *l, const struct msg_peer *p)
{
	uint32_t sack = 0;

	for (uint32_t i = 0; i < MSG_WINDOW - 1; i++) {
		uint32_t seq = p->rx_next + 1 + i;
		uint16_t idx = p->rx_ring[seq % MSG_WINDOW];

		if (idx != MSG_NO_SLOT && l->slots[idx].seq == seq)
			sack |= 1u << i;
	}
	return sack;
}

/*
 * Fill in the header of @pkt, whose payload of @len bytes is in place, seal it and send it to
 * @node. Acknowledgements are only meaningful inside the session the peer knows about, so a
 * packet to any other epoch of the peer carries none.
 */
static void msg_transmit(struct msg_layer *l, uint16_t node, uint8_t *pkt, uint8_t type,
			 uint8_t flags, uint16_t len, uint32_t seq, uint64_t dst_epoch)
{
	struct msg_peer *p = &l->peers[node];
	struct msg_hdr h = {
		.magic = MSG_MAGIC,
		.version = MSG_VERSION,
		.type = type,
		.len = len,
		.cluster = l->id.cluster_id,
		.src = l->id.self,
		.dst = node,
		.src_epoch = l->epoch,
		.dst_epoch = dst_epoch,
		.pkt_num = ++p->tx_pkt,
		.seq = seq,
		.flags = flags,
	};

	if (dst_epoch != 0 && dst_epoch == p->epoch) {
		h.ack = p->rx_next - 1;
		h.sack = msg_rx_sack(l, p);
		p->ack_pending = false;
	}
	msg_wire_encode(pkt, &h);
	msg_wire_seal(pkt, len, &l->id.key);
	l->ops.send(l->ops.ctx, node, pkt, MSG_HDR_SIZE + (size_t)len + MSG_MAC_SIZE);
	l->stats.tx_packets++;
}

void msg_send_control(struct msg_layer *l, uint16_t node, uint8_t type, uint64_t dst_epoch)
{
	uint8_t pkt[MSG_HDR_SIZE + MSG_MAC_SIZE];

	msg_transmit(l, node, pkt, type, 0, 0, 0, dst_epoch);
	if (type == MSG_T_ACK)
		l->stats.tx_acks++;
	else
		l->stats.tx_hellos++;
}

/*
 * The first retransmission timeout of a message to @p: rto_min until a round trip has been
 * measured, then SRTT + 4 RTTVAR (RFC 6298) within [rto_floor, rto_max].
 */
uint64_t msg_rto(const struct msg_layer *l, const struct msg_peer *p)
{
	uint64_t rto = l->rto_min_ns;

	if (p->srtt_ns) {
		rto = (uint64_t)p->srtt_ns + 4 * (uint64_t)p->rttvar_ns;
		if (rto < l->rto_floor_ns)
			rto = l->rto_floor_ns;
	}
	for (uint8_t i = 0; i < p->rto_shift && rto < l->rto_max_ns; i++)
		rto *= 2;
	return msg_min(rto, l->rto_max_ns);
}

/*
 * (Re)transmit the message in @s; each retransmission doubles the timeout up to rto_max. One at
 * its timeout also doubles the first timeout of the peer's next messages (rto_shift), if it is
 * the oldest unacknowledged one (the packets sent with it, a page's other parts, time out with
 * it: one loss, one doubling, as TCP backs off its one timer); one a SACK called for (@fast)
 * does not: the network answered.
 */
void msg_transmit_slot(struct msg_layer *l, struct msg_slot *s, uint64_t now, bool fast)
{
	msg_transmit(l, s->peer, s->buf, s->type, s->flags, s->len, s->seq,
		     l->peers[s->peer].epoch);
	if (s->tries == 0) {
		s->rto_ns = msg_rto(l, &l->peers[s->peer]);
		s->sent_ns = now;
		l->stats.tx_data++;
	} else {
		struct msg_peer *p = &l->peers[s->peer];

		s->rto_ns = msg_min(s->rto_ns * 2, l->rto_max_ns);
		l->stats.tx_retrans++;
		if (fast)
			l->stats.tx_fast++;
		else if (p->rto_shift < MSG_RTO_SHIFT_MAX && s->seq == p->tx_una)
			p->rto_shift++;
	}
	if (s->tries < UINT8_MAX)
		s->tries++;
	s->due_ns = now + s->rto_ns;
	msg_wake_at(l, s->due_ns);
}

void msg_ack_later(struct msg_layer *l, struct msg_peer *p, uint64_t when)
{
	if (!p->ack_pending || when < p->ack_due_ns)
		p->ack_due_ns = when;
	p->ack_pending = true;
	msg_wake_at(l, p->ack_due_ns);
}

/* Probe @node for its epoch soon, backing off while it does not answer. */
static void msg_probe_soon(struct msg_layer *l, struct msg_peer *p, uint64_t now)
{
	p->hello_rto_ns = l->rto_min_ns;
	p->hello_due_ns = now;
	msg_wake_at(l, now);
}

static void msg_queue_push(struct msg_layer *l, struct msg_peer *p, uint16_t idx)
{
	l->slots[idx].next = MSG_NO_SLOT;
	if (p->queue_tail == MSG_NO_SLOT)
		p->queue_head = idx;
	else
		l->slots[p->queue_tail].next = idx;
	p->queue_tail = idx;
}

void msg_tx_fill_window(struct msg_layer *l, uint16_t node, uint64_t now)
{
	struct msg_peer *p = &l->peers[node];

	while (p->queue_head != MSG_NO_SLOT && p->tx_next - p->tx_una < MSG_WINDOW) {
		uint16_t idx = p->queue_head;
		struct msg_slot *s = &l->slots[idx];

		p->queue_head = s->next;
		if (p->queue_head == MSG_NO_SLOT)
			p->queue_tail = MSG_NO_SLOT;
		s->state = MSG_SLOT_TX;
		s->seq = p->tx_next++;
		p->tx_ring[s->seq % MSG_WINDOW] = idx;
		if (p->epoch != 0)
			msg_transmit_slot(l, s, now, false);
		else
			s->due_ns = UINT64_MAX; /* msg_session_start() releases it */
	}
}

/* Copy bytes @off .. @off + @n - 1 of the message @head then @body to @dst. */
static void msg_copy_span(uint8_t *dst, const uint8_t *head, size_t head_len, const uint8_t *body,
			  size_t off, size_t n)
{
	if (off < head_len) {
		size_t k = msg_min(n, head_len - off);

		memcpy(dst, head + off, k);
		dst += k;
		off += k;
		n -= k;
	}
	if (n)
		memcpy(dst, body + (off - head_len), n);
}

int msg_send_parts(struct msg_layer *l, uint16_t dst, uint8_t type, const void *head,
		   size_t head_len, const void *body, size_t body_len)
{
	size_t len = head_len + body_len, off = 0;
	uint16_t nr_parts = msg_parts(len);
	struct msg_peer *p;
	uint64_t now;

	if (dst >= l->id.nr_nodes || dst == l->id.self || type < MSG_T_USER ||
	    head_len > MSG_MAX_PAYLOAD || body_len > MSG_MAX_PAYLOAD - head_len ||
	    (head_len && !head) || (body_len && !body))
		return -MSG_E_INVAL;
	/* All the parts or none; the reserves stay free (holding data spares retransmissions). */
	if (msg_send_room(l) < nr_parts)
		return -MSG_E_AGAIN;
	p = &l->peers[dst];
	for (uint16_t i = 0; i < nr_parts; i++) {
		size_t n = msg_min(len - off, MSG_PART_MAX);
		uint16_t idx;
		struct msg_slot *s = msg_slot_alloc(l, &idx); /* there is room (above) */

		s->peer = dst;
		s->len = (uint16_t)n;
		s->state = MSG_SLOT_QUEUED;
		s->type = type;
		s->flags = i + 1 < nr_parts ? MSG_F_MORE : 0;
		s->sacked = 0;
		s->tries = 0;
		msg_copy_span(s->buf + MSG_HDR_SIZE, head, head_len, body, off, n);
		off += n;
		msg_queue_push(l, p, idx);
	}
	l->stats.tx_queued++;
	now = l->ops.now_ns(l->ops.ctx);
	if (p->epoch == 0 && p->hello_due_ns > now)
		msg_probe_soon(l, p, now);
	msg_tx_fill_window(l, dst, now);
	return 0;
}

int msg_send(struct msg_layer *l, uint16_t dst, uint8_t type, const void *data, size_t len)
{
	return msg_send_parts(l, dst, type, data, len, NULL, 0);
}

static void msg_poll_slot(struct msg_layer *l, struct msg_slot *s, uint64_t now)
{
	/* A SACKed message waits for the cumulative ack; UINT64_MAX waits for a session. */
	if (s->sacked || s->due_ns == UINT64_MAX)
		return;
	if (s->due_ns > now)
		msg_wake_at(l, s->due_ns);
	else
		msg_transmit_slot(l, s, now, false);
}

static void msg_poll_peer(struct msg_layer *l, uint16_t node, uint64_t now)
{
	struct msg_peer *p = &l->peers[node];

	if (p->hello_due_ns <= now) {
		msg_send_control(l, node, MSG_T_HELLO, p->epoch);
		if (p->epoch != 0) {
			p->hello_due_ns = now + l->hello_interval_ns;
		} else {
			p->hello_due_ns = now + p->hello_rto_ns;
			p->hello_rto_ns = msg_min(p->hello_rto_ns * 2, l->hello_interval_ns);
		}
	}
	if (p->ack_pending && p->ack_due_ns <= now)
		msg_send_control(l, node, MSG_T_ACK, p->epoch);
	msg_wake_at(l, p->hello_due_ns);
	if (p->ack_pending)
		msg_wake_at(l, p->ack_due_ns);
}

void msg_poll(struct msg_layer *l, uint64_t now)
{
	if (now < l->wake_ns)
		return;
	l->wake_ns = UINT64_MAX;
	for (uint32_t i = 0; i < l->nr_slots; i++)
		if (l->slots[i].state == MSG_SLOT_TX)
			msg_poll_slot(l, &l->slots[i], now);
	for (uint16_t node = 0; node < l->id.nr_nodes; node++)
		if (node != l->id.self)
			msg_poll_peer(l, node, now);
}

uint64_t msg_next_deadline(const struct msg_layer *l)
{
	return l->wake_ns;
}

uint64_t msg_peer_last_heard(const struct msg_layer *l, uint16_t node)
{
	return node < l->id.nr_nodes ? l->peers[node].last_heard_ns : 0;
}

uint64_t msg_peer_epoch(const struct msg_layer *l, uint16_t node)
{
	return node < l->id.nr_nodes ? l->peers[node].epoch : 0;
}

int msg_peers_silent(const struct msg_layer *l, uint64_t now, uint64_t timeout_ns, uint16_t *out,
		     int max)
{
	int n = 0;

	for (uint16_t node = 0; node < l->id.nr_nodes; node++) {
		const struct msg_peer *p = &l->peers[node];

		if (node == l->id.self)
			continue;
		if (p->epoch != 0 &&
		    (now <= p->last_heard_ns || now - p->last_heard_ns <= timeout_ns))
			continue;
		if (n < max)
			out[n] = node;
		n++;
	}
	return n;
}

const char *msg_drop_name(int why)
{
	static const char *const names[MSG_DROP_NR] = {
		[MSG_DROP_NONE] = "accepted",
		[MSG_DROP_TRUNCATED] = "truncated",
		[MSG_DROP_BAD_MAGIC] = "bad magic",
		[MSG_DROP_BAD_VERSION] = "bad version",
		[MSG_DROP_BAD_LENGTH] = "bad length",
		[MSG_DROP_WRONG_CLUSTER] = "wrong cluster",
		[MSG_DROP_WRONG_DST] = "wrong destination",
		[MSG_DROP_BAD_SRC] = "bad source",
		[MSG_DROP_BAD_MAC] = "bad MAC",
		[MSG_DROP_MALFORMED] = "malformed",
		[MSG_DROP_STALE] = "stale epoch",
		[MSG_DROP_REPLAY] = "replay",
		[MSG_DROP_BAD_ACK] = "bad ack",
	};

	return why >= 0 && why < MSG_DROP_NR ? names[why] : "?";
}

/* Timing from @cfg with defaults for zeros; the backoff doubles, so cap it far from overflow. */
static int msg_init_timing(struct msg_layer *l, const struct msg_config *cfg)
{
	l->rto_min_ns = cfg->rto_min_ns ? cfg->rto_min_ns : 5000000;
	l->rto_floor_ns = cfg->rto_floor_ns ? cfg->rto_floor_ns : 1000000;
	l->rto_max_ns = cfg->rto_max_ns ? cfg->rto_max_ns : 500000000;
	l->ack_delay_ns = cfg->ack_delay_ns ? cfg->ack_delay_ns : 200000;
	l->hello_interval_ns = cfg->hello_interval_ns ? cfg->hello_interval_ns : 100000000;
	if (l->rto_max_ns < l->rto_min_ns || l->rto_max_ns < l->rto_floor_ns ||
	    l->rto_max_ns > UINT64_MAX / 4 || l->hello_interval_ns > UINT64_MAX / 4 ||
	    l->ack_delay_ns > UINT64_MAX / 4)
		return -MSG_E_INVAL;
	return 0;
}

/*
 * MSG_MAX_PARTS - 1 buffers per peer for the first parts of a message received in order, then
 * half the rest for out-of-order data and half, at least a whole message, for sending.
 */
uint32_t msg_part_reserve(uint16_t nr_nodes)
{
	return (MSG_MAX_PARTS - 1) * (uint32_t)(nr_nodes - 1);
}

uint32_t msg_min_slots(uint16_t nr_nodes)
{
	return msg_part_reserve(nr_nodes) + 2u * MSG_MAX_PARTS;
}

static void msg_init_pool(struct msg_layer *l, struct msg_slot *slots, uint16_t nr)
{
	l->slots = slots;
	l->nr_slots = nr;
	l->nr_free = nr;
	l->free_head = 0;
	/*
	 * The buffers kept for parts come first: an in-order part always has one, so a message
	 * in parts is never stuck behind out-of-order data or sends. Then out-of-order data may
	 * use half of the rest and no more: senders cannot starve receivers of it, nor the reverse.
	 */
	l->part_reserve = (uint16_t)msg_part_reserve(l->id.nr_nodes);
	l->rx_limit = (uint16_t)((nr - l->part_reserve) / 2);
	for (uint16_t i = 0; i < nr; i++) {
		slots[i].state = MSG_SLOT_FREE;
		slots[i].next = i + 1 < nr ? (uint16_t)(i + 1) : MSG_NO_SLOT;
	}
}

int msg_init(struct msg_layer *l, const struct msg_config *cfg, const struct msg_ops *ops)
{
	if (!l || !cfg || !ops || !ops->send || !ops->now_ns || !ops->deliver)
		return -MSG_E_INVAL;
	if (cfg->nr_nodes < 2 || cfg->nr_nodes > MSG_MAX_NODES || cfg->self >= cfg->nr_nodes ||
	    cfg->epoch == 0 || !cfg->slots || cfg->nr_slots < msg_min_slots(cfg->nr_nodes) ||
	    cfg->nr_slots >= MSG_NO_SLOT)
		return -MSG_E_INVAL;
	memset(l, 0, sizeof(*l));
	if (msg_init_timing(l, cfg) < 0)
		return -MSG_E_INVAL;
	l->ops = *ops;
	l->id.key = siphash_key_from_bytes(cfg->secret);
	l->id.cluster_id = cfg->cluster_id;
	l->id.self = cfg->self;
	l->id.nr_nodes = cfg->nr_nodes;
	l->epoch = cfg->epoch;
	msg_init_pool(l, cfg->slots, (uint16_t)cfg->nr_slots);
	for (int i = 0; i < MSG_MAX_NODES; i++) {
		struct msg_peer *p = &l->peers[i];

		memset(p->tx_ring, 0xff, sizeof(p->tx_ring));
		memset(p->rx_ring, 0xff, sizeof(p->rx_ring));
		p->queue_head = p->queue_tail = MSG_NO_SLOT;
		p->tx_next = p->tx_una = p->rx_next = 1;
		p->hello_rto_ns = l->rto_min_ns;
	}
	/* hello_due_ns = 0 and wake_ns = 0: the first poll probes every peer. */
	return 0;
}

uint16_t msg_free_slots(const struct msg_layer *l)
{
	return l->nr_free;
}

uint16_t msg_send_room(const struct msg_layer *l)
{
	uint16_t reserve = (uint16_t)(l->rx_limit - l->rx_held + l->part_reserve - l->parts_held);

	return l->nr_free > reserve ? (uint16_t)(l->nr_free - reserve) : 0;
}

uint16_t msg_send_capacity(const struct msg_layer *l)
{
	return (uint16_t)(l->nr_slots - l->part_reserve - l->rx_limit);
}

uint16_t msg_pool_slots(const struct msg_layer *l)
{
	return l->nr_slots;
}

void msg_backlog(const struct msg_layer *l, uint32_t *unacked, uint32_t *queued)
{
	*unacked = *queued = 0;
	for (uint32_t n = 0; n < l->id.nr_nodes; n++) {
		const struct msg_peer *p = &l->peers[n];
		*unacked += p->tx_next - p->tx_una;
		/* (bounded by the pool: a list longer than that would be a bug) */
		for (uint16_t i = p->queue_head; i != MSG_NO_SLOT && *queued <= l->nr_slots;
		     i = l->slots[i].next)
			(*queued)++;
	}
}

bool msg_peer_all_acked(const struct msg_layer *l, uint16_t node)
{
	const struct msg_peer *p;

	if (node >= l->id.nr_nodes || node == l->id.self)
		return true;
	p = &l->peers[node];
	return p->tx_una == p->tx_next && p->queue_head == MSG_NO_SLOT;
}
