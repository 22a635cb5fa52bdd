// SPDX-License-Identifier: GPL-2.0-only
/*
 * Local APIC driver (see vmm/host/lapic.h). The timer's input clock differs
 * from machine to machine, so it is measured against the calibrated TSC
 * before the periodic timer is programmed.
 */
#include "vmm/host/lapic.h"
#include "vmm/host/tsc.h"
#include "vmm/host/idt.h"
#include "vmm/host/log.h"
#include "vmm/host/paging.h"
#include "vmm/host/percpu.h"
#include "vmm/lib/x86.h"

#define APIC_BASE_ENABLE (1ULL << 11)
#define APIC_BASE_MASK	 0x000ffffffffff000ULL
#define LAPIC_ID	 0x020
#define LAPIC_VERSION	 0x030
#define LAPIC_TPR	 0x080
#define LAPIC_EOI	 0x0B0
#define LAPIC_SVR	 0x0F0
#define LAPIC_ICR_LO	 0x300
#define LAPIC_ICR_HI	 0x310
#define ICR_BUSY	 (1u << 12)
#define ICR_LEVEL_ASSERT (1u << 14)
#define ICR_ALL_BUT_SELF (3u << 18)
#define ICR_NMI		 (4u << 8)
#define ICR_INIT	 (5u << 8)
#define ICR_STARTUP	 (6u << 8)
#define LAPIC_LVT_TIMER	 0x320
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR	 0x390
#define LAPIC_TIMER_DIV	 0x3E0
#define SVR_ENABLE	 0x100
#define LVT_MASKED	 (1u << 16)
#define LVT_PERIODIC	 (1u << 17)
#define TIMER_DIV_16	 0x3

static volatile u32 *lapic_regs;

static u32 lapic_read(u32 reg)
{
	return lapic_regs[reg / 4];
}

static void lapic_write(u32 reg, u32 v)
{
	lapic_regs[reg / 4] = v;
}

int lapic_init(void)
{
	u64 base;

	if (!(cpuid(1, 0).edx & (1u << 9))) {
		pr_err("lapic: CPUID reports no local APIC\n");
		return -E_NOTSUP;
	}
	base = rdmsr(MSR_IA32_APIC_BASE);
	if (!(base & APIC_BASE_ENABLE))
		wrmsr(MSR_IA32_APIC_BASE, base | APIC_BASE_ENABLE);
	base &= APIC_BASE_MASK;
	paging_set_uncached(base, PAGE_SIZE);
	lapic_regs = hpa_to_ptr(base);
	lapic_write(LAPIC_TPR, 0);
	lapic_write(LAPIC_SVR, SVR_ENABLE | VEC_SPURIOUS);
	this_cpu()->apic_id = lapic_id();
	pr_info("lapic: xAPIC at %#llx, id %u, version %#x\n", (unsigned long long)base, lapic_id(),
		lapic_read(LAPIC_VERSION) & 0xff);
	return 0;
}

void lapic_init_ap(void)
{
	wrmsr(MSR_IA32_APIC_BASE, rdmsr(MSR_IA32_APIC_BASE) | APIC_BASE_ENABLE);
	lapic_write(LAPIC_TPR, 0);
	lapic_write(LAPIC_SVR, SVR_ENABLE | VEC_SPURIOUS);
	this_cpu()->apic_id = lapic_id();
}

static void lapic_icr(u32 dest, u32 lo)
{
	for (int spin = 0; spin < 1000000 && (lapic_read(LAPIC_ICR_LO) & ICR_BUSY); spin++)
		cpu_relax();
	lapic_write(LAPIC_ICR_HI, dest << 24);
	lapic_write(LAPIC_ICR_LO, lo);
}

void lapic_send_ipi(u32 apic_id, u8 vector)
{
	lapic_icr(apic_id, vector);
}

void lapic_broadcast_init(void)
{
	lapic_icr(0, ICR_ALL_BUT_SELF | ICR_LEVEL_ASSERT | ICR_INIT);
}

