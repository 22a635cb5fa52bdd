// SPDX-License-Identifier: GPL-2.0-only
/*
 * The cache side of the protocol: what a node does as requester (send a request, collect the
 * grant and the invalidation acks) and as owner or sharer (serve forwards, drop copies).
 *
 * The home updates its directory before the page moves, so a forward or invalidation can
 * reach a node before the grant that made it owner or sharer. Such a request is deferred,
 * never waited for: it sits in the page's FIFO until the grant is complete and the pin
 * window of the holds that wanted the page is over. A node tells these "after my request"
 * messages from "before my request" ones, which it must serve now or the cluster deadlocks,
 * by who sent its grant and by whether it will still hold a copy once the messages queued
 * ahead are served: cache_is_post() has the rule, doc/dsm.md the argument.
 */
#include "dsm/internal.h"

#define MIN_RIGHTS(a, b) ((a) < (b) ? (a) : (b))

/*
 * Was r, arriving now, sent after the home served our pending request (so it is about the
 * role that request gives us, and must wait for the grant)? Yes if a grant from the home
 * node is already here: it precedes everything later on the same FIFO. Otherwise the home
 * forwarded our request, which it only does once we are no longer a member, after sending
 * us the message that removed us. So r is "after" exactly when we hold no copy any more
 * once the messages queued ahead of it are served. (A grant from another owner proves
 * nothing: it can overtake the home's removal message, an eviction say, on another path.)
 */
static bool cache_is_post(struct dsm_node *d, const struct dsm_act *a, uint64_t page)
{
	enum dsm_rights rights = ce_rights(d, page);

	if (!a || a->pend == PEND_NONE || a->pend == PEND_PUT)
		return false; /* (no request out: everything is about the copy we have) */
	if (a->granted == GRANT_HOME)
		return true;
	for (uint32_t i = a->dq_head; i != DSM_NIL; i = d->rec[i].next) {
		const struct dsm_rec *q = &d->rec[i];

		if (q->flags & MF_POST)
			return true;
		if (q->type == DSM_MSG_INV || (q->flags & MF_WRITE))
			rights = DSM_NONE;
		else if (rights == DSM_WRITE)
			rights = DSM_READ;
	}
	return rights == DSM_NONE;
}

/*
 * A message from before our request needs a copy to act on: else the home and we disagree.
 * While our PUT is out the copy has no rights, but its frame still serves (doc/dsm.md).
 */
static bool cache_can_serve(struct dsm_node *d, const struct dsm_rec *r)
{
	enum dsm_rights rights = ce_rights(d, r->page);
	const struct dsm_act *a = act_find(d, r->page);

	if (a && a->pend == PEND_PUT) /* (an exclusive owner is never invalidated) */
		return !(r->type == DSM_MSG_INV && a->granted == DSM_WRITE);
	return rights != DSM_NONE && !(r->type == DSM_MSG_INV && rights == DSM_WRITE);
}

void cache_set_rights(struct dsm_node *d, uint64_t page, enum dsm_rights rights)
{
	ce_set_flags(d, page, CE_RIGHTS, rights);
	d->ops->set_rights(d->ctx, page, rights);
}

/*
 * Give up write rights. The mapping changes first (and its TLB flush completes) so the
 * dirty test that follows sees every write; a written page gets the next content version.
 */
static void cache_surrender(struct dsm_node *d, uint64_t page, enum dsm_rights left)
{
	bool was_writer = ce_rights(d, page) == DSM_WRITE;
	uint64_t ver;

	cache_set_rights(d, page, left);
	d->st.pin_expired += hold_mark_lost(d, page, left);
	if (!was_writer)
		return;
	if (d->ops->test_clear_dirty && !d->ops->test_clear_dirty(d->ctx, page))
		return;
	ver = (ce_version(d, page) + 1) & DSM_VER_MASK;
	ce_set_version(d, page, ver ? ver : 1); /* 0 means "all zero": never reuse it */
}

