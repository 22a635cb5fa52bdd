// SPDX-License-Identifier: GPL-2.0-only
/*
 * What the coherence protocol did here, for the console (see vmm/cluster/vmdsm.h): the
 * line a long page wait gets, the "stats: dsm:" lines and the "dsm:" report when the
 * guest stops.
 */
#include "vmm/cluster/vmdsm_internal.h"
#include "vmm/cluster/cluster_internal.h"
#include "vmm/cluster/turns.h"
#include "vmm/cluster/vmdsm_prefetch.h"
#include "vmm/host/log.h"

static void print_hot_pages(const struct vm_dsm *d, const char *prefix);
static void print_vcpu_faults(const char *prefix, struct vm *vm);
static void print_hot_rips(const struct vm_dsm *d, const char *prefix);
static void print_recent_rips(struct vm_dsm *d, const char *prefix);

/* How long vCPUs waited for their pages: a reservoir sample, for the median and p90. */
void vmdsm_record_wait(struct vm_dsm *d, u64 ns)
{
	u64 slot = d->waits.n++;

	if (slot >= WAIT_SAMPLES) {
		d->waits.rng = d->waits.rng * 6364136223846793005ULL + 1442695040888963407ULL;
		slot = (d->waits.rng >> 33) % d->waits.n;
		if (slot >= WAIT_SAMPLES)
			return;
	}
	d->waits.us[slot] = (u32)MIN(ns / 1000, 0xffffffffULL);
}

void vmdsm_record_rip(struct vm_dsm *d, u64 rip, u64 page, bool write)
{
	u64 i = (rip * 0x9e3779b97f4a7c15ULL) >> 55; /* 9 bits: FAULT_RIPS */

	for (unsigned n = 0; n < FAULT_RIPS; n++, i = (i + 1) % FAULT_RIPS) {
		if (d->rips[i].faults && d->rips[i].rip != rip)
			continue;
		d->rips[i].rip = rip;
		d->rips[i].page = page;
		d->rips[i].faults++;
		d->rips[i].writes += write;
		return;
	}
	d->rips_uncounted++;
}

_Static_assert(FAULT_RIPS == 512, "vmdsm_record_rip hashes to 9 bits");

void vmdsm_wait_line(struct vm *vm, const struct vcpu *v, u64 waited_ns)
{
	struct vm_dsm *d = vmdsm_of(vm);
	u64 page = vmdsm_pages_of(v)->holds[vmdsm_pages_of(v)->cur].cur;
	unsigned home = dsm_home_of(d->node, page);
	struct dsm_page_info pi = { 0 };
	struct dsm_dir_info di = { 0 };

	if (vmdsm_pages_of(v)->frame_wait.waiting) {
		pr_warn("dsm: vCPU %u has waited %llu ms for a cache frame for guest-physical "
			"%#llx: %u frames, %u used, %u with a PUT out to their homes\n",
			v->id, (unsigned long long)(waited_ns / 1000000),
			(unsigned long long)vmdsm_pages_of(v)->frame_wait.gpa, d->cache.nframes,
			d->cache.used, d->cache.putting);
		return;
	}
	dsm_page_info(d->node, page, &pi);
	pr_warn("dsm: vCPU %u has waited %llu ms for guest-physical page %#llx: home node %u",
		v->id, (unsigned long long)(waited_ns / 1000000),
		(unsigned long long)(page << PAGE_SHIFT), home);
	if (home == vm->self && dsm_dir_info(d->node, page, &di) == 0)
		kprintf(", owner node %u (%s, %u other sharers)", di.owner,
			di.mode == DSM_DIR_ZERO	  ? "never written"
			: di.mode == DSM_DIR_EXCL ? "writable"
						  : "shared",
			di.nsharers);
	else
		kprintf(" (which knows its owner)");
	kprintf("; here: rights %u, asking for %u, %u requests deferred%s\n", pi.rights, pi.pending,
		pi.deferred, turns_state(vm));
}

