// SPDX-License-Identifier: GPL-2.0-only
/*
 * Behaviour of the message layer on a clean simulated network (tests/net/simnet.c): sessions
 * and messages queued before them, the send window, the send queue and the buffer pool running
 * full, a page with an upper-layer header in one message, the retransmission backoff and its
 * cap, the timeout following the measured round trip, a gap SACK shows sent again at once,
 * selective acks, sequence numbers wrapping, piggy-backed acknowledgements, silent-peer
 * reports, a peer restarting, node ids up to 255, and the argument checks of the API.
 */
#include "net/msg.h"
#include "net/msg_wire.h"
#include "tests/net/simnet.h"
#include "tests/unit/check.h"

#define MS 1000000ULL

/* Drop every packet from or to the nodes marked here (with msg_test_filter installed). */
static bool msg_test_cut[SIM_MAX_NODES];

static struct sim *msg_test_cluster(uint16_t nr_nodes, uint16_t nr_started, uint32_t nr_slots)
{
	struct sim *s = sim_new(42, nr_nodes);

	memset(msg_test_cut, 0, sizeof(msg_test_cut));
	for (uint16_t i = 0; i < nr_started; i++)
		sim_start_node(s, i, nr_slots, 100 * (i + 1));
	return s;
}

static bool msg_test_filter(struct sim *s, uint16_t src, uint16_t dst, const uint8_t *pkt,
			    size_t len)
{
	return !msg_test_cut[src] && !msg_test_cut[dst];
}

TEST(messages_queued_before_the_session)
{
	struct sim *s = msg_test_cluster(3, 3, 32);

	/* No poll has run: node 0 knows no epoch yet, so these wait for the handshake. */
	CHECK(msg_peer_all_acked(&s->node[0]->l, 2));
	for (int i = 0; i < 5; i++)
		CHECK_EQ(msg_send(&s->node[0]->l, 2, MSG_T_PING, &i, sizeof(i)), 0);
	CHECK_EQ(s->node[0]->l.stats.tx_data, 0);
	CHECK(!msg_peer_all_acked(&s->node[0]->l, 2)); /* queued */
	CHECK(msg_peer_all_acked(&s->node[0]->l, 1));
	CHECK(msg_peer_all_acked(&s->node[0]->l, 0)); /* ourselves */
	sim_advance(s, s->now + 20 * MS);
	CHECK_EQ(s->node[2]->delivered, 5);
	CHECK(msg_peer_all_acked(&s->node[0]->l, 2));
	for (int i = 0; i < 3; i++) {
		CHECK_EQ(s->node[i]->l.stats.sessions, 2);
		CHECK_EQ(s->node[i]->l.stats.tx_retrans, 0);
	}
	CHECK_EQ(s->node[0]->l.peers[2].epoch, 300);
	CHECK_EQ(s->node[2]->l.peers[0].epoch, 100);
	sim_free(s);
}

