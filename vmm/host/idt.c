// SPDX-License-Identifier: GPL-2.0-only
/*
 * IDT setup and trap dispatch (see vmm/host/idt.h). Gate format: AMD APM vol. 2
 * section 4.8.4 (64-bit interrupt gate). #DF, NMI and #MC run on their own
 * IST stack (set up in vmm/host/gdt.c) so that a monitor stack overflow still
 * produces a dump instead of a silent triple fault.
 */
#include "vmm/host/idt.h"
#include "vmm/host/lapic.h"
#include "vmm/host/log.h"
#include "vmm/host/panic.h"
#include "vmm/host/percpu.h"
#include "vmm/host/power.h"
#include "vmm/lib/x86.h"

struct idt_gate {
	u16 offset_lo, selector;
	u8 ist, type_attr;
	u16 offset_mid;
	u32 offset_hi, reserved;
} __packed;
_Static_assert(sizeof(struct idt_gate) == 16, "64-bit IDT gate is 16 bytes");

#define GATE_INTERRUPT_P 0x8E /* present, DPL 0, 64-bit interrupt gate */
#define KERNEL_CS	 0x08
#define IST_CRITICAL	 1

extern const u64 isr_table[256];
static struct idt_gate idt[256] __aligned(16);
static irq_handler_t irq_handlers[256];

static const char *const exception_names[32] = {
	"#DE divide error",
	"#DB debug",
	"NMI",
	"#BP breakpoint",
	"#OF overflow",
	"#BR bound range",
	"#UD invalid opcode",
	"#NM device not available",
	"#DF double fault",
	"coprocessor segment overrun",
	"#TS invalid TSS",
	"#NP segment not present",
	"#SS stack fault",
	"#GP general protection",
	"#PF page fault",
	"reserved 15",
	"#MF x87 error",
	"#AC alignment check",
	"#MC machine check",
	"#XM SIMD error",
	"#VE virtualization",
	"#CP control protection",
	"reserved 22",
	"reserved 23",
	"reserved 24",
	"reserved 25",
	"reserved 26",
	"reserved 27",
	"#HV hypervisor injection",
	"#VC VMM communication",
	"#SX security",
	"reserved 31",
};

static void idt_set_gate(u8 vec, u64 addr, u8 ist)
{
	idt[vec] = (struct idt_gate){
		.offset_lo = (u16)addr,
		.selector = KERNEL_CS,
		.ist = ist,
		.type_attr = GATE_INTERRUPT_P,
		.offset_mid = (u16)(addr >> 16),
		.offset_hi = (u32)(addr >> 32),
	};
}

void idt_load(void)
{
	struct {
		u16 limit;
		u64 base;
	} __packed ptr = { sizeof(idt) - 1, (u64)(uintptr_t)idt };

	__asm__ volatile("lidt %0" : : "m"(ptr));
}

void idt_init(void)
{
	for (int v = 0; v < 256; v++) {
		bool critical = v == VEC_DF || v == VEC_NMI || v == VEC_MC;
		idt_set_gate((u8)v, isr_table[v], critical ? IST_CRITICAL : 0);
	}
	idt_load();
}

void idt_set_handler(u8 vector, irq_handler_t fn)
{
	BUG_ON(vector < 32);
	irq_handlers[vector] = fn;
}

static __noreturn void trap_exception(struct trap_frame *tf)
{
	struct percpu *cpu = this_cpu();

	irq_disable();
	if (tf->vector == VEC_NMI && monitor_stopping())
		cpu_stop(); /* another CPU stopped the node (monitor_exit) */
	if (cpu->exception_depth++ > 1) {
		/* Faulting inside the dump itself: say so as simply as possible. */
		kprintf("\nrecursive exception %llu at %#llx; stopping\n",
			(unsigned long long)tf->vector, (unsigned long long)tf->rip);
		monitor_exit(EXIT_PANIC);
	}
	kprintf("\nEXCEPTION in the monitor on CPU %u: vector %llu (%s), error code %#llx\n",
		cpu->cpu_id, (unsigned long long)tf->vector, exception_names[tf->vector],
		(unsigned long long)tf->error_code);
	if (tf->vector == VEC_PF)
		kprintf("page fault address (CR2) %#llx: %s, %s, %s\n",
			(unsigned long long)read_cr2(),
			tf->error_code & 1 ? "protection violation" : "page not present",
			tf->error_code & 2 ? "write" : "read",
			tf->error_code & 16 ? "instruction fetch" : "data access");
	panic_dump_regs(tf);
	monitor_exit(EXIT_PANIC);
}

void trap_dispatch(struct trap_frame *tf)
{
	irq_handler_t fn;

	if (tf->vector < 32)
		trap_exception(tf);
	fn = irq_handlers[tf->vector];
	if (fn) {
		fn(tf);
		return;
	}
	if (tf->vector != VEC_SPURIOUS) {
		pr_warn("unexpected interrupt vector %llu on CPU %u; ignored\n",
			(unsigned long long)tf->vector, this_cpu_id());
		lapic_eoi(); /* (else it blocks every vector of its class and below) */
	}
}
