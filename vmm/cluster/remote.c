// SPDX-License-Identifier: GPL-2.0-only
/*
 * Cross-node interrupts and the cluster-wide stop (see vmm/cluster/remote.h), and what
 * the other remote_*.c files share: sending to a node, the counters, the checks' view of
 * the guest. Forwarded port I/O, MMIO and EOIs are in remote_io.c, the TSC agreement in
 * remote_time.c. Messages arrive in the network context, on the boot core, in order per
 * sender; every field is checked before use (remote_wire.c): a peer is authenticated,
 * not trusted to be bug-free. The other cores send through the boot core
 * (vmm/cluster/handoff.h).
 */
#include "vmm/cluster/remote.h"
#include "vmm/cluster/remote_internal.h"
#include "vmm/cluster/cluster_internal.h"
#include "vmm/cluster/remote_wire.h"
#include "net/msg.h"
#include "net/net.h"
#include "vmm/virt/irq.h"
#include "vmm/cluster/handoff.h"
#include "vmm/lib/klib.h"
#include "vmm/host/panic.h"
#include "vmm/host/log.h"
#include "vmm/host/power.h"
#include "vmm/host/tsc.h"

_Static_assert(REMOTE_MAX_VCPUS == VM_MAX_VCPUS, "the interrupt map covers every vCPU");

struct remote_layout remote_layout_of(const struct vm *vm)
{
	return (struct remote_layout){ vm->self, vm->nvcpus, vm->vcpu_node };
}

struct remote_stats *remote_counters(struct vm *vm)
{
	return &cluster_of(vm)->remote.st;
}

/* A message to another node, from any core (handed to the boot core). */
struct send_work {
	u16 dst;
	u8 type, len;
	u8 body[REMOTE_BODY_MAX];
};

/*
 * The messages of this file and remote_io.c (interrupts, forwarded accesses and their
 * answers, EOIs) leave in the order they are posted, per destination node. Interrupts
 * can come faster than the network carries them: many vCPUs interrupting many others at
 * once (each IPI is a message) fill the message layer's buffers. What the layer cannot
 * take, and whatever follows it for the same node, waits in one backlog, in the order
 * posted, and leaves from the boot core's polls as acknowledgements free buffers. An
 * interrupt of the same delivery mode, vector and trigger as the last message waiting
 * for its node joins it (the maps merge), as a LAPIC holds one pending interrupt per
 * vector: a burst shrinks to about a message per node and kind, and INIT still comes
 * before SIPI. Interrupts leave only while the layer has more than REMOTE_RESERVE
 * buffers of room, so the messages a vCPU waits for (an access, its answer) and the
 * coherence protocol's always find some. A message the backlog cannot take either
 * (REMOTE_BACKLOG waiting, none to join) stops the guest: it would be lost, and a vCPU
 * could wait for it for ever.
 */
#define REMOTE_RESERVE 8

static bool may_go(u8 type)
{
	return type != MSG_T_VCPU || msg_send_room(net_msg_layer()) > REMOTE_RESERVE;
}

static void cannot_queue(struct vm *vm, u16 dst, u8 type, int rc)
{
	if (vm->stopped)
		return;
	net_msg_line("remote: message layer: ");
	vm_stop(vm, EXIT_GUEST_STOPPED,
		"remote: a message of type %u for node %u could not be queued (error %d; %u "
		"messages wait for the message layer's buffers)",
		type, dst, rc, cluster_of(vm)->remote.backlog.n);
}

