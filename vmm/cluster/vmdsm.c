// SPDX-License-Identifier: GPL-2.0-only
/*
 * Glue between dsm/ and the monitor (see vmm/cluster/vmdsm.h). The protocol runs on
 * the boot core only, with the network: the other cores hand their faults,
 * yields and accesses to it (vmm/cluster/handoff.h). set_rights() therefore runs on
 * the boot core; when it takes rights away it waits until no other core runs
 * the guest on the old ones (vm_flush_guest_tlbs), which is the protocol's
 * "no CPU of the node uses older rights". The monitor's own accesses are in
 * vmdsm_mem.c, the reports in vmdsm_report.c.
 */
#include "vmm/cluster/vmdsm.h"
#include "vmm/cluster/vmdsm_internal.h"
#include "vmm/cluster/cluster_internal.h"
#include "dsm/dsm.h"
#include "vmm/host/tsc.h"
#include "net/msg.h"
#include "net/net.h"
#include "vmm/cluster/handoff.h"
#include "vmm/lib/klib.h"
#include "vmm/virt/irq.h"
#include "vmm/host/lapic.h"
#include "vmm/host/log.h"
#include "vmm/host/mm.h"
#include "vmm/host/paging.h"
#include "vmm/host/panic.h"
#include "vmm/host/power.h"
#include "vmm/cluster/turns.h"
#include "vmm/cluster/vmdsm_prefetch.h"
#include "vmm/virt/virt.h"
#include "vmm/virt/shadow_vm.h"
#include "vmm/lib/x86.h"
#include "vmm/lib/config.h"

/* The cluster file's least cache (vmm/lib/config.h) holds what vmdsm_init asks for: the
 * pages every hold may pin, twice over, and 128 frames to evict ahead. */
_Static_assert(2 * VCPU_DSM_HOLDS * 2 * PAGE_SIZE <= CFG_MIN_CACHE_PER_VCPU &&
		       (2 * (1 + VMPF_HOLDS) * 2 + 128) * PAGE_SIZE <= CFG_MIN_CACHE,
	       "the least cache in the cluster file is too small for the protocol");

struct vcpu_pages *vmdsm_pages_of(const struct vcpu *v)
{
	return &vmdsm_of(v->vm)->pages[v->id];
}

u64 vmdsm_wait_since(const struct vcpu *v)
{
	return vmdsm_pages_of(v)->wait_since;
}

void vmdsm_turn_began(struct vm *vm)
{
	vmpf_turn_began(&vmdsm_of(vm)->pf);
}

/*
 * The protocol sends and never waits; the message layer has a fixed pool of buffers, which
 * a peer slow to acknowledge (a slow node or NIC, one busy building its part of the guest)
 * fills: a burst of answers, page data each, can outrun it. Such messages wait here, in
 * order, and go before any newer one (the protocol relies on each peer's messages
 * arriving in order). Only when this queue too is full is a message lost, and the page's
 * holders would wait for ever: the guest stops, saying why.
 */
static void lost(struct vm_dsm *d, unsigned dst, int rc)
{
	if (d->vm->stopped) /* said once: the stop follows */
		return;
	net_msg_line("dsm: message layer: ");
	vm_stop(d->vm, EXIT_GUEST_STOPPED,
		"dsm: a protocol message for node %u could not be queued (error %d: the message "
		"layer's buffers are full, and the %u messages waiting for them too)",
		dst, rc, VMDSM_OUTQ_SLOTS);
}

/* Sends what waits, oldest first, until the layer has no buffer again. */
static void outq_flush(struct vm_dsm *d)
{
	struct vmdsm_outq *q = d->outq;

	while (q->n) {
		typeof(q->slot[0]) *m = &q->slot[q->head];
		int rc = msg_send_parts(net_msg_layer(), m->dst, MSG_T_DSM, m->data, m->len, NULL,
					0);

		if (rc == -MSG_E_AGAIN)
			return;
		if (rc) {
			lost(d, m->dst, rc);
			return;
		}
		q->head = (q->head + 1) % VMDSM_OUTQ_SLOTS;
		q->n--;
	}
}

