// SPDX-License-Identifier: GPL-2.0-only
/*
 * The turns' token protocol (vmm/cluster/turns_token.c) on a simulated network: 2 to 6
 * nodes, a fake clock, messages delivered in order per pair of nodes (as the message
 * layer does) but interleaved at random across pairs. Checked: there is never more than
 * one token (held, or in flight); every node that keeps wanting the turn gets it; a
 * request is served once; the holder keeps its slice, stretched by page waits up to
 * TURNS_MAX_FACTOR; nodes that are down are skipped; a token that cannot be sent stays;
 * malformed, misaddressed and duplicate messages are refused without changing anything.
 */
#include "tests/unit/check.h"
#include "vmm/cluster/turns_token.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXN  6
#define QMAX  4096
#define SLICE 1000000ULL /* 1 ms of fake time */

struct sim_msg {
	u32 src, dst;
	size_t len;
	u8 data[8 + 2 * MAXN];
};

static struct sim {
	u32 n;
	struct turns t[MAXN];
	struct sim_msg q[QMAX];
	u32 nq;
	bool up[MAXN];
	bool fail_sends;
	u64 now, rng;
	u32 tokens_got[MAXN], wants_sent[MAXN];
} s;

static u32 rnd(u32 below)
{
	s.rng = s.rng * 6364136223846793005ULL + 1442695040888963407ULL;
	return (u32)(s.rng >> 33) % below;
}

static int sim_send(void *ctx, u32 to, const void *msg, size_t len)
{
	u32 from = (u32)(uintptr_t)ctx;

	if (s.fail_sends || s.nq == QMAX || len > sizeof(s.q[0].data))
		return -1;
	s.q[s.nq].src = from;
	s.q[s.nq].dst = to;
	s.q[s.nq].len = len;
	memcpy(s.q[s.nq].data, msg, len);
	s.nq++;
	if (((const u8 *)msg)[0] == 1)
		s.wants_sent[from]++;
	return 0;
}

static bool sim_up(void *ctx, u32 n)
{
	return s.up[n];
}

static const struct turns_ops sim_ops = { sim_send, sim_up };

static void sim_init(u32 n, u64 seed)
{
	memset(&s, 0, sizeof(s));
	s.n = n;
	s.rng = seed;
	s.now = 1000;
	for (u32 i = 0; i < n; i++) {
		s.up[i] = true;
		turns_token_init(&s.t[i], &sim_ops, (void *)(uintptr_t)i, i, n, 1, SLICE, s.now);
	}
	s.tokens_got[0] = 1; /* node 0 starts with it */
}

/* Tokens held plus tokens in flight. */
static u32 tokens(void)
{
	u32 k = 0;

	for (u32 i = 0; i < s.n; i++)
		k += s.t[i].have;
	for (u32 m = 0; m < s.nq; m++)
		k += s.q[m].data[0] == 2;
	return k;
}

/* Delivers the oldest message of a random pair (so per-pair order holds). */
static void deliver_one(void)
{
	u32 pick = rnd(s.nq), m;
	struct sim_msg msg;

	for (m = 0; m < pick; m++)
		if (s.q[m].src == s.q[pick].src && s.q[m].dst == s.q[pick].dst)
			break;
	msg = s.q[m];
	memmove(&s.q[m], &s.q[m + 1], (s.nq - m - 1) * sizeof(s.q[0]));
	s.nq--;
	if (!s.up[msg.dst])
		return; /* lost with its node */
	if (turns_token_receive(&s.t[msg.dst], msg.src, msg.data, msg.len, s.now) == 1)
		s.tokens_got[msg.dst]++;
}

/* One step: time passes, a random node polls wanting or not, a few messages arrive. */
static void step(const bool *want)
{
	u32 i = rnd(s.n);

	s.now += rnd(200000);
	if (s.up[i])
		turns_token_poll(&s.t[i], want[i], TURN_HALTED, s.now);
	for (u32 k = rnd(3); k > 0 && s.nq; k--)
		deliver_one();
}

/* Two nodes; node 1 has asked for the turn and node 0, the holder, has heard it. */
static void two_nodes_one_waiting(void)
{
	u8 want_msg[8];

	sim_init(2, 1);
	CHECK(!turns_token_poll(&s.t[1], true, TURN_SLICE, s.now));
	CHECK_EQ(s.nq, 1);
	memcpy(want_msg, s.q[0].data, 8);
	s.nq = 0;
	CHECK_EQ(turns_token_receive(&s.t[0], 1, want_msg, 8, s.now), 0);
	CHECK(turns_token_others_wait(&s.t[0]));
}

