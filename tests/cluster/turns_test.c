// SPDX-License-Identifier: GPL-2.0-only
/*
 * The turns' token protocol (vmm/cluster/turns_token.c) on a simulated network: 2 to 6
 * nodes, a fake clock, messages delivered in order per pair of nodes (as the message
 * layer does) but interleaved at random across pairs. Checked: there is never more than
 * one token (held, or in flight); every node that keeps wanting the turn gets it; a
 * request is served once; the holder keeps its slice, stretched by page waits up to
 * TURNS_MAX_FACTOR, grown while the nodes' turns end by it; nodes that are down are skipped; a token that cannot be sent stays;
 * malformed, misaddressed and duplicate messages are refused without changing anything.
 * Adaptive turns: free phases begin at the holder's back-off, end for every node when
 * every node's vCPUs waited for more than half of two windows in a row, and survive lost and reordered
 * FREE and END messages.
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
	u8 data[12 + 2 * MAXN];
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
	CHECK_EQ_U64(turns_token_deadline(t0, s.now), s.now - 0 + SLICE - (s.now - t0->since));
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
	CHECK_EQ_U64(turns_token_deadline(t0, s.now), t0->since + TURNS_MAX_FACTOR * SLICE);
	s.now = t0->since + TURNS_MAX_FACTOR * SLICE;
	CHECK(turns_token_poll(t0, true, TURN_SLICE, s.now));
	CHECK(!t0->have);
	CHECK_EQ_U64(t0->passed[TURN_SLICE], 1);
	/* It still wants to run: it asked again, and the token is on its way to node 1. */
	CHECK_EQ(s.nq, 2);
	CHECK_EQ(tokens(), 1);
}

/* The holder of `t` runs to the end of its slice (expected: `slices` slices) still wanting
 * to run, and passes the turn; every message is delivered. */
static void run_slice_out(struct turns *t, u64 slices)
{
	CHECK(t->have);
	CHECK_EQ_U64(turns_token_deadline(t, s.now), t->since + slices * SLICE);
	s.now = t->since + slices * SLICE - 1;
	CHECK(!turns_token_poll(t, true, TURN_SLICE, s.now));
	s.now++;
	CHECK(turns_token_poll(t, true, TURN_SLICE, s.now));
	while (s.nq)
		deliver_one();
}

TEST(a_slice_grows_while_every_node_computes_and_resets_otherwise)
{
	struct turns *t0 = &s.t[0], *t1 = &s.t[1];
	/* Both compute: node 0's first turn came from nobody, then each doubles up to
	 * TURNS_GROW slices. */
	static const u64 n0[] = { 1, 1, 2, 4, TURNS_GROW }, n1[] = { 1, 2, 4, TURNS_GROW, 4 };

	two_nodes_one_waiting();
	for (u32 k = 0; k < 5; k++) {
		run_slice_out(t0, n0[k]);
		run_slice_out(t1, n1[k]);
	}
	CHECK_EQ_U64(t0->grown, 2); /* (turns that ended after TURNS_GROW slices) */
	CHECK_EQ_U64(t1->grown, 3);
	/* Node 0 yields: its slice stays. Node 1 then halts at once: its slice is one again,
	 * and node 0, which got the turn from a node that did not compute, gives it back
	 * after one slice (node 1 may be waking for an interrupt). */
	CHECK(turns_token_poll(t0, false, TURN_YIELD, s.now));
	CHECK_EQ_U64(t0->cur_ns, TURNS_GROW * SLICE);
	CHECK(!turns_token_poll(t0, true, TURN_SLICE, s.now)); /* (asks again) */
	while (s.nq)
		deliver_one();
	CHECK(turns_token_poll(t1, false, TURN_HALTED, s.now));
	CHECK_EQ_U64(t1->cur_ns, SLICE);
	CHECK(!turns_token_poll(t1, true, TURN_SLICE, s.now));
	while (s.nq)
		deliver_one();
	run_slice_out(t0, TURNS_GROW);
	CHECK_EQ_U64(t0->cur_ns, SLICE);
	run_slice_out(t1, 1);
	run_slice_out(t0, 1);
	CHECK_EQ_U64(t0->cur_ns, 2 * SLICE);
	/* Page waits stretch a grown slice by at most TURNS_MAX_FACTOR - 1 slices. */
	run_slice_out(t1, 2);
	turns_token_note_wait(t0, t0->since, t0->since + 100 * SLICE);
	CHECK_EQ_U64(turns_token_deadline(t0, s.now), t0->since + (2 + TURNS_MAX_FACTOR - 1) * SLICE);
	s.now = t0->since + (2 + TURNS_MAX_FACTOR - 1) * SLICE - 1;
	CHECK(!turns_token_poll(t0, true, TURN_SLICE, s.now));
	/* A pass that cannot be sent keeps the turn here and the slice as it was. */
	s.fail_sends = true;
	CHECK(!turns_token_poll(t0, true, TURN_SLICE, s.now + 1));
	CHECK(t0->have);
	CHECK_EQ_U64(t0->cur_ns, 2 * SLICE);
	s.fail_sends = false;
	CHECK(turns_token_poll(t0, true, TURN_SLICE, s.now + 1 + 2 * SLICE)); /* (a new slice) */
	CHECK_EQ_U64(t0->cur_ns, 4 * SLICE);
	CHECK_EQ(tokens(), 1);
}

