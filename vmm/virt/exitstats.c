// SPDX-License-Identifier: GPL-2.0-only
/*
 * Exit profile (see vmm/virt/exitstats.h). Details are kept in small fixed tables
 * (first come, first kept): a guest touching many distinct ports or pages
 * fills them and the rest is counted under "other", never lost from the total.
 */
#include "vmm/virt/exitstats.h"
#include "vmm/host/log.h"
#include "vmm/lib/printf.h"
#include "vmm/host/spinlock.h"

#define DETAIL_SLOTS 256
#define TOP	     12

struct detail {
	u8 kind;
	u64 key; /* port, MSR index or guest page */
	u64 count;
};

static u64 by_kind[NR_EXIT_KINDS];
static struct detail details[DETAIL_SLOTS];
static u32 ndetails;
static u64 total;
static struct spinlock stats_lock = SPINLOCK_INIT("exitstats");

static const char *const kind_names[NR_EXIT_KINDS] = {
	[EXIT_NONE] = "internal",
	[EXIT_INTR] = "physical interrupt",
	[EXIT_CPUID] = "CPUID",
	[EXIT_IO] = "port I/O",
	[EXIT_MSR_READ] = "RDMSR",
	[EXIT_MSR_WRITE] = "WRMSR",
	[EXIT_HLT] = "HLT",
	[EXIT_NPF] = "MMIO",
	[EXIT_SHUTDOWN] = "shutdown",
	[EXIT_HYPERCALL] = "hypercall",
	[EXIT_PAUSE] = "PAUSE (spin-wait yield)",
	[EXIT_CR] = "CR access (shadow paging)",
	[EXIT_GUEST_PF] = "guest #PF (shadow paging)",
	[EXIT_INVALID_STATE] = "invalid state",
	[EXIT_UNHANDLED] = "unhandled",
};

static bool has_detail(enum exit_kind k)
{
	return k == EXIT_IO || k == EXIT_MSR_READ || k == EXIT_MSR_WRITE || k == EXIT_NPF;
}

static u64 detail_key(const struct vcpu *v)
{
	switch (v->exit.kind) {
	case EXIT_IO: return v->exit.io.port;
	case EXIT_NPF: return v->exit.npf.gpa & PAGE_MASK;
	default: return v->exit.msr.index;
	}
}

u64 exitstats_total(void)
{
	return __atomic_load_n(&total, __ATOMIC_RELAXED);
}

void exitstats_record(const struct vcpu *v)
{
	enum exit_kind k = v->exit.kind;
	u64 key = has_detail(k) ? detail_key(v) : 0;
	u32 i;

	spin_lock(&stats_lock); /* every vCPU records; no interrupt handler takes it */
	total++;
	by_kind[k]++;
	for (i = 0; has_detail(k) && i < ndetails; i++)
		if (details[i].kind == k && details[i].key == key) {
			details[i].count++;
			break;
		}
	if (has_detail(k) && i == ndetails && ndetails < DETAIL_SLOTS)
		details[ndetails++] = (struct detail){ (u8)k, key, 1 };
	spin_unlock(&stats_lock);
}

static void describe(const struct detail *d, char *buf, size_t size)
{
	if (d->kind == EXIT_IO)
		ksnprintf(buf, size, "port I/O %#llx", (unsigned long long)d->key);
	else if (d->kind == EXIT_NPF)
		ksnprintf(buf, size, "MMIO page %#llx", (unsigned long long)d->key);
	else
		ksnprintf(buf, size, "%s %#llx", kind_names[d->kind], (unsigned long long)d->key);
}

/* Repeatedly takes the largest remaining detail (the tables are small). */
static void report_details(void)
{
	bool shown[DETAIL_SLOTS] = { false };
	char what[48];

	for (int n = 0; n < TOP; n++) {
		int best = -1;
		for (u32 i = 0; i < ndetails; i++)
			if (!shown[i] && (best < 0 || details[i].count > details[best].count))
				best = (int)i;
		if (best < 0)
			return;
		shown[best] = true;
		describe(&details[best], what, sizeof(what));
		kprintf("exits:   %10llu  %s\n", (unsigned long long)details[best].count, what);
	}
}

void exitstats_report(u64 guest_ns)
{
	u64 ms = guest_ns / 1000000;

	kprintf("exits: %llu in %llu ms (%llu per second); by kind:\n", (unsigned long long)total,
		(unsigned long long)ms, (unsigned long long)(ms ? total * 1000 / ms : 0));
	for (int k = 0; k < NR_EXIT_KINDS; k++)
		if (by_kind[k])
			kprintf("exits:   %10llu  %s\n", (unsigned long long)by_kind[k],
				kind_names[k]);
	kprintf("exits: top ports, MSRs and MMIO pages:\n");
	report_details();
}
