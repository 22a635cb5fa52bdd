// SPDX-License-Identifier: GPL-2.0-only
/*
 * AP start-up and hand-off (see vmm/host/smp.h). The trampoline page is chosen
 * among the pages below 1 MiB that hold nothing the loader gave us: UEFI
 * GRUB leaves modules and the boot information there (the cluster file was
 * seen at 0x2d000), so no fixed address is safe.
 */
#include "vmm/host/smp.h"
#include "vmm/host/lapic.h"
#include "vmm/host/tsc.h"
#include "vmm/host/idt.h"
#include "vmm/lib/klib.h"
#include "vmm/host/log.h"
#include "vmm/host/mm.h"
#include "vmm/host/paging.h"
#include "vmm/host/percpu.h"
#include "vmm/lib/x86.h"

#define AP_STACK_PAGES 4
#define LOW_LIMIT      0x9f000 /* below the EBDA */

extern char trampoline_start[], trampoline_end[], trampoline_params[];
extern char trampoline_gdt_ptr_base[], trampoline_pm32_target[];
extern u64 boot_pml4[];

/* Read by boot/trampoline.S: the next AP number, its stacks, the limit. */
u32 smp_next_cpu = 1;
u32 smp_max_cpus = 1;
u64 smp_stacks[MAX_CPUS];

struct ap_work {
	void (*volatile fn)(void *arg);
	void *volatile arg;
};

static struct ap_work ap_work[MAX_CPUS];
static volatile u32 cpus_online = 1;
static u32 apic_ids[MAX_CPUS];

void ap_main(u32 cpu);

static bool overlaps_boot_data(const struct boot_info *bi, hpa_t pa)
{
	for (u32 i = 0; i < bi->nreserved; i++)
		if (pa < bi->reserved[i].base + bi->reserved[i].len &&
		    bi->reserved[i].base < pa + PAGE_SIZE)
			return true;
	for (u32 i = 0; i < bi->nmods; i++)
		if (pa < bi->mods[i].end && bi->mods[i].start < pa + PAGE_SIZE)
			return true;
	return false;
}

/* A usable page below 1 MiB that nothing the loader handed over lives in. */
static hpa_t pick_trampoline_page(const struct boot_info *bi)
{
	for (hpa_t pa = 0x1000; pa < LOW_LIMIT; pa += PAGE_SIZE) {
		bool usable = false;
		for (u32 i = 0; i < bi->nmem && !usable; i++)
			usable = bi->mem[i].type == MEM_USABLE && bi->mem[i].base <= pa &&
				 pa + PAGE_SIZE <= bi->mem[i].base + bi->mem[i].len;
		if (usable && !overlaps_boot_data(bi, pa))
			return pa;
	}
	return 0;
}

static void install_trampoline(hpa_t pa)
{
	u8 *page = hpa_to_ptr(pa);
	u32 *params;

	/* The trampoline's symbols are one object to the assembler, several to C: use addresses. */
	memcpy(page, trampoline_start, (uintptr_t)trampoline_end - (uintptr_t)trampoline_start);
	*(u32 *)(page + (uintptr_t)trampoline_gdt_ptr_base) += (u32)pa;
	*(u32 *)(page + (uintptr_t)trampoline_pm32_target) += (u32)pa;
	params = (u32 *)(page + ((uintptr_t)trampoline_params - (uintptr_t)trampoline_start));
	params[0] = (u32)ptr_to_hpa(boot_pml4);
	params[1] = (u32)(rdmsr(MSR_EFER) & (1u << 11)) | (1u << 8); /* NXE as the BSP, LME */
}

void ap_main(u32 cpu)
{
	percpu_init(cpu, (hva_t)smp_stacks[cpu]);
	gdt_init_cpu(cpu);
	idt_load();
	lapic_init_ap();
	apic_ids[cpu] = this_cpu()->apic_id;
	__atomic_fetch_add(&cpus_online, 1, __ATOMIC_RELEASE);
	for (;;) {
		void (*fn)(void *) = ap_work[cpu].fn;
		if (fn) {
			ap_work[cpu].fn = NULL;
			fn(ap_work[cpu].arg);
		}
		cpu_wait_irq(); /* smp_run_on() sends an IPI */
		irq_disable();
	}
}

/* The interrupt only has to happen: it ends a guest run or a HLT. */
static void kick_irq(struct trap_frame *tf)
{
	lapic_eoi();
}

static bool alloc_stacks(u32 want)
{
	for (u32 i = 1; i < want; i++) {
		hpa_t pa = page_alloc(AP_STACK_PAGES, 1);
		if (!pa)
			return false;
		smp_stacks[i] = pa + AP_STACK_PAGES * PAGE_SIZE;
	}
	return true;
}

u32 smp_start(const struct boot_info *bi, u32 want)
{
	hpa_t page = pick_trampoline_page(bi);
	u64 t0;

	apic_ids[0] = this_cpu()->apic_id;
	idt_set_handler(VEC_KICK, kick_irq);
	if (want <= 1)
		return 1;
	if (want > MAX_CPUS)
		want = MAX_CPUS;
	if (!page || !alloc_stacks(want)) {
		pr_err("smp: %s: running on the boot CPU only\n",
		       page ? "no memory for AP stacks"
			    : "no free page below 1 MiB for the trampoline");
		return 1;
	}
	smp_max_cpus = want;
	install_trampoline(page);
	lapic_broadcast_init();
	udelay(10000);
	for (int i = 0; i < 2 && cpus_online < want; i++) { /* SDM: INIT, SIPI, SIPI */
		lapic_broadcast_sipi((u8)(page >> PAGE_SHIFT));
		udelay(200);
	}
	for (t0 = time_now_ns(); cpus_online < want && time_now_ns() - t0 < 1000000000ULL;)
		cpu_relax();
	pr_info("smp: trampoline at %#llx; %u of %u CPUs online\n", (unsigned long long)page,
		cpus_online, want);
	return cpus_online;
}

u32 smp_online_cpus(void)
{
	return cpus_online;
}

u32 smp_apic_id(u32 cpu)
{
	return apic_ids[cpu];
}

void smp_run_on(u32 cpu, void (*fn)(void *arg), void *arg)
{
	ap_work[cpu].arg = arg;
	__atomic_store_n(&ap_work[cpu].fn, fn, __ATOMIC_RELEASE);
	lapic_send_ipi(apic_ids[cpu], VEC_KICK);
}
