// SPDX-License-Identifier: GPL-2.0-only
/*
 * Targeted DSM races (dsm_cases), scripted on the simulator with fixed 10 us message delays
 * and channels that can be held to force an order: a write-write race on one page, a read
 * storm and its invalidation, split accesses across pages homed on different nodes, an
 * invalidation that overtakes the grant it must wait for, the pin window, zero pages and
 * version skips, the three-message fault, evictions (a PUT taken by the home, crossing a
 * forward, refused), runs of messages for consecutive pages, and malformed messages. Every
 * run also goes
 * through the simulator's checkers (single writer, freshness, SC, quiescent agreement).
 */
#include "tests/dsm/sim.h"
#include "tests/unit/check.h"

#define PAGE DSM_PAGE_SIZE

/* One scripted access: acquire, perform (automatically on resume unless manual), release. */
struct op {
	unsigned node;
	uint64_t gpa, len, val;
	bool write, touch, manual, keep;
	uint64_t pin; /* the hold's own pin window (dsm_acquire_pinned), 0: the node's */
	struct dsm_hold h;
	bool resumed, done;
	unsigned tries;
};

static void op_perform(struct sim *s, void *arg);

static void op_resume(struct sim *s, unsigned node, struct dsm_hold *h)
{
	struct op *o = h->cookie;

	o->resumed = true;
	if (!o->manual)
		sim_at(s, sim_now(s), op_perform, o);
}

static int op_start(struct sim *s, struct op *o)
{
	int rc;

	o->h.cookie = o;
	o->resumed = false;
	rc = dsm_acquire_pinned(sim_node(s, o->node), &o->h, o->gpa, o->len, o->write, o->pin);
	sim_kick(s, o->node);
	if (rc == 0) {
		o->resumed = true;
		if (!o->manual)
			sim_at(s, sim_now(s), op_perform, o);
	}
	return rc;
}

/* Access one word in each page the op covers (a split word when len is 8 across a page). */
static void op_perform(struct sim *s, void *arg)
{
	struct op *o = arg;

	if (dsm_hold_lost(&o->h)) {
		dsm_release(sim_node(s, o->node), &o->h);
		o->tries++;
		op_start(s, o);
		return;
	}
	if (o->len <= 8)
		sim_access(s, o->node, o->gpa, (unsigned)o->len, o->write && o->touch, false,
			   o->val);
	else
		for (uint64_t g = o->gpa; g < o->gpa + o->len; g += PAGE)
			sim_access(s, o->node, g, 8, o->write && o->touch, false, o->val);
	o->done = true;
	if (!o->keep) {
		dsm_release(sim_node(s, o->node), &o->h);
		sim_kick(s, o->node);
	}
}

static struct op op_word(unsigned node, uint64_t gpa, bool write, uint64_t val)
{
	return (struct op){
		.node = node, .gpa = gpa, .len = 8, .write = write, .touch = true, .val = val
	};
}

static struct sim *mk(unsigned nodes, unsigned pages, uint32_t spill)
{
	struct sim_params p = {
		.nnodes = nodes,
		.npages = pages,
		.max_holds = 4,
		.max_hold_pages = 4,
		.spill_slots = spill,
		.pin_ns = 50000,
		.delay_min_ns = 10000,
		.delay_max_ns = 10000,
		.seed = 1,
	};
	struct sim *s = sim_new(&p);

	sim_set_resume(s, op_resume);
	return s;
}

static uint64_t wire(struct sim *s, unsigned nodes, uint64_t *bytes)
{
	uint64_t n = 0;

	*bytes = 0;
	for (unsigned i = 0; i < nodes; i++) {
		const struct dsm_stats *st = dsm_stats(sim_node(s, i));

		for (unsigned t = 1; t < DSM_MSG_NTYPES; t++)
			n += st->msgs[t];
		*bytes += st->bytes;
	}
	return n;
}

/* Run an op to completion on a quiet cluster; a stuck one is cancelled, not left behind. */
static void run_op(struct sim *s, struct op o)
{
	op_start(s, &o);
	sim_run(s, 1000000);
	CHECK(o.done);
	if (!o.done && o.h.state != 0)
		dsm_release(sim_node(s, o.node), &o.h);
}

static void finish(struct sim *s)
{
	sim_run(s, 10000000);
	CHECK(sim_check_quiescent(s));
	CHECK_EQ(sim_violations(s), 0);
	sim_free(s);
}

static uint64_t word(struct sim *s, unsigned node, uint64_t gpa)
{
	uint64_t v;

	memcpy(&v, sim_frame(s, node, gpa / PAGE) + gpa % PAGE, 8);
	return v;
}