/* The highest vector set in the 256-bit register at base (ISR 0x100, IRR 0x200), or -1. */
static int highest_vector(u32 base)
{
	for (int i = 7; i >= 0; i--) {
		u32 bits = lapic_read(base + 0x10 * (u32)i);
		if (bits)
			return i * 32 + 31 - __builtin_clz(bits);
	}
	return -1;
}

int lapic_in_service(void)
{
	return highest_vector(0x100);
}

int lapic_requested(void)
{
	return highest_vector(0x200);
}

void lapic_send_nmi(u32 apic_id)
{
	lapic_icr(apic_id, ICR_LEVEL_ASSERT | ICR_NMI);
}

void lapic_broadcast_sipi(u8 vector)
{
	lapic_icr(0, ICR_ALL_BUT_SELF | ICR_LEVEL_ASSERT | ICR_STARTUP | vector);
}

u32 lapic_id(void)
{
	return lapic_read(LAPIC_ID) >> 24;
}

void lapic_eoi(void)
{
	lapic_write(LAPIC_EOI, 0);
}

static void lapic_timer_irq(struct trap_frame *tf)
{
	this_cpu()->timer_ticks++;
	this_cpu()->timer_armed = 0;
	lapic_eoi();
}

/* Timer input clock (after the divider) in Hz, measured over 10 ms of TSC. */
static u64 lapic_timer_measure(void)
{
	u32 start = 0xffffffffU;

	lapic_write(LAPIC_TIMER_DIV, TIMER_DIV_16);
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | VEC_LAPIC_TIMER);
	lapic_write(LAPIC_TIMER_INIT, start);
	udelay(10000);
	return (u64)(start - lapic_read(LAPIC_TIMER_CUR)) * 100;
}

static u64 lapic_clock_hz;

/*
 * The callers arm the timer before every guest entry and every pause, mostly for about the
 * deadline armed last time. Each write to the timer's registers is an exit to the emulator's
 * device model (and on real hardware an uncached write), so a timer still armed for at most
 * an eighth of the time left before the deadline, and no later than it, is kept: it fires
 * at worst a little early, and whoever it wakes arms it again.
 */
void lapic_timer_arm(u64 deadline_ns)
{
	struct percpu *cpu = this_cpu();
	u64 now = time_now_ns(), delta = deadline_ns > now ? deadline_ns - now : 0;
	u64 armed = cpu->timer_armed, count;

	if (armed && armed <= deadline_ns && deadline_ns - armed <= delta / 8) {
		cpu->timer_kept++;
		return;
	}
	cpu->timer_writes++;
	count = (u64)((unsigned __int128)delta * lapic_clock_hz / 1000000000ULL);
	if (!cpu->timer_oneshot) {
		lapic_write(LAPIC_LVT_TIMER, VEC_LAPIC_TIMER); /* one-shot */
		cpu->timer_oneshot = true;
	}
	cpu->timer_armed = deadline_ns ? deadline_ns : 1; /* before the write: it may fire at once */
	lapic_write(LAPIC_TIMER_INIT, count > 0xffffffffULL ? 0xffffffffU : count ? (u32)count : 1);
}

u64 lapic_timer_start(u32 hz)
{
	u64 clock = lapic_timer_measure();

	lapic_clock_hz = clock;
	u64 count = clock / hz;

	idt_set_handler(VEC_LAPIC_TIMER, lapic_timer_irq);
	lapic_write(LAPIC_TIMER_INIT, 0);
	lapic_write(LAPIC_LVT_TIMER, LVT_PERIODIC | VEC_LAPIC_TIMER);
	lapic_write(LAPIC_TIMER_INIT, (u32)(count ? count : 1));
	return clock;
}

void lapic_timer_counts(u64 *writes, u64 *kept)
{
	*writes = *kept = 0;
	for (u32 i = 0; i < MAX_CPUS; i++) {
		const struct percpu *p = percpu_of(i);
		if (p) {
			*writes += p->timer_writes;
			*kept += p->timer_kept;
		}
	}
}
