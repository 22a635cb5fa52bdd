// SPDX-License-Identifier: GPL-2.0-only
/*
 * monitor_exit() and cpu_stop() (see vmm/host/power.h).
 */
#include "vmm/host/power.h"
#include "vmm/host/log.h"
#include "vmm/host/percpu.h"
#include "vmm/host/smp.h"
#include "vmm/lib/x86.h"
#include "vmm/host/lapic.h"

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

static bool stopping;

bool monitor_stopping(void)
{
	return __atomic_load_n(&stopping, __ATOMIC_ACQUIRE);
}

/* The node stops as a whole: the first CPU to get here stops the others with an
 * NMI (one that runs the guest leaves it; the NMI handler then halts: idt.c),
 * so that a panic on one core does not leave the others running the guest.
 * Only the cores the monitor started: the spare ones sit in the trampoline's
 * HLT without an IDT, where an NMI would triple-fault (and reset) them. */
void monitor_exit(enum monitor_exit_code code)
{
	bool first = !__atomic_exchange_n(&stopping, true, __ATOMIC_ACQ_REL);

	/* Said even without poweroff: the launcher (tools/unum-cluster) and an operator
	 * read it on the console of a node that halts. */
	log_guest_flush();
	kprintf("unum: exit code %d\n", code);
	for (u32 i = 0; first && i < smp_online_cpus(); i++)
		if (i != this_cpu_id())
			lapic_send_nmi(smp_apic_id(i));
	if (power_exit_on_halt)
		outl(DEBUG_EXIT_PORT, code);
	kprintf("unum: halted\n");
	cpu_stop();
}