TEST(write_write_race)
{
	struct sim *s = mk(3, 6, 0);
	struct op a = op_word(1, 0, true, 0x111), b = op_word(2, 0, true, 0x222);

	/* Both miss at the same instant; the home (node 0) orders them. */
	CHECK_EQ(op_start(s, &a), DSM_PENDING);
	CHECK_EQ(op_start(s, &b), DSM_PENDING);
	sim_run(s, 1000000);
	CHECK(a.done && b.done);
	CHECK(sim_rights(s, 1, 0) == DSM_WRITE || sim_rights(s, 2, 0) == DSM_WRITE);
	CHECK(sim_rights(s, 1, 0) == DSM_NONE || sim_rights(s, 2, 0) == DSM_NONE);
	/* Many rounds of the same race, each with the pin window deciding who goes next. */
	for (unsigned i = 0; i < 200; i++) {
		a = op_word(1, 8 * (i % 4), true, i);
		b = op_word(2, 8 * (i % 4), true, i << 16);
		op_start(s, &a);
		op_start(s, &b);
		sim_run(s, 1000000);
		CHECK(a.done && b.done);
	}
	finish(s);
}

/* Eight readers of one page, then one writer: with the default pool (whose floor gives
 * every page homed here a slot: 0 slots for 16 pages on 8 nodes before, and every read
 * beyond the third evicted a sharer), with room to spare, and with no slot free (the one
 * slot taken by another page, or no pool at all), when the readers beyond the third evict
 * inline sharers instead. */
TEST(read_storm_then_invalidate)
{
	static const uint32_t pools[] = { 0, 4, 1, DSM_SPILL_NONE };

	for (unsigned variant = 0; variant < 4; variant++) {
		struct sim *s = mk(8, 16, pools[variant]);
		bool spills = variant < 2;
		struct op r[8];
		uint64_t m0, m1, bytes;

		if (variant == 0)
			CHECK_EQ(dsm_spill_default(&(struct dsm_config){ .self = 0,
									 .nnodes = 8,
									 .npages = 16,
									 .max_holds = 4,
									 .max_hold_pages = 4 }),
				 2);
		if (variant == 2) /* page 1 takes the one slot */
			for (unsigned n = 1; n < 4; n++)
				run_op(s, op_word(n, PAGE, false, 0));
		run_op(s, op_word(0, 64, true, 0xabc));
		for (unsigned i = 0; i < 8; i++) {
			r[i] = op_word(i, 64, false, 0);
			op_start(s, &r[i]);
		}
		sim_run(s, 1000000);
		for (unsigned i = 0; i < 8; i++)
			CHECK(r[i].done);
		if (spills) {
			struct dsm_dir_info di;

			dsm_dir_info(sim_node(s, 0), 0, &di);
			CHECK_EQ(di.mode, DSM_DIR_SHARED);
			CHECK_EQ(di.nsharers, 7);
			CHECK(di.spilled);
			CHECK_EQ(dsm_stats(sim_node(s, 0))->evictions, 0);
		} else {
			CHECK(dsm_stats(sim_node(s, 0))->evictions > 0);
		}
		/* One write now invalidates every copy, in parallel, acks counted back. */
		m0 = wire(s, 8, &bytes);
		run_op(s, op_word(5, 64, true, 0xdef));
		m1 = wire(s, 8, &bytes);
		for (unsigned i = 0; i < 8; i++)
			CHECK_EQ(sim_rights(s, i, 0), i == 5 ? DSM_WRITE : DSM_NONE);
		if (spills)
			CHECK_EQ(m1 - m0, 2 + 6 + 7); /* REQ, GRANT, 6 wire INVs, 7 ACKs */
		finish(s);
	}
}

TEST(split_access_across_homes)
{
	/* 2 nodes, 4 pages: node 0 homes pages 0-1, node 1 homes 2-3; the word straddles 1|2. */
	struct sim *s = mk(2, 4, 0);
	uint64_t gpa = 2 * PAGE - 4;

	CHECK_EQ(dsm_home_of(sim_node(s, 0), 1), 0);
	CHECK_EQ(dsm_home_of(sim_node(s, 0), 2), 1);
	for (unsigned i = 0; i < 300; i++) {
		struct op a = op_word(0, gpa, true, 0x1111111100000000ull + i);
		struct op b = op_word(1, gpa, i % 3 != 0, 0x2222222200000000ull + i);
		struct op c = op_word(1, 3 * PAGE - 8, true, i); /* page 2 alone, meanwhile */

		op_start(s, &a);
		op_start(s, &b);
		op_start(s, &c);
		CHECK(a.h.first == 1 && a.h.last == 2);
		sim_run(s, 1000000);
		CHECK(a.done && b.done && c.done);
	}
	finish(s);
}