TEST(one_token_and_everyone_served)
{
	for (u32 n = 2; n <= MAXN; n++) {
		for (u64 seed = 1; seed <= 20; seed++) {
			bool want[MAXN];
			u32 before[MAXN];

			sim_init(n, seed * 7919 + n);
			/* A random phase: nodes want and stop wanting at random. */
			for (u32 k = 0; k < 20000; k++) {
				for (u32 i = 0; i < n; i++)
					want[i] = rnd(4) != 0;
				step(want);
				if (tokens() != 1) {
					check_fail(__FILE__, __LINE__,
						   "n=%u seed=%llu step %u: %u tokens", n,
						   (unsigned long long)seed, k, tokens());
					return;
				}
			}
			/* Then everyone wants it for good: each must get it again. */
			for (u32 i = 0; i < n; i++) {
				want[i] = true;
				before[i] = s.tokens_got[i];
			}
			for (u32 k = 0; k < 20000 * n; k++)
				step(want);
			for (u32 i = 0; i < n; i++)
				if (s.tokens_got[i] <= before[i] + 1)
					check_fail(__FILE__, __LINE__,
						   "n=%u seed=%llu: node %u got the token %u times "
						   "while every node wanted it",
						   n, (unsigned long long)seed, i,
						   s.tokens_got[i] - before[i]);
			CHECK_EQ(tokens(), 1);
			/* A request is served once: no node got the token more often
			 * than it asked (node 0 had it from the start). */
			for (u32 i = 0; i < n; i++)
				CHECK(s.tokens_got[i] <= s.wants_sent[i] / (n - 1) + 1 + (i == 0));
		}
	}
}

TEST(a_node_that_stops_wanting_is_not_served_again)
{
	bool want[3] = { true, true, false };

	sim_init(3, 42);
	for (u32 k = 0; k < 50000; k++)
		step(want);
	CHECK_EQ(s.tokens_got[2], 0);
	CHECK_EQ(s.wants_sent[2], 0);
	CHECK(s.tokens_got[1] > 10);
	CHECK(s.tokens_got[0] > 10);
}

TEST(the_holder_keeps_its_slice_stretched_by_page_waits)
{
	struct turns *t0 = &s.t[0];

	two_nodes_one_waiting();
	/* Node 0 wants to run: it keeps the token for its slice. */
	CHECK_EQ_U64(turns_token_deadline(t0), s.now - 0 + SLICE - (s.now - t0->since));
	s.now = t0->since + SLICE / 2;
	CHECK(!turns_token_poll(t0, true, TURN_SLICE, s.now));
	CHECK(t0->have);
	/* Its vCPU waited for pages for half a slice: the slice ends that much later. */
	turns_token_note_wait(t0, t0->since, t0->since + SLICE / 2);
	s.now = t0->since + SLICE + SLICE / 4;
	CHECK(!turns_token_poll(t0, true, TURN_SLICE, s.now));
	CHECK(t0->have);
	/* A huge wait stretches it only up to TURNS_MAX_FACTOR slices. */
	turns_token_note_wait(t0, t0->since, t0->since + 100 * SLICE);
	CHECK_EQ_U64(turns_token_deadline(t0), t0->since + TURNS_MAX_FACTOR * SLICE);
	s.now = t0->since + TURNS_MAX_FACTOR * SLICE;
	CHECK(turns_token_poll(t0, true, TURN_SLICE, s.now));
	CHECK(!t0->have);
	CHECK_EQ_U64(t0->passed[TURN_SLICE], 1);
	/* It still wants to run: it asked again, and the token is on its way to node 1. */
	CHECK_EQ(s.nq, 2);
	CHECK_EQ(tokens(), 1);
}

TEST(a_holder_that_cannot_run_passes_at_once_and_says_why)
{
	two_nodes_one_waiting();
	CHECK(turns_token_poll(&s.t[0], false, TURN_YIELD, s.now + 1));
	CHECK_EQ_U64(s.t[0].passed[TURN_YIELD], 1);
	CHECK_EQ(s.nq, 1); /* the token, and no new request */
	CHECK_EQ(turns_token_receive(&s.t[1], 0, s.q[0].data, s.q[0].len, s.now + 2), 1);
	CHECK(s.t[1].have && !s.t[1].asked);
}

