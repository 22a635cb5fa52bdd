// SPDX-License-Identifier: GPL-2.0-only
/*
 * Log ring and console output (see vmm/host/log.h). One lock orders whole
 * messages, so lines from different CPUs never interleave mid-line. The
 * lock is only ever taken with interrupts off: an exception handler that logs
 * must not deadlock against the code it interrupted on the same CPU, so a
 * CPU that already holds the lock (a fault while logging) writes unlocked.
 * The guest's console output shares the port and the lock, a line at a time.
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
static void (*log_console_raw)(const char *s, size_t n);
static char guest_line[LOG_GUEST_LINE];
static size_t guest_len;
static u64 guest_since_ns; /* when the waiting partial line began */
static bool guest_cut;	   /* the console's last bytes: a guest line sent before its end */

void log_set_console(void (*write)(const char *s, size_t n),
		     void (*write_raw)(const char *s, size_t n))
{
	log_console = write;
	log_console_raw = write_raw;
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
	if (level <= log_console_level && log_console) {
		/* (a monitor line begins a line of its own: after a guest line sent before
		 * its end, the rest of which comes after this message) */
		if (guest_cut)
			log_console("\n", 1);
		guest_cut = false;
		log_console(msg, n);
	}
}

/* The lock, with interrupts off (see the top); returns whether it was taken here (not
 * already held: a fault while logging) and the interrupt flag to restore. */
static bool log_lock_take(u64 *flags)
{
	*flags = read_rflags();
	irq_disable();
	if (spin_held_by_me(&log_lock))
		return false;
	spin_lock(&log_lock);
	return true;
}

static void log_lock_drop(bool taken, u64 flags)
{
	if (taken)
		spin_unlock(&log_lock);
	if (flags & X86_RFLAGS_IF)
		irq_enable();
}

/* (under the lock) */
static void guest_send(void)
{
	if (guest_len && log_console_raw) {
		log_console_raw(guest_line, guest_len);
		guest_cut = guest_line[guest_len - 1] != '\n';
	}
	guest_len = 0;
}

void log_guest_putc(char c, u64 now_ns)
{
	u64 flags;
	bool taken = log_lock_take(&flags);

	if (!guest_len)
		guest_since_ns = now_ns;
	guest_line[guest_len++] = c;
	if (c == '\n' || guest_len == sizeof(guest_line))
		guest_send();
	log_lock_drop(taken, flags);
}

u64 log_guest_poll(u64 now_ns)
{
	u64 flags, due = 0;
	bool taken;

	if (!__atomic_load_n(&guest_len, __ATOMIC_RELAXED))
		return 0;
	taken = log_lock_take(&flags);
	if (guest_len && now_ns - guest_since_ns >= LOG_GUEST_LINGER_NS)
		guest_send();
	else if (guest_len)
		due = guest_since_ns + LOG_GUEST_LINGER_NS;
	log_lock_drop(taken, flags);
	return due;
}

void log_guest_flush(void)
{
	u64 flags;
	bool taken = log_lock_take(&flags);

	guest_send();
	log_lock_drop(taken, flags);
}

void log_vprintf(int level, const char *fmt, va_list ap)
{
	char buf[512];
	int n = kvsnprintf(buf, sizeof(buf), fmt, ap);
	u64 flags;
	bool taken;

	if (n >= (int)sizeof(buf))
		n = sizeof(buf) - 1;
	taken = log_lock_take(&flags);
	log_emit(level, buf, (size_t)n);
	log_lock_drop(taken, flags);
}

void log_write(int level, const char *msg, size_t n)
{
	u64 flags;
	bool taken = log_lock_take(&flags);

	log_emit(level, msg, n);
	log_lock_drop(taken, flags);
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
