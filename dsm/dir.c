// SPDX-License-Identifier: GPL-2.0-only
/*
 * The home side of the protocol: the directory entry of each page homed here and what the
 * home does with a request. The home never waits and never blocks: it decides on arrival,
 * updates the entry at once (the requester becomes owner or sharer before it has the page)
 * and sends at most one forward or grant plus the invalidations. The owner or sharers that
 * receive them sort out the races (cache.c). So a fault costs at most three messages on its
 * critical path: requester -> home -> owner -> requester.
 *
 * Modes: ZERO (never written: copyset readers hold zeros, no owner), EXCL (owner has or will
 * have the only writable copy), SHARED (owner and copyset have read-only copies; the owner
 * supplies the data). The copyset never contains the owner.
 */
#include "dsm/internal.h"

static unsigned de_mode(const struct dsm_dentry *e)
{
	return e->flags & DE_MODE;
}

static unsigned de_ninline(const struct dsm_dentry *e)
{
	return (e->flags >> DE_NSHARE_SHIFT) & 3u;
}

static void de_set(struct dsm_dentry *e, unsigned mode, unsigned ninline)
{
	e->flags = (uint8_t)((e->flags & ~0xfu) | mode | ninline << DE_NSHARE_SHIFT);
}

static uint8_t *de_bitmap(const struct dsm_node *d, const struct dsm_dentry *e)
{
	uint32_t slot = e->share | (uint32_t)(e->flags >> DE_SLOT_SHIFT) << 16;

	return d->spill + (size_t)slot * d->spill_size;
}

bool dir_has(const struct dsm_node *d, const struct dsm_dentry *e, unsigned node)
{
	unsigned n = de_ninline(e);

	if (n == DE_SPILLED)
		return (de_bitmap(d, e)[node / 8] >> (node % 8)) & 1u;
	return (n >= 1 && (e->share & 0xffu) == node) || (n == 2 && (e->share >> 8) == node);
}

unsigned dir_count(const struct dsm_node *d, const struct dsm_dentry *e)
{
	unsigned n = de_ninline(e), count = 0;

	if (n != DE_SPILLED)
		return n;
	for (unsigned i = 0; i < d->nnodes; i++)
		count += dir_has(d, e, i);
	return count;
}

/* Move the two inline sharers and `node` into a free spill bitmap. */
static void dir_spill(struct dsm_node *d, struct dsm_dentry *e, unsigned node)
{
	uint32_t slot = d->spill_free;
	uint8_t *map = d->spill + (size_t)slot * d->spill_size;
	unsigned ids[3] = { e->share & 0xffu, e->share >> 8, node };

	memcpy(&d->spill_free, map, sizeof(d->spill_free));
	memset(map, 0, d->spill_size);
	for (int i = 0; i < 3; i++)
		map[ids[i] / 8] |= (uint8_t)(1u << (ids[i] % 8));
	e->share = (uint16_t)slot;
	e->flags = (uint8_t)((e->flags & 0xfu) | (slot >> 16) << DE_SLOT_SHIFT);
	de_set(e, de_mode(e), DE_SPILLED);
	d->st.spills++;
}

/*
 * Add a sharer. Returns the id of an inline sharer evicted to make room (the caller must
 * invalidate it, acks to the new sharer), or -1. Eviction only happens when no spill slot
 * is free: correct, just slower for that page.
 */
static int dir_add(struct dsm_node *d, struct dsm_dentry *e, unsigned node)
{
	unsigned n = de_ninline(e);
	int victim;

	if (n == DE_SPILLED) {
		de_bitmap(d, e)[node / 8] |= (uint8_t)(1u << (node % 8));
	} else if (n < 2) {
		e->share = n == 0 ? (uint16_t)node : (uint16_t)(e->share | node << 8);
		de_set(e, de_mode(e), n + 1);
	} else if (d->spill_free != DSM_NIL) {
		dir_spill(d, e, node);
	} else {
		victim = e->share & 0xff;
		e->share = (uint16_t)(e->share >> 8 | node << 8);
		d->st.evictions++;
		return victim;
	}
	return -1;
}

static void dir_clear(struct dsm_node *d, struct dsm_dentry *e);

/*
 * Take `node` out of the copyset. A spilled set that shrinks to two goes back inline and
 * frees its slot: sets shrink by evictions too, not only when a write clears them.
 */
static void dir_remove(struct dsm_node *d, struct dsm_dentry *e, unsigned node)
{
	unsigned n = de_ninline(e), ids[2], k = 0;

	if (n == DE_SPILLED) {
		de_bitmap(d, e)[node / 8] &= (uint8_t)~(1u << (node % 8));
		if (dir_count(d, e) > 2)
			return;
		for (unsigned i = 0; i < d->nnodes; i++)
			if (dir_has(d, e, i))
				ids[k++] = i;
		dir_clear(d, e);
		e->share = (uint16_t)(k == 0 ? 0 : k == 1 ? ids[0] : ids[0] | ids[1] << 8);
		de_set(e, de_mode(e), k);
	} else if (n >= 1 && (e->share & 0xffu) == node) {
		e->share = (uint16_t)(e->share >> 8);
		de_set(e, de_mode(e), n - 1);
	} else if (n == 2 && (e->share >> 8) == node) {
		e->share &= 0xffu;
		de_set(e, de_mode(e), 1);
	}
}