TEST(invalidation_crossing_grant)
{
	/* Page 0: home 0. Node 1 owns it, node 2 reads, node 3 writes; the grant to node 2
	 * is held back so the invalidation for node 3's write arrives first. */
	struct sim *s = mk(4, 8, 0);
	struct op rd = op_word(2, 0, false, 0), wr = op_word(3, 0, true, 0x333);
	struct dsm_page_info pi;

	run_op(s, op_word(1, 0, true, 0x111));
	sim_hold_channel(s, 1, 2, true);
	rd.manual = true;
	CHECK_EQ(op_start(s, &rd), DSM_PENDING);
	sim_run(s, 1000000);
	CHECK_EQ(sim_parked(s, 1, 2), 1); /* the grant, waiting */
	CHECK_EQ(op_start(s, &wr), DSM_PENDING);
	sim_run(s, 1000000);
	dsm_page_info(sim_node(s, 2), 0, &pi);
	CHECK_EQ(pi.deferred, 1); /* the invalidation waits for the grant */
	CHECK_EQ(pi.pending, DSM_READ);
	CHECK(!wr.done && !rd.resumed);
	sim_hold_channel(s, 1, 2, false);
	sim_kick(s, 2);
	CHECK(rd.resumed); /* the page arrived and is pinned: the read still sees 0x111 */
	CHECK_EQ(word(s, 2, 0), 0x111);
	CHECK(!wr.done);
	op_perform(s, &rd);
	sim_run(s, 1000000);
	CHECK(wr.done);
	CHECK_EQ(sim_rights(s, 2, 0), DSM_NONE);
	CHECK_EQ(word(s, 3, 0), 0x333);
	CHECK(dsm_stats(sim_node(s, 2))->pend_defers >= 1);
	finish(s);
}

TEST(pin_window_then_expiry)
{
	struct sim *s = mk(3, 6, 0);
	struct op a = op_word(1, 0, true, 1), b = op_word(2, 0, true, 2);
	uint64_t t0;

	a.keep = true; /* node 1 performs but does not release: a stuck vCPU */
	op_start(s, &a);
	sim_run(s, 1000000);
	CHECK(a.done);
	t0 = sim_now(s);
	op_start(s, &b);
	while (sim_now(s) < t0 + 40000 && sim_step(s))
		;
	CHECK(!b.done); /* still within node 1's pin window */
	CHECK_EQ(dsm_stats(sim_node(s, 1))->pin_waits, 1);
	sim_run(s, 1000000);
	CHECK(b.done); /* the window ran out: the page moved */
	CHECK_EQ(dsm_stats(sim_node(s, 1))->pin_expired, 1);
	CHECK_EQ(dsm_release(sim_node(s, 1), &a.h), 1); /* node 1's hold was lost */
	finish(s);
}

TEST(a_hold_with_its_own_longer_pin_window)
{
	/* As above, but node 1's hold asks for 200 us: it outlasts the node's 50 us, and
	 * a shorter one of its own changes nothing. */
	struct sim *s = mk(3, 6, 0);
	struct op a = op_word(1, 0, true, 1), b = op_word(2, 0, true, 2);
	struct op c = op_word(1, PAGE, true, 3), e = op_word(2, PAGE, true, 4);
	uint64_t t0;

	a.keep = c.keep = true;
	a.pin = 200000;
	c.pin = 10000;
	op_start(s, &a);
	op_start(s, &c);
	sim_run(s, 1000000);
	CHECK(a.done && c.done);
	t0 = sim_now(s);
	op_start(s, &b);
	op_start(s, &e);
	while (sim_now(s) < t0 + 40000 && sim_step(s))
		;
	CHECK(!b.done && !e.done); /* both within the node's window */
	while (!e.done && sim_step(s))
		; /* the node's window ran out for c's page */
	CHECK(e.done);
	CHECK(!b.done); /* a's own window has not */
	CHECK_EQ(sim_rights(s, 1, 0), DSM_WRITE);
	sim_run(s, 1000000);
	CHECK(b.done);
	CHECK_EQ(dsm_release(sim_node(s, 1), &a.h), 1);
	CHECK_EQ(dsm_release(sim_node(s, 1), &c.h), 1);
	finish(s);
}

TEST(zero_pages_and_version_skips)
{
	struct sim *s = mk(3, 6, 0);
	uint64_t m0, b0, m1, b1;
	struct op clean;

	/* Never written: a read costs a request and a grant, no page. */
	m0 = wire(s, 3, &b0);
	run_op(s, op_word(1, 0, false, 0));
	m1 = wire(s, 3, &b1);
	CHECK_EQ(m1 - m0, 2);
	CHECK_EQ(b1 - b0, 2 * DSM_MSG_HDR);
	CHECK_EQ(word(s, 1, 0), 0); /* the frame was garbage: the grant cleared it */
	/* Node 2 writes, node 1 reads (data), node 1 upgrades: rights only, no page. */
	run_op(s, op_word(2, 0, true, 7));
	run_op(s, op_word(1, 0, false, 0));
	m0 = wire(s, 3, &b0);
	clean = op_word(1, 0, true, 0);
	clean.touch = false; /* a write fault that ends up not writing */
	run_op(s, clean);
	m1 = wire(s, 3, &b1);
	CHECK(b1 - b0 < DSM_PAGE_SIZE);
	/* Node 2 still holds version 1, and node 1 did not dirty it: no page again. */
	m0 = wire(s, 3, &b0);
	run_op(s, op_word(2, 0, false, 0));
	m1 = wire(s, 3, &b1);
	CHECK(b1 - b0 < DSM_PAGE_SIZE);
	CHECK(dsm_stats(sim_node(s, 1))->same_skips >= 1);
	finish(s);
}

