// SPDX-License-Identifier: GPL-2.0-only
/*
 * Glue between dsm/ and the monitor (see vmm/cluster/vmdsm.h). The protocol runs on
 * the boot core only, with the network: the other cores hand their faults,
 * yields and accesses to it (vmm/cluster/handoff.h). set_rights() therefore runs on
 * the boot core; when it takes rights away it waits until no other core runs
 * the guest on the old ones (vm_flush_guest_tlbs), which is the protocol's
 * "no CPU of the node uses older rights".
 */
#include "vmm/cluster/vmdsm.h"
#include "dsm/dsm.h"
#include "vmm/host/tsc.h"
#include "net/msg.h"
#include "net/net.h"
#include "vmm/cluster/handoff.h"
#include "vmm/lib/klib.h"
#include "vmm/dev/irq.h"
#include "vmm/host/log.h"
#include "vmm/host/mm.h"
#include "vmm/host/paging.h"
#include "vmm/host/panic.h"
#include "vmm/host/power.h"
#include "vmm/cluster/turns.h"
#include "vmm/cluster/vmdsm_prefetch.h"
#include "vmm/virt/virt.h"
#include "vmm/lib/x86.h"

#define VMDSM_PIN_NS		 2000000ULL /* how long a fetched page stays for the vCPU that wanted it */
#define VMDSM_MONITOR_SLOW_NS	 2000000000ULL	/* a monitor access waiting this long is reported */
#define VMDSM_MONITOR_GIVE_UP_NS 30000000000ULL /* ... and given up after this long */

struct vm_dsm {
	struct dsm_node *node;
	struct vm *vm;
	struct dsm_hold monitor_hold; /* the monitor's own accesses (vmdsm_acquire_sync) */
	volatile bool monitor_done;
	bool monitor_busy;
};

static struct vm_dsm vmdsm;

#define VCPU_DSM_HOLDS 16 /* recent pages a vCPU keeps pinned (held has a bit each) */

/* A vCPU's pages: the holds of its last faults, most recent at cur, each pinned here for
 * the protocol's pin time (fault_here). */
struct vcpu_pages {
	struct dsm_hold holds[VCPU_DSM_HOLDS];
	u8 cur;
	u16 held;  /* bit i: holds[i] is in use */
	u16 chain; /* the holds of the faults at chain_rip */
	u64 chain_rip;
	u64 wait_since;		      /* when it began waiting for its page */
	u64 walk_faults, data_faults; /* on its page-table walks / on other accesses */
	volatile bool yield_queued;   /* a yield is queued for the boot core (vmdsm_yield) */
};

static struct vcpu_pages vcpu_pages[VM_MAX_VCPUS];

static struct vcpu_pages *pages_of(const struct vcpu *v)
{
	return &vcpu_pages[v->id];
}

u64 vmdsm_wait_since(const struct vcpu *v)
{
	return pages_of(v)->wait_since;
}

void vmdsm_turn_began(struct vm *vm)
{
	if (vmdsm.vm)
		vmpf_turn_began();
}
static void print_hot_pages(const char *prefix);
static void print_vcpu_faults(const char *prefix, struct vm *vm);

/* A protocol message that cannot be queued is lost, and the page's holders would wait for
 * ever: stop the guest, saying why, instead. */
static int op_send(void *ctx, unsigned dst, const void *hdr, size_t hdr_len, const void *payload,
		   size_t payload_len)
{
	int rc = msg_send_parts(net_msg_layer(), (u16)dst, MSG_T_DSM, hdr, hdr_len, payload,
				payload_len);

	if (rc && !((struct vm_dsm *)ctx)->vm->stopped) { /* said once: the stop follows */
		net_msg_line("dsm: message layer: ");
		vm_stop(((struct vm_dsm *)ctx)->vm, EXIT_GUEST_STOPPED,
			"dsm: a protocol message for node %u could not be queued (error %d: the "
			"message layer's buffers are full)",
			dst, rc);
	}
	return rc;
}

static uint64_t op_now(void *ctx)
{
	return time_now_ns();
}

static void *op_frame(void *ctx, uint64_t page)
{
	return vm_gpa_ptr(((struct vm_dsm *)ctx)->vm, page << PAGE_SHIFT, PAGE_SIZE);
}