static void dir_clear(struct dsm_node *d, struct dsm_dentry *e)
{
	if (de_ninline(e) == DE_SPILLED) {
		uint32_t slot = e->share | (uint32_t)(e->flags >> DE_SLOT_SHIFT) << 16;

		memcpy(de_bitmap(d, e), &d->spill_free, sizeof(d->spill_free));
		d->spill_free = slot;
	}
	e->share = 0;
	e->flags &= 0x3u; /* keep the mode, drop count and slot */
}

static void dir_send(struct dsm_node *d, unsigned dst, unsigned type, unsigned flags,
		     const struct dsm_rec *req, unsigned acks, uint64_t label, const void *page)
{
	struct dsm_rec m = {
		.type = (uint8_t)type,
		.flags = (uint8_t)flags,
		.page = req->page,
		.requester = req->from,
		.acks = (uint16_t)acks,
		.label = label,
	};

	proto_send(d, dst, &m, page);
}

/* Invalidate every copyset member but `except`; acks go to the requester. */
static unsigned dir_inv_all(struct dsm_node *d, const struct dsm_dentry *e,
			    const struct dsm_rec *req, unsigned except)
{
	unsigned sent = 0;

	for (unsigned i = 0; i < d->nnodes; i++) {
		if (i == except || !dir_has(d, e, i))
			continue;
		dir_send(d, i, DSM_MSG_INV, 0, req, 0, 0, NULL);
		sent++;
	}
	return sent;
}

/* Add the reader, invalidating an evicted sharer; returns the acks the reader must await. */
static unsigned dir_add_reader(struct dsm_node *d, struct dsm_dentry *e, const struct dsm_rec *req)
{
	int victim = dir_add(d, e, req->from);

	if (victim < 0)
		return 0;
	dir_send(d, (unsigned)victim, DSM_MSG_INV, 0, req, 0, 0, NULL);
	return 1;
}

static void dir_make_excl(struct dsm_node *d, struct dsm_dentry *e, unsigned owner)
{
	dir_clear(d, e);
	de_set(e, DSM_DIR_EXCL, 0);
	e->owner = (uint8_t)owner;
	e->version++;
}

static int dir_req_zero(struct dsm_node *d, struct dsm_dentry *e, const struct dsm_rec *r)
{
	unsigned acks, content = grant_content(0, r);

	if (!(r->flags & MF_WRITE)) {
		if (dir_has(d, e, r->from))
			return DSM_EPROTO; /* a sharer does not read-fault */
		acks = dir_add_reader(d, e, r);
		dir_send(d, r->from, DSM_MSG_GRANT, content, r, acks, 0, NULL);
	} else {
		acks = dir_inv_all(d, e, r, r->from);
		dir_make_excl(d, e, r->from);
		dir_send(d, r->from, DSM_MSG_GRANT, MF_WRITE | content, r, acks, 0, NULL);
	}
	d->st.grants_direct++;
	stats_grant(d, content);
	return 0;
}

static int dir_req_excl(struct dsm_node *d, struct dsm_dentry *e, const struct dsm_rec *r)
{
	unsigned owner = e->owner;

	if (owner == r->from)
		return DSM_EPROTO; /* the owner has, or is about to have, every right */
	if (r->flags & MF_WRITE) {
		e->owner = (uint8_t)r->from;
		e->version++;
	} else {
		dir_add(d, e, r->from); /* empty set: cannot evict */
		de_set(e, DSM_DIR_SHARED, de_ninline(e));
	}
	dir_send(d, owner, DSM_MSG_FWD, r->flags & (MF_WRITE | MF_VALID), r, 0, r->label, NULL);
	return 0;
}

/*
 * The home answers a read itself when its own copy is current, which saves the third hop.
 * Membership alone does not prove that: it may stem from a request of the home's cache
 * still in flight, while an older invalidation waits in that cache's queue. With no request
 * of its own pending, a member's read-only copy is the latest: any write since it joined
 * would have removed it from the directory.
 */
static bool dir_read_here(struct dsm_node *d, const struct dsm_dentry *e, uint64_t page)
{
	const struct dsm_act *a = act_find(d, page);

	if (a && a->pend != PEND_NONE)
		return false;
	return (e->owner == d->self || dir_has(d, e, d->self)) && ce_rights(d, page) == DSM_READ;
}