TEST(nobody_waiting_the_holder_keeps_it)
{
	sim_init(3, 1);
	for (u32 k = 0; k < 100; k++) {
		s.now += SLICE;
		CHECK(!turns_token_poll(&s.t[0], k % 2, TURN_HALTED, s.now));
	}
	CHECK(s.t[0].have);
	CHECK_EQ(s.nq, 0);
	CHECK_EQ_U64(turns_token_deadline(&s.t[0]), 0);
}

TEST(nodes_that_are_down_are_skipped)
{
	bool want[4] = { true, true, true, true };

	sim_init(4, 3);
	s.up[2] = false;
	for (u32 k = 0; k < 40000; k++) {
		step(want);
		CHECK(!s.t[2].have);
	}
	CHECK_EQ(s.tokens_got[2], 0);
	CHECK(s.tokens_got[1] > 10 && s.tokens_got[3] > 10);
	CHECK_EQ(tokens(), 1);
}

TEST(a_token_that_cannot_be_sent_stays)
{
	two_nodes_one_waiting();
	s.fail_sends = true;
	CHECK(!turns_token_poll(&s.t[0], false, TURN_HALTED, s.now + 1));
	CHECK(s.t[0].have);
	CHECK_EQ_U64(s.t[0].send_fails, 1);
	s.fail_sends = false;
	CHECK(turns_token_poll(&s.t[0], false, TURN_HALTED, s.now + 2));
	CHECK_EQ(tokens(), 1);
}

TEST(bad_messages_change_nothing)
{
	struct turns before;
	u8 token[8 + 2 * 3] = { 2, 0, 3, 0, 1, 0, 0, 0 };
	u8 want[8] = { 1, 0, 3, 0, 5, 0, 0, 0 };
	u8 buf[64];

	sim_init(3, 1);
	before = s.t[1];
	/* Too short; a WANT with a tail; a token of the wrong length; another cluster size;
	 * an unknown kind; from itself; from a node that does not exist. */
	CHECK_EQ(turns_token_receive(&s.t[1], 0, want, 7, s.now), -E_INVAL);
	memcpy(buf, want, 8);
	CHECK_EQ(turns_token_receive(&s.t[1], 0, buf, 9, s.now), -E_INVAL);
	CHECK_EQ(turns_token_receive(&s.t[1], 0, token, 8 + 2 * 2, s.now), -E_INVAL);
	memcpy(buf, want, 8);
	buf[2] = 4;
	CHECK_EQ(turns_token_receive(&s.t[1], 0, buf, 8, s.now), -E_INVAL);
	memcpy(buf, want, 8);
	buf[0] = 3;
	CHECK_EQ(turns_token_receive(&s.t[1], 0, buf, 8, s.now), -E_INVAL);
	CHECK_EQ(turns_token_receive(&s.t[1], 1, want, 8, s.now), -E_INVAL);
	CHECK_EQ(turns_token_receive(&s.t[1], 3, want, 8, s.now), -E_INVAL);
	CHECK_EQ_U64(s.t[1].bad, 7);
	before.bad = 7;
	CHECK(memcmp(&before, &s.t[1], sizeof(before)) == 0);
	/* A second token while one is held is refused, and the holder keeps its own. */
	CHECK_EQ(turns_token_receive(&s.t[0], 2, token, sizeof(token), s.now), -E_EXIST);
	CHECK(s.t[0].have);
	/* Every single-byte corruption of a good token or request is taken or refused,
	 * never more. */
	for (size_t len = 0; len <= sizeof(token); len++)
		for (int bit = 0; bit < 8 * (int)sizeof(token); bit++) {
			struct turns t = s.t[1];
			memcpy(buf, token, sizeof(token));
			buf[bit / 8] ^= (u8)(1u << (bit % 8));
			int rc = turns_token_receive(&t, 0, buf, len, s.now);
			CHECK(rc == 1 || rc == 0 || rc == -E_INVAL);
			if (rc == 1)
				CHECK(t.have && len == sizeof(token));
		}
}

TEST(off_with_one_node_or_no_slice)
{
	struct turns t;

	turns_token_init(&t, &sim_ops, NULL, 0, 1, 1, SLICE, 0);
	CHECK(!t.on && turns_token_may_run(&t));
	turns_token_init(&t, &sim_ops, NULL, 1, 3, 1, 0, 0);
	CHECK(!t.on && turns_token_may_run(&t));
	CHECK(!turns_token_poll(&t, true, TURN_SLICE, 5));
}