static void op_set_rights(void *ctx, uint64_t page, enum dsm_rights rights)
{
	struct vm *vm = ((struct vm_dsm *)ctx)->vm;
	u32 prot = rights == DSM_WRITE ? SPACE_RWX : rights == DSM_READ ? SPACE_R | SPACE_X : 0;
	int old = nested_rights(&vm->space, page << PAGE_SHIFT);

	nested_protect(&vm->space, page << PAGE_SHIFT, prot);
	if (old > 0 && ((u32)old & ~prot))
		vmpf_note_lost(page);
	/* More rights: a stale entry only faults again. Fewer: no core may go on
	 * using them, as the page's contents are about to leave. */
	vm_flush_guest_tlbs(vm, old < 0 || ((u32)old & ~prot));
}

/* How long vCPUs waited for their pages: a reservoir sample, for the median and p90. */
#define WAIT_SAMPLES 4096
static u32 wait_us[WAIT_SAMPLES];
static u64 nwaits;
static u64 wait_rng = 0x9e3779b97f4a7c15ULL;

static void record_wait(u64 ns)
{
	u64 slot = nwaits++;

	if (slot >= WAIT_SAMPLES) {
		wait_rng = wait_rng * 6364136223846793005ULL + 1442695040888963407ULL;
		slot = (wait_rng >> 33) % nwaits;
		if (slot >= WAIT_SAMPLES)
			return;
	}
	wait_us[slot] = (u32)MIN(ns / 1000, 0xffffffffULL);
}

static void op_resume(void *ctx, struct dsm_hold *h)
{
	if (vmpf_resume(h))
		return;
	if (h->cookie) {
		struct vcpu *v = h->cookie;
		u64 now = time_now_ns();
		record_wait(now - pages_of(v)->wait_since);
		turns_note_wait(pages_of(v)->wait_since, now);
		__atomic_store_n(&v->mem_waiting, false, __ATOMIC_RELEASE);
		vcpu_kick(v); /* (another core's vCPU sleeps until then) */
	} else
		((struct vm_dsm *)ctx)->monitor_done = true;
}

static const struct dsm_ops vmdsm_ops = {
	op_send, op_now, op_frame, op_set_rights, NULL, op_resume,
};

static void recv_dsm(void *ctx, u16 src, const void *data, size_t len)
{
	int rc = dsm_receive(((struct vm_dsm *)ctx)->node, src, data, len);

	if (rc < 0)
		pr_warn("dsm: message from node %u rejected (error %d)\n", src, rc);
}

int vmdsm_init(struct vm *vm, bool prefetch)
{
	static uint64_t home_start[VM_MAX_VCPUS];
	struct dsm_config c = { .self = vm->self,
				.nnodes = vm->nnodes,
				.npages = vm->mem_size >> PAGE_SHIFT,
				/* the same on every node: enough for any node's vCPUs */
				.max_holds = vm->nvcpus * VCPU_DSM_HOLDS + 1 + VMPF_HOLDS,
				.max_hold_pages = 2,
				.pin_ns = VMDSM_PIN_NS,
				.home_start = home_start };
	size_t size;
	hpa_t mem;
	int rc;

	for (u32 n = 0; n < vm->nnodes; n++) {
		u64 len;
		vm_home_range(vm, n, &home_start[n], &len);
		home_start[n] >>= PAGE_SHIFT;
	}
	size = dsm_mem_size(&c);
	mem = page_alloc(ALIGN_UP(size, PAGE_SIZE) / PAGE_SIZE, 1);

	if (!mem)
		return -E_NOMEM;
	vmdsm.vm = vm;
	rc = dsm_init(&vmdsm.node, &c, &vmdsm_ops, &vmdsm, hpa_to_ptr(mem), size);
	if (rc == 0)
		rc = prefetch ? vmpf_init(vmdsm.node, c.npages) : 0;
	if (rc == 0)
		rc = net_register(MSG_T_DSM, recv_dsm, &vmdsm);
	if (rc)
		return rc;
	/* Nothing is mapped until the protocol grants it. */
	for (gpa_t gpa = 0; gpa < vm->mem_size && rc == 0; gpa += PAGE_SIZE)
		rc = nested_protect(&vm->space, gpa, 0);
	pr_info("dsm: %llu pages, %u nodes, %zu KiB of protocol state\n",
		(unsigned long long)c.npages, c.nnodes, size >> 10);
	return rc;
}

