// SPDX-License-Identifier: GPL-2.0-only
/*
 * Log ring and console output (see vmm/host/log.h). One lock orders whole
 * messages, so lines from different CPUs never interleave mid-line. The
 * lock is only ever taken with interrupts off: an exception handler that logs
 * must not deadlock against the code it interrupted on the same CPU, so a
 * CPU that already holds the lock (a fault while logging) writes unlocked.
 */
#include "vmm/host/log.h"
#include "vmm/lib/printf.h"
#include "vmm/host/spinlock.h"
#include "vmm/lib/x86.h"

static char log_ring[LOG_RING_SIZE];
static u64 log_ring_pos; /* total bytes ever written */
static int log_console_level = LOG_INFO;
static struct spinlock log_lock = SPINLOCK_INIT("log");
static void (*log_console)(const char *s, size_t n);

void log_set_console(void (*write)(const char *s, size_t n))
{
	log_console = write;
}

void log_set_level(int level)
{
	log_console_level = level;
}

int log_get_level(void)
{
	return log_console_level;
}

static void log_emit(int level, const char *msg, size_t n)
{
	for (size_t i = 0; i < n; i++)
		log_ring[log_ring_pos++ % LOG_RING_SIZE] = msg[i];
	if (level <= log_console_level && log_console)
		log_console(msg, n);
}

void log_vprintf(int level, const char *fmt, va_list ap)
{
	char buf[512];
	int n = kvsnprintf(buf, sizeof(buf), fmt, ap);
	u64 flags = read_rflags();
	bool nested;

	if (n >= (int)sizeof(buf))
		n = sizeof(buf) - 1;
	irq_disable();
	nested = spin_held_by_me(&log_lock);
	if (!nested)
		spin_lock(&log_lock);
	log_emit(level, buf, (size_t)n);
	if (!nested)
		spin_unlock(&log_lock);
	if (flags & (1 << 9))
		irq_enable();
}

void log_printf(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vprintf(level, fmt, ap);
	va_end(ap);
}

void kprintf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vprintf(LOG_ERR, fmt, ap);
	va_end(ap);
}

size_t log_read_ring(char *buf, size_t size)
{
	u64 start = log_ring_pos > LOG_RING_SIZE ? log_ring_pos - LOG_RING_SIZE : 0;
	size_t n = 0;

	for (u64 i = start; i < log_ring_pos && n < size; i++)
		buf[n++] = log_ring[i % LOG_RING_SIZE];
	return n;
}

void log_lock_report(const char *prefix)
{
	struct spinlock copy = log_lock; /* (printing takes the lock itself) */

	spin_report(&copy, prefix);
}
