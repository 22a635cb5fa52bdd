// SPDX-License-Identifier: GPL-2.0-only
/*
 * Taking turns across nodes (see vmm/cluster/turns.h).
 *
 * Who waits: node n asks by broadcasting WANT with its n-th request number;
 * every node remembers the latest number it heard from each node. The token
 * carries, per node, the number of the request it last served. So n waits
 * exactly when the number heard from n differs from the token's, and a request
 * served once is never served again, whoever heard it.
 */
#include "vmm/cluster/turns.h"
#include "vmm/cluster/vmdsm.h"
#include "net/msg.h"
#include "net/net.h"
#include "vmm/lib/klib.h"
#include "vmm/host/log.h"
#include "vmm/dev/irq.h"
#include "vmm/host/tsc.h"

enum { TURN_WANT = 1, TURN_TOKEN = 2 };

struct turn_msg {
	u8 kind;
	u8 reserved;
	u16 nnodes;
	u32 seq;		   /* WANT: the sender's request number; TOKEN: passes so far */
	u16 served[MSG_MAX_NODES]; /* TOKEN: the request last served, per node */
} __packed;

#define TURN_HDR_LEN 8u

static struct {
	struct vm *vm;
	bool on, have, asked;
	u64 slice_ns, since; /* since: this slice began (a turn nobody waits for has several) */
	u64 began;	     /* this turn began */
	u64 wait_ns;	     /* this turn: time the node's vCPUs waited for pages, summed */
	u32 passes;
	u16 my_seq;
	u16 heard[MSG_MAX_NODES];  /* the latest request number heard from each node */
	u16 served[MSG_MAX_NODES]; /* valid while we have the token */
	u64 turns, held_ns, wants, waited_ns, longest_ns;
	u64 asked_since, said; /* when this node first asked for the turn it waits for */
	int passed_to;	       /* the node this one last passed the token to, or -1 */
	u64 passed_slice, passed_halted, passed_yield, passed_other; /* why the turn went */
} t;

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
		return irq || v->yield_until <= now;
	return true;
}

static bool node_can_run(const struct vm *vm, u64 now)
{
	for (u32 i = vm->first_local; i < vm->first_local + vm->nlocal; i++)
		if (vcpu_can_run(&vm->vcpus[i], now))
			return true;
	return false;
}

/* (With several vCPUs here: yielding if any of them yields, else halted if any is.) */
static void count_pass_reason(const struct vm *vm, bool want)
{
	bool yielding = false, halted = false;

	for (u32 i = vm->first_local; i < vm->first_local + vm->nlocal; i++) {
		yielding |= vm->vcpus[i].yield_until != 0;
		halted |= vm->vcpus[i].halted;
	}
	if (want)
		t.passed_slice++;
	else if (yielding)
		t.passed_yield++;
	else if (halted)
		t.passed_halted++;
	else
		t.passed_other++;
}

static int next_waiting(const struct vm *vm)
{
	for (u32 k = 1; k < vm->nnodes; k++) {
		u32 n = (vm->self + k) % vm->nnodes;
		if (t.heard[n] != t.served[n] && net_node_up(n))
			return (int)n;
	}
	return -1;
}

static void pass_token(struct vm *vm, u32 to, u64 now)
{
	struct turn_msg m = { .kind = TURN_TOKEN, .nnodes = (u16)vm->nnodes, .seq = ++t.passes };

	t.served[to] = t.heard[to];
	memcpy(m.served, t.served, vm->nnodes * sizeof(u16));
	t.have = false;
	t.passed_to = (int)to;
	t.held_ns += now - t.since;
	t.waited_ns += t.wait_ns;
	t.longest_ns = MAX(t.longest_ns, now - t.began);
	if (msg_send(net_msg_layer(), (u16)to, MSG_T_TURN, &m, TURN_HDR_LEN + vm->nnodes * 2u)) {
		/* Not queued: keep it rather than lose it for everyone. */
		pr_warn("turns: the token could not be sent to node %u; keeping it\n", to);
		t.have = true;
		t.since = t.began = now;
		t.wait_ns = 0;
		return;
	}
	for (u32 i = vm->first_local + 1; i < vm->first_local + vm->nlocal; i++)
		vcpu_kick(&vm->vcpus[i]); /* out of the guest: the turn is over */
}

