// SPDX-License-Identifier: GPL-2.0-only
/*
 * Virtual 8254 (see vmm/dev/pit.h). A counter is not stepped: its value is
 * computed from the time since it was loaded, so reading it costs no timer
 * and the count is exactly as far along as the monitor's clock.
 */
#include "vmm/dev/pit.h"
#include "vmm/lib/klib.h"

#define PORT_CH0       0x40
#define PORT_CMD       0x43
#define PORT_B	       0x61
#define PORT_B_GATE2   0x01
#define PORT_B_SPEAKER 0x02
#define PORT_B_OUT2    0x20

static u64 ticks_to_ns(u64 ticks)
{
	return (u64)((unsigned __int128)ticks * 1000000000ULL / PIT_HZ);
}

static u64 elapsed_ticks(const struct pit *p, const struct pit_channel *c)
{
	return (u64)((unsigned __int128)(p->now_ns() - c->load_ns) * PIT_HZ / 1000000000ULL);
}

static bool periodic(const struct pit_channel *c)
{
	return c->mode == 2 || c->mode == 3;
}

static u16 count_now(const struct pit *p, const struct pit_channel *c)
{
	u64 n;

	if (!c->counting)
		return (u16)c->reload;
	n = elapsed_ticks(p, c);
	if (periodic(c))
		return (u16)(c->reload - n % c->reload);
	/* modes 0, 1, 4, 5: count down once, then wrap through 0xffff */
	return (u16)(n < c->reload ? c->reload - n : 0x10000 - (n - c->reload) % 0x10000);
}

static bool out_now(const struct pit *p, const struct pit_channel *c)
{
	u64 n;

	if (!c->counting)
		return c->mode != 0;
	n = elapsed_ticks(p, c);
	if (c->mode == 3)
		return n % c->reload < (c->reload + 1) / 2;
	if (c->mode == 2)
		return n % c->reload != c->reload - 1;
	return n >= c->reload;
}

static void start(struct pit *p, struct pit_channel *c, int idx)
{
	c->load_ns = p->now_ns();
	c->counting = c->gate;
	if (idx == 0)
		c->next_irq_ns = c->counting ? c->load_ns + ticks_to_ns(c->reload) : 0;
}

static void write_count(struct pit *p, int idx, u8 val)
{
	struct pit_channel *c = &p->ch[idx];
	u32 v;

	if (c->access == 3 && !c->write_msb) {
		c->write_lsb = val;
		c->write_msb = true;
		return;
	}
	v = c->access == 1 ? val : c->access == 2 ? (u32)val << 8 : (u32)val << 8 | c->write_lsb;
	c->write_msb = false;
	c->reload = v ? v : 0x10000;
	start(p, c, idx);
}

static u8 read_count(struct pit *p, struct pit_channel *c)
{
	u16 v;
	u8 b;

	if (c->status_latched) {
		c->status_latched = false;
		return c->status;
	}
	v = c->latched ? c->latch : count_now(p, c);
	if (c->access == 1 || (c->access == 3 && !c->read_msb)) {
		b = (u8)v;
		c->read_msb = c->access == 3;
	} else {
		b = (u8)(v >> 8);
		c->read_msb = false;
	}
	if (!c->read_msb)
		c->latched = false;
	return b;
}

static void latch(struct pit *p, struct pit_channel *c, bool count, bool status)
{
	if (count && !c->latched) {
		c->latch = count_now(p, c);
		c->latched = true;
	}
	if (status && !c->status_latched) {
		c->status = (u8)((out_now(p, c) ? 0x80 : 0) | (c->access << 4) | (c->mode << 1));
		c->status_latched = true;
	}
}

static void write_command(struct pit *p, u8 val)
{
	u32 sel = val >> 6, access = (val >> 4) & 3;
	struct pit_channel *c;

	if (sel == 3) { /* read-back: bit 5 clear latches counts, bit 4 clear statuses */
		for (int i = 0; i < 3; i++)
			if (val & (2 << i))
				latch(p, &p->ch[i], !(val & 0x20), !(val & 0x10));
		return;
	}
	c = &p->ch[sel];
	if (access == 0) {
		latch(p, c, true, false);
		return;
	}
	c->access = (u8)access;
	c->mode = (val >> 1) & 7;
	if (c->mode > 5)
		c->mode -= 4; /* 6 and 7 are aliases of 2 and 3 */
	c->write_msb = c->read_msb = c->latched = false;
	c->counting = false; /* a new mode waits for its count */
	if (sel == 0)
		c->next_irq_ns = 0;
}

static void set_gate2(struct pit *p, bool gate)
{
	struct pit_channel *c = &p->ch[2];

	if (gate && !c->gate) {
		c->gate = true;
		start(p, c, 2); /* a rising gate (re)starts the count */
	} else if (!gate && c->gate) {
		c->reload = count_now(p, c) ? count_now(p, c) : 0x10000; /* hold where it is */
		c->gate = false;
		c->counting = false;
	}
}

void pit_init(struct pit *p, u64 (*now_ns)(void), void (*irq0)(void *ctx), void *ctx)
{
	memset(p, 0, sizeof(*p));
	p->now_ns = now_ns;
	p->irq0 = irq0;
	p->ctx = ctx;
	for (int i = 0; i < 3; i++) {
		p->ch[i].reload = 0x10000;
		p->ch[i].gate = i != 2;
		p->ch[i].access = 3;
	}
}

u8 pit_read(struct pit *p, u16 port)
{
	if (port == PORT_B)
		return (u8)((p->ch[2].gate ? PORT_B_GATE2 : 0) | (p->speaker ? PORT_B_SPEAKER : 0) |
			    (out_now(p, &p->ch[2]) ? PORT_B_OUT2 : 0));
	if (port >= PORT_CH0 && port < PORT_CMD)
		return read_count(p, &p->ch[port - PORT_CH0]);
	return 0xff; /* the command port is write-only */
}

void pit_write(struct pit *p, u16 port, u8 val)
{
	if (port == PORT_B) {
		p->speaker = val & PORT_B_SPEAKER;
		set_gate2(p, val & PORT_B_GATE2);
	} else if (port == PORT_CMD) {
		write_command(p, val);
	} else if (port >= PORT_CH0 && port < PORT_CMD) {
		write_count(p, port - PORT_CH0, val);
	}
}

u64 pit_poll(struct pit *p, u64 now_ns)
{
	struct pit_channel *c = &p->ch[0];
	u64 period;

	if (!c->next_irq_ns || now_ns < c->next_irq_ns)
		return c->next_irq_ns;
	p->irq0(p->ctx);
	if (!periodic(c)) {
		c->next_irq_ns = 0;
		return 0;
	}
	period = ticks_to_ns(c->reload);
	c->next_irq_ns += period;
	if (c->next_irq_ns <= now_ns) /* fell behind: one interrupt, not a burst */
		c->next_irq_ns = now_ns + period;
	return c->next_irq_ns;
}
