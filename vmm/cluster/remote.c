// SPDX-License-Identifier: GPL-2.0-only
/*
 * Cross-node interrupts and cluster-wide stop (see vmm/cluster/remote.h). Messages
 * arrive in the network context, on the boot core, in order per sender; every
 * field is checked before use: a peer is authenticated, not trusted to be
 * bug-free. The other cores send through the boot core (vmm/cluster/handoff.h).
 */
#include "vmm/cluster/remote.h"
#include "vmm/cluster/remote_wire.h"
#include "net/msg.h"
#include "net/net.h"
#include "vmm/dev/irq.h"
#include "vmm/cluster/handoff.h"
#include "vmm/lib/klib.h"
#include "vmm/host/panic.h"
#include "vmm/host/log.h"
#include "vmm/virt/mmio.h"
#include "vmm/virt/io.h"
#include "vmm/host/power.h"
#include "vmm/cluster/vmdsm.h"
#include "vmm/lib/x86.h"
#include "vmm/host/tsc.h"

_Static_assert(REMOTE_MAX_VCPUS == VM_MAX_VCPUS, "the interrupt map covers every vCPU");

static bool stop_from_peer;

static struct remote_layout layout_of(const struct vm *vm)
{
	return (struct remote_layout){ vm->self, vm->nvcpus, vm->vcpu_node };
}

static struct remote_stats st;

/* A local vCPU's access forwarded to node 0: when its port access left, and its MMIO
 * access's number and answer. */
struct vcpu_fwd {
	u64 io_since;
	u32 mmio_seq;
	volatile bool mmio_done;
	s8 mmio_status;
	u64 mmio_val;
};

static struct vcpu_fwd vcpu_fwd[VM_MAX_VCPUS];

static struct vcpu_fwd *fwd_of(const struct vcpu *v)
{
	return &vcpu_fwd[v->id];
}

u64 remote_io_since(const struct vcpu *v)
{
	return fwd_of(v)->io_since;
}

static void recv_time(void *ctx, u16 src, const void *data, size_t len);
static void recv_mmio(void *ctx, u16 src, const void *data, size_t len);
static void recv_eoi(void *ctx, u16 src, const void *data, size_t len);

/* A message to another node, from any core; one that cannot be queued stops the
 * guest (the interrupt, access or EOI it carries would be lost, and the guest
 * could wait for it for ever). */
struct send_work {
	u16 dst;
	u8 type, len;
	u8 body[40];
};

/* Boot core: a message another node waits for (a request, or the answer to one).
 * One the layer cannot queue would leave that node's vCPU waiting for ever: the
 * guest stops instead, saying why. */
static void send_or_stop(struct vm *vm, u16 dst, u8 type, const void *body, size_t len)
{
	int rc = msg_send(net_msg_layer(), dst, type, body, len);

	if (rc && !vm->stopped) {
		net_msg_line("remote: message layer: ");
		vm_stop(vm, EXIT_GUEST_STOPPED,
			"remote: a message of type %u for node %u could not be queued (error %d)",
			type, dst, rc);
	}
}

static void send_work(struct vm *vm, void *data)
{
	struct send_work *w = data;

	send_or_stop(vm, w->dst, w->type, w->body, w->len);
}

static void send_to(struct vm *vm, u32 dst, u8 type, const void *body, size_t len)
{
	struct send_work w = { (u16)dst, type, (u8)len, { 0 } };

	BUG_ON(len > sizeof(w.body));
	memcpy(w.body, body, len);
	handoff(vm, send_work, &w, sizeof(w));
}

void remote_deliver(struct vm *vm, u32 node, const u64 *map, u8 mode, u8 vector, bool level)
{
	struct vcpu_msg m = { mode, vector, level, { 0 }, { 0 } };

	memcpy(m.map, map, sizeof(m.map));
	__atomic_add_fetch(&st.irqs_sent, 1, __ATOMIC_RELAXED); /* (any core) */
	send_to(vm, node, MSG_T_VCPU, &m, sizeof(m));
}

