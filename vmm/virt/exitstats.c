// SPDX-License-Identifier: GPL-2.0-only
/*
 * Exit profile (see vmm/virt/exitstats.h). CR exits are counted by register and
 * direction. Other details are kept in small fixed tables. A key that finds its table
 * full takes over the entry with the fewest exits and adds its own to that count, which
 * may thus exceed the key's own by up to what it took over: the entry keeps that bound,
 * and the report shows such counts as a range ("space-saving"). A key with more exits
 * on a CPU than that CPU's least entry cannot be missing from its table, and the report
 * adds, for each full table a key is missing from, that table's least count to the
 * key's bound. Across nodes the coherence faults' many pages, each faulted once or
 * twice, no longer keep the hot MSRs out of the report.
 *
 * Each physical CPU counts its own exits in its own tables, without a lock: one
 * lock taken at every exit of every vCPU made a convoy wherever the host
 * deschedules emulated CPUs (4 vCPUs on one host core spent most of their time
 * waiting for it), and costs a shared cache line on real hardware. The report
 * adds the tables up.
 */
#include "vmm/virt/exitstats.h"
#include "vmm/host/log.h"
#include "vmm/lib/printf.h"
#include "vmm/host/percpu.h"
#include "vmm/host/tsc.h"

#define DETAIL_SLOTS 128 /* per CPU */
#define TOP	     12

struct detail {
	u8 kind;
	u64 key;   /* port, MSR index or guest page */
	u64 count; /* exits counted for this entry: at least count - over of them the key's */
	u64 over;  /* the count of the entry it took over */
};

struct cpu_stats {
	u64 total;
	u64 by_kind[NR_EXIT_KINDS];
	u64 out_cycles[NR_EXIT_KINDS]; /* from such an exit to the vCPU's next entry */
	u32 ndetails;
	struct detail details[DETAIL_SLOTS];
	u64 cr[2][16]; /* CR exits by direction (read, write) and register */
};

static struct cpu_stats stats[MAX_CPUS];

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
	[EXIT_INVLPG] = "INVLPG (shadow paging)",
	[EXIT_EXCEPTION] = "guest #DB/#AC (reflected)",
	[EXIT_INVALID_STATE] = "invalid state",
	[EXIT_UNHANDLED] = "unhandled",
};

static bool has_detail(enum exit_kind k)
{
	return k == EXIT_IO || k == EXIT_MSR_READ || k == EXIT_MSR_WRITE || k == EXIT_NPF ||
	       k == EXIT_EXCEPTION;
}

static u64 detail_key(const struct vcpu *v)
{
	switch (v->exit.kind) {
	case EXIT_IO: return v->exit.io.port;
	case EXIT_NPF: return v->exit.npf.gpa & PAGE_MASK;
	case EXIT_EXCEPTION: return v->exit.exc.vector;
	default: return v->exit.msr.index;
	}
}

u64 exitstats_total(void)
{
	u64 sum = 0;

	for (u32 c = 0; c < MAX_CPUS; c++)
		sum += __atomic_load_n(&stats[c].total, __ATOMIC_RELAXED);
	return sum;
}

void exitstats_out(enum exit_kind kind, u64 cycles)
{
	struct cpu_stats *s = &stats[this_cpu_id()];

	__atomic_store_n(&s->out_cycles[kind], s->out_cycles[kind] + cycles, __ATOMIC_RELAXED);
}

void exitstats_kinds_since(char *buf, size_t size)
{
	static u64 last[NR_EXIT_KINDS], last_out[NR_EXIT_KINDS];
	size_t n = 0;

	buf[0] = 0;
	for (int k = 0; k < NR_EXIT_KINDS; k++) {
		u64 sum = 0, out = 0;

		/* (other CPUs' counts are read as they change: a line, not an audit) */
		for (u32 c = 0; c < MAX_CPUS; c++) {
			sum += __atomic_load_n(&stats[c].by_kind[k], __ATOMIC_RELAXED);
			out += __atomic_load_n(&stats[c].out_cycles[k], __ATOMIC_RELAXED);
		}
		if (sum != last[k] && n < size)
			n += (size_t)ksnprintf(buf + n, size - n, "%s%llu %s (%llu us out)",
					       n ? ", " : "", (unsigned long long)(sum - last[k]),
					       kind_names[k],
					       (unsigned long long)(tsc_to_ns(out - last_out[k]) / 1000));
		last[k] = sum;
		last_out[k] = out;
	}
}

/* Adds (count, over) to (kind, key) in a table, or takes a free slot, or takes over the
 * entry with the fewest exits. */
