// SPDX-License-Identifier: GPL-2.0-only
/*
 * The rest of the legacy PC the guest expects: the port faces of the 8254
 * (vmm/dev/pit.c), a pair of 8259A interrupt controllers that keep their
 * registers but deliver nothing (every interrupt goes through the IOAPIC;
 * the MADT says so), the CMOS/RTC, whose clock registers are read from
 * the node's own RTC so the guest's wall clock is right.
 */
#include "vmm/platform/devices.h"
#include "vmm/virt/irq.h"
#include "vmm/dev/pit.h"
#include "vmm/virt/io.h"
#include "vmm/virt/vm.h"
#include "vmm/lib/x86.h"
#include "vmm/host/tsc.h"
#include "vmm/dev/kvmclock.h"

/* ---- 8254 ---------------------------------------------------------------- */

static u32 pit_io_read(struct vcpu *v, void *ctx, u16 port, u8 size)
{
	return pit_read(ctx, port);
}

static void pit_io_write(struct vcpu *v, void *ctx, u16 port, u8 size, u32 val)
{
	pit_write(ctx, port, (u8)val);
}

static void pit_irq0(void *ctx)
{
	irq_set_isa(ctx, 0, true);
	irq_set_isa(ctx, 0, false);
}

/* ---- 8259A pair (Intel 8259A data sheet: ICW1-4, OCW1-3) -------------------- */

struct pic8259 {
	u8 imr, icw_step, icw4_needed, read_isr, elcr;
};

static struct pic8259 pics[2];

static u32 pic_read(struct vcpu *v, void *ctx, u16 port, u8 size)
{
	struct pic8259 *p = &pics[port >= 0xa0];

	if (port == 0x4d0 || port == 0x4d1)
		return pics[port & 1].elcr;
	return (port & 1) ? p->imr : 0; /* IRR and ISR: nothing ever pending here */
}

static void pic_write(struct vcpu *v, void *ctx, u16 port, u8 size, u32 val)
{
	struct pic8259 *p = &pics[port >= 0xa0];

	if (port == 0x4d0 || port == 0x4d1) {
		pics[port & 1].elcr = (u8)val;
	} else if (!(port & 1)) {
		if (val & 0x10) { /* ICW1: initialisation starts, everything masked */
			p->icw_step = 2;
			p->icw4_needed = val & 1;
			p->imr = 0xff;
		} else if ((val & 0x18) == 0x08) {
			p->read_isr = val & 1; /* OCW3 */
		}
	} else if (p->icw_step == 2) {
		p->icw_step = 3; /* ICW2: vector base, unused: nothing is delivered */
	} else if (p->icw_step == 3) {
		p->icw_step = p->icw4_needed ? 4 : 0;
	} else if (p->icw_step == 4) {
		p->icw_step = 0;
	} else {
		p->imr = (u8)val; /* OCW1 */
	}
}

/* ---- CMOS / RTC (MC146818 register map) ------------------------------------ */

#define CMOS_INDEX	   0x70
#define CMOS_DATA	   0x71
#define RTC_LAST_CLOCK_REG 0x0d
#define CMOS_CENTURY	   0x32

struct cmos {
	u8 index;
	u8 nvram[128];
};

static struct cmos cmos;

/* The clock registers (and century) come from the node's RTC, untouched. */
static bool cmos_passthrough(u8 reg)
{
	return reg <= RTC_LAST_CLOCK_REG || reg == CMOS_CENTURY;
}

static u32 cmos_read(struct vcpu *v, void *ctx, u16 port, u8 size)
{
	if (port == CMOS_INDEX)
		return cmos.index;
	if (cmos_passthrough(cmos.index)) {
		outb(CMOS_INDEX, cmos.index);
		return inb(CMOS_DATA);
	}
	return cmos.nvram[cmos.index];
}

static void cmos_write(struct vcpu *v, void *ctx, u16 port, u8 size, u32 val)
{
	if (port == CMOS_INDEX)
		cmos.index = val & 0x7f; /* bit 7 masks NMI: no NMIs come from here */
	else if (!cmos_passthrough(cmos.index))
		cmos.nvram[cmos.index] = (u8)val; /* the guest may not set the node's clock */
}

static u32 bcd(u8 v)
{
	return (v >> 4) * 10 + (v & 15);
}

static u8 rtc_reg(u8 reg)
{
	outb(CMOS_INDEX, reg);
	return inb(CMOS_DATA);
}

/* The node's RTC as seconds since 1970 (for kvmclock's wall clock). Waits out an
 * update in progress (status A bit 7); assumes UTC, BCD or binary per status B. */
static u64 rtc_epoch(void)
{
	u8 status_b, h;
	u32 f[6];
	static const u8 regs[6] = { 0x09, 0x08, 0x07, 0x04, 0x02, 0x00 };

	for (int spin = 0; spin < 100000 && (rtc_reg(0x0a) & 0x80); spin++)
		cpu_relax();
	status_b = rtc_reg(0x0b);
	for (int i = 0; i < 6; i++) {
		u8 raw = rtc_reg(regs[i]);
		h = i == 3 ? raw & 0x80 : 0; /* 12-hour PM flag */
		raw &= i == 3 ? 0x7f : 0xff;
		f[i] = (status_b & 0x04) ? raw : bcd(raw);
		if (i == 3 && !(status_b & 0x02) && h) /* 12-hour clock */
			f[i] = f[i] % 12 + 12;
	}
	return kvmclock_epoch(2000 + f[0], f[1], f[2], f[3], f[4], f[5]);
}

int legacy_devices_init(struct vm *vm)
{
	const struct io_device devs[] = {
		{ "8254 PIT", 0x40, 4, pit_io_read, pit_io_write, &vm->pit },
		{ "port B (PIT gate 2, speaker)", 0x61, 1, pit_io_read, pit_io_write, &vm->pit },
		{ "8259A master", 0x20, 2, pic_read, pic_write, NULL },
		{ "8259A slave", 0xa0, 2, pic_read, pic_write, NULL },
		{ "8259A ELCR", 0x4d0, 2, pic_read, pic_write, NULL },
		{ "CMOS/RTC", CMOS_INDEX, 2, cmos_read, cmos_write, NULL },
	};
	int rc = 0;

	pit_init(&vm->pit, time_now_ns, pit_irq0, vm);
	vm->tsc_base = rdtsc();
	vm->boot_epoch = rtc_epoch();
	for (size_t i = 0; i < ARRAY_SIZE(devs) && !rc; i++)
		rc = io_register(&devs[i]);
	return rc;
}
