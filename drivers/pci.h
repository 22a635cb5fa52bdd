/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * PCI enumeration of the node's own devices (not the guest's virtual bus, which is
 * vmm/platform/pci.c). drivers/pci.c walks configuration space through a struct pci_access, so the
 * scan, BAR sizing and capability walk build on the host and are tested against a fake
 * configuration space; drivers/pci_port.c supplies configuration mechanism 1 (ports 0xcf8 and
 * 0xcfc; PCI Local Bus Specification 3.0, section 3.2.2.3.2) and the boot report. Layouts of
 * the configuration header: PCI 3.0 section 6.1 (type 0) and the PCI-to-PCI Bridge
 * Architecture Specification 1.2 section 3.2 (type 1).
 */
#ifndef UNUM_DRIVERS_PCI_H
#define UNUM_DRIVERS_PCI_H

#include "vmm/lib/types.h"

/* Configuration header offsets (PCI 3.0 section 6.1). */
#define PCI_VENDOR_ID	   0x00
#define PCI_DEVICE_ID	   0x02
#define PCI_COMMAND	   0x04
#define PCI_STATUS	   0x06
#define PCI_CLASS_REV	   0x08 /* revision, prog-if, subclass, class */
#define PCI_HEADER_TYPE	   0x0e
#define PCI_BAR0	   0x10
#define PCI_SECONDARY_BUS  0x19 /* type 1 header */
#define PCI_CAP_PTR	   0x34
#define PCI_INTERRUPT_LINE 0x3c

#define PCI_COMMAND_IO		  0x0001
#define PCI_COMMAND_MEMORY	  0x0002
#define PCI_COMMAND_MASTER	  0x0004
#define PCI_COMMAND_INTX_DISABLE  0x0400
#define PCI_STATUS_CAP_LIST	  0x0010
#define PCI_HEADER_MULTI_FUNCTION 0x80

#define PCI_BAR_IO	      0x1
#define PCI_BAR_MEM_TYPE_MASK 0x6
#define PCI_BAR_MEM_TYPE_64   0x4
#define PCI_BAR_PREFETCH      0x8

#define PCI_CAP_ID_MSI	0x05
#define PCI_CAP_ID_VNDR 0x09
#define PCI_CAP_ID_MSIX 0x11

#define PCI_MAX_DEVICES 64
#define PCI_NR_BARS	6

/* bus:device.function packed as in the mechanism-1 address: bus << 8 | dev << 3 | fn. */
typedef u16 pci_bdf_t;
#define PCI_BDF(b, d, f) ((pci_bdf_t)((b) << 8 | (d) << 3 | (f)))
#define PCI_BDF_BUS(x)	 ((u8)((x) >> 8))
#define PCI_BDF_DEV(x)	 ((u8)(((x) >> 3) & 0x1f))
#define PCI_BDF_FN(x)	 ((u8)((x)&7))

/* How configuration space is reached: ports on the node, an array in tests. */
struct pci_access {
	void *ctx;
	u32 (*read32)(void *ctx, pci_bdf_t bdf, u16 off);
	void (*write32)(void *ctx, pci_bdf_t bdf, u16 off, u32 val);
};

enum pci_bar_kind { PCI_BAR_NONE, PCI_BAR_KIND_IO, PCI_BAR_MEM32, PCI_BAR_MEM64 };

struct pci_bar {
	u64 base; /* bus address as programmed by the firmware */
	u64 size; /* 0: not implemented */
	u8 kind;  /* enum pci_bar_kind */
	bool prefetchable;
};

struct pci_dev {
	pci_bdf_t bdf;
	u16 vendor, device;
	u8 class_code, subclass, prog_if, revision;
	u8 header_type; /* without the multi-function bit */
	struct pci_bar bar[PCI_NR_BARS];
	const char *driver; /* the driver bound to it, or NULL */
};

u32 pci_cfg_read32(const struct pci_access *a, pci_bdf_t bdf, u16 off);
u16 pci_cfg_read16(const struct pci_access *a, pci_bdf_t bdf, u16 off);
u8 pci_cfg_read8(const struct pci_access *a, pci_bdf_t bdf, u16 off);
void pci_cfg_write32(const struct pci_access *a, pci_bdf_t bdf, u16 off, u32 val);
/* Read-modify-write of the 16 bits at @off (even). */
void pci_cfg_write16(const struct pci_access *a, pci_bdf_t bdf, u16 off, u16 val);

/*
 * Sizes BAR @i of a type-0 device into @bar, with decoding switched off while the all-ones
 * pattern is in the register. Returns how many BAR registers it used: 2 for a 64-bit BAR,
 * else 1; a 64-bit BAR in the last slot is malformed and reads as absent.
 */
int pci_bar_probe(const struct pci_access *a, pci_bdf_t bdf, int i, struct pci_bar *bar);

/*
 * The offset of the first capability with @id at or after the one @from points to (0: from
 * the start of the list), or 0 when there is none. The walk is bounded, so a looping or
 * misaligned list ends it rather than the node.
 */
u8 pci_find_cap(const struct pci_access *a, pci_bdf_t bdf, u8 id, u8 from);

/*
 * Fills @devs (room for @max) with every function reachable from bus 0, behind bridges too.
 * Returns the number found (at most @max; extra ones are counted in *@dropped if non-NULL).
 */
int pci_scan(const struct pci_access *a, struct pci_dev *devs, int max, int *dropped);

/* Turn on memory/I/O decoding and bus mastering for a device a driver takes. */
void pci_enable_device(const struct pci_access *a, const struct pci_dev *d);

/* The node's configuration mechanism 1 (drivers/pci_port.c). */
extern const struct pci_access pci_port_access;
/* Scans the node's buses once; later calls return the same table. */
int pci_node_devices(struct pci_dev **devs);
/*
 * The monitor's pointer to memory BAR @i of @d, mapped uncacheable, or NULL (with the reason
 * printed) if it is not a memory BAR or lies beyond the monitor's identity map of the first
 * 4 GiB (firmware puts small 64-bit BARs below 4 GiB; larger ones are not supported yet).
 */
volatile void *pci_map_bar(const struct pci_dev *d, int i);
/* One boot-report line per device: "pci: 00:03.0 1af4:1041 class 02.00.00 virtio-net". */
void pci_report(void);

#endif
