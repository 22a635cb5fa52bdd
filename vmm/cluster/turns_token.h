/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The turn as a token passed between nodes (vmm/cluster/turns.h says why there are turns).
 * This is the protocol alone: its state is a struct turns, messages leave through
 * ops->send and arrive through turns_token_receive(), time is passed in. It includes no
 * monitor header, so tests/cluster/turns_test.c drives it on the host with a simulated
 * network; vmm/cluster/turns.c ties it to the VM and the message layer.
 *
 * Who waits: node n asks by broadcasting WANT with its n-th request number; every node
 * remembers the latest number it heard from each node. The token carries, per node, the
 * number of the request it last served. So n waits exactly when the number heard from n
 * differs from the token's, and a request served once is never served again, whoever
 * heard it. The holder passes the token to the next waiting node after itself (in id
 * order, skipping nodes that are down) when its slice is over, none of its vCPUs can
 * run, or its compute stalled (a quiet window of this turn, then one with waits over
 * 1/TURNS_STALL of it, and the token came from a node that gave it up still computing:
 * stalled() in turns_token.c); if nobody waits it keeps it. A token that cannot be sent
 * stays with its holder.
 *
 * Adaptive turns (turns_token_adapt): the holder now and then begins a free phase, in
 * which every node runs at once (FREE, with the phase's number); or the nodes begin in
 * one (phase 1, node 0 its holder, without a message: every node starts it alike). Each
 * node judges its own vCPUs over windows of one slice of wall time: idle if they had
 * nothing to run for more than half of the window (from poll to poll: free_poll() says
 * how it errs); else bad once they waited for pages more than half of the time they could
 * run, TURNS_BAD_WINDOWS windows in a row; else good. It tells the holder at every window (VOTE, with the phase's number). When no node
 * that is up votes good and at least two vote bad, the holder ends the phase for everyone
 * (END, with the phase's number), and the turns go on from it: only nodes that run and
 * take pages from each other lose to running at once, and an idle node or one not heard
 * from counts neither way (phase_loses() says why). A phase that ended within
 * TURNS_PROBE_MIN_NS of its start doubles the time until the next one (up to
 * TURNS_PROBE_MAX_NS); a longer one resets it. A holder whose turn is quiet (its vCPUs
 * hardly wait for pages while another node waits for the turn) tries one earlier, but
 * not within TURNS_PROBE_MIN_NS of the last. Every node hears FREE and END and keeps
 * the same back-off, so the next holder probes on the same schedule. The holder sends the
 * FREE again, at every window, to a node it has not heard a vote from, and answers a
 * WANT during a phase with it; an END that could not be sent is sent again an eighth of
 * a slice later, and the token does not move before it is. The token carries the latest
 * phase's number.
 */
#ifndef UNUM_VMM_CLUSTER_TURNS_TOKEN_H
#define UNUM_VMM_CLUSTER_TURNS_TOKEN_H

#include "vmm/lib/types.h"

#define TURNS_MAX_NODES	   256 /* node ids 0..255, as the message layer's */
#define TURNS_MAX_FACTOR   4   /* page waits stretch a turn by at most 3 slices of wall time */
#define TURNS_GROW	   4   /* a node whose turns end by its slice: up to 4 slices of progress */
#define TURNS_QUIET	   20  /* adaptive: a turn with waits under 1/20 of it tries a phase */
#define TURNS_BAD_WINDOWS  4   /* adaptive: windows in a row with long waits that end a phase */
#define TURNS_STALL_WINDOW 8   /* a stall is judged over windows of 1/8 slice, */
#define TURNS_STALL	   4   /* ... in which the waits are over 1/4 of the time */
#define TURNS_PROBE_MIN_NS 1000000000ULL  /* adaptive: turns for 1 s before a free phase, */
#define TURNS_PROBE_MAX_NS 16000000000ULL /* doubling while phases end at once, up to 16 s */

/* Why a holder gave the turn up. */
enum turn_why {
	TURN_SLICE,  /* its slice was over, and it still wanted to run */
	TURN_HALTED, /* its vCPUs were halted (or waited for a SIPI) */
	TURN_YIELD,  /* a vCPU yielded after PAUSE */
	TURN_STALL,  /* its vCPUs began to wait for pages after computing (turns_token_poll) */
	TURN_OTHER,
	TURN_NWHY
};

struct turns_ops {
	/* Sends len bytes of a turn message to node `to`: 0, or non-zero if not queued. */
	int (*send)(void *ctx, u32 to, const void *msg, size_t len);
	/* Is node n up (worth asking, worth passing to)? */
	bool (*node_up)(void *ctx, u32 n);
};

struct turns {
	const struct turns_ops *ops;
	void *ctx;
	u32 self, nnodes, nlocal; /* nlocal: this node's vCPUs */
	bool on, have, asked;
	u64 slice_ns;
	/* This node's slice now: slice_ns, doubled after each turn it gave up at the end of its
	 * slice still wanting to run when the node it had the turn from had done the same
	 * (came_computing, carried by the token), up to TURNS_GROW slices; slice_ns again after
	 * a turn given up at the end of its slice otherwise, or halted. So compute on every
	 * node switches turns less often; a node that wakes for an interrupt waits as ever. */
	u64 cur_ns;
	bool came_computing;
	u64 since;   /* this slice began (a turn nobody waits for has several) */
	u64 began;   /* this turn began */
	u64 wait_ns; /* this turn: time the node's vCPUs waited for pages (over their number) */
	/* This turn's windows of 1/TURNS_STALL_WINDOW slice, for a stall (turns_token_poll): */
	u64 stall_start;   /* the window began, */
	u64 stall_wait;	   /* ... the page waits within it (summed over the vCPUs), */
	bool computed;	   /* ... and whether one of this turn's windows was quiet */
	u64 waits_now;	   /* set before each poll: page waits under way, within the window */
	bool waiting_now;  /* ... and whether a vCPU waits for a page or an answer now */
	u32 stall_pct;	   /* the waits of the window that passed the token on a stall, in % */
	u32 passes;  /* token passes so far, as the token last carried it */
	u16 my_seq;  /* this node's request number */
	u16 heard[TURNS_MAX_NODES];  /* the latest request number heard from each node */
	u16 served[TURNS_MAX_NODES]; /* valid while this node has the token */
	int passed_to;		     /* the node this one last passed the token to, or -1 */
	enum turn_why passed_why;    /* ... and why */
	u64 asked_since;	     /* when this node first asked for the turn it waits for */
	/* adaptive turns: free phases, in which every node runs at once */
	bool adaptive;
	bool free;		  /* in a free phase (this node heard FREE and no END since) */
	bool end_unsent;	  /* this node ended the phase, and some node has not been told */
	u64 end_retry_at;	  /* when to tell them again */
	u32 epoch;		  /* the number of the latest free phase heard of */
	u64 free_began;		  /* when this node heard it began */
	u64 win_start;		  /* this node's current window of the phase */
	u64 win_wait;		  /* its vCPUs' page waits within the window (summed) */
	u64 win_idle;		  /* time within the window with no vCPU to run */
	u64 last_poll;		  /* the last turns_token_poll() in the phase, */
	bool last_want;		  /* ... and whether a vCPU could run then */
	struct {		  /* the last window judged here, for the log */
		u32 n;		  /* windows judged so far */
		u32 wait_pct;	  /* waits, of the time it could run (over the vCPUs) */
		u32 idle_pct;	  /* time with nothing to run, of the window */
		u8 vote;
	} win;
	u32 bad_windows;	  /* windows in a row with waits over half of their running time */
	u32 free_from;		  /* the holder that began this phase (votes go to it) */
	u8 vote[TURNS_MAX_NODES]; /* the holder: each node's latest vote in this phase */
	u64 probe_at;		  /* in turns: when the holder begins the next free phase */
	u64 probe_ns;		  /* the back-off that set probe_at */
	u64 free_ended;		  /* when the last free phase ended here */
	/* statistics */
	u64 turns, held_ns, wants, waited_ns, longest_ns, bad, send_fails;
	u64 passed[TURN_NWHY];
	u64 grown; /* turns passed on at the end of a slice grown to TURNS_GROW slices */
	u64 frees, free_ns, ended_here, longest_free_ns, quiet_probes;
};

enum { VOTE_NONE, VOTE_GOOD, VOTE_BAD, VOTE_IDLE }; /* struct turns' vote[] */

/* What turns_token_receive() took in. */
enum turn_rx {
	TURN_RX_TAKEN = 0, /* nothing changes for this node's vCPUs */
	TURN_RX_TOKEN = 1, /* the token came: a turn begins here */
	TURN_RX_FREE = 2,  /* a free phase began: this node's vCPUs may run */
	TURN_RX_END = 3,   /* the free phase ended: they run only if this node has the token */
};

/* Node self of nnodes, with nlocal vCPUs; node 0 starts with the token. slice_ns 0, or one
 * node: off (every node may always run). */
void turns_token_init(struct turns *t, const struct turns_ops *ops, void *ctx, u32 self, u32 nnodes,
		      u32 nlocal, u64 slice_ns, u64 now);
/* Turns only while the nodes would wait for pages if they ran at once (see above);
 * start_free: beginning with a free phase (every node must call it alike, before any turn
 * message), else with turns. */
void turns_token_adapt(struct turns *t, bool start_free, u64 now);
/*
 * The holder's and the asker's step: want says whether this node's vCPUs would run, why
 * why they would give the turn up now. Asks for the token when it wants it and has not
 * asked; passes it on when another node waits and its slice is over, its compute
 * stalled, or it does not want it. In a free phase, judges this node's window of page waits instead, and the
 * holder may end the phase. Returns true when this call passed the token away (the
 * caller's vCPUs must leave the guest).
 */
bool turns_token_poll(struct turns *t, bool want, enum turn_why why, u64 now);
/* A turn message from node src: what it changed (enum turn_rx), or a negative error if it
 * was malformed or inconsistent (dropped, counted). */
int turns_token_receive(struct turns *t, u32 src, const void *data, size_t len, u64 now);
/* A local vCPU waited for a page from since to now: the part within this turn does not
 * count against the slice; in a free phase, the part within the window counts in it. */
void turns_token_note_wait(struct turns *t, u64 since, u64 now);
/* When turns_token_poll() must run next: this slice's end (for a holder that others wait
 * for), the next free phase (a holder, adaptive), this window's end (in a free phase), an
 * eighth of a slice on (a request for the turn some node could not be sent); else 0. */
u64 turns_token_deadline(const struct turns *t, u64 now);
/* Does another node wait for the token this node has? */
bool turns_token_others_wait(const struct turns *t);
/* May this node run: turns are off, it has the token, or the nodes are in a free phase? */
static inline bool turns_token_may_run(const struct turns *t)
{
	return !t->on || t->have || t->free;
}

#endif