/*
 * Each fault takes the next of the vCPU's holds, releasing the page that hold had
 * (VCPU_DSM_HOLDS faults ago). Until then a page stays pinned here for pin_ns after
 * it arrived, even if a peer asks: without that, two vCPUs on different nodes that
 * both need a page (a guest page table: AMD's nested walk treats reading one as a
 * write) pass it back and forth at every exit and neither makes progress.
 *
 * The faults at one RIP form a chain: one instruction that needs several pages
 * (code, data, page tables). A new fault never recycles a hold of the chain, or
 * the instruction might never retire. A vCPU that yields (vmdsm_yield) lets go
 * of every page but the one it waits for.
 */
static void fault_here(struct vcpu *v, gpa_t gpa, bool write, bool walk)
{
	u8 slot = pages_of(v)->cur;
	struct dsm_hold *h;
	int rc;

	if (v->regs.rip != pages_of(v)->chain_rip) {
		pages_of(v)->chain_rip = v->regs.rip;
		pages_of(v)->chain = 0;
	}
	for (u8 i = 0; i < VCPU_DSM_HOLDS; i++) { /* the next slot outside the chain */
		slot = (u8)((slot + 1) % VCPU_DSM_HOLDS);
		if (!(pages_of(v)->chain & (1u << slot)))
			break;
	}
	h = &pages_of(v)->holds[slot];
	if (pages_of(v)->held & (1u << slot))
		dsm_release(vmdsm.node, h);
	pages_of(v)->held &= (u16) ~(1u << slot);
	pages_of(v)->cur = slot;
	h->cookie = v;
	if (walk)
		pages_of(v)->walk_faults++;
	else
		pages_of(v)->data_faults++;
	write = write || vmpf_wants_write(gpa >> PAGE_SHIFT);
	rc = dsm_acquire(vmdsm.node, h, gpa & PAGE_MASK, 1, write);
	/* (after: the faulting page's request goes out before any read-ahead's) */
	vmpf_note_fault(gpa >> PAGE_SHIFT, write);
	if (rc == 0) {
		__atomic_store_n(&v->mem_waiting, false, __ATOMIC_RELEASE);
		vcpu_kick(v);
	} else if (rc != DSM_PENDING) {
		vm_stop(v->vm, EXIT_GUEST_STOPPED,
			"vCPU %u: the coherence protocol refused %s "
			"access to guest-physical %#llx (error %d)",
			v->id, write ? "write" : "read", (unsigned long long)gpa, rc);
		return;
	}
	pages_of(v)->held |= (u16)(1u << slot);
	pages_of(v)->chain |= (u16)(1u << slot);
}

struct fault_work {
	struct vcpu *v;
	gpa_t gpa;
	bool write, walk;
};

static void fault_work(struct vm *vm, void *data)
{
	struct fault_work *w = data;

	fault_here(w->v, w->gpa, w->write, w->walk);
}

/* The vCPU waits (mem_waiting) from now until the boot core has the page for it. */
void vmdsm_fault(struct vcpu *v, gpa_t gpa, bool write, bool walk)
{
	struct fault_work w = { v, gpa, write, walk };

	pages_of(v)->wait_since = time_now_ns();
	__atomic_store_n(&v->mem_waiting, true, __ATOMIC_RELEASE);
	handoff(v->vm, fault_work, &w, sizeof(w));
}

static void yield_work(struct vm *vm, void *data)
{
	struct vcpu *v = *(struct vcpu **)data;
	__atomic_store_n(&pages_of(v)->yield_queued, false, __ATOMIC_RELEASE);
	/* The hold it waits on, if any, stays: its grant will resume the vCPU. */
	u16 keep = v->mem_waiting ? (u16)(1u << pages_of(v)->cur) : 0;

	for (u8 i = 0; i < VCPU_DSM_HOLDS; i++)
		if ((pages_of(v)->held & ~keep) & (1u << i))
			dsm_release(vmdsm.node, &pages_of(v)->holds[i]);
	pages_of(v)->held &= keep;
	pages_of(v)->chain &= keep;
}

/* (One queued yield per vCPU is enough: a vCPU spinning on a lock yields at every
 * PAUSE, once a millisecond, whether or not the boot core kept up.) */
void vmdsm_yield(struct vcpu *v)
{
	if (vmdsm.vm && !__atomic_exchange_n(&pages_of(v)->yield_queued, true, __ATOMIC_ACQ_REL))
		handoff(v->vm, yield_work, &v, sizeof(v));
}