static bool backlog_add(struct remote_state *r, u16 dst, u8 type, const void *body, size_t len)
{
	struct remote_backlog *b = &r->backlog;

	for (u32 k = b->n; k-- > 0 && b->per_node[dst];) {
		struct remote_waiting *w = &b->q[(b->head + k) % REMOTE_BACKLOG];
		struct vcpu_msg *last = (struct vcpu_msg *)w->body;
		const struct vcpu_msg *m = body;

		if (w->dst != dst)
			continue;
		if (type != MSG_T_VCPU || w->type != MSG_T_VCPU || last->mode != m->mode ||
		    last->vector != m->vector || last->level != m->level)
			break;
		for (u32 i = 0; i < ARRAY_SIZE(m->map); i++)
			last->map[i] |= m->map[i];
		r->st.irqs_merged++;
		return true;
	}
	if (b->n == REMOTE_BACKLOG)
		return false;
	b->q[(b->head + b->n) % REMOTE_BACKLOG] =
		(struct remote_waiting){ .dst = dst, .type = type, .len = (u8)len };
	memcpy(b->q[(b->head + b->n) % REMOTE_BACKLOG].body, body, len);
	b->n++;
	b->per_node[dst]++;
	r->st.backlog_deepest = MAX(r->st.backlog_deepest, b->n);
	return true;
}

bool remote_flush(struct vm *vm)
{
	struct remote_state *r = &cluster_of(vm)->remote;
	struct remote_backlog *b = &r->backlog;

	BUG_ON(!on_boot_core()); /* the network is this core's */
	while (b->n && !vm->stopped) {
		struct remote_waiting *w = &b->q[b->head];
		int rc = may_go(w->type)
				 ? msg_send(net_msg_layer(), w->dst, w->type, w->body, w->len)
				 : -MSG_E_AGAIN;

		if (rc == -MSG_E_AGAIN)
			return true;
		if (rc) {
			cannot_queue(vm, w->dst, w->type, rc);
			break;
		}
		b->per_node[w->dst]--;
		b->head = (b->head + 1) % REMOTE_BACKLOG;
		b->n--;
	}
	return b->n && !vm->stopped;
}

void remote_post(struct vm *vm, u16 dst, u8 type, const void *body, size_t len)
{
	struct remote_state *r = &cluster_of(vm)->remote;
	int rc = -MSG_E_AGAIN;

	BUG_ON(len > REMOTE_BODY_MAX);
	if (vm->stopped)
		return;
	remote_flush(vm);
	if (!r->backlog.per_node[dst] && may_go(type)) /* (nothing ahead of it for dst) */
		rc = msg_send(net_msg_layer(), dst, type, body, len);
	if (rc == 0)
		return;
	if (rc != -MSG_E_AGAIN) {
		cannot_queue(vm, dst, type, rc);
		return;
	}
	r->st.waited++;
	if (!backlog_add(r, dst, type, body, len))
		cannot_queue(vm, dst, type, rc);
}

static void send_work(struct vm *vm, void *data)
{
	struct send_work *w = data;

	remote_post(vm, w->dst, w->type, w->body, w->len);
}

void remote_send(struct vm *vm, u32 dst, u8 type, const void *body, size_t len)
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
	__atomic_add_fetch(&remote_counters(vm)->irqs_sent, 1, __ATOMIC_RELAXED); /* (any core) */
	alone_peer_woken(vm, node); /* (its vCPU will run: before it does) */
	remote_send(vm, node, MSG_T_VCPU, &m, sizeof(m));
}

static void recv_vcpu(void *ctx, u16 src, const void *data, size_t len)
{
	struct vm *vm = ctx;
	struct remote_layout l = remote_layout_of(vm);
	struct vcpu_msg m;

	if (remote_check_vcpu(&l, data, len, &m) != 0) {
		pr_warn("remote: malformed interrupt message (%zu bytes) from node %u dropped: it "
			"must name a delivery mode and vCPUs of this node only\n",
			len, src);
		return;
	}
	remote_counters(vm)->irqs_received++;
	alone_woken(vm);
	for (u32 i = vm->first_local; i < vm->first_local + vm->nlocal; i++)
		if ((m.map[i / 64] >> (i % 64)) & 1)
			irq_deliver_vcpu(&vm->vcpus[i], m.mode, m.vector, m.level);
}

