// SPDX-License-Identifier: GPL-2.0-only
/*
 * The guest's TSC agreed across nodes (see vmm/cluster/remote.h): at the join, and
 * re-checked now and then while the guest runs.
 */
#include "vmm/cluster/remote.h"
#include "vmm/cluster/remote_internal.h"
#include "vmm/cluster/cluster_internal.h"
#include "net/msg.h"
#include "net/net.h"
#include "vmm/host/log.h"
#include "vmm/host/tsc.h"
#include "vmm/lib/x86.h"
#include "vmm/virt/irq.h"

/* Every node's TSC counts at the same rate (it is an invariant TSC, and in an
 * emulated cluster the same host's), but from a different start. A node asks
 * node 0 for its TSC several times and keeps the exchange with the shortest
 * round trip, assuming the answer was taken half-way (the NTP estimate): the
 * error is at most half of that round trip. */

#define TIME_PROBES	    16
#define TIME_PROBE_RETRY_NS 20000000ULL
#define TIME_LIMIT_NS	    10000000000ULL /* for the probes, once node 0 answers */
#define TIME_REPORT_NS	    10000000000ULL /* a line while node 0 has not answered */
#define TIME_DOWN_NS	    10000000000ULL /* node 0 silent that long: it has stopped */

static void recheck_answer(struct vm *vm, const struct time_msg *m);

static void recv_time(void *ctx, u16 src, const void *data, size_t len)
{
	struct vm *vm = ctx;
	struct remote_state *r = &cluster_of(vm)->remote;
	struct time_msg m;

	if (remote_check_time(data, len, &m) != 0) {
		pr_warn("remote: malformed time message from node %u dropped\n", src);
		return;
	}
	if (m.answer && src == 0) {
		recheck_answer(vm, &m);
		r->time_answer = m;
		r->time_answered = true;
	} else if (!m.answer && vm->self == 0 && vm->tsc_base != 0) {
		/* (not before node 0 has its time base: the asker asks again) */
		m.t2 = rdtsc();
		m.base = vm->tsc_base;
		m.epoch = vm->boot_epoch;
		m.hz = vm->tsc_hz;
		m.answer = 1;
		msg_send(net_msg_layer(), src, MSG_T_TIME, &m, sizeof(m));
	}
}

/* One probe: 0 with the round trip and offset, or -E_TIMEDOUT. */
static int time_probe(struct remote_state *r, u64 *rtt, s64 *offset, struct time_msg *got)
{
	struct time_msg m = { rdtsc(), 0, 0, 0, 0, 0, { 0 } };
	u64 t0 = time_now_ns(), t3;

	r->time_answered = false;
	msg_send(net_msg_layer(), 0, MSG_T_TIME, &m, sizeof(m));
	while (!r->time_answered || r->time_answer.t1 != m.t1) {
		if (time_now_ns() - t0 > TIME_PROBE_RETRY_NS)
			return -E_TIMEDOUT;
		net_poll();
	}
	t3 = rdtsc();
	*rtt = t3 - m.t1;
	*offset = (s64)(r->time_answer.t2 - (m.t1 + *rtt / 2));
	*got = r->time_answer;
	return 0;
}

