// SPDX-License-Identifier: GPL-2.0-only
/*
 * Totals and the printed report of DSM simulator runs: the protocol's own counters summed
 * over nodes, and the simulator's per-fault accounting of wire messages. These are the
 * figures doc/dsm.md quotes (messages and bytes per fault, transfers saved by versions and
 * zero pages, pin-window waits, faults per page).
 */
#include "tests/dsm/workload.h"

#include <stdio.h>
#include <string.h>

void wl_accumulate(struct wl_result *t, const struct wl_result *r)
{
	const uint64_t *src = (const uint64_t *)(const void *)&r->sum;
	uint64_t *dst = (uint64_t *)(void *)&t->sum;

	t->ops += r->ops, t->checked += r->checked, t->violations += r->violations;
	t->retries += r->retries, t->events += r->events, t->sim_ns += r->sim_ns;
	if (r->max_retries > t->max_retries)
		t->max_retries = r->max_retries;
	for (size_t k = 0; k < offsetof(struct dsm_stats, hot) / 8; k++)
		dst[k] += &src[k] == &r->sum.fault_ns_max ? 0 : src[k];
	if (r->sum.fault_ns_max > t->sum.fault_ns_max)
		t->sum.fault_ns_max = r->sum.fault_ns_max;
	for (unsigned i = 0; i < SIM_HIST; i++)
		t->faults.hist[i] += r->faults.hist[i];
	t->faults.wire_faults += r->faults.wire_faults;
	if (r->faults.crit_max > t->faults.crit_max)
		t->faults.crit_max = r->faults.crit_max;
	for (unsigned i = 0; i < SIM_MAX_PAGES; i++)
		t->page_faults[i] += r->page_faults[i];
	sim_wire_stats_add(&t->wire, &r->wire);
}

static double per(uint64_t a, uint64_t b)
{
	return b ? (double)a / (double)b : 0.0;
}

static void wl_report_faults(const struct wl_result *r, uint64_t faults)
{
	const struct dsm_stats *s = &r->sum;
	uint64_t msgs = 0;

	for (unsigned t = 1; t < DSM_MSG_NTYPES; t++)
		msgs += s->msgs[t];
	printf("  wire messages per fault %.3f (REQ %.3f FWD %.3f GRANT %.3f INV %.3f ACK %.3f),"
	       " bytes per fault %.0f\n",
	       per(msgs, faults), per(s->msgs[DSM_MSG_REQ], faults),
	       per(s->msgs[DSM_MSG_FWD], faults), per(s->msgs[DSM_MSG_GRANT], faults),
	       per(s->msgs[DSM_MSG_INV], faults), per(s->msgs[DSM_MSG_ACK], faults),
	       per(s->bytes, faults));
	printf("  faults by wire messages:");
	printf(" 0:%llu", (unsigned long long)(faults - r->faults.wire_faults));
	for (unsigned i = 1; i < SIM_HIST; i++)
		if (r->faults.hist[i])
			printf(" %u%s:%llu", i, i == SIM_HIST - 1 ? "+" : "",
			       (unsigned long long)r->faults.hist[i]);
	printf("; critical path at most %llu messages\n", (unsigned long long)r->faults.crit_max);
	printf("  runs: %llu headers covered %llu further pages (a run's header counts once "
	       "above)\n",
	       (unsigned long long)s->run_msgs, (unsigned long long)s->run_pages);
	printf("  grants: %.1f%% by the home, %.1f%% by a forwarded owner; page sent %llu,"
	       " skipped by version %llu, zero pages %llu\n",
	       100 * per(s->grants_direct, faults), 100 * per(s->grants_fwd, faults),
	       (unsigned long long)s->data_sent, (unsigned long long)s->same_skips,
	       (unsigned long long)s->zero_grants);
}

/* The lossy transport: what the wire did, and what the layers did about it. */
static void wl_report_wire(const struct sim_wire_stats *w)
{
	const struct msg_stats *m = &w->msg;

	printf("  wire: %llu packets, %llu lost, %llu duplicated, %llu corrupted; layers: %llu "
	       "messages, %llu retransmissions, %llu acks, dropped %llu bad MAC, %llu truncated,"
	       " %llu replays; %llu duplicates, %llu held out of order; %llu messages waited "
	       "for a buffer (at most %llu on a node)\n",
	       (unsigned long long)w->packets, (unsigned long long)w->lost,
	       (unsigned long long)w->duplicated, (unsigned long long)w->corrupted,
	       (unsigned long long)m->delivered, (unsigned long long)m->tx_retrans,
	       (unsigned long long)m->tx_acks, (unsigned long long)m->drops[MSG_DROP_BAD_MAC],
	       (unsigned long long)m->drops[MSG_DROP_TRUNCATED],
	       (unsigned long long)m->drops[MSG_DROP_REPLAY], (unsigned long long)m->rx_dup,
	       (unsigned long long)m->rx_held, (unsigned long long)w->waited,
	       (unsigned long long)w->waited_max);
}

void wl_report(const char *title, const struct wl_result *r)
{
	const struct dsm_stats *s = &r->sum;
	uint64_t faults = s->faults[0] + s->faults[1];

	printf("%s: %llu operations, %llu accesses checked, %llu events, %.1f ms simulated\n",
	       title, (unsigned long long)r->ops, (unsigned long long)r->checked,
	       (unsigned long long)r->events, (double)r->sim_ns / 1e6);
	printf("  faults %llu (read %llu, write %llu), local hits %llu, retries %llu (max %llu"
	       " in a row)\n",
	       (unsigned long long)faults, (unsigned long long)s->faults[0],
	       (unsigned long long)s->faults[1], (unsigned long long)s->hits,
	       (unsigned long long)r->retries, (unsigned long long)r->max_retries);
	wl_report_faults(r, faults);
	printf("  pin-window waits %llu, pins expired %llu, deferred until granted %llu,"
	       " local waits behind remote %llu, sharers dropped for room %llu, spills %llu\n",
	       (unsigned long long)s->pin_waits, (unsigned long long)s->pin_expired,
	       (unsigned long long)s->pend_defers, (unsigned long long)s->fair_waits,
	       (unsigned long long)s->evictions, (unsigned long long)s->spills);
	if (s->puts || s->forgets)
		printf("  evictions: %llu PUTs (%llu with the page), %llu copies without rights "
		       "forgotten; at the homes %llu from the owner, %llu refused, %llu stale\n",
		       (unsigned long long)s->puts, (unsigned long long)s->puts_data,
		       (unsigned long long)s->forgets, (unsigned long long)s->puts_owner,
		       (unsigned long long)s->puts_refused, (unsigned long long)s->puts_stale);
	if (r->wire.packets)
		wl_report_wire(&r->wire);
	printf("  fault latency mean %.1f us, max %.1f us\n", per(s->fault_ns_sum, faults) / 1e3,
	       (double)s->fault_ns_max / 1e3);
	printf("  faults per page:");
	for (unsigned i = 0; i < SIM_MAX_PAGES; i++)
		if (r->page_faults[i])
			printf(" %u:%llu", i, (unsigned long long)r->page_faults[i]);
	printf("\n");
}