static int op_send(void *ctx, unsigned dst, const void *hdr, size_t hdr_len, const void *payload,
		   size_t payload_len)
{
	struct vm_dsm *d = ctx;
	struct vmdsm_outq *q = d->outq;
	typeof(q->slot[0]) *m;
	int rc = -MSG_E_AGAIN;

	if (!q->n) /* (else after those that wait) */
		rc = msg_send_parts(net_msg_layer(), (u16)dst, MSG_T_DSM, hdr, hdr_len, payload,
				    payload_len);
	if (rc != -MSG_E_AGAIN || hdr_len + payload_len > sizeof(m->data)) {
		if (rc)
			lost(d, dst, rc);
		return rc;
	}
	if (q->n == VMDSM_OUTQ_SLOTS) {
		lost(d, dst, rc);
		return rc;
	}
	m = &q->slot[(q->head + q->n) % VMDSM_OUTQ_SLOTS];
	m->dst = (u16)dst;
	m->len = (u16)(hdr_len + payload_len);
	memcpy(m->data, hdr, hdr_len);
	if (payload_len)
		memcpy(m->data + hdr_len, payload, payload_len);
	q->n++;
	q->delayed++;
	q->most = MAX(q->most, q->n);
	return 0;
}

static uint64_t op_now(void *ctx)
{
	return time_now_ns();
}

static void *op_frame(void *ctx, uint64_t page)
{
	/* A page in the hole below 4 GiB is no RAM: the monitor never asks for one (faults
	 * there are MMIO, the read-ahead stops before it), and a peer's message about one
	 * gets a frame of nothing rather than a NULL. So does a page homed elsewhere the
	 * cache has no frame for, which the protocol never touches (it has no copy of it):
	 * if it does, the guest stops. */
	static u8 nowhere[PAGE_SIZE] __aligned(PAGE_SIZE);
	struct vm_dsm *d = ctx;
	void *p = vm_gpa_ptr(d->vm, page << PAGE_SHIFT, PAGE_SIZE);

	if (!p && vm_gpa_is_ram(d->vm, page << PAGE_SHIFT, PAGE_SIZE))
		vm_stop(d->vm, EXIT_GUEST_STOPPED,
			"dsm: the protocol used guest-physical %#llx, which has no frame in this "
			"node's cache (a monitor bug)",
			(unsigned long long)(page << PAGE_SHIFT));
	return p ? p : nowhere;
}

static void op_evicted(void *ctx, uint64_t page, bool freed)
{
	vmcache_evicted(&((struct vm_dsm *)ctx)->cache, page, freed);
}

static void op_set_rights(void *ctx, uint64_t page, enum dsm_rights rights)
{
	struct vm_dsm *d = ctx;
	struct vm *vm = d->vm;
	u32 prot = rights == DSM_WRITE ? SPACE_RWX : rights == DSM_READ ? SPACE_R | SPACE_X : 0;
	int old, used = VMPF_USE_UNKNOWN, written = -1;

	if (!vm_gpa_is_ram(vm, page << PAGE_SHIFT, PAGE_SIZE))
		return; /* (the hole: nothing mapped, nothing to flush) */
	/* (written: whether the guest wrote it since write rights came, the nested entry's
	 * dirty mark where the format has one, read as the rights change replaces it) */
	if (vm->shadow) { /* (they keep W off the page tables they derive from) */
		old = (int)shadow_vm_rights(vm, page, prot, &written);
	} else {
		old = nested_rights(&vm->space, page << PAGE_SHIFT);
		/* (whether the guest used it since it came or its rights last changed: the
		 * nested entry's accessed mark, where the format has one) */
		if (old > 0 && ((u32)old & ~prot))
			used = nested_page_used(&vm->space, page << PAGE_SHIFT);
		nested_protect_written(&vm->space, page << PAGE_SHIFT, prot, &written);
	}
	if (old > 0 && ((u32)old & ~prot) && !d->cache.evicting)
		vmpf_note_lost(&d->pf, page, used); /* (not a page this node chose to give back) */
	if (old > 0 && ((u32)old & SPACE_W) && !(prot & SPACE_W))
		vmpf_note_written(&d->pf, page, written);
	/* More rights: a stale entry only faults again. Fewer: no core may go on
	 * using them, as the page's contents are about to leave. */
	vm_flush_guest_tlbs(vm, old < 0 || ((u32)old & ~prot));
}

