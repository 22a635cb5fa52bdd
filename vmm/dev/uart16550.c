// SPDX-License-Identifier: GPL-2.0-only
/*
 * The guest's COM1: a 16550A UART (National Semiconductor PC16550D data
 * sheet) whose transmitter writes to the node's serial console and whose
 * receiver reads from it, so the guest's console is the node's. This first
 * version is polled (no interrupts yet): enough for boot messages and for
 * test guests; the interrupt-driven path comes with the IOAPIC.
 */
#include "vmm/dev/devices.h"
#include "drivers/uart.h"
#include "vmm/io.h"

#define COM1_BASE 0x3f8
#define REG_DATA 0 /* RBR/THR, or DLL with DLAB */
#define REG_IER 1  /* or DLM with DLAB */
#define REG_IIR 2  /* FCR on write */
#define REG_LCR 3
#define REG_MCR 4
#define REG_LSR 5
#define REG_MSR 6
#define REG_SCR 7
#define LCR_DLAB 0x80
#define LSR_DR 0x01
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define IIR_NONE 0x01
#define IIR_FIFO 0xc0
#define MCR_LOOP 0x10

struct uart16550 {
	u8 ier, lcr, mcr, scr, fcr, dll, dlm;
	int pending; /* a byte read from the console but not yet by the guest, or -1 */
};

static struct uart16550 com1 = { .dll = 1, .pending = -1 };

static u8 uart_lsr(struct uart16550 *u)
{
	if (u->pending < 0)
		u->pending = uart_getc();
	return LSR_THRE | LSR_TEMT | (u->pending >= 0 ? LSR_DR : 0);
}

static u32 uart_read(struct vcpu *v, void *ctx, u16 port, u8 size)
{
	struct uart16550 *u = ctx;
	int c;

	switch (port - COM1_BASE) {
	case REG_DATA:
		if (u->lcr & LCR_DLAB)
			return u->dll;
		uart_lsr(u);
		c = u->pending;
		u->pending = -1;
		return c < 0 ? 0 : (u32)c;
	case REG_IER: return u->lcr & LCR_DLAB ? u->dlm : u->ier;
	case REG_IIR: return IIR_NONE | (u->fcr & 1 ? IIR_FIFO : 0);
	case REG_LCR: return u->lcr;
	case REG_MCR: return u->mcr;
	case REG_LSR: return uart_lsr(u);
	case REG_MSR: return 0xb0; /* DCD, DSR, CTS: a connected terminal */
	default: return u->scr;
	}
}

static void uart_write_reg(struct vcpu *v, void *ctx, u16 port, u8 size, u32 val)
{
	struct uart16550 *u = ctx;

	switch (port - COM1_BASE) {
	case REG_DATA:
		if (u->lcr & LCR_DLAB)
			u->dll = (u8)val;
		else if (!(u->mcr & MCR_LOOP))
			uart_putc((char)val);
		break;
	case REG_IER:
		if (u->lcr & LCR_DLAB)
			u->dlm = (u8)val;
		else
			u->ier = val & 0x0f;
		break;
	case REG_IIR: u->fcr = (u8)val; break;
	case REG_LCR: u->lcr = (u8)val; break;
	case REG_MCR: u->mcr = val & 0x1f; break;
	case REG_SCR: u->scr = (u8)val; break;
	default: break; /* LSR and MSR are read-only */
	}
}

int uart16550_init(void)
{
	struct io_device d = { "COM1 (16550A)", COM1_BASE, 8, uart_read, uart_write_reg, &com1 };

	return io_register(&d);
}