TEST(window_queue_and_pool_full)
{
	static uint8_t big[MSG_MAX_PAYLOAD];
	struct sim *s = msg_test_cluster(3, 3, 48);
	struct msg_layer *a = &s->node[0]->l;
	uint64_t sent;

	sim_advance(s, s->now + 20 * MS);
	s->filter = msg_test_filter;
	msg_test_cut[1] = true;
	sent = a->stats.tx_data;
	/*
	 * 48 slots: 2 per peer kept for the parts of messages received in order, half the
	 * rest for out-of-order data: 22 one-part messages fit, in any mix of peers.
	 */
	CHECK_EQ(msg_send_room(a), 22);
	for (int i = 0; i < 21; i++)
		CHECK_EQ(msg_send(a, 1, MSG_T_PING, &i, sizeof(i)), 0);
	CHECK_EQ(msg_send(a, 2, MSG_T_PING, "y", 1), 0);
	CHECK_EQ(msg_send(a, 2, MSG_T_PING, "z", 1), -MSG_E_AGAIN);
	CHECK_EQ(msg_send(a, 1, MSG_T_PING, "z", 1), -MSG_E_AGAIN);
	/* Only a window's worth went out to node 1; the rest wait in its queue. */
	CHECK_EQ(a->stats.tx_data - sent, MSG_WINDOW + 1);
	CHECK_EQ(a->peers[1].tx_next - a->peers[1].tx_una, MSG_WINDOW);
	msg_test_cut[1] = false;
	sim_advance(s, s->now + 100 * MS);
	CHECK_EQ(s->node[1]->delivered, 21);
	CHECK_EQ(s->node[2]->delivered, 1);
	CHECK_EQ(a->nr_free, 48);
	CHECK_EQ(msg_send(a, 1, MSG_T_PING, "x", 1), 0);
	sim_free(s);

	/* The smallest pool for 3 nodes, 10 slots: 3 one-part messages, whatever the peer, or
	 * one message of 3 parts, all its parts or none. */
	CHECK_EQ(msg_min_slots(3), 10);
	s = msg_test_cluster(3, 3, 10);
	a = &s->node[0]->l;
	sim_advance(s, s->now + 20 * MS);
	s->filter = msg_test_filter;
	msg_test_cut[0] = true;
	CHECK_EQ(msg_send_room(a), MSG_MAX_PARTS);
	for (int i = 0; i < 2; i++)
		CHECK_EQ(msg_send(a, (uint16_t)(1 + i % 2), MSG_T_PING, &i, sizeof(i)), 0);
	CHECK_EQ(msg_send(a, 1, MSG_T_PING, big, MSG_PART_MAX + 1), -MSG_E_AGAIN);
	CHECK_EQ(a->nr_free, 8);
	CHECK_EQ(msg_send(a, 2, MSG_T_PING, "x", 1), 0);
	CHECK_EQ(msg_send(a, 1, MSG_T_PING, "x", 1), -MSG_E_AGAIN);
	CHECK_EQ(msg_send(a, 2, MSG_T_PING, "x", 1), -MSG_E_AGAIN);
	msg_test_cut[0] = false;
	sim_advance(s, s->now + 50 * MS);
	CHECK_EQ(s->node[1]->delivered + s->node[2]->delivered, 3);
	CHECK_EQ(a->nr_free, 10);
	CHECK_EQ(msg_send(a, 1, MSG_T_PING, big, MSG_MAX_PAYLOAD), 0);
	CHECK_EQ(msg_send_room(a), 0);
	sim_advance(s, s->now + 50 * MS);
	CHECK_EQ(s->node[1]->delivered, 2);
	CHECK_EQ(a->nr_free, 10);
	sim_free(s);
}

static uint8_t msg_test_got[MSG_MAX_PAYLOAD];
static size_t msg_test_got_len;

static void msg_test_keep(struct sim_node *n, uint16_t src, uint8_t type, const void *data,
			  size_t len)
{
	CHECK_EQ(type, MSG_T_DSM);
	memcpy(msg_test_got, data, len);
	msg_test_got_len = len;
}

/* A DSM grant: its 24-byte header and the page, gathered into one message. */
TEST(page_with_upper_header)
{
	struct sim *s = msg_test_cluster(2, 2, 16);
	uint8_t head[24], page[MSG_PAGE_SIZE], big[MSG_MAX_PAYLOAD + 1] = { 0 };

	for (size_t i = 0; i < sizeof(head); i++)
		head[i] = (uint8_t)(0xd0 + i);
	for (size_t i = 0; i < sizeof(page); i++)
		page[i] = (uint8_t)(i * 7);
	s->node[1]->on_deliver = msg_test_keep;
	sim_advance(s, s->now + 20 * MS);
	CHECK_EQ(msg_send_parts(&s->node[0]->l, 1, MSG_T_DSM, head, sizeof(head), page,
				sizeof(page)),
		 0);
	sim_advance(s, s->now + 5 * MS);
	CHECK_EQ(msg_test_got_len, sizeof(head) + sizeof(page));
	CHECK(memcmp(msg_test_got, head, sizeof(head)) == 0);
	CHECK(memcmp(msg_test_got + sizeof(head), page, sizeof(page)) == 0);
	CHECK_EQ(msg_send_parts(&s->node[0]->l, 1, MSG_T_DSM, big, MSG_MAX_UPPER_HDR + 1, page,
				sizeof(page)),
		 -MSG_E_INVAL);
	CHECK_EQ(msg_send(&s->node[0]->l, 1, MSG_T_DSM, big, sizeof(big)), -MSG_E_INVAL);
	CHECK_EQ(msg_send(&s->node[0]->l, 1, MSG_T_DSM, big, MSG_MAX_PAYLOAD), 0);
	sim_advance(s, s->now + 5 * MS);
	CHECK_EQ(msg_test_got_len, MSG_MAX_PAYLOAD);
	sim_free(s);
}

