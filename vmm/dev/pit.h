/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The guest's 8254 programmable interval timer (Intel 82C54 data sheet):
 * three counters at 1.193182 MHz derived from the monitor's clock, modes
 * 0 to 5 as far as PC software uses them, latch and read-back commands,
 * channel 2's gate and output through port 0x61, and channel 0's output on
 * ISA IRQ 0. Builds on the host (time and the IRQ line come in as callbacks).
 */
#ifndef UNUM_VMM_DEV_PIT_H
#define UNUM_VMM_DEV_PIT_H

#include "vmm/lib/types.h"

#define PIT_HZ 1193182ULL

struct pit_channel {
	u8 mode, access;	  /* access: 1 LSB, 2 MSB, 3 LSB then MSB */
	bool write_msb, read_msb; /* next byte of a two-byte access is the MSB */
	u8 write_lsb;
	u32 reload;  /* 1..0x10000 */
	u64 load_ns; /* when counting started */
	bool counting, gate;
	bool latched, status_latched;
	u16 latch;
	u8 status;
	u64 next_irq_ns; /* channel 0: when OUT next rises, 0 = never */
};

struct pit {
	struct pit_channel ch[3];
	bool speaker;
	u64 (*now_ns)(void);
	void (*irq0)(void *ctx); /* a rising edge on IRQ 0 */
	void *ctx;
};

void pit_init(struct pit *p, u64 (*now_ns)(void), void (*irq0)(void *ctx), void *ctx);
u8 pit_read(struct pit *p, u16 port); /* 0x40-0x43, 0x61 */
void pit_write(struct pit *p, u16 port, u8 val);
/* Raises IRQ 0 if channel 0's output rose by now_ns; returns the next time it will (0: none). */
u64 pit_poll(struct pit *p, u64 now_ns);

#endif
