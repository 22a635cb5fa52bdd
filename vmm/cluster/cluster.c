// SPDX-License-Identifier: GPL-2.0-only
/*
 * The cluster behind the VM's seam (see vmm/cluster/cluster.h, vmm/virt/cluster.h): the
 * hooks the single-node path calls, each handed to the part that does it (remote vCPUs and
 * forwarded I/O in remote.c, pages in vmdsm.c, turns in turns.c), and the boot core's pass
 * over the cluster between guest exits: work handed over by the other cores, the network,
 * the protocol, the turns, the time agreement, long waits.
 */
#include "vmm/cluster/cluster.h"
#include "vmm/cluster/cluster_internal.h"
#include "vmm/cluster/handoff.h"
#include "vmm/cluster/remote.h"
#include "vmm/cluster/turns.h"
#include "vmm/cluster/vmdsm.h"
#include "vmm/virt/cluster.h"
#include "net/net.h"
#include "net/nics.h"
#include "vmm/host/log.h"
#include "vmm/host/panic.h"
#include "vmm/host/tsc.h"

#define CLUSTER_POLL_NS 1000000ULL /* the boot core polls at least every 1 ms (cluster_deadline) */

/*
 * Nothing waits for ever without saying so: a local vCPU that has waited more
 * than CLUSTER_WAIT_SAY_NS for a page or for node 0's answer to a port access, or a
 * node that has waited that long for the turn, is reported on the console, and
 * again every CLUSTER_WAIT_SAY_NS while the wait lasts (with what it waits for: the
 * page, its home and owner, the turn's last holder).
 */
#define CLUSTER_WAIT_SAY_NS 10000000000ULL

static void say_long_waits(struct vm *vm, u64 now)
{
	u64 *said = cluster_of(vm)->waits.said;

	if (now - cluster_of(vm)->waits.last < 1000000000ULL)
		return;
	cluster_of(vm)->waits.last = now;
	for (u32 i = vm->first_local; i < vm->first_local + vm->nlocal; i++) {
		struct vcpu *v = &vm->vcpus[i];
		u64 since = v->mem_waiting  ? vmdsm_wait_since(v)
			    : v->io_waiting ? remote_io_since(v)
					    : 0;
		if (!since || now < since || now - since < CLUSTER_WAIT_SAY_NS ||
		    now - said[i] < CLUSTER_WAIT_SAY_NS)
			continue;
		said[i] = now;
		if (v->mem_waiting)
			vmdsm_wait_line(vm, v, now - since);
		else
			pr_warn("remote: vCPU %u has waited %llu ms for node 0's answer to its "
				"port access (node 0 %s)\n",
				i, (unsigned long long)((now - since) / 1000000),
				net_node_up(0) ? "is up" : "is down");
	}
	turns_check_wait(vm, now, CLUSTER_WAIT_SAY_NS);
}

/* The earlier of two deadlines, 0 meaning none. */
static u64 earliest(u64 a, u64 b)
{
	return !a ? b : !b ? a : MIN(a, b);
}

/* The boot core's next timed work across nodes. Its peers wait for its answers: the
 * NIC's receive interrupt wakes it, and it wakes by itself for the timed work of the
 * network, the protocol and the turns, at least every NET_IDLE_MAX_NS (a safety net:
 * once, a node waiting for a SIPI woke only at its 50 ms heartbeat). While its vCPU
 * is out of the guest and may run (the node has the turn, is in a free phase, or takes
 * no turns), every 1 ms as well (cluster_wait_poll_ns). Not while the node waits for
 * the turn or is idle for the turns (neither holding the turn nor asking: its vCPUs are
 * halted): what ends those waits comes as a frame, whose interrupt wakes it (the token,
 * an interrupt, a page), and a request for the turn that could not be sent is sent
 * again at the turns' deadline (an eighth of a slice) or the network's safety net,
 * whichever is first. Why: a 3-node cluster on one host core measured the two
 * idle emulators taking as much of the core as the running one; and on one core, 2
 * nodes computing by turns, the node waiting for the turn woke about 1,000 times a
 * second, each a pass of the monitor under emulation on the shared core: `parallel`
 * took 1.31-1.35 s with those wake-ups, 1.25-1.29 s without (doc/benchmarks.md). Once,
 * waits for the turn left to the interrupt nearly stopped a fresh-clone test run's
 * 3-node boot (the host 82% idle): a vCPU made runnable by the guest's timer after the
 * turns' poll, on a node that had therefore not asked for the turn, waited for the next
 * wake-up. The run loop now polls again at once for that (vm.c, vcpu_loop). Not while
 * the vCPU runs: the NIC's interrupt ends its run, and the 1 ms timer was most of the
 * exits of a node computing on shadows (session 30: 970 physical interrupts a second
 * against 250 on one node; the guest had 85% of the core against 99%). On a node with
 * several vCPUs, or a NIC without an interrupt, always 1 ms: the other cores do not wake
 * the boot core when theirs become runnable or halt, and a frame would not end the
 * guest's run. */