static void recv_vcpu(void *ctx, u16 src, const void *data, size_t len)
{
	struct vm *vm = ctx;
	struct remote_layout l = layout_of(vm);
	struct vcpu_msg m;

	if (remote_check_vcpu(&l, data, len, &m) != 0) {
		pr_warn("remote: malformed interrupt message (%zu bytes) from node %u dropped: it "
			"must name a delivery mode and vCPUs of this node only\n",
			len, src);
		return;
	}
	st.irqs_received++;
	for (u32 i = vm->first_local; i < vm->first_local + vm->nlocal; i++)
		if ((m.map[i / 64] >> (i % 64)) & 1)
			irq_deliver_vcpu(&vm->vcpus[i], m.mode, m.vector, m.level);
}

void remote_io(struct vcpu *v, u16 port, u8 size, bool in, u32 val)
{
	struct io_msg m = { v->id, port, size, in, val, 0, { 0 } };

	fwd_of(v)->io_since = time_now_ns();
	__atomic_store_n(&v->io_waiting, true, __ATOMIC_RELEASE);
	__atomic_add_fetch(&st.io_sent, 1, __ATOMIC_RELAXED); /* (any core) */
	send_to(v->vm, 0, MSG_T_IO, &m, sizeof(m));
}

/* Node 0 serves a request; the requesting node completes the instruction. */
static void recv_io(void *ctx, u16 src, const void *data, size_t len)
{
	struct vm *vm = ctx;
	struct remote_layout l = layout_of(vm);
	struct io_msg m;
	struct vcpu *v;
	bool held;

	if (remote_check_io(&l, src, data, len, &m) != 0) {
		pr_warn("remote: malformed port access message from node %u dropped\n", src);
		return;
	}
	v = &vm->vcpus[m.vcpu];
	if (m.answer) {
		if (!v->io_waiting)
			return;
		io_complete(v, m.val); /* (its core waits: it does not touch the registers) */
		__atomic_store_n(&v->io_waiting, false, __ATOMIC_RELEASE);
		vcpu_kick(v);
		return;
	}
	st.io_served++;
	held = spin_held_by_me(&vm->dev_lock); /* (polling from inside a device exit) */
	if (!held)
		spin_lock(&vm->dev_lock);
	m.val = io_access(v, m.port, m.size, m.in, m.val);
	if (!held)
		spin_unlock(&vm->dev_lock);
	m.answer = 1;
	send_or_stop(vm, src, MSG_T_IO, &m, sizeof(m)); /* (its vCPU waits for it) */
}

/* ---- MMIO forwarding ---------------------------------------------------------
 * The instruction emulator needs a read's value before it goes on, so the
 * vCPU waits here: on the boot core polling the network (interrupts and
 * coherence requests for this node are served meanwhile), on another core
 * asleep until the boot core has the answer. Node 0 answers from its network
 * context; per-sender ordering keeps MMIO, port I/O and memory in program
 * order. */

#define MMIO_WAIT_NS 5000000000ULL
#define STOP_ACK_NS  2000000000ULL

int remote_mmio(struct vcpu *v, gpa_t gpa, unsigned size, bool write, u64 *val)
{
	struct mmio_msg m = {
		v->id, ++fwd_of(v)->mmio_seq, gpa, write ? *val : 0, (u8)size, write, 0, 0, { 0 }
	};
	u64 t0 = time_now_ns();
	int rc = 0;

	/* Not from inside a network message handler: nothing would poll for the answer. */
	BUG_ON(on_boot_core() && net_in_poll());
	__atomic_add_fetch(&st.mmio_sent, 1, __ATOMIC_RELAXED); /* (any core) */
	__atomic_store_n(&fwd_of(v)->mmio_done, false, __ATOMIC_RELEASE);
	send_to(v->vm, 0, MSG_T_MMIO, &m, sizeof(m));
	if (!on_boot_core())
		rc = handoff_wait(v, &fwd_of(v)->mmio_done, MMIO_WAIT_NS);
	else
		while (!fwd_of(v)->mmio_done && rc == 0) {
			if (time_now_ns() - t0 > MMIO_WAIT_NS)
				rc = -E_TIMEDOUT;
			else if (v->vm->stopped)
				rc = -E_CANCELED;
			net_poll();
			vmdsm_poll(v->vm);
		}
	if (rc == -E_TIMEDOUT)
		pr_err("remote: vCPU %u: node 0 did not answer an MMIO %s at %#llx within 5 s\n",
		       v->id, write ? "write" : "read", (unsigned long long)gpa);
	if (rc)
		return rc;
	if (fwd_of(v)->mmio_status)
		return fwd_of(v)->mmio_status;
	if (!write)
		*val = fwd_of(v)->mmio_val;
	return 0;
}

