// SPDX-License-Identifier: GPL-2.0-only
/*
 * The monitor's own accesses to guest RAM across nodes (see vmm/cluster/vmdsm.h): each
 * page is taken through the protocol on the boot core, waiting for it while polling the
 * network, and copied before the next poll could let it go.
 */
#include "vmm/cluster/vmdsm_internal.h"
#include "vmm/cluster/cluster_internal.h"
#include "vmm/cluster/handoff.h"
#include "net/net.h"
#include "vmm/virt/irq.h"
#include "vmm/host/log.h"
#include "vmm/host/panic.h"
#include "vmm/host/percpu.h"
#include "vmm/host/tsc.h"
#include "vmm/lib/klib.h"
#include "vmm/lib/x86.h"

#define VMDSM_MONITOR_SLOW_NS	 2000000000ULL	/* a monitor access waiting this long is reported */
#define VMDSM_MONITOR_GIVE_UP_NS 30000000000ULL /* ... and given up after this long */
/* An access asked again pins its page this long after the grant, doubling each time. */
#define VMDSM_AGAIN_PIN_NS     1000000ULL
#define VMDSM_AGAIN_PIN_MAX_NS 256000000ULL

/* Waits for the monitor's hold on page gpa; says so if that takes long, gives up at last.
 * Interrupts off (monitor_wait), pausing between polls (vmdsm_nap). */
static int monitor_wait_off(struct vm_dsm *d, gpa_t gpa, bool write)
{
	u64 t0 = time_now_ns();
	bool said = false;

	while (!d->monitor_done) {
		u64 waited = time_now_ns() - t0;
		struct dsm_page_info pi;
		if (!said && waited > VMDSM_MONITOR_SLOW_NS) {
			dsm_page_info(d->node, gpa >> PAGE_SHIFT, &pi);
			pr_warn("dsm: the monitor has waited %llu ms for %s rights on "
				"guest-physical "
				"%#llx (home node %u; rights here %u, request pending %u, %u "
				"deferred)\n",
				(unsigned long long)(waited / 1000000), write ? "write" : "read",
				(unsigned long long)gpa, dsm_home_of(d->node, gpa >> PAGE_SHIFT),
				pi.rights, pi.pending, pi.deferred);
			said = true;
		}
		if (waited > VMDSM_MONITOR_GIVE_UP_NS) {
			pr_err("dsm: no grant for guest-physical %#llx in %llu s: giving up\n",
			       (unsigned long long)gpa,
			       (unsigned long long)(VMDSM_MONITOR_GIVE_UP_NS / 1000000000));
			return -E_TIMEDOUT;
		}
		if (__atomic_load_n(&d->vm->stopped, __ATOMIC_ACQUIRE))
			return -E_CANCELED;
		net_poll();
		remote_flush(d->vm);
		vmdsm_poll_protocol(d);
		if (!d->monitor_done)
			vmdsm_nap(d->vm);
	}
	return 0;
}

/* Interrupts as they were before (the caller may be an exit handler with them off); off
 * from each poll to the pause, so that a frame that comes in between ends the pause. */
static int monitor_wait(struct vm_dsm *d, gpa_t gpa, bool write)
{
	bool irqs_on = irq_save_off();
	u64 t0 = time_now_ns();
	int rc = monitor_wait_off(d, gpa, write);

	this_cpu()->held_ns += time_now_ns() - t0;
	irq_restore(irqs_on);
	return rc;
}

/* Waits for a cache frame for page gpa (a page homed elsewhere may have none, and every
 * frame may be in use): the evictions that free one need the network. Interrupts off
 * (frame_wait), pausing between polls. */
