// SPDX-License-Identifier: GPL-2.0-only
/*
 * Port I/O, MMIO and level-triggered EOIs forwarded to node 0, whose devices are the
 * guest's (see vmm/cluster/remote.h): a vCPU of another node sends its access and waits
 * for the answer; node 0 performs it under dev_lock and answers.
 */
#include "vmm/cluster/remote.h"
#include "vmm/cluster/remote_internal.h"
#include "vmm/cluster/cluster_internal.h"
#include "vmm/cluster/handoff.h"
#include "net/msg.h"
#include "net/net.h"
#include "vmm/dev/ioapic.h"
#include "vmm/host/log.h"
#include "vmm/host/panic.h"
#include "vmm/host/percpu.h"
#include "vmm/host/tsc.h"
#include "vmm/virt/io.h"
#include "vmm/virt/mmio.h"
#include "vmm/cluster/vmdsm.h"
#include "vmm/virt/irq.h"
#include "vmm/lib/x86.h"

static struct vcpu_fwd *fwd_of(const struct vcpu *v)
{
	return &cluster_of(v->vm)->remote.fwd[v->id];
}

u64 remote_io_since(const struct vcpu *v)
{
	return fwd_of(v)->io_since;
}

void remote_io(struct vcpu *v, u16 port, u8 size, bool in, u32 val)
{
	struct io_msg m = { v->id, port, size, in, val, 0, { 0 } };

	fwd_of(v)->io_since = time_now_ns();
	__atomic_store_n(&v->io_waiting, true, __ATOMIC_RELEASE);
	__atomic_add_fetch(&remote_counters(v->vm)->io_sent, 1, __ATOMIC_RELAXED); /* (any core) */
	remote_send(v->vm, 0, MSG_T_IO, &m, sizeof(m));
}

/* Node 0 serves a request; the requesting node completes the instruction. */
static void recv_io(void *ctx, u16 src, const void *data, size_t len)
{
	struct vm *vm = ctx;
	struct remote_layout l = remote_layout_of(vm);
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
	remote_counters(vm)->io_served++;
	held = spin_held_by_me(&vm->dev_lock); /* (polling from inside a device exit) */
	if (!held)
		spin_lock(&vm->dev_lock);
	m.val = io_access(v, m.port, m.size, m.in, m.val);
	if (!held)
		spin_unlock(&vm->dev_lock);
	m.answer = 1;
	remote_post(vm, src, MSG_T_IO, &m, sizeof(m)); /* (its vCPU waits for it) */
}

/* ---- MMIO forwarding ---------------------------------------------------------
 * The instruction emulator needs a read's value before it goes on, so the
 * vCPU waits here: on the boot core polling the network (interrupts and
 * coherence requests for this node are served meanwhile), on another core
 * asleep until the boot core has the answer. Node 0 answers from its network
 * context; per-sender ordering keeps MMIO, port I/O and memory in program
 * order. */

#define MMIO_WAIT_NS 5000000000ULL

/* On the boot core, which polls the network for the answer itself, napping between polls
 * (vmdsm_nap); interrupts as they were before. */
static int mmio_wait_here(struct vcpu *v, u64 t0)
{
	bool irqs_on = irq_save_off();
	int rc = 0;

	while (!fwd_of(v)->mmio_done && rc == 0) {
		if (time_now_ns() - t0 > MMIO_WAIT_NS)
			rc = -E_TIMEDOUT;
		else if (__atomic_load_n(&v->vm->stopped, __ATOMIC_ACQUIRE))
			rc = -E_CANCELED;
		net_poll();
		remote_flush(v->vm); /* (its own request may wait there) */
		vmdsm_poll(v->vm);
		if (!fwd_of(v)->mmio_done && rc == 0)
			vmdsm_nap(v->vm);
	}
	this_cpu()->held_ns += time_now_ns() - t0;
	irq_restore(irqs_on);
	return rc;
}

int remote_mmio(struct vcpu *v, gpa_t gpa, unsigned size, bool write, u64 *val)
{
	struct mmio_msg m = {
		v->id, ++fwd_of(v)->mmio_seq, gpa, write ? *val : 0, (u8)size, write, 0, 0, { 0 }
	};
	u64 t0 = time_now_ns();
	int rc = 0;

	/* Not from inside a network message handler: nothing would poll for the answer. */
	BUG_ON(on_boot_core() && net_in_poll());
	__atomic_add_fetch(&remote_counters(v->vm)->mmio_sent, 1,
			   __ATOMIC_RELAXED); /* (any core) */
	__atomic_store_n(&fwd_of(v)->mmio_done, false, __ATOMIC_RELEASE);
	remote_send(v->vm, 0, MSG_T_MMIO, &m, sizeof(m));
	if (!on_boot_core())
		rc = handoff_wait(v, &fwd_of(v)->mmio_done, MMIO_WAIT_NS);
	else
		rc = mmio_wait_here(v, t0);
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
	struct remote_layout l = remote_layout_of(vm);
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
	remote_counters(vm)->mmio_served++;
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
	remote_post(vm, src, MSG_T_MMIO, &m, sizeof(m)); /* (its vCPU waits for it) */
}

void remote_eoi(struct vm *vm, u8 vector)
{
	struct eoi_msg m = { vector };

	__atomic_add_fetch(&remote_counters(vm)->eois_sent, 1, __ATOMIC_RELAXED); /* (any core) */
	remote_send(vm, 0, MSG_T_EOI, &m, sizeof(m));
}

static void recv_eoi(void *ctx, u16 src, const void *data, size_t len)
{
	struct vm *vm = ctx;
	struct remote_layout l = remote_layout_of(vm);
	struct eoi_msg m;
	bool held;

	if (remote_check_eoi(&l, data, len, &m) != 0) {
		pr_warn("remote: malformed EOI message from node %u dropped\n", src);
		return;
	}
	remote_counters(vm)->eois_served++;
	held = spin_held_by_me(&vm->dev_lock);
	if (!held)
		spin_lock(&vm->dev_lock);
	ioapic_eoi(&vm->ioapic, m.vector);
	if (!held)
		spin_unlock(&vm->dev_lock);
}

int remote_io_init(struct vm *vm)
{
	int rc = net_register(MSG_T_IO, recv_io, vm);

	if (rc == 0)
		rc = net_register(MSG_T_MMIO, recv_mmio, vm);
	if (rc == 0)
		rc = net_register(MSG_T_EOI, recv_eoi, vm);
	return rc;
}