static void cache_serve_fwd(struct dsm_node *d, const struct dsm_rec *r)
{
	bool write = r->flags & MF_WRITE;
	struct dsm_act *a = act_find(d, r->page);
	struct dsm_rec g = {
		.type = DSM_MSG_GRANT,
		.page = r->page,
		.requester = r->requester,
		.acks = r->acks,
	};
	unsigned content;

	if (a && a->pend == PEND_PUT) {
		/* What we may map again if the home refuses: a refusal only answers an owner,
		 * which a read forward leaves us (read-only) and a write forward does not. */
		a->granted = (uint8_t)(write ? DSM_NONE : MIN_RIGHTS(a->granted, DSM_READ));
	} else {
		cache_surrender(d, r->page, write ? DSM_NONE : DSM_READ);
	}
	g.label = ce_version(d, r->page);
	content = grant_content(g.label, r);
	g.flags = (uint8_t)((r->flags & MF_WRITE) | content);
	d->st.grants_fwd++;
	stats_grant(d, content);
	proto_send(d, r->requester, &g, content == MF_DATA ? d->ops->frame(d->ctx, r->page) : NULL);
}

static void cache_serve(struct dsm_node *d, const struct dsm_rec *r)
{
	struct dsm_rec ack = { .type = DSM_MSG_ACK, .page = r->page, .requester = r->requester };

	struct dsm_act *a = act_find(d, r->page);

	if (r->type == DSM_MSG_FWD) {
		cache_serve_fwd(d, r);
		return;
	}
	if (a && a->pend == PEND_PUT)
		a->granted = DSM_NONE; /* (no longer in any role: nothing to map again) */
	cache_surrender(d, r->page, DSM_NONE);
	proto_send(d, r->requester, &ack, NULL);
}

static int cache_defer(struct dsm_node *d, const struct dsm_rec *r)
{
	struct dsm_act *a = act_get(d, r->page);
	uint32_t i;

	if (!a)
		return DSM_ENOSPC;
	i = rec_alloc(d);
	if (i == DSM_NIL) {
		act_maybe_free(d, r->page);
		return DSM_ENOSPC; /* a peer exceeds the configured request limits */
	}
	d->rec[i] = *r;
	d->rec[i].next = DSM_NIL;
	if (a->dq_tail == DSM_NIL)
		a->dq_head = i;
	else
		d->rec[a->dq_tail].next = i;
	a->dq_tail = i;
	return 0;
}

/* A forward or invalidation from the home: serve it now or queue it behind the page. */
static int cache_remote(struct dsm_node *d, const struct dsm_rec *r)
{
	struct dsm_act *a = act_find(d, r->page);
	struct dsm_rec q = *r;
	uint64_t deadline;

	if (r->from != node_home_of(d, r->page) || r->requester == d->self)
		return DSM_EPROTO;
	if (cache_is_post(d, a, r->page)) {
		d->st.pend_defers++;
		q.flags |= MF_POST;
		return cache_defer(d, &q);
	}
	if (a && a->dq_head != DSM_NIL)
		return cache_defer(d, &q); /* keep FIFO order behind earlier ones */
	if (!cache_can_serve(d, r))
		return DSM_EPROTO;
	deadline = hold_pin_deadline(d, r->page);
	if (dsm_now(d) >= deadline) {
		cache_serve(d, r);
		return 0;
	}
	d->st.pin_waits++;
	if (deadline < d->next_deadline)
		d->next_deadline = deadline;
	return cache_defer(d, &q);
}

/*
 * Serve deferred messages of the page from the head while they can be served; then let
 * local holds that queued behind them try again, and drop the record if it is idle.
 */
void cache_drain(struct dsm_node *d, uint64_t page)
{
	struct dsm_act *a;
	bool served = false;

	while ((a = act_find(d, page)) && a->dq_head != DSM_NIL) {
		uint32_t i = a->dq_head;
		struct dsm_rec r = d->rec[i];
		uint64_t deadline = 0;
		bool ok = cache_can_serve(d, &r);

		if ((r.flags & MF_POST) && a->pend != PEND_NONE)
			break; /* waits for our grant */
		if (ok && (deadline = hold_pin_deadline(d, page)) > dsm_now(d)) {
			if (deadline < d->next_deadline)
				d->next_deadline = deadline;
			break;
		}
		a->dq_head = r.next;
		if (a->dq_head == DSM_NIL)
			a->dq_tail = DSM_NIL;
		rec_free(d, i);
		if (ok)
			cache_serve(d, &r);
		else
			proto_bad(d);
		served = true;
	}
	if (served && (!a || a->dq_head == DSM_NIL))
		hold_kick(d, page, false);
	act_maybe_free(d, page);
}