static uint64_t msg_test_tx_at[64];
static int msg_test_ntx;

static void msg_test_tap_data(struct sim *s, uint16_t src, uint16_t dst, const uint8_t *pkt,
			      size_t len)
{
	if (src == 0 && pkt[MSG_OFF_TYPE] == MSG_T_PING && msg_test_ntx < 64)
		msg_test_tx_at[msg_test_ntx++] = s->now;
}

TEST(backoff_doubles_up_to_the_cap)
{
	struct sim *s = msg_test_cluster(2, 2, 32);
	uint64_t rto = s->cfg.rto_min_ns;

	sim_advance(s, s->now + 20 * MS);
	s->filter = msg_test_filter;
	s->tap = msg_test_tap_data;
	msg_test_ntx = 0;
	msg_test_cut[1] = true;
	CHECK_EQ(msg_send(&s->node[0]->l, 1, MSG_T_PING, "late", 4), 0);
	sim_advance(s, s->now + 200 * MS);
	/* 2, 4, 8, 16 ms, then 16 ms (the cap) for the rest of the 200 ms. */
	CHECK_EQ(msg_test_ntx, 1 + 4 + (200 - 30) / 16);
	for (int i = 1; i < msg_test_ntx; i++) {
		CHECK_EQ(msg_test_tx_at[i] - msg_test_tx_at[i - 1], rto);
		rto = rto * 2 < s->cfg.rto_max_ns ? rto * 2 : s->cfg.rto_max_ns;
	}
	CHECK_EQ(s->node[0]->l.stats.tx_retrans, msg_test_ntx - 1);
	/* Once through, it is delivered once and retransmissions stop. */
	msg_test_cut[1] = false;
	sim_advance(s, s->now + 40 * MS);
	CHECK_EQ(s->node[1]->delivered, 1);
	msg_test_ntx = 0;
	sim_advance(s, s->now + 200 * MS);
	CHECK_EQ(msg_test_ntx, 0);
	sim_free(s);
}

static int msg_test_drops_left;

/* Drop the next msg_test_drops_left data packets, once each. */
static bool msg_test_drop_data(struct sim *s, uint16_t src, uint16_t dst, const uint8_t *pkt,
			       size_t len)
{
	if (pkt[MSG_OFF_TYPE] < MSG_T_USER || msg_test_drops_left == 0)
		return true;
	msg_test_drops_left--;
	return false;
}

static uint32_t msg_test_first;

/* Drop every copy of the first data message until msg_test_until (so the others' timeouts
 * come while the peer holds them); count every data packet's copies. */
static uint64_t msg_test_until;
static int msg_test_copies[64];

static bool msg_test_drop_first(struct sim *s, uint16_t src, uint16_t dst, const uint8_t *pkt,
				size_t len)
{
	uint32_t seq;

	if (pkt[MSG_OFF_TYPE] < MSG_T_USER)
		return true;
	memcpy(&seq, pkt + MSG_OFF_SEQ, sizeof(seq));
	if (seq < 64)
		msg_test_copies[seq]++;
	return seq != msg_test_first || s->now >= msg_test_until;
}