/* A window of `len` in node t's turn, in which its vCPU waited `waited`; then its poll,
 * still wanting to run: whether it passed the token. */
static bool turn_window(struct turns *t, u64 len, u64 waited)
{
	turns_token_note_wait(t, s.now, s.now + waited);
	s.now += len;
	return turns_token_poll(t, true, TURN_SLICE, s.now);
}

TEST(a_turn_whose_compute_stalls_goes_to_the_node_that_computed)
{
	struct turns *t0 = &s.t[0], *t1 = &s.t[1];
	const u64 w = SLICE / TURNS_STALL_WINDOW;

	two_nodes_one_waiting();
	/* Node 0's turn came from nobody: it computes, then waits, and keeps its slice. */
	CHECK(!turn_window(t0, w, 0));
	CHECK(!turn_window(t0, w, 0));
	CHECK(!turn_window(t0, w, w / 2));
	CHECK(t0->computed);
	s.now = turns_token_deadline(t0, s.now); /* (its slice, stretched by the wait) */
	CHECK(turns_token_poll(t0, true, TURN_SLICE, s.now));
	while (s.nq)
		deliver_one();
	CHECK(t1->have && t1->came_computing);
	/* Node 1's turn begins by fetching pages (waits), then computes (quiet). A window
	 * shorter than 1/TURNS_STALL_WINDOW slice is not judged; one that waited 1/4 of it
	 * is not a stall; one that waited more, after a quiet one, is. */
	CHECK(!turn_window(t1, w, 3 * w / 4));
	CHECK(!turn_window(t1, w, 3 * w / 4));
	CHECK(!t1->computed);
	CHECK(!turn_window(t1, w, 0));
	CHECK(t1->computed);
	CHECK(!turn_window(t1, w, w / TURNS_STALL));
	CHECK(!turn_window(t1, w / 2, w / 2));
	CHECK_EQ_U64(t1->passed[TURN_STALL], 0);
	CHECK(turn_window(t1, w / 2, 0));
	CHECK_EQ_U64(t1->passed[TURN_STALL], 1);
	CHECK_EQ(t1->passed_why, TURN_STALL);
	CHECK_EQ_U64(t1->cur_ns, SLICE); /* (a stall leaves the slice as it was) */
	CHECK(t1->asked);		 /* it still wants to run */
	while (s.nq)
		deliver_one();
	/* Node 0 has it from a node that did not compute: a stall keeps the turn here. */
	CHECK(t0->have && !t0->came_computing);
	CHECK(!turn_window(t0, w, 0));
	CHECK(!turn_window(t0, w, 0));
	CHECK(t0->computed);
	CHECK(!turn_window(t0, w, w));
	CHECK(t0->have);
	CHECK_EQ(tokens(), 1);
}

TEST(a_stall_needs_a_quiet_window_that_is_not_the_first)
{
	struct turns *t1 = &s.t[1];
	const u64 w = SLICE / TURNS_STALL_WINDOW;

	two_nodes_one_waiting();
	run_slice_out(&s.t[0], 1);
	CHECK(t1->have && t1->came_computing);
	/* The first window of a turn is never quiet, even without waits; nor one at whose
	 * end a vCPU waits (the caller says so before each poll). */
	CHECK(!turn_window(t1, w, 0));
	CHECK(!t1->computed);
	t1->waiting_now = true;
	CHECK(!turn_window(t1, w, 0));
	CHECK(!t1->computed);
	t1->waiting_now = false;
	CHECK(!turn_window(t1, w, 0));
	CHECK(t1->computed);
	/* A wait still under way counts in the window's waits. */
	t1->waiting_now = true;
	t1->waits_now = w / 2;
	CHECK(turn_window(t1, w, 0));
	CHECK_EQ(t1->passed_why, TURN_STALL);
	CHECK_EQ(tokens(), 1);
}

