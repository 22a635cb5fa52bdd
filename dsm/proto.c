// SPDX-License-Identifier: GPL-2.0-only
/*
 * The DSM node's entry points and message plumbing. Every public call runs to completion:
 * it handles its event, and messages the node addresses to itself (the home and the cache
 * of one node talking) go through a FIFO of cells that is drained before the call returns,
 * so handlers never recurse into each other and per-peer FIFO order holds for the node's
 * own traffic too. Messages to other nodes go straight to ops->send. Requests and PUTs go
 * to the home side (dir.c), everything else to the cache side (cache.c).
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

/* Send r to dst. The page goes along when payload is non-NULL (grants and PUTs with data). */
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
		if (d->selfq_tail == DSM_NIL)
			d->selfq_head = i;
		else
			d->rec[d->selfq_tail].next = i;
		d->selfq_tail = i;
		d->st.local_msgs++;
		return;
	}
	wire_encode(hdr, r);
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

void proto_leave(struct dsm_node *d)
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
	d->busy = false;
}

int dsm_receive(struct dsm_node *d, unsigned from, const void *msg, size_t len)
{
	const void *payload;
	struct dsm_rec r;
	int rc;

	rc = wire_decode(d, from, msg, len, &r, &payload);
	if (rc == 0 && from == d->self)
		rc = DSM_EPROTO; /* our own messages never travel */
	if (rc < 0) {
		proto_bad(d);
		return rc;
	}
	if (!proto_enter(d))
		return DSM_EBUSY;
	rc = proto_dispatch(d, &r, payload);
	proto_leave(d);
	return rc < 0 ? rc : 0;
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