int remote_sync_time(struct vm *vm)
{
	u64 best_rtt = ~0ULL, rtt, t0 = time_now_ns(), said = t0, down_since = 0;
	s64 best = 0, offset;
	struct time_msg got, best_got = { 0 };
	int n = 0;

	if (vm->self == 0)
		return 0;
	/* Node 0 answers once every node is up from its side too (main.c, the join)
	 * and it has set up the guest's devices: wait for as long as node 0 is up,
	 * and say so now and then (node 0's console says what it waits for). */
	while (n < TIME_PROBES && (n == 0 || time_now_ns() - t0 < TIME_LIMIT_NS)) {
		if (time_probe(&cluster_of(vm)->remote, &rtt, &offset, &got) != 0) {
			u64 now = time_now_ns();
			/* (busy building the guest, node 0 may not poll for a moment) */
			if (net_node_up(0))
				down_since = 0;
			else if (!down_since)
				down_since = now;
			else if (now - down_since > TIME_DOWN_NS) {
				kprintf("time: node 0 went down before it answered, and has been "
					"silent for %llu s\n",
					(unsigned long long)((now - down_since) / 1000000000ULL));
				return -E_TIMEDOUT;
			}
			if (now - said >= TIME_REPORT_NS) {
				kprintf("time: waiting for node 0 to answer the TSC synchronisation "
					"(it answers once every node is up from its side and it has "
					"set up the guest's devices; its console says what it waits "
					"for): %llu s\n",
					(unsigned long long)((now - t0) / 1000000000ULL));
				said = now;
			}
			continue; /* node 0 not answering yet: ask again */
		}
		if (n == 0)
			t0 = time_now_ns(); /* the probes' own time limit starts now */
		n++;
		if (rtt < best_rtt) {
			best_rtt = rtt;
			best = offset;
			best_got = got;
		}
	}
	if (n == 0)
		return -E_TIMEDOUT;
	vm->tsc_offset = (u64)best;
	vm->tsc_base = best_got.base; /* node 0's time base: a guest TSC value, as ours */
	vm->boot_epoch = best_got.epoch;
	/* One frequency for the guest's clocks everywhere: node 0's calibration (each
	 * node's own differs by some ppm, which kvmclock would turn into clocks that
	 * drift apart between vCPUs of different nodes). */
	if (best_got.hz)
		vm->tsc_hz = best_got.hz;
	kprintf("time: guest TSC = this node's + %lld cycles, to agree with node 0 (best of %d "
		"round trips: %llu us)\n",
		(long long)best, n, (unsigned long long)(tsc_to_ns(best_rtt) / 1000));
	return 0;
}

/* ---- The periodic re-check -----------------------------------------------------
 * Every TIME_RECHECK_NS the node measures its offset to node 0 again, the same
 * way (best of TIME_RECHECK_PROBES round trips), without stopping anything: one
 * probe at a time, from the boot core's poll. The true offset lies within half
 * the best round trip of the estimate. A guest TSC found behind node 0's by
 * more than that is stepped forward by what it certainly lags (the guest sees
 * time jump forward by as much, which is allowed); one found ahead is only
 * reported: a TSC may not go back. Invariant TSCs count at one rate, so in
 * practice the check finds nothing to do: it is there to show it (stats=S,
 * and the report when the guest stops). */

#define TIME_RECHECK_NS	    10000000000ULL
#define TIME_RECHECK_PROBES 8
#define TIME_RECHECK_WAIT   20000000ULL /* a probe unanswered this long is given up */

static void recheck_answer(struct vm *vm, const struct time_msg *m)
{
	struct time_recheck *tr = &cluster_of(vm)->remote.recheck;
	u64 rtt;

	if (!tr->sent_tsc || m->t1 != tr->sent_tsc)
		return; /* (a join-time probe, or one given up) */
	rtt = rdtsc() - m->t1;
	if (rtt < tr->best_rtt) {
		tr->best_rtt = rtt;
		tr->best = (s64)(m->t2 - (m->t1 + rtt / 2));
	}
	tr->answered++;
	tr->sent_tsc = 0;
}

static s64 cycles_to_ns(s64 c)
{
	return c < 0 ? -(s64)tsc_to_ns((u64)-c) : (s64)tsc_to_ns((u64)c);
}