TEST(three_message_fault_and_local_hit)
{
	struct sim *s = mk(3, 6, 0);
	struct op again;
	uint64_t m0, m1, b;

	run_op(s, op_word(1, 0, true, 5)); /* page 0: home 0, owner 1 */
	m0 = wire(s, 3, &b);
	run_op(s, op_word(2, 0, false, 0)); /* 2 -> home 0 -> owner 1 -> 2 */
	m1 = wire(s, 3, &b);
	CHECK_EQ(m1 - m0, 3);
	CHECK_EQ(sim_faults(s)->crit_max, 3);
	again = op_word(2, 8, false, 0);
	CHECK_EQ(op_start(s, &again), 0); /* rights held: no message at all */
	sim_run(s, 1000);
	CHECK_EQ(wire(s, 3, &b), m1);
	finish(s);
}

/* The hot-page table: exact while the faulting pages fit it; past that, an entry that took
 * over another says how much of its count it inherited, so the range it prints holds the
 * true count. */
TEST(hot_page_counts_and_their_error)
{
	struct sim *s = mk(2, 2 * (DSM_HOT_PAGES + 8), 0);
	const struct dsm_stats *st = dsm_stats(sim_node(s, 0));
	unsigned over = 0;

	for (uint64_t p = 0; p < DSM_HOT_PAGES + 8; p++)
		CHECK_EQ(dsm_home_of(sim_node(s, 0), p), 0u);
	for (uint64_t p = 0; p < 10; p++)
		run_op(s, op_word(1, p * PAGE, false, 0));
	for (unsigned i = 0; i < DSM_HOT_PAGES; i++)
		if (st->hot[i].faults) {
			CHECK_EQ(st->hot[i].faults, 1);
			CHECK_EQ(st->hot[i].over, 0);
		}
	for (uint64_t p = 10; p < DSM_HOT_PAGES + 8; p++)
		run_op(s, op_word(1, p * PAGE, false, 0)); /* one request each, 8 too many */
	for (unsigned i = 0; i < DSM_HOT_PAGES; i++) {
		CHECK(st->hot[i].faults >= 1 && st->hot[i].faults - st->hot[i].over <= 1);
		over += st->hot[i].over > 0;
	}
	CHECK_EQ(over, 8);
	finish(s);
}

TEST(multi_page_acquire_ascending)
{
	struct sim *s = mk(3, 9, 0);
	struct op dma = {
		.node = 0, .gpa = 2 * PAGE, .len = 4 * PAGE, .write = true, .touch = true, .val = 9
	};
	struct op w = op_word(2, 5 * PAGE, true, 3);

	op_start(s, &w);
	op_start(s, &dma); /* pages 2..5 in order; homes 0, 1, 1, 1 */
	CHECK(dma.h.first == 2 && dma.h.last == 5);
	sim_run(s, 1000000);
	CHECK(dma.done && w.done);
	CHECK(dsm_stats(sim_node(s, 0))->faults[1] >= 4);
	CHECK_EQ(dsm_acquire(sim_node(s, 0), &dma.h, 0, 5 * PAGE, false), DSM_EINVAL);
	CHECK_EQ(dsm_acquire(sim_node(s, 0), &dma.h, 0, 0, false), DSM_EINVAL);
	CHECK_EQ(dsm_acquire(sim_node(s, 0), &dma.h, 9 * PAGE - 4, 8, false), DSM_EINVAL);
	finish(s);
}