void vmdsm_poll(struct vm *vm)
{
	if (!vmdsm.vm)
		return;
	dsm_poll(vmdsm.node);
	vmpf_poll(turns_may_run(vm));
}

void vmdsm_wait_line(struct vm *vm, const struct vcpu *v, u64 waited_ns)
{
	u64 page = pages_of(v)->holds[pages_of(v)->cur].cur;
	unsigned home = dsm_home_of(vmdsm.node, page);
	struct dsm_page_info pi = { 0 };
	struct dsm_dir_info di = { 0 };

	dsm_page_info(vmdsm.node, page, &pi);
	pr_warn("dsm: vCPU %u has waited %llu ms for guest-physical page %#llx: home node %u",
		v->id, (unsigned long long)(waited_ns / 1000000),
		(unsigned long long)(page << PAGE_SHIFT), home);
	if (home == vm->self && dsm_dir_info(vmdsm.node, page, &di) == 0)
		kprintf(", owner node %u (%s, %u other sharers)", di.owner,
			di.mode == DSM_DIR_ZERO	  ? "never written"
			: di.mode == DSM_DIR_EXCL ? "writable"
						  : "shared",
			di.nsharers);
	else
		kprintf(" (which knows its owner)");
	kprintf("; here: rights %u, asking for %u, %u requests deferred%s\n", pi.rights, pi.pending,
		pi.deferred, turns_state());
}

u64 vmdsm_next_deadline(struct vm *vm)
{
	u64 t = vmdsm.vm ? dsm_next_deadline(vmdsm.node) : UINT64_MAX;

	return t == UINT64_MAX ? 0 : t;
}

void vmdsm_stats_line(struct vm *vm)
{
	const struct dsm_stats *s;
	u64 held = 0, writable = 0;

	if (!vmdsm.vm)
		return;
	s = dsm_stats(vmdsm.node);
	for (u64 p = 0; p < vm->mem_size >> PAGE_SHIFT; p++) {
		struct dsm_page_info pi;
		if (dsm_page_info(vmdsm.node, p, &pi) == 0 && pi.rights != DSM_NONE) {
			held++;
			writable += pi.rights == DSM_WRITE;
		}
	}
	kprintf("stats: dsm: %llu read and %llu write faults sent, %llu served locally, %llu "
		"served as home; %llu pages held (%llu writable); %llu KiB sent\n",
		(unsigned long long)s->faults[0], (unsigned long long)s->faults[1],
		(unsigned long long)s->hits, (unsigned long long)s->home_faults,
		(unsigned long long)held, (unsigned long long)writable,
		(unsigned long long)(s->bytes >> 10));
	for (u32 i = vm->first_local; i < vm->first_local + vm->nlocal; i++)
		if (vm->vcpus[i].mem_waiting)
			kprintf("stats: dsm: vCPU %u waits for page %#llx\n", i,
				(unsigned long long)(pages_of(&vm->vcpus[i])
							     ->holds[pages_of(&vm->vcpus[i])->cur]
							     .cur
						     << PAGE_SHIFT));
	print_vcpu_faults("stats: dsm: ", vm);
	print_hot_pages("stats: dsm: ");
}

/* The ten home pages peers fault on most, hottest first. */
static void print_hot_pages(const char *prefix)
{
	const struct dsm_stats *s = dsm_stats(vmdsm.node);
	bool used[DSM_HOT_PAGES] = { false };

	kprintf("%shottest pages homed here (requests served):", prefix);
	for (unsigned k = 0; k < 10; k++) {
		int best = -1;
		for (unsigned i = 0; i < DSM_HOT_PAGES; i++)
			if (!used[i] && s->hot[i].faults &&
			    (best < 0 || s->hot[i].faults > s->hot[best].faults))
				best = (int)i;
		if (best < 0)
			break;
		used[best] = true;
		kprintf(" %#llx (%llu)", (unsigned long long)(s->hot[best].page << PAGE_SHIFT),
			(unsigned long long)s->hot[best].faults);
	}
	kprintf("\n");
}

/* Shell sort (Ciura's gaps): a few thousand samples, once, when the guest stops. */
static void sort_u32(u32 *a, u64 n)
{
	static const u64 gaps[] = { 701, 301, 132, 57, 23, 10, 4, 1 };

	for (unsigned g = 0; g < ARRAY_SIZE(gaps); g++)
		for (u64 i = gaps[g]; i < n; i++) {
			u32 x = a[i];
			u64 j = i;
			for (; j >= gaps[g] && a[j - gaps[g]] > x; j -= gaps[g])
				a[j] = a[j - gaps[g]];
			a[j] = x;
		}
}

