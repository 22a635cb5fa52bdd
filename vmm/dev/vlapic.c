// SPDX-License-Identifier: GPL-2.0-only
/*
 * Virtual local APIC (see vmm/dev/vlapic.h). The processor priority is the
 * higher of TPR and the highest in-service vector's class (SDM 11.8.3.1);
 * a requested vector is delivered only when its class is above it.
 * Builds on the host.
 */
#include "vmm/dev/vlapic.h"
#include "vmm/lib/klib.h"
#include "vmm/dev/vlapic_timer.h"

#define REG_ID	       0x020
#define REG_VERSION    0x030
#define REG_TPR	       0x080
#define REG_APR	       0x090
#define REG_PPR	       0x0a0
#define REG_EOI	       0x0b0
#define REG_LDR	       0x0d0
#define REG_DFR	       0x0e0
#define REG_SVR	       0x0f0
#define REG_ISR	       0x100
#define REG_TMR	       0x180
#define REG_IRR	       0x200
#define REG_ESR	       0x280
#define REG_LVT_CMCI   0x2f0
#define REG_ICR_LO     0x300
#define REG_ICR_HI     0x310
#define REG_LVT_TIMER  0x320
#define REG_LVT_ERROR  0x370
#define REG_TIMER_INIT 0x380
#define REG_TIMER_CUR  0x390
#define REG_TIMER_DIV  0x3e0
#define REG_SELF_IPI   0x3f0

#define APIC_VERSION	 0x00060014 /* version 0x14, 7 LVT entries (max index 6) */
#define SVR_ENABLE	 0x100
#define LVT_MASK	 (1u << 16)
#define APIC_BASE_BSP	 (1ULL << 8)
#define APIC_BASE_EXTD	 (1ULL << 10)
#define APIC_BASE_EN	 (1ULL << 11)
#define MSR_APIC_BASE	 0x1b
#define MSR_TSC_DEADLINE 0x6e0
#define MSR_X2APIC_FIRST 0x800
#define MSR_X2APIC_LAST	 0x8ff

u64 (*vlapic_now_ns)(void);

/* Built aside and copied in: an INIT resets the LAPIC on its own CPU while another
 * CPU may be matching an IPI's destination against it (the SIPI that follows the
 * INIT, sent back to back). Zeroing it in place made its id read 0 for a moment,
 * and that SIPI was lost (seen once in tiny-guests' smp-ipi). */
void vlapic_init(struct vlapic *a, u32 id, bool bsp)
{
	struct vlapic n;

	memset(&n, 0, sizeof(n));
	n.id = id;
	n.apic_base = VLAPIC_BASE | APIC_BASE_EN | (bsp ? APIC_BASE_BSP : 0);
	n.dfr = 0xffffffff;
	n.svr = 0xff;
	for (int i = 0; i < 7; i++)
		n.lvt[i] = LVT_MASK;
	*a = n;
}

bool vlapic_x2apic_mode(const struct vlapic *a)
{
	return (a->apic_base & (APIC_BASE_EN | APIC_BASE_EXTD)) == (APIC_BASE_EN | APIC_BASE_EXTD);
}

/* Atomic: another CPU may set a bit (an IPI, a device interrupt) while the
 * owning CPU clears another. */
static void vec_set(u32 *bits, u8 v, bool on)
{
	if (on)
		__atomic_fetch_or(&bits[v / 32], 1u << (v % 32), __ATOMIC_RELEASE);
	else
		__atomic_fetch_and(&bits[v / 32], ~(1u << (v % 32)), __ATOMIC_RELEASE);
}

bool vlapic_match_dest(const struct vlapic *a, u32 dest, bool logical)
{
	bool x2 = vlapic_x2apic_mode(a);

	if (!logical)
		return dest == (x2 ? 0xffffffffu : 0xffu) || dest == a->id;
	if (x2) /* cluster in 31:16, one bit per member in 15:0 (SDM 11.12.10.2) */
		return dest == 0xffffffffu ||
		       ((dest >> 16) == (a->id >> 4) && (dest & (1u << (a->id & 15))));
	if ((a->dfr >> 28) == 0xf) /* flat model */
		return (dest & 0xff) & (a->ldr >> 24);
	return ((dest >> 4) & 0xf) == (a->ldr >> 28) && (dest & (a->ldr >> 24) & 0xf);
}

static int vec_highest(const u32 *bits)
{
	for (int i = 7; i >= 0; i--)
		if (bits[i])
			return i * 32 + 31 - __builtin_clz(bits[i]);
	return -1;
}

static u32 ppr(const struct vlapic *a)
{
	int isr = vec_highest(a->isr);
	u32 isr_class = isr < 0 ? 0 : (u32)isr & 0xf0;

	return (a->tpr & 0xf0) >= isr_class ? a->tpr : isr_class;
}

