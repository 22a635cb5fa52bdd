// SPDX-License-Identifier: GPL-2.0-only
/*
 * The receiving side of the message layer (doc/net.md): what happens to a packet after
 * msg_wire_check() has found it well-formed and authentic. Probes are answered without touching
 * state; other packets must belong to the current incarnations of both nodes and carry a packet
 * number not seen before; a new incarnation of a peer starts a new session. Acknowledgements
 * free sent packets; data is taken in order, held briefly when it arrives early, and counted
 * and acknowledged again when it is a duplicate; the parts of a message are put together and
 * the message delivered when its last part is in.
 */
#include <string.h>

#include "net/msg.h"
#include "net/msg_internal.h"
#include "net/msg_wire.h"

/* Forget the parts kept of a message from @p. */
static void msg_parts_drop(struct msg_layer *l, struct msg_peer *p)
{
	for (uint8_t i = 0; i < p->nr_parts; i++)
		msg_slot_free(l, p->part[i]);
	p->nr_parts = 0;
}

/* Forget what was exchanged with an earlier incarnation of @p's node. */
static void msg_peer_flush(struct msg_layer *l, struct msg_peer *p)
{
	msg_parts_drop(l, p);
	p->part_skip = 0;
	for (int i = 0; i < MSG_WINDOW; i++) {
		if (p->tx_ring[i] != MSG_NO_SLOT) {
			msg_slot_free(l, p->tx_ring[i]);
			p->tx_ring[i] = MSG_NO_SLOT;
			l->stats.tx_flushed++;
		}
		if (p->rx_ring[i] != MSG_NO_SLOT) {
			msg_slot_free(l, p->rx_ring[i]);
			p->rx_ring[i] = MSG_NO_SLOT;
		}
	}
	while (p->queue_head != MSG_NO_SLOT) {
		uint16_t idx = p->queue_head;

		p->queue_head = l->slots[idx].next;
		msg_slot_free(l, idx);
		l->stats.tx_flushed++;
	}
	p->queue_tail = MSG_NO_SLOT;
	p->tx_next = p->tx_una = 1;
}

/*
 * Incarnation @epoch of @node has sent us an authentic packet addressed to our incarnation, so
 * it is alive now and knows us. Messages queued before any session keep their sequence numbers
 * (the peer has seen none of them) and go out at the next poll; those queued or in flight in a
 * session with an earlier incarnation are lost, and the layer above is told.
 */
static void msg_session_start(struct msg_layer *l, uint16_t node, uint64_t epoch, uint64_t now)
{
	struct msg_peer *p = &l->peers[node];
	bool restarted = p->epoch != 0;

	if (restarted)
		msg_peer_flush(l, p);
	p->epoch = epoch;
	p->rx_next = 1;
	p->rx_pkt_max = 0;
	p->rx_pkt_bits = 0;
	p->ack_pending = false;
	for (uint32_t seq = p->tx_una; seq != p->tx_next; seq++)
		l->slots[p->tx_ring[seq % MSG_WINDOW]].due_ns = now;
	/* If we learnt its epoch from a probe answer, it does not know we did: say so now. */
	p->hello_due_ns = now;
	msg_wake_at(l, now);
	l->stats.sessions++;
	if (restarted && l->ops.peer_reset)
		l->ops.peer_reset(l->ops.ctx, node);
}

static int msg_drop(struct msg_layer *l, int why)
{
	l->stats.drops[why]++;
	return why;
}

/*
 * A probe: the sender has no session with us and asks for our epoch. Anyone can replay an old
 * probe, so it changes no state; the answer goes to the real node (rate-limited), which starts
 * the session only if the answer names its current epoch.
 */
static int msg_rx_probe(struct msg_layer *l, const struct msg_hdr *h, uint64_t now)
{
	struct msg_peer *p = &l->peers[h->src];

	if (h->src_epoch < p->epoch)
		return msg_drop(l, MSG_DROP_STALE);
	l->stats.rx_packets++;
	l->stats.rx_probes++;
	if (now >= p->probe_reply_ns) {
		p->probe_reply_ns = now + l->rto_min_ns;
		msg_send_control(l, h->src, MSG_T_HELLO, h->src_epoch);
	}
	return MSG_DROP_NONE;
}

/* Packet numbers never repeat within a session: accept each at most once, and none too old. */
static int msg_replay_check(const struct msg_peer *p, uint64_t n)
{
	if (n > p->rx_pkt_max)
		return MSG_DROP_NONE;
	if (p->rx_pkt_max - n >= MSG_REPLAY_WINDOW || (p->rx_pkt_bits >> (p->rx_pkt_max - n) & 1))
		return MSG_DROP_REPLAY;
	return MSG_DROP_NONE;
}

