// SPDX-License-Identifier: GPL-2.0-only
/*
 * Cross-node interrupts and cluster-wide stop (see vmm/remote.h). Messages
 * arrive in the network context, on the boot core, in order per sender; every
 * field is checked before use: a peer is authenticated, not trusted to be
 * bug-free.
 */
#include "vmm/remote.h"
#include "net/msg.h"
#include "net/net.h"
#include "vmm/dev/irq.h"
#include "vmm/klib.h"
#include "vmm/log.h"
#include "vmm/mmio.h"
#include "vmm/io.h"
#include "vmm/power.h"
#include "vmm/vmdsm.h"
#include "vmm/x86.h"
#include "drivers/tsc.h"

struct vcpu_msg {
	u32 vcpu;
	u8 mode, vector, level, reserved;
} __packed;

struct io_msg {
	u32 vcpu;
	u16 port;
	u8 size, in;
	u32 val;
	u8 answer, reserved[3];
} __packed;

struct stop_msg {
	s32 exit_code;
} __packed;

static bool stop_from_peer;
static struct remote_stats st;
static void recv_time(void *ctx, u16 src, const void *data, size_t len);
static void recv_mmio(void *ctx, u16 src, const void *data, size_t len);
static void recv_eoi(void *ctx, u16 src, const void *data, size_t len);

void remote_deliver(struct vm *vm, const struct vcpu *t, u8 mode, u8 vector, bool level)
{
	struct vcpu_msg m = { t->id, mode, vector, level, 0 };
	int rc = msg_send(net_msg_layer(), (u16)vm->vcpu_node[t->id], MSG_T_VCPU, &m, sizeof(m));

	st.irqs_sent++;
	/* A lost interrupt can hang the guest (an IPI waited for): stop it instead. */
	if (rc && !vm->stopped)
		vm_stop(vm, EXIT_GUEST_STOPPED,
			"remote: an interrupt for vCPU %u (node %u) could not be queued (error %d)",
			t->id, vm->vcpu_node[t->id], rc);
}

static void recv_vcpu(void *ctx, u16 src, const void *data, size_t len)
{
	struct vm *vm = ctx;
	struct vcpu_msg m;

	if (len != sizeof(m)) {
		pr_warn("remote: %zu-byte interrupt message from node %u dropped\n", len, src);
		return;
	}
	memcpy(&m, data, sizeof(m));
	if (m.vcpu >= vm->nvcpus || !vcpu_is_local(vm, m.vcpu) || m.mode > 7) {
		pr_warn("remote: node %u sent an interrupt for vCPU %u, not one of ours\n", src,
			m.vcpu);
		return;
	}
	st.irqs_received++;
	irq_deliver_vcpu(&vm->vcpus[m.vcpu], m.mode, m.vector, m.level);
}

void remote_io(struct vcpu *v, u16 port, u8 size, bool in, u32 val)
{
	struct io_msg m = { v->id, port, size, in, val, 0, { 0 } };

	v->io_waiting = true;
	st.io_sent++;
	if (msg_send(net_msg_layer(), 0, MSG_T_IO, &m, sizeof(m)) != 0)
		vm_stop(v->vm, EXIT_GUEST_STOPPED, "vCPU %u: port %#x access not sent to node 0",
			v->id, port);
}

/* Node 0 serves a request; the requesting node completes the instruction. */
static void recv_io(void *ctx, u16 src, const void *data, size_t len)
{
	struct vm *vm = ctx;
	struct io_msg m;
	struct vcpu *v;
	bool held;

	memcpy(&m, data, MIN(len, sizeof(m)));
	if (len != sizeof(m) || m.vcpu >= vm->nvcpus ||
	    vm->vcpu_node[m.vcpu] != (m.answer ? vm->self : src) ||
	    (m.size != 1 && m.size != 2 && m.size != 4)) {
		pr_warn("remote: malformed port access message from node %u dropped\n", src);
		return;
	}
	v = &vm->vcpus[m.vcpu];
	if (m.answer) {
		if (src != 0 || !v->io_waiting)
			return;
		io_complete(v, m.val);
		v->io_waiting = false;
		return;
	}
	if (vm->self != 0)
		return;
	st.io_served++;
	held = spin_held_by_me(&vm->dev_lock); /* (polling from inside a device exit) */
	if (!held)
		spin_lock(&vm->dev_lock);
	m.val = io_access(v, m.port, m.size, m.in, m.val);
	if (!held)
		spin_unlock(&vm->dev_lock);
	m.answer = 1;
	msg_send(net_msg_layer(), src, MSG_T_IO, &m, sizeof(m));
}

/* ---- MMIO forwarding ---------------------------------------------------------
 * The instruction emulator needs a read's value before it goes on, so the
 * vCPU waits here, polling the network (interrupts and coherence requests
 * for this node are served meanwhile). Node 0 answers from its network
 * context; per-sender ordering keeps MMIO, port I/O and memory in program
 * order. */

#define MMIO_WAIT_NS 5000000000ULL
#define STOP_ACK_NS  2000000000ULL

