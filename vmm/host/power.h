/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Ending a monitor run. With the `poweroff` command-line flag (meant for
 * tests and the emulated cluster), monitor_exit() writes its code to QEMU's
 * isa-debug-exit device at port 0xf4, which ends the emulator with exit status
 * (code << 1) | 1; without it, or when no such device answers, the CPU halts.
 */
#ifndef UNUM_VMM_HOST_POWER_H
#define UNUM_VMM_HOST_POWER_H

#include "vmm/lib/types.h"

#define DEBUG_EXIT_PORT 0xf4

enum monitor_exit_code {
	EXIT_OK = 0,		/* emulator status 1 */
	EXIT_CONFIG = 1,	/* refused to start: bad configuration; status 3 */
	EXIT_PANIC = 2,		/* monitor bug or fatal error; status 5 */
	EXIT_GUEST_CRASH = 3,	/* the guest triple-faulted */
	EXIT_GUEST_STOPPED = 4, /* the guest did something the monitor does not support */
	EXIT_GUEST_RESET = 5,	/* the guest asked for a reset */
	EXIT_NODE_LOST = 6,	/* a node running part of the guest went down */
	EXIT_GUEST_BASE = 64,	/* + the code a test guest wrote to port 0xf4 (0..63) */
};

void power_set_exit_on_halt(bool on);
__noreturn void monitor_exit(enum monitor_exit_code code);
/* Has a CPU called monitor_exit()? (An NMI then means: stop here too.) */
bool monitor_stopping(void);
/* Halts this CPU forever with interrupts off. */
__noreturn void cpu_stop(void);

#endif