static u64 cluster_wait_poll_ns(const struct vm *vm)
{
	return turns_may_run(vm) ? CLUSTER_POLL_NS : 0;
}

static u64 cluster_deadline(struct vm *vm, u64 now)
{
	u64 t = earliest(net_next_deadline(now), vmdsm_next_deadline(vm));

	t = earliest(t, turns_next_deadline(vm, now));
	/* Work queued since handoff_drain began: its kick may have ended a pause of the
	 * boot core's in that drain (vmdsm_nap) instead of the run loop's sleep. (A kick
	 * taken by a pause in the devices' work after this look waits at most for the
	 * next 1 ms poll: only the node's other cores kick, and with them it is 1 ms.) */
	if (handoff_pending(vm))
		return now;
	if (vm->nlocal > 1 || !net_rx_wakes() || cluster_of(vm)->remote.backlog.n)
		t = MIN(t, now + CLUSTER_POLL_NS);
	return MAX(t, now);
}

static u64 cluster_poll(struct vm *vm, u64 now)
{
	BUG_ON(!on_boot_core()); /* the network and the protocol are this core's alone */
	handoff_drain(vm);	 /* (queued by the other cores: the network is this core's) */
	net_poll();
	remote_flush(vm); /* (after the acknowledgements net_poll took in) */
	remote_retry_refusals(vm);
	vmdsm_poll(vm);
	turns_poll(vm, now);
	alone_poll(vm, now);
	remote_time_poll(vm, now);
	say_long_waits(vm, now);
	return cluster_deadline(vm, now);
}

static void cluster_stats(struct vm *vm)
{
	const struct remote_stats *r = remote_stats(vm);

	BUG_ON(!on_boot_core());
	kprintf("stats: cluster: %llu NIC interrupts%s\n", (unsigned long long)net_nics_irqs(),
		turns_state(vm));
	remote_time_line(vm, "stats: time: ");
	handoff_line(vm, "stats: handoff: ");
	kprintf("stats: across nodes: interrupts %llu sent, %llu received; port I/O %llu "
		"forwarded, %llu served; MMIO %llu forwarded, %llu served; EOIs %llu "
		"forwarded, %llu served; messages that waited for a buffer %llu (%llu "
		"interrupts joined one waiting, at most %llu waiting at once)\n",
		(unsigned long long)r->irqs_sent, (unsigned long long)r->irqs_received,
		(unsigned long long)r->io_sent, (unsigned long long)r->io_served,
		(unsigned long long)r->mmio_sent, (unsigned long long)r->mmio_served,
		(unsigned long long)r->eois_sent, (unsigned long long)r->eois_served,
		(unsigned long long)r->waited, (unsigned long long)r->irqs_merged,
		(unsigned long long)r->backlog_deepest);
	net_msg_line("stats: net: ");
	vmdsm_stats_line(vm);
}

static void cluster_stopped(struct vm *vm)
{
	BUG_ON(!on_boot_core()); /* it sends on the network */
	remote_stop_cluster(vm, vm->exit_code);
}

static void cluster_report(struct vm *vm)
{
	vmdsm_report(vm);
	turns_report(vm);
	alone_report(vm);
	net_msg_line("net: message layer: ");
	remote_time_line(vm, "time: ");
	handoff_line(vm, "handoff: ");
	remote_report(vm);
}

static int cluster_take(struct vm *vm, gpa_t gpa, u64 len, bool write)
{
	return vmdsm_acquire_sync(vm, gpa, len, write);
}

static const struct vm_cluster cluster_hooks = {
	.poll = cluster_poll,
	.wait_poll_ns = cluster_wait_poll_ns,
	.deadline = cluster_deadline,
	.stats = cluster_stats,
	.may_run = turns_may_run,
	.others_wait = turns_others_wait,
	.fault = vmdsm_fault,
	.yield = vmdsm_yield,
	.copy = vmdsm_copy,
	.take = cluster_take,
	.writable_here = vmdsm_writable_here,
	.io = remote_io,
	.mmio = remote_mmio,
	.deliver = remote_deliver,
	.eoi = remote_eoi,
	.stopped = cluster_stopped,
	.report = cluster_report,
};

/* This node's cluster: one, as there is one guest (zero until cluster_init). */
static struct cluster the_cluster;

int cluster_init(struct vm *vm, const struct cluster_options *o)
{
	struct cluster *c = &the_cluster;
	int rc;

	BUG_ON(vm->cluster); /* once */
	c->hooks = cluster_hooks;
	c->vm = vm;
	handoff_init(&c->handoff);
	/* The parts find their state through the hooks from here on. */
	vm->cluster = &c->hooks;
	rc = remote_init(vm);
	if (rc == 0)
		rc = vmdsm_init(vm, o);
	if (rc == 0)
		rc = turns_init(vm, o->slice_ms, o->adaptive);
	if (rc == 0)
		rc = alone_init(vm, o->alone);
	return rc; /* (on an error the node refuses to start, see main.c) */
}