static void msg_replay_mark(struct msg_peer *p, uint64_t n)
{
	if (n > p->rx_pkt_max) {
		uint64_t shift = n - p->rx_pkt_max;

		p->rx_pkt_bits = shift >= MSG_REPLAY_WINDOW ? 0 : p->rx_pkt_bits << shift;
		p->rx_pkt_bits |= 1;
		p->rx_pkt_max = n;
	} else {
		p->rx_pkt_bits |= 1ULL << (p->rx_pkt_max - n);
	}
}

/*
 * The ack may lag (reordering) but may not cover a message we never sent, and SACK bits may
 * only name messages sent after the acknowledged one.
 */
static int msg_ack_check(const struct msg_peer *p, const struct msg_hdr *h)
{
	uint32_t sent_after = p->tx_next - 1 - h->ack;
	uint32_t sackable = sent_after ? sent_after - 1 : 0;

	if (msg_seq_before(p->tx_next - 1, h->ack))
		return MSG_DROP_BAD_ACK;
	if (msg_seq_before(h->ack, p->tx_una - 1))
		return MSG_DROP_NONE; /* stale, ignored by msg_rx_ack() */
	if (sackable < 32 && (h->sack >> sackable) != 0)
		return MSG_DROP_BAD_ACK;
	return MSG_DROP_NONE;
}

/* Decide whether an authentic in-session packet is current; start a session if it is new. */
static int msg_rx_admit(struct msg_layer *l, const struct msg_hdr *h, uint64_t now)
{
	struct msg_peer *p = &l->peers[h->src];
	int why;

	if (h->dst_epoch != l->epoch || h->src_epoch < p->epoch)
		return MSG_DROP_STALE;
	if (h->src_epoch > p->epoch) {
		/* A new incarnation cannot have received anything from us yet. */
		if (h->ack != 0 || h->sack != 0)
			return MSG_DROP_BAD_ACK;
		msg_session_start(l, h->src, h->src_epoch, now);
	} else {
		why = msg_replay_check(p, h->pkt_num);
		if (why == MSG_DROP_NONE)
			why = msg_ack_check(p, h);
		if (why != MSG_DROP_NONE)
			return why;
	}
	msg_replay_mark(p, h->pkt_num);
	return MSG_DROP_NONE;
}

/* A round-trip sample of @r ns into the peer's estimate (RFC 6298 2.2-2.3: gains 1/8, 1/4). */
static void msg_rtt_sample(struct msg_peer *p, uint64_t r)
{
	uint32_t rs = r > UINT32_MAX ? UINT32_MAX : (uint32_t)r, diff;

	if (!p->srtt_ns) {
		p->srtt_ns = rs ? rs : 1;
		p->rttvar_ns = rs / 2;
		return;
	}
	diff = p->srtt_ns > rs ? p->srtt_ns - rs : rs - p->srtt_ns;
	p->rttvar_ns = p->rttvar_ns - p->rttvar_ns / 4 + diff / 4;
	p->srtt_ns = p->srtt_ns - p->srtt_ns / 8 + rs / 8;
	if (!p->srtt_ns)
		p->srtt_ns = 1;
}

/* Does the peer hold every packet sent to it after the first unacknowledged one? */
static bool msg_rest_held(const struct msg_layer *l, const struct msg_peer *p)
{
	for (uint32_t seq = p->tx_una + 1; seq != p->tx_next; seq++)
		if (!l->slots[p->tx_ring[seq % MSG_WINDOW]].sacked)
			return false;
	return true;
}

/*
 * Free what @h acknowledges and mark what the peer holds out of order. The newest message
 * acknowledged gives a round-trip sample, unless it went out more than once (Karn: the ack may
 * answer either copy; but see MSG_RTO_SHIFT_MAX) or the peer held it (SACKed: this ack waited
 * for a gap to be filled). A peer that holds messages beyond the first unacknowledged one
 * lacks that one: it goes again now rather than at its timeout (a fast retransmission) when the
 * peer holds three beyond it (TCP's three duplicate acks), or every packet sent after it (the
 * first part of a page whose other two came: nothing more will come to show the gap), and it
 * went out once; or when it last
 * went out a round trip ago (at least rto_floor, and half its own backed-off timeout: a message
 * lost again and again still backs off): a packet that is only late (reordering) shows the
 * same gap for a while.
 */