TEST(sack_spares_retransmissions)
{
	struct sim *s = msg_test_cluster(2, 2, 64);
	struct msg_layer *a = &s->node[0]->l;

	sim_advance(s, s->now + 20 * MS);
	memset(msg_test_copies, 0, sizeof(msg_test_copies));
	msg_test_first = a->peers[1].tx_next;
	msg_test_until = s->now + 3 * MS; /* past the others' first timeout, 2 ms */
	s->filter = msg_test_drop_first;
	for (int i = 0; i < 10; i++)
		CHECK_EQ(msg_send(a, 1, MSG_T_PING, &i, sizeof(i)), 0);
	sim_advance(s, s->now + 50 * MS);
	/* The other nine were held and reported: only the lost one went again. */
	CHECK_EQ(s->node[1]->delivered, 10);
	CHECK_EQ(s->node[1]->l.stats.rx_held, 9);
	CHECK(msg_test_copies[msg_test_first] > 1);
	for (uint32_t seq = msg_test_first + 1; seq < msg_test_first + 10; seq++)
		CHECK_EQ(msg_test_copies[seq], 1);
	sim_free(s);
}

static void msg_test_reply(struct sim_node *n, uint16_t src, uint8_t type, const void *data,
			   size_t len);

/* With a 3 ms one-way latency the 2 ms first timeout fires before every ack; the timeouts
 * back off (rto_shift) until one message is acknowledged at its first transmission, and from
 * then on the timeout follows the measured round trip: no more retransmissions. */
TEST(rto_follows_the_measured_round_trip)
{
	struct sim *s = msg_test_cluster(2, 2, 32);
	struct msg_layer *a = &s->node[0]->l;
	uint64_t before, rto;

	s->f.latency_ns = 3 * MS;
	s->node[1]->on_deliver = msg_test_reply;
	sim_advance(s, s->now + 20 * MS);
	CHECK_EQ(msg_rto(a, &a->peers[1]), s->cfg.rto_min_ns); /* nothing measured yet */
	for (int i = 0; i < 10; i++) {
		CHECK_EQ(msg_send(a, 1, MSG_T_PING, &i, sizeof(i)), 0);
		sim_advance(s, s->now + 20 * MS);
	}
	CHECK(a->stats.tx_retrans > 0);
	CHECK(a->peers[1].srtt_ns >= 6 * MS && a->peers[1].srtt_ns < 7 * MS);
	rto = msg_rto(a, &a->peers[1]);
	CHECK(rto >= 6 * MS && rto <= s->cfg.rto_max_ns);
	before = a->stats.tx_retrans;
	for (int i = 0; i < 20; i++) {
		CHECK_EQ(msg_send(a, 1, MSG_T_PING, &i, sizeof(i)), 0);
		sim_advance(s, s->now + 20 * MS);
	}
	CHECK_EQ(a->stats.tx_retrans, before);
	CHECK_EQ(s->node[0]->delivered, 30);
	/* On a fast network the timeout comes down to the floor, far under rto_min. */
	s->f.latency_ns = 50000;
	for (int i = 0; i < 40; i++) {
		CHECK_EQ(msg_send(a, 1, MSG_T_PING, &i, sizeof(i)), 0);
		sim_advance(s, s->now + 2 * MS);
	}
	CHECK_EQ(msg_rto(a, &a->peers[1]), 1000000); /* the default floor, 1 ms */
	sim_free(s);
}

/* Two nodes with a 10 ms timeout, in session, the next data packet from either to be lost. */
static struct sim *msg_test_lose_next(void)
{
	struct sim *s = sim_new(42, 2);

	s->cfg.rto_min_ns = 10 * MS;
	s->cfg.rto_max_ns = 40 * MS;
	sim_start_node(s, 0, 64, 100);
	sim_start_node(s, 1, 64, 200);
	sim_advance(s, s->now + 20 * MS);
	s->filter = msg_test_drop_data;
	msg_test_drops_left = 1;
	return s;
}

/* A lost message whose successors the peer holds (SACK) goes again at the next ack, long
 * before its timeout. */
TEST(fast_retransmission_of_a_gap_sack_shows)
{
	struct sim *s = msg_test_lose_next();
	struct msg_layer *a = &s->node[0]->l;

	for (int i = 0; i < 10; i++)
		CHECK_EQ(msg_send(a, 1, MSG_T_PING, &i, sizeof(i)), 0);
	sim_advance(s, s->now + 2 * MS); /* a fifth of the timeout */
	CHECK_EQ(s->node[1]->delivered, 10);
	CHECK_EQ(a->stats.tx_retrans, 1);
	CHECK_EQ(a->stats.tx_fast, 1);
	sim_free(s);
}