static int frame_wait_off(struct vm_dsm *d, gpa_t gpa)
{
	u64 t0 = time_now_ns();
	int rc = vmcache_frame(&d->cache, gpa >> PAGE_SHIFT, true);

	if (rc == -E_AGAIN || rc == -E_BUSY)
		++*(rc == -E_BUSY ? &d->cache.put_waits : &d->cache.waits);
	while (rc == -E_AGAIN || rc == -E_BUSY) {
		if (time_now_ns() - t0 > VMDSM_MONITOR_GIVE_UP_NS) {
			pr_err("dsm: no cache frame for guest-physical %#llx in %llu s (%u frames, "
			       "%u of them with a PUT out): giving up\n",
			       (unsigned long long)gpa,
			       (unsigned long long)(VMDSM_MONITOR_GIVE_UP_NS / 1000000000),
			       d->cache.nframes, d->cache.putting);
			return -E_TIMEDOUT;
		}
		if (__atomic_load_n(&d->vm->stopped, __ATOMIC_ACQUIRE))
			return -E_CANCELED;
		net_poll();
		remote_flush(d->vm);
		vmdsm_poll_protocol(d);
		vmcache_poll(&d->cache);
		rc = vmcache_frame(&d->cache, gpa >> PAGE_SHIFT, true);
		if (rc == -E_AGAIN || rc == -E_BUSY)
			vmdsm_nap(d->vm);
	}
	return rc;
}

static int frame_wait(struct vm_dsm *d, gpa_t gpa)
{
	bool irqs_on = irq_save_off();
	u64 t0 = time_now_ns();
	int rc = frame_wait_off(d, gpa);

	this_cpu()->held_ns += time_now_ns() - t0;
	irq_restore(irqs_on);
	return rc;
}

bool vmdsm_writable_here(struct vm *vm, gpa_t gpa)
{
	struct dsm_page_info pi;

	BUG_ON(!on_boot_core()); /* (the protocol's state is this core's) */
	if (!vm_gpa_is_ram(vm, gpa, 1) ||
	    dsm_page_info(vmdsm_of(vm)->node, gpa >> PAGE_SHIFT, &pi) != 0)
		return false;
	/* (A write surrender always gives the page its next content version here: the
	 * protocol has no dirty test, so a write the guest never made is not lost.) */
	return pi.rights == DSM_WRITE && pi.valid && !pi.pending && !pi.evicting;
}

/* Ends the monitor's hold on the last page it took: what peers asked for meanwhile is
 * served now (dsm_release drains the page's deferred requests at once). */
void vmdsm_unhold(struct vm *vm)
{
	struct vm_dsm *d = vmdsm_of(vm);

	if (d->monitor_held && !d->monitor_busy) {
		u64 page = d->monitor_hold.first;

		d->monitor_held = false;
		/* Lost since the acquire's check: a peer took the page after its pin, at a
		 * network poll before this release. copy_here never polls in between; a
		 * caller of vm_guest_writable that wrote after such a poll lost the write. */
		if (dsm_release(d->node, &d->monitor_hold) == 1)
			pr_warn("dsm: the monitor's hold of guest-physical %#llx went to a peer "
				"before it was let go: a write into it after the last network "
				"poll is lost\n",
				(unsigned long long)(page << PAGE_SHIFT));
	}
}

/*
 * Takes one page at a time through the protocol, waiting for each. Called on the
 * boot core (which also runs the network), so waiting means polling it. The last page
 * stays held, pinned against peers' requests, until the next access or the next
 * vmdsm_poll() (vmdsm_unhold): the caller touches it in between. Releasing it at once
 * was wrong: dsm_release() serves the requests that waited for the pin there and then,
 * so the page could leave before the caller's copy, and a write into it was lost (the
 * guest's NIC, across nodes: a used-ring entry read back as zero). The earlier pages
 * of a longer range are released as the next is taken (copy_here copies each page
 * right after it is taken).
 */
