/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Where the guest's platform devices are: the ports and addresses the ACPI tables
 * announce (vmm/guest/acpi.c) and the devices answer at (vmm/platform/, vmm/virt/irq.c).
 */
#ifndef UNUM_VMM_DEV_PLATFORM_H
#define UNUM_VMM_DEV_PLATFORM_H

#define ACPI_PM1A_EVT_PORT 0x600 /* PM1 status (2 bytes) and enable (2 bytes) */
#define ACPI_PM1A_CNT_PORT 0x604 /* PM1 control (2 bytes): SLP_TYP, SLP_EN */
#define ACPI_PM_TMR_PORT   0x608 /* 24-bit PM timer at 3.579545 MHz */
#define ACPI_SCI_IRQ	   9
#define ACPI_S5_SLP_TYP	   5
#define IOAPIC_GPA	   0xfec00000ULL
#define LAPIC_GPA	   0xfee00000ULL
/* The PCI host bridge's memory window (its _CRS): the virtio devices' BARs. */
#define ACPI_PCI_WINDOW_BASE 0xfe000000ULL
#define ACPI_PCI_WINDOW_SIZE 0x800000ULL

#endif