void vlapic_set_irr(struct vlapic *a, u8 vector, bool level)
{
	if (vector < 16) {
		a->esr |= 1u << 6; /* received illegal vector */
		return;
	}
	/* TMR first: once IRR is set the owner may accept and end the vector, and
	 * its EOI reads TMR to know whether the IOAPIC must hear of it. */
	vec_set(a->tmr, vector, level);
	vec_set(a->irr, vector, true);
}

int vlapic_pending(const struct vlapic *a)
{
	int v = vec_highest(a->irr);

	if (v < 0 || !(a->svr & SVR_ENABLE) || !(a->apic_base & APIC_BASE_EN))
		return -1;
	return ((u32)v & 0xf0) > (ppr(a) & 0xf0) ? v : -1;
}

void vlapic_accept(struct vlapic *a, u8 vector)
{
	vec_set(a->irr, vector, false);
	vec_set(a->isr, vector, true);
}

static void vlapic_eoi(struct vlapic *a);

bool vlapic_irr_any(const struct vlapic *a)
{
	return vec_highest(a->irr) >= 0;
}

bool vlapic_isr_edge_only(const struct vlapic *a)
{
	int v = vec_highest(a->isr);

	return v >= 0 && !((a->tmr[v / 32] >> (v % 32)) & 1);
}

void vlapic_eoi_pv(struct vlapic *a)
{
	vlapic_eoi(a);
}

static void vlapic_eoi(struct vlapic *a)
{
	int v = vec_highest(a->isr);

	if (v < 0)
		return;
	vec_set(a->isr, (u8)v, false);
	if ((a->tmr[v / 32] >> (v % 32)) & 1) {
		vec_set(a->tmr, (u8)v, false);
		if (a->level_eoi)
			a->level_eoi(a->eoi_ctx, (u8)v);
	}
}

/* ---- register access (xAPIC offsets; x2APIC MSR n is offset (n - 0x800) << 4) ---- */

static u32 reg_read(struct vlapic *a, u32 off)
{
	if (off >= REG_ISR && off < REG_ISR + 0x80)
		return a->isr[(off - REG_ISR) >> 4];
	if (off >= REG_TMR && off < REG_TMR + 0x80)
		return a->tmr[(off - REG_TMR) >> 4];
	if (off >= REG_IRR && off < REG_IRR + 0x80)
		return a->irr[(off - REG_IRR) >> 4];
	if (off >= REG_LVT_TIMER && off <= REG_LVT_ERROR)
		return a->lvt[1 + ((off - REG_LVT_TIMER) >> 4)];
	switch (off) {
	case REG_ID: return vlapic_x2apic_mode(a) ? a->id : a->id << 24;
	case REG_VERSION: return APIC_VERSION;
	case REG_TPR: return a->tpr;
	case REG_PPR: return ppr(a);
	case REG_LDR:
		return vlapic_x2apic_mode(a) ? ((a->id >> 4) << 16) | (1u << (a->id & 15)) : a->ldr;
	case REG_DFR: return a->dfr;
	case REG_SVR: return a->svr;
	case REG_ESR: return a->esr;
	case REG_LVT_CMCI: return a->lvt[0];
	case REG_ICR_LO: return a->icr_lo;
	case REG_ICR_HI: return a->icr_hi;
	case REG_TIMER_INIT: return a->timer_initial;
	case REG_TIMER_CUR: return vlapic_timer_current(a);
	case REG_TIMER_DIV: return a->timer_divide;
	default: return 0;
	}
}

/* Interrupt command: handed to the VM's router (vmm/virt/irq.c), which
 * reaches the other vCPUs; without one, only self-directed fixed IPIs work. */
static void icr_write(struct vlapic *a, u32 lo)
{
	u32 shorthand = (lo >> 18) & 3, mode = (lo >> 8) & 7;
	u32 dest = vlapic_x2apic_mode(a) ? a->icr_hi : a->icr_hi >> 24;

	a->icr_lo = lo & ~(1u << 12); /* delivery status: always idle */
	if (a->send_ipi) {
		a->send_ipi(a->ipi_ctx, a, lo, dest);
		return;
	}
	if (mode == 0 && (shorthand == 1 || shorthand == 2 || (shorthand == 0 && dest == a->id)))
		vlapic_set_irr(a, lo & 0xff, false);
}

