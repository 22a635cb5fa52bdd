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
/* Where the guest disk's sectors are, for node 0's virtio-blk (vmm/platform/virtio_blk.c):
 * the module's image, or a server (vmm/main.c wires NBD). Calls move at most max_io bytes
 * (0: any) and return 0 or a negative error (-E_IO: the guest sees an I/O error). */
struct disk_backend {
	u64 size; /* bytes */
	u32 max_io;
	bool read_only; /* offered to the guest as such (VIRTIO_BLK_F_RO) */
	int (*read)(void *ctx, u64 off, void *buf, u32 len);
	int (*write)(void *ctx, u64 off, const void *buf, u32 len);
	int (*flush)(void *ctx); /* NULL: nothing to flush */
	void *ctx;
	const char *about;	    /* the end of the boot line that says where it is */
	void (*report)(void *ctx); /* more "disk:" lines at guest stop, or NULL */
};
/* The guest's virtio-blk disk: on node 0 with its back end, elsewhere (NULL) its
 * registers only, for forwarding. */
int virtio_blk_init(struct vm *vm, const struct disk_backend *be);
/* The back end of a module's image of len bytes, with its copy-on-write overlay. */
int virtio_blk_image(const u8 *image, u64 len, struct disk_backend *out);
/* At guest stop, on node 0: one "disk:" line of what the guest did with it. */
void virtio_blk_report(void);
/* Where the guest NIC's frames go, for node 0's virtio-net (vmm/platform/virtio_net.c):
 * node 0's own NIC (vmm/main.c wires net/net.h's guest port). send() takes one Ethernet
 * frame without its FCS and returns 0, -E_NOSPC (the NIC's ring is full: try again
 * later) or another error (dropped). */
struct guest_link {
	int (*send)(void *ctx, const void *frame, size_t len);
	void *ctx;
	const char *about; /* the end of the boot line that says where its frames go */
};
/* The guest's virtio-net NIC with MAC address mac: on node 0 with its link, elsewhere
 * (NULL) its registers only, for forwarding. */
int virtio_net_init(struct vm *vm, const u8 mac[6], const struct guest_link *link);
/* Node 0's network context: a frame for the guest (copied; dropped and counted if the
 * guest's driver is not up or too many wait). */
void virtio_net_receive(const void *frame, size_t len);
/* At guest stop, on node 0: one "nic:" line of the guest's traffic. */
void virtio_net_report(void);

#endif