/* Ask the home for `want` (PEND_READ or PEND_WRITE) unless a request is already out. */
int cache_request(struct dsm_node *d, uint64_t page, unsigned want)
{
	struct dsm_act *a = act_get(d, page);
	struct dsm_rec m = { .type = DSM_MSG_REQ, .page = page, .requester = (uint16_t)d->self };

	if (!a)
		return DSM_ENOSPC;
	if (a->pend != PEND_NONE)
		return 0;
	a->pend = (uint8_t)want;
	a->granted = 0;
	a->acks = 0;
	a->t_req = dsm_now(d);
	d->st.faults[want == PEND_WRITE]++;
	m.flags =
		(uint8_t)((want == PEND_WRITE ? MF_WRITE : 0) | (ce_valid(d, page) ? MF_VALID : 0));
	m.label = ce_valid(d, page) ? ce_version(d, page) : 0;
	proto_send(d, node_home_of(d, page), &m, NULL);
	return 0;
}

/* The grant and every ack are in: take the rights, wake the waiters, then serve deferrals. */
static void cache_try_complete(struct dsm_node *d, struct dsm_act *a)
{
	uint64_t page = a->page, dt;

	if (!a->granted || a->acks != 0)
		return;
	cache_set_rights(d, page, a->pend == PEND_WRITE ? DSM_WRITE : DSM_READ);
	dt = dsm_now(d) - a->t_req;
	d->st.fault_ns_sum += dt;
	if (dt > d->st.fault_ns_max)
		d->st.fault_ns_max = dt;
	a->pend = PEND_NONE;
	a->granted = 0;
	/* What waited for this grant is now plain traffic for the role it gave us. */
	for (uint32_t i = a->dq_head; i != DSM_NIL; i = d->rec[i].next)
		d->rec[i].flags &= (uint8_t)~MF_POST;
	hold_kick(d, page, true);
	cache_drain(d, page);
}

/* Put the granted content in the frame. */
int cache_install(struct dsm_node *d, const struct dsm_rec *r, const void *payload)
{
	enum dsm_rights rights = ce_rights(d, r->page);
	bool zero_held = ce_valid(d, r->page) && ce_version(d, r->page) == 0;

	switch (r->flags & MF_CONTENT) {
	case MF_DATA:
		if (rights != DSM_NONE || !payload)
			return DSM_EPROTO;
		memcpy(d->ops->frame(d->ctx, r->page), payload, DSM_PAGE_SIZE);
		ce_set_version(d, r->page, r->label);
		return 0;
	case MF_SAME: return ce_valid(d, r->page) ? 0 : DSM_EPROTO;
	case MF_ZERO:
		if (zero_held)
			return 0;
		if (rights != DSM_NONE)
			return DSM_EPROTO;
		memset(d->ops->frame(d->ctx, r->page), 0, DSM_PAGE_SIZE);
		ce_set_version(d, r->page, 0);
		return 0;
	}
	return DSM_EPROTO;
}

static int cache_grant(struct dsm_node *d, const struct dsm_rec *r, const void *payload)
{
	struct dsm_act *a = act_find(d, r->page);
	int rc;

	if (r->requester != d->self || !a || a->pend == PEND_NONE || a->pend == PEND_PUT ||
	    a->granted)
		return DSM_EPROTO;
	if (!(r->flags & MF_WRITE) != (a->pend == PEND_READ))
		return DSM_EPROTO;
	rc = cache_install(d, r, payload);
	if (rc < 0)
		return rc;
	a->granted = r->from == node_home_of(d, r->page) ? GRANT_HOME : GRANT_OWNER;
	a->acks = (int16_t)(a->acks + r->acks);
	cache_try_complete(d, a);
	return 0;
}