static void reg_write(struct vlapic *a, u32 off, u32 val)
{
	if (off >= REG_LVT_TIMER && off <= REG_LVT_ERROR) {
		u32 i = 1 + ((off - REG_LVT_TIMER) >> 4);
		if (!(a->svr & SVR_ENABLE))
			val |= LVT_MASK; /* SDM 11.4.7.2: masked while software-disabled */
		a->lvt[i] = val;
		if (i == 1)
			vlapic_timer_lvt_written(a);
		return;
	}
	switch (off) {
	case REG_TPR: a->tpr = val & 0xff; break;
	case REG_EOI: vlapic_eoi(a); break;
	case REG_LDR: a->ldr = val & 0xff000000; break;
	case REG_DFR: a->dfr = val | 0x0fffffff; break;
	case REG_SVR:
		a->svr = val & 0x3ff;
		if (!(val & SVR_ENABLE))
			for (int i = 0; i < 7; i++)
				a->lvt[i] |= LVT_MASK;
		break;
	case REG_ESR: a->esr = 0; break;
	case REG_LVT_CMCI: a->lvt[0] = val; break;
	case REG_ICR_HI: a->icr_hi = val; break;
	case REG_ICR_LO: icr_write(a, val); break;
	case REG_TIMER_INIT: vlapic_timer_load(a, val); break;
	case REG_TIMER_DIV: a->timer_divide = val & 0xb; break;
	case REG_SELF_IPI: vlapic_set_irr(a, val & 0xff, false); break;
	default: break; /* read-only or reserved: ignored, as hardware */
	}
}

u32 vlapic_mmio_read(struct vlapic *a, u32 offset)
{
	return vlapic_x2apic_mode(a) ? 0xffffffff : reg_read(a, offset & 0xff0);
}

void vlapic_mmio_write(struct vlapic *a, u32 offset, u32 val)
{
	if (!vlapic_x2apic_mode(a) && (offset & 0xff0) != REG_SELF_IPI)
		reg_write(a, offset & 0xff0, val);
}

/* x2APIC MSRs that do not exist or are write-only/read-only (SDM table 11-6). */
static bool x2apic_msr_ok(u32 off, bool write)
{
	switch (off) {
	case REG_ID:
	case REG_VERSION:
	case REG_PPR:
	case REG_LDR:
	case REG_TIMER_CUR: return !write;
	case REG_EOI:
	case REG_SELF_IPI: return write;
	case REG_APR:
	case REG_DFR:
	case REG_ICR_HI:
	case 0x0c0: return false;
	default: return off < 0x400;
	}
}

static int apic_base_write(struct vlapic *a, u64 val)
{
	u64 en_extd = APIC_BASE_EN | APIC_BASE_EXTD;

	if ((val & ~(en_extd | APIC_BASE_BSP | 0xfffff000ULL)) || (val & en_extd) == APIC_BASE_EXTD)
		return -E_INVAL; /* reserved bits, or x2APIC without the APIC enabled */
	if ((a->apic_base & APIC_BASE_EXTD) && !(val & APIC_BASE_EXTD) && (val & APIC_BASE_EN))
		return -E_INVAL; /* x2APIC back to xAPIC without disabling first */
	a->apic_base = (val & ~APIC_BASE_BSP) | (a->apic_base & APIC_BASE_BSP);
	return 0;
}

int vlapic_msr_read(struct vlapic *a, u32 msr, u64 *val)
{
	u32 off = (msr - MSR_X2APIC_FIRST) << 4;

	if (msr == MSR_APIC_BASE) {
		*val = a->apic_base;
		return 0;
	}
	if (msr == MSR_TSC_DEADLINE) {
		*val = a->tsc_deadline;
		return 0;
	}
	if (msr < MSR_X2APIC_FIRST || msr > MSR_X2APIC_LAST || !vlapic_x2apic_mode(a))
		return -E_INVAL;
	if (off == REG_ICR_LO) {
		*val = ((u64)a->icr_hi << 32) | a->icr_lo;
		return 0;
	}
	if (!x2apic_msr_ok(off, false))
		return -E_INVAL;
	*val = reg_read(a, off);
	return 0;
}

int vlapic_msr_write(struct vlapic *a, u32 msr, u64 val)
{
	u32 off = (msr - MSR_X2APIC_FIRST) << 4;

	if (msr == MSR_APIC_BASE)
		return apic_base_write(a, val);
	if (msr == MSR_TSC_DEADLINE) {
		vlapic_tsc_deadline_write(a, val);
		return 0;
	}
	if (msr < MSR_X2APIC_FIRST || msr > MSR_X2APIC_LAST || !vlapic_x2apic_mode(a))
		return -E_INVAL;
	if (!x2apic_msr_ok(off, true) || (val >> 32 && off != REG_ICR_LO))
		return -E_INVAL;
	if (off == REG_ICR_LO)
		a->icr_hi = (u32)(val >> 32);
	reg_write(a, off, (u32)val);
	return 0;
}