/* A page whose first part is lost: the peer holds the other two, and nothing more will come
 * to show the gap, so it goes again at once rather than at its timeout. */
TEST(a_lost_first_part_goes_again_when_the_rest_is_held)
{
	static uint8_t page[MSG_MAX_PAYLOAD];
	struct sim *s = msg_test_lose_next();
	struct msg_layer *a = &s->node[0]->l;

	CHECK_EQ(msg_send(a, 1, MSG_T_PING, page, sizeof(page)), 0);
	sim_advance(s, s->now + 2 * MS); /* a fifth of the timeout */
	CHECK_EQ(s->node[1]->delivered, 1);
	CHECK_EQ(a->stats.tx_retrans, 1);
	CHECK_EQ(a->stats.tx_fast, 1);
	sim_free(s);
}

/* A page whose 3 parts are all lost times out once: its parts go again, and the next
 * messages' first timeout doubles once, not once a part. */
TEST(a_page_lost_whole_doubles_the_next_timeout_once)
{
	static uint8_t page[MSG_MAX_PAYLOAD];
	struct sim *s = msg_test_lose_next();
	struct msg_layer *a = &s->node[0]->l;

	msg_test_drops_left = MSG_MAX_PARTS;
	CHECK_EQ(msg_send(a, 1, MSG_T_PING, page, sizeof(page)), 0);
	sim_advance(s, s->now + 100 * MS);
	CHECK_EQ(s->node[1]->delivered, 1);
	CHECK_EQ(a->stats.tx_retrans, MSG_MAX_PARTS);
	CHECK_EQ(a->peers[1].rto_shift, 1);
	sim_free(s);
}

static bool msg_test_pong_ready;
static uint8_t msg_test_types[8];
static int msg_test_ntypes;

static bool msg_test_ready(void *ctx, uint8_t type)
{
	return type != MSG_T_PONG || msg_test_pong_ready;
}

static void msg_test_note_type(struct sim_node *n, uint16_t src, uint8_t type, const void *data,
			       size_t len)
{
	if (msg_test_ntypes < 8)
		msg_test_types[msg_test_ntypes++] = type;
}

/*
 * A message its receiver is not ready for (a handler not registered yet) is neither taken nor
 * acknowledged: it and those after it wait, and it comes again until the receiver is ready;
 * then all arrive once, in order. The first PING is lost, so the PONG waits held out of order
 * too, and its held copy is the one delivered.
 */
TEST(a_message_its_receiver_is_not_ready_for_comes_again)
{
	struct sim *s = msg_test_lose_next();
	struct msg_layer *a = &s->node[0]->l, *b = &s->node[1]->l;

	b->ops.ready = msg_test_ready;
	s->node[1]->on_deliver = msg_test_note_type;
	msg_test_pong_ready = false;
	msg_test_ntypes = 0;
	CHECK_EQ(msg_send(a, 1, MSG_T_PING, "1", 1), 0);
	CHECK_EQ(msg_send(a, 1, MSG_T_PONG, "2", 1), 0);
	CHECK_EQ(msg_send(a, 1, MSG_T_PING, "3", 1), 0);
	sim_advance(s, s->now + 200 * MS);
	CHECK_EQ(s->node[1]->delivered, 1);
	CHECK(b->stats.rx_not_ready > 0);
	CHECK(!msg_peer_all_acked(a, 1));
	msg_test_pong_ready = true;
	msg_rx_retry(b); /* (the PONG waits held: the peer knows, it does not send it again) */
	sim_advance(s, s->now + 1000 * MS);
	CHECK_EQ(s->node[1]->delivered, 3);
	CHECK_EQ(msg_test_ntypes, 3);
	CHECK_EQ(msg_test_types[0], MSG_T_PING);
	CHECK_EQ(msg_test_types[1], MSG_T_PONG);
	CHECK_EQ(msg_test_types[2], MSG_T_PING);
	CHECK(msg_peer_all_acked(a, 1));
	CHECK_EQ(b->nr_free, 64); /* nothing left held */
	CHECK_EQ(b->rx_held, 0);
	sim_free(s);
}