TEST(runs_of_consecutive_pages)
{
	/* Node 1 asks for pages 0-3 (home node 0) for writing in one batch: one REQ header
	 * for the four. The home grants 0 and 1 (never written) in one header; page 2 has a
	 * reader to invalidate first, so its grant (one ack due) and page 3's go alone. */
	struct sim *s = mk(3, 12, 0);
	struct op w[4];
	const struct dsm_stats *s0 = dsm_stats(sim_node(s, 0)), *s1 = dsm_stats(sim_node(s, 1));
	uint64_t m0, m1, b, g0, z0;

	run_op(s, op_word(2, 2 * PAGE, false, 0));
	m0 = wire(s, 3, &b);
	g0 = s0->msgs[DSM_MSG_GRANT], z0 = s0->zero_grants;
	dsm_batch(sim_node(s, 1), true);
	for (unsigned i = 0; i < 4; i++) {
		w[i] = op_word(1, i * PAGE + 8, true, 0x7000 + i);
		CHECK_EQ(op_start(s, &w[i]), DSM_PENDING);
	}
	CHECK_EQ(s1->msgs[DSM_MSG_REQ], 0); /* (held until the batch ends) */
	dsm_batch(sim_node(s, 1), false);
	sim_run(s, 1000000);
	m1 = wire(s, 3, &b);
	for (unsigned i = 0; i < 4; i++)
		CHECK(w[i].done);
	CHECK_EQ(s1->msgs[DSM_MSG_REQ], 1);
	CHECK_EQ(s1->run_msgs, 1);
	CHECK_EQ(s1->run_pages, 3);
	CHECK_EQ(s0->msgs[DSM_MSG_GRANT] - g0, 3);
	CHECK_EQ(s0->run_pages, 1);
	CHECK_EQ(m1 - m0, 6); /* REQ, GRANT 0-1, INV 2, GRANT 2, GRANT 3, node 2's ACK */
	CHECK_EQ(s0->zero_grants - z0, 4);
	for (unsigned i = 0; i < 4; i++) {
		run_op(s, op_word(0, i * PAGE + 8, false, 0)); /* (checked: the latest write) */
		CHECK_EQ(word(s, 0, i * PAGE + 8), 0x7000 + i);
	}
	/* Outside a batch, each call sends its own: four acquires, four requests. */
	for (unsigned i = 0; i < 4; i++)
		run_op(s, op_word(2, 4 * PAGE + i * PAGE, true, 1));
	CHECK_EQ(dsm_stats(sim_node(s, 2))->msgs[DSM_MSG_REQ], 5);
	finish(s);
}

TEST(runs_split_at_the_limit_around_other_answers)
{
	/* Node 1 asks for pages 0-69 of node 0's home for writing in one batch: two REQ
	 * headers (64 pages, then 6). Node 0 answers runs of zero grants around page 10,
	 * which it wrote (a grant with the page), and page 20, which it read (its own copy
	 * invalidated: a grant with one ack due, then its ACK). */
	struct sim_params sp = { .nnodes = 2,
				 .npages = 160,
				 .max_holds = 80,
				 .max_hold_pages = 1,
				 .pin_ns = 50000,
				 .delay_min_ns = 10000,
				 .delay_max_ns = 10000,
				 .seed = 1 };
	struct sim *s = sim_new(&sp);
	static struct op w[70];
	const struct dsm_stats *s0 = dsm_stats(sim_node(s, 0)), *s1 = dsm_stats(sim_node(s, 1));
	uint64_t g0, a0;

	sim_set_resume(s, op_resume);
	run_op(s, op_word(0, 10 * PAGE, true, 0x1010));
	run_op(s, op_word(0, 20 * PAGE, false, 0));
	g0 = s0->msgs[DSM_MSG_GRANT], a0 = s0->msgs[DSM_MSG_ACK];
	CHECK_EQ(g0 + a0 + s1->msgs[DSM_MSG_REQ], 0); /* (so far all local) */
	dsm_batch(sim_node(s, 1), true);
	for (unsigned i = 0; i < 70; i++) {
		w[i] = op_word(1, i * PAGE + 16, true, 0x9000 + i);
		CHECK_EQ(op_start(s, &w[i]), DSM_PENDING);
	}
	dsm_batch(sim_node(s, 1), false);
	sim_run(s, 1000000);
	for (unsigned i = 0; i < 70; i++)
		CHECK(w[i].done);
	CHECK_EQ(s1->msgs[DSM_MSG_REQ], 2);
	CHECK_EQ(s1->run_pages, 63 + 5);
	/* 0-9, 10 with the page, 11-19, 20 (an ack due), its ACK, 21-63, 64-69 */
	CHECK_EQ(s0->msgs[DSM_MSG_GRANT], 6);
	CHECK_EQ(s0->msgs[DSM_MSG_ACK], 1);
	CHECK_EQ(s0->run_pages, 9 + 8 + 42 + 5);
	CHECK_EQ(s0->data_sent, 1);
	for (unsigned i = 0; i < 70; i += 7) {
		run_op(s, op_word(0, i * PAGE + 16, false, 0));
		CHECK_EQ(word(s, 0, i * PAGE + 16), 0x9000 + i);
	}
	run_op(s, op_word(0, 10 * PAGE, false, 0));
	CHECK_EQ(word(s, 0, 10 * PAGE), 0x1010);
	finish(s);
}

static int inject(struct sim *s, unsigned node, unsigned from, const uint8_t *m, size_t len)
{
	return dsm_receive(sim_node(s, node), from, m, len);
}