static void msg_rx_ack(struct msg_layer *l, struct msg_peer *p, const struct msg_hdr *h,
		       uint64_t now)
{
	uint64_t sample = 0;
	bool sampled = false;

	if (msg_seq_before(h->ack, p->tx_una - 1))
		return;
	while (msg_seq_before(p->tx_una, h->ack + 1)) {
		uint16_t *ring = &p->tx_ring[p->tx_una % MSG_WINDOW];

		const struct msg_slot *s = &l->slots[*ring];

		uint64_t last = s->due_ns - s->rto_ns; /* its last transmission */

		/* (the newest decides: the ack answered it) */
		sampled = !s->sacked && ((s->tries == 1 && now >= s->sent_ns) ||
					 (p->rto_shift == MSG_RTO_SHIFT_MAX && now >= last));
		sample = s->tries == 1 ? now - s->sent_ns : now - last;
		msg_slot_free(l, *ring);
		*ring = MSG_NO_SLOT;
		p->tx_una++;
	}
	if (sampled) {
		msg_rtt_sample(p, sample);
		p->rto_shift = 0;
	}
	for (uint32_t i = 0; i < 32; i++) {
		uint32_t seq = h->ack + 2 + i;
		uint16_t idx = p->tx_ring[seq % MSG_WINDOW];

		if ((h->sack >> i & 1) && idx != MSG_NO_SLOT && l->slots[idx].seq == seq)
			l->slots[idx].sacked = 1;
	}
	if (h->sack && p->tx_una == h->ack + 1 && p->tx_una != p->tx_next) {
		struct msg_slot *s = &l->slots[p->tx_ring[p->tx_una % MSG_WINDOW]];
		uint64_t last = s->due_ns - s->rto_ns; /* its last transmission */
		uint64_t rtt = p->srtt_ns > l->rto_floor_ns ? p->srtt_ns : l->rto_floor_ns;

		if (rtt < s->rto_ns / 2)
			rtt = s->rto_ns / 2;
		bool old = now >= last && now - last >= rtt;

		if (!s->sacked && s->tries && s->due_ns > now &&
		    ((s->tries == 1 && (__builtin_popcount(h->sack) >= 3 || msg_rest_held(l, p))) ||
		     old))
			msg_transmit_slot(l, s, now, true);
	}
}

/*
 * Keep @data, a part of a message with more to come, or, when it is the last, put the message
 * together in l->joined and return its length. Returns -1 while parts are missing, and when
 * the parts do not make a message (more than MSG_MAX_PARTS or MSG_MAX_PAYLOAD bytes, or types
 * that differ: only an authentic peer with a bug sends that): then they are counted and dropped
 * up to and including the part without MSG_F_MORE.
 */
static int msg_rx_join(struct msg_layer *l, struct msg_peer *p, uint16_t node, uint8_t type,
		       uint8_t flags, const uint8_t *data, uint16_t len)
{
	bool more = flags & MSG_F_MORE;
	size_t off = 0;

	if (p->part_skip) {
		p->part_skip = more;
		return -1;
	}
	if (p->nr_parts && l->slots[p->part[0]].type != type)
		goto bad;
	if (more) {
		uint16_t idx;
		struct msg_slot *s;

		if (p->nr_parts == MSG_MAX_PARTS - 1)
			goto bad;
		s = msg_slot_alloc(l, &idx); /* from the part reserve: there is one */
		s->state = MSG_SLOT_PART;
		s->peer = node;
		s->type = type;
		s->len = len;
		memcpy(s->buf + MSG_HDR_SIZE, data, len);
		p->part[p->nr_parts++] = idx;
		l->parts_held++;
		return -1;
	}
	/* (every part but the last is MSG_PART_MAX bytes: msg_wire_check()) */
	if ((size_t)p->nr_parts * MSG_PART_MAX + len > MSG_MAX_PAYLOAD)
		goto bad;
	for (uint8_t i = 0; i < p->nr_parts; i++) {
		const struct msg_slot *s = &l->slots[p->part[i]];

		memcpy(l->joined + off, s->buf + MSG_HDR_SIZE, s->len);
		off += s->len;
	}
	memcpy(l->joined + off, data, len);
	msg_parts_drop(l, p);
	return (int)(off + len);
bad:
	msg_parts_drop(l, p);
	p->part_skip = more;
	l->stats.rx_bad_parts++;
	return -1;
}

/*
 * Take the next part in order, and deliver the message it completes. rx_next moves and the
 * ack is scheduled first, so a reply sent from the callback carries the acknowledgement of
 * this very message.
 */
static void msg_rx_deliver(struct msg_layer *l, uint16_t node, uint8_t type, uint8_t flags,
			   const uint8_t *data, uint16_t len, uint64_t now)
{
	struct msg_peer *p = &l->peers[node];

	p->rx_next++;
	msg_ack_later(l, p, now + l->ack_delay_ns);
	if ((flags & MSG_F_MORE) || p->nr_parts || p->part_skip) {
		int joined = msg_rx_join(l, p, node, type, flags, data, len);

		if (joined < 0)
			return;
		data = l->joined;
		len = (uint16_t)joined;
	}
	l->stats.delivered++;
	l->ops.deliver(l->ops.ctx, node, type, data, len);
}

