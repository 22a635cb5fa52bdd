/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Virtio over PCI, the modern interface only (Virtual I/O Device (VIRTIO) Version 1.1,
 * section 4.1): a PCI function of vendor 0x1af4, device 0x1040 + the virtio device type,
 * whose one memory BAR holds the common configuration, the ISR status, the device's
 * own configuration, the queue notifications and an MSI-X table. The transport is the
 * same for every virtio device; a device (virtio-blk first) gives its type, features,
 * configuration and what to do with a queue the driver notified.
 *
 * Where the work happens. Register accesses come as MMIO exits, under dev_lock, from
 * any vCPU of any node (node 0 serves the others'). A notification only marks the
 * queue; the boot core of node 0 serves marked queues between guest exits (vm_add_work),
 * outside dev_lock and outside the network's message handlers, where reading and
 * writing guest RAM may wait for pages held by other nodes. Completion interrupts are
 * MSI-X messages, delivered to whichever vCPU they name, wherever it runs.
 */
#ifndef UNUM_VMM_PLATFORM_VIRTIO_PCI_H
#define UNUM_VMM_PLATFORM_VIRTIO_PCI_H

#include "vmm/platform/virtq.h"
#include "vmm/dev/platform.h"

struct vm;

#define VIRTIO_PCI_BAR_BASE ACPI_PCI_WINDOW_BASE /* slot N's BAR at base + N * 64 KiB */
#define VIRTIO_PCI_BAR_SIZE 0x4000ULL
#define VIRTIO_MAX_QUEUES   4
#define VIRTIO_MSIX_VECTORS 4
#define VIRTIO_NO_VECTOR    0xffff

/* device_status bits (2.1) */
#define VIRTIO_S_ACKNOWLEDGE 1
#define VIRTIO_S_DRIVER	     2
#define VIRTIO_S_DRIVER_OK   4
#define VIRTIO_S_FEATURES_OK 8
#define VIRTIO_S_NEEDS_RESET 64
#define VIRTIO_S_FAILED	     128

#define VIRTIO_F_VERSION_1 (1ULL << 32)

struct virtio_pci;

struct virtio_dev_ops {
	const char *name; /* "virtio-blk": in every message */
	u16 type;	  /* the virtio device type: 2 block */
	u32 class_code;	  /* PCI class, subclass, interface */
	u64 features;	  /* offered; VIRTIO_F_VERSION_1 is always added */
	u16 nqueues;
	u16 queue_max; /* the largest queue size offered, a power of two */
	/* The device's configuration (bytes [off, off + size) of it, size 1, 2, 4 or 8). */
	u64 (*config_read)(struct virtio_pci *p, u32 off, unsigned size);
	u32 config_len;
	/* Boot core of node 0, no lock held: serve queue q (its state is a copy, stored
	 * back after), at most budget chains: returns true if it stopped at the budget
	 * with more waiting (it is called again at once, after the network's turn). */
	bool (*serve)(struct virtio_pci *p, u16 qi, struct virtq *q, u32 budget);
};

struct msix_entry {
	u32 addr_lo, addr_hi, data, ctrl; /* ctrl bit 0: masked */
};

struct virtio_pci {
	const struct virtio_dev_ops *ops;
	void *dev; /* the device's own state */
	struct vm *vm;
	u8 slot;
	bool serving; /* node 0: this node serves the device (others forward) */
	/* PCI configuration */
	u16 command;
	bool bar_sizing; /* all ones written to the BAR: it reads back its size */
	u16 msix_ctrl;	 /* enable (bit 15), function mask (bit 14) */
	/* common configuration */
	u32 dfselect, gfselect;
	u64 driver_features;
	u16 msix_config, queue_sel;
	u8 status, config_gen;
	u8 isr;
	struct virtq q[VIRTIO_MAX_QUEUES];
	struct msix_entry msix[VIRTIO_MSIX_VECTORS];
	u32 msix_pending; /* a bit per vector: signalled while masked */
	u32 kicked;	  /* a bit per queue: notified, not yet served (atomic) */
	u32 generation;	  /* bumped at every reset */
	bool refused;	  /* a malformed chain was said: the device needs a reset */
	bool in_serve;	  /* the boot core is serving a queue, outside dev_lock */
	bool reset_pending; /* the driver wrote status 0 meanwhile: done when the serve
			     * ends (status reads non-zero until then, 4.1.4.3.2) */
};

/* Registers the device's PCI function and BAR on this node (every node: the others
 * forward to node 0), and on node 0 its queue service. 0 or a negative error. */
int virtio_pci_init(struct virtio_pci *p, struct vm *vm, u8 slot,
		    const struct virtio_dev_ops *ops, void *dev, bool serving);
/* The device used buffers of queue qi: its MSI-X vector, if the driver wants one. Boot
 * core, no lock held. */
void virtio_pci_queue_interrupt(struct virtio_pci *p, u16 qi, struct virtq *q);
/* Queue qi has work the device found itself (received frames): the boot core serves it
 * at its next round. Boot core. */
void virtio_pci_kick(struct virtio_pci *p, u16 qi);
/* Is queue qi enabled, with the driver up (DRIVER_OK) and the device not refused? */
bool virtio_pci_queue_ready(const struct virtio_pci *p, u16 qi);
/* A chain the device cannot follow: says why (once), sets NEEDS_RESET and tells the
 * driver (the configuration vector). The queue is not served until the driver resets. */
void virtio_pci_refuse(struct virtio_pci *p, u16 qi, const char *why);
/* Guest RAM for the virtqueue code (vm_read_guest / vm_write_guest); ctx is the vm. */
int virtio_copy(void *ctx, gpa_t gpa, void *buf, u64 len, bool write);

#endif
