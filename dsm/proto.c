// SPDX-License-Identifier: GPL-2.0-only
/*
 * The DSM node's entry points and message plumbing. Every public call runs to completion:
 * it handles its event, and messages the node addresses to itself (the home and the cache
 * of one node talking) go through a FIFO of cells that is drained before the call returns,
 * so handlers never recurse into each other and per-peer FIFO order holds for the node's
 * own traffic too. Messages to other nodes go to ops->send, those without a page as runs
 * where they can: one header for the same message about consecutive pages. Requests and
 * PUTs go to the home side (dir.c), everything else to the cache side (cache.c).
 */
#include "dsm/internal.h"

bool proto_enter(struct dsm_node *d)
{
	/* Callbacks must not call back into dsm; refuse rather than corrupt state. */
	if (d->busy)
		return false;
	d->busy = true;
	return true;
}

void proto_bad(struct dsm_node *d)
{
	d->st.bad_msgs++;
}

/* Put the held message on the wire. */
static void proto_flush(struct dsm_node *d)
{
	uint8_t hdr[DSM_MSG_HDR];

	if (!d->out_held)
		return;
	d->out_held = false;
	wire_encode(hdr, &d->out);
	d->st.msgs[d->out.type]++;
	d->st.bytes += DSM_MSG_HDR;
	d->st.run_msgs += d->out.run != 0;
	d->st.run_pages += d->out.run;
	if (d->ops->send(d->ctx, d->out_dst, hdr, sizeof(hdr), NULL, 0) < 0)
		d->st.send_errors++;
}

/* Does r, for dst, continue the held message's run: the same header but the next page? */
static bool proto_continues(const struct dsm_node *d, unsigned dst, const struct dsm_rec *r)
{
	const struct dsm_rec *o = &d->out;

	return d->out_held && d->out_dst == dst && o->type == r->type && o->flags == r->flags &&
	       o->requester == r->requester && o->acks == r->acks && o->label == r->label &&
	       o->run + 1u < DSM_RUN_MAX && r->page == o->page + o->run + 1;
}

/*
 * Send r to dst. The page goes along when payload is non-NULL (grants and PUTs with data).
 * A message without one is held back, and the next joins its run if it is the same for the
 * next page (doc/dsm.md, "Runs"); anything else sends the held message first, so the wire
 * sees every message in the order they were sent.
 */
void proto_send(struct dsm_node *d, unsigned dst, const struct dsm_rec *r, const void *payload)
{
	uint8_t hdr[DSM_MSG_HDR];
	size_t plen = payload ? DSM_PAGE_SIZE : 0;
	uint32_t i;

	if (dst == d->self) {
		/* Only the home grants its own node, and never with data (dir.c). */
		i = payload ? DSM_NIL : rec_alloc(d);
		if (i == DSM_NIL) {
			d->st.send_errors++;
			return;
		}
		d->rec[i] = *r;
		d->rec[i].from = (uint16_t)d->self;
		d->rec[i].next = DSM_NIL;
		d->rec[i].run = 0;
		if (d->selfq_tail == DSM_NIL)
			d->selfq_head = i;
		else
			d->rec[d->selfq_tail].next = i;
		d->selfq_tail = i;
		d->st.local_msgs++;
		return;
	}
	if (!payload && proto_continues(d, dst, r)) {
		d->out.run++;
		return;
	}
	proto_flush(d);
	if (!payload && wire_may_run(r)) {
		d->out = *r;
		d->out.run = 0;
		d->out_dst = dst;
		d->out_held = true;
		return;
	}
	{
		struct dsm_rec m = *r;

		m.run = 0;
		wire_encode(hdr, &m);
	}
	d->st.msgs[r->type]++;
	d->st.bytes += DSM_MSG_HDR + plen;
	if (d->ops->send(d->ctx, dst, hdr, sizeof(hdr), payload, plen) < 0)
		d->st.send_errors++;
}

static int proto_dispatch(struct dsm_node *d, const struct dsm_rec *r, const void *payload)
{
	int rc;

	if (r->type == DSM_MSG_REQ)
		rc = dir_handle_req(d, r);
	else if (r->type == DSM_MSG_PUT)
		rc = dir_handle_put(d, r, payload);
	else
		rc = cache_handle(d, r, payload);
	if (rc < 0)
		proto_bad(d);
	return rc;
}

/* Handle what the node sent itself, in order, until nothing is left. */
static void proto_drain_self(struct dsm_node *d)
{
	while (d->selfq_head != DSM_NIL) {
		uint32_t i = d->selfq_head;
		struct dsm_rec r = d->rec[i];

		d->selfq_head = r.next;
		if (d->selfq_head == DSM_NIL)
			d->selfq_tail = DSM_NIL;
		rec_free(d, i);
		proto_dispatch(d, &r, NULL);
	}
}

void proto_leave(struct dsm_node *d)
{
	proto_drain_self(d);
	if (!d->batch)
		proto_flush(d);
	d->busy = false;
}

void dsm_batch(struct dsm_node *d, bool on)
{
	if (on) {
		d->batch++;
		return;
	}
	if (d->batch == 0 || --d->batch != 0)
		return;
	if (proto_enter(d)) /* (else from a callback: the call that is running sends at its end) */
		proto_leave(d);
}

/*
 * A message from `from`. A run is handled as the messages it stands for, one page after the
 * other, each with what it makes this node send itself handled before the next: just as
 * if they had come one by one with nothing in between.
 */
int dsm_receive(struct dsm_node *d, unsigned from, const void *msg, size_t len)
{
	const void *payload;
	struct dsm_rec r;
	int rc, first = 0;

	rc = wire_decode(d, from, msg, len, &r, &payload);
	if (rc == 0 && from == d->self)
		rc = DSM_EPROTO; /* our own messages never travel */
	if (rc < 0) {
		proto_bad(d);
		return rc;
	}
	if (!proto_enter(d))
		return DSM_EBUSY;
	for (unsigned k = 0, n = r.run; k <= n; k++) {
		r.run = 0;
		rc = proto_dispatch(d, &r, payload);
		if (rc < 0 && first == 0)
			first = rc;
		proto_drain_self(d);
		r.page++;
	}
	proto_leave(d);
	return first;
}

/*
 * Pin windows end by time as well as by release: when the earliest deadline has passed,
 * retry every page that has deferred messages. Records may be freed and reused while we
 * walk; a reused record is simply drained again, which is harmless.
 */
uint64_t dsm_poll(struct dsm_node *d)
{
	if (!proto_enter(d))
		return d->next_deadline;
	if (dsm_now(d) >= d->next_deadline) {
		d->next_deadline = UINT64_MAX;
		for (uint32_t i = 0; i < d->nact; i++) {
			struct dsm_act *a = &d->act[i];

			if (a->dq_head != DSM_NIL && act_find(d, a->page) == a)
				cache_drain(d, a->page);
		}
	}
	proto_leave(d);
	return d->next_deadline;
}

uint64_t dsm_next_deadline(const struct dsm_node *d)
{
	return d->next_deadline;
}