static int dir_req_shared(struct dsm_node *d, struct dsm_dentry *e, const struct dsm_rec *r)
{
	unsigned owner = e->owner, acks, content;
	bool member = owner == r->from || dir_has(d, e, r->from);

	if (!(r->flags & MF_WRITE)) {
		bool here = dir_read_here(d, e, r->page);

		if (member)
			return DSM_EPROTO;
		acks = dir_add_reader(d, e, r);
		if (!here) {
			dir_send(d, owner, DSM_MSG_FWD, r->flags & MF_VALID, r, acks, r->label,
				 NULL);
			return 0;
		}
		content = grant_content(ce_version(d, r->page), r);
		dir_send(d, r->from, DSM_MSG_GRANT, content, r, acks, ce_version(d, r->page),
			 content == MF_DATA ? d->ops->frame(d->ctx, r->page) : NULL);
		d->st.grants_direct++;
		stats_grant(d, content);
		return 0;
	}
	acks = dir_inv_all(d, e, r, r->from);
	if (member) {
		/* An upgrade: the requester's copy is current, only rights travel. */
		if (owner != r->from) {
			dir_send(d, owner, DSM_MSG_INV, 0, r, 0, 0, NULL);
			acks++;
		}
		dir_send(d, r->from, DSM_MSG_GRANT, MF_WRITE | MF_SAME, r, acks, 0, NULL);
		d->st.grants_direct++;
		stats_grant(d, MF_SAME);
	} else {
		dir_send(d, owner, DSM_MSG_FWD, r->flags & (MF_WRITE | MF_VALID), r, acks, r->label,
			 NULL);
	}
	dir_make_excl(d, e, r->from);
	return 0;
}

/*
 * The owner gives the page back (doc/dsm.md, "Eviction"). The home becomes the owner if its
 * own frame can take the page now: nothing of its own in flight for it. Returns whether it
 * took the role, or a negative error for a PUT no correct owner sends.
 */
static int dir_put_owner(struct dsm_node *d, struct dsm_dentry *e, const struct dsm_rec *r,
			 const void *payload)
{
	const struct dsm_act *a = act_find(d, r->page);
	enum dsm_rights here = ce_rights(d, r->page);
	int rc;

	if (here == DSM_WRITE || (here == DSM_READ && de_mode(e) != DSM_DIR_SHARED))
		return DSM_EPROTO; /* we would be a second copy beside an exclusive owner */
	if (a) { /* (no record: nothing in flight, as our messages to ourselves are all
		  * handled before the call that sent them returns: proto_leave) */
		d->st.puts_refused++;
		return 0;
	}
	if (here == DSM_NONE) {
		rc = cache_install(d, r, payload);
		if (rc < 0)
			return rc;
		cache_set_rights(d, r->page, DSM_READ);
	}
	dir_remove(d, e, d->self);
	de_set(e, DSM_DIR_SHARED, de_ninline(e));
	e->owner = (uint8_t)d->self;
	d->st.puts_owner++;
	return 1;
}

/* A PUT from r->from, for a page homed here: it gives its copy back. */
int dir_handle_put(struct dsm_node *d, const struct dsm_rec *r, const void *payload)
{
	struct dsm_rec ack = { .type = DSM_MSG_PUT_ACK, .page = r->page, .requester = r->from };
	unsigned content = r->flags & MF_CONTENT;
	struct dsm_dentry *e;

	if (node_home_of(d, r->page) != d->self || r->requester != r->from ||
	    r->from == d->self || r->acks || (r->flags & MF_VALID))
		return DSM_EPROTO;
	if (content == MF_SAME || (content == MF_ZERO) != (r->label == 0))
		return DSM_EPROTO;
	e = node_dir(d, r->page);
	if (de_mode(e) != DSM_DIR_ZERO && e->owner == r->from) {
		int rc = dir_put_owner(d, e, r, payload);
		if (rc < 0)
			return rc;
		if (rc == 0)
			ack.flags = MF_REFUSED;
	} else if (dir_has(d, e, r->from)) {
		dir_remove(d, e, r->from);
	} else {
		d->st.puts_stale++;
	}
	proto_send(d, r->from, &ack, NULL);
	return 0;
}

/* A read or write request from r->from for a page homed here. */
int dir_handle_req(struct dsm_node *d, const struct dsm_rec *r)
{
	struct dsm_dentry *e;

	if (node_home_of(d, r->page) != d->self || r->requester != r->from)
		return DSM_EPROTO;
	e = node_dir(d, r->page);
	d->st.home_faults++;
	stats_hot_page(d, r->page);
	switch (de_mode(e)) {
	case DSM_DIR_ZERO: return dir_req_zero(d, e, r);
	case DSM_DIR_EXCL: return dir_req_excl(d, e, r);
	case DSM_DIR_SHARED: return dir_req_shared(d, e, r);
	}
	return DSM_EPROTO;
}

int dsm_dir_info(const struct dsm_node *d, uint64_t page, struct dsm_dir_info *out)
{
	const struct dsm_dentry *e;

	if (page >= d->npages || node_home_of(d, page) != d->self)
		return DSM_EINVAL;
	e = &d->dir[page - d->home_first];
	out->mode = de_mode(e);
	out->owner = e->owner;
	out->nsharers = dir_count(d, e);
	out->version = e->version;
	out->spilled = de_ninline(e) == DE_SPILLED;
	return 0;
}

bool dsm_dir_has_sharer(const struct dsm_node *d, uint64_t page, unsigned node)
{
	if (page >= d->npages || node_home_of(d, page) != d->self || node >= d->nnodes)
		return false;
	return dir_has(d, &d->dir[page - d->home_first], node);
}
