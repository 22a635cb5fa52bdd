// SPDX-License-Identifier: GPL-2.0-only
/*
 * The turn's token protocol (see vmm/cluster/turns_token.h).
 */
#include "vmm/cluster/turns_token.h"
#include "vmm/lib/klib.h"

enum { TURN_WANT = 1, TURN_TOKEN = 2 };

/* On the wire, little-endian as the nodes are: WANT is the 8-byte header; TOKEN adds the
 * request last served for each of the nnodes nodes. */
struct turn_msg {
	u8 kind;
	u8 reserved;
	u16 nnodes;
	u32 seq;		     /* WANT: the sender's request number; TOKEN: passes so far */
	u16 served[TURNS_MAX_NODES]; /* TOKEN: the request last served, per node */
} __packed;

#define TURN_HDR_LEN 8u

void turns_token_init(struct turns *t, const struct turns_ops *ops, void *ctx, u32 self, u32 nnodes,
		      u32 nlocal, u64 slice_ns, u64 now)
{
	memset(t, 0, sizeof(*t));
	t->ops = ops;
	t->ctx = ctx;
	t->self = self;
	t->nnodes = MIN(nnodes, (u32)TURNS_MAX_NODES);
	t->nlocal = MAX(nlocal, 1u);
	t->on = t->nnodes > 1 && slice_ns > 0;
	t->slice_ns = slice_ns;
	t->have = self == 0; /* node 0 starts: its vCPU 0 boots the guest */
	t->turns = t->have;
	t->passed_to = -1;
	t->since = t->began = now;
}

static int next_waiting(const struct turns *t)
{
	for (u32 k = 1; k < t->nnodes; k++) {
		u32 n = (t->self + k) % t->nnodes;
		if (t->heard[n] != t->served[n] && t->ops->node_up(t->ctx, n))
			return (int)n;
	}
	return -1;
}

/* The time this turn (or slice) ran, into the statistics. */
static void count_held(struct turns *t, u64 now)
{
	t->held_ns += now - t->since;
	t->waited_ns += t->wait_ns;
}

/* Passes the token to node `to`; false if it could not be sent (then it stays here, and a
 * new slice begins: better kept than lost for everyone). */
static bool pass_token(struct turns *t, u32 to, u64 now)
{
	struct turn_msg m = { .kind = TURN_TOKEN, .nnodes = (u16)t->nnodes, .seq = t->passes + 1 };
	u16 was = t->served[to];

	t->served[to] = t->heard[to];
	memcpy(m.served, t->served, t->nnodes * sizeof(u16));
	if (t->ops->send(t->ctx, to, &m, TURN_HDR_LEN + t->nnodes * 2u) != 0) {
		/* (Its request is not served yet: undone, or it would wait for ever.) */
		t->served[to] = was;
		t->send_fails++;
		count_held(t, now);
		t->since = now;
		t->wait_ns = 0;
		return false;
	}
	count_held(t, now);
	t->longest_ns = MAX(t->longest_ns, now - t->began);
	t->passes++;
	t->have = false;
	t->passed_to = (int)to;
	return true;
}

/* Asks every node that is up (whoever has the token must hear it); if one could not be
 * asked, asks again at the next poll, with a new number. */
static void ask(struct turns *t, u64 now)
{
	struct turn_msg m = { .kind = TURN_WANT, .nnodes = (u16)t->nnodes, .seq = ++t->my_seq };
	bool all = true;

	for (u32 n = 0; n < t->nnodes; n++)
		if (n != t->self && t->ops->node_up(t->ctx, n) &&
		    t->ops->send(t->ctx, n, &m, TURN_HDR_LEN) != 0)
			all = false;
	if (!t->asked_since)
		t->asked_since = now;
	t->asked = all;
	t->wants++;
}

/*
 * The end of this slice. The slice counts the node's progress, not wall time: the time its
 * vCPUs waited for pages does not count (with several vCPUs, their waits over their
 * number), up to TURNS_MAX_FACTOR slices of wall time. Why: a turn begins by fetching the
 * pages the other nodes wrote during theirs, which takes longer on a slower host or
 * network; counted in wall time, the slice left less work done per turn there, so more
 * turns and more fetching for the same work. Measured on a 2-node boot (50 ms wall
 * slices), the vCPUs spent about 80% of their turns waiting for pages.
 */
static u64 slice_end(const struct turns *t)
{
	u64 waited = t->wait_ns / t->nlocal;

	return t->since + MIN(t->slice_ns + waited, TURNS_MAX_FACTOR * t->slice_ns);
}

bool turns_token_poll(struct turns *t, bool want, enum turn_why why, u64 now)
{
	int next;

	if (!t->on)
		return false;
	if (!t->have) {
		if (want && !t->asked)
			ask(t, now);
		return false;
	}
	/* (now < since: read before the network poll that brought the token) */
	if (want && (now < t->since || now < slice_end(t)))
		return false;
	next = next_waiting(t);
	if (next < 0) {
		/* Nobody waits: a new slice here (the turn goes on, and so does its count). */
		count_held(t, now);
		t->since = now;
		t->wait_ns = 0;
		return false;
	}
	if (!pass_token(t, (u32)next, now))
		return false;
	t->passed[want ? TURN_SLICE : why < TURN_NWHY ? why : TURN_OTHER]++;
	if (want)
		ask(t, now);
	return true;
}

int turns_token_receive(struct turns *t, u32 src, const void *data, size_t len, u64 now)
{
	struct turn_msg m;

	memset(&m, 0, sizeof(m));
	memcpy(&m, data, MIN(len, sizeof(m)));
	if (len < TURN_HDR_LEN || m.nnodes != t->nnodes || src >= t->nnodes || src == t->self ||
	    (m.kind == TURN_WANT && len != TURN_HDR_LEN) ||
	    (m.kind == TURN_TOKEN && len != TURN_HDR_LEN + t->nnodes * 2u) ||
	    (m.kind != TURN_WANT && m.kind != TURN_TOKEN)) {
		t->bad++;
		return -E_INVAL;
	}
	if (m.kind == TURN_WANT) {
		t->heard[src] = (u16)m.seq;
		return 0;
	}
	if (t->have || !t->on) {
		t->bad++;
		return -E_EXIST; /* two tokens: keep ours */
	}
	memcpy(t->served, m.served, t->nnodes * sizeof(u16));
	t->passes = m.seq;
	t->have = true;
	t->asked = false;
	t->since = t->began = now;
	t->wait_ns = 0;
	t->asked_since = 0;
	t->turns++;
	return 1;
}

void turns_token_note_wait(struct turns *t, u64 since, u64 now)
{
	/* Only the part of the wait within this turn: a vCPU often waits for a page from
	 * before the token came. */
	if (t->have && now > MAX(since, t->since))
		t->wait_ns += now - MAX(since, t->since);
}

u64 turns_token_deadline(const struct turns *t)
{
	/* (later waits move it on: the next poll asks again) */
	return t->on && t->have && next_waiting(t) >= 0 ? slice_end(t) : 0;
}

bool turns_token_others_wait(const struct turns *t)
{
	return t->on && t->have && next_waiting(t) >= 0;
}
