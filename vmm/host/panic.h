/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Monitor bugs and fatal conditions. panic() prints its message, the CPU's
 * registers and a backtrace, then stops the node (and, with the `poweroff`
 * command-line flag, ends the emulator with the panic exit code). BUG_ON(c)
 * panics when an invariant c is false, naming the file, line and condition.
 * These are for bugs in the monitor only: the guest's misbehaviour and the
 * world's (bad packets, bad config) are handled, never panicked on.
 */
#ifndef UNUM_VMM_HOST_PANIC_H
#define UNUM_VMM_HOST_PANIC_H

#include "vmm/lib/types.h"

struct trap_frame;

__noreturn void panic_at(const char *file, int line, const char *fmt, ...) __printf(3, 4);
/* Prints the registers of a trap frame (exception) or, with NULL, the current ones. */
void panic_dump_regs(const struct trap_frame *tf);
void panic_backtrace(u64 rbp);

#define panic(...) panic_at(__FILE__, __LINE__, __VA_ARGS__)

#define BUG_ON(cond)                                                    \
	do {                                                            \
		if (__builtin_expect(!!(cond), 0))                      \
			panic_at(__FILE__, __LINE__, "BUG: %s", #cond); \
	} while (0)

#endif
