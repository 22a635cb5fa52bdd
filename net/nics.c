// SPDX-License-Identifier: GPL-2.0-only
/*
 * Finding the node's NICs (see net/nics.h). Each PCI function is offered to each driver in
 * turn; the first that takes it binds it. A NIC that can interrupt (virtio-net with MSI-X)
 * gets a LAPIC vector whose handler only acknowledges it: the interrupt exists to end the
 * CPU's HLT so the network context polls at once rather than at the next timer tick.
 */
#include "net/nics.h"
#include "vmm/host/lapic.h"
#include "vmm/host/idt.h"
#include "vmm/host/log.h"
#include "vmm/lib/printf.h"

typedef int (*nic_probe_fn)(const struct pci_access *a, struct pci_dev *d, struct nic **out);

static const nic_probe_fn net_drivers[] = { virtio_net_probe, e1000_probe };
static struct nic *net_nics[NET_MAX_NICS];
static int net_nr_nics = -1;
static u64 net_irq_count;

/* The NIC's interrupt is acknowledged at the device before the EOI: a level-triggered one
 * (through the I/O APIC) would otherwise come straight back. */
static void net_nic_irq(struct trap_frame *tf)
{
	for (int i = 0; i < net_nr_nics; i++)
		if (net_nics[i]->irq_vector == tf->vector &&
		    (!net_nics[i]->ops->irq_ack || net_nics[i]->ops->irq_ack(net_nics[i])))
			net_irq_count++;
	lapic_eoi();
}

static void net_nics_bind(struct pci_dev *d)
{
	for (size_t i = 0; i < ARRAY_SIZE(net_drivers); i++) {
		struct nic *nic;
		int rc = net_drivers[i](&pci_port_access, d, &nic);
		if (rc == -E_NOENT)
			continue;
		if (rc) {
			pr_err("net: %02x:%02x.%x %04x:%04x: driver failed (error %d); NIC not "
			       "used\n",
			       PCI_BDF_BUS(d->bdf), PCI_BDF_DEV(d->bdf), PCI_BDF_FN(d->bdf),
			       d->vendor, d->device, rc);
			return;
		}
		if (net_nr_nics == NET_MAX_NICS) {
			pr_warn("net: %02x:%02x.%x: more than %d NICs; this one is not used\n",
				PCI_BDF_BUS(d->bdf), PCI_BDF_DEV(d->bdf), PCI_BDF_FN(d->bdf),
				NET_MAX_NICS);
			nic->irq_vector = 0;
			return;
		}
		net_nics[net_nr_nics++] = nic;
		/* the handler first, then the device may interrupt */
		if (nic->irq_vector)
			idt_set_handler(nic->irq_vector, net_nic_irq);
		if (nic->irq_vector && nic->ops->irq_enable)
			nic->ops->irq_enable(nic);
		return;
	}
}

int net_nics_probe(struct nic ***nics)
{
	struct pci_dev *devs;
	int n;

	if (net_nr_nics < 0) {
		net_nr_nics = 0;
		n = pci_node_devices(&devs);
		for (int i = 0; i < n; i++)
			net_nics_bind(&devs[i]);
		pci_report();
		for (int i = 0; i < net_nr_nics; i++) {
			const u8 *m = net_nics[i]->mac;
			char how[48];

			if (!net_nics[i]->irq_vector)
				ksnprintf(how, sizeof(how), "polled");
			else if (net_nics[i]->irq_line)
				ksnprintf(how, sizeof(how), "receive interrupt on IRQ %u (I/O APIC)",
					  net_nics[i]->irq_line);
			else
				ksnprintf(how, sizeof(how), "MSI-X receive interrupt");
			kprintf("net: NIC %d: %s %02x:%02x.%x mac %02x:%02x:%02x:%02x:%02x:%02x, "
				"%s\n",
				i, net_nics[i]->name, PCI_BDF_BUS(net_nics[i]->bdf),
				PCI_BDF_DEV(net_nics[i]->bdf), PCI_BDF_FN(net_nics[i]->bdf), m[0],
				m[1], m[2], m[3], m[4], m[5], how);
		}
	}
	*nics = net_nics;
	return net_nr_nics;
}

struct nic *net_nics_find(const u8 mac[6])
{
	for (int i = 0; i < net_nr_nics; i++) {
		int same = 1;
		for (int b = 0; b < 6; b++)
			same &= net_nics[i]->mac[b] == mac[b];
		if (same)
			return net_nics[i];
	}
	return NULL;
}

u64 net_nics_irqs(void)
{
	return net_irq_count;
}