TEST(no_stall_on_a_node_with_several_vcpus)
{
	struct turns *t1 = &s.t[1];
	const u64 w = SLICE / TURNS_STALL_WINDOW;

	two_nodes_one_waiting();
	t1->nlocal = 2;
	run_slice_out(&s.t[0], 1);
	CHECK(t1->have && t1->came_computing);
	CHECK(!turn_window(t1, w, w));
	CHECK(!turn_window(t1, w, 0));
	CHECK(!turn_window(t1, w, 0));
	CHECK(!turn_window(t1, w, 2 * w));
	CHECK(t1->have);
	CHECK_EQ_U64(t1->passed[TURN_STALL], 0);
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
	CHECK_EQ_U64(turns_token_deadline(&s.t[0], s.now), 0);
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

TEST(a_request_that_cannot_be_sent_is_sent_again)
{
	struct turns *t1;

	sim_init(2, 1);
	t1 = &s.t[1];
	CHECK_EQ_U64(turns_token_deadline(t1, s.now), 0);
	s.fail_sends = true;
	CHECK(!turns_token_poll(t1, true, TURN_SLICE, s.now));
	CHECK(!t1->asked);
	CHECK_EQ_U64(turns_token_deadline(t1, s.now), s.now + SLICE / 8);
	s.fail_sends = false;
	s.now += SLICE / 8;
	CHECK(!turns_token_poll(t1, true, TURN_SLICE, s.now));
	CHECK(t1->asked);
	CHECK_EQ(s.nq, 1);
	/* Asked: the token's frame ends the wait; no timed work until then. */
	CHECK_EQ_U64(turns_token_deadline(t1, s.now), 0);
}

TEST(bad_messages_change_nothing)
{
	struct turns before;
	u8 token[12 + 2 * 3] = { 2, 0, 3, 0, 1, 0, 0, 0 };
	u8 want[8] = { 1, 0, 3, 0, 5, 0, 0, 0 };
	u8 buf[64];

	sim_init(3, 1);
	before = s.t[1];
	/* Too short; a WANT with a tail; a token of the wrong length; another cluster size;
	 * an unknown kind; from itself; from a node that does not exist. */
	CHECK_EQ(turns_token_receive(&s.t[1], 0, want, 7, s.now), -E_INVAL);
	memcpy(buf, want, 8);
	CHECK_EQ(turns_token_receive(&s.t[1], 0, buf, 9, s.now), -E_INVAL);
	CHECK_EQ(turns_token_receive(&s.t[1], 0, token, 12 + 2 * 2, s.now), -E_INVAL);
	memcpy(buf, want, 8);
	buf[2] = 4;
	CHECK_EQ(turns_token_receive(&s.t[1], 0, buf, 8, s.now), -E_INVAL);
	memcpy(buf, want, 8);
	buf[0] = 6;
	CHECK_EQ(turns_token_receive(&s.t[1], 0, buf, 8, s.now), -E_INVAL);
	CHECK_EQ(turns_token_receive(&s.t[1], 1, want, 8, s.now), -E_INVAL);
	CHECK_EQ(turns_token_receive(&s.t[1], 3, want, 8, s.now), -E_INVAL);
	/* A token whose "gave it up computing" flag is neither 0 nor 1 (2 is a VOTE's idle). */
	memcpy(buf, token, sizeof(token));
	buf[1] = 2;
	CHECK_EQ(turns_token_receive(&s.t[1], 0, buf, sizeof(token), s.now), -E_INVAL);
	CHECK_EQ_U64(s.t[1].bad, 8);
	before.bad = 8;
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
			CHECK((rc >= TURN_RX_TAKEN && rc <= TURN_RX_END) || rc == -E_INVAL);
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

/* Delivers every queued message (oldest first, so per-pair order holds). */
static void deliver_all(void)
{
	while (s.nq) {
		struct sim_msg msg = s.q[0];
		memmove(&s.q[0], &s.q[1], (s.nq - 1) * sizeof(s.q[0]));
		s.nq--;
		if (s.up[msg.dst] &&
		    turns_token_receive(&s.t[msg.dst], msg.src, msg.data, msg.len, s.now) == 1)
			s.tokens_got[msg.dst]++;
	}
}

static void adapt_all(void)
{
	for (u32 i = 0; i < s.n; i++)
		turns_token_adapt(&s.t[i], false, s.now);
}

/* One window of a free phase: node i's vCPUs wait for wait_ns of it (bit i of waiting, else
 * none), except node `idle`'s (if not -1), which have nothing to run (it polls halted at
 * the window's start and end); the nodes without the token poll first, their votes
 * arrive, then the holder (with holder_fails, its sends fail). */
static void window_of(u32 waiting, u64 wait_ns, bool holder_fails, int idle)
{
	int holder = -1;

	if (idle >= 0)
		CHECK(!turns_token_poll(&s.t[idle], false, TURN_HALTED, s.now));
	for (u32 i = 0; i < s.n; i++)
		if (waiting & (1u << i))
			turns_token_note_wait(&s.t[i], s.now, s.now + wait_ns);
	s.now += SLICE;
	for (u32 i = 0; i < s.n; i++)
		if (s.t[i].have)
			holder = (int)i;
		else
			turns_token_poll(&s.t[i], (int)i != idle,
					 (int)i == idle ? TURN_HALTED : TURN_SLICE, s.now);
	deliver_all();
	s.fail_sends = holder_fails;
	if (holder >= 0)
		turns_token_poll(&s.t[holder], holder != idle,
				 holder == idle ? TURN_HALTED : TURN_SLICE, s.now);
	s.fail_sends = false;
}

static void window_ex(u32 waiting, u64 wait_ns, bool holder_fails)
{
	window_of(waiting, wait_ns, holder_fails, -1);
}

static void window(u32 waiting, u64 wait_ns)
{
	window_ex(waiting, wait_ns, false);
}

/* Every node waits for whole windows until the holder ends the phase; delivers the END. */
static void end_phase(void)
{
	for (u32 w = 0; w < TURNS_BAD_WINDOWS; w++)
		window(~0u, SLICE);
	deliver_all();
}

/* The holder begins a phase at its back-off time; everyone hears it. */
static void begin_phase(u32 holder)
{
	s.now = s.t[holder].probe_at;
	CHECK(!turns_token_poll(&s.t[holder], true, TURN_SLICE, s.now));
	CHECK(s.t[holder].free);
	deliver_all();
}

TEST(a_free_phase_begins_at_the_probe_and_ends_when_every_node_waits)
{
	sim_init(3, 5);
	adapt_all();
	/* Before the probe time, turns as usual: only the holder may run. */
	CHECK_EQ_U64(turns_token_deadline(&s.t[0], s.now), s.now + TURNS_PROBE_MIN_NS);
	s.now += TURNS_PROBE_MIN_NS - 1;
	CHECK(!turns_token_poll(&s.t[0], true, TURN_SLICE, s.now));
	CHECK(!s.t[0].free && !turns_token_may_run(&s.t[1]));
	/* At it, the holder begins a free phase and tells everyone. */
	s.now += 1;
	CHECK(!turns_token_poll(&s.t[0], true, TURN_SLICE, s.now));
	CHECK(s.t[0].free && s.t[0].have);
	CHECK_EQ(s.nq, 2);
	deliver_all();
	for (u32 i = 0; i < 3; i++)
		CHECK(s.t[i].free && turns_token_may_run(&s.t[i]) && s.t[i].epoch == 1 &&
		      s.t[i].free_from == 0);
	CHECK(!turns_token_others_wait(&s.t[0]));
	/* Nodes in a free phase do not ask for the turn. */
	CHECK(!turns_token_poll(&s.t[1], true, TURN_SLICE, s.now));
	CHECK_EQ(s.nq, 0);
	/* Windows with few waits: the phase goes on; the others vote good to the holder. */
	CHECK_EQ_U64(turns_token_deadline(&s.t[2], s.now), s.t[2].win_start + SLICE);
	for (u32 w = 0; w < 3; w++)
		window(1u << 2, SLICE / 4);
	CHECK(s.t[0].vote[1] == VOTE_GOOD && s.t[0].vote[2] == VOTE_GOOD);
	/* Nodes 1 and 2 wait for most of every window, the holder does not: it goes on. */
	for (u32 w = 0; w < 4; w++)
		window(6, SLICE * 3 / 4);
	CHECK(s.t[0].vote[1] == VOTE_BAD && s.t[0].vote[2] == VOTE_BAD);
	CHECK(s.t[0].free && s.t[1].free && s.t[2].free);
	/* Every node waits, TURNS_BAD_WINDOWS times: the holder ends the phase, for everyone.
	 * (Waits of half a window do not.) */
	for (u32 w = 0; w < 2 * TURNS_BAD_WINDOWS; w++)
		window(~0u, SLICE / 2);
	CHECK(s.t[0].free);
	for (u32 w = 0; w < TURNS_BAD_WINDOWS - 1; w++) {
		window(~0u, SLICE * 3 / 4);
		CHECK(s.t[0].free);
	}
	window(~0u, SLICE * 3 / 4);
	CHECK(!s.t[0].free && s.t[0].have && turns_token_may_run(&s.t[0]));
	CHECK_EQ_U64(s.t[0].ended_here, 1);
	CHECK_EQ(s.nq, 2);
	deliver_all();
	for (u32 i = 1; i < 3; i++)
		CHECK(!s.t[i].free && !turns_token_may_run(&s.t[i]));
	CHECK_EQ(tokens(), 1);
	/* It lasted less than TURNS_PROBE_MIN_NS: the next probe is twice as far. */
	for (u32 i = 0; i < 3; i++)
		CHECK_EQ_U64(s.t[i].probe_ns, 2 * TURNS_PROBE_MIN_NS);
	CHECK_EQ_U64(s.t[0].probe_at, s.now + 2 * TURNS_PROBE_MIN_NS);
	/* The turns go on: node 2, which wants to run, asks for the turn. */
	CHECK(!turns_token_poll(&s.t[2], true, TURN_SLICE, s.now));
	CHECK_EQ(s.nq, 2);
	deliver_all();
	CHECK(turns_token_others_wait(&s.t[0]));
}

TEST(the_probe_backs_off_while_phases_end_at_once_and_resets_after_a_long_one)
{
	u64 expect = TURNS_PROBE_MIN_NS;

	sim_init(2, 6);
	adapt_all();
	for (u32 round = 0; round < 8; round++) {
		begin_phase(0);
		CHECK(s.t[1].free);
		end_phase();
		CHECK(!s.t[0].free && !s.t[1].free);
		expect = expect * 2 > TURNS_PROBE_MAX_NS ? TURNS_PROBE_MAX_NS : expect * 2;
		CHECK_EQ_U64(s.t[0].probe_ns, expect);
		CHECK_EQ_U64(s.t[1].probe_ns, expect);
	}
	CHECK_EQ_U64(expect, TURNS_PROBE_MAX_NS);
	/* A phase that lasts: back to the shortest back-off. */
	begin_phase(0);
	for (u64 end = s.now + 2 * TURNS_PROBE_MIN_NS; s.now < end;)
		window(0, 0);
	end_phase();
	CHECK(s.t[0].have && !s.t[0].free && !s.t[1].free);
	CHECK_EQ_U64(s.t[0].probe_ns, TURNS_PROBE_MIN_NS);
	CHECK_EQ_U64(s.t[1].probe_ns, TURNS_PROBE_MIN_NS);
	CHECK_EQ_U64(s.t[1].frees, 9);
}

TEST(a_node_that_missed_the_free_gets_it_again_and_a_late_free_is_old)
{
	u8 free_msg[8] = { 3, 0, 3, 0, 1, 0, 0, 0 }, end_msg[8];

	sim_init(3, 7);
	adapt_all();
	/* Node 1 asked for the turn; the FREE to everyone cannot be sent. */
	CHECK(!turns_token_poll(&s.t[1], true, TURN_SLICE, s.now));
	deliver_all();
	s.now = s.t[0].probe_at;
	s.fail_sends = true;
	CHECK(!turns_token_poll(&s.t[0], true, TURN_SLICE, s.now));
	s.fail_sends = false;
	CHECK(s.t[0].free && !s.t[1].free && !s.t[2].free);
	/* Node 2 asks for the turn: the holder answers with the FREE. */
	CHECK(!turns_token_poll(&s.t[2], true, TURN_SLICE, s.now));
	deliver_all();
	CHECK(s.t[2].free && turns_token_may_run(&s.t[2]));
	CHECK(!s.t[1].free); /* (it asked before: it does not ask again) */
	/* At its next window the holder has no vote from node 1: it sends the FREE again. */
	window(0, 0);
	deliver_all();
	CHECK(s.t[1].free && turns_token_may_run(&s.t[1]));
	/* The phase ends; node 1 hears the END, then a late copy of the FREE: that one is
	 * old, and so is a duplicate END. */
	for (u32 w = 0; w < TURNS_BAD_WINDOWS - 1; w++)
		window(~0u, SLICE);
	window_ex(~0u, SLICE, false);
	CHECK(!s.t[0].free);
	CHECK_EQ(s.q[0].data[0], 4);
	memcpy(end_msg, s.q[0].data, 8);
	deliver_all();
	CHECK_EQ(turns_token_receive(&s.t[1], 0, free_msg, 8, s.now), TURN_RX_TAKEN);
	CHECK(!s.t[1].free && s.t[1].epoch == 1);
	CHECK_EQ(turns_token_receive(&s.t[1], 0, end_msg, 8, s.now), TURN_RX_TAKEN);
	CHECK(!s.t[1].free && !s.t[1].have);
	CHECK_EQ(tokens(), 1);
}

TEST(the_token_carries_the_phase_number_and_ends_a_phase_it_finds)
{
	sim_init(3, 12);
	adapt_all();
	begin_phase(0);
	end_phase();
	CHECK_EQ(s.t[0].epoch, 1);
	/* Node 2 missed both (forced here): the token it gets brings phase 1's number, so
	 * its own next FREE is phase 2 for everyone. */
	s.t[2].epoch = 0;
	CHECK(!turns_token_poll(&s.t[2], true, TURN_SLICE, s.now));
	deliver_all();
	s.now += 4 * SLICE;
	CHECK(turns_token_poll(&s.t[0], false, TURN_HALTED, s.now));
	deliver_all();
	CHECK(s.t[2].have && s.t[2].epoch == 1);
	/* A node still free when the token comes (an END not yet heard) leaves the phase. */
	CHECK(!turns_token_poll(&s.t[1], true, TURN_SLICE, s.now));
	deliver_all();
	s.now += 4 * SLICE;
	CHECK(turns_token_poll(&s.t[2], false, TURN_HALTED, s.now));
	s.t[1].free = true;
	deliver_all();
	CHECK(s.t[1].have && !s.t[1].free);
}

/* A window in which node `idle` has nothing to run and the nodes in `waiting` wait. */
static void window_idle(u32 idle, u32 waiting)
{
	window_of(waiting, SLICE, false, (int)idle);
}

TEST(an_idle_node_counts_neither_way)
{
	sim_init(2, 13);
	adapt_all();
	begin_phase(0);
	/* Node 1 is halted (nothing to run): the holder waiting alone does not end the phase:
	 * turns would not bring its pages sooner. */
	for (u32 w = 0; w < 3 * TURNS_BAD_WINDOWS; w++) {
		window_idle(1, 1u << 0);
		CHECK(s.t[0].free && s.t[1].free);
	}
	CHECK_EQ(s.t[0].vote[1], VOTE_IDLE);
	CHECK_EQ(s.t[0].vote[0], VOTE_BAD);
	/* The holder halted and node 1 waiting: neither. */
	for (u32 w = 0; w < 3 * TURNS_BAD_WINDOWS; w++) {
		window_idle(0, 1u << 1);
		CHECK(s.t[0].free && s.t[1].free);
	}
	CHECK_EQ(s.t[0].vote[0], VOTE_IDLE);
	/* Both run and wait (the holder's vCPU can run again: its loop polls): it ends. */
	CHECK(!turns_token_poll(&s.t[0], true, TURN_SLICE, s.now));
	end_phase();
	CHECK(!s.t[0].free && !s.t[1].free);
	/* Of three nodes, two waiting and one idle: it ends. */
	sim_init(3, 14);
	adapt_all();
	begin_phase(0);
	for (u32 w = 0; w < TURNS_BAD_WINDOWS; w++)
		window_idle(2, 3);
	CHECK(!s.t[0].free);
	deliver_all();
	CHECK(!s.t[1].free && !s.t[2].free);
	/* A node halted for part of a window: it waited for most of the time it ran, bad. */
	begin_phase(0);
	for (u32 w = 0; w < TURNS_BAD_WINDOWS; w++) {
		/* halted for a third of it, then waiting for pages for half of the window: more
		 * than half of the two thirds it could run */
		CHECK(!turns_token_poll(&s.t[2], false, TURN_HALTED, s.now));
		CHECK(!turns_token_poll(&s.t[2], true, TURN_SLICE, s.now + SLICE / 3));
		turns_token_note_wait(&s.t[2], s.now + SLICE / 3, s.now + SLICE * 5 / 6);
		window(3, SLICE);
	}
	CHECK_EQ(s.t[2].bad_windows, TURNS_BAD_WINDOWS);
	CHECK(!s.t[0].free);
}

TEST(a_node_not_heard_from_counts_neither_way)
{
	sim_init(2, 15);
	adapt_all();
	/* The FREE to node 1 is lost: the holder waits alone, the phase goes on. */
	s.now = s.t[0].probe_at;
	s.fail_sends = true;
	CHECK(!turns_token_poll(&s.t[0], true, TURN_SLICE, s.now));
	s.fail_sends = false;
	for (u32 w = 0; w < 2 * TURNS_BAD_WINDOWS; w++) {
		turns_token_note_wait(&s.t[0], s.now, s.now + SLICE);
		s.now += SLICE;
		turns_token_poll(&s.t[0], true, TURN_SLICE, s.now);
		s.nq = 0; /* (the FREE sent again is lost too) */
		CHECK(s.t[0].free);
	}
	CHECK_EQ(s.t[0].vote[1], VOTE_NONE);
}

TEST(the_nodes_may_begin_in_a_free_phase)
{
	sim_init(3, 16);
	s.now += 5 * SLICE; /* (the build and the start barrier: no turn of node 0's) */
	for (u32 i = 0; i < 3; i++)
		turns_token_adapt(&s.t[i], true, s.now);
	CHECK_EQ(s.nq, 0); /* (no message: every node begins it alike) */
	CHECK_EQ_U64(s.t[0].held_ns, 0);
	for (u32 i = 0; i < 3; i++)
		CHECK(s.t[i].free && s.t[i].epoch == 1 && s.t[i].free_from == 0 &&
		      turns_token_may_run(&s.t[i]));
	CHECK(s.t[0].have && tokens() == 1);
	/* Votes go to node 0; a compute window keeps the phase. */
	window(0, 0);
	CHECK(s.t[0].vote[1] == VOTE_GOOD && s.t[0].vote[2] == VOTE_GOOD);
	end_phase();
	for (u32 i = 0; i < 3; i++)
		CHECK(!s.t[i].free && s.t[i].probe_ns == 2 * TURNS_PROBE_MIN_NS);
	CHECK(s.t[0].have && tokens() == 1);
	/* The next phase is number 2 for everyone. */
	begin_phase(0);
	for (u32 i = 0; i < 3; i++)
		CHECK(s.t[i].free && s.t[i].epoch == 2);
	/* Called again (a second settle): nothing changes. */
	{
		struct turns before = s.t[1];
		turns_token_adapt(&s.t[1], true, s.now + 1);
		CHECK(memcmp(&before, &s.t[1], sizeof(before)) == 0);
	}
}

TEST(a_node_that_hears_phase_1_before_it_settles)
{
	u8 free_msg[8] = { 3, 0, 2, 0, 1, 0, 0, 0 }, end_msg[8] = { 4, 0, 2, 0, 1, 0, 0, 0 };

	/* Node 0 settled and began phase 1 first: its FREE (a resend) reaches node 1 before
	 * node 1's own settle, which then begins nothing more. */
	sim_init(2, 17);
	turns_token_adapt(&s.t[0], true, s.now);
	CHECK_EQ(turns_token_receive(&s.t[1], 0, free_msg, 8, s.now), TURN_RX_FREE);
	turns_token_adapt(&s.t[1], true, s.now);
	CHECK(s.t[1].free && s.t[1].epoch == 1 && s.t[1].frees == 1);
	/* Phase 1 already over (its END came first): node 1 begins in turns, and asks. */
	sim_init(2, 18);
	turns_token_adapt(&s.t[0], true, s.now);
	CHECK_EQ(turns_token_receive(&s.t[1], 0, end_msg, 8, s.now), TURN_RX_TAKEN);
	turns_token_adapt(&s.t[1], true, s.now);
	CHECK(!s.t[1].free && s.t[1].epoch == 1 && s.t[1].adaptive);
	CHECK(!turns_token_poll(&s.t[1], true, TURN_SLICE, s.now));
	CHECK_EQ(s.nq, 1);
}

TEST(an_end_that_cannot_be_sent_is_sent_again_and_the_token_waits)
{
	sim_init(2, 8);
	adapt_all();
	/* (node 1 asked for the turn before the phase: the holder would pass it) */
	CHECK(!turns_token_poll(&s.t[1], true, TURN_SLICE, s.now));
	deliver_all();
	begin_phase(0);
	for (u32 w = 0; w < TURNS_BAD_WINDOWS - 1; w++)
		window(~0u, SLICE);
	window_ex(~0u, SLICE, true);
	CHECK(!s.t[0].free && s.t[0].end_unsent && s.nq == 0 && s.t[1].free);
	/* An eighth of a slice later, not at once; and the token stays meanwhile. */
	CHECK_EQ_U64(turns_token_deadline(&s.t[0], s.now), s.now + SLICE / 8);
	CHECK(!turns_token_poll(&s.t[1], true, TURN_SLICE, s.now));
	deliver_all();
	CHECK(!turns_token_poll(&s.t[0], false, TURN_HALTED, s.now + 1));
	CHECK(s.t[0].have && s.t[0].end_unsent);
	CHECK(!turns_token_poll(&s.t[0], true, TURN_SLICE, s.now + SLICE / 8));
	CHECK(!s.t[0].end_unsent);
	deliver_all();
	CHECK(!s.t[1].free && s.t[0].have);
}

TEST(a_good_window_between_two_bad_ones_keeps_the_phase)
{
	sim_init(2, 10);
	adapt_all();
	begin_phase(0);
	for (u32 w = 0; w < 4; w++) { /* bad, good, bad, good */
		window(w % 2 == 0 ? ~0u : 0u, SLICE);
		CHECK(s.t[0].free && s.t[1].free);
	}
	end_phase();
	CHECK(!s.t[1].free);
}

TEST(votes_of_another_phase_or_to_a_node_without_the_token_are_dropped)
{
	u8 vote[8] = { 5, 1, 2, 0, 1, 0, 0, 0 };

	sim_init(2, 11);
	adapt_all();
	begin_phase(0);
	CHECK_EQ(turns_token_receive(&s.t[1], 0, vote, 8, s.now), TURN_RX_TAKEN);
	CHECK_EQ(s.t[1].vote[0], VOTE_NONE);
	vote[4] = 7; /* phase 7 */
	CHECK_EQ(turns_token_receive(&s.t[0], 1, vote, 8, s.now), TURN_RX_TAKEN);
	CHECK_EQ(s.t[0].vote[1], VOTE_NONE);
	vote[4] = 1;
	vote[1] = 3; /* neither good, bad nor idle */
	CHECK_EQ(turns_token_receive(&s.t[0], 1, vote, 8, s.now), -E_INVAL);
	vote[1] = 2;
	CHECK_EQ(turns_token_receive(&s.t[0], 1, vote, 8, s.now), TURN_RX_TAKEN);
	CHECK_EQ(s.t[0].vote[1], VOTE_IDLE);
	vote[1] = 1;
	CHECK_EQ(turns_token_receive(&s.t[0], 1, vote, 8, s.now), TURN_RX_TAKEN);
	CHECK_EQ(s.t[0].vote[1], VOTE_BAD);
}

TEST(adaptive_random_one_token_and_phases_end_everywhere)
{
	for (u32 n = 2; n <= MAXN; n++)
		for (u64 seed = 1; seed <= 10; seed++) {
			bool want[MAXN];
			u32 ran[MAXN] = { 0 };

			sim_init(n, seed * 104729 + n);
			adapt_all();
			for (u32 k = 0; k < 60000; k++) {
				u32 i = rnd(n);
				for (u32 j = 0; j < n; j++)
					want[j] = rnd(4) != 0;
				/* Waits: heavy in some stretches, light in others. */
				if ((k / 5000) % 2 == 0)
					turns_token_note_wait(&s.t[i], s.now, s.now + rnd(2000000));
				step(want);
				for (u32 j = 0; j < n; j++)
					ran[j] += turns_token_may_run(&s.t[j]);
				if (tokens() != 1) {
					check_fail(__FILE__, __LINE__,
						   "n=%u seed=%llu step %u: %u tokens", n,
						   (unsigned long long)seed, k, tokens());
					return;
				}
			}
			CHECK(s.t[0].frees > 0);
			for (u32 j = 0; j < n; j++)
				CHECK(ran[j] > 0);
			/* Once every node waits and the messages are in, nobody is free. */
			deliver_all();
			for (u32 k = 0; k < 4 * TURNS_BAD_WINDOWS; k++)
				window(~0u, SLICE);
			deliver_all();
			for (u32 j = 0; j < n; j++)
				CHECK(!s.t[j].free);
			CHECK_EQ(tokens(), 1);
		}
}

TEST(a_quiet_turn_tries_a_phase_before_the_back_off)
{
	sim_init(2, 9);
	adapt_all();
	s.t[0].probe_at = s.t[1].probe_at = s.now + TURNS_PROBE_MAX_NS; /* a long back-off */
	s.now += TURNS_PROBE_MIN_NS;
	/* Node 0 polled while nobody waited: a new slice. */
	CHECK(!turns_token_poll(&s.t[0], true, TURN_SLICE, s.now));
	CHECK(!s.t[0].free && s.t[0].since == s.now);
	/* Node 1 waits for the turn; node 0's slice: not half of it yet. */
	CHECK(!turns_token_poll(&s.t[1], true, TURN_SLICE, s.now));
	deliver_all();
	CHECK(!turns_token_poll(&s.t[0], true, TURN_SLICE, s.now));
	CHECK(!s.t[0].free);
	/* Its vCPU may be in the guest until then: the half slice is a deadline. */
	CHECK_EQ_U64(turns_token_deadline(&s.t[0], s.now), s.t[0].since + SLICE / 2);
	/* Half a slice with waits of a tenth of it: not quiet. */
	turns_token_note_wait(&s.t[0], s.t[0].since, s.t[0].since + SLICE / 20);
	s.now = s.t[0].since + SLICE / 2;
	CHECK(!turns_token_poll(&s.t[0], true, TURN_SLICE, s.now));
	CHECK(!s.t[0].free);
	/* Past it, no longer (the slice's end is): a deadline in the past would end every
	 * run in the guest at once. */
	CHECK_EQ_U64(turns_token_deadline(&s.t[0], s.now), s.t[0].since + s.t[0].cur_ns + SLICE / 20);
	/* More waits, and the slice is over: node 1's turn, without waits: quiet, so a phase
	 * begins at once. */
	turns_token_note_wait(&s.t[0], s.now, s.now + SLICE / 2);
	s.now = s.t[0].since + SLICE * 2;
	CHECK(turns_token_poll(&s.t[0], true, TURN_SLICE, s.now));
	deliver_all();
	CHECK(s.t[1].have);
	s.now += SLICE / 2;
	CHECK(!turns_token_poll(&s.t[1], true, TURN_SLICE, s.now));
	CHECK(s.t[1].free && s.t[1].quiet_probes == 1);
	deliver_all();
	CHECK(s.t[0].free && s.t[0].free_from == 1);
	/* It ends at once; a quiet turn right after does not try again within
	 * TURNS_PROBE_MIN_NS. */
	end_phase();
	CHECK(s.t[1].have && !s.t[1].free && !s.t[0].free);
	s.t[1].since -= SLICE / 2; /* (a quiet half slice already) */
	CHECK(!turns_token_poll(&s.t[1], true, TURN_SLICE, s.now));
	CHECK(!s.t[1].free);
	s.now = s.t[1].free_ended + TURNS_PROBE_MIN_NS;
	s.t[1].since = s.now - SLICE / 2;
	CHECK(!turns_token_poll(&s.t[1], true, TURN_SLICE, s.now));
	CHECK(s.t[1].free);
}
