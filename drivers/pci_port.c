// SPDX-License-Identifier: GPL-2.0-only
/*
 * The node's PCI configuration space through configuration mechanism 1 (PCI Local Bus
 * Specification 3.0, section 3.2.2.3.2): a dword address written to port 0xcf8, data at
 * 0xcfc. Also the node's device table, scanned once, and its lines in the boot report. Only
 * the network context touches configuration space after boot, so the two-step address/data
 * access needs no lock yet; a second CPU that probes devices must add one.
 */
#include "drivers/pci.h"
#include "vmm/host/log.h"
#include "vmm/host/paging.h"
#include "vmm/lib/x86.h"

#define PCI_CONFIG_ADDRESS 0xcf8
#define PCI_CONFIG_DATA	   0xcfc
#define PCI_CONFIG_ENABLE  0x80000000u

static inline u32 pci_inl(u16 port)
{
	u32 v;
	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static u32 pci_port_address(pci_bdf_t bdf, u16 off)
{
	return PCI_CONFIG_ENABLE | (u32)bdf << 8 | (off & 0xfc);
}

static u32 pci_port_read32(void *ctx, pci_bdf_t bdf, u16 off)
{
	outl(PCI_CONFIG_ADDRESS, pci_port_address(bdf, off));
	return pci_inl(PCI_CONFIG_DATA);
}

static void pci_port_write32(void *ctx, pci_bdf_t bdf, u16 off, u32 val)
{
	outl(PCI_CONFIG_ADDRESS, pci_port_address(bdf, off));
	outl(PCI_CONFIG_DATA, val);
}

const struct pci_access pci_port_access = {
	.read32 = pci_port_read32,
	.write32 = pci_port_write32,
};

static struct pci_dev pci_devices[PCI_MAX_DEVICES];
static int pci_nr_devices = -1;

int pci_node_devices(struct pci_dev **devs)
{
	int dropped = 0;

	if (pci_nr_devices < 0) {
		pci_nr_devices = pci_scan(&pci_port_access, pci_devices, PCI_MAX_DEVICES, &dropped);
		if (dropped)
			pr_warn("pci: %d functions past the first %d ignored\n", dropped,
				PCI_MAX_DEVICES);
	}
	*devs = pci_devices;
	return pci_nr_devices;
}

volatile void *pci_map_bar(const struct pci_dev *d, int i)
{
	const struct pci_bar *b = &d->bar[i];
	int rc;

	if (i < 0 || i >= PCI_NR_BARS || (b->kind != PCI_BAR_MEM32 && b->kind != PCI_BAR_MEM64)) {
		pr_err("pci: %02x:%02x.%x: BAR %d is not a memory BAR\n", PCI_BDF_BUS(d->bdf),
		       PCI_BDF_DEV(d->bdf), PCI_BDF_FN(d->bdf), i);
		return NULL;
	}
	rc = b->base == 0 || b->base + b->size < b->base ? -E_RANGE
							   : paging_map_device(b->base, b->size);
	if (rc != 0) {
		pr_err("pci: %02x:%02x.%x: BAR %d at %#llx (%llu bytes) cannot be mapped: %s\n",
		       PCI_BDF_BUS(d->bdf), PCI_BDF_DEV(d->bdf), PCI_BDF_FN(d->bdf), i,
		       (unsigned long long)b->base, (unsigned long long)b->size,
		       rc == -E_RANGE ? "unassigned, or above the 128 TiB the monitor maps devices in"
				      : "no memory for its page tables");
		return NULL;
	}
	return (volatile void *)hpa_to_ptr(b->base);
}

void pci_report(void)
{
	struct pci_dev *devs;
	int n = pci_node_devices(&devs);

	kprintf("pci: %d functions (configuration mechanism 1)\n", n);
	for (int i = 0; i < n; i++) {
		const struct pci_dev *d = &devs[i];
		kprintf("pci: %02x:%02x.%x %04x:%04x class %02x.%02x.%02x %s\n",
			PCI_BDF_BUS(d->bdf), PCI_BDF_DEV(d->bdf), PCI_BDF_FN(d->bdf), d->vendor,
			d->device, d->class_code, d->subclass, d->prog_if,
			d->driver ? d->driver : "-");
	}
}
