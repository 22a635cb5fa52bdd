// SPDX-License-Identifier: GPL-2.0-only
/*
 * The virtual local APIC with a fake clock: priorities (TPR, in-service
 * classes), EOI, x2APIC MSR rules, and the timer's one-shot, periodic and
 * TSC-deadline modes.
 */
#include "tests/unit/check.h"
#include "vmm/dev/vlapic.h"
#include "vmm/virt/vcpu.h"

static u64 fake_ns;
static u64 fake_now(void)
{
	return fake_ns;
}
static u64 fake_tsc_to_ns(u64 tsc)
{
	return tsc / 2; /* a 2 GHz TSC */
}

static struct vlapic a;

static void setup(void)
{
	fake_ns = 1000;
	vlapic_now_ns = fake_now;
	vlapic_tsc_to_ns = fake_tsc_to_ns;
	vlapic_init(&a, 0, true);
	CHECK_EQ(vlapic_msr_write(&a, 0x1b, 0xfee00000 | 0xc00), 0); /* x2APIC */
	CHECK_EQ(vlapic_msr_write(&a, 0x80f, 0x1ff), 0);	     /* SVR enable */
}

TEST(priorities_and_eoi)
{
	setup();
	CHECK_EQ(vlapic_pending(&a), -1);
	vlapic_set_irr(&a, 0x31, false);
	vlapic_set_irr(&a, 0x52, false);
	CHECK_EQ(vlapic_pending(&a), 0x52);
	vlapic_accept(&a, 0x52);
	/* 0x31's class (3) is below the in-service class (5): held back */
	CHECK_EQ(vlapic_pending(&a), -1);
	vlapic_set_irr(&a, 0x61, false);
	CHECK_EQ(vlapic_pending(&a), 0x61);	     /* higher class preempts */
	CHECK_EQ(vlapic_msr_write(&a, 0x80b, 0), 0); /* EOI: none in service for 0x61 yet */
	CHECK_EQ(vlapic_pending(&a), 0x61);
	vlapic_accept(&a, 0x61);
	CHECK_EQ(vlapic_msr_write(&a, 0x80b, 0), 0); /* ends 0x61 */
	CHECK_EQ(vlapic_msr_write(&a, 0x80b, 0), 0); /* ends 0x52 */
	CHECK_EQ(vlapic_pending(&a), 0x31);
	CHECK_EQ(vlapic_msr_write(&a, 0x808, 0x40), 0); /* TPR class 4 */
	CHECK_EQ(vlapic_pending(&a), -1);
	CHECK_EQ(vlapic_msr_write(&a, 0x808, 0x20), 0);
	CHECK_EQ(vlapic_pending(&a), 0x31);
}

TEST(disabled_apic_delivers_nothing)
{
	setup();
	vlapic_set_irr(&a, 0x40, false);
	CHECK_EQ(vlapic_msr_write(&a, 0x80f, 0xff), 0); /* software-disabled */
	CHECK_EQ(vlapic_pending(&a), -1);
	vlapic_set_irr(&a, 3, false); /* illegal vector: error, never delivered */
	CHECK_EQ(vlapic_msr_write(&a, 0x80f, 0x1ff), 0);
	CHECK_EQ(vlapic_pending(&a), 0x40);
}

TEST(x2apic_msr_rules)
{
	u64 v;

	setup();
	CHECK_EQ(vlapic_msr_read(&a, 0x802, &v), 0);
	CHECK_EQ_U64(v, 0);
	CHECK_EQ(vlapic_msr_write(&a, 0x802, 1), -E_INVAL);	     /* ID is read-only */
	CHECK_EQ(vlapic_msr_read(&a, 0x80b, &v), -E_INVAL);	     /* EOI is write-only */
	CHECK_EQ(vlapic_msr_read(&a, 0x80e, &v), -E_INVAL);	     /* no DFR in x2APIC */
	CHECK_EQ(vlapic_msr_write(&a, 0x808, 1ULL << 32), -E_INVAL); /* reserved high half */
	CHECK_EQ(vlapic_msr_read(&a, 0x803, &v), 0);
	CHECK_EQ_U64(v & 0xff, 0x14);
	/* leaving x2APIC straight for xAPIC is illegal; through disabled is fine */
	CHECK_EQ(vlapic_msr_write(&a, 0x1b, 0xfee00000 | 0x800), -E_INVAL);
	CHECK_EQ(vlapic_msr_write(&a, 0x1b, 0xfee00000), 0);
	CHECK_EQ(vlapic_msr_read(&a, 0x802, &v), -E_INVAL); /* not in x2APIC mode now */
	CHECK_EQ(vlapic_msr_write(&a, 0x1b, 0xfee00000 | 0x400), -E_INVAL); /* EXTD without EN */
	/* xAPIC MMIO once back in xAPIC mode */
	CHECK_EQ(vlapic_msr_write(&a, 0x1b, 0xfee00000 | 0x800), 0);
	CHECK_EQ(vlapic_mmio_read(&a, 0x30) & 0xff, 0x14);
	CHECK_EQ(vlapic_mmio_read(&a, 0x20), 0);
}

TEST(self_ipi_through_icr)
{
	setup();
	CHECK_EQ(vlapic_msr_write(&a, 0x830, 0x4055), 0); /* self shorthand, vector 0x55 */
	CHECK_EQ(vlapic_pending(&a), 0x55);
	vlapic_accept(&a, 0x55);
	CHECK_EQ(vlapic_msr_write(&a, 0x83f, 0x66), 0); /* SELF IPI register */
	CHECK_EQ(vlapic_pending(&a), 0x66);
}

