// SPDX-License-Identifier: GPL-2.0-only
/*
 * The guest's PCI bus: configuration mechanism 1 (ports 0xcf8 address,
 * 0xcfc-0xcff data; PCI Local Bus specification 3.0, section 3.2.2.3.2) with
 * a host bridge at 00:00.0 and the devices that register a slot of bus 0
 * (function 0 only; pci_add_device). Without the bridge Linux finds no usable
 * configuration mechanism (its sanity check wants a host bridge on bus 0)
 * and probes every possible bus through the ports instead: 33,000 exits
 * during boot, measured. Every other slot reads as absent (all ones).
 * Port 0xcf9, the reset control register, sits in the same range.
 */
#include "vmm/platform/devices.h"
#include "vmm/virt/io.h"
#include "vmm/lib/klib.h"

#define PCI_ADDR_PORT	   0xcf8
#define PCI_DATA_PORT	   0xcfc
#define RESET_CONTROL_PORT 0xcf9
#define ADDR_ENABLE	   0x80000000u
/* A virtual host bridge's identity: Red Hat's ID for such bridges, no driver needed. */
#define HOST_VENDOR	  0x1b36
#define HOST_DEVICE	  0x0008
#define CLASS_HOST_BRIDGE 0x060000

static u32 pci_address;
static u16 host_command;

struct pci_slot {
	pci_cfg_read_fn read;
	pci_cfg_write_fn write;
	void *ctx;
};
static struct pci_slot slots[PCI_SLOTS];

int pci_add_device(u8 slot, pci_cfg_read_fn read, pci_cfg_write_fn write, void *ctx)
{
	if (slot == 0 || slot >= PCI_SLOTS || slots[slot].read)
		return -E_EXIST;
	slots[slot] = (struct pci_slot){ read, write, ctx };
	return 0;
}

/* The dword at reg of 00:00.0's configuration space (type 0 header). */
static u32 host_bridge_dword(u32 reg)
{
	switch (reg) {
	case 0x00: return HOST_VENDOR | (HOST_DEVICE << 16);
	case 0x04: return host_command;			     /* status 0 */
	case 0x08: return CLASS_HOST_BRIDGE << 8;	     /* revision 0 */
	case 0x2c: return HOST_VENDOR | (HOST_DEVICE << 16); /* subsystem */
	default: return 0; /* header type 0, single function, no BARs */
	}
}

/* Bus, device and function of the current address: 00:00.0, the bridge? */
static bool addressed_host(void)
{
	return (pci_address & ADDR_ENABLE) && (pci_address & 0x00ffff00) == 0;
}

/* The registered device at the current address (bus 0, function 0), or NULL. */
static const struct pci_slot *addressed_slot(void)
{
	u32 slot = (pci_address >> 11) & 0x1f;

	if (!(pci_address & ADDR_ENABLE) || (pci_address & 0x00ff0700) || !slots[slot].read)
		return NULL;
	return &slots[slot];
}

static u32 pci_read(struct vcpu *v, void *ctx, u16 port, u8 size)
{
	u32 off = port - PCI_DATA_PORT, dword;

	if (port == PCI_ADDR_PORT && size == 4)
		return pci_address;
	if (port < PCI_DATA_PORT)
		return 0xffffffff;
	if (addressed_host())
		dword = host_bridge_dword(pci_address & 0xfc);
	else if (addressed_slot())
		dword = addressed_slot()->read(addressed_slot()->ctx, pci_address & 0xfc);
	else
		return 0xffffffff;
	return dword >> (8 * off);
}

static void pci_write(struct vcpu *v, void *ctx, u16 port, u8 size, u32 val)
{
	if (port == PCI_ADDR_PORT && size == 4)
		pci_address = val & 0x80fffffc;
	else if (port == RESET_CONTROL_PORT && size == 1)
		power_reset_write(v, port, val);
	else if (port == PCI_DATA_PORT + (pci_address & 2 ? 2 : 0) && addressed_host() &&
		 (pci_address & 0xfc) == 0x04 && !(pci_address & 2))
		host_command = val & 0x0007; /* I/O, memory, bus master enables */
	else if (port >= PCI_DATA_PORT && addressed_slot()) {
		/* Bytes [off, off + size) of the dword: the device merges them. */
		u32 off = port - PCI_DATA_PORT;
		u32 mask = (size == 4 ? 0xffffffffu : ((1u << (8 * size)) - 1)) << (8 * off);
		addressed_slot()->write(addressed_slot()->ctx, pci_address & 0xfc,
					(val << (8 * off)) & mask, mask);
	}
}

int pci_init(void)
{
	struct io_device d = { "PCI configuration", PCI_ADDR_PORT, 8, pci_read, pci_write, NULL };

	return io_register(&d);
}
