// SPDX-License-Identifier: GPL-2.0-only
/*
 * Taking turns across nodes (see vmm/cluster/turns.h): the token protocol
 * (vmm/cluster/turns_token.c) tied to this node's vCPUs and the message layer. The state
 * is one struct turns, this node's; everything here runs on the boot core.
 */
#include "vmm/cluster/turns.h"
#include "vmm/cluster/turns_token.h"
#include "vmm/cluster/cluster_internal.h"
#include "vmm/cluster/vmdsm.h"
#include "vmm/cluster/vmdsm_internal.h"
#include "net/msg.h"
#include "net/net.h"
#include "vmm/lib/klib.h"
#include "vmm/host/log.h"
#include "vmm/virt/irq.h"
#include "vmm/host/tsc.h"

static int send_turn(void *ctx, u32 to, const void *msg, size_t len)
{
	return msg_send(net_msg_layer(), (u16)to, MSG_T_TURN, msg, len);
}

static bool node_up(void *ctx, u32 n)
{
	return net_node_up(n);
}

static const struct turns_ops turns_net_ops = { send_turn, node_up };

/* Would the vCPU run if it had the turn? Its loop's own wake-up conditions (vm.c),
 * read here first: a halted or yielding vCPU that an interrupt just reached (the
 * network poll before turns_poll brought it) asks for the turn now, not at the
 * next poll (measured: a cross-node IPI round trip took 1 ms more per side). */
static bool vcpu_can_run(const struct vcpu *v, u64 now)
{
	bool irq = v->pending_nmi || vlapic_pending(&v->lapic) >= 0;

	if (v->wait_sipi)
		return v->pending_sipi != 0;
	if (v->halted)
		return v->pending_nmi || v->pv_unhalt || (!v->parked && irq);
	if (v->yield_until)
		return vcpu_yield_over(v, now);
	return true;
}

bool turns_node_can_run(const struct vm *vm, u64 now)
{
	for (u32 i = vm->first_local; i < vm->first_local + vm->nlocal; i++)
		if (vcpu_can_run(&vm->vcpus[i], now))
			return true;
	return false;
}

/* Whether any local vCPU would run; and if none would, why (yielding if any of them
 * yields, else halted if any is). */
static bool node_can_run(const struct vm *vm, u64 now, enum turn_why *why)
{
	bool yielding = false, halted = false;

	for (u32 i = vm->first_local; i < vm->first_local + vm->nlocal; i++) {
		const struct vcpu *v = &vm->vcpus[i];
		if (vcpu_can_run(v, now))
			return true;
		yielding |= v->yield_until != 0;
		halted |= v->halted || v->wait_sipi;
	}
	*why = yielding ? TURN_YIELD : halted ? TURN_HALTED : TURN_OTHER;
	return false;
}

/* A free phase began or ended since the last call: one line at loglevel=3. */
static void log_phase(struct turns_node *tn, int src)
{
	if (tn->t.free == tn->was_free)
		return;
	tn->was_free = tn->t.free;
	if (tn->t.free)
		pr_debug("turns: free phase %u began\n", tn->t.epoch);
	else if (src < 0)
		pr_debug("turns: free phase %u ended here, the running nodes waiting for pages, "
			 "after %llu ms\n",
			 tn->t.epoch,
			 (unsigned long long)((time_now_ns() - tn->t.free_began) / 1000000));
	else
		pr_debug("turns: free phase %u ended by node %d\n", tn->t.epoch, src);
}

/* A free phase's window was judged here since the last call: one line at loglevel=3. */
static void log_window(struct turns_node *tn)
{
	static const char *const vote_name[] = { "none", "good", "bad", "idle" };
	const struct turns *t = &tn->t;

	if (t->win.n == tn->windows)
		return;
	tn->windows = t->win.n;
	pr_debug("turns: window: waits %u%% of the time a vCPU could run, nothing to run %u%%: "
		 "%s\n",
		 t->win.wait_pct, t->win.idle_pct, vote_name[t->win.vote < 4 ? t->win.vote : 0]);
}