static void op_resume(void *ctx, struct dsm_hold *h)
{
	struct vm_dsm *d = ctx;

	if (vmpf_resume(&d->pf, h))
		return;
	if (h->cookie) {
		struct vcpu *v = h->cookie;
		u64 now = time_now_ns();
		vmdsm_record_wait(d, now - vmdsm_pages_of(v)->wait_since);
		turns_note_wait(d->vm, vmdsm_pages_of(v)->wait_since, now);
		__atomic_store_n(&v->mem_waiting, false, __ATOMIC_RELEASE);
		vcpu_kick(v); /* (another core's vCPU sleeps until then) */
	} else
		d->monitor_done = true;
}

static const struct dsm_ops vmdsm_ops = {
	.send = op_send,
	.now = op_now,
	.frame = op_frame,
	.set_rights = op_set_rights,
	.resume = op_resume,
	.evicted = op_evicted,
};

static void recv_dsm(void *ctx, u16 src, const void *data, size_t len)
{
	int rc = dsm_receive(((struct vm_dsm *)ctx)->node, src, data, len);

	if (rc < 0)
		pr_warn("dsm: message from node %u rejected (error %d)\n", src, rc);
}

int vmdsm_init(struct vm *vm, const struct cluster_options *o)
{
	struct vm_dsm *d = vmdsm_of(vm);
	uint64_t home_start[VM_MAX_VCPUS]; /* (dsm_init copies it) */
	struct dsm_config c = { .self = vm->self,
				.nnodes = vm->nnodes,
				.npages = vm->gpa_end >> PAGE_SHIFT, /* (the hole's too) */
				/* the same on every node: enough for any node's vCPUs */
				.max_holds = vm->nvcpus * VCPU_DSM_HOLDS + 1 + VMPF_HOLDS,
				.max_hold_pages = 2,
				/* how long a page stays for the vCPU (or the monitor) that
				 * took it when a peer asks: pin=, 2 ms by default */
				.pin_ns = o->pin_us * 1000ULL,
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
	hpa_t outq = page_alloc(ALIGN_UP(sizeof(*d->outq), PAGE_SIZE) / PAGE_SIZE, 1);

	mem = page_alloc(ALIGN_UP(size, PAGE_SIZE) / PAGE_SIZE, 1);
	if (!mem || !outq)
		return -E_NOMEM;
	d->outq = hpa_to_ptr(outq);
	d->outq->head = d->outq->n = d->outq->most = 0;
	d->outq->delayed = 0;
	d->vm = vm;
	d->nap = o->nap;
	d->waits.rng = 0x9e3779b97f4a7c15ULL; /* (the reservoir sample's generator) */
	rc = dsm_init(&d->node, &c, &vmdsm_ops, d, hpa_to_ptr(mem), size);
	if (rc == 0)
		rc = o->prefetch ? vmpf_init(&d->pf, d->node, &d->cache, c.npages,
					     vm->low_size >> PAGE_SHIFT,
					     vm_next_ram(vm, vm->low_size) >> PAGE_SHIFT)
				 : 0;
	if (rc == 0)
		rc = net_register(MSG_T_DSM, recv_dsm, d);
	/* Nothing is mapped until the protocol grants it (pages homed elsewhere have no
	 * frame yet either). */
	for (gpa_t gpa = vm->home_base; (gpa = vm_next_ram(vm, gpa)) < vm->home_end && rc == 0;
	     gpa += PAGE_SIZE)
		rc = nested_protect(&vm->space, gpa, 0);
	/* Last: the cache is sized by what the rest left free. It must hold, besides free
	 * frames, every page a hold may pin. */
	if (rc == 0)
		rc = vmcache_init(&d->cache, vm, d->node, o->cache_bytes,
				  2 * c.max_holds * c.max_hold_pages + 128, o->cache_ahead);
	if (rc)
		return rc;
	if (c.nnodes > 3) /* (a third sharer spills the copyset to a slot of this pool) */
		pr_info("dsm: %llu pages, %u nodes, %zu KiB of protocol state, %u slots for "
			"copysets of more than two sharers\n",
			(unsigned long long)c.npages, c.nnodes, size >> 10, dsm_spill_default(&c));
	else
		pr_info("dsm: %llu pages, %u nodes, %zu KiB of protocol state\n",
			(unsigned long long)c.npages, c.nnodes, size >> 10);
	if (!d->nap)
		pr_info("dsm: the boot core's waits for the network poll without a pause "
			"(nonap)\n");
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
static void fault_here(struct vcpu *v, gpa_t gpa, bool write, bool fetch, bool walk)
{
	struct vm_dsm *d = vmdsm_of(v->vm);
	u8 slot = vmdsm_pages_of(v)->cur;
	struct dsm_hold *h;
	int rc = vmcache_frame(&d->cache, gpa >> PAGE_SHIFT, true);

	if (rc == -E_AGAIN || rc == -E_BUSY) { /* (vmdsm_poll asks again: frame_waiters_run) */
		struct vcpu_pages *vp = vmdsm_pages_of(v);
		typeof(d->frame_waiters) *q = &d->frame_waiters;

		if (!vp->frame_wait.waiting)
			++*(rc == -E_BUSY ? &d->cache.put_waits : &d->cache.waits);
		vp->frame_wait.gpa = gpa;
		vp->frame_wait.write = write;
		vp->frame_wait.fetch = fetch;
		vp->frame_wait.walk = walk;
		vp->frame_wait.waiting = true;
		q->id[(q->head + q->n++) % VM_MAX_VCPUS] = v->id;
		return;
	}
	vmdsm_pages_of(v)->frame_wait.waiting = false;
	if (rc) {
		vm_stop(v->vm, EXIT_GUEST_STOPPED,
			"vCPU %u: no cache frame for guest-physical %#llx (error %d)", v->id,
			(unsigned long long)gpa, rc);
		return;
	}
	if (v->regs.rip != vmdsm_pages_of(v)->chain_rip) {
		vmdsm_pages_of(v)->chain_rip = v->regs.rip;
		vmdsm_pages_of(v)->chain = 0;
	}
	for (u8 i = 0; i < VCPU_DSM_HOLDS; i++) { /* the next slot outside the chain */
		slot = (u8)((slot + 1) % VCPU_DSM_HOLDS);
		if (!(vmdsm_pages_of(v)->chain & (1u << slot)))
			break;
	}
	h = &vmdsm_pages_of(v)->holds[slot];
	if (vmdsm_pages_of(v)->held & (1u << slot))
		dsm_release(d->node, h);
	vmdsm_pages_of(v)->held &= (u16) ~(1u << slot);
	vmdsm_pages_of(v)->cur = slot;
	h->cookie = v;
	if (walk)
		vmdsm_pages_of(v)->walk_faults++;
	else
		vmdsm_pages_of(v)->data_faults++;
	/* (never for a fetch: code is only read, and a text page would leave every node) */
	/* (nor for a walk: a page table read for the shadow page tables stays shared) */
	bool wrote = write; /* (the access itself: a read made a write below is no write) */

	if (!write && !fetch && !walk && vmpf_wants_write(&d->pf, gpa >> PAGE_SHIFT)) {
		write = true;
		d->pf.upgraded++;
	}
	vmdsm_record_rip(d, v->regs.rip, gpa >> PAGE_SHIFT, write);
	/* One batch: the read-ahead's requests join the fault's as one run where they can. */
	dsm_batch(d->node, true);
	rc = dsm_acquire(d->node, h, gpa & PAGE_MASK, 1, write);
	/* (after: the faulting page's request goes out before any read-ahead's) */
	vmpf_note_fault(&d->pf, gpa >> PAGE_SHIFT, write, wrote);
	dsm_batch(d->node, false);
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
	vmdsm_pages_of(v)->held |= (u16)(1u << slot);
	vmdsm_pages_of(v)->chain |= (u16)(1u << slot);
}

struct fault_work {
	struct vcpu *v;
	gpa_t gpa;
	bool write, fetch, walk;
};

static void fault_work(struct vm *vm, void *data)
{
	struct fault_work *w = data;

	fault_here(w->v, w->gpa, w->write, w->fetch, w->walk);
}

/* The vCPU waits (mem_waiting) from now until the boot core has the page for it. */
void vmdsm_fault(struct vcpu *v, gpa_t gpa, bool write, bool fetch, bool walk)
{
	struct fault_work w = { v, gpa, write, fetch, walk };

	vmdsm_pages_of(v)->wait_since = time_now_ns();
	__atomic_store_n(&v->mem_waiting, true, __ATOMIC_RELEASE);
	handoff(v->vm, fault_work, &w, sizeof(w));
}

static void yield_work(struct vm *vm, void *data)
{
	struct vm_dsm *d = vmdsm_of(vm);
	struct vcpu *v = *(struct vcpu **)data;
	__atomic_store_n(&vmdsm_pages_of(v)->yield_queued, false, __ATOMIC_RELEASE);
	/* The hold it waits on, if any, stays: its grant will resume the vCPU. */
	u16 keep = v->mem_waiting ? (u16)(1u << vmdsm_pages_of(v)->cur) : 0;

	for (u8 i = 0; i < VCPU_DSM_HOLDS; i++)
		if ((vmdsm_pages_of(v)->held & ~keep) & (1u << i))
			dsm_release(d->node, &vmdsm_pages_of(v)->holds[i]);
	vmdsm_pages_of(v)->held &= keep;
	vmdsm_pages_of(v)->chain &= keep;
}

/* (One queued yield per vCPU is enough: a vCPU spinning on a lock yields at every
 * PAUSE, once a millisecond, whether or not the boot core kept up.) */
void vmdsm_yield(struct vcpu *v)
{
	if (!__atomic_exchange_n(&vmdsm_pages_of(v)->yield_queued, true, __ATOMIC_ACQ_REL))
		handoff(v->vm, yield_work, &v, sizeof(v));
}

/* The faults that waited for a cache frame, oldest first, each asking once more (one
 * that still finds none, or its page's PUT still out, queues again). */
static void frame_waiters_run(struct vm_dsm *d)
{
	typeof(d->frame_waiters) *q = &d->frame_waiters;

	for (u32 n = q->n; n && q->n; n--) {
		struct vcpu *v = &d->vm->vcpus[q->id[q->head]];
		struct vcpu_pages *vp = vmdsm_pages_of(v);

		q->head = (q->head + 1) % VM_MAX_VCPUS;
		q->n--;
		fault_here(v, vp->frame_wait.gpa, vp->frame_wait.write, vp->frame_wait.fetch,
			   vp->frame_wait.walk);
	}
}

void vmdsm_poll_protocol(struct vm_dsm *d)
{
	outq_flush(d);
	dsm_poll(d->node);
}

void vmdsm_poll(struct vm *vm)
{
	struct vm_dsm *d = vmdsm_of(vm);

	BUG_ON(!on_boot_core()); /* the protocol is the boot core's alone */
	vmdsm_unhold(vm);	 /* (the monitor's last access is over) */
	vmdsm_poll_protocol(d);
	vmcache_poll(&d->cache);
	frame_waiters_run(d);
	vmpf_poll(&d->pf, turns_may_run(vm));
}

u64 vmdsm_next_deadline(struct vm *vm)
{
	u64 t = dsm_next_deadline(vmdsm_of(vm)->node);

	return t == UINT64_MAX ? 0 : t;
}

#define VMDSM_NAP_NS 1000000ULL /* the longest nap: a wake-up missed costs no more */

void vmdsm_nap(struct vm *vm)
{
	u64 now = time_now_ns(), until = now + VMDSM_NAP_NS, t = vmdsm_next_deadline(vm);

	if (!vmdsm_of(vm)->nap || !net_rx_wakes()) { /* (nonap, or a frame would not wake it) */
		cpu_relax();
		return;
	}
	/* (the message layer's timers too; the run loop arms the timer again before the
	 * guest runs) */
	if (t && t < until)
		until = t;
	t = net_next_deadline(now);
	if (t && t < until)
		until = t;
	lapic_timer_arm(until);
	cpu_wait_irq(); /* sti; hlt: a frame that came since the poll wakes it */
	irq_disable();
}
