// SPDX-License-Identifier: GPL-2.0-only
/*
 * Core of the DSM simulator (see sim.h): the event queue, the direct network, and the dsm_ops
 * callbacks that bind each simulated node to its frames. The callbacks double as checkers:
 * set_rights sees every rights change of every node, so the single-writer invariant and
 * "new rights come with the latest contents" are checked at each step where they could
 * break. sim_check.c holds the access and quiescence checkers and the fault accounting,
 * sim_wire.c the lossy network (the message layer over a faulty wire).
 */
#include "tests/dsm/sim_int.h"

#include <stdlib.h>

uint64_t sim_rand(struct sim *s)
{
	/* splitmix64: tiny, good enough, and the same sequence for the same seed everywhere */
	uint64_t z = (s->rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

uint64_t sim_now(const struct sim *s)
{
	return s->now;
}

struct dsm_node *sim_node(struct sim *s, unsigned node)
{
	return s->node[node].d;
}

const uint8_t *sim_frame(const struct sim *s, unsigned node, uint64_t page)
{
	return s->node[node].frames + page * DSM_PAGE_SIZE;
}

enum dsm_rights sim_rights(const struct sim *s, unsigned node, uint64_t page)
{
	return s->node[node].rights[page];
}

static bool ev_before(const struct sim_ev *a, const struct sim_ev *b)
{
	return a->t < b->t || (a->t == b->t && a->seq < b->seq);
}

static void ev_push(struct sim *s, struct sim_ev ev)
{
	size_t i;

	if (s->nheap == s->capheap) {
		s->capheap = s->capheap ? 2 * s->capheap : 256;
		s->heap = realloc(s->heap, s->capheap * sizeof(*s->heap));
	}
	ev.seq = s->seq++;
	for (i = s->nheap++; i > 0 && ev_before(&ev, &s->heap[(i - 1) / 2]); i = (i - 1) / 2)
		s->heap[i] = s->heap[(i - 1) / 2];
	s->heap[i] = ev;
}

static struct sim_ev ev_pop(struct sim *s)
{
	struct sim_ev top = s->heap[0], last = s->heap[--s->nheap];
	size_t i = 0, c;

	while ((c = 2 * i + 1) < s->nheap) {
		if (c + 1 < s->nheap && ev_before(&s->heap[c + 1], &s->heap[c]))
			c++;
		if (!ev_before(&s->heap[c], &last))
			break;
		s->heap[i] = s->heap[c];
		i = c;
	}
	s->heap[i] = last;
	return top;
}

/*
 * Messages and packets take their buffers from a free list: a run sends millions, and ASan's
 * allocator fills and quarantines every buffer it hands out, which costs more than the rest
 * of a message's trip. Every buffer has room for the largest DSM message (the ideal wire
 * carries them whole) and the largest packet of the lossy wire.
 */
#define SIM_MSG_MAX (MSG_MAX_PAYLOAD > MSG_MAX_PACKET ? MSG_MAX_PAYLOAD : MSG_MAX_PACKET)

struct sim_msg *sim_msg_new(struct sim *s, unsigned src, unsigned dst, size_t len)
{
	struct sim_msg *m = s->msg_free;

	if (len > SIM_MSG_MAX) {
		printf("  sim: a message of %zu bytes\n", len);
		abort();
	}
	if (m)
		s->msg_free = m->next;
	else
		m = malloc(sizeof(*m) + SIM_MSG_MAX);
	m->next = NULL, m->src = src, m->dst = dst, m->len = len;
	return m;
}

void sim_msg_free(struct sim *s, struct sim_msg *m)
{
	m->next = s->msg_free;
	s->msg_free = m;
}

static void sim_msg_free_list(struct sim_msg *m)
{
	while (m) {
		struct sim_msg *next = m->next;

		free(m);
		m = next;
	}
}

void sim_at(struct sim *s, uint64_t t, void (*fn)(struct sim *, void *), void *arg)
{
	ev_push(s, (struct sim_ev){ .t = t, .kind = EV_CALL, .fn = fn, .arg = arg });
}

void sim_post(struct sim *s, uint64_t t, int kind, unsigned node, struct sim_msg *m)
{
	ev_push(s, (struct sim_ev){ .t = t, .kind = kind, .node = node, .msg = m });
}

/* Ask for a poll at the node's next pin deadline. Stale poll events are ignored. */
void sim_after(struct sim *s, unsigned node)
{
	struct sim_node *n = &s->node[node];
	uint64_t dl = dsm_next_deadline(n->d);

	if (dl < n->poll_at) {
		n->poll_at = dl;
		ev_push(s, (struct sim_ev){
				   .t = dl > s->now ? dl : s->now, .kind = EV_POLL, .node = node });
	}
}

void sim_kick(struct sim *s, unsigned node)
{
	sim_after(s, node);
}

uint64_t sim_delay(struct sim *s)
{
	uint64_t span = s->p.delay_max_ns - s->p.delay_min_ns + 1;
	uint64_t d = s->p.delay_min_ns + sim_rand(s) % span;

	if (span == 1)
		return d; /* a fixed delay: scripted cases want no stragglers */
	if (sim_rand(s) % 16 == 0)
		d += sim_rand(s) % (8 * s->p.delay_max_ns + 1); /* a straggler */
	return d;
}

/* The transport lies, when told to: an invalidation becomes the sharer's ack. */
static void sim_fake_ack(struct sim *s, struct sim_msg *m)
{
	unsigned type, req, pages;
	uint64_t page;

	dsm_msg_peek(m->buf, m->len, &type, &req, &page, &pages);
	if (type != DSM_MSG_INV || sim_rand(s) % 4)
		return;
	m->buf[0] = DSM_MSG_ACK;
	m->src = m->dst;
	m->dst = req;
}

static int sim_op_send(void *ctx, unsigned dst, const void *hdr, size_t hdr_len,
		       const void *payload, size_t payload_len)
{
	struct sim_node *n = ctx;
	struct sim *s = n->s;
	struct sim_msg *m = sim_msg_new(s, n->id, dst, hdr_len + payload_len);
	struct sim_chan *c;
	uint64_t t;

	memcpy(m->buf, hdr, hdr_len);
	if (payload_len)
		memcpy(m->buf + hdr_len, payload, payload_len);
	sim_account(s, n->id, m);
	sim_trace_msg(s, "send", m);
	if (s->p.inject & SIM_INJECT_FAKE_ACK)
		sim_fake_ack(s, m);
	if ((s->p.inject & SIM_INJECT_DROP) && sim_rand(s) % 64 == 0) {
		sim_msg_free(s, m);
		return 0;
	}
	if (s->p.lossy.on) {
		sim_wire_send(s, m);
		return 0;
	}
	c = &s->chan[m->src][m->dst];
	t = s->now + sim_delay(s);
	if (!(s->p.inject & SIM_INJECT_REORDER) && t < c->last)
		t = c->last; /* FIFO per peer: never overtake the previous message */
	c->last = t;
	ev_push(s, (struct sim_ev){ .t = t, .kind = EV_MSG, .msg = m });
	return 0;
}

static void sim_deliver(struct sim *s, struct sim_msg *m)
{
	int rc;

	sim_trace_msg(s, "recv", m);
	rc = dsm_receive(s->node[m->dst].d, m->src, m->buf, m->len);

	if (rc < 0)
		sim_violation(s, "node %u rejected message type %u from %u: %d", m->dst, m->buf[0],
			      m->src, rc);
	sim_after(s, m->dst);
	sim_msg_free(s, m);
}

void sim_msg_arrive(struct sim *s, struct sim_msg *m)
{
	struct sim_chan *c = &s->chan[m->src][m->dst];

	if (c->held || c->park_head) {
		if (c->park_tail)
			c->park_tail->next = m;
		else
			c->park_head = m;
		c->park_tail = m;
		c->nparked++;
		return;
	}
	sim_deliver(s, m);
}

void sim_hold_channel(struct sim *s, unsigned src, unsigned dst, bool hold)
{
	struct sim_chan *c = &s->chan[src][dst];

	c->held = hold;
	while (!hold && c->park_head) {
		struct sim_msg *m = c->park_head;

		c->park_head = m->next;
		if (!c->park_head)
			c->park_tail = NULL;
		c->nparked--;
		sim_deliver(s, m);
	}
}

unsigned sim_parked(const struct sim *s, unsigned src, unsigned dst)
{
	return s->chan[src][dst].nparked;
}

bool sim_step(struct sim *s)
{
	struct sim_ev ev;

	if (s->nheap == 0)
		return false;
	ev = ev_pop(s);
	s->now = ev.t;
	switch (ev.kind) {
	case EV_MSG: sim_msg_arrive(s, ev.msg); break;
	case EV_CALL: ev.fn(s, ev.arg); break;
	case EV_POLL:
		if (s->node[ev.node].poll_at != ev.t)
			break;
		s->node[ev.node].poll_at = UINT64_MAX;
		dsm_poll(s->node[ev.node].d);
		sim_after(s, ev.node);
		break;
	case EV_PKT: sim_wire_arrive(s, ev.msg); break;
	case EV_NET: sim_wire_poll(s, ev.node, ev.t); break;
	}
	return true;
}

uint64_t sim_run(struct sim *s, uint64_t limit)
{
	uint64_t n = 0;

	while (n < limit && sim_step(s))
		n++;
	return n;
}

static uint64_t sim_op_now(void *ctx)
{
	return ((struct sim_node *)ctx)->s->now;
}

static void *sim_op_frame(void *ctx, uint64_t page)
{
	return ((struct sim_node *)ctx)->frames + page * DSM_PAGE_SIZE;
}

static bool sim_op_dirty(void *ctx, uint64_t page)
{
	struct sim_node *n = ctx;
	bool dirty = n->dirty[page];

	n->dirty[page] = false;
	return (n->s->p.inject & SIM_INJECT_NO_DIRTY) ? false : dirty;
}

static void sim_op_resume(void *ctx, struct dsm_hold *h)
{
	struct sim_node *n = ctx;

	if (n->s->resume)
		n->s->resume(n->s, n->id, h);
}

/* A frame no copy uses any more: garbage, so that any later use without a grant shows. */
static void sim_scribble(struct sim_node *n, uint64_t page)
{
	memset(n->frames + page * DSM_PAGE_SIZE, 0x5a, DSM_PAGE_SIZE);
}

static void sim_op_evicted(void *ctx, uint64_t page, bool freed)
{
	if (freed)
		sim_scribble(ctx, page);
}

static const struct dsm_ops sim_ops = {
	.send = sim_op_send,
	.now = sim_op_now,
	.frame = sim_op_frame,
	.set_rights = sim_op_set_rights,
	.test_clear_dirty = sim_op_dirty,
	.resume = sim_op_resume,
	.evicted = sim_op_evicted,
};

/* Does the node's frame of a page homed elsewhere hold, or wait for, a copy? */
static bool sim_frame_used(struct sim_node *n, uint64_t page)
{
	struct dsm_page_info pi;

	dsm_page_info(n->d, page, &pi);
	return pi.valid || pi.rights != DSM_NONE || pi.pending || pi.evicting;
}

/* Give back one copy; true if its frame is free now. */
static bool sim_evict_one(struct sim_node *n, uint64_t page)
{
	int rc = dsm_evict(n->d, page);

	if (rc == 0 || (rc == DSM_PENDING && (n->s->p.inject & SIM_INJECT_PUT_FREE)))
		sim_scribble(n, page);
	return rc == 0;
}

void sim_cache_trim(struct sim *s, unsigned node)
{
	struct sim_node *n = &s->node[node];
	unsigned used = 0, npages = s->p.npages;

	for (uint64_t p = 0; p < npages; p++)
		used += dsm_home_of(n->d, p) != node && sim_frame_used(n, p);
	if (used > n->cache_peak)
		n->cache_peak = used;
	for (unsigned tries = 0; s->p.cache_pages && used > s->p.cache_pages && tries < npages;
	     tries++) {
		uint64_t p = n->hand++ % npages;

		if (dsm_home_of(n->d, p) != node && sim_evict_one(n, p))
			used--;
	}
	if (sim_rand(s) % 4 == 0) {
		uint64_t p = sim_rand(s) % npages;

		if (dsm_home_of(n->d, p) != node)
			sim_evict_one(n, p);
	}
	sim_after(s, node);
}

unsigned sim_cache_peak(const struct sim *s, unsigned node)
{
	return s->node[node].cache_peak;
}

struct sim *sim_new(const struct sim_params *p)
{
	struct sim *s = calloc(1, sizeof(*s));
	struct dsm_config cfg = {
		.nnodes = p->nnodes,
		.npages = p->npages,
		.max_holds = p->max_holds,
		.max_hold_pages = p->max_hold_pages,
		.spill_slots = p->spill_slots,
		.pin_ns = p->pin_ns,
	};

	s->p = *p;
	s->rng = p->seed;
	s->trace_page = getenv("DSM_TRACE") ? atol(getenv("DSM_TRACE")) : -1;
	s->shadow = calloc(p->npages, DSM_PAGE_SIZE);
	for (unsigned i = 0; i < p->nnodes; i++) {
		struct sim_node *n = &s->node[i];
		size_t size;

		cfg.self = i;
		size = dsm_mem_size(&cfg);
		n->s = s, n->id = i, n->poll_at = n->net_poll_at = UINT64_MAX;
		n->mem = aligned_alloc(64, (size + 63) & ~(size_t)63);
		/* Frames start as garbage: a zero grant must really clear them. */
		n->frames = malloc((size_t)p->npages * DSM_PAGE_SIZE);
		memset(n->frames, 0xa5, (size_t)p->npages * DSM_PAGE_SIZE);
		if (!size || dsm_init(&n->d, &cfg, &sim_ops, n, n->mem, size) != 0 ||
		    (p->lossy.on && sim_wire_init(s, i) != 0)) {
			sim_free(s);
			return NULL;
		}
	}
	return s;
}

void sim_set_resume(struct sim *s, sim_resume_fn fn)
{
	s->resume = fn;
}

void sim_free(struct sim *s)
{
	while (s->nheap) {
		struct sim_ev ev = ev_pop(s);

		if (ev.kind == EV_MSG || ev.kind == EV_PKT)
			free(ev.msg);
	}
	for (unsigned i = 0; i < s->p.nnodes; i++) {
		for (unsigned j = 0; j < s->p.nnodes; j++)
			sim_msg_free_list(s->chan[i][j].park_head);
		free(s->node[i].mem);
		free(s->node[i].frames);
	}
	sim_wire_free(s);
	sim_msg_free_list(s->msg_free);
	free(s->heap);
	free(s->shadow);
	free(s);
}