static void add_detail(struct detail *table, u32 *n, u8 kind, u64 key, u64 count, u64 over)
{
	u32 i, least = 0;

	for (i = 0; i < *n; i++)
		if (table[i].kind == kind && table[i].key == key) {
			table[i].count += count;
			table[i].over += over;
			return;
		}
	if (*n < DETAIL_SLOTS) {
		table[(*n)++] = (struct detail){ kind, key, count, over };
		return;
	}
	for (i = 1; i < *n; i++)
		if (table[i].count < table[least].count)
			least = i;
	table[least] = (struct detail){ kind, key, table[least].count + count,
					table[least].count + over };
}

void exitstats_record(const struct vcpu *v)
{
	struct cpu_stats *s = &stats[this_cpu_id()]; /* only this CPU writes it */
	enum exit_kind k = v->exit.kind;

	__atomic_store_n(&s->total, s->total + 1, __ATOMIC_RELAXED); /* (read by stats=) */
	__atomic_store_n(&s->by_kind[k], s->by_kind[k] + 1, __ATOMIC_RELAXED);
	if (has_detail(k))
		add_detail(s->details, &s->ndetails, (u8)k, detail_key(v), 1, 0);
	if (k == EXIT_CR)
		s->cr[v->exit.cr.write][v->exit.cr.cr & 15]++;
}

static void describe(const struct detail *d, char *buf, size_t size)
{
	if (d->kind == EXIT_IO)
		ksnprintf(buf, size, "port I/O %#llx", (unsigned long long)d->key);
	else if (d->kind == EXIT_NPF)
		ksnprintf(buf, size, "MMIO page %#llx", (unsigned long long)d->key);
	else if (d->kind == EXIT_EXCEPTION)
		ksnprintf(buf, size, "guest exception %s", d->key == 1 ? "#DB" : "#AC");
	else
		ksnprintf(buf, size, "%s %#llx", kind_names[d->kind], (unsigned long long)d->key);
}

/* Repeatedly takes the largest remaining detail (the tables are small). */
static void report_details(const struct detail *details, u32 ndetails)
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
		if (details[best].over)
			kprintf("exits:   %10llu  %s (at least %llu)\n",
				(unsigned long long)details[best].count, what,
				(unsigned long long)(details[best].count - details[best].over));
		else
			kprintf("exits:   %10llu  %s\n", (unsigned long long)details[best].count,
				what);
	}
}

void exitstats_report(u64 guest_ns)
{
	static struct detail details[DETAIL_SLOTS]; /* all CPUs' (a table of its own kind) */
	u64 ms = guest_ns / 1000000, total = 0, by_kind[NR_EXIT_KINDS] = { 0 };
	u32 ndetails = 0;

	for (u32 c = 0; c < MAX_CPUS; c++) {
		total += stats[c].total;
		for (int k = 0; k < NR_EXIT_KINDS; k++)
			by_kind[k] += stats[c].by_kind[k];
		for (u32 i = 0; i < stats[c].ndetails; i++)
			add_detail(details, &ndetails, stats[c].details[i].kind,
				   stats[c].details[i].key, stats[c].details[i].count,
				   stats[c].details[i].over);
	}
	/* A key missing from a CPU's full table may have had as many exits there as that
	 * table's least entry: its count is at most that much higher. */
	for (u32 c = 0; c < MAX_CPUS; c++) {
		const struct cpu_stats *s = &stats[c];
		u64 least = ~0ULL;

		if (s->ndetails < DETAIL_SLOTS)
			continue;
		for (u32 i = 0; i < s->ndetails; i++)
			least = MIN(least, s->details[i].count);
		for (u32 j = 0; j < ndetails; j++) {
			u32 i;
			for (i = 0; i < s->ndetails; i++)
				if (s->details[i].kind == details[j].kind &&
				    s->details[i].key == details[j].key)
					break;
			if (i == s->ndetails) {
				details[j].count += least;
				details[j].over += least;
			}
		}
	}

	kprintf("exits: %llu in %llu ms (%llu per second); by kind:\n", (unsigned long long)total,
		(unsigned long long)ms, (unsigned long long)(ms ? total * 1000 / ms : 0));
	for (int k = 0; k < NR_EXIT_KINDS; k++)
		if (by_kind[k])
			kprintf("exits:   %10llu  %s\n", (unsigned long long)by_kind[k],
				kind_names[k]);
	/* (the CR exits by register and direction: which of the shadows' intercepts cost) */
	for (int w = 0; w < 2; w++)
		for (int r = 0; r < 16; r++) {
			u64 n = 0;
			for (u32 c = 0; c < MAX_CPUS; c++)
				n += stats[c].cr[w][r];
			if (n)
				kprintf("exits:   %10llu    of which CR%d %s\n", (unsigned long long)n,
					r, w ? "writes" : "reads");
		}
	kprintf("exits: top ports, MSRs and MMIO pages:\n");
	report_details(details, ndetails);
}
