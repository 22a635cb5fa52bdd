// SPDX-License-Identifier: GPL-2.0-only
/*
 * The modern virtio-pci transport (see drivers/virtio_pci.h; Virtual I/O Device (VIRTIO)
 * Version 1.1, section 4.1). Capability fields come from the device and are checked: a BAR
 * index over 5, or an offset and length that do not fit the BAR, makes the device unusable
 * rather than sending the monitor's stores somewhere else.
 */
#include "drivers/virtio_pci.h"
#include "vmm/host/lapic.h"
#include "vmm/host/tsc.h"
#include "vmm/host/log.h"

/* struct virtio_pci_cap, section 4.1.4. */
#define VIRTIO_CAP_CFG_TYPE	  3
#define VIRTIO_CAP_BAR		  4
#define VIRTIO_CAP_OFFSET	  8
#define VIRTIO_CAP_LENGTH	  12
#define VIRTIO_CAP_NOTIFY_MULT	  16
#define VIRTIO_PCI_CAP_COMMON_CFG 1
#define VIRTIO_PCI_CAP_NOTIFY_CFG 2
#define VIRTIO_PCI_CAP_DEVICE_CFG 4

/* Device status, section 2.1. */
#define VIRTIO_STATUS_ACKNOWLEDGE 1
#define VIRTIO_STATUS_DRIVER	  2
#define VIRTIO_STATUS_DRIVER_OK	  4
#define VIRTIO_STATUS_FEATURES_OK 8
#define VIRTIO_STATUS_FAILED	  128
#define VIRTIO_F_VERSION_1	  (1ull << 32)

/* MSI-X, PCI 3.0 section 6.8.2. */
#define MSIX_CTRL	  2
#define MSIX_TABLE	  4
#define MSIX_CTRL_ENABLE  0x8000
#define MSIX_CTRL_MASKALL 0x4000
#define MSI_ADDRESS_BASE  0xfee00000u

static void vp_err(const struct virtio_pci *vp, const char *what)
{
	pr_err("virtio: %02x:%02x.%x: %s\n", PCI_BDF_BUS(vp->dev->bdf), PCI_BDF_DEV(vp->dev->bdf),
	       PCI_BDF_FN(vp->dev->bdf), what);
}

/* The structure a capability at @cap locates, or NULL if its BAR, offset or length is bad. */
static volatile u8 *vp_cap_region(struct virtio_pci *vp, u8 cap, u32 min_len, u32 *len)
{
	u8 bar = pci_cfg_read8(vp->pci, vp->dev->bdf, cap + VIRTIO_CAP_BAR);
	u32 off = pci_cfg_read32(vp->pci, vp->dev->bdf, cap + VIRTIO_CAP_OFFSET);
	u32 n = pci_cfg_read32(vp->pci, vp->dev->bdf, cap + VIRTIO_CAP_LENGTH);
	volatile u8 *base;

	if (bar >= PCI_NR_BARS || n < min_len || (u64)off + n > vp->dev->bar[bar].size)
		return NULL;
	base = pci_map_bar(vp->dev, bar);
	if (!base)
		return NULL;
	if (len)
		*len = n;
	return base + off;
}

int virtio_pci_attach(struct virtio_pci *vp, const struct pci_access *a, struct pci_dev *d)
{
	*vp = (struct virtio_pci){ .pci = a, .dev = d };
	for (u8 cap = pci_find_cap(a, d->bdf, PCI_CAP_ID_VNDR, 0); cap;
	     cap = pci_find_cap(a, d->bdf, PCI_CAP_ID_VNDR, cap)) {
		u8 type = pci_cfg_read8(a, d->bdf, cap + VIRTIO_CAP_CFG_TYPE);
		if (type == VIRTIO_PCI_CAP_COMMON_CFG && !vp->common)
			vp->common = (volatile void *)vp_cap_region(
				vp, cap, sizeof(struct virtio_pci_common_cfg), NULL);
		else if (type == VIRTIO_PCI_CAP_NOTIFY_CFG && !vp->notify_base) {
			vp->notify_base = vp_cap_region(vp, cap, 2, NULL);
			vp->notify_mult = pci_cfg_read32(a, d->bdf, cap + VIRTIO_CAP_NOTIFY_MULT);
		} else if (type == VIRTIO_PCI_CAP_DEVICE_CFG && !vp->device_cfg)
			vp->device_cfg = vp_cap_region(vp, cap, 1, &vp->device_cfg_len);
	}
	vp->msix_cap = pci_find_cap(a, d->bdf, PCI_CAP_ID_MSIX, 0);
	if (!vp->common || !vp->notify_base || !vp->device_cfg) {
		vp_err(vp, "no usable modern virtio-pci capabilities (a legacy-only device?)");
		return -E_NOTSUP;
	}
	pci_enable_device(a, d);
	return 0;
}

static int vp_reset(struct virtio_pci *vp)
{
	vp->common->device_status = 0;
	/* Section 4.1.4.3.2: reset is done when device_status reads 0 again. */
	for (int i = 0; i < 1000; i++) {
		if (vp->common->device_status == 0)
			return 0;
		udelay(10);
	}
	vp_err(vp, "device did not finish its reset within 10 ms");
	return -E_TIMEDOUT;
}