void vmdsm_stats_line(struct vm *vm)
{
	struct vm_dsm *d = vmdsm_of(vm);
	const struct dsm_stats *s = dsm_stats(d->node);
	u64 held = 0, writable = 0;
	char cache[120];

	for (u64 p = 0; p < vm->gpa_end >> PAGE_SHIFT; p++) {
		struct dsm_page_info pi;
		if (dsm_page_info(d->node, p, &pi) == 0 && pi.rights != DSM_NONE) {
			held++;
			writable += pi.rights == DSM_WRITE;
		}
	}
	vmcache_stats_part(&d->cache, cache, sizeof(cache));
	kprintf("stats: dsm: %llu read and %llu write faults sent, %llu served locally, %llu "
		"served as home; %llu pages held (%llu writable); %llu KiB sent; %s\n",
		(unsigned long long)s->faults[0], (unsigned long long)s->faults[1],
		(unsigned long long)s->hits, (unsigned long long)s->home_faults,
		(unsigned long long)held, (unsigned long long)writable,
		(unsigned long long)(s->bytes >> 10), cache);
	for (u32 i = vm->first_local; i < vm->first_local + vm->nlocal; i++)
		if (vm->vcpus[i].mem_waiting)
			kprintf("stats: dsm: vCPU %u waits for page %#llx\n", i,
				(unsigned long long)(vmdsm_pages_of(&vm->vcpus[i])
							     ->holds[vmdsm_pages_of(&vm->vcpus[i])
									     ->cur]
							     .cur
						     << PAGE_SHIFT));
	print_vcpu_faults("stats: dsm: ", vm);
	print_hot_pages(d, "stats: dsm: ");
	print_recent_rips(d, "stats: dsm: ");
}

/* The instruction with the most faults not yet marked used (since the last "stats:" line
 * if recent), marked now; -1 when none has any. */
static int next_rip(const struct vm_dsm *d, bool *used, bool recent)
{
	int best = -1;

	for (unsigned i = 0; i < FAULT_RIPS; i++) {
		u32 n = d->rips[i].faults - (recent ? d->rips[i].shown : 0);
		if (!used[i] && n &&
		    (best < 0 || n > d->rips[best].faults - (recent ? d->rips[best].shown : 0)))
			best = (int)i;
	}
	if (best >= 0)
		used[best] = true;
	return best;
}

/* The guest instructions that faulted most since the last "stats:" line: where the
 * faults come from now, not over the whole run (a compute phase's, say, after the boot's).
 * (Faults at instructions the table had no room for are not in the count.) */
static void print_recent_rips(struct vm_dsm *d, const char *prefix)
{
	bool used[FAULT_RIPS] = { false };
	u64 all = 0;

	for (unsigned i = 0; i < FAULT_RIPS; i++)
		all += d->rips[i].faults - d->rips[i].shown;
	if (!all)
		return;
	kprintf("%s%llu faults since the last line, most at (faults, last page):", prefix,
		(unsigned long long)all);
	for (unsigned k = 0; k < 8; k++) {
		int best = next_rip(d, used, true);
		if (best < 0)
			break;
		kprintf(" %#llx (%u, %#llx)", (unsigned long long)d->rips[best].rip,
			d->rips[best].faults - d->rips[best].shown,
			(unsigned long long)(d->rips[best].page << PAGE_SHIFT));
	}
	kprintf("\n");
	for (unsigned i = 0; i < FAULT_RIPS; i++)
		d->rips[i].shown = d->rips[i].faults;
}

/* The ten home pages peers fault on most, by the requests surely served, hottest first. A
 * page that took over another's entry in the table shows the range its count lies in: a
 * flat distribution showed many pages at the same count, the table's error, not theirs. */
