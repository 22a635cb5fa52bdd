/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A discrete-event simulator for the DSM protocol: K nodes, each a real struct dsm_node with
 * its own frames, wired to a simulated network that delivers in order per (src, dst) pair
 * with random delays, so messages from different peers interleave arbitrarily. Or, with
 * p.lossy.on, the monitor's transport (sim_wire.c): each node owns a real message layer
 * (net/msg.c) on the simulator's clock, and its packets cross a wire that loses, duplicates,
 * corrupts and reorders them; the layer must give the protocol back the reliable, per-peer
 * FIFO stream it assumes, and a run ends only when no layer has anything unacknowledged.
 * The checkers run inside it: every rights change checks the single-writer invariant and
 * that a node gaining rights holds the latest contents, every access checks the rights are
 * really held and that a read returns the latest write (see sim_access()), and
 * sim_check_quiescent() compares every node's state with the directory once the traffic has
 * stopped, and (lossy) every layer's books: idle, all buffers free, every message delivered.
 *
 * workload.c drives it with random actors; cases.c scripts targeted races with it.
 */
#ifndef UNUM_TESTS_DSM_SIM_H
#define UNUM_TESTS_DSM_SIM_H

#include "dsm/dsm.h"
#include "net/msg.h"

#include <stdint.h>
#include <stdio.h>

/* Deliberate faults, each of which some checker must catch. */
#define SIM_INJECT_FAKE_ACK 0x1u /* the network turns an invalidation into its ack */
#define SIM_INJECT_NO_DIRTY 0x2u /* the dirty test always says "clean" */
#define SIM_INJECT_DROP	    0x4u /* the network loses a message */
#define SIM_INJECT_REORDER  0x8u /* FIFO per peer broken */
#define SIM_INJECT_PUT_FREE 0x10u /* an evicted frame reused at the PUT, not at its ack */

#define SIM_MAX_NODES 16
#define SIM_MAX_PAGES 160
#define SIM_HIST      16

struct sim;

/* The lossy transport (sim_wire.c); all zero: messages go straight to their node. */
struct sim_lossy {
	bool on;
	unsigned loss_pct, dup_pct, corrupt_pct; /* per packet on the wire */
	uint64_t jitter_ns; /* added to each packet's delay, uniform: packets overtake */
	unsigned slots;	    /* each layer's buffer pool; 0: a window each way per peer */
};

struct sim_params {
	unsigned nnodes, npages;
	unsigned max_holds, max_hold_pages;
	uint32_t spill_slots; /* 0: the protocol's default; DSM_SPILL_NONE: no pool */
	uint64_t pin_ns;
	uint64_t delay_min_ns, delay_max_ns; /* uniform; 1 in 16 up to 8x max, unless equal */
	uint64_t seed;
	unsigned inject;
	/* Evictions (sim_cache_trim): each node keeps at most cache_pages frames of pages
	 * homed elsewhere (0: no bound), and also gives back a random copy now and then. */
	bool evict;
	unsigned cache_pages;
	struct sim_lossy lossy;
};

/* Per-fault message accounting, from the wire (messages a node sends itself are free). */
struct sim_faults {
	uint64_t hist[SIM_HIST]; /* faults by wire messages they cost (last bucket: more) */
	uint64_t crit_max;	 /* most REQ+FWD+GRANT messages seen in one fault */
	uint64_t wire_faults;	 /* faults that sent at least one message */
};

/* What the lossy transport saw: the wire's own counts and the layers' counters, summed. */
struct sim_wire_stats {
	uint64_t packets, lost, duplicated, corrupted; /* on the wire */
	uint64_t waited;     /* DSM messages that waited for a layer buffer (-MSG_E_AGAIN) */
	uint64_t waited_max; /* most waiting at once on one node */
	struct msg_stats msg;
};

typedef void (*sim_resume_fn)(struct sim *s, unsigned node, struct dsm_hold *h);

struct sim *sim_new(const struct sim_params *p);
void sim_free(struct sim *s);
void sim_set_resume(struct sim *s, sim_resume_fn fn);

uint64_t sim_now(const struct sim *s);
uint64_t sim_rand(struct sim *s);
struct dsm_node *sim_node(struct sim *s, unsigned node);
/* The node's local frame of a page, and the rights it currently has mapped. */
const uint8_t *sim_frame(const struct sim *s, unsigned node, uint64_t page);
enum dsm_rights sim_rights(const struct sim *s, unsigned node, uint64_t page);

/* Schedule a callback event for an actor (workload.c) at time t. */
void sim_at(struct sim *s, uint64_t t, void (*fn)(struct sim *, void *), void *arg);
/* Call after driving a node directly (acquire/release): schedules its pin-deadline poll. */
void sim_kick(struct sim *s, unsigned node);
/* Run one event; false when nothing is left. */
bool sim_step(struct sim *s);
/* Run events until none are left or `limit` events ran; returns events run. */
uint64_t sim_run(struct sim *s, uint64_t limit);

/*
 * The node's cache policy, run after each of its accesses when p.evict is set: a clock
 * hand gives back copies of pages homed elsewhere (dsm_evict) while more than cache_pages
 * frames hold them, and one random copy in four runs. A freed frame is filled with garbage,
 * so a copy used after its eviction is caught by the checkers.
 */
void sim_cache_trim(struct sim *s, unsigned node);
/* The most frames of pages homed elsewhere a node held at once (PUTs in flight included). */
unsigned sim_cache_peak(const struct sim *s, unsigned node);

/* Park (or release, delivering everything parked) the messages from src to dst. With the
 * lossy transport a message is parked as its layer delivers it. */
void sim_hold_channel(struct sim *s, unsigned src, unsigned dst, bool hold);
unsigned sim_parked(const struct sim *s, unsigned src, unsigned dst);

/*
 * Perform an access under hold h: a read checks the frame against the shadow memory (the
 * latest write in the global order of performed accesses), a write stores `val` in both.
 * rmw adds 1 to the value read. Returns false (and counts a violation) on any mismatch.
 */
bool sim_access(struct sim *s, unsigned node, uint64_t gpa, unsigned len, bool write, bool rmw,
		uint64_t val);

/* Checker results. Violations print their first few occurrences with the seed. */
uint64_t sim_violations(const struct sim *s);
void sim_violation(struct sim *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
uint64_t sim_checked(const struct sim *s); /* accesses checked */
bool sim_check_quiescent(struct sim *s);
void sim_dump(struct sim *s);
void sim_stats_sum(const struct sim *s, struct dsm_stats *sum);
const struct sim_faults *sim_faults(struct sim *s);
/* All zero unless p.lossy.on. */
void sim_wire_stats(const struct sim *s, struct sim_wire_stats *out);
void sim_wire_stats_add(struct sim_wire_stats *sum, const struct sim_wire_stats *x);

#endif