TEST(malformed_messages_rejected)
{
	struct sim *s = mk(3, 6, 0);
	uint8_t m[DSM_MSG_MAX] = { 0 };
	const struct dsm_stats *st = dsm_stats(sim_node(s, 1));

	m[0] = DSM_MSG_REQ;
	CHECK(inject(s, 1, 0, m, 10) < 0);		/* short */
	CHECK(inject(s, 1, 0, m, DSM_MSG_HDR + 1) < 0); /* long */
	m[0] = 99;
	CHECK(inject(s, 1, 0, m, DSM_MSG_HDR) < 0); /* unknown type */
	m[0] = DSM_MSG_REQ;
	m[8] = 200; /* page 200 of 6 */
	CHECK(inject(s, 1, 0, m, DSM_MSG_HDR) < 0);
	m[8] = 0; /* page 0 is homed by node 0, not node 1 */
	CHECK(inject(s, 1, 0, m, DSM_MSG_HDR) < 0);
	m[8] = 2, m[2] = 7; /* requester 7 of 3 */
	CHECK(inject(s, 1, 0, m, DSM_MSG_HDR) < 0);
	m[2] = 0, m[1] = 0x40; /* unknown flag */
	CHECK(inject(s, 1, 0, m, DSM_MSG_HDR) < 0);
	m[1] = 0, m[0] = DSM_MSG_FWD; /* a forward for page 2 from node 0, which is not home */
	CHECK(inject(s, 1, 0, m, DSM_MSG_HDR) < 0);
	m[0] = DSM_MSG_GRANT, m[2] = 1; /* a grant nobody asked for */
	CHECK(inject(s, 1, 0, m, DSM_MSG_HDR + DSM_PAGE_SIZE) < 0);
	m[0] = DSM_MSG_ACK;
	CHECK(inject(s, 1, 2, m, DSM_MSG_HDR) < 0);
	CHECK(inject(s, 1, 1, m, DSM_MSG_HDR) < 0); /* from itself */
	CHECK(inject(s, 1, 9, m, DSM_MSG_HDR) < 0); /* from a node that does not exist */
	m[0] = DSM_MSG_REQ, m[2] = 0, m[8] = 2;
	m[6] = DSM_RUN_MAX; /* a run longer than any sender makes */
	CHECK(inject(s, 1, 0, m, DSM_MSG_HDR) < 0);
	m[6] = 4; /* pages 2-6 of 6 */
	CHECK(inject(s, 1, 0, m, DSM_MSG_HDR) < 0);
	m[6] = 1, m[0] = DSM_MSG_GRANT; /* a run of grants with data */
	CHECK(inject(s, 1, 0, m, DSM_MSG_HDR + DSM_PAGE_SIZE) < 0);
	m[0] = DSM_MSG_PUT, m[1] = 0x08; /* a run of PUTs (of zeros) */
	CHECK(inject(s, 1, 0, m, DSM_MSG_HDR) < 0);
	CHECK_EQ(st->bad_msgs, 16);
	CHECK(dsm_idle(sim_node(s, 1)));
	sim_free(s);
}

/* Evict node's copy of page and run until the eviction is over. */
static int evict(struct sim *s, unsigned node, uint64_t page)
{
	int rc = dsm_evict(sim_node(s, node), page);

	sim_kick(s, node);
	sim_run(s, 1000000);
	return rc;
}

TEST(eviction_owner_gives_back)
{
	struct sim *s = mk(3, 6, 0);
	struct dsm_dir_info di;
	struct dsm_page_info pi;
	uint64_t m0, m1, b;

	run_op(s, op_word(1, 0, true, 0x5151)); /* page 0: home 0, owner 1, written */
	CHECK_EQ(evict(s, 1, 0), DSM_PENDING);
	dsm_page_info(sim_node(s, 1), 0, &pi);
	CHECK(!pi.valid && !pi.evicting && pi.rights == DSM_NONE);
	CHECK(sim_frame(s, 1, 0)[0] == 0x5a); /* the frame was freed (scribbled) */
	dsm_dir_info(sim_node(s, 0), 0, &di);
	CHECK(di.mode == DSM_DIR_SHARED && di.owner == 0 && di.nsharers == 0);
	CHECK_EQ(sim_rights(s, 0, 0), DSM_READ);
	CHECK_EQ(word(s, 0, 0), 0x5151);
	CHECK_EQ(dsm_stats(sim_node(s, 0))->puts_owner, 1);
	CHECK_EQ(dsm_stats(sim_node(s, 1))->puts_data, 1);
	/* The home answers the next read itself: two messages, the page from its frame. */
	m0 = wire(s, 3, &b);
	run_op(s, op_word(2, 0, false, 0));
	m1 = wire(s, 3, &b);
	CHECK_EQ(m1 - m0, 2);
	CHECK_EQ(word(s, 2, 0), 0x5151);
	/* A sharer gives its copy back too; the home keeps being the owner. */
	CHECK_EQ(evict(s, 2, 0), DSM_PENDING);
	dsm_dir_info(sim_node(s, 0), 0, &di);
	CHECK(di.owner == 0 && di.nsharers == 0);
	/* And node 1 asks again as a newcomer. */
	run_op(s, op_word(1, 0, true, 0x6161));
	finish(s);
}