int virtio_pci_begin(struct virtio_pci *vp, u64 wanted, u64 *features)
{
	volatile struct virtio_pci_common_cfg *c = vp->common;
	u64 offered;

	if (vp_reset(vp))
		return -E_TIMEDOUT;
	c->device_status = VIRTIO_STATUS_ACKNOWLEDGE;
	c->device_status = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER;
	c->device_feature_select = 0;
	offered = c->device_feature;
	c->device_feature_select = 1;
	offered |= (u64)c->device_feature << 32;
	if (!(offered & VIRTIO_F_VERSION_1)) {
		vp_err(vp, "device does not offer VIRTIO_F_VERSION_1");
		return -E_NOTSUP;
	}
	*features = offered & wanted;
	c->driver_feature_select = 0;
	c->driver_feature = (u32)*features;
	c->driver_feature_select = 1;
	c->driver_feature = (u32)(*features >> 32);
	c->device_status =
		VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK;
	if (!(c->device_status & VIRTIO_STATUS_FEATURES_OK)) {
		vp_err(vp, "device refused our feature set");
		return -E_NOTSUP;
	}
	return 0;
}

u16 virtio_pci_queue_size(struct virtio_pci *vp, u16 q)
{
	if (q >= vp->common->num_queues)
		return 0;
	vp->common->queue_select = q;
	return vp->common->queue_size;
}

int virtio_pci_queue_enable(struct virtio_pci *vp, u16 q, u16 size, u64 desc, u64 avail, u64 used,
			    u16 msix)
{
	volatile struct virtio_pci_common_cfg *c = vp->common;
	u64 off;

	if (q >= ARRAY_SIZE(vp->notify))
		return -E_INVAL;
	c->queue_select = q;
	c->queue_size = size;
	c->queue_desc_lo = (u32)desc;
	c->queue_desc_hi = (u32)(desc >> 32);
	c->queue_driver_lo = (u32)avail;
	c->queue_driver_hi = (u32)(avail >> 32);
	c->queue_device_lo = (u32)used;
	c->queue_device_hi = (u32)(used >> 32);
	c->queue_msix_vector = msix;
	if (msix != VIRTIO_NO_VECTOR && c->queue_msix_vector != msix)
		vp_err(vp, "device refused the queue's MSI-X vector: polled only");
	off = (u64)c->queue_notify_off * vp->notify_mult;
	if (off > 0x10000) {
		vp_err(vp, "queue notification offset out of range");
		return -E_RANGE;
	}
	vp->notify[q] = (volatile u16 *)(vp->notify_base + off);
	c->queue_enable = 1;
	return 0;
}

void virtio_pci_notify(struct virtio_pci *vp, u16 q)
{
	__asm__ volatile("" ::: "memory"); /* the ring update first: section 2.6.13.6 */
	*vp->notify[q] = q;
}

void virtio_pci_read_device_cfg(struct virtio_pci *vp, u32 off, u8 *buf, u32 len)
{
	u8 gen;

	if ((u64)off + len > vp->device_cfg_len)
		return;
	do {
		gen = vp->common->config_generation;
		for (u32 i = 0; i < len; i++)
			buf[i] = vp->device_cfg[off + i];
	} while (gen != vp->common->config_generation);
}

u16 virtio_pci_msix_enable(struct virtio_pci *vp, u8 vector)
{
	u16 ctrl;
	u32 table;
	volatile u32 *entry;

	if (!vp->msix_cap || !vector)
		return VIRTIO_NO_VECTOR;
	ctrl = pci_cfg_read16(vp->pci, vp->dev->bdf, vp->msix_cap + MSIX_CTRL);
	table = pci_cfg_read32(vp->pci, vp->dev->bdf, vp->msix_cap + MSIX_TABLE);
	if ((u64)(table & ~7u) + 16 > vp->dev->bar[table & 7].size)
		return VIRTIO_NO_VECTOR;
	entry = pci_map_bar(vp->dev, (int)(table & 7));
	if (!entry)
		return VIRTIO_NO_VECTOR;
	entry = (volatile u32 *)((volatile u8 *)entry + (table & ~7u));
	/* Fixed delivery, physical destination: this CPU's LAPIC (Intel SDM vol. 3 10.11). */
	entry[0] = MSI_ADDRESS_BASE | lapic_id() << 12;
	entry[1] = 0;
	entry[2] = vector;
	entry[3] = 0; /* unmasked */
	pci_cfg_write16(vp->pci, vp->dev->bdf, vp->msix_cap + MSIX_CTRL,
			(u16)((ctrl & ~MSIX_CTRL_MASKALL) | MSIX_CTRL_ENABLE));
	vp->common->msix_config = VIRTIO_NO_VECTOR;
	return 0;
}

void virtio_pci_driver_ok(struct virtio_pci *vp)
{
	vp->common->device_status |= VIRTIO_STATUS_DRIVER_OK;
}

void virtio_pci_fail(struct virtio_pci *vp)
{
	if (vp->common)
		vp->common->device_status |= VIRTIO_STATUS_FAILED;
}