/* Asks every node (whoever has the token must hear it); if a node could not be
 * asked, asks again at the next poll, with a new number. */
static void ask(struct vm *vm)
{
	struct turn_msg m = { .kind = TURN_WANT, .nnodes = (u16)vm->nnodes, .seq = ++t.my_seq };
	bool all = true;

	for (u32 n = 0; n < vm->nnodes; n++)
		if (n != vm->self && net_node_up(n) &&
		    msg_send(net_msg_layer(), (u16)n, MSG_T_TURN, &m, TURN_HDR_LEN) != 0)
			all = false;
	if (!t.asked_since)
		t.asked_since = time_now_ns();
	t.asked = all;
	t.wants++;
}

/*
 * Has this turn lasted its slice? The slice counts the node's progress, not wall
 * time: the time its vCPUs waited for pages does not count (with several vCPUs,
 * their waits over their number), up to TURNS_MAX_FACTOR slices of wall time.
 * Why: a turn begins by fetching the pages the other nodes wrote during theirs,
 * which takes longer on a slower host or network; counted in wall time, the
 * slice left less work done per turn there, so more turns and more fetching for
 * the same work. Measured on a 2-node boot (50 ms wall slices), the vCPUs spent
 * about 80% of their turns waiting for pages.
 */
static u64 slice_end(const struct vm *vm)
{
	u64 waited = t.wait_ns / MAX(vm->nlocal, 1u);

	return t.since + MIN(t.slice_ns + waited, TURNS_MAX_FACTOR * t.slice_ns);
}

static bool slice_over(const struct vm *vm, u64 now)
{
	/* (now < since: read before the network poll that brought the token) */
	return now >= t.since && now >= slice_end(vm);
}

void turns_note_wait(u64 since, u64 now)
{
	/* Only the part of the wait within this turn: a vCPU often waits for a page
	 * from before the token came. */
	if (t.have && now > MAX(since, t.since))
		t.wait_ns += now - MAX(since, t.since);
}

void turns_poll(struct vm *vm, u64 now)
{
	bool want;
	int next;

	if (!t.on)
		return;
	want = node_can_run(vm, now);
	if (!t.have) {
		if (want && !t.asked)
			ask(vm);
		return;
	}
	if (want && !slice_over(vm, now))
		return;
	next = next_waiting(vm);
	if (next < 0) {
		/* Nobody waits: a new slice here (the turn goes on, and so does its count). */
		t.held_ns += now - t.since;
		t.waited_ns += t.wait_ns;
		t.since = now;
		t.wait_ns = 0;
		return;
	}
	count_pass_reason(vm, want);
	pass_token(vm, (u32)next, now);
	if (want)
		ask(vm);
}

u64 turns_next_deadline(const struct vm *vm)
{
	/* (later waits move it on: the next poll asks again) */
	return t.on && t.have && next_waiting(vm) >= 0 ? slice_end(vm) : 0;
}

bool turns_idle(const struct vm *vm)
{
	return t.on && !t.have && !t.asked;
}

bool turns_may_run(const struct vm *vm)
{
	return !t.on || t.have;
}

bool turns_others_wait(const struct vm *vm)
{
	return t.on && t.have && next_waiting(vm) >= 0;
}