void remote_report(struct vm *vm)
{
	const struct remote_stats *r = remote_counters(vm);

	kprintf("remote: %llu interrupts sent to other nodes, %llu received; %llu messages "
		"waited for a message-layer buffer (%llu interrupts joined one waiting for the "
		"same node; at most %llu waiting at once)\n",
		(unsigned long long)r->irqs_sent, (unsigned long long)r->irqs_received,
		(unsigned long long)r->waited, (unsigned long long)r->irqs_merged,
		(unsigned long long)r->backlog_deepest);
}

const struct remote_stats *remote_stats(struct vm *vm)
{
	return remote_counters(vm);
}

#define STOP_ACK_NS 2000000000ULL

void remote_stop_cluster(struct vm *vm, int exit_code)
{
	struct remote_state *r = &cluster_of(vm)->remote;
	struct stop_msg m = { exit_code };

	BUG_ON(!on_boot_core()); /* it polls the network */
	if (vm->nnodes < 2 || r->stop_from_peer || !net_msg_layer())
		return;
	r->stop_from_peer = true; /* once */
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
	cluster_of(ctx)->remote.stop_from_peer = true;
	vm_stop(ctx, m.exit_code, "stopped on node %u (exit code %d): stopping here too", src,
		m.exit_code);
}

/* A node running part of the guest is gone: its vCPUs and the pages only it
 * held are lost, so the guest cannot go on anywhere. */
/* A node that restarted after the guest started cannot rejoin it: its vCPUs' state and
 * the pages only it held went with its previous incarnation, and nothing can rebuild
 * them. It is told so, and says so and stops, rather than wait for a guest that will
 * never start again (vmm/main.c, recv_refused); this node says so too. */
static void refuse_rejoin(struct vm *vm, u32 node, u64 old_epoch, bool stopped)
{
	struct remote_state *r = &cluster_of(vm)->remote;
	struct refused_msg m = { .old_epoch = old_epoch,
				 .new_epoch = net_peer_epoch(node),
				 .exit_code = stopped ? vm->exit_code : EXIT_NODE_LOST,
				 .stopped_before = stopped };

	kprintf("cluster: node %u restarted (epoch %llu, before %llu) %s the guest had "
		"stopped: it cannot rejoin (its vCPUs and the pages only it held were lost), "
		"and is told so\n",
		node, (unsigned long long)m.new_epoch, (unsigned long long)old_epoch,
		stopped ? "after" : "before");
	r->refusal[node] = m;
	r->refusal_owed[node] = true;
	remote_retry_refusals(vm);
}

void remote_retry_refusals(struct vm *vm)
{
	struct remote_state *r = &cluster_of(vm)->remote;

	for (u32 n = 0; n < vm->nnodes; n++)
		if (r->refusal_owed[n] && msg_send(net_msg_layer(), (u16)n, MSG_T_REFUSED,
						   &r->refusal[n], sizeof(r->refusal[n])) == 0)
			r->refusal_owed[n] = false; /* (else again at the next poll) */
}

static void peer_lost(void *ctx, u32 node, bool restarted, u64 old_epoch)
{
	struct vm *vm = ctx;
	bool stopped = __atomic_load_n(&vm->stopped, __ATOMIC_ACQUIRE);

	if (restarted && __atomic_load_n(&vm->started, __ATOMIC_ACQUIRE))
		refuse_rejoin(vm, node, old_epoch, stopped);
	if (stopped)
		return;
	if (!restarted && !__atomic_load_n(&vm->started, __ATOMIC_ACQUIRE)) {
		/* (main.c waits for it when the guest starts, at most 30 s) */
		kprintf("cluster: node %u went silent before the guest started: busy building "
			"its part, or stopped\n", node);
		return;
	}
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
		rc = remote_io_init(vm);
	if (rc == 0)
		rc = remote_time_init(vm);
	if (rc == 0)
		rc = net_register(MSG_T_STOP, recv_stop, vm);
	if (rc == 0)
		net_on_peer_lost(peer_lost, vm);
	return rc;
}
