/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The guest's interrupt fabric: devices raise ISA IRQs or global system
 * interrupts (GSIs); the IOAPIC turns them into messages to the local APICs
 * they are routed to. ISA IRQ 0 is GSI 2, as the MADT's override says.
 */
#ifndef UNUM_VMM_VIRT_IRQ_H
#define UNUM_VMM_VIRT_IRQ_H

#include "vmm/lib/types.h"

struct vm;

/* Builds the IOAPIC and registers it and the xAPIC page as MMIO devices. */
int irq_init(struct vm *vm);
void irq_set_isa(struct vm *vm, u32 isa_irq, bool level);
/* Delivers a message interrupt to the LAPICs dest names (IOAPIC, later MSI and IPIs). */
void irq_deliver(struct vm *vm, u32 dest, bool logical, u8 mode, u8 vector, bool level);
struct vcpu;
/* Delivers to every vCPU set in map (cluster vCPU ids, VM_MAX_VCPUS bits): one
 * message to each other node that runs some of them. */
void irq_deliver_set(struct vm *vm, const u64 *map, u8 mode, u8 vector, bool level);
/* Connects a vCPU's LAPIC to the VM's router (again after an INIT resets it). */
void irq_attach_vcpu(struct vm *vm, struct vcpu *v);
/* Delivers to a vCPU this node runs (modes as in the ICR). */
void irq_deliver_vcpu(struct vcpu *t, u8 mode, u8 vector, bool level);
/* Makes v look at its pending work now: ends its guest run or its HLT. */
void vcpu_kick(struct vcpu *v);

#endif
