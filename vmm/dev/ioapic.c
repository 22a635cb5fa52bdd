// SPDX-License-Identifier: GPL-2.0-only
/*
 * Virtual IOAPIC (see vmm/dev/ioapic.h). Redirection entry bits: 82093AA
 * data sheet section 3.2.4.
 */
#include "vmm/dev/ioapic.h"
#include "vmm/lib/klib.h"

#define REG_ID	    0x00
#define REG_VERSION 0x01
#define REG_ARB	    0x02
#define REG_REDIR   0x10
#define OFF_REGSEL  0x00
#define OFF_WINDOW  0x10
#define OFF_EOI	    0x40
#define VERSION	    0x20 /* has the EOI register */

#define RTE_VECTOR     0xffULL
#define RTE_MODE(e)    (((e) >> 8) & 7)
#define RTE_LOGICAL    (1ULL << 11)
#define RTE_REMOTE_IRR (1ULL << 14)
#define RTE_LEVEL      (1ULL << 15)
#define RTE_MASKED     (1ULL << 16)
#define RTE_DEST(e)    ((u32)((e) >> 56))
#define RTE_RO_BITS    (RTE_REMOTE_IRR | (1ULL << 12))

void ioapic_init(struct ioapic *io, u32 id, ioapic_deliver_fn deliver, void *ctx)
{
	memset(io, 0, sizeof(*io));
	io->id = id;
	io->deliver = deliver;
	io->ctx = ctx;
	for (int i = 0; i < IOAPIC_PINS; i++)
		io->redir[i] = RTE_MASKED;
}

static void fire(struct ioapic *io, u32 pin)
{
	u64 e = io->redir[pin];

	if (e & RTE_MASKED)
		return;
	if (e & RTE_LEVEL) {
		if (e & RTE_REMOTE_IRR)
			return;
		io->redir[pin] |= RTE_REMOTE_IRR;
	}
	io->deliver(io->ctx, RTE_DEST(e), e & RTE_LOGICAL, (u8)RTE_MODE(e), (u8)(e & RTE_VECTOR),
		    e & RTE_LEVEL);
}

void ioapic_set_pin(struct ioapic *io, u32 pin, bool level)
{
	bool was;

	if (pin >= IOAPIC_PINS)
		return;
	was = io->pin_level & (1u << pin);
	if (level)
		io->pin_level |= 1u << pin;
	else
		io->pin_level &= ~(1u << pin);
	if (level && (!was || (io->redir[pin] & RTE_LEVEL)))
		fire(io, pin);
}

void ioapic_eoi(struct ioapic *io, u8 vector)
{
	for (u32 pin = 0; pin < IOAPIC_PINS; pin++) {
		u64 e = io->redir[pin];
		if (!(e & RTE_LEVEL) || (e & RTE_VECTOR) != vector || !(e & RTE_REMOTE_IRR))
			continue;
		io->redir[pin] &= ~RTE_REMOTE_IRR;
		if (io->pin_level & (1u << pin))
			fire(io, pin);
	}
}

static u32 reg_read(struct ioapic *io, u32 reg)
{
	u32 pin = (reg - REG_REDIR) / 2;

	switch (reg) {
	case REG_ID: return io->id << 24;
	case REG_VERSION: return ((IOAPIC_PINS - 1) << 16) | VERSION;
	case REG_ARB: return io->id << 24;
	default:
		if (reg >= REG_REDIR && pin < IOAPIC_PINS)
			return (reg & 1) ? (u32)(io->redir[pin] >> 32) : (u32)io->redir[pin];
		return 0;
	}
}

static void reg_write(struct ioapic *io, u32 reg, u32 val)
{
	u32 pin = (reg - REG_REDIR) / 2;
	u64 e;

	if (reg == REG_ID) {
		io->id = (val >> 24) & 0xf;
		return;
	}
	if (reg < REG_REDIR || pin >= IOAPIC_PINS)
		return;
	e = io->redir[pin];
	if (reg & 1)
		e = (e & 0xffffffffULL) | ((u64)val << 32);
	else
		e = (e & ~0xffffffffULL) | (val & ~(u32)RTE_RO_BITS) | (e & RTE_RO_BITS);
	io->redir[pin] = e;
	/* Unmasking a level pin that is still high delivers it (no edge will come). */
	if (!(e & RTE_MASKED) && (e & RTE_LEVEL) && (io->pin_level & (1u << pin)))
		fire(io, pin);
}

u32 ioapic_mmio_read(struct ioapic *io, u64 offset)
{
	if (offset == OFF_REGSEL)
		return io->regsel;
	if (offset == OFF_WINDOW)
		return reg_read(io, io->regsel);
	return 0;
}

void ioapic_mmio_write(struct ioapic *io, u64 offset, u32 val)
{
	if (offset == OFF_REGSEL)
		io->regsel = val & 0xff;
	else if (offset == OFF_WINDOW)
		reg_write(io, io->regsel, val);
	else if (offset == OFF_EOI)
		ioapic_eoi(io, (u8)val);
}
