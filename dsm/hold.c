// SPDX-License-Identifier: GPL-2.0-only
/*
 * Holds: how actors (vCPUs after a nested page fault, device emulation and DMA through
 * dsm_acquire()) get pages. A hold takes its pages one at a time in ascending order and
 * keeps each one pinned while it waits for the next, so two holds can never wait for each
 * other. Once complete, its pages stay pinned until dsm_release() or, if another node wants
 * them, until pin_ns have passed: long enough for a vCPU to re-enter the guest and retire the
 * access, short enough that a stuck actor cannot keep a page from the cluster.
 *
 * Fairness: while remote requests wait on a page, new local holds queue behind them instead
 * of extending the pin; only the holds that were waiting for a grant get the page it brings.
 */
#include "dsm/internal.h"

#define HOLDS_EACH(d, h) for ((h) = (d)->holds.next; (h) != &(d)->holds; (h) = (h)->next)

static enum dsm_rights hold_need(const struct dsm_hold *h)
{
	return h->write ? DSM_WRITE : DSM_READ;
}

/* Has h already got `page` (and so pins it)? */
static bool hold_has(const struct dsm_hold *h, uint64_t page)
{
	if (h->state == HOLD_WAIT)
		return h->first <= page && page < h->cur;
	return h->state == HOLD_HELD && h->first <= page && page <= h->last;
}

/*
 * Until when the page is pinned here: 0 if not at all, UINT64_MAX while a hold that has it
 * still waits for a higher page (ascending order makes that wait finite), else the latest
 * completion time of its holds plus the pin window.
 */
uint64_t hold_pin_deadline(const struct dsm_node *d, uint64_t page)
{
	const struct dsm_hold *h;
	uint64_t deadline = 0;

	HOLDS_EACH(d, h)
	{
		uint64_t end = h->since + (h->pin_ns > d->pin_ns ? h->pin_ns : d->pin_ns);

		if (h->lost || !hold_has(h, page))
			continue;
		if (h->state == HOLD_WAIT || end < h->since)
			return UINT64_MAX; /* still acquiring, or a window "forever" */
		if (end > deadline)
			deadline = end;
	}
	return deadline;
}

/* Does any hold, lost or not, have the page (its actor may still touch the frame)? */
bool hold_covers(const struct dsm_node *d, uint64_t page)
{
	const struct dsm_hold *h;

	HOLDS_EACH(d, h)
	{
		if (hold_has(h, page))
			return true;
	}
	return false;
}

/* The page now has only `left` rights here: holds that needed more must redo their access. */
unsigned hold_mark_lost(struct dsm_node *d, uint64_t page, enum dsm_rights left)
{
	struct dsm_hold *h;
	unsigned n = 0;

	HOLDS_EACH(d, h)
	{
		if (!h->lost && hold_has(h, page) && hold_need(h) > left) {
			h->lost = 1;
			n++;
		}
	}
	return n;
}

/* The strongest request any hold waiting on the page needs. */
static unsigned hold_wanted(const struct dsm_node *d, uint64_t page)
{
	const struct dsm_hold *h;
	unsigned want = PEND_READ;

	HOLDS_EACH(d, h)
	{
		if (h->state == HOLD_WAIT && h->cur == page && h->write)
			want = PEND_WRITE;
	}
	return want;
}

static void hold_complete(struct dsm_node *d, struct dsm_hold *h)
{
	h->state = HOLD_HELD;
	h->since = dsm_now(d);
	if (!h->sync)
		d->ops->resume(d->ctx, h);
}

/*
 * Take h's pages from h->cur on while the rights are here; stop at the first one that needs
 * a request or must queue. `granted` is the page whose grant just completed: the holds that
 * waited for it take it even if remote requests are already queued behind it.
 */
static void hold_step(struct dsm_node *d, struct dsm_hold *h, uint64_t granted)
{
	for (; h->cur <= h->last; h->cur++) {
		uint64_t page = h->cur;
		struct dsm_act *a = act_find(d, page);

		h->state = HOLD_WAIT;
		if (ce_rights(d, page) >= hold_need(h)) {
			if (!a || a->dq_head == DSM_NIL || page == granted) {
				d->st.hits += page != granted;
				continue;
			}
			d->st.fair_waits++;
			return;
		}
		if (cache_request(d, page, hold_wanted(d, page)) == 0)
			return;
		h->lost = 1; /* out of active records: let the actor retry */
		break;
	}
	hold_complete(d, h);
}

void hold_kick(struct dsm_node *d, uint64_t page, bool granted)
{
	struct dsm_hold *h;

	HOLDS_EACH(d, h)
	{
		if (h->state == HOLD_WAIT && h->cur == page)
			hold_step(d, h, granted ? page : UINT64_MAX);
	}
}

int dsm_acquire(struct dsm_node *d, struct dsm_hold *h, uint64_t gpa, uint64_t len, bool write)
{
	return dsm_acquire_pinned(d, h, gpa, len, write, 0);
}

int dsm_acquire_pinned(struct dsm_node *d, struct dsm_hold *h, uint64_t gpa, uint64_t len,
		       bool write, uint64_t pin_ns)
{
	uint64_t end = gpa + len - 1;

	if (len == 0 || end < gpa || (end >> DSM_PAGE_SHIFT) >= d->npages)
		return DSM_EINVAL;
	if ((end >> DSM_PAGE_SHIFT) - (gpa >> DSM_PAGE_SHIFT) >= d->max_hold_pages)
		return DSM_EINVAL;
	if (h->state != HOLD_IDLE)
		return DSM_EBUSY;
	if (d->nholds >= d->max_holds)
		return DSM_ENOSPC;
	if (!proto_enter(d))
		return DSM_EBUSY;
	h->first = h->cur = gpa >> DSM_PAGE_SHIFT;
	h->last = end >> DSM_PAGE_SHIFT;
	h->write = write;
	h->pin_ns = pin_ns;
	h->lost = 0;
	h->sync = 1; /* completion inside this call is reported by the return value */
	h->state = HOLD_WAIT;
	h->next = &d->holds;
	h->prev = d->holds.prev;
	d->holds.prev->next = h;
	d->holds.prev = h;
	d->nholds++;
	hold_step(d, h, UINT64_MAX);
	proto_leave(d);
	h->sync = 0;
	return h->state == HOLD_HELD ? 0 : DSM_PENDING;
}

/*
 * End the hold (complete or not) and serve what waited for its pages. Returns 1 if the
 * rights were taken while held (the access must be redone), 0, or a negative error.
 */
int dsm_release(struct dsm_node *d, struct dsm_hold *h)
{
	uint64_t end;
	int lost;

	if (h->state == HOLD_IDLE)
		return DSM_EINVAL;
	if (!proto_enter(d))
		return DSM_EBUSY;
	h->prev->next = h->next;
	h->next->prev = h->prev;
	d->nholds--;
	end = h->state == HOLD_HELD ? h->last + 1 : h->cur;
	h->state = HOLD_IDLE;
	for (uint64_t page = h->first; page < end; page++)
		if (ce_active(d, page))
			cache_drain(d, page);
	lost = h->lost;
	proto_leave(d);
	return lost;
}