/* Page faults this node's vCPUs sent so far. */
static u64 local_faults(const struct vm *vm)
{
	const struct vm_dsm *d = vmdsm_of(vm);
	u64 n = 0;

	for (u32 i = vm->first_local; i < vm->first_local + vm->nlocal; i++)
		n += d->pages[i].walk_faults + d->pages[i].data_faults;
	return n;
}

/* A turn began here: what its line (below) counts from. */
static void turn_began(struct vm *vm)
{
	struct turns_node *tn = &cluster_of(vm)->turns;

	tn->at_start.waited = tn->t.waited_ns;
	tn->at_start.faults = local_faults(vm);
	tn->at_start.asked = vmdsm_of(vm)->pf.asked;
	memcpy(tn->at_start.kind, vmdsm_of(vm)->pf.kind, sizeof(tn->at_start.kind));
}

static const char *const why_name[TURN_NWHY] = {
	[TURN_SLICE] = "its slice was over",
	[TURN_HALTED] = "halted",
	[TURN_YIELD] = "a vCPU yielded after PAUSE",
	[TURN_STALL] = "its compute stalled",
	[TURN_OTHER] = "other",
};

/* The token left: one line at loglevel=3 on what the turn did (where a compute phase's
 * time goes between turns: the faults and prefetches each turn's start needs). */
static void log_turn(struct vm *vm, u64 now)
{
	struct turns_node *tn = &cluster_of(vm)->turns;
	const struct turns *t = &tn->t;
	const u64 *k = vmdsm_of(vm)->pf.kind, *k0 = tn->at_start.kind;

	pr_debug("turns: turn %llu here, %llu ms to %llu ms: %llu ms of it waiting for pages, "
		 "%llu faults, %llu pages prefetched; to node %d (%s)\n",
		 (unsigned long long)t->turns, (unsigned long long)(t->began / 1000000),
		 (unsigned long long)(now / 1000000),
		 (unsigned long long)((t->waited_ns - tn->at_start.waited) / 1000000),
		 (unsigned long long)(local_faults(vm) - tn->at_start.faults),
		 (unsigned long long)(vmdsm_of(vm)->pf.asked - tn->at_start.asked), t->passed_to,
		 why_name[t->passed_why < TURN_NWHY ? t->passed_why : TURN_OTHER]);
	if (t->passed_why == TURN_STALL)
		pr_debug("turns:   its compute stalled: waits %u%% of its last %llu ms\n",
			 t->stall_pct, (unsigned long long)(t->slice_ns / TURNS_STALL_WINDOW / 1000000));
	pr_debug("turns:   its faults: %llu on new pages, %llu lost untouched, %llu asked for, "
		 "%llu not yet asked for, %llu not used lately, %llu other\n",
		 (unsigned long long)(k[VMPF_NEW] - k0[VMPF_NEW]),
		 (unsigned long long)(k[VMPF_UNTOUCHED] - k0[VMPF_UNTOUCHED]),
		 (unsigned long long)(k[VMPF_ASKED] - k0[VMPF_ASKED]),
		 (unsigned long long)(k[VMPF_PENDING] - k0[VMPF_PENDING]),
		 (unsigned long long)(k[VMPF_STALE] - k0[VMPF_STALE]),
		 (unsigned long long)(k[VMPF_OTHER] - k0[VMPF_OTHER]));
}

static void kick_others(struct vm *vm)
{
	for (u32 i = vm->first_local + 1; i < vm->first_local + vm->nlocal; i++)
		vcpu_kick(&vm->vcpus[i]);
}

/* For the turn's stall (turns_token.c, stalled()): the local vCPUs' page waits under way,
 * the part within the current window, and whether one waits for a page or an answer. */