struct mmio_msg {
	u32 vcpu;
	u32 seq;
	u64 gpa;
	u64 val;
	u8 size, write, answer;
	s8 status; /* in an answer: 0 or minus an error code */
	u8 reserved[4];
} __packed;

static struct mmio_msg mmio_answer;
static volatile bool mmio_answered;
static u32 mmio_seq;

int remote_mmio(struct vcpu *v, gpa_t gpa, unsigned size, bool write, u64 *val)
{
	struct mmio_msg m = {
		v->id, ++mmio_seq, gpa, write ? *val : 0, (u8)size, write, 0, 0, { 0 }
	};
	u64 t0 = time_now_ns();

	st.mmio_sent++;
	mmio_answered = false;
	if (msg_send(net_msg_layer(), 0, MSG_T_MMIO, &m, sizeof(m)) != 0) {
		pr_err("remote: vCPU %u: MMIO access at %#llx not sent to node 0\n", v->id,
		       (unsigned long long)gpa);
		return -E_TIMEDOUT;
	}
	while (!mmio_answered) {
		if (time_now_ns() - t0 > MMIO_WAIT_NS) {
			pr_err("remote: vCPU %u: node 0 did not answer an MMIO %s at %#llx "
			       "within 5 s\n",
			       v->id, write ? "write" : "read", (unsigned long long)gpa);
			return -E_TIMEDOUT;
		}
		net_poll();
		vmdsm_poll(v->vm);
	}
	if (mmio_answer.status)
		return mmio_answer.status;
	if (!write)
		*val = mmio_answer.val;
	return 0;
}

static void recv_mmio(void *ctx, u16 src, const void *data, size_t len)
{
	struct vm *vm = ctx;
	struct mmio_msg m;
	bool held;
	u64 val;
	int rc;

	memcpy(&m, data, MIN(len, sizeof(m)));
	if (len != sizeof(m) || m.vcpu >= vm->nvcpus ||
	    vm->vcpu_node[m.vcpu] != (m.answer ? vm->self : src) ||
	    (m.size != 1 && m.size != 2 && m.size != 4 && m.size != 8) || m.status > 0) {
		pr_warn("remote: malformed MMIO message from node %u dropped\n", src);
		return;
	}
	if (m.answer) {
		if (src == 0 && m.seq == mmio_seq && !mmio_answered) {
			mmio_answer = m;
			mmio_answered = true;
		}
		return;
	}
	if (vm->self != 0)
		return;
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
	msg_send(net_msg_layer(), src, MSG_T_MMIO, &m, sizeof(m));
}

struct eoi_msg {
	u8 vector;
} __packed;

void remote_eoi(struct vm *vm, u8 vector)
{
	struct eoi_msg m = { vector };

	st.eois_sent++;
	if (msg_send(net_msg_layer(), 0, MSG_T_EOI, &m, sizeof(m)) != 0 && !vm->stopped)
		vm_stop(vm, EXIT_GUEST_STOPPED,
			"remote: the EOI of vector %#x could not be queued for node 0", vector);
}

static void recv_eoi(void *ctx, u16 src, const void *data, size_t len)
{
	struct vm *vm = ctx;
	struct eoi_msg m;
	bool held;

	if (len != sizeof(m) || vm->self != 0) {
		pr_warn("remote: malformed EOI message from node %u dropped\n", src);
		return;
	}
	memcpy(&m, data, sizeof(m));
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

	if (len != sizeof(m))
		return;
	memcpy(&m, data, sizeof(m));
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

struct time_msg {
	u64 t1;		 /* the asker's TSC when it asked */
	u64 t2;		 /* node 0's TSC when it answered */
	u64 base, epoch; /* node 0's kvmclock time base (its TSC) and wall clock */
	u8 answer, reserved[7];
} __packed;

static struct time_msg time_answer;
static volatile bool time_answered;

static void recv_time(void *ctx, u16 src, const void *data, size_t len)
{
	struct vm *vm = ctx;
	struct time_msg m;

	if (len != sizeof(m))
		return;
	memcpy(&m, data, sizeof(m));
	if (m.answer && src == 0) {
		time_answer = m;
		time_answered = true;
	} else if (!m.answer && vm->self == 0 && vm->tsc_base != 0) {
		/* (not before node 0 has its time base: the asker asks again) */
		m.t2 = rdtsc();
		m.base = vm->tsc_base;
		m.epoch = vm->boot_epoch;
		m.answer = 1;
		msg_send(net_msg_layer(), src, MSG_T_TIME, &m, sizeof(m));
	}
}

/* One probe: 0 with the round trip and offset, or -E_TIMEDOUT. */
static int time_probe(u64 *rtt, s64 *offset, struct time_msg *got)
{
	struct time_msg m = { rdtsc(), 0, 0, 0, 0, { 0 } };
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
	vm->tsc_base = best_got.base - (u64)best; /* node 0's time base, in our TSC */
	vm->boot_epoch = best_got.epoch;
	kprintf("time: guest TSC = this node's + %lld cycles, to agree with node 0 (best of %d "
		"round trips: %llu us)\n",
		(long long)best, n, (unsigned long long)(tsc_to_ns(best_rtt) / 1000));
	return 0;
}