static uint32_t msg_test_next_i;

static void msg_test_in_order(struct sim_node *n, uint16_t src, uint8_t type, const void *data,
			      size_t len)
{
	uint32_t i;

	CHECK_EQ(len, sizeof(i));
	memcpy(&i, data, sizeof(i));
	CHECK_EQ(i, msg_test_next_i);
	msg_test_next_i++;
}

/* Sequence numbers are 32 bits and wrap; nothing may notice, even with loss and reordering. */
TEST(sequence_numbers_wrap)
{
	struct sim *s = msg_test_cluster(2, 2, 64);
	struct msg_layer *a = &s->node[0]->l, *b = &s->node[1]->l;
	uint32_t sent = 0;

	sim_advance(s, s->now + 20 * MS);
	a->peers[1].tx_next = a->peers[1].tx_una = 0xfffffff0u;
	b->peers[0].rx_next = 0xfffffff0u;
	s->node[1]->on_deliver = msg_test_in_order;
	msg_test_next_i = 0;
	s->f = (struct sim_faults){
		.loss_pct = 20, .dup_pct = 10, .latency_ns = 20000, .jitter_ns = 500000
	};
	while (sent < 200) {
		if (msg_send(a, 1, MSG_T_PING, &sent, sizeof(sent)) == 0)
			sent++;
		else
			sim_advance(s, s->now + 200000);
	}
	sim_advance(s, s->now + 500 * MS);
	CHECK_EQ(msg_test_next_i, 200);
	CHECK_EQ(b->peers[0].rx_next, 0xfffffff0u + 200);
	CHECK(a->stats.tx_retrans > 0 && b->stats.rx_held > 0);
	CHECK_EQ(a->stats.drops[MSG_DROP_BAD_ACK] + b->stats.drops[MSG_DROP_BAD_ACK], 0);
	sim_free(s);
}

static void msg_test_reply(struct sim_node *n, uint16_t src, uint8_t type, const void *data,
			   size_t len)
{
	if (type == MSG_T_PING)
		CHECK_EQ(msg_send(&n->l, src, MSG_T_PONG, data, len), 0);
}

TEST(replies_carry_the_ack)
{
	struct sim *s = msg_test_cluster(2, 2, 32);
	struct msg_stats a0, b0;

	s->node[1]->on_deliver = msg_test_reply;
	sim_advance(s, s->now + 20 * MS);
	a0 = s->node[0]->l.stats;
	b0 = s->node[1]->l.stats;
	for (int i = 0; i < 50; i++) {
		CHECK_EQ(msg_send(&s->node[0]->l, 1, MSG_T_PING, &i, sizeof(i)), 0);
		sim_advance(s, s->now + 1 * MS);
	}
	CHECK_EQ(s->node[0]->delivered, 50);
	/*
	 * B acked every ping inside its pong; A, which does not answer pongs, acked them alone
	 * (but for the few its heartbeats carried).
	 */
	CHECK_EQ(s->node[1]->l.stats.tx_acks - b0.tx_acks, 0);
	CHECK(s->node[0]->l.stats.tx_acks - a0.tx_acks >= 45);
	CHECK_EQ(s->node[0]->l.stats.tx_retrans + s->node[1]->l.stats.tx_retrans, 0);
	sim_free(s);
}