TEST(timer_oneshot)
{
	u64 v;

	setup();
	CHECK_EQ(vlapic_msr_write(&a, 0x83e, 0x3), 0);	/* divide by 16 */
	CHECK_EQ(vlapic_msr_write(&a, 0x832, 0x41), 0); /* one-shot, vector 0x41 */
	CHECK_EQ(vlapic_msr_write(&a, 0x838, 100), 0);	/* 100 counts = 1600 ns */
	CHECK_EQ_U64(vlapic_timer_poll(&a, fake_ns), 1000 + 1600);
	fake_ns += 800;
	CHECK_EQ(vlapic_msr_read(&a, 0x839, &v), 0);
	CHECK_EQ_U64(v, 50);
	CHECK_EQ(vlapic_pending(&a), -1);
	fake_ns += 800;
	CHECK_EQ_U64(vlapic_timer_poll(&a, fake_ns), 0); /* fired, disarmed */
	CHECK_EQ(vlapic_pending(&a), 0x41);
	CHECK_EQ(vlapic_msr_read(&a, 0x839, &v), 0);
	CHECK_EQ_U64(v, 0);
	CHECK_EQ(a.timer_fired, 1);
}

TEST(timer_periodic_does_not_burst)
{
	setup();
	CHECK_EQ(vlapic_msr_write(&a, 0x83e, 0xb), 0);	   /* divide by 1 */
	CHECK_EQ(vlapic_msr_write(&a, 0x832, 0x20040), 0); /* periodic */
	CHECK_EQ(vlapic_msr_write(&a, 0x838, 1000), 0);
	fake_ns += 1000;
	CHECK_EQ_U64(vlapic_timer_poll(&a, fake_ns), 3000);
	fake_ns += 10000; /* far behind: one interrupt, next deadline from now */
	CHECK_EQ_U64(vlapic_timer_poll(&a, fake_ns), fake_ns + 1000);
	CHECK_EQ(a.timer_fired, 2);
	CHECK_EQ(vlapic_msr_write(&a, 0x838, 0), 0); /* stopped */
	CHECK_EQ_U64(vlapic_timer_poll(&a, fake_ns + 5000), 0);
}

TEST(timer_masked_fires_no_interrupt)
{
	setup();
	CHECK_EQ(vlapic_msr_write(&a, 0x832, 0x10041), 0);
	CHECK_EQ(vlapic_msr_write(&a, 0x838, 10), 0);
	fake_ns += 1000;
	vlapic_timer_poll(&a, fake_ns);
	CHECK_EQ(vlapic_pending(&a), -1);
}

TEST(timer_tsc_deadline)
{
	setup();
	CHECK_EQ(vlapic_msr_write(&a, 0x6e0, 5000), 0); /* ignored: not in deadline mode */
	CHECK_EQ_U64(a.tsc_deadline, 0);
	CHECK_EQ(vlapic_msr_write(&a, 0x832, 0x40042), 0);
	CHECK_EQ(vlapic_msr_write(&a, 0x838, 100), 0); /* count ignored in deadline mode */
	CHECK_EQ(a.timer_initial, 0);
	CHECK_EQ(vlapic_msr_write(&a, 0x6e0, 6000), 0); /* TSC 6000 = 3000 ns */
	CHECK_EQ_U64(vlapic_timer_poll(&a, 2999), 3000);
	CHECK_EQ(vlapic_pending(&a), -1);
	CHECK_EQ_U64(vlapic_timer_poll(&a, 3000), 0);
	CHECK_EQ(vlapic_pending(&a), 0x42);
	CHECK_EQ_U64(a.tsc_deadline, 0); /* the MSR reads 0 after firing */
}

/* A yield after PAUSE ends at its deadline, for an NMI, or for an interrupt the guest
 * can take now: not for one it has masked (RFLAGS.IF clear), nor one held back by
 * priority. */
TEST(pause_yield_ends_only_for_a_deliverable_interrupt)
{
	static struct vcpu v;

	memset(&v, 0, sizeof(v));
	vlapic_now_ns = fake_now;
	vlapic_tsc_to_ns = fake_tsc_to_ns;
	vlapic_init(&v.lapic, 0, true);
	CHECK_EQ(vlapic_msr_write(&v.lapic, 0x1b, 0xfee00000 | 0xc00), 0);
	CHECK_EQ(vlapic_msr_write(&v.lapic, 0x80f, 0x1ff), 0);
	v.yield_until = 2000;
	v.regs.rflags = 0x2; /* interrupts off */
	CHECK(!vcpu_yield_over(&v, 1000));
	vlapic_set_irr(&v.lapic, 0xec, false); /* the timer's vector, say */
	CHECK(!vcpu_yield_over(&v, 1000));     /* masked: the guest spins with IF clear */
	CHECK(vcpu_yield_over(&v, 2000));      /* the yield's own end */
	v.regs.rflags = 0x202;
	CHECK(vcpu_yield_over(&v, 1000)); /* IF set: it can take it */
	vlapic_accept(&v.lapic, 0xec);
	vlapic_set_irr(&v.lapic, 0x31, false); /* below the in-service class */
	CHECK(!vcpu_yield_over(&v, 1000));
	v.regs.rflags = 0x2;
	v.pending_nmi = 1;
	CHECK(vcpu_yield_over(&v, 1000)); /* an NMI, whatever IF says */
}
