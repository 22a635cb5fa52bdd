/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The guest's IOAPIC (Intel 82093AA data sheet): 24 pins at 0xfec00000,
 * registers through IOREGSEL/IOWIN, edge and level triggering with remote
 * IRR, masking, and the version 0x20 EOI register. Delivery goes through a
 * callback to the local APICs it addresses. Builds on the host.
 */
#ifndef UNUM_VMM_DEV_IOAPIC_H
#define UNUM_VMM_DEV_IOAPIC_H

#include "vmm/lib/types.h"

#define IOAPIC_PINS 24

struct ioapic;

/* Sends vector to the LAPICs dest names (logical or physical) in delivery mode. */
typedef void (*ioapic_deliver_fn)(void *ctx, u32 dest, bool logical, u8 mode, u8 vector,
				  bool level);

struct ioapic {
	u32 id;
	u32 regsel;
	u64 redir[IOAPIC_PINS];
	u32 pin_level; /* input line levels, one bit per pin */
	ioapic_deliver_fn deliver;
	void *ctx;
};

void ioapic_init(struct ioapic *io, u32 id, ioapic_deliver_fn deliver, void *ctx);
u32 ioapic_mmio_read(struct ioapic *io, u64 offset);
void ioapic_mmio_write(struct ioapic *io, u64 offset, u32 val);
/* Sets the level of an input pin; a rising edge (edge pins) or a high level
 * (level pins, remote IRR clear) delivers the interrupt. */
void ioapic_set_pin(struct ioapic *io, u32 pin, bool level);
/* A local APIC ended a level-triggered vector: clear remote IRR, deliver again if still high. */
void ioapic_eoi(struct ioapic *io, u8 vector);

#endif