TEST(silent_peers_are_reported)
{
	struct sim *s = msg_test_cluster(4, 3, 32); /* node 3 is configured but never starts */
	uint16_t out[4];
	uint64_t died;

	sim_advance(s, s->now + 50 * MS);
	CHECK_EQ(msg_peers_silent(&s->node[0]->l, s->now, 30 * MS, out, 4), 1);
	CHECK_EQ(out[0], 3);
	CHECK(msg_peer_last_heard(&s->node[0]->l, 2) + 10 * MS >= s->now);
	CHECK_EQ(msg_peer_last_heard(&s->node[0]->l, 3), 0);
	s->filter = msg_test_filter;
	msg_test_cut[2] = true;
	died = s->now;
	sim_advance(s, died + 20 * MS);
	CHECK_EQ(msg_peers_silent(&s->node[0]->l, s->now, 30 * MS, out, 4), 1);
	sim_advance(s, died + 45 * MS);
	CHECK_EQ(msg_peers_silent(&s->node[0]->l, s->now, 30 * MS, out, 4), 2);
	CHECK_EQ(out[0], 2);
	CHECK_EQ(out[1], 3);
	CHECK_EQ(msg_peers_silent(&s->node[0]->l, s->now, 30 * MS, out, 1), 2);
	msg_test_cut[2] = false;
	sim_advance(s, s->now + 20 * MS);
	CHECK_EQ(msg_peers_silent(&s->node[0]->l, s->now, 30 * MS, out, 4), 1);
	sim_free(s);
}

static uint8_t msg_test_old[MSG_MAX_PACKET];
static size_t msg_test_old_len;

static void msg_test_keep_ping(struct sim *s, uint16_t src, uint16_t dst, const uint8_t *pkt,
			       size_t len)
{
	if (src == 0 && dst == 1 && pkt[MSG_OFF_TYPE] == MSG_T_PING && !msg_test_old_len) {
		memcpy(msg_test_old, pkt, len);
		msg_test_old_len = len;
	}
}

TEST(peer_restart)
{
	struct sim *s = msg_test_cluster(2, 2, 32);
	struct msg_layer *a = &s->node[0]->l;
	uint64_t stale;

	sim_advance(s, s->now + 20 * MS);
	s->tap = msg_test_keep_ping;
	s->filter = msg_test_filter;
	msg_test_old_len = 0;
	CHECK_EQ(msg_send(a, 1, MSG_T_PING, "one", 3), 0);
	sim_advance(s, s->now + 5 * MS);
	CHECK_EQ(s->node[1]->delivered, 1);
	/* Three more are in flight when B dies and comes back as a new incarnation. */
	msg_test_cut[1] = true;
	for (int i = 0; i < 3; i++)
		CHECK_EQ(msg_send(a, 1, MSG_T_PING, &i, sizeof(i)), 0);
	sim_advance(s, s->now + 5 * MS);
	sim_flush(s);
	sim_start_node(s, 1, 32, 201);
	s->node[1]->delivered = 0;
	msg_test_cut[1] = false;
	sim_advance(s, s->now + 50 * MS);
	CHECK_EQ(a->peers[1].epoch, 201);
	CHECK_EQ(s->node[0]->resets, 1);
	CHECK_EQ(a->stats.tx_flushed, 3);
	CHECK_EQ(a->nr_free, 32);
	CHECK_EQ(s->node[1]->delivered, 0);
	/* The new session numbers from 1 again; the old life's packets are stale. */
	CHECK_EQ(msg_send(a, 1, MSG_T_PING, "two", 3), 0);
	sim_advance(s, s->now + 5 * MS);
	CHECK_EQ(s->node[1]->delivered, 1);
	CHECK_EQ(s->node[1]->l.peers[0].rx_next, 2);
	stale = s->node[1]->l.stats.drops[MSG_DROP_STALE];
	CHECK_EQ(msg_input(&s->node[1]->l, msg_test_old, msg_test_old_len), MSG_DROP_STALE);
	CHECK_EQ(s->node[1]->l.stats.drops[MSG_DROP_STALE], stale + 1);
	CHECK_EQ(s->node[1]->delivered, 1);
	sim_free(s);
}

