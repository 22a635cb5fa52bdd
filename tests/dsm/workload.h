/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Random workloads for the DSM simulator: several actors per node issue reads, writes,
 * atomic read-modify-writes, accesses split across two pages and multi-page DMA over a
 * small page set, and every access goes through the simulator's checkers. wl_run() runs
 * one seed to the end and says whether every checker held and every actor finished.
 */
#ifndef UNUM_TESTS_DSM_WORKLOAD_H
#define UNUM_TESTS_DSM_WORKLOAD_H

#include "tests/dsm/sim.h"

struct wl_params {
	struct sim_params sim;
	unsigned actors;      /* per node */
	uint64_t ops;	      /* per actor */
	bool ignore_lost;     /* injected bug: access even when the pin ran out */
	unsigned max_retries; /* per operation, before it counts as livelock */
	bool sweep;	      /* half the operations read-aheads, each actor's ascending */
};

struct wl_result {
	uint64_t ops, checked, violations, retries, max_retries, events, sim_ns;
	bool finished;
	struct dsm_stats sum;
	struct sim_faults faults;
	uint64_t page_faults[SIM_MAX_PAGES]; /* from the homes' hot-page tables */
	unsigned cache_peak[SIM_MAX_NODES];  /* sim_cache_peak() of each node */
	struct sim_wire_stats wire;	     /* the lossy transport's figures (p.sim.lossy) */
};

/* Defaults for a node count and seed: pages, delays, pin window, actors. */
void wl_defaults(struct wl_params *p, unsigned nnodes, uint64_t seed);
bool wl_run(const struct wl_params *p, struct wl_result *r);
/* Add one run's figures into a total. */
void wl_accumulate(struct wl_result *total, const struct wl_result *r);
void wl_report(const char *title, const struct wl_result *r);

#endif