/* The distribution of vCPU waits for pages (faults served locally take no wait). */
static void print_waits(const char *prefix)
{
	u64 n = MIN(nwaits, (u64)WAIT_SAMPLES);

	if (!n)
		return;
	sort_u32(wait_us, n);
	kprintf("%svCPU waits for pages: %llu, median %u us, p90 %u us, p99 %u us, longest "
		"sampled %u us\n",
		prefix, (unsigned long long)nwaits, wait_us[n / 2], wait_us[n * 9 / 10],
		wait_us[n * 99 / 100], wait_us[n - 1]);
}

static void print_vcpu_faults(const char *prefix, struct vm *vm)
{
	for (u32 i = vm->first_local; i < vm->first_local + vm->nlocal; i++) {
		const struct vcpu *v = &vm->vcpus[i];
		kprintf("%svCPU %u: %llu faults on its page-table walks, %llu on other accesses; "
			"%llu yields after PAUSE\n",
			prefix, i, (unsigned long long)pages_of(v)->walk_faults,
			(unsigned long long)pages_of(v)->data_faults,
			(unsigned long long)v->pause_yields);
	}
}

void vmdsm_report(struct vm *vm)
{
	const struct dsm_stats *s;

	if (!vmdsm.vm)
		return;
	s = dsm_stats(vmdsm.node);
	kprintf("dsm: %llu read and %llu write faults sent, %llu served locally; %llu pages "
		"sent, %llu transfers skipped (same version), %llu zero pages granted\n",
		(unsigned long long)s->faults[0], (unsigned long long)s->faults[1],
		(unsigned long long)s->hits, (unsigned long long)s->data_sent,
		(unsigned long long)s->same_skips, (unsigned long long)s->zero_grants);
	kprintf("dsm: %llu messages, %llu bytes on the wire; %llu requests served as home; "
		"faults took %llu us on average, the slowest %llu us; %llu bad messages\n",
		(unsigned long long)(s->msgs[DSM_MSG_REQ] + s->msgs[DSM_MSG_FWD] +
				     s->msgs[DSM_MSG_INV] + s->msgs[DSM_MSG_GRANT] +
				     s->msgs[DSM_MSG_ACK]),
		(unsigned long long)s->bytes, (unsigned long long)s->home_faults,
		(unsigned long long)(s->fault_ns_sum / 1000 / MAX(s->faults[0] + s->faults[1], 1)),
		(unsigned long long)(s->fault_ns_max / 1000), (unsigned long long)s->bad_msgs);
	print_vcpu_faults("dsm: ", vm);
	vmpf_report("dsm: ");
	print_waits("dsm: ");
	print_hot_pages("dsm: ");
}

/* Waits for the monitor's hold on page gpa; says so if that takes long, gives up at last. */
static int monitor_wait(gpa_t gpa, bool write)
{
	u64 t0 = time_now_ns();
	bool said = false;

	while (!vmdsm.monitor_done) {
		u64 waited = time_now_ns() - t0;
		struct dsm_page_info pi;
		if (!said && waited > VMDSM_MONITOR_SLOW_NS) {
			dsm_page_info(vmdsm.node, gpa >> PAGE_SHIFT, &pi);
			pr_warn("dsm: the monitor has waited %llu ms for %s rights on "
				"guest-physical "
				"%#llx (home node %u; rights here %u, request pending %u, %u "
				"deferred)\n",
				(unsigned long long)(waited / 1000000), write ? "write" : "read",
				(unsigned long long)gpa, dsm_home_of(vmdsm.node, gpa >> PAGE_SHIFT),
				pi.rights, pi.pending, pi.deferred);
			said = true;
		}
		if (waited > VMDSM_MONITOR_GIVE_UP_NS) {
			pr_err("dsm: no grant for guest-physical %#llx in %llu s: giving up\n",
			       (unsigned long long)gpa,
			       (unsigned long long)(VMDSM_MONITOR_GIVE_UP_NS / 1000000000));
			return -E_TIMEDOUT;
		}
		if (__atomic_load_n(&vmdsm.vm->stopped, __ATOMIC_ACQUIRE))
			return -E_CANCELED;
		net_poll();
		dsm_poll(vmdsm.node);
	}
	return 0;
}

