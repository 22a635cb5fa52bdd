/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The modern virtio-pci transport (Virtual I/O Device (VIRTIO) Version 1.1, section 4.1):
 * vendor-specific PCI capabilities locate the common configuration, the notification area,
 * the ISR and the device configuration inside memory BARs; the device status byte walks
 * through ACKNOWLEDGE, DRIVER, FEATURES_OK and DRIVER_OK (section 3.1.1). Used by
 * drivers/virtio_net.c; any other virtio device would use it the same way.
 */
#ifndef UNUM_DRIVERS_VIRTIO_PCI_H
#define UNUM_DRIVERS_VIRTIO_PCI_H

#include "drivers/pci.h"

#define VIRTIO_NO_VECTOR 0xffff

/* struct virtio_pci_common_cfg, section 4.1.4.3. */
struct virtio_pci_common_cfg {
	u32 device_feature_select;
	u32 device_feature;
	u32 driver_feature_select;
	u32 driver_feature;
	u16 msix_config;
	u16 num_queues;
	u8 device_status;
	u8 config_generation;
	u16 queue_select;
	u16 queue_size;
	u16 queue_msix_vector;
	u16 queue_enable;
	u16 queue_notify_off;
	u32 queue_desc_lo, queue_desc_hi;
	u32 queue_driver_lo, queue_driver_hi;
	u32 queue_device_lo, queue_device_hi;
};
_Static_assert(__builtin_offsetof(struct virtio_pci_common_cfg, device_status) == 0x14,
	       "virtio 1.1 section 4.1.4.3");
_Static_assert(__builtin_offsetof(struct virtio_pci_common_cfg, queue_select) == 0x16,
	       "virtio 1.1 section 4.1.4.3");
_Static_assert(__builtin_offsetof(struct virtio_pci_common_cfg, queue_desc_lo) == 0x20,
	       "virtio 1.1 section 4.1.4.3");
_Static_assert(sizeof(struct virtio_pci_common_cfg) == 0x38, "virtio 1.1 section 4.1.4.3");

struct virtio_pci {
	const struct pci_access *pci;
	struct pci_dev *dev;
	volatile struct virtio_pci_common_cfg *common;
	volatile u8 *notify_base;
	u32 notify_mult;
	volatile u8 *device_cfg;
	u32 device_cfg_len;
	volatile u16 *notify[2]; /* per queue, set by virtio_pci_queue_enable() */
	u8 msix_cap;
};

/* Finds the capabilities and maps their BARs. Returns 0 or a negative error (printed). */
int virtio_pci_attach(struct virtio_pci *vp, const struct pci_access *a, struct pci_dev *d);
/*
 * Resets the device and negotiates: @wanted intersected with what the device offers, which
 * must include VIRTIO_F_VERSION_1; the result in *@features. Returns 0 or a negative error.
 */
int virtio_pci_begin(struct virtio_pci *vp, u64 wanted, u64 *features);
/* The device's maximum size for queue @q (0: no such queue). */
u16 virtio_pci_queue_size(struct virtio_pci *vp, u16 q);
/* Programs and enables queue @q (0 or 1). Returns 0 or a negative error (printed). */
int virtio_pci_queue_enable(struct virtio_pci *vp, u16 q, u16 size, u64 desc, u64 avail, u64 used,
			    u16 msix);
void virtio_pci_notify(struct virtio_pci *vp, u16 q);
/* Copies @len bytes of device configuration at @off, consistently (generation counter). */
void virtio_pci_read_device_cfg(struct virtio_pci *vp, u32 off, u8 *buf, u32 len);
/*
 * Points MSI-X table entry 0 at this CPU's LAPIC with @vector and enables MSI-X. Returns the
 * entry to give queues (0) or VIRTIO_NO_VECTOR when the device has no usable MSI-X.
 */
u16 virtio_pci_msix_enable(struct virtio_pci *vp, u8 vector);
void virtio_pci_driver_ok(struct virtio_pci *vp);
/* Tells the device the driver gave up on it (status FAILED). */
void virtio_pci_fail(struct virtio_pci *vp);

#endif