static void recv_mmio(void *ctx, u16 src, const void *data, size_t len)
{
	struct vm *vm = ctx;
	struct remote_layout l = layout_of(vm);
	struct mmio_msg m;
	bool held;
	u64 val;
	int rc;

	if (remote_check_mmio(&l, src, data, len, &m) != 0) {
		pr_warn("remote: malformed MMIO message from node %u dropped\n", src);
		return;
	}
	if (m.answer) {
		struct vcpu *v = &vm->vcpus[m.vcpu];
		if (m.seq == fwd_of(v)->mmio_seq && !fwd_of(v)->mmio_done) {
			fwd_of(v)->mmio_val = m.val;
			fwd_of(v)->mmio_status = m.status;
			__atomic_store_n(&fwd_of(v)->mmio_done, true, __ATOMIC_RELEASE);
			vcpu_kick(v);
		}
		return;
	}
	st.mmio_served++;
	held = spin_held_by_me(&vm->dev_lock);
	if (!held)
		spin_lock(&vm->dev_lock);
	val = m.val;
	rc = mmio_access(&vm->vcpus[m.vcpu], m.gpa, m.size, m.write, &val);
	m.val = val;
	if (!held)
		spin_unlock(&vm->dev_lock);
	if (rc)
		pr_warn("remote: vCPU %u (node %u): MMIO %s at %#llx failed: error %d\n", m.vcpu,
			src, m.write ? "write" : "read", (unsigned long long)m.gpa, rc);
	m.status = (s8)(rc < -127 ? -127 : rc);
	m.answer = 1;
	send_or_stop(vm, src, MSG_T_MMIO, &m, sizeof(m)); /* (its vCPU waits for it) */
}

void remote_eoi(struct vm *vm, u8 vector)
{
	struct eoi_msg m = { vector };

	__atomic_add_fetch(&st.eois_sent, 1, __ATOMIC_RELAXED); /* (any core) */
	send_to(vm, 0, MSG_T_EOI, &m, sizeof(m));
}

static void recv_eoi(void *ctx, u16 src, const void *data, size_t len)
{
	struct vm *vm = ctx;
	struct remote_layout l = layout_of(vm);
	struct eoi_msg m;
	bool held;

	if (remote_check_eoi(&l, data, len, &m) != 0) {
		pr_warn("remote: malformed EOI message from node %u dropped\n", src);
		return;
	}
	st.eois_served++;
	held = spin_held_by_me(&vm->dev_lock);
	if (!held)
		spin_lock(&vm->dev_lock);
	ioapic_eoi(&vm->ioapic, m.vector);
	if (!held)
		spin_unlock(&vm->dev_lock);
}

const struct remote_stats *remote_stats(void)
{
	return &st;
}

void remote_stop_cluster(struct vm *vm, int exit_code)
{
	struct stop_msg m = { exit_code };

	if (vm->nnodes < 2 || stop_from_peer || !net_msg_layer())
		return;
	stop_from_peer = true; /* once */
	for (u32 n = 0; n < vm->nnodes; n++)
		if (n != vm->self)
			msg_send(net_msg_layer(), (u16)n, MSG_T_STOP, &m, sizeof(m));
	/* Stay until every peer that is up has acknowledged its stop: a node that
	 * powered off first would otherwise look, to a peer whose copy was lost on
	 * the wire, like a node lost under the guest. Bounded, for dead peers. */
	for (u64 t0 = time_now_ns(); time_now_ns() - t0 < STOP_ACK_NS;) {
		bool all = true;

		net_poll();
		for (u32 n = 0; n < vm->nnodes; n++)
			if (net_node_up(n) && !msg_peer_all_acked(net_msg_layer(), (u16)n))
				all = false;
		if (all)
			return;
	}
	pr_warn("remote: not every node acknowledged the stop within 2 s\n");
}

static void recv_stop(void *ctx, u16 src, const void *data, size_t len)
{
	struct stop_msg m;

	if (remote_check_stop(data, len, &m) != 0) {
		pr_warn("remote: malformed stop message from node %u dropped\n", src);
		return;
	}
	stop_from_peer = true;
	vm_stop(ctx, m.exit_code, "stopped on node %u (exit code %d): stopping here too", src,
		m.exit_code);
}

/* A node running part of the guest is gone: its vCPUs and the pages only it
 * held are lost, so the guest cannot go on anywhere. */
