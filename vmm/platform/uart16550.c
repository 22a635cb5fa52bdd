// SPDX-License-Identifier: GPL-2.0-only
/*
 * The guest's COM1: a 16550A UART (National Semiconductor PC16550D data
 * sheet) whose transmitter writes to the node's serial console and whose
 * receiver reads from it, so the guest's console is the node's. It raises
 * ISA IRQ 4 for "transmitter empty" and "data received" as the guest enables
 * them in IER; as on a PC, the line reaches the interrupt controller only
 * while MCR.OUT2 is set. Transmission is instant, so the transmitter is
 * always empty again by the time the guest looks.
 */
#include "vmm/platform/devices.h"
#include "drivers/uart.h"
#include "vmm/virt/io.h"
#include "vmm/virt/irq.h"
#include "vmm/virt/vm.h"
#include "vmm/host/tsc.h"
#include "vmm/host/log.h"

#define COM1_BASE  0x3f8
#define REG_DATA   0 /* RBR/THR, or DLL with DLAB */
#define REG_IER	   1 /* or DLM with DLAB */
#define REG_IIR	   2 /* FCR on write */
#define REG_LCR	   3
#define REG_MCR	   4
#define REG_LSR	   5
#define REG_MSR	   6
#define REG_SCR	   7
#define LCR_DLAB   0x80
#define LSR_DR	   0x01
#define LSR_THRE   0x20
#define LSR_TEMT   0x40
#define IIR_NONE   0x01
#define IIR_FIFO   0xc0
#define MCR_LOOP   0x10
#define MCR_OUT2   0x08
#define IER_RX	   0x01
#define IER_THRE   0x02
#define IIR_THRE   0x02
#define IIR_RX	   0x04
#define COM1_IRQ   4
#define RX_POLL_NS 1000000ULL

struct uart16550 {
	u8 ier, lcr, mcr, scr, fcr, dll, dlm;
	int pending;   /* a byte read from the console but not yet by the guest, or -1 */
	bool thre_irq; /* "transmitter empty" interrupt pending (cleared by reading IIR) */
	bool line;     /* level last driven on IRQ 4 */
	u64 last_poll_ns;
	struct vm *vm;
};

static struct uart16550 com1 = { .dll = 1, .pending = -1 };

static bool rx_irq(struct uart16550 *u)
{
	return (u->ier & IER_RX) && u->pending >= 0;
}

static void update_irq(struct uart16550 *u)
{
	bool line = (u->mcr & MCR_OUT2) && (rx_irq(u) || ((u->ier & IER_THRE) && u->thre_irq));

	if (line != u->line && u->vm) {
		u->line = line;
		irq_set_isa(u->vm, COM1_IRQ, line);
	}
}

/* The highest-priority source (received data over transmitter empty); reading it
 * acknowledges "transmitter empty" (PC16550D table 4). */
static u8 read_iir(struct uart16550 *u)
{
	u8 fifo = u->fcr & 1 ? IIR_FIFO : 0;

	if (rx_irq(u))
		return IIR_RX | fifo;
	if ((u->ier & IER_THRE) && u->thre_irq) {
		u->thre_irq = false;
		return IIR_THRE | fifo;
	}
	return IIR_NONE | fifo;
}

static u8 uart_lsr(struct uart16550 *u)
{
	if (u->pending < 0)
		u->pending = uart_getc();
	return LSR_THRE | LSR_TEMT | (u->pending >= 0 ? LSR_DR : 0);
}

static u32 uart_read_reg(struct uart16550 *u, u16 port)
{
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
	case REG_IIR: return read_iir(u);
	case REG_LCR: return u->lcr;
	case REG_MCR: return u->mcr;
	case REG_LSR: return uart_lsr(u);
	case REG_MSR: return 0xb0; /* DCD, DSR, CTS: a connected terminal */
	default: return u->scr;
	}
}

static u32 uart_read(struct vcpu *v, void *ctx, u16 port, u8 size)
{
	u32 val = uart_read_reg(ctx, port);

	update_irq(ctx);
	return val;
}

static void uart_write_reg(struct vcpu *v, void *ctx, u16 port, u8 size, u32 val)
{
	struct uart16550 *u = ctx;

	switch (port - COM1_BASE) {
	case REG_DATA:
		if (u->lcr & LCR_DLAB)
			u->dll = (u8)val;
		else if (!(u->mcr & MCR_LOOP))
			log_guest_putc((char)val, time_now_ns());
		if (!(u->lcr & LCR_DLAB))
			u->thre_irq = true; /* sent at once: empty again */
		break;
	case REG_IER:
		if (u->lcr & LCR_DLAB) {
			u->dlm = (u8)val;
			break;
		}
		/* Enabling "transmitter empty" while it is empty interrupts at once. */
		if ((val & IER_THRE) && !(u->ier & IER_THRE))
			u->thre_irq = true;
		u->ier = val & 0x0f;
		break;
	case REG_IIR: u->fcr = (u8)val; break;
	case REG_LCR: u->lcr = (u8)val; break;
	case REG_MCR: u->mcr = val & 0x1f; break;
	case REG_SCR: u->scr = (u8)val; break;
	default: break; /* LSR and MSR are read-only */
	}
	update_irq(u);
}

/* Sends a partial line of output that has waited long enough (a prompt: see
 * vmm/host/log.h), and looks for console input while the guest waits for it
 * (rate-limited). */
static u64 uart16550_poll(struct vm *vm, u64 now_ns)
{
	struct uart16550 *u = &com1;
	u64 next = log_guest_poll(now_ns);

	if (!(u->ier & IER_RX) || u->pending >= 0 || now_ns - u->last_poll_ns < RX_POLL_NS)
		return next;
	u->last_poll_ns = now_ns;
	u->pending = uart_getc();
	update_irq(u);
	return next;
}

int uart16550_init(struct vm *vm)
{
	com1.vm = vm;
	struct io_device d = { "COM1 (16550A)", COM1_BASE, 8, uart_read, uart_write_reg, &com1 };
	int rc = io_register(&d);

	return rc ? rc : vm_add_poll(vm, uart16550_poll);
}