void turns_check_wait(const struct vm *vm, u64 now, u64 wait_ns)
{
	/* (now may be older than asked_since: read before this pass's poll) */
	if (!t.on || t.have || !t.asked_since || now <= t.asked_since ||
	    now - t.asked_since < wait_ns || now - t.said < wait_ns)
		return;
	t.said = now;
	if (t.passed_to >= 0)
		pr_warn("turns: this node has waited %llu ms for the turn (asked %llu times; it "
			"last passed the token to node %d%s)\n",
			(unsigned long long)((now - t.asked_since) / 1000000),
			(unsigned long long)t.wants, t.passed_to,
			net_node_up((u32)t.passed_to) ? "" : ", which is down");
	else
		pr_warn("turns: this node has waited %llu ms for the turn (asked %llu times; it "
			"never had the token)\n",
			(unsigned long long)((now - t.asked_since) / 1000000),
			(unsigned long long)t.wants);
}

const char *turns_state(void)
{
	return !t.on ? "" : t.have ? "; this node has the turn" : t.asked ? "; turn asked for" : "";
}

static void recv_turn(void *ctx, u16 src, const void *data, size_t len)
{
	struct vm *vm = ctx;
	struct turn_msg m;

	memset(&m, 0, sizeof(m));
	memcpy(&m, data, MIN(len, sizeof(m)));
	if (len < TURN_HDR_LEN || m.nnodes != vm->nnodes || src >= vm->nnodes ||
	    (m.kind == TURN_WANT && len != TURN_HDR_LEN) ||
	    (m.kind == TURN_TOKEN && len != TURN_HDR_LEN + vm->nnodes * 2u) ||
	    (m.kind != TURN_WANT && m.kind != TURN_TOKEN)) {
		pr_warn("turns: malformed message (%zu bytes) from node %u dropped\n", len, src);
		return;
	}
	if (m.kind == TURN_WANT) {
		t.heard[src] = (u16)m.seq;
		return;
	}
	if (t.have) {
		pr_warn("turns: node %u passed the token, but this node has it already\n", src);
		return;
	}
	memcpy(t.served, m.served, vm->nnodes * sizeof(u16));
	t.passes = m.seq;
	t.have = true;
	t.asked = false;
	t.since = t.began = time_now_ns();
	t.wait_ns = 0;
	t.asked_since = 0;
	t.turns++;
	vmdsm_turn_began(vm);
	for (u32 i = vm->first_local + 1; i < vm->first_local + vm->nlocal; i++)
		vcpu_kick(&vm->vcpus[i]); /* the other cores wait for it in HLT */
}

int turns_init(struct vm *vm, u32 slice_ms)
{
	t.vm = vm;
	t.on = vm->nnodes > 1 && slice_ms > 0;
	t.slice_ns = slice_ms * 1000000ULL;
	t.have = vm->self == 0; /* node 0 starts: its vCPU 0 boots the guest */
	t.passed_to = -1;
	t.since = t.began = time_now_ns();
	if (!t.on)
		return 0;
	pr_info("turns: the nodes' vCPUs take turns of %u ms of progress (time not spent "
		"waiting for pages), at most %u ms\n",
		slice_ms, slice_ms * TURNS_MAX_FACTOR);
	return net_register(MSG_T_TURN, recv_turn, vm);
}

void turns_report(const struct vm *vm)
{
	if (!t.on)
		return;
	if (t.have)
		t.held_ns += time_now_ns() - t.since;
	kprintf("turns: %llu turns here, %llu ms in all (%llu ms of it waiting for pages, the "
		"longest turn %llu ms); %llu requests for the turn; passed on "
		"%llu times at the end of the slice, %llu with the vCPU halted, %llu yielding "
		"after PAUSE, %llu otherwise\n",
		(unsigned long long)t.turns + (vm->self == 0),
		(unsigned long long)(t.held_ns / 1000000),
		(unsigned long long)(t.waited_ns / 1000000),
		(unsigned long long)(t.longest_ns / 1000000), (unsigned long long)t.wants,
		(unsigned long long)t.passed_slice, (unsigned long long)t.passed_halted,
		(unsigned long long)t.passed_yield, (unsigned long long)t.passed_other);
}
