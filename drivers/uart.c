// SPDX-License-Identifier: GPL-2.0-only
/*
 * Polled driver for the node's 16550 UART on COM1 (registers as in the
 * National Semiconductor PC16550D data sheet). The monitor logs through it;
 * transmit waits for the holding register, with a bound so a missing UART
 * (a headless board without COM1) cannot hang the monitor.
 */
#include "drivers/uart.h"
#include "vmm/lib/x86.h"

#define COM1	   0x3F8
#define UART_THR   0 /* transmit holding (DLAB=0) */
#define UART_RBR   0 /* receive buffer (DLAB=0) */
#define UART_DLL   0 /* divisor low (DLAB=1) */
#define UART_IER   1
#define UART_DLM   1 /* divisor high (DLAB=1) */
#define UART_FCR   2
#define UART_LCR   3
#define UART_MCR   4
#define UART_LSR   5
#define LSR_DR	   0x01
#define LSR_THRE   0x20
#define LCR_8N1	   0x03
#define LCR_DLAB   0x80
#define UART_CLOCK 115200

static bool uart_present;

void uart_init(void)
{
	u16 div = UART_CLOCK / 115200;

	outb(COM1 + UART_IER, 0x00);
	outb(COM1 + UART_LCR, LCR_DLAB);
	outb(COM1 + UART_DLL, div & 0xff);
	outb(COM1 + UART_DLM, div >> 8);
	outb(COM1 + UART_LCR, LCR_8N1);
	outb(COM1 + UART_FCR, 0x07); /* enable and clear the FIFOs */
	outb(COM1 + UART_MCR, 0x03); /* DTR, RTS */
	/* With no UART on the bus, reads float to 0xff. */
	uart_present = inb(COM1 + UART_LSR) != 0xff;
}

void uart_putc(char c)
{
	if (!uart_present)
		return;
	for (int spin = 0; spin < 100000; spin++)
		if (inb(COM1 + UART_LSR) & LSR_THRE)
			break;
	outb(COM1 + UART_THR, (u8)c);
}

void uart_write(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			uart_putc('\r');
		uart_putc(s[i]);
	}
}

void uart_write_raw(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		uart_putc(s[i]);
}

int uart_getc(void)
{
	if (!uart_present || !(inb(COM1 + UART_LSR) & LSR_DR))
		return -1;
	return inb(COM1 + UART_RBR);
}
