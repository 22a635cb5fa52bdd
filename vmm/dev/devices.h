/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The guest's virtual platform devices (vmm/dev/): each registers itself
 * with the port or MMIO dispatch when the VM is built.
 */
#ifndef UNUM_VMM_DEV_DEVICES_H
#define UNUM_VMM_DEV_DEVICES_H

int uart16550_init(void);
int testdev_init(void);
int power_devices_init(void);

#endif
