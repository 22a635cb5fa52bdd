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
/* A device in slot `slot` (1-31) of bus 0, function 0: read returns the configuration
 * dword at reg (a multiple of 4); write gives the bytes of val under mask. */
#define PCI_SLOTS 32
typedef u32 (*pci_cfg_read_fn)(void *ctx, u32 reg);
typedef void (*pci_cfg_write_fn)(void *ctx, u32 reg, u32 val, u32 mask);
int pci_add_device(u8 slot, pci_cfg_read_fn read, pci_cfg_write_fn write, void *ctx);
/* The guest's virtio-blk disk (vmm/platform/virtio_blk.c): on node 0 with the image of
 * len bytes at image, elsewhere (image NULL) its registers only, for forwarding. */
int virtio_blk_init(struct vm *vm, const u8 *image, u64 len);
/* At guest stop, on node 0: one "disk:" line of what the guest did with it. */
void virtio_blk_report(void);

#endif