/* The re-check's verdict: node 0's TSC minus this node's guest TSC, and what to do. */
static void recheck_done(struct vm *vm)
{
	struct time_recheck *tr = &cluster_of(vm)->remote.recheck;
	s64 drift = tr->best - (s64)vm->tsc_offset, err = (s64)(tr->best_rtt / 2);

	tr->checks++;
	tr->last_ns = cycles_to_ns(drift);
	tr->last_err_ns = cycles_to_ns(err);
	if ((tr->last_ns < 0 ? -tr->last_ns : tr->last_ns) >
	    (tr->worst_ns < 0 ? -tr->worst_ns : tr->worst_ns))
		tr->worst_ns = tr->last_ns;
	if (drift > err) {
		u64 step = (u64)(drift - err);
		/* Forward, by what it certainly lags (kvmclock's base is a guest TSC value: it stays). */
		__atomic_store_n(&vm->tsc_offset, vm->tsc_offset + step, __ATOMIC_RELAXED);
		for (u32 i = vm->first_local; i < vm->first_local + vm->nlocal; i++)
			vcpu_kick(&vm->vcpus[i]); /* each takes it at its next entry: now */
		tr->steps++;
		tr->stepped_ns += tsc_to_ns(step);
		pr_info("time: this node's guest TSC was %lld ns behind node 0's (+/- %lld ns): "
			"stepped forward %llu ns\n",
			(long long)tr->last_ns, (long long)tr->last_err_ns,
			(unsigned long long)tsc_to_ns(step));
	} else if (drift < -err && !tr->warned) {
		pr_warn("time: this node's guest TSC runs %lld ns ahead of node 0's (+/- %lld ns); "
			"not corrected, a TSC may not go back (said once)\n",
			(long long)-tr->last_ns, (long long)tr->last_err_ns);
		tr->warned = true;
	}
}

void remote_time_poll(struct vm *vm, u64 now)
{
	struct time_recheck *tr = &cluster_of(vm)->remote.recheck;
	struct time_msg m = { 0, 0, 0, 0, 0, 0, { 0 } };

	if (vm->self == 0 || vm->nnodes < 2)
		return;
	if (!tr->next) {
		tr->next = now + TIME_RECHECK_NS;
		tr->best_rtt = ~0ULL;
	}
	if (now < tr->next)
		return;
	if (tr->sent_tsc && now - tr->sent_ns < TIME_RECHECK_WAIT)
		return; /* the probe is out */
	tr->sent_tsc = 0;
	if (tr->answered >= TIME_RECHECK_PROBES) {
		recheck_done(vm);
		tr->answered = 0;
		tr->best_rtt = ~0ULL;
		tr->next = now + TIME_RECHECK_NS;
		return;
	}
	m.t1 = rdtsc();
	if (msg_send(net_msg_layer(), 0, MSG_T_TIME, &m, sizeof(m)) == 0) {
		tr->sent_tsc = m.t1;
		tr->sent_ns = now;
	}
}

void remote_lag_time(struct vm *vm, u32 us)
{
	u64 cycles = tsc_hz() / 1000000 * us;

	vm->tsc_offset -= cycles;
	pr_warn("time: tsclag=%u: this node's guest TSC starts %u us behind node 0's (a test of "
		"the re-check)\n",
		us, us);
}

void remote_time_line(const struct vm *vm, const char *prefix)
{
	const struct time_recheck *tr = &cluster_of(vm)->remote.recheck;

	if (vm->self == 0 || vm->nnodes < 2)
		return;
	if (!tr->checks) {
		kprintf("%sguest TSC against node 0: not re-checked yet (every %llu s)\n", prefix,
			(unsigned long long)(TIME_RECHECK_NS / 1000000000));
		return;
	}
	kprintf("%sguest TSC against node 0: %llu re-checks, the last %lld ns (+/- %lld ns), the "
		"largest %lld ns; %llu steps forward, %llu ns in all\n",
		prefix, (unsigned long long)tr->checks, (long long)tr->last_ns,
		(long long)tr->last_err_ns, (long long)tr->worst_ns, (unsigned long long)tr->steps,
		(unsigned long long)tr->stepped_ns);
}

int remote_time_init(struct vm *vm)
{
	return net_register(MSG_T_TIME, recv_time, vm);
}
