// SPDX-License-Identifier: GPL-2.0-only
/*
 * monitor_exit() and cpu_stop() (see vmm/power.h).
 */
#include "vmm/power.h"
#include "vmm/log.h"
#include "vmm/x86.h"

static bool power_exit_on_halt;

void power_set_exit_on_halt(bool on)
{
	power_exit_on_halt = on;
}

void cpu_stop(void)
{
	for (;;) {
		irq_disable();
		cpu_halt();
	}
}

void monitor_exit(enum monitor_exit_code code)
{
	if (power_exit_on_halt) {
		kprintf("unum: exit code %d\n", code);
		outl(DEBUG_EXIT_PORT, code);
	}
	kprintf("unum: halted\n");
	cpu_stop();
}