static void note_waits_now(struct vm *vm, struct turns *t, u64 now)
{
	t->waits_now = 0;
	t->waiting_now = false;
	for (u32 i = vm->first_local; i < vm->first_local + vm->nlocal; i++) {
		const struct vcpu *v = &vm->vcpus[i];
		u64 since = v->mem_waiting ? MAX(vmdsm_wait_since(v), t->stall_start) : now;

		t->waiting_now |= v->mem_waiting || v->io_waiting;
		t->waits_now += now > since ? now - since : 0;
	}
}

void turns_poll(struct vm *vm, u64 now)
{
	struct turns_node *tn = &cluster_of(vm)->turns;
	enum turn_why why = TURN_SLICE;
	bool want;

	if (!tn->t.on)
		return;
	want = node_can_run(vm, now, &why);
	note_waits_now(vm, &tn->t, now);
	if (turns_token_poll(&tn->t, want, why, now)) {
		kick_others(vm); /* out of the guest: the turn is over */
		log_turn(vm, now);
	}
	log_phase(tn, -1);
	log_window(tn);
	if (tn->t.send_fails != tn->kept) {
		tn->kept = tn->t.send_fails;
		pr_warn("turns: the token could not be sent; keeping it\n");
	}
}

u64 turns_next_deadline(const struct vm *vm, u64 now)
{
	struct turns_node *tn = &cluster_of(vm)->turns;
	return turns_token_deadline(&tn->t, now);
}

void turns_note_wait(struct vm *vm, u64 since, u64 now)
{
	struct turns_node *tn = &cluster_of(vm)->turns;
	turns_token_note_wait(&tn->t, since, now);
}

bool turns_may_run(const struct vm *vm)
{
	struct turns_node *tn = &cluster_of(vm)->turns;
	return turns_token_may_run(&tn->t);
}

bool turns_others_wait(const struct vm *vm)
{
	struct turns_node *tn = &cluster_of(vm)->turns;
	return turns_token_others_wait(&tn->t);
}

void turns_check_wait(const struct vm *vm, u64 now, u64 wait_ns)
{
	struct turns_node *tn = &cluster_of(vm)->turns;
	const struct turns *t = &tn->t;

	/* (now may be older than asked_since: read before this pass's poll) */
	if (!t->on || t->have || t->free || !t->asked_since || now <= t->asked_since ||
	    now - t->asked_since < wait_ns || now - tn->said < wait_ns)
		return;
	tn->said = now;
	if (t->passed_to >= 0)
		pr_warn("turns: this node has waited %llu ms for the turn (asked %llu times; it "
			"last passed the token to node %d%s)\n",
			(unsigned long long)((now - t->asked_since) / 1000000),
			(unsigned long long)t->wants, t->passed_to,
			net_node_up((u32)t->passed_to) ? "" : ", which is down");
	else
		pr_warn("turns: this node has waited %llu ms for the turn (asked %llu times; it "
			"never had the token)\n",
			(unsigned long long)((now - t->asked_since) / 1000000),
			(unsigned long long)t->wants);
}

const char *turns_state(const struct vm *vm)
{
	struct turns_node *tn = &cluster_of(vm)->turns;
	return !tn->t.on     ? ""
	       : tn->t.free  ? "; in a free phase (all nodes run)"
	       : tn->t.have  ? "; this node has the turn"
	       : tn->t.asked ? "; turn asked for"
			     : "";
}

static void recv_turn(void *ctx, u16 src, const void *data, size_t len)
{
	struct vm *vm = ctx;
	struct turns_node *tn = &cluster_of(vm)->turns;
	int rc = turns_token_receive(&tn->t, src, data, len, time_now_ns());

	if (rc == -E_EXIST)
		pr_warn("turns: node %u passed the token, but this node has it already\n", src);
	else if (rc < 0)
		pr_warn("turns: malformed message (%zu bytes) from node %u dropped\n", len, src);
	log_phase(tn, src);
	if (rc == TURN_RX_END && !tn->t.have)
		kick_others(vm); /* out of the guest: the free phase is over */
	if (rc == TURN_RX_TOKEN) {
		vmdsm_turn_began(vm);
		turn_began(vm);
	}
	if (rc == TURN_RX_TOKEN || rc == TURN_RX_FREE)
		kick_others(vm); /* the other cores wait for it in HLT */
}

