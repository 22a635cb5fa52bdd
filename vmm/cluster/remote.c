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
void remote_send_or_stop(struct vm *vm, u16 dst, u8 type, const void *body, size_t len)
{
	int rc = msg_send(net_msg_layer(), dst, type, body, len);

	if (rc && !vm->stopped) {
		net_msg_line("remote: message layer: ");
		vm_stop(vm, EXIT_GUEST_STOPPED,
			"remote: a message of type %u for node %u could not be queued (error %d)",
			type, dst, rc);
	}
}

/*
 * Interrupts for other nodes can come faster than the network carries them: many vCPUs
 * interrupting many others at once (each IPI is a message) fill the message layer's
 * buffers. Those it cannot take wait in a backlog, in the order sent, and leave from
 * the boot core's poll as acknowledgements free buffers. One of the same delivery mode,
 * vector and trigger as the last one waiting for its node joins it (their maps merge),
 * as a LAPIC holds one pending interrupt per vector; only interrupts for that node
 * follow it, so each node still gets its interrupts in the order sent (INIT before
 * SIPI). A burst then shrinks to about a message per node and kind; only
 * REMOTE_BACKLOG different ones waiting at once stop the guest.
 */
static bool backlog_add(struct remote_state *r, u16 dst, const struct vcpu_msg *m)
{
	struct irq_backlog *b = &r->backlog;

	for (u32 k = b->n; k-- > 0;) {
		struct vcpu_msg *last = &b->q[(b->head + k) % REMOTE_BACKLOG].m;

		if (b->q[(b->head + k) % REMOTE_BACKLOG].dst != dst)
			continue;
		if (last->mode != m->mode || last->vector != m->vector || last->level != m->level)
			break;
		for (u32 i = 0; i < ARRAY_SIZE(m->map); i++)
			last->map[i] |= m->map[i];
		r->st.irqs_merged++;
		return true;
	}
	if (b->n == REMOTE_BACKLOG)
		return false;
	b->q[(b->head + b->n) % REMOTE_BACKLOG].dst = dst;
	b->q[(b->head + b->n) % REMOTE_BACKLOG].m = *m;
	b->n++;
	r->st.irqs_deepest = MAX(r->st.irqs_deepest, b->n);
	return true;
}

bool remote_flush_irqs(struct vm *vm)
{
	struct remote_state *r = &cluster_of(vm)->remote;
	struct irq_backlog *b = &r->backlog;

	BUG_ON(!on_boot_core()); /* the network is this core's */
	while (b->n && !vm->stopped) {
		int rc = msg_send(net_msg_layer(), b->q[b->head].dst, MSG_T_VCPU, &b->q[b->head].m,
				  sizeof(b->q[b->head].m));
		if (rc == -MSG_E_AGAIN)
			return true;
		if (rc) {
			remote_send_or_stop(vm, b->q[b->head].dst, MSG_T_VCPU, &b->q[b->head].m,
					    sizeof(b->q[b->head].m));
			break;
		}
		b->head = (b->head + 1) % REMOTE_BACKLOG;
		b->n--;
	}
	return b->n && !vm->stopped;
}

static void send_irq(struct vm *vm, u16 dst, const struct vcpu_msg *m)
{
	struct remote_state *r = &cluster_of(vm)->remote;
	int rc = -MSG_E_AGAIN;

	if (!remote_flush_irqs(vm)) /* (none waits: this one may go at once) */
		rc = msg_send(net_msg_layer(), dst, MSG_T_VCPU, m, sizeof(*m));
	if (rc == 0 || vm->stopped)
		return;
	if (rc != -MSG_E_AGAIN) {
		remote_send_or_stop(vm, dst, MSG_T_VCPU, m, sizeof(*m));
		return;
	}
	r->st.irqs_waited++;
	if (!backlog_add(r, dst, m)) {
		net_msg_line("remote: message layer: ");
		vm_stop(vm, EXIT_GUEST_STOPPED,
			"remote: %u interrupts of different kinds wait for the message layer's "
			"buffers: the network cannot carry the interrupts the guest sends",
			REMOTE_BACKLOG);
	}
}

static void send_work(struct vm *vm, void *data)
{
	struct send_work *w = data;

	if (w->type == MSG_T_VCPU && w->len == sizeof(struct vcpu_msg))
		send_irq(vm, w->dst, (const struct vcpu_msg *)w->body);
	else
		remote_send_or_stop(vm, w->dst, w->type, w->body, w->len);
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
	for (u32 i = vm->first_local; i < vm->first_local + vm->nlocal; i++)
		if ((m.map[i / 64] >> (i % 64)) & 1)
			irq_deliver_vcpu(&vm->vcpus[i], m.mode, m.vector, m.level);
}

void remote_report(struct vm *vm)
{
	const struct remote_stats *r = remote_counters(vm);

	kprintf("remote: %llu interrupts sent to other nodes, %llu received; %llu waited for "
		"a message-layer buffer (%llu of them joined one waiting for the same node, at "
		"most %llu waiting at once)\n",
		(unsigned long long)r->irqs_sent, (unsigned long long)r->irqs_received,
		(unsigned long long)r->irqs_waited, (unsigned long long)r->irqs_merged,
		(unsigned long long)r->irqs_deepest);
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
static void peer_lost(void *ctx, u32 node, bool restarted)
{
	struct vm *vm = ctx;

	if (__atomic_load_n(&vm->stopped, __ATOMIC_ACQUIRE))
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