int vmdsm_acquire_sync(struct vm *vm, gpa_t gpa, u64 len, bool write)
{
	struct vm_dsm *d = vmdsm_of(vm);
	gpa_t again = ~0ULL;	 /* the page being asked for again */
	u64 t_page = 0, pin = 0; /* (pin: that page's window when asked for again) */
	int rc = 0;

	if (!len)
		return 0;
	/* The boot core only (vmdsm_copy hands the others' accesses to it), and not from
	 * inside a network message handler: nothing would poll the network for the page. */
	BUG_ON(!on_boot_core());
	BUG_ON(net_in_poll());
	if (d->monitor_busy) {
		pr_err("dsm: the monitor's page access at %#llx nested in another\n",
		       (unsigned long long)gpa);
		return -E_BUSY;
	}
	vmdsm_unhold(vm); /* (the caller is done with the last one) */
	d->monitor_busy = true;
	for (gpa_t p = gpa & PAGE_MASK; p < gpa + len && rc == 0; p += PAGE_SIZE) {
		if (p != again)
			t_page = time_now_ns(), pin = 0;
		if (d->monitor_held) {
			d->monitor_held = false;
			dsm_release(d->node, &d->monitor_hold);
		}
		d->monitor_hold.cookie = NULL;
		d->monitor_done = false;
		rc = frame_wait(d, p);
		if (rc)
			break;
		rc = dsm_acquire_pinned(d->node, &d->monitor_hold, p, 1, write, pin);
		if (rc == DSM_PENDING) {
			/* dsm_poll too: our request may queue behind a peer's that waits
			 * for a pin of this node's own vCPU to run out. */
			rc = monitor_wait(d, p, write);
		}
		if (rc == 0 && dsm_hold_lost(&d->monitor_hold)) {
			/* The page came and went: its pin ran out before the wait saw the
			 * grant (the boot core away longer than the pin between the message
			 * and the next dsm_poll, as on a slow or busy host), and a peer that
			 * asked has it now. Copying into the frame would lose the write (the
			 * guest's NIC, across nodes: a used-ring entry older than its index,
			 * "id is not a head"). Ask again, with a pin window of the hold's own
			 * that grows each time: with a window of 0 (pin=0), or on a host
			 * slow enough, a peer whose request comes with each grant would take
			 * the page every time (one host core, both nodes' vCPUs on the page:
			 * 250 accesses not done in 4 minutes). */
			dsm_release(d->node, &d->monitor_hold);
			d->monitor_redone += p != again; /* (an access counts once) */
			if (__atomic_load_n(&d->vm->stopped, __ATOMIC_ACQUIRE)) {
				rc = -E_CANCELED;
				break;
			}
			if (time_now_ns() - t_page > VMDSM_MONITOR_GIVE_UP_NS) {
				pr_err("dsm: the monitor's access to guest-physical %#llx lost its "
				       "page before the copy for %llu s: giving up\n",
				       (unsigned long long)p,
				       (unsigned long long)(VMDSM_MONITOR_GIVE_UP_NS / 1000000000));
				rc = -E_TIMEDOUT;
				break;
			}
			/* (the network first: a hold is also lost when the protocol had no
			 * record free to ask with, which only its messages free) */
			net_poll();
			remote_flush(d->vm);
			vmdsm_poll_protocol(d);
			again = p;
			pin = pin ? MIN(2 * pin, VMDSM_AGAIN_PIN_MAX_NS) : VMDSM_AGAIN_PIN_NS;
			p -= PAGE_SIZE; /* (the loop's step brings it back to this page) */
			continue;
		}
		if (rc == 0)
			d->monitor_held = true;
		else
			dsm_release(d->node, &d->monitor_hold); /* (given up: if it waits still) */
	}
	d->monitor_busy = false;
	return rc;
}

/* Page by page: a page is copied while the monitor's hold pins it, then let go. */
static int copy_here(struct vm *vm, gpa_t gpa, u8 *buf, u64 len, bool write)
{
	if (len && !vm_gpa_is_ram(vm, gpa, len))
		return -E_NOENT;
	while (len) {
		u64 chunk = MIN(len, PAGE_SIZE - (gpa & (PAGE_SIZE - 1)));
		int rc = vmdsm_acquire_sync(vm, gpa, chunk, write);
		/* (after: a page homed elsewhere has its cache frame from now until the
		 * hold ends) */
		u8 *p = rc ? NULL : vm_gpa_ptr(vm, gpa, chunk);

		if (rc)
			return rc;
		if (!p) {
			pr_err("dsm: guest-physical %#llx has no memory here after its access was "
			       "granted\n",
			       (unsigned long long)gpa);
			return -E_FAULT;
		}
		if (write)
			memcpy(p, buf, chunk);
		else
			memcpy(buf, p, chunk);
		vmdsm_unhold(vm); /* (copied: peers may have it now) */
		gpa += chunk;
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
