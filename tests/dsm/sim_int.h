/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The simulator's private state, shared by sim.c (events, network, callbacks), sim_check.c
 * (checkers and accounting) and sim_wire.c (the lossy transport). Tests use sim.h only.
 */
#ifndef UNUM_TESTS_DSM_SIM_INT_H
#define UNUM_TESTS_DSM_SIM_INT_H

#include "tests/dsm/sim.h"

#include <string.h>

/* A DSM message, or a packet on the lossy wire (EV_PKT). */
struct sim_msg {
	struct sim_msg *next;
	unsigned src, dst;
	size_t len;
	uint8_t buf[];
};

/* EV_PKT: a packet reaches its node's layer; EV_NET: a layer's timers are due. */
enum { EV_MSG, EV_CALL, EV_POLL, EV_PKT, EV_NET };

struct sim_ev {
	uint64_t t, seq;
	int kind;
	unsigned node;
	struct sim_msg *msg;
	void (*fn)(struct sim *, void *);
	void *arg;
};

struct sim_node {
	struct sim *s;
	unsigned id;
	struct dsm_node *d;
	void *mem;
	uint8_t *frames; /* npages * 4 KiB, contiguous so a split access is one range */
	enum dsm_rights rights[SIM_MAX_PAGES]; /* as set through ops->set_rights */
	bool dirty[SIM_MAX_PAGES];
	uint64_t poll_at;
	unsigned hand, cache_peak; /* sim_cache_trim's clock hand; its high-water mark */
	/* The lossy transport (sim_wire.c): the node's message layer and its buffers, the
	 * messages that wait for a buffer, oldest first, and the next timer event. */
	struct msg_layer *net;
	struct msg_slot *slots;
	struct sim_msg *wait_head, *wait_tail;
	unsigned nwait;
	uint64_t net_poll_at;
};

struct sim_chan {
	uint64_t last; /* delivery time of the newest message: FIFO floor */
	bool held;
	struct sim_msg *park_head, *park_tail;
	unsigned nparked;
};

/* The fault a message belongs to: requester and page name it, the request time dates it. */
struct sim_open_fault {
	bool open;
	uint64_t since;
	unsigned msgs, crit;
};

struct sim {
	struct sim_params p;
	uint64_t now, seq, rng;
	struct sim_ev *heap;
	size_t nheap, capheap;
	struct sim_node node[SIM_MAX_NODES];
	struct sim_chan chan[SIM_MAX_NODES][SIM_MAX_NODES];
	uint8_t *shadow; /* the latest write to every byte, in perform order */
	unsigned writers[SIM_MAX_PAGES], readers[SIM_MAX_PAGES];
	uint64_t violations, checked;
	struct sim_open_fault of[SIM_MAX_NODES][SIM_MAX_PAGES];
	struct sim_faults faults;
	struct sim_wire_stats wire; /* the wire's counts (the layers' are summed on demand) */
	struct sim_msg *msg_free;   /* spare message buffers (sim_msg_new) */
	sim_resume_fn resume;
	long trace_page; /* DSM_TRACE=<page>: print that page's traffic (-1: none) */
};

void sim_after(struct sim *s, unsigned node);
void sim_post(struct sim *s, uint64_t t, int kind, unsigned node, struct sim_msg *m);
uint64_t sim_delay(struct sim *s);
void sim_msg_arrive(struct sim *s, struct sim_msg *m);
/* A buffer for a message or packet of len <= MSG_MAX_PACKET bytes, and its return. */
struct sim_msg *sim_msg_new(struct sim *s, unsigned src, unsigned dst, size_t len);
void sim_msg_free(struct sim *s, struct sim_msg *m);
void sim_trace_msg(struct sim *s, const char *what, const struct sim_msg *m);
void sim_account(struct sim *s, unsigned src, const struct sim_msg *m);
void sim_op_set_rights(void *ctx, uint64_t page, enum dsm_rights rights);

/* sim_wire.c: set up node's layer, free every layer; hand a DSM message to its sender's
 * layer (taking it); the EV_PKT and EV_NET events; whether every layer's books are closed
 * (violations if not). */
int sim_wire_init(struct sim *s, unsigned node);
void sim_wire_free(struct sim *s);
void sim_wire_send(struct sim *s, struct sim_msg *m);
void sim_wire_arrive(struct sim *s, struct sim_msg *pkt);
void sim_wire_poll(struct sim *s, unsigned node, uint64_t t);
bool sim_wire_check_quiescent(struct sim *s);

#endif
