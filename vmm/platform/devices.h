/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The guest's virtual platform devices (vmm/platform/): each registers itself
 * with the port or MMIO dispatch when the VM is built.
 */
#ifndef UNUM_VMM_PLATFORM_DEVICES_H
#define UNUM_VMM_PLATFORM_DEVICES_H

#include "vmm/lib/types.h"

struct vm;
/* The COM1 UART; it asks the boot core to poll for console input (vm_add_poll). */
int uart16550_init(struct vm *vm);
int testdev_init(void);
/* The scratch MMIO page test guests exercise the emulator with (not for real guests). */
#define TESTDEV_SCRATCH_GPA 0xfebf0000ULL
int testdev_scratch_init(void);
int power_devices_init(void);
struct vcpu;
/* The reset paths: 0xfe to port 0x64, bit 2 to port 0xcf9. */
void power_reset_write(struct vcpu *v, u16 port, u32 val);
int legacy_devices_init(struct vm *vm);
int pci_init(void);

#endif
