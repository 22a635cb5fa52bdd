/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The host's I/O APIC, for the one device interrupt the monitor takes through it: a NIC
 * without MSI (the e1000 Bochs emulates), whose INTx the firmware routed to an ISA IRQ
 * (PCI configuration register 0x3c). The guest's I/O APIC is another thing: vmm/dev/ioapic.c.
 */
#ifndef UNUM_DRIVERS_IOAPIC_H
#define UNUM_DRIVERS_IOAPIC_H

#include "vmm/lib/types.h"

/*
 * Sends input @gsi of the I/O APIC at its architectural address to @vector on the local
 * APIC @apic_id: fixed delivery, physical destination, level-triggered, active high (as a
 * PC's firmware describes the PCI interrupts it routed to ISA IRQs: the MADT's overrides
 * under QEMU and Bochs). Returns 0; -E_NOENT when no I/O APIC answers there; -E_RANGE when
 * it has no such input or the APIC id does not fit its 8-bit destination; -E_BUSY when the
 * input is already routed (another NIC on the same line). The reason is printed.
 */
int ioapic_route_level(u32 gsi, u8 vector, u32 apic_id);
/* Masks input @gsi again (routed by ioapic_route_level). */
void ioapic_mask(u32 gsi);

#endif