static void peer_lost(void *ctx, u32 node, bool restarted)
{
	struct vm *vm = ctx;

	if (__atomic_load_n(&vm->stopped, __ATOMIC_ACQUIRE))
		return;
	vm_stop(vm, EXIT_NODE_LOST,
		"node %u, which runs part of the guest, %s: its vCPUs and memory are lost, so "
		"the guest stops on every node",
		node, restarted ? "restarted" : "is down");
}

int remote_init(struct vm *vm)
{
	int rc;

	if (!net_msg_layer()) {
		pr_err("remote: the guest spans %u nodes but this node has no cluster network\n",
		       vm->nnodes);
		return -E_NOTSUP;
	}
	rc = net_register(MSG_T_VCPU, recv_vcpu, vm);
	if (rc == 0)
		rc = net_register(MSG_T_IO, recv_io, vm);
	if (rc == 0)
		rc = net_register(MSG_T_TIME, recv_time, vm);
	if (rc == 0)
		rc = net_register(MSG_T_MMIO, recv_mmio, vm);
	if (rc == 0)
		rc = net_register(MSG_T_EOI, recv_eoi, vm);
	if (rc == 0)
		rc = net_register(MSG_T_STOP, recv_stop, vm);
	if (rc == 0)
		net_on_peer_lost(peer_lost, vm);
	return rc;
}

/* ---- TSC synchronisation ----------------------------------------------------
 * Every node's TSC counts at the same rate (it is an invariant TSC, and in an
 * emulated cluster the same host's), but from a different start. A node asks
 * node 0 for its TSC several times and keeps the exchange with the shortest
 * round trip, assuming the answer was taken half-way (the NTP estimate): the
 * error is at most half of that round trip. */

#define TIME_PROBES	    16
#define TIME_PROBE_RETRY_NS 20000000ULL
#define TIME_LIMIT_NS	    10000000000ULL

static struct time_msg time_answer;
static volatile bool time_answered;
static void recheck_answer(struct vm *vm, const struct time_msg *m);

