// SPDX-License-Identifier: GPL-2.0-only
/*
 * Remaps and masks both 8259A PICs (Intel 8259A data sheet, ICW1-ICW4).
 * Firmware leaves the master at vector base 8, where its IRQ 0 (the PIT tick
 * the BIOS keeps running) would look like a double fault the moment the
 * monitor enables interrupts. Remapping to 0x20-0x2f first means even an
 * interrupt already latched before the mask lands on a harmless vector.
 */
#include "drivers/pic.h"
#include "vmm/lib/x86.h"

#define PIC1_CMD       0x20
#define PIC1_DATA      0x21
#define PIC2_CMD       0xA0
#define PIC2_DATA      0xA1
#define ICW1_INIT_ICW4 0x11
#define ICW4_8086      0x01
#define PIC1_BASE      0x20
#define PIC2_BASE      0x28

void pic_disable(void)
{
	outb(PIC1_CMD, ICW1_INIT_ICW4);
	outb(PIC2_CMD, ICW1_INIT_ICW4);
	outb(PIC1_DATA, PIC1_BASE);
	outb(PIC2_DATA, PIC2_BASE);
	outb(PIC1_DATA, 1 << 2); /* slave on IRQ 2 */
	outb(PIC2_DATA, 2);	 /* slave identity */
	outb(PIC1_DATA, ICW4_8086);
	outb(PIC2_DATA, ICW4_8086);
	outb(PIC1_DATA, 0xff);
	outb(PIC2_DATA, 0xff);
}
