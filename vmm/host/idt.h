/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The monitor's interrupt descriptor table. Every vector enters through a
 * stub in vmm/host/isr.S that saves the general registers into a struct trap_frame
 * and calls trap_dispatch(). Exceptions (vectors 0-31) raised by the monitor
 * are monitor bugs: they print a full dump and stop the node. Interrupt
 * vectors (32-255) go to the handler registered with idt_set_handler().
 */
#ifndef UNUM_VMM_HOST_IDT_H
#define UNUM_VMM_HOST_IDT_H

#include "vmm/lib/types.h"

/* Saved state, lowest address first; must match vmm/host/isr.S. */
struct trap_frame {
	u64 r15, r14, r13, r12, r11, r10, r9, r8;
	u64 rbp, rdi, rsi, rdx, rcx, rbx, rax;
	u64 vector, error_code;
	u64 rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};
_Static_assert(sizeof(struct trap_frame) == 22 * 8, "trap_frame matches vmm/host/isr.S");

#define VEC_NMI		2
#define VEC_DF		8
#define VEC_PF		14
#define VEC_MC		18
#define VEC_LAPIC_TIMER 0xEF
/* 0x50-0x57: NIC wake-ups (NIC_IRQ_VECTOR_BASE, drivers/nic.h) */
#define VEC_KICK     0xF0 /* another CPU wants this one to look at its work */
#define VEC_SPURIOUS 0xFF

typedef void (*irq_handler_t)(struct trap_frame *tf);

void gdt_init_cpu(u32 cpu_id);
void idt_init(void);
void idt_load(void);
void idt_set_handler(u8 vector, irq_handler_t fn);
void trap_dispatch(struct trap_frame *tf);

#endif