int turns_init(struct vm *vm, u32 slice_ms, bool adaptive)
{
	struct turns_node *tn = &cluster_of(vm)->turns;
	turns_token_init(&tn->t, &turns_net_ops, vm, vm->self, vm->nnodes, vm->nlocal,
			 slice_ms * 1000000ULL, time_now_ns());
	if (!tn->t.on)
		return 0;
	if (adaptive)
		turns_token_adapt(&tn->t, false, time_now_ns());
	return net_register(MSG_T_TURN, recv_turn, vm);
}

void turns_settle(struct vm *vm, bool all_walks_read, bool slice_given)
{
	struct turns *t = &cluster_of(vm)->turns.t;
	u32 slice_ms = (u32)(t->slice_ns / 1000000);

	if (t->on && all_walks_read && !slice_given) {
		/* (before any turn message: they begin with the guest) */
		turns_token_adapt(t, true, time_now_ns());
		pr_info("turns: none to begin with: every node walks the guest's page tables with "
			"reads (Intel EPT without A/D flags, or AMD on shadow page tables), so "
			"they "
			"stay shared and the nodes run at once; they take turns of %u ms only "
			"while "
			"the nodes that run wait for pages more than half of the time (slice=0: "
			"never; turns=always: always)\n",
			slice_ms);
	} else if (t->on) {
		pr_info("turns: the nodes' vCPUs take turns of %u ms of progress (time not spent "
			"waiting for pages, up to %u ms more of it; up to %u ms of progress while "
			"every node's turns end by their slice)%s\n",
			slice_ms, slice_ms * (TURNS_MAX_FACTOR - 1), slice_ms * TURNS_GROW,
			t->adaptive ? "; adaptive: phases in which all run at once, until the "
				      "nodes that run wait for pages more than half of the time"
				    : "");
	}
}

void turns_report(const struct vm *vm)
{
	struct turns_node *tn = &cluster_of(vm)->turns;
	const struct turns *t = &tn->t;
	u64 held = t->held_ns, waited = t->waited_ns;

	if (!t->on)
		return;
	if (t->have && !t->free) {
		held += time_now_ns() - t->since;
		waited += t->wait_ns;
	}
	kprintf("turns: %llu turns here, %llu ms in all (%llu ms of it waiting for pages, the "
		"longest turn %llu ms); %llu requests for the turn; passed on "
		"%llu times at the end of the slice (%llu of them at its longest, %llu ms), %llu "
		"with the vCPU halted, %llu yielding after PAUSE, %llu when its compute "
		"stalled, %llu otherwise\n",
		(unsigned long long)t->turns, (unsigned long long)(held / 1000000),
		(unsigned long long)(waited / 1000000),
		(unsigned long long)(t->longest_ns / 1000000), (unsigned long long)t->wants,
		(unsigned long long)t->passed[TURN_SLICE], (unsigned long long)t->grown,
		(unsigned long long)(TURNS_GROW * t->slice_ns / 1000000),
		(unsigned long long)t->passed[TURN_HALTED],
		(unsigned long long)t->passed[TURN_YIELD],
		(unsigned long long)t->passed[TURN_STALL],
		(unsigned long long)t->passed[TURN_OTHER]);
	if (t->adaptive)
		kprintf("turns: %llu free phases (all nodes running), %llu ms in all, the longest "
			"%llu ms; %llu ended here as the holder, the running nodes waiting; %llu "
			"begun "
			"here "
			"early for a quiet turn\n",
			(unsigned long long)t->frees,
			(unsigned long long)((t->free_ns +
					      (t->free ? time_now_ns() - t->free_began : 0)) /
					     1000000),
			(unsigned long long)(t->longest_free_ns / 1000000),
			(unsigned long long)t->ended_here, (unsigned long long)t->quiet_probes);
}
