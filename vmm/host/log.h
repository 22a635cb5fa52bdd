/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The monitor's log: every message goes into an in-memory ring (the last
 * LOG_RING_SIZE bytes, for post-mortem reading) and, if its level is at or
 * below the console level (loglevel= on the command line), to the serial
 * console. kprintf() always reaches the console: it is for the boot report
 * and for errors the operator must see.
 */
#ifndef UNUM_VMM_HOST_LOG_H
#define UNUM_VMM_HOST_LOG_H

#include "vmm/lib/types.h"
#include <stdarg.h>

enum log_level {
	LOG_ERR = 0,
	LOG_WARN = 1,
	LOG_INFO = 2,
	LOG_DEBUG = 3,
};

#define LOG_RING_SIZE 65536

/* Where console output goes (the UART driver's write, which ends lines with CR LF, and
 * its raw write for the guest's bytes; set by main once the UART is up; before,
 * messages reach only the ring). The log sits below the drivers, so it is told. */
void log_set_console(void (*write)(const char *s, size_t n),
		     void (*write_raw)(const char *s, size_t n));
void log_set_level(int level);
int log_get_level(void);
void log_vprintf(int level, const char *fmt, va_list ap);
void log_printf(int level, const char *fmt, ...) __printf(2, 3);
/* A whole message as it is, of any length (a line built in pieces: no other output,
 * the guest's included, lands inside it). */
void log_write(int level, const char *msg, size_t n);
void kprintf(const char *fmt, ...) __printf(1, 2);
/*
 * The guest's console (its COM1's transmitter) shares the serial port with the log. Its
 * bytes go out a line at a time under the log's lock, so a monitor line never lands
 * inside one of the guest's, nor a guest line inside the monitor's. A partial line
 * (a prompt) waits for its end, for LOG_GUEST_LINE bytes, or LOG_GUEST_LINGER_NS,
 * whichever comes first: log_guest_poll() sends it then, and says when it is due. A
 * monitor message after such a part begins on a new line (the console gets a line
 * feed first; the ring, the monitor's own messages only, does not).
 */
#define LOG_GUEST_LINE	    256
#define LOG_GUEST_LINGER_NS 20000000ULL /* 20 ms */
void log_guest_putc(char c, u64 now_ns);
/* Sends a partial line older than LOG_GUEST_LINGER_NS; returns when the one waiting will
 * be due (ns), or 0 if none waits. */
u64 log_guest_poll(u64 now_ns);
/* Sends whatever waits (the guest stopped, or the node does). */
void log_guest_flush(void);
/* The console lock's contention (vmm/host/spinlock.h, spin_report). */
void log_lock_report(const char *prefix);
/* Copies the ring's contents, oldest first; returns the bytes copied. */
size_t log_read_ring(char *buf, size_t size);

#define pr_err(...)   log_printf(LOG_ERR, __VA_ARGS__)
#define pr_warn(...)  log_printf(LOG_WARN, __VA_ARGS__)
#define pr_info(...)  log_printf(LOG_INFO, __VA_ARGS__)
#define pr_debug(...) log_printf(LOG_DEBUG, __VA_ARGS__)

#endif