/* Can a message of @type be taken now (struct msg_ops, ready)? */
static bool msg_rx_ready(struct msg_layer *l, uint8_t type)
{
	if (!l->ops.ready || l->ops.ready(l->ops.ctx, type))
		return true;
	l->stats.rx_not_ready++;
	return false;
}

/* Deliver the held messages that are now in order. */
static void msg_rx_drain(struct msg_layer *l, uint16_t node, uint64_t now)
{
	struct msg_peer *p = &l->peers[node];

	for (;;) {
		uint16_t *ring = &p->rx_ring[p->rx_next % MSG_WINDOW];
		uint16_t idx = *ring;
		struct msg_slot *s;

		if (idx == MSG_NO_SLOT || l->slots[idx].seq != p->rx_next ||
		    !msg_rx_ready(l, l->slots[idx].type))
			return;
		*ring = MSG_NO_SLOT;
		s = &l->slots[idx];
		msg_rx_deliver(l, node, s->type, s->flags, s->buf + MSG_HDR_SIZE, s->len, now);
		msg_slot_free(l, idx);
	}
}

void msg_rx_retry(struct msg_layer *l)
{
	uint64_t now = l->ops.now_ns(l->ops.ctx);

	for (uint16_t node = 0; node < l->id.nr_nodes; node++)
		if (node != l->id.self && l->peers[node].epoch)
			msg_rx_drain(l, node, now);
}

/* Keep an out-of-order message, unless held already or out-of-order buffers are used up. */
static void msg_rx_hold(struct msg_layer *l, struct msg_peer *p, const struct msg_hdr *h,
			const uint8_t *payload)
{
	uint16_t *ring = &p->rx_ring[h->seq % MSG_WINDOW];
	struct msg_slot *s = NULL;
	uint16_t idx;

	if (*ring != MSG_NO_SLOT) {
		l->stats.rx_dup++;
		return;
	}
	if (l->rx_held < l->rx_limit)
		s = msg_slot_alloc(l, &idx);
	if (!s) {
		l->stats.rx_no_buffer++;
		return;
	}
	s->state = MSG_SLOT_RX;
	s->seq = h->seq;
	s->type = h->type;
	s->flags = (uint8_t)h->flags;
	s->len = h->len;
	s->peer = h->src;
	memcpy(s->buf + MSG_HDR_SIZE, payload, h->len);
	*ring = idx;
	l->rx_held++;
	l->stats.rx_held++;
}

static void msg_rx_data(struct msg_layer *l, const struct msg_hdr *h, const uint8_t *payload,
			uint64_t now)
{
	struct msg_peer *p = &l->peers[h->src];
	uint32_t ahead = h->seq - p->rx_next;

	if (ahead == 0) {
		uint16_t idx = p->rx_ring[p->rx_next % MSG_WINDOW];

		if (idx != MSG_NO_SLOT && l->slots[idx].seq == p->rx_next) {
			/* held already, waiting for ready(): the held copy goes first */
			l->stats.rx_dup++;
		} else if (msg_rx_ready(l, h->type)) {
			msg_rx_deliver(l, h->src, h->type, (uint8_t)h->flags, payload, h->len, now);
		} else {
			return; /* not taken: the peer sends it again */
		}
		msg_rx_drain(l, h->src, now);
		return;
	}
	/* Anything else means the sender is missing an ack or the SACK of a hole: ack at once. */
	if (msg_seq_before(h->seq, p->rx_next))
		l->stats.rx_dup++;
	else if (ahead >= MSG_WINDOW)
		l->stats.rx_beyond_window++;
	else
		msg_rx_hold(l, p, h, payload);
	msg_ack_later(l, p, now);
}

int msg_input(struct msg_layer *l, const void *pkt, size_t len)
{
	struct msg_hdr h;
	uint64_t now;
	int why;

	why = msg_wire_check(&l->id, pkt, len, &h);
	if (why != MSG_DROP_NONE)
		return msg_drop(l, why);
	now = l->ops.now_ns(l->ops.ctx);
	if (h.dst_epoch == 0)
		return msg_rx_probe(l, &h, now);
	why = msg_rx_admit(l, &h, now);
	if (why != MSG_DROP_NONE)
		return msg_drop(l, why);
	l->stats.rx_packets++;
	l->peers[h.src].last_heard_ns = now;
	msg_rx_ack(l, &l->peers[h.src], &h, now);
	msg_tx_fill_window(l, h.src, now);
	if (h.type >= MSG_T_USER)
		msg_rx_data(l, &h, (const uint8_t *)pkt + MSG_HDR_SIZE, now);
	return MSG_DROP_NONE;
}
