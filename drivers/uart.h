/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The node's serial console: a 16550-compatible UART, COM1 at 115200 8N1.
 */
#ifndef UNUM_DRIVERS_UART_H
#define UNUM_DRIVERS_UART_H

#include "vmm/lib/types.h"

void uart_init(void);
void uart_putc(char c);
void uart_write(const char *s, size_t n);
void uart_write_raw(const char *s, size_t n); /* (no CR added before LF) */
/* A received byte, or -1 when none is waiting. */
int uart_getc(void);

#endif
