// SPDX-License-Identifier: GPL-2.0-only
/*
 * panic() and the register dump shared with the exception handlers (see
 * vmm/host/panic.h). The backtrace walks saved frame pointers (the monitor is
 * built with -fno-omit-frame-pointer) and stops at the first frame outside
 * the monitor's image, so a corrupted stack cannot make the dump fault.
 */
#include "vmm/host/panic.h"
#include "vmm/host/idt.h"
#include "vmm/host/log.h"
#include "vmm/host/percpu.h"
#include "vmm/host/power.h"
#include "vmm/lib/printf.h"
#include "vmm/lib/x86.h"
#include <stdarg.h>

extern char __image_start[], __image_end[];

static bool in_image(u64 addr, u64 len)
{
	return addr >= (u64)(uintptr_t)__image_start && addr + len <= (u64)(uintptr_t)__image_end &&
	       addr + len > addr;
}

void panic_backtrace(u64 rbp)
{
	kprintf("backtrace:");
	for (int depth = 0; depth < 16 && rbp && !(rbp & 7) && in_image(rbp, 16); depth++) {
		u64 *frame = (u64 *)(uintptr_t)rbp;
		kprintf(" %#llx", (unsigned long long)frame[1]);
		if (frame[0] <= rbp)
			break; /* stacks grow down: an older frame lies higher */
		rbp = frame[0];
	}
	kprintf("\n");
}

static void dump_control_regs(void)
{
	kprintf("CR0=%016llx CR2=%016llx CR3=%016llx CR4=%016llx\n", (unsigned long long)read_cr0(),
		(unsigned long long)read_cr2(), (unsigned long long)read_cr3(),
		(unsigned long long)read_cr4());
	kprintf("EFER=%016llx GSBASE=%016llx\n", (unsigned long long)rdmsr(MSR_EFER),
		(unsigned long long)rdmsr(MSR_GS_BASE));
}

void panic_dump_regs(const struct trap_frame *tf)
{
	if (tf) {
		kprintf("RIP=%04llx:%016llx RFLAGS=%016llx RSP=%04llx:%016llx\n",
			(unsigned long long)tf->cs, (unsigned long long)tf->rip,
			(unsigned long long)tf->rflags, (unsigned long long)tf->ss,
			(unsigned long long)tf->rsp);
		kprintf("RAX=%016llx RBX=%016llx RCX=%016llx RDX=%016llx\n",
			(unsigned long long)tf->rax, (unsigned long long)tf->rbx,
			(unsigned long long)tf->rcx, (unsigned long long)tf->rdx);
		kprintf("RSI=%016llx RDI=%016llx RBP=%016llx R8 =%016llx\n",
			(unsigned long long)tf->rsi, (unsigned long long)tf->rdi,
			(unsigned long long)tf->rbp, (unsigned long long)tf->r8);
		kprintf("R9 =%016llx R10=%016llx R11=%016llx R12=%016llx\n",
			(unsigned long long)tf->r9, (unsigned long long)tf->r10,
			(unsigned long long)tf->r11, (unsigned long long)tf->r12);
		kprintf("R13=%016llx R14=%016llx R15=%016llx\n", (unsigned long long)tf->r13,
			(unsigned long long)tf->r14, (unsigned long long)tf->r15);
	} else {
		u64 rsp, rbp;
		__asm__ volatile("mov %%rsp, %0; mov %%rbp, %1" : "=r"(rsp), "=r"(rbp));
		kprintf("RSP=%016llx RBP=%016llx RFLAGS=%016llx\n", (unsigned long long)rsp,
			(unsigned long long)rbp, (unsigned long long)read_rflags());
	}
	dump_control_regs();
	panic_backtrace(tf ? tf->rbp : (u64)(uintptr_t)__builtin_frame_address(0));
}

void panic_at(const char *file, int line, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	irq_disable();
	va_start(ap, fmt);
	kvsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	kprintf("\nPANIC on CPU %u at %s:%d: %s\n", this_cpu_id(), file, line, msg);
	panic_dump_regs(NULL);
	/* (monitor_exit stops the node's other CPUs too) */
	monitor_exit(EXIT_PANIC);
}