TEST(eviction_put_crosses_forward)
{
	/* Node 1 owns page 0 and gives it back; its PUT is held up while node 2's write is
	 * forwarded to it: it serves the forward from the frame it kept, and the PUT arrives
	 * stale. */
	struct sim *s = mk(3, 6, 0);
	struct op wr = op_word(2, 0, true, 0x2222);

	run_op(s, op_word(1, 0, true, 0x1111));
	sim_hold_channel(s, 1, 0, true);
	CHECK_EQ(dsm_evict(sim_node(s, 1), 0), DSM_PENDING);
	CHECK_EQ(dsm_evict(sim_node(s, 1), 0), DSM_EBUSY); /* (already under way) */
	CHECK_EQ(op_start(s, &wr), DSM_PENDING);
	sim_run(s, 1000000);
	CHECK(wr.done); /* the page came from node 1's kept frame */
	CHECK_EQ(sim_parked(s, 1, 0), 1);
	sim_hold_channel(s, 1, 0, false);
	sim_run(s, 1000000);
	CHECK_EQ(dsm_stats(sim_node(s, 0))->puts_stale, 1);
	CHECK_EQ(sim_rights(s, 2, 0), DSM_WRITE);
	CHECK_EQ(word(s, 2, 0), 0x2222);
	finish(s);
}

TEST(eviction_refused_while_home_reads)
{
	/* Node 1 owns page 0 and gives it back while the home's own read is forwarded to it:
	 * node 1 serves the read from its kept frame, and its grant to the home follows the
	 * PUT. The home's frame is about to receive that grant, so it refuses the PUT, and
	 * node 1 keeps the page as the owner, read-only. */
	struct sim *s = mk(3, 6, 0);
	struct op rd = op_word(0, 0, false, 0);
	struct dsm_dir_info di;

	run_op(s, op_word(1, 0, true, 0x1111));
	sim_hold_channel(s, 1, 0, true);
	CHECK_EQ(dsm_evict(sim_node(s, 1), 0), DSM_PENDING);
	CHECK_EQ(op_start(s, &rd), DSM_PENDING);
	sim_run(s, 1000000);
	CHECK_EQ(sim_parked(s, 1, 0), 2); /* the PUT, then the grant */
	sim_hold_channel(s, 1, 0, false);
	sim_run(s, 1000000);
	CHECK(rd.done);
	CHECK_EQ(dsm_stats(sim_node(s, 0))->puts_refused, 1);
	CHECK_EQ(sim_rights(s, 1, 0), DSM_READ);
	CHECK_EQ(word(s, 1, 0), 0x1111); /* the frame was not freed */
	dsm_dir_info(sim_node(s, 0), 0, &di);
	CHECK(di.mode == DSM_DIR_SHARED && di.owner == 1 && di.nsharers == 1);
	/* Tried again with nothing in flight at the home, the PUT is taken. */
	CHECK_EQ(evict(s, 1, 0), DSM_PENDING);
	dsm_dir_info(sim_node(s, 0), 0, &di);
	CHECK(di.owner == 0 && di.nsharers == 0);
	CHECK_EQ(sim_rights(s, 1, 0), DSM_NONE);
	finish(s);
}

TEST(eviction_calls)
{
	struct sim *s = mk(3, 6, 0);
	struct op keep = op_word(1, 0, false, 0);

	CHECK_EQ(dsm_evict(sim_node(s, 0), 0), DSM_EINVAL); /* homed here */
	CHECK_EQ(dsm_evict(sim_node(s, 1), 0), DSM_EINVAL); /* no copy */
	CHECK_EQ(dsm_evict(sim_node(s, 1), 99), DSM_EINVAL);
	CHECK_EQ(dsm_evict(sim_node(s, 1), 2), DSM_EINVAL); /* pages 2-3 are node 1's */
	keep.keep = true;
	op_start(s, &keep);
	sim_run(s, 1000000);
	CHECK(keep.done);
	CHECK_EQ(dsm_evict(sim_node(s, 1), 0), DSM_EBUSY); /* held */
	dsm_release(sim_node(s, 1), &keep.h);
	/* A copy the page's next writer invalidated: forgotten without a message. */
	run_op(s, op_word(2, 0, true, 3));
	CHECK_EQ(sim_rights(s, 1, 0), DSM_NONE);
	CHECK_EQ(dsm_evict(sim_node(s, 1), 0), 0);
	CHECK_EQ(dsm_stats(sim_node(s, 1))->forgets, 1);
	CHECK_EQ(dsm_evict(sim_node(s, 1), 0), DSM_EINVAL); /* nothing left */
	finish(s);
}