static void recv_time(void *ctx, u16 src, const void *data, size_t len)
{
	struct vm *vm = ctx;
	struct time_msg m;

	if (remote_check_time(data, len, &m) != 0) {
		pr_warn("remote: malformed time message from node %u dropped\n", src);
		return;
	}
	if (m.answer && src == 0) {
		recheck_answer(vm, &m);
		time_answer = m;
		time_answered = true;
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
static int time_probe(u64 *rtt, s64 *offset, struct time_msg *got)
{
	struct time_msg m = { rdtsc(), 0, 0, 0, 0, 0, { 0 } };
	u64 t0 = time_now_ns(), t3;

	time_answered = false;
	msg_send(net_msg_layer(), 0, MSG_T_TIME, &m, sizeof(m));
	while (!time_answered || time_answer.t1 != m.t1) {
		if (time_now_ns() - t0 > TIME_PROBE_RETRY_NS)
			return -E_TIMEDOUT;
		net_poll();
	}
	t3 = rdtsc();
	*rtt = t3 - m.t1;
	*offset = (s64)(time_answer.t2 - (m.t1 + *rtt / 2));
	*got = time_answer;
	return 0;
}

int remote_sync_time(struct vm *vm)
{
	u64 best_rtt = ~0ULL, rtt, t0 = time_now_ns();
	s64 best = 0, offset;
	struct time_msg got, best_got = { 0 };
	int n = 0;

	if (vm->self == 0)
		return 0;
	while (n < TIME_PROBES && time_now_ns() - t0 < TIME_LIMIT_NS) {
		if (time_probe(&rtt, &offset, &got) != 0)
			continue; /* node 0 not answering yet: ask again */
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

static struct {
	u64 next;     /* when the next re-check starts (0: not yet scheduled) */
	u64 sent_tsc; /* the outstanding probe's t1, 0 when none */
	u64 sent_ns;  /* ... and when it left */
	int answered; /* probes answered in this re-check */
	u64 best_rtt; /* cycles */
	s64 best;     /* the offset that round trip gave */
	u64 checks, steps, stepped_ns;
	s64 last_ns, last_err_ns; /* the last check: node 0's guest TSC minus ours, and its bound */
	s64 worst_ns;		  /* the largest difference found, either way */
	bool warned;
} recheck;

static void recheck_answer(struct vm *vm, const struct time_msg *m)
{
	u64 rtt;

	if (!recheck.sent_tsc || m->t1 != recheck.sent_tsc)
		return; /* (a join-time probe, or one given up) */
	rtt = rdtsc() - m->t1;
	if (rtt < recheck.best_rtt) {
		recheck.best_rtt = rtt;
		recheck.best = (s64)(m->t2 - (m->t1 + rtt / 2));
	}
	recheck.answered++;
	recheck.sent_tsc = 0;
	(void)vm;
}

static s64 cycles_to_ns(s64 c)
{
	return c < 0 ? -(s64)tsc_to_ns((u64)-c) : (s64)tsc_to_ns((u64)c);
}

/* The re-check's verdict: node 0's TSC minus this node's guest TSC, and what to do. */
static void recheck_done(struct vm *vm)
{
	s64 drift = recheck.best - (s64)vm->tsc_offset, err = (s64)(recheck.best_rtt / 2);

	recheck.checks++;
	recheck.last_ns = cycles_to_ns(drift);
	recheck.last_err_ns = cycles_to_ns(err);
	if ((recheck.last_ns < 0 ? -recheck.last_ns : recheck.last_ns) >
	    (recheck.worst_ns < 0 ? -recheck.worst_ns : recheck.worst_ns))
		recheck.worst_ns = recheck.last_ns;
	if (drift > err) {
		u64 step = (u64)(drift - err);
		/* Forward, by what it certainly lags (kvmclock's base is a guest TSC value: it stays). */
		__atomic_store_n(&vm->tsc_offset, vm->tsc_offset + step, __ATOMIC_RELAXED);
		for (u32 i = vm->first_local; i < vm->first_local + vm->nlocal; i++)
			vcpu_kick(&vm->vcpus[i]); /* each takes it at its next entry: now */
		recheck.steps++;
		recheck.stepped_ns += tsc_to_ns(step);
		pr_info("time: this node's guest TSC was %lld ns behind node 0's (+/- %lld ns): "
			"stepped forward %llu ns\n",
			(long long)recheck.last_ns, (long long)recheck.last_err_ns,
			(unsigned long long)tsc_to_ns(step));
	} else if (drift < -err && !recheck.warned) {
		pr_warn("time: this node's guest TSC runs %lld ns ahead of node 0's (+/- %lld ns); "
			"not corrected, a TSC may not go back (said once)\n",
			(long long)-recheck.last_ns, (long long)recheck.last_err_ns);
		recheck.warned = true;
	}
}

void remote_time_poll(struct vm *vm, u64 now)
{
	struct time_msg m = { 0, 0, 0, 0, 0, 0, { 0 } };

	if (vm->self == 0 || vm->nnodes < 2)
		return;
	if (!recheck.next) {
		recheck.next = now + TIME_RECHECK_NS;
		recheck.best_rtt = ~0ULL;
	}
	if (now < recheck.next)
		return;
	if (recheck.sent_tsc && now - recheck.sent_ns < TIME_RECHECK_WAIT)
		return; /* the probe is out */
	recheck.sent_tsc = 0;
	if (recheck.answered >= TIME_RECHECK_PROBES) {
		recheck_done(vm);
		recheck.answered = 0;
		recheck.best_rtt = ~0ULL;
		recheck.next = now + TIME_RECHECK_NS;
		return;
	}
	m.t1 = rdtsc();
	if (msg_send(net_msg_layer(), 0, MSG_T_TIME, &m, sizeof(m)) == 0) {
		recheck.sent_tsc = m.t1;
		recheck.sent_ns = now;
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
	if (vm->self == 0 || vm->nnodes < 2)
		return;
	if (!recheck.checks) {
		kprintf("%sguest TSC against node 0: not re-checked yet (every %llu s)\n", prefix,
			(unsigned long long)(TIME_RECHECK_NS / 1000000000));
		return;
	}
	kprintf("%sguest TSC against node 0: %llu re-checks, the last %lld ns (+/- %lld ns), the "
		"largest %lld ns; %llu steps forward, %llu ns in all\n",
		prefix, (unsigned long long)recheck.checks, (long long)recheck.last_ns,
		(long long)recheck.last_err_ns, (long long)recheck.worst_ns,
		(unsigned long long)recheck.steps, (unsigned long long)recheck.stepped_ns);
}