static void print_hot_pages(const struct vm_dsm *d, const char *prefix)
{
	const struct dsm_stats *s = dsm_stats(d->node);
	bool used[DSM_HOT_PAGES] = { false };

	kprintf("%shottest pages homed here (requests served):", prefix);
	for (unsigned k = 0; k < 10; k++) {
		int best = -1;
		for (unsigned i = 0; i < DSM_HOT_PAGES; i++)
			if (!used[i] && s->hot[i].faults &&
			    (best < 0 || s->hot[i].faults - s->hot[i].over >
						 s->hot[best].faults - s->hot[best].over))
				best = (int)i;
		if (best < 0)
			break;
		used[best] = true;
		if (s->hot[best].over)
			kprintf(" %#llx (%llu-%llu)",
				(unsigned long long)(s->hot[best].page << PAGE_SHIFT),
				(unsigned long long)(s->hot[best].faults - s->hot[best].over),
				(unsigned long long)s->hot[best].faults);
		else
			kprintf(" %#llx (%llu)",
				(unsigned long long)(s->hot[best].page << PAGE_SHIFT),
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
static void print_waits(struct vm_dsm *d, const char *prefix)
{
	u64 n = MIN(d->waits.n, (u64)WAIT_SAMPLES);
	u32 *us = d->waits.us;

	if (!n)
		return;
	sort_u32(us, n);
	kprintf("%svCPU waits for pages: %llu, median %u us, p90 %u us, p99 %u us, longest "
		"sampled %u us\n",
		prefix, (unsigned long long)d->waits.n, us[n / 2], us[n * 9 / 10], us[n * 99 / 100],
		us[n - 1]);
}

static void print_vcpu_faults(const char *prefix, struct vm *vm)
{
	for (u32 i = vm->first_local; i < vm->first_local + vm->nlocal; i++) {
		const struct vcpu *v = &vm->vcpus[i];
		kprintf("%svCPU %u: %llu faults on its page-table walks, %llu on other accesses; "
			"%llu yields after PAUSE\n",
			prefix, i, (unsigned long long)vmdsm_pages_of(v)->walk_faults,
			(unsigned long long)vmdsm_pages_of(v)->data_faults,
			(unsigned long long)v->pause_yields);
	}
}

void vmdsm_report(struct vm *vm)
{
	struct vm_dsm *d = vmdsm_of(vm);
	const struct dsm_stats *s = dsm_stats(d->node);

	kprintf("dsm: %llu read and %llu write faults sent, %llu served locally; %llu pages "
		"sent, %llu transfers skipped (same version), %llu zero pages granted\n",
		(unsigned long long)s->faults[0], (unsigned long long)s->faults[1],
		(unsigned long long)s->hits, (unsigned long long)s->data_sent,
		(unsigned long long)s->same_skips, (unsigned long long)s->zero_grants);
	kprintf("dsm: %llu messages (%llu of them runs, for %llu more pages), %llu bytes on the "
		"wire; %llu requests served as home; faults took %llu us on average, the slowest "
		"%llu us; %llu bad messages\n",
		(unsigned long long)(s->msgs[DSM_MSG_REQ] + s->msgs[DSM_MSG_FWD] +
				     s->msgs[DSM_MSG_INV] + s->msgs[DSM_MSG_GRANT] +
				     s->msgs[DSM_MSG_ACK]),
		(unsigned long long)s->run_msgs, (unsigned long long)s->run_pages,
		(unsigned long long)s->bytes, (unsigned long long)s->home_faults,
		(unsigned long long)(s->fault_ns_sum / 1000 / MAX(s->faults[0] + s->faults[1], 1)),
		(unsigned long long)(s->fault_ns_max / 1000), (unsigned long long)s->bad_msgs);
	kprintf("dsm: %llu messages waited for a message-layer buffer, at most %u at once (of %u); "
		"%llu monitor accesses asked again (their page left before the copy)\n",
		(unsigned long long)d->outq->delayed, d->outq->most, VMDSM_OUTQ_SLOTS,
		(unsigned long long)d->monitor_redone);
	kprintf("dsm: evictions: %llu PUTs sent (%llu with the page), %llu copies without "
		"rights forgotten; as home, of the PUTs received: %llu from the owner, %llu "
		"stale, %llu refused; %llu readers dropped, no copyset slot free\n",
		(unsigned long long)s->puts, (unsigned long long)s->puts_data,
		(unsigned long long)s->forgets, (unsigned long long)s->puts_owner,
		(unsigned long long)s->puts_stale, (unsigned long long)s->puts_refused,
		(unsigned long long)s->evictions);
	vmcache_report(&d->cache);
	print_vcpu_faults("dsm: ", vm);
	vmpf_report(&d->pf, "dsm: ");
	print_waits(d, "dsm: ");
	print_hot_pages(d, "dsm: ");
	print_hot_rips(d, "dsm: ");
}

/* The guest instructions that faulted most here, with the last page each faulted on. */
static void print_hot_rips(const struct vm_dsm *d, const char *prefix)
{
	bool used[FAULT_RIPS] = { false };

	kprintf("%sguest instructions that faulted most (faults, writes, last page):", prefix);
	for (unsigned k = 0; k < 12; k++) {
		int best = next_rip(d, used, false);
		if (best < 0)
			break;
		kprintf(" %#llx (%u, %u, %#llx)", (unsigned long long)d->rips[best].rip,
			d->rips[best].faults, d->rips[best].writes,
			(unsigned long long)(d->rips[best].page << PAGE_SHIFT));
	}
	if (d->rips_uncounted)
		kprintf("; %llu faults at other instructions not counted",
			(unsigned long long)d->rips_uncounted);
	kprintf("\n");
}