/*
 * Takes one page at a time through the protocol, waiting for each. Called on the
 * boot core (which also runs the network), so waiting means polling it. Every page
 * stays this node's until a peer asks for it, which it can only do through
 * net_poll(): a caller that touches the memory before polling again is safe.
 */
int vmdsm_acquire_sync(struct vm *vm, gpa_t gpa, u64 len, bool write)
{
	int rc = 0;

	if (!len)
		return 0;
	/* The boot core only (vmdsm_copy hands the others' accesses to it), and not from
	 * inside a network message handler: nothing would poll the network for the page. */
	BUG_ON(!on_boot_core());
	BUG_ON(net_in_poll());
	if (vmdsm.monitor_busy) {
		pr_err("dsm: the monitor's page access at %#llx nested in another\n",
		       (unsigned long long)gpa);
		return -E_BUSY;
	}
	vmdsm.monitor_busy = true;
	for (gpa_t p = gpa & PAGE_MASK; p < gpa + len && rc == 0; p += PAGE_SIZE) {
		vmdsm.monitor_hold.cookie = NULL;
		vmdsm.monitor_done = false;
		rc = dsm_acquire(vmdsm.node, &vmdsm.monitor_hold, p, 1, write);
		if (rc == DSM_PENDING) {
			/* dsm_poll too: our request may queue behind a peer's that waits
			 * for a pin of this node's own vCPU to run out. */
			rc = monitor_wait(p, write);
		}
		if (rc == 0)
			dsm_release(vmdsm.node, &vmdsm.monitor_hold);
	}
	vmdsm.monitor_busy = false;
	return rc;
}

/* Page by page: a page is copied right after it is taken, before the next wait
 * polls the network (where a peer could take it back). */
static int copy_here(struct vm *vm, gpa_t gpa, u8 *buf, u64 len, bool write)
{
	u8 *p = vm_gpa_ptr(vm, gpa, len);

	if (!p)
		return -E_NOENT;
	while (len) {
		u64 chunk = MIN(len, PAGE_SIZE - (gpa & (PAGE_SIZE - 1)));
		int rc = vmdsm_acquire_sync(vm, gpa, chunk, write);
		if (rc)
			return rc;
		if (write)
			memcpy(p, buf, chunk);
		else
			memcpy(buf, p, chunk);
		gpa += chunk;
		p += chunk;
		buf += chunk;
		len -= chunk;
	}
	return 0;
}

/*
 * Another core's access: the boot core takes the pages and copies, between its
 * network polls, so no page can leave in the middle of the copy. The buffer is
 * on the asking core's stack, which waits until the work is done: if the guest
 * stops first, the core stays here (the work may still write to its stack).
 */
#define ACCESS_SLOW_NS (VMDSM_MONITOR_GIVE_UP_NS + 5000000000ULL)

struct access_work {
	struct vcpu *v;
	gpa_t gpa;
	void *buf;
	u64 len;
	bool write;
	int *rc;
	volatile bool *done;
};

static void access_work(struct vm *vm, void *data)
{
	struct access_work *w = data;

	*w->rc = copy_here(vm, w->gpa, w->buf, w->len, w->write);
	__atomic_store_n(w->done, true, __ATOMIC_RELEASE);
	vcpu_kick(w->v);
}

static int access_elsewhere(struct vm *vm, gpa_t gpa, void *buf, u64 len, bool write)
{
	volatile bool done = false;
	int rc = 0, wrc;
	struct access_work w = {
		&vm->vcpus[vm->first_local + this_cpu_id()], gpa, buf, len, write, &rc, &done
	};

	handoff(vm, access_work, &w, sizeof(w));
	while ((wrc = handoff_wait(w.v, &done, ACCESS_SLOW_NS)) != 0) {
		if (wrc == -E_TIMEDOUT)
			pr_warn("dsm: vCPU %u: the boot core has not done its access at %#llx "
				"in %llu s; still waiting\n",
				w.v->id, (unsigned long long)gpa,
				(unsigned long long)(ACCESS_SLOW_NS / 1000000000));
		else
			for (;;)
				cpu_wait_irq(); /* the guest stopped */
	}
	return rc;
}

int vmdsm_copy(struct vm *vm, gpa_t gpa, void *buf, u64 len, bool write)
{
	if (!on_boot_core())
		return access_elsewhere(vm, gpa, buf, len, write);
	return copy_here(vm, gpa, buf, len, write);
}
