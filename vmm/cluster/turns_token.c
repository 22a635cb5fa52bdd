// SPDX-License-Identifier: GPL-2.0-only
/*
 * The turn's token protocol (see vmm/cluster/turns_token.h).
 */
#include "vmm/cluster/turns_token.h"
#include "vmm/lib/klib.h"

enum { TURN_WANT = 1, TURN_TOKEN = 2, TURN_FREE = 3, TURN_END = 4, TURN_VOTE = 5 };

/* On the wire, little-endian as the nodes are: WANT is the 8-byte header; TOKEN adds the
 * request last served for each of the nnodes nodes. */
struct turn_msg {
	u8 kind;
	u8 bad; /* VOTE: 1 if the sender's windows are bad, 0 if no longer, 2 if its vCPUs had
		 * nothing to run for most of its window; TOKEN: 1 if the sender gave it up at
		 * the end of its slice, still wanting to run */
	u16 nnodes;
	u32 seq;   /* WANT: the sender's request number; TOKEN: passes so far; FREE, END, VOTE:
		  * the phase's number */
	u32 epoch; /* TOKEN: the latest free phase its sender heard of */
	u16 served[TURNS_MAX_NODES]; /* TOKEN: the request last served, per node */
} __packed;

#define TURN_TOKEN_LEN(n) (TURN_HDR_LEN + 4u + (n)*2u)

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
	t->slice_ns = t->cur_ns = slice_ns;
	t->have = self == 0; /* node 0 starts: its vCPU 0 boots the guest */
	t->turns = t->have;
	t->passed_to = -1;
	t->since = t->began = t->stall_start = now;
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
static bool pass_token(struct turns *t, u32 to, bool want, u64 now)
{
	struct turn_msg m = { .kind = TURN_TOKEN,
			      .bad = want,
			      .nnodes = (u16)t->nnodes,
			      .seq = t->passes + 1,
			      .epoch = t->epoch };
	u16 was = t->served[to];

	t->served[to] = t->heard[to];
	memcpy(m.served, t->served, t->nnodes * sizeof(u16));
	if (t->ops->send(t->ctx, to, &m, TURN_TOKEN_LEN(t->nnodes)) != 0) {
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

/* Sends an 8-byte message of kind with seq (and bad, for a VOTE) to every other node that
 * is up; false if it could not be sent to one of them. */
static bool tell_all(struct turns *t, u8 kind, u32 seq, bool bad)
{
	struct turn_msg m = { .kind = kind, .bad = bad, .nnodes = (u16)t->nnodes, .seq = seq };
	bool all = true;

	for (u32 n = 0; n < t->nnodes; n++)
		if (n != t->self && t->ops->node_up(t->ctx, n) &&
		    t->ops->send(t->ctx, n, &m, TURN_HDR_LEN) != 0)
			all = false;
	return all;
}

/* Asks every node that is up (whoever has the token must hear it); if one could not be
 * asked, asks again at the next poll, with a new number. */
static void ask(struct turns *t, u64 now)
{
	bool all = tell_all(t, TURN_WANT, ++t->my_seq, false);

	if (!t->asked_since)
		t->asked_since = now;
	t->asked = all;
	t->wants++;
}

/*
 * The end of this slice. The slice counts the node's progress, not wall time: the time its
 * vCPUs waited for pages does not count (with several vCPUs, their waits over their
 * number), up to TURNS_MAX_FACTOR - 1 slices of wall time more. Why: a turn begins by
 * fetching the pages the other nodes wrote during theirs, which takes longer on a slower
 * host or network; counted in wall time, the slice left less work done per turn there, so
 * more turns and more fetching for the same work. Measured on a 2-node boot (50 ms wall
 * slices), the vCPUs spent about 80% of their turns waiting for pages. The slice itself
 * grows while the node's turns end by it (cur_ns): each turn's start costs about 40-80 ms
 * of fetching what the other node's ticks wrote, measured on a 2-node compute run (doc/dsm.md).
 */
static u64 slice_end(const struct turns *t)
{
	u64 waited = t->wait_ns / t->nlocal;

	return t->since + t->cur_ns + MIN(waited, (TURNS_MAX_FACTOR - 1) * t->slice_ns);
}

static void free_begins(struct turns *t, u32 epoch, u32 holder, u64 now);

/* A turn begins here (the token came, or a free phase ended with it here). */
static void turn_begins(struct turns *t, u64 now)
{
	t->since = t->began = t->stall_start = now;
	t->wait_ns = t->stall_wait = 0;
	t->computed = false;
}

void turns_token_adapt(struct turns *t, bool start_free, u64 now)
{
	if (!t->on || t->adaptive)
		return;
	t->adaptive = true;
	t->probe_ns = TURNS_PROBE_MIN_NS;
	t->probe_at = now + t->probe_ns;
	/* Every node does the same, before its first turn message: phase 1, node 0 its
	 * holder. (Unless a FREE or an END of phase 1 came first: node 0 settled before this
	 * node. Then this node is in it already, or it is over.) */
	if (start_free && t->epoch == 0) {
		t->since = now; /* (the build and the start barrier were no turn) */
		free_begins(t, 1, 0, now);
	}
}

/* A free phase begins here (FREE heard from holder, or sent by this node as the holder). */
static void free_begins(struct turns *t, u32 epoch, u32 holder, u64 now)
{
	t->free_from = holder;
	t->epoch = epoch;
	t->free = true;
	t->end_unsent = false;
	t->free_began = t->win_start = t->last_poll = now;
	t->win_wait = t->win_idle = 0;
	t->last_want = true;
	t->bad_windows = 0;
	memset(t->vote, 0, sizeof(t->vote));
	t->frees++;
	if (t->have) /* the turn's slice so far, into the statistics */
		count_held(t, now);
}

/* The free phase ends here (END heard, or this node's waits ended it): the back-off for
 * the next one, and the holder's turn begins afresh. */
static void free_ends(struct turns *t, u64 now)
{
	u64 lasted = now - MIN(t->free_began, now);

	t->free = false;
	t->free_ns += lasted;
	t->longest_free_ns = MAX(t->longest_free_ns, lasted);
	t->probe_ns = lasted < TURNS_PROBE_MIN_NS ? MIN(t->probe_ns * 2, TURNS_PROBE_MAX_NS)
						  : TURNS_PROBE_MIN_NS;
	t->probe_at = now + t->probe_ns;
	t->free_ended = now;
	turn_begins(t, now);
	t->came_computing = false; /* (the holder's turn begins afresh: from nobody) */
}

/*
 * A holder's turn quiet enough to try a free phase before its back-off: for at least half
 * a slice its vCPUs waited for pages less than 1/TURNS_QUIET of the time, another node
 * waits for the turn, and the last phase ended TURNS_PROBE_MIN_NS ago. That is how a
 * compute phase looks under turns (measured: with the back-off alone, a few seconds of the
 * parallel program ran wholly under turns, the back-off grown to 16 s during the boot).
 */
static bool quiet_turn(const struct turns *t, u64 now)
{
	u64 ran = now - MIN(t->since, now);

	return now >= t->free_ended + TURNS_PROBE_MIN_NS && ran >= t->slice_ns / 2 &&
	       t->wait_ns / t->nlocal * TURNS_QUIET < ran && next_waiting(t) >= 0;
}

/* The holder: should the phase end? When no node that is up votes good and at least two
 * vote bad: only then does running at once give less than turns would. With one node's
 * vCPUs still mostly running, nodes at once still beat one node at a time (measured:
 * compute phases in which one node's vCPU waited for more than half of its time, its CPU
 * still taking the guest's tick, while the other computed at full speed). A node whose
 * vCPUs had nothing to run (idle), or not heard from (it missed the FREE: it asks for the
 * turn and gets the FREE again), counts neither way: turns would not take pages away from
 * it, so one node waiting alone waits for pages turns would not bring it sooner (cold
 * faults; measured: a boot's node 0 while node 1 waited for its SIPI, or a thread's start
 * on a node that had been idle), and turns would only hold back the others' next
 * wake-up. */
static bool phase_loses(const struct turns *t)
{
	u32 bad = 0;

	for (u32 n = 0; n < t->nnodes; n++) {
		if (n != t->self && !t->ops->node_up(t->ctx, n))
			continue;
		if (t->vote[n] == VOTE_GOOD)
			return false;
		bad += t->vote[n] == VOTE_BAD;
	}
	return bad >= 2;
}

/* In a free phase: judges this node's window, and as the holder may end the phase. */
static void free_poll(struct turns *t, bool want, u64 now)
{
	struct turn_msg v = { .kind = TURN_VOTE, .nnodes = (u16)t->nnodes, .seq = t->epoch };
	u64 len;
	u8 vote;

	if (t->end_unsent && now >= t->end_retry_at) { /* it ended phase epoch here */
		t->end_unsent = !tell_all(t, TURN_END, t->epoch, false);
		t->end_retry_at = now + t->slice_ns / 8;
	}
	/* Time with nothing to run: from one poll to the next, if nothing could run at the
	 * first. An estimate that errs towards idle: a vCPU woken by its own timer, or by the
	 * devices' work, which come after this poll in the run loop, is counted idle until the
	 * boot core's next poll, up to an exit later; so is one of several vCPUs that is not
	 * the last to halt. Measured, it pays: counted exactly (each vCPU's halted time from
	 * its own loop, waits still under way counted at the window's end; session 35), more
	 * phases ended at a thread's start and in the fork loop, and in 2 runs of 5 `parallel`
	 * took 1.41-1.45 times as long, the fork loop 11-14 s instead of 7. */
	if (t->free && !t->last_want && now > MAX(t->last_poll, t->win_start))
		t->win_idle += now - MAX(t->last_poll, t->win_start);
	t->last_poll = now;
	t->last_want = want;
	if (!t->free || now < t->win_start || now - t->win_start < t->slice_ns)
		return;
	/* Nothing to run for more than half of the window: idle. Else more than half of the
	 * time it could run waiting for pages (over the vCPUs), TURNS_BAD_WINDOWS windows in a
	 * row: a bad vote. (Not one: a phase begins by fetching what the other nodes wrote in
	 * their turns; measured, that alone ended phases in which the guest computed. Four,
	 * not two: with two, threads starting on 2 of 3 nodes ended the phase in which they
	 * were to compute, and `make bench`'s parallel program on 3 nodes took 8.2 s instead
	 * of 6.7; threads faulting memory in keep it bad for seconds.) */
	len = now - t->win_start;
	if (t->win_idle * 2 > len) {
		t->bad_windows = 0;
		vote = VOTE_IDLE;
	} else {
		t->bad_windows =
			t->win_wait > (len - t->win_idle) / 2 * t->nlocal ? t->bad_windows + 1 : 0;
		vote = t->bad_windows >= TURNS_BAD_WINDOWS ? VOTE_BAD : VOTE_GOOD;
	}
	t->win.n++;
	t->win.wait_pct = len > t->win_idle
				  ? (u32)(MIN(t->win_wait / t->nlocal, len - t->win_idle) * 100 /
					  (len - t->win_idle))
				  : 0;
	t->win.idle_pct = (u32)(MIN(t->win_idle, len) * 100 / len);
	t->win.vote = vote;
	t->win_start = now;
	t->win_wait = t->win_idle = 0;
	if (!t->have) {
		/* To the holder, at every window (a lost one is replaced by the next). */
		v.bad = vote == VOTE_BAD ? 1 : vote == VOTE_IDLE ? 2 : 0;
		(void)t->ops->send(t->ctx, t->free_from, &v, TURN_HDR_LEN);
		return;
	}
	t->vote[t->self] = vote;
	if (phase_loses(t)) {
		free_ends(t, now);
		t->ended_here++;
		t->end_unsent = !tell_all(t, TURN_END, t->epoch, false);
		t->end_retry_at = now + t->slice_ns / 8;
		return;
	}
	/* A node not heard from may have missed the FREE (a send that failed): again. */
	v.kind = TURN_FREE;
	for (u32 n = 0; n < t->nnodes; n++)
		if (n != t->self && t->vote[n] == VOTE_NONE && t->ops->node_up(t->ctx, n))
			(void)t->ops->send(t->ctx, n, &v, TURN_HDR_LEN);
}

/*
 * Has this turn's compute stalled? Judged over windows of 1/TURNS_STALL_WINDOW slice (at
 * the first poll after each one's end), the waits under way counted (waits_now): yes when
 * one of this turn's earlier windows was quiet (no vCPU waiting at its end, and waits
 * under 1/TURNS_QUIET of it: the vCPU computed), this one's waits are over 1/TURNS_STALL
 * of it, and the node the turn came from gave it up still computing. Then the turn goes to
 * a node that waits (turns_token_poll): the holder's vCPU has left its compute for kernel
 * work that takes pages from the other nodes, while another node has compute to do.
 * Measured on a 2-node compute run on one host core: a thread's end on one node and then
 * its exit path (74-110 page faults, 40-80 ms of waits) ran inside the holder's turn while
 * the other node's thread waited for the turn to finish its last 40 ms: the program took
 * 1.38-1.47 s, against 1.2 s when the other thread ended first (doc/benchmarks.md). The
 * first window of a turn never counts as quiet: it fetches what the other nodes wrote.
 * Only on a node with one vCPU: with several, one vCPU's exit would take the turn from
 * the others' compute, and it was measured with one.
 */
static bool stalled(struct turns *t, u64 now)
{
	u64 len = now - MIN(t->stall_start, now), waited = t->stall_wait + t->waits_now;
	bool computed = t->computed, first = t->stall_start == t->began;

	if (t->nlocal != 1 || len < t->slice_ns / TURNS_STALL_WINDOW)
		return false;
	t->computed |= !first && !t->waiting_now && waited * TURNS_QUIET < len;
	t->stall_start = now;
	t->stall_wait = 0;
	if (!computed || !t->came_computing || waited * TURNS_STALL <= len)
		return false;
	t->stall_pct = (u32)(MIN(waited, len) * 100 / len);
	return true;
}

bool turns_token_poll(struct turns *t, bool want, enum turn_why why, u64 now)
{
	bool stall;
	int next;

	if (!t->on)
		return false;
	if (t->free || t->end_unsent) {
		free_poll(t, want, now);
		/* (nor is the token passed before every node has heard the END) */
		if (t->free || t->end_unsent)
			return false;
	}
	if (t->have && t->adaptive && (now >= t->probe_at || quiet_turn(t, now))) {
		t->quiet_probes += now < t->probe_at;
		/* (a FREE some node missed: it asks for the turn, and its WANT gets the FREE) */
		tell_all(t, TURN_FREE, t->epoch + 1, false);
		free_begins(t, t->epoch + 1, t->self, now);
		return false;
	}
	if (!t->have) {
		if (want && !t->asked)
			ask(t, now);
		return false;
	}
	stall = want && stalled(t, now) && next_waiting(t) >= 0;
	/* (now < since: read before the network poll that brought the token) */
	if (want && !stall && (now < t->since || now < slice_end(t)))
		return false;
	next = next_waiting(t);
	if (next < 0) {
		/* Nobody waits: a new slice here (the turn goes on, and so does its count; the
		 * node it came from, computing or not, is no news any more). */
		count_held(t, now);
		t->since = now;
		t->wait_ns = 0;
		t->came_computing = false;
		return false;
	}
	/* (a stalled node says it was not computing: the next holder's slice does not grow) */
	if (!pass_token(t, (u32)next, want && !stall, now))
		return false;
	t->passed_why = stall  ? TURN_STALL
			: want ? TURN_SLICE
			: why < TURN_NWHY ? why
					  : TURN_OTHER;
	t->passed[t->passed_why]++;
	/* Longer turns only while the node it came from computed too: a node that just takes
	 * an interrupt and halts gets it back soon (a yield says nothing either way; nor does
	 * a stall: its compute may go on at its next turn). */
	t->grown += want && !stall && t->cur_ns == TURNS_GROW * t->slice_ns;
	if (want && !stall && t->came_computing)
		t->cur_ns = MIN(2 * t->cur_ns, TURNS_GROW * t->slice_ns);
	else if ((want && !stall) || why == TURN_HALTED)
		t->cur_ns = t->slice_ns;
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
	    (m.kind == TURN_TOKEN ? len != TURN_TOKEN_LEN(t->nnodes) : len != TURN_HDR_LEN) ||
	    m.kind < TURN_WANT || m.kind > TURN_VOTE || (m.kind >= TURN_FREE && !t->on) ||
	    (m.kind == TURN_TOKEN && m.bad > 1) || (m.kind == TURN_VOTE && m.bad > 2)) {
		t->bad++;
		return -E_INVAL;
	}
	if (m.kind == TURN_WANT) {
		t->heard[src] = (u16)m.seq;
		if (t->free && t->have) { /* it missed the FREE (see turns_token.h) */
			struct turn_msg f = { .kind = TURN_FREE,
					      .nnodes = (u16)t->nnodes,
					      .seq = t->epoch };
			(void)t->ops->send(t->ctx, src, &f, TURN_HDR_LEN);
		}
		return TURN_RX_TAKEN;
	}
	if (m.kind == TURN_VOTE) {
		if (t->free && t->have && m.seq == t->epoch) /* (another phase's: dropped) */
			t->vote[src] = m.bad == 1 ? VOTE_BAD : m.bad == 2 ? VOTE_IDLE : VOTE_GOOD;
		return TURN_RX_TAKEN;
	}
	if (m.kind == TURN_FREE) {
		/* (an older phase, or this one again: nothing new) */
		if ((s32)(m.seq - t->epoch) <= 0)
			return TURN_RX_TAKEN;
		free_begins(t, m.seq, src, now);
		return TURN_RX_FREE;
	}
	if (m.kind == TURN_END) {
		/* An END for a phase this node has not heard begin (the FREE is behind it)
		 * ends it all the same: that FREE, when it comes, is then old. */
		if ((s32)(m.seq - t->epoch) < 0 || (m.seq == t->epoch && !t->free))
			return TURN_RX_TAKEN;
		if (m.seq != t->epoch) {
			t->epoch = m.seq;
			if (!t->free)
				return TURN_RX_TAKEN;
		}
		free_ends(t, now);
		t->end_unsent = false;
		return TURN_RX_END;
	}
	if (t->have || !t->on) {
		t->bad++;
		return -E_EXIST; /* two tokens: keep ours */
	}
	/* A phase this node missed both ends of: its number, so that this node's next FREE is
	 * new to everyone. A phase it is still in is over: the holder passes only in turns. */
	if ((s32)(m.epoch - t->epoch) > 0)
		t->epoch = m.epoch;
	if (t->free)
		free_ends(t, now);
	memcpy(t->served, m.served, t->nnodes * sizeof(u16));
	t->passes = m.seq;
	t->came_computing = m.bad;
	t->have = true;
	t->asked = false;
	turn_begins(t, now);
	t->asked_since = 0;
	t->turns++;
	return TURN_RX_TOKEN;
}

void turns_token_note_wait(struct turns *t, u64 since, u64 now)
{
	/* Only the part of the wait within this turn: a vCPU often waits for a page from
	 * before the token came. In a free phase, the part within the window. */
	if (t->free) {
		if (now > MAX(since, t->win_start))
			t->win_wait += now - MAX(since, t->win_start);
		return;
	}
	if (t->have && now > MAX(since, t->since))
		t->wait_ns += now - MAX(since, t->since);
	if (t->have && now > MAX(since, t->stall_start))
		t->stall_wait += now - MAX(since, t->stall_start);
}

u64 turns_token_deadline(const struct turns *t, u64 now)
{
	u64 d = 0;

	if (!t->on)
		return 0;
	if (t->free || t->end_unsent)
		return t->free ? t->win_start + t->slice_ns : t->end_retry_at;
	/* (later waits move it on: the next poll asks again) */
	if (t->have && next_waiting(t) >= 0)
		d = slice_end(t);
	/* A request some node could not be sent: asked again an eighth of a slice later. */
	if (!t->have && !t->asked && t->asked_since)
		return now + t->slice_ns / 8;
	if (t->have && t->adaptive) {
		u64 quiet = MAX(t->since + t->slice_ns / 2, t->free_ended + TURNS_PROBE_MIN_NS);

		d = d ? MIN(d, t->probe_at) : t->probe_at;
		/* (a quiet turn's early phase: its vCPU may be in the guest, not polling; once
		 * that time is past, only its page waits, which poll, can make the turn quiet) */
		if (next_waiting(t) >= 0 && quiet > now)
			d = MIN(d, quiet);
	}
	return d;
}

bool turns_token_others_wait(const struct turns *t)
{
	return t->on && t->have && !t->free && next_waiting(t) >= 0;
}
