// SPDX-License-Identifier: GPL-2.0-only
/*
 * The simulator's checkers and per-fault accounting.
 *
 * Sequential consistency: the simulator is one thread, so accesses happen in one global
 * order, the order in which actors perform them while holding rights. The shadow memory is
 * the result of every write in that order; a read that differs from it returned something
 * other than the latest write, which SC forbids. Program order holds trivially (an actor
 * has one access in flight). So checking each read against the shadow, and each access
 * against the rights actually mapped, checks SC of the whole recorded history.
 */
#include "dsm/internal.h"
#include "tests/dsm/sim_int.h"

#include <stdarg.h>
#include <stdio.h>

void sim_violation(struct sim *s, const char *fmt, ...)
{
	va_list ap;

	if (s->violations++ >= 5)
		return;
	printf("  violation (seed %llu, %u nodes, t=%llu ns): ", (unsigned long long)s->p.seed,
	       s->p.nnodes, (unsigned long long)s->now);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

uint64_t sim_violations(const struct sim *s)
{
	return s->violations;
}

uint64_t sim_checked(const struct sim *s)
{
	return s->checked;
}

void sim_trace_msg(struct sim *s, const char *what, const struct sim_msg *m)
{
	static const char *names[] = { "?", "REQ", "FWD", "INV", "GRANT", "ACK", "PUT", "PUT_ACK" };
	unsigned type, req, pages;
	uint64_t page;

	if (s->trace_page < 0 || dsm_msg_peek(m->buf, m->len, &type, &req, &page, &pages) ||
	    (uint64_t)s->trace_page < page || (uint64_t)s->trace_page - page >= pages)
		return;
	printf("  %10llu %s %u->%u %s req %u flags %#x acks %u pages %u\n",
	       (unsigned long long)s->now, what, m->src, m->dst,
	       names[type < DSM_MSG_NTYPES ? type : 0], req, m->buf[1], m->buf[4], pages);
}

/* Every rights change of every node: at most one writer, and new rights see new data. */
void sim_op_set_rights(void *ctx, uint64_t page, enum dsm_rights rights)
{
	struct sim_node *n = ctx;
	struct sim *s = n->s;
	enum dsm_rights old = n->rights[page];

	s->writers[page] += (rights == DSM_WRITE) - (old == DSM_WRITE);
	s->readers[page] += (rights == DSM_READ) - (old == DSM_READ);
	n->rights[page] = rights;
	if (s->trace_page == (long)page)
		printf("  %10llu node %u rights %d -> %d\n", (unsigned long long)s->now, n->id, old,
		       rights);
	if (s->writers[page] > 1 || (s->writers[page] == 1 && s->readers[page] > 0))
		sim_violation(s, "page %llu: %u writers and %u readers after node %u set %d",
			      (unsigned long long)page, s->writers[page], s->readers[page], n->id,
			      rights);
	if (rights > old && memcmp(n->frames + page * DSM_PAGE_SIZE,
				   s->shadow + page * DSM_PAGE_SIZE, DSM_PAGE_SIZE) != 0)
		sim_violation(s, "node %u gained rights %d on page %llu with stale contents", n->id,
			      rights, (unsigned long long)page);
}

bool sim_access(struct sim *s, unsigned node, uint64_t gpa, unsigned len, bool write, bool rmw,
		uint64_t val)
{
	struct sim_node *n = &s->node[node];
	uint64_t v = 0, before = s->violations;
	enum dsm_rights need = write ? DSM_WRITE : DSM_READ;

	for (uint64_t p = gpa / DSM_PAGE_SIZE; p <= (gpa + len - 1) / DSM_PAGE_SIZE; p++) {
		if (n->rights[p] < need)
			sim_violation(s, "node %u accessed page %llu without rights", node,
				      (unsigned long long)p);
		n->dirty[p] |= write;
	}
	s->checked++;
	if (memcmp(n->frames + gpa, s->shadow + gpa, len) != 0)
		sim_violation(s, "node %u read stale data at gpa %#llx", node,
			      (unsigned long long)gpa);
	if (write) {
		memcpy(&v, s->shadow + gpa, len < 8 ? len : 8);
		v = rmw ? v + 1 : val;
		memcpy(n->frames + gpa, &v, len < 8 ? len : 8);
		memcpy(s->shadow + gpa, &v, len < 8 ? len : 8);
	}
	return s->violations == before;
}

static void sim_fault_close(struct sim *s, struct sim_open_fault *f)
{
	if (!f->open)
		return;
	s->faults.hist[f->msgs < SIM_HIST ? f->msgs : SIM_HIST - 1]++;
	if (f->crit > s->faults.crit_max)
		s->faults.crit_max = f->crit;
	s->faults.wire_faults++;
	f->open = false;
}

static void sim_account_page(struct sim *s, unsigned src, unsigned type, unsigned req,
			     uint64_t page)
{
	struct dsm_page_info pi;
	struct sim_open_fault *f;

	dsm_page_info(s->node[req].d, page, &pi);
	if (!pi.pending) {
		sim_violation(s, "node %u sent type %u for a fault node %u does not have", src,
			      type, req);
		return;
	}
	f = &s->of[req][page];
	if (!f->open || f->since != pi.pending_since) {
		sim_fault_close(s, f);
		*f = (struct sim_open_fault){ .open = true, .since = pi.pending_since };
	}
	f->msgs++;
	f->crit += type == DSM_MSG_REQ || type == DSM_MSG_FWD || type == DSM_MSG_GRANT;
}

/*
 * Charge a wire message to its fault. Every message names its requester, and the requester
 * has at most one request per page out, so (requester, page, request time) is the fault.
 * A run is charged to the fault of each of its pages.
 */
void sim_account(struct sim *s, unsigned src, const struct sim_msg *m)
{
	unsigned type, req, pages;
	uint64_t page;

	if (dsm_msg_peek(m->buf, m->len, &type, &req, &page, &pages) || req >= s->p.nnodes ||
	    page >= s->p.npages || type == DSM_MSG_PUT || type == DSM_MSG_PUT_ACK)
		return; /* (an eviction is no fault) */
	for (unsigned k = 0; k < pages && page + k < s->p.npages; k++)
		sim_account_page(s, src, type, req, page + k);
}

const struct sim_faults *sim_faults(struct sim *s)
{
	for (unsigned i = 0; i < s->p.nnodes; i++)
		for (unsigned p = 0; p < s->p.npages; p++)
			sim_fault_close(s, &s->of[i][p]);
	return &s->faults;
}

/* One page once traffic has stopped: every node's state must be what the directory says. */
static void sim_check_page(struct sim *s, uint64_t page)
{
	unsigned home = dsm_home_of(s->node[0].d, page);
	struct dsm_dir_info di;
	struct dsm_page_info ref = { 0 };
	bool have_ref = false;

	dsm_dir_info(s->node[home].d, page, &di);
	for (unsigned i = 0; i < s->p.nnodes; i++) {
		struct sim_node *n = &s->node[i];
		struct dsm_page_info pi;
		enum dsm_rights want = DSM_NONE;

		dsm_page_info(n->d, page, &pi);
		if (di.mode != DSM_DIR_ZERO && di.owner == i)
			want = di.mode == DSM_DIR_EXCL ? DSM_WRITE : DSM_READ;
		else if (dsm_dir_has_sharer(s->node[home].d, page, i))
			want = DSM_READ;
		if (pi.rights != want || n->rights[page] != want)
			sim_violation(
				s, "page %llu node %u: rights %d, mapped %d, directory says %d",
				(unsigned long long)page, i, pi.rights, n->rights[page], want);
		if (want == DSM_NONE)
			continue;
		if (have_ref && (pi.version != ref.version || !pi.valid))
			sim_violation(s, "page %llu: copies at versions %llu and %llu",
				      (unsigned long long)page, (unsigned long long)ref.version,
				      (unsigned long long)pi.version);
		if (pi.version > di.version)
			sim_violation(s, "page %llu: content version %llu beyond epoch %u",
				      (unsigned long long)page, (unsigned long long)pi.version,
				      di.version);
		ref = pi, have_ref = true;
	}
}

/* Once every fault is complete, the protocol's counters must add up. */
static void sim_check_counters(struct sim *s)
{
	struct dsm_stats t;
	uint64_t msgs = 0;

	sim_stats_sum(s, &t);
	for (unsigned k = 1; k < DSM_MSG_NTYPES; k++)
		msgs += t.msgs[k];
	if (t.grants_direct + t.grants_fwd != t.faults[0] + t.faults[1] ||
	    t.data_sent + t.same_skips + t.zero_grants != t.faults[0] + t.faults[1])
		sim_violation(s, "%llu faults but %llu + %llu grants, %llu + %llu + %llu contents",
			      (unsigned long long)(t.faults[0] + t.faults[1]),
			      (unsigned long long)t.grants_direct, (unsigned long long)t.grants_fwd,
			      (unsigned long long)t.data_sent, (unsigned long long)t.same_skips,
			      (unsigned long long)t.zero_grants);
	if (t.bytes != msgs * DSM_MSG_HDR + (t.data_sent + t.puts_data) * DSM_PAGE_SIZE)
		sim_violation(s, "%llu bytes sent for %llu messages and %llu + %llu pages",
			      (unsigned long long)t.bytes, (unsigned long long)msgs,
			      (unsigned long long)t.data_sent, (unsigned long long)t.puts_data);
	if (t.msgs[DSM_MSG_PUT] != t.puts || t.msgs[DSM_MSG_PUT_ACK] != t.puts ||
	    t.puts_owner + t.puts_refused + t.puts_stale > t.puts)
		sim_violation(s,
			      "%llu PUTs, %llu sent, %llu answered; %llu to the owner, %llu "
			      "refused, %llu stale",
			      (unsigned long long)t.puts, (unsigned long long)t.msgs[DSM_MSG_PUT],
			      (unsigned long long)t.msgs[DSM_MSG_PUT_ACK],
			      (unsigned long long)t.puts_owner, (unsigned long long)t.puts_refused,
			      (unsigned long long)t.puts_stale);
}

bool sim_check_quiescent(struct sim *s)
{
	uint64_t before = s->violations;

	for (unsigned i = 0; i < s->p.nnodes; i++) {
		const struct dsm_stats *st = dsm_stats(s->node[i].d);

		if (!dsm_idle(s->node[i].d))
			sim_violation(s, "node %u not idle at the end", i);
		if (st->bad_msgs || st->send_errors)
			sim_violation(s, "node %u: %llu bad messages, %llu send errors", i,
				      (unsigned long long)st->bad_msgs,
				      (unsigned long long)st->send_errors);
	}
	for (uint64_t p = 0; p < s->p.npages; p++)
		sim_check_page(s, p);
	sim_check_counters(s);
	sim_wire_check_quiescent(s);
	return s->violations == before;
}

void sim_stats_sum(const struct sim *s, struct dsm_stats *sum)
{
	memset(sum, 0, sizeof(*sum));
	for (unsigned i = 0; i < s->p.nnodes; i++) {
		const uint64_t *src = (const uint64_t *)(const void *)dsm_stats(s->node[i].d);
		uint64_t *dst = (uint64_t *)(void *)sum;
		const uint64_t *max = &dsm_stats(s->node[i].d)->fault_ns_max;

		/* Every counter before the hot-page table is a uint64_t sum, but the max. */
		for (size_t k = 0; k < offsetof(struct dsm_stats, hot) / 8; k++)
			dst[k] += src + k == max ? 0 : src[k];
		if (*max > sum->fault_ns_max)
			sum->fault_ns_max = *max;
	}
}

/* Print every page's directory and per-node state: what a stuck run looks like. */
void sim_dump(struct sim *s)
{
	for (uint64_t p = 0; p < s->p.npages; p++) {
		unsigned home = dsm_home_of(s->node[0].d, p);
		struct dsm_dir_info di;

		dsm_dir_info(s->node[home].d, p, &di);
		printf("  page %llu home %u mode %u owner %u sharers %u epoch %u:",
		       (unsigned long long)p, home, di.mode, di.owner, di.nsharers, di.version);
		for (unsigned i = 0; i < s->p.nnodes; i++) {
			struct dsm_page_info pi;

			dsm_page_info(s->node[i].d, p, &pi);
			printf(" [%u r%d v%llu%s p%u d%u%s]", i, pi.rights,
			       (unsigned long long)pi.version, pi.valid ? "" : "?", pi.pending,
			       pi.deferred, dsm_dir_has_sharer(s->node[home].d, p, i) ? " S" : "");
		}
		printf("\n");
		for (unsigned i = 0; i < s->p.nnodes; i++) {
			struct dsm_node *d = s->node[i].d;
			struct dsm_act *a = act_find(d, p);

			if (!a)
				continue;
			printf("    node %u: pend %u granted %u acks %d deferred:", i, a->pend,
			       a->granted, a->acks);
			for (uint32_t k = a->dq_head; k != DSM_NIL; k = d->rec[k].next)
				printf(" t%u/f%x/r%u/from%u", d->rec[k].type, d->rec[k].flags,
				       d->rec[k].requester, d->rec[k].from);
			printf(" next_deadline %llu\n", (unsigned long long)d->next_deadline);
		}
	}
}