TEST(node_ids_up_to_255)
{
	struct sim *s = sim_new(5, MSG_MAX_NODES);
	uint32_t slots = msg_min_slots(MSG_MAX_NODES) + 64; /* (2 per peer for parts) */
	struct sim_node *lo = sim_start_node(s, 0, slots, 7),
			*hi = sim_start_node(s, 255, slots, 9);
	int sent_lo = 0, sent_hi = 0;

	printf("  per-peer state %zu bytes, %zu for %d nodes; struct msg_layer %zu bytes; a slot "
	       "%zu bytes\n",
	       sizeof(struct msg_peer), sizeof(struct msg_peer) * MSG_MAX_NODES, MSG_MAX_NODES,
	       sizeof(struct msg_layer), sizeof(struct msg_slot));
	sim_advance(s, s->now + 20 * MS);
	while (sent_lo < 100 || sent_hi < 100) {
		uint8_t page[MSG_MAX_PAYLOAD] = { 0 };

		if (sent_lo < 100 && msg_send(&lo->l, 255, MSG_T_PING, page, sizeof(page)) == 0)
			sent_lo++;
		if (sent_hi < 100 && msg_send(&hi->l, 0, MSG_T_PING, page, 1) == 0)
			sent_hi++;
		sim_advance(s, s->now + 100000);
	}
	sim_advance(s, s->now + 20 * MS);
	CHECK_EQ(hi->delivered, 100);
	CHECK_EQ(lo->delivered, 100);
	CHECK_EQ(lo->l.peers[255].epoch, 9);
	CHECK_EQ(hi->l.peers[0].epoch, 7);
	sim_free(s);
}

static void msg_test_nop_send(void *ctx, uint16_t dst, const void *pkt, size_t len)
{
}

static uint64_t msg_test_zero(void *ctx)
{
	return 0;
}

static void msg_test_nop_deliver(void *ctx, uint16_t src, uint8_t type, const void *d, size_t n)
{
}

TEST(api_argument_checks)
{
	static struct msg_layer l;
	static struct msg_slot slots[10];
	struct msg_ops ops = { .send = msg_test_nop_send,
			       .now_ns = msg_test_zero,
			       .deliver = msg_test_nop_deliver };
	struct msg_config good = { .self = 1,
				   .nr_nodes = 3,
				   .epoch = 1,
				   .slots = slots,
				   .nr_slots = 10 },
			  cfg;
	struct msg_ops no_send = ops;

	no_send.send = NULL;
	CHECK_EQ(msg_init(&l, &good, &no_send), -MSG_E_INVAL);
	cfg = good, cfg.nr_nodes = 1;
	CHECK_EQ(msg_init(&l, &cfg, &ops), -MSG_E_INVAL);
	cfg = good, cfg.nr_nodes = MSG_MAX_NODES + 1;
	CHECK_EQ(msg_init(&l, &cfg, &ops), -MSG_E_INVAL);
	cfg = good, cfg.self = 3;
	CHECK_EQ(msg_init(&l, &cfg, &ops), -MSG_E_INVAL);
	cfg = good, cfg.epoch = 0;
	CHECK_EQ(msg_init(&l, &cfg, &ops), -MSG_E_INVAL);
	cfg = good, cfg.nr_slots = msg_min_slots(3) - 1; /* 2 per peer for parts, 3 + 3 */
	CHECK_EQ(msg_init(&l, &cfg, &ops), -MSG_E_INVAL);
	cfg = good, cfg.rto_min_ns = 10, cfg.rto_max_ns = 5;
	CHECK_EQ(msg_init(&l, &cfg, &ops), -MSG_E_INVAL);
	CHECK_EQ(msg_init(&l, &good, &ops), 0);
	CHECK_EQ(msg_send(&l, 1, MSG_T_PING, "x", 1), -MSG_E_INVAL); /* to itself */
	CHECK_EQ(msg_send(&l, 3, MSG_T_PING, "x", 1), -MSG_E_INVAL);
	CHECK_EQ(msg_send(&l, 0, MSG_T_HELLO, NULL, 0), -MSG_E_INVAL);
	CHECK_EQ(msg_send(&l, 0, MSG_T_PING, slots, MSG_MAX_PAYLOAD + 1), -MSG_E_INVAL);
	CHECK_EQ(msg_send(&l, 0, MSG_T_PING, NULL, 1), -MSG_E_INVAL);
	CHECK_EQ(msg_send_parts(&l, 0, MSG_T_PING, "x", 1, NULL, 1), -MSG_E_INVAL);
	CHECK_EQ(msg_send(&l, 0, 255, NULL, 0), 0);
	for (int why = 0; why < MSG_DROP_NR; why++)
		CHECK(msg_drop_name(why)[0] != '?');
}