TEST(malformed_eviction_messages_rejected)
{
	struct sim *s = mk(3, 6, 0);
	uint8_t m[DSM_MSG_MAX] = { 0 };
	const struct dsm_stats *st0 = dsm_stats(sim_node(s, 0));

	m[0] = DSM_MSG_PUT, m[2] = 1, m[1] = 0x08;  /* a PUT of zeros for page 0, from node 1 */
	CHECK(inject(s, 2, 1, m, DSM_MSG_HDR) < 0); /* to node 2, not the home */
	m[2] = 2;
	CHECK(inject(s, 0, 1, m, DSM_MSG_HDR) < 0); /* requester is not the sender */
	m[2] = 1, m[1] = 0x04;
	CHECK(inject(s, 0, 1, m, DSM_MSG_HDR) < 0); /* "same version": not a PUT's */
	m[1] = 0x08, m[16] = 5;
	CHECK(inject(s, 0, 1, m, DSM_MSG_HDR) < 0); /* zeros at version 5 */
	m[16] = 0, m[1] = 0x00;
	CHECK(inject(s, 0, 1, m, DSM_MSG_HDR) < 0); /* data announced, none sent */
	CHECK_EQ(st0->bad_msgs, 4);		    /* (the first one was node 2's to count) */
	m[1] = 0x08;
	CHECK_EQ(inject(s, 0, 1, m, DSM_MSG_HDR), 0); /* well formed: a stale PUT, answered */
	CHECK_EQ(st0->puts_stale, 1);
	sim_run(s, 1000000); /* ...and node 1 rejects the PUT_ACK it did not ask for */
	CHECK_EQ(dsm_stats(sim_node(s, 1))->bad_msgs, 1);
	sim_free(s);
}

TEST(evictions_keep_records_for_invalidations)
{
	/* Node 1 reads 25 pages homed at node 0 and keeps a hold on a 26th; then gives the 25
	 * back at once. Evictions have records of their own (max_holds of them): the rest are
	 * refused as busy, and the invalidation of the held page, which must wait behind the
	 * pin in a record, still finds one. */
	struct sim *s = mk(2, 64, 0); /* (pages 0-31 homed at node 0) */
	struct op keep = op_word(1, 25 * PAGE, false, 0), wr = op_word(0, 25 * PAGE, true, 9);
	unsigned pending = 0, busy = 0;

	for (uint64_t p = 0; p < 25; p++)
		run_op(s, op_word(1, p * PAGE, false, 0));
	keep.keep = true;
	op_start(s, &keep);
	sim_run(s, 1000000);
	for (uint64_t p = 0; p < 25; p++) {
		int rc = dsm_evict(sim_node(s, 1), p);
		pending += rc == DSM_PENDING;
		busy += rc == DSM_EBUSY;
	}
	CHECK_EQ(pending, 4); /* max_holds of mk() */
	CHECK_EQ(busy, 21);
	CHECK_EQ(op_start(s, &wr), DSM_PENDING);
	sim_run(s, 20000); /* the invalidation arrives and waits for the pin */
	dsm_release(sim_node(s, 1), &keep.h);
	sim_kick(s, 1);
	sim_run(s, 1000000);
	CHECK(wr.done);
	CHECK_EQ(dsm_stats(sim_node(s, 1))->bad_msgs, 0);
	finish(s);
}

TEST(eviction_empties_a_spilled_copyset)
{
	/* Four nodes read page 0 (its copyset spills into the one slot), then all give it
	 * back: the slot is free again, so the readers of page 1 spill rather than evict. */
	struct sim *s = mk(5, 10, 1);
	struct dsm_dir_info di;

	for (unsigned n = 1; n < 5; n++)
		run_op(s, op_word(n, 0, false, 0));
	dsm_dir_info(sim_node(s, 0), 0, &di);
	CHECK(di.spilled && di.nsharers == 4);
	for (unsigned n = 1; n < 5; n++)
		evict(s, n, 0);
	dsm_dir_info(sim_node(s, 0), 0, &di);
	CHECK(!di.spilled && di.nsharers == 0);
	for (unsigned n = 1; n < 5; n++)
		run_op(s, op_word(n, PAGE, false, 0));
	dsm_dir_info(sim_node(s, 0), 1, &di);
	CHECK(di.spilled);
	CHECK_EQ(dsm_stats(sim_node(s, 0))->evictions, 0);
	finish(s);
}

TEST(eviction_waits_for_a_lost_hold)
{
	/* Node 1's write hold outlives its pin window: node 2's read takes the page's write
	 * rights and marks the hold lost, but its actor may still touch the frame, so the
	 * page cannot be given back until the hold ends. */
	struct sim *s = mk(3, 6, 0);
	struct op keep = op_word(1, 0, true, 1);

	keep.keep = true;
	op_start(s, &keep);
	sim_run(s, 1000000);
	run_op(s, op_word(2, 0, false, 0));
	CHECK(dsm_hold_lost(&keep.h));
	CHECK_EQ(dsm_evict(sim_node(s, 1), 0), DSM_EBUSY);
	CHECK_EQ(dsm_release(sim_node(s, 1), &keep.h), 1);
	CHECK_EQ(evict(s, 1, 0), DSM_PENDING);
	finish(s);
}
