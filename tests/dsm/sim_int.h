/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The simulator's private state, shared by sim.c (events, network, callbacks) and
 * sim_check.c (checkers and accounting). Tests use sim.h only.
 */
#ifndef UNUM_TESTS_DSM_SIM_INT_H
#define UNUM_TESTS_DSM_SIM_INT_H

#include "tests/dsm/sim.h"

#include <string.h>

struct sim_msg {
	struct sim_msg *next;
	unsigned src, dst;
	size_t len;
	uint8_t buf[];
};

enum { EV_MSG, EV_CALL, EV_POLL };

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
	sim_resume_fn resume;
	long trace_page; /* DSM_TRACE=<page>: print that page's traffic (-1: none) */
};

void sim_after(struct sim *s, unsigned node);
void sim_trace_msg(struct sim *s, const char *what, const struct sim_msg *m);
void sim_account(struct sim *s, unsigned src, const struct sim_msg *m);
void sim_op_set_rights(void *ctx, uint64_t page, enum dsm_rights rights);

#endif