static int cache_ack(struct dsm_node *d, const struct dsm_rec *r)
{
	struct dsm_act *a = act_find(d, r->page);

	if (r->requester != d->self || !a || a->pend == PEND_NONE || a->pend == PEND_PUT)
		return DSM_EPROTO;
	if (a->acks <= -(int)d->nnodes || (a->granted && a->acks <= 0))
		return DSM_EPROTO; /* more acks than there can be sharers */
	a->acks--;
	cache_try_complete(d, a);
	return 0;
}

/*
 * The home has handled our PUT. Accepted: the copy is forgotten (its frame will back
 * another page, so no version claim may survive) and the frame is free. Refused: we are
 * still the owner, so the page is mapped again. Either way the accesses that waited go on.
 */
static int cache_put_ack(struct dsm_node *d, const struct dsm_rec *r)
{
	struct dsm_act *a = act_find(d, r->page);
	bool freed = !(r->flags & MF_REFUSED);

	if (r->from != node_home_of(d, r->page) || r->requester != d->self || !a ||
	    a->pend != PEND_PUT || (r->flags & ~MF_REFUSED) || r->acks || r->label)
		return DSM_EPROTO;
	if (!freed && a->granted == DSM_NONE)
		return DSM_EPROTO; /* refused after the home took our role: not from a correct home */
	a->pend = PEND_NONE;
	d->puts_out--;
	/* (Refused, the rights come back as the directory has them. Writable again would need
	 * a refusal to an exclusive owner that served nothing: a home request that could
	 * cause it is always forwarded to that owner first, so it is not seen in practice;
	 * it would be right all the same: the directory still says EXCL for us.) */
	if (freed)
		ce_set_flags(d, r->page, CE_VALID, 0);
	else
		cache_set_rights(d, r->page, (enum dsm_rights)a->granted);
	a->granted = 0;
	if (d->ops->evicted)
		d->ops->evicted(d->ctx, r->page, freed);
	hold_kick(d, r->page, false);
	act_maybe_free(d, r->page);
	return 0;
}

int dsm_evict(struct dsm_node *d, uint64_t page)
{
	struct dsm_rec m = { .type = DSM_MSG_PUT, .page = page, .requester = (uint16_t)d->self };
	enum dsm_rights rights;
	struct dsm_act *a;
	uint64_t ver;
	int rc = DSM_PENDING;

	if (page >= d->npages || node_home_of(d, page) == d->self)
		return DSM_EINVAL;
	if (!proto_enter(d))
		return DSM_EBUSY;
	rights = ce_rights(d, page);
	if (ce_active(d, page) || hold_covers(d, page)) {
		rc = DSM_EBUSY; /* (a lost hold's actor may still touch the frame) */
	} else if (rights == DSM_NONE) {
		rc = ce_valid(d, page) ? 0 : DSM_EINVAL;
		if (rc == 0) {
			ce_set_flags(d, page, CE_VALID, 0); /* the directory has no record of it */
			d->st.forgets++;
		}
	} else if (d->puts_out >= d->max_holds) {
		rc = DSM_EBUSY; /* (evictions have their own records, max_holds of them) */
	} else if (!(a = act_get(d, page))) {
		rc = DSM_ENOSPC;
	} else {
		d->puts_out++;
		cache_surrender(d, page, DSM_NONE);
		a->pend = PEND_PUT;
		a->granted = (uint8_t)rights;
		a->t_req = dsm_now(d);
		ver = ce_version(d, page);
		m.label = ver;
		m.flags = (uint8_t)((rights == DSM_WRITE ? MF_WRITE : 0) | (ver ? MF_DATA : MF_ZERO));
		d->st.puts++;
		d->st.puts_data += ver != 0;
		proto_send(d, node_home_of(d, page), &m, ver ? d->ops->frame(d->ctx, page) : NULL);
	}
	proto_leave(d);
	return rc;
}

/* Every message but REQ and PUT lands here. */
int cache_handle(struct dsm_node *d, const struct dsm_rec *r, const void *payload)
{
	switch (r->type) {
	case DSM_MSG_FWD:
	case DSM_MSG_INV: return cache_remote(d, r);
	case DSM_MSG_GRANT: return cache_grant(d, r, payload);
	case DSM_MSG_ACK: return cache_ack(d, r);
	case DSM_MSG_PUT_ACK: return cache_put_ack(d, r);
	}
	return DSM_EPROTO;
}
