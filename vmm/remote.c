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
#include "vmm/io.h"
#include "vmm/power.h"

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

void remote_deliver(struct vm *vm, const struct vcpu *t, u8 mode, u8 vector, bool level)
{
	struct vcpu_msg m = { t->id, mode, vector, level, 0 };
	int rc = msg_send(net_msg_layer(), (u16)vm->vcpu_node[t->id], MSG_T_VCPU, &m, sizeof(m));

	if (rc)
		pr_warn("remote: interrupt for vCPU %u (node %u) not sent: error %d\n", t->id,
			vm->vcpu_node[t->id], rc);
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
	irq_deliver_vcpu(&vm->vcpus[m.vcpu], m.mode, m.vector, m.level);
}

void remote_io(struct vcpu *v, u16 port, u8 size, bool in, u32 val)
{
	struct io_msg m = { v->id, port, size, in, val, 0, { 0 } };

	v->io_waiting = true;
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
	spin_lock(&vm->dev_lock);
	m.val = io_access(v, m.port, m.size, m.in, m.val);
	spin_unlock(&vm->dev_lock);
	m.answer = 1;
	msg_send(net_msg_layer(), src, MSG_T_IO, &m, sizeof(m));
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
	/* Give the message layer a moment to put the stops on the wire. */
	for (int i = 0; i < 200; i++)
		net_poll();
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
	return rc ? rc : net_register(MSG_T_STOP, recv_stop, vm);
}
