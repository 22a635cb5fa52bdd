// SPDX-License-Identifier: GPL-2.0-only
/*
 * Alone (see vmm/cluster/alone.h): what each node says of its vCPUs, and the switch to the
 * guest's own page tables while every peer's are idle. The state is one struct
 * alone_state, this node's, part of struct cluster.
 */
#include "vmm/cluster/alone.h"
#include "vmm/cluster/cluster_internal.h"
#include "vmm/cluster/remote_wire.h"
#include "vmm/cluster/turns.h"
#include "vmm/virt/shadow_vm.h"
#include "net/msg.h"
#include "net/net.h"
#include "vmm/host/log.h"
#include "vmm/host/panic.h"
#include "vmm/host/tsc.h"
#include "vmm/lib/klib.h"
#include "vmm/lib/printf.h"

static struct alone_state *alone_of(const struct vm *vm)
{
	return &cluster_of(vm)->alone;
}

static bool peer_idle(const struct alone_state *a, u32 n)
{
	return (__atomic_load_n(&a->peer_idle[n / 64], __ATOMIC_ACQUIRE) >> (n % 64)) & 1;
}

static void set_peer(struct alone_state *a, u32 n, bool idle)
{
	if (idle)
		__atomic_fetch_or(&a->peer_idle[n / 64], 1ULL << (n % 64), __ATOMIC_ACQ_REL);
	else
		__atomic_fetch_and(&a->peer_idle[n / 64], ~(1ULL << (n % 64)), __ATOMIC_ACQ_REL);
}

static bool told_idle(const struct alone_state *a, u32 n)
{
	return (a->told_idle[n / 64] >> (n % 64)) & 1;
}

/* Tells each peer that has not had it the node's word (a->idle); one that could not be
 * queued is said again at the next poll. true when every peer has it. */
static bool say(struct vm *vm)
{
	struct alone_state *a = alone_of(vm);
	struct activity_msg m = { a->idle };
	bool all = true;

	for (u32 n = 0; n < vm->nnodes; n++) {
		if (n == vm->self || told_idle(a, n) == a->idle)
			continue;
		if (msg_send(net_msg_layer(), (u16)n, MSG_T_ACTIVITY, &m, sizeof(m)) != 0) {
			a->unsent++;
			all = false;
			continue;
		}
		a->told_idle[n / 64] ^= 1ULL << (n % 64);
		a->said[a->idle]++;
	}
	return all;
}

static bool every_peer_idle(const struct vm *vm)
{
	const struct alone_state *a = alone_of(vm);

	for (u32 n = 0; n < vm->nnodes; n++)
		if (n != vm->self && !peer_idle(a, n))
			return false;
	return true;
}

static void recv_activity(void *ctx, u16 src, const void *data, size_t len)
{
	struct vm *vm = ctx;
	struct alone_state *a = alone_of(vm);
	struct remote_layout l = remote_layout_of(vm);
	struct activity_msg m;

	if (remote_check_activity(&l, src, data, len, &m) != 0) {
		a->malformed++;
		pr_warn("alone: malformed activity message (%zu bytes) from node %u dropped: it "
			"must be one byte, 0 (may run) or 1 (idle), from another node of the "
			"guest\n",
			len, src);
		return;
	}
	set_peer(a, src, m.idle);
	if (!m.idle && vm->shadow)
		shadow_vm_leave_alone(vm);
}

int alone_init(struct vm *vm, bool enabled)
{
	alone_of(vm)->enabled = enabled;
	return net_register(MSG_T_ACTIVITY, recv_activity, vm);
}

void alone_peer_woken(struct vm *vm, u32 node)
{
	if (node >= vm->nnodes || node == vm->self)
		return;
	set_peer(alone_of(vm), node, false);
	if (vm->shadow)
		shadow_vm_leave_alone(vm);
}

void alone_woken(struct vm *vm)
{
	alone_of(vm)->woken = true; /* (said from the poll, not from this network context) */
}

/* An alone that ended (a peer's word, an interrupt sent to a peer, a SIPI): counted. */
static void alone_ended(struct alone_state *a, u64 now)
{
	u64 len = now - a->began;

	a->alone_ns += len;
	a->longest_ns = MAX(a->longest_ns, len);
	if (len < ALONE_SHORT_NS) {
		a->short_ones++;
		a->back_off = a->back_off ? MIN(2 * a->back_off, ALONE_BACK_OFF_MAX_NS)
					  : ALONE_BACK_OFF_NS;
	} else if (len >= ALONE_LONG_NS) {
		a->back_off = 0;
	}
	a->not_before = now + a->back_off;
	a->began = 0;
}

void alone_poll(struct vm *vm, u64 now)
{
	struct alone_state *a = alone_of(vm);
	bool can_run = turns_node_can_run(vm, now), told;

	BUG_ON(!on_boot_core()); /* the network is this core's */
	if (can_run || a->woken) {
		a->idle_since = 0;
		a->idle = a->woken = false;
	} else {
		if (!a->idle_since)
			a->idle_since = now;
		a->idle = now - a->idle_since >= ALONE_IDLE_NS;
	}
	told = say(vm);
	if (!vm->shadow || !a->enabled)
		return;
	if (a->began && !shadow_vm_is_alone(vm))
		alone_ended(a, now);
	/* (alone only once every peer has heard that this node may run: a peer that still
	 * thinks it idle could go alone too) */
	if (!a->began && can_run && told && now >= a->not_before && !shadow_vm_is_alone(vm) &&
	    every_peer_idle(vm) && shadow_vm_go_alone(vm)) {
		a->began = now;
		a->entered++;
		pr_debug("alone: every other node's vCPUs are idle: this node's vCPUs walk the "
			 "guest's own page tables now\n");
		/* (a vCPU on another core may have sent a peer an interrupt meanwhile: its
		 * leave found the node not alone yet) */
		if (!every_peer_idle(vm))
			shadow_vm_leave_alone(vm);
	}
}

void alone_report(struct vm *vm)
{
	struct alone_state *a = alone_of(vm);
	u64 now = time_now_ns(), total = a->alone_ns, longest = a->longest_ns;
	char what[200];

	if (a->began) {
		total += now - a->began;
		longest = MAX(longest, now - a->began);
	}
	if (vm->shadow && a->enabled)
		ksnprintf(what, sizeof(what),
			  "%llu times on the guest's own page tables while every other node's "
			  "vCPUs were idle, %llu ms in all, the longest %llu ms, %llu of them under "
			  "%llu ms",
			  (unsigned long long)a->entered, (unsigned long long)(total / 1000000),
			  (unsigned long long)(longest / 1000000), (unsigned long long)a->short_ones,
			  ALONE_SHORT_NS / 1000000);
	else
		ksnprintf(what, sizeof(what), "off (%s)",
			  vm->shadow ? "noalone" : "this node walks the guest's own page tables");
	kprintf("alone: %s; words to peers: idle %llu, may run %llu (%llu not sent at once); "
		"%llu malformed messages dropped\n",
		what, (unsigned long long)a->said[1], (unsigned long long)a->said[0],
		(unsigned long long)a->unsent, (unsigned long long)a->malformed);
}
