// SPDX-License-Identifier: GPL-2.0-only
/*
 * Intel 82540EM gigabit Ethernet, the "e1000" QEMU emulates (PCI/PCI-X Family of Gigabit
 * Ethernet Controllers Software Developer's Manual, 8254x, rev. 4.0: section 3.2 receive and
 * 3.3 transmit descriptors, section 13 registers, section 14 initialisation). Legacy
 * descriptors, 128-entry rings of 2 KiB buffers, CRC stripped, no offloads. The 82540EM has
 * no MSI: its INTx, which the firmware routed to an ISA IRQ (configuration register 0x3c),
 * goes through the host's I/O APIC to this CPU, level-triggered, for received frames only
 * (no receive delay), and only wakes the network context, as virtio-net's MSI-X does; reading
 * ICR ends it. Without an I/O APIC or a routed IRQ, the NIC is polled, and so it is from the
 * moment another device is seen to keep raising the same line. Everything the device writes back
 * (descriptor status, length, errors) is checked: errors, frames spanning descriptors and
 * lengths out of range are counted and dropped.
 */
#include "drivers/e1000.h"
#include "drivers/ioapic.h"
#include "vmm/host/lapic.h"
#include "vmm/host/tsc.h"
#include "vmm/lib/klib.h"
#include "vmm/host/log.h"
#include "vmm/host/mm.h"
#include "vmm/host/paging.h"

#define E1000_VENDOR	  0x8086
#define E1000_DEV_82540EM 0x100e

#define E1000_RING	128
#define E1000_BUF	2048
#define E1000_BUF_PAGES (E1000_RING * E1000_BUF / PAGE_SIZE)

struct e1000 {
	struct nic nic;
	volatile u8 *regs;
	volatile struct e1000_rx_desc *rx;
	volatile struct e1000_tx_desc *tx;
	u8 *rx_buf, *tx_buf;
	hpa_t rx_buf_pa, tx_buf_pa;
	u16 rx_next, tx_next;
	bool rx_discarding; /* inside a frame that spans descriptors: drop up to its EOP */
	u32 foreign_irqs;   /* interrupts in a row that were not this device's */
};

static struct e1000 e1000_devices[2];
static int e1000_count;

static u32 e1000_rd(struct e1000 *e, u32 reg)
{
	return *(volatile u32 *)(e->regs + reg);
}

static void e1000_wr(struct e1000 *e, u32 reg, u32 val)
{
	*(volatile u32 *)(e->regs + reg) = val;
}

/* Section 14.3: a software reset clears CTRL.RST when done (about 1 us; allow 10 ms). */
static int e1000_reset(struct e1000 *e)
{
	e1000_wr(e, E1000_IMC, 0xffffffffu);
	e1000_wr(e, E1000_CTRL, e1000_rd(e, E1000_CTRL) | E1000_CTRL_RST);
	for (int i = 0; i < 1000; i++) {
		udelay(10);
		if (!(e1000_rd(e, E1000_CTRL) & E1000_CTRL_RST)) {
			e1000_wr(e, E1000_IMC, 0xffffffffu);
			(void)e1000_rd(e, E1000_ICR);
			return 0;
		}
	}
	return -E_TIMEDOUT;
}

/* Word @addr of the EEPROM through EERD (section 13.4.4); -1 if it never completes. */
static int e1000_eeprom_read(struct e1000 *e, u8 addr)
{
	e1000_wr(e, E1000_EERD, E1000_EERD_START | (u32)addr << E1000_EERD_ADDR_SHIFT);
	for (int i = 0; i < 1000; i++) {
		u32 v = e1000_rd(e, E1000_EERD);
		if (v & E1000_EERD_DONE)
			return (int)(v >> E1000_EERD_DATA_SHIFT);
		udelay(1);
	}
	return -1;
}

/* The MAC from receive address 0 if valid (the firmware loaded it), else from the EEPROM. */
static int e1000_read_mac(struct e1000 *e)
{
	u32 lo = e1000_rd(e, E1000_RAL0), hi = e1000_rd(e, E1000_RAH0);

	if (hi & E1000_RAH_AV) {
		for (int i = 0; i < 4; i++)
			e->nic.mac[i] = (u8)(lo >> (8 * i));
		e->nic.mac[4] = (u8)hi;
		e->nic.mac[5] = (u8)(hi >> 8);
		return 0;
	}
	for (u8 w = 0; w < 3; w++) {
		int v = e1000_eeprom_read(e, w);
		if (v < 0)
			return -E_TIMEDOUT;
		e->nic.mac[2 * w] = (u8)v;
		e->nic.mac[2 * w + 1] = (u8)(v >> 8);
	}
	e1000_wr(e, E1000_RAL0,
		 e->nic.mac[0] | e->nic.mac[1] << 8 | e->nic.mac[2] << 16 |
			 (u32)e->nic.mac[3] << 24);
	e1000_wr(e, E1000_RAH0, e->nic.mac[4] | e->nic.mac[5] << 8 | E1000_RAH_AV);
	return 0;
}

static int e1000_alloc_rings(struct e1000 *e)
{
	hpa_t rx = page_alloc(1, 1), tx = page_alloc(1, 1);

	e->rx_buf_pa = page_alloc(E1000_BUF_PAGES, 1);
	e->tx_buf_pa = page_alloc(E1000_BUF_PAGES, 1);
	if (!rx || !tx || !e->rx_buf_pa || !e->tx_buf_pa)
		return -E_NOMEM;
	e->rx = hpa_to_ptr(rx);
	e->tx = hpa_to_ptr(tx);
	e->rx_buf = hpa_to_ptr(e->rx_buf_pa);
	e->tx_buf = hpa_to_ptr(e->tx_buf_pa);
	for (int i = 0; i < E1000_RING; i++) {
		e->rx[i].addr = e->rx_buf_pa + (u64)i * E1000_BUF;
		e->tx[i].addr = e->tx_buf_pa + (u64)i * E1000_BUF;
		e->tx[i].status = E1000_TXD_STAT_DD; /* free */
	}
	return 0;
}

/* Section 14.4 (receive) and 14.5 (transmit) initialisation. */
static void e1000_start_rings(struct e1000 *e)
{
	u64 rx = ptr_to_hpa((const void *)e->rx), tx = ptr_to_hpa((const void *)e->tx);

	for (int i = 0; i < 128; i++)
		e1000_wr(e, E1000_MTA + 4 * i, 0);
	e1000_wr(e, E1000_RDBAL, (u32)rx);
	e1000_wr(e, E1000_RDBAH, (u32)(rx >> 32));
	e1000_wr(e, E1000_RDLEN, E1000_RING * sizeof(struct e1000_rx_desc));
	e1000_wr(e, E1000_RDH, 0);
	e1000_wr(e, E1000_RDT, E1000_RING - 1);
	e1000_wr(e, E1000_RCTL,
		 E1000_RCTL_EN | E1000_RCTL_BAM | E1000_RCTL_SECRC | E1000_RCTL_BSIZE_2048);
	e1000_wr(e, E1000_TDBAL, (u32)tx);
	e1000_wr(e, E1000_TDBAH, (u32)(tx >> 32));
	e1000_wr(e, E1000_TDLEN, E1000_RING * sizeof(struct e1000_tx_desc));
	e1000_wr(e, E1000_TDH, 0);
	e1000_wr(e, E1000_TDT, 0);
	e1000_wr(e, E1000_TIPG, E1000_TIPG_DEFAULT);
	e1000_wr(e, E1000_TCTL,
		 E1000_TCTL_EN | E1000_TCTL_PSP | E1000_TCTL_CT_DEFAULT | E1000_TCTL_COLD_FULL);
	e1000_wr(e, E1000_CTRL, e1000_rd(e, E1000_CTRL) | E1000_CTRL_SLU | E1000_CTRL_ASDE);
}

static int e1000_send(struct nic *nic, const void *frame, size_t len)
{
	struct e1000 *e = nic->priv;
	volatile struct e1000_tx_desc *d = &e->tx[e->tx_next];

	if (len > NIC_MAX_FRAME || len < NIC_MIN_FRAME) {
		nic->stats.tx_too_long++;
		return -E_INVAL;
	}
	if (!(d->status & E1000_TXD_STAT_DD)) {
		nic->stats.tx_full++;
		return -E_NOSPC;
	}
	memcpy(e->tx_buf + (size_t)e->tx_next * E1000_BUF, frame, len);
	d->length = (u16)len;
	d->cso = 0;
	d->cmd = E1000_TXD_CMD_EOP | E1000_TXD_CMD_IFCS | E1000_TXD_CMD_RS;
	d->status = 0;
	e->tx_next = (u16)((e->tx_next + 1) % E1000_RING);
	__asm__ volatile("" ::: "memory"); /* the descriptor before the tail that hands it over */
	e1000_wr(e, E1000_TDT, e->tx_next);
	nic->stats.kicks++;
	nic->stats.tx_frames++;
	nic->stats.tx_bytes += len;
	return 0;
}

/*
 * Checks one completed receive descriptor; true if it holds a whole, clean frame. A frame
 * spanning buffers (no EOP: cannot happen with long packets off, so the device is confused)
 * is counted once and every piece up to its EOP dropped.
 */
static bool e1000_rx_check(struct e1000 *e, u8 status, u8 errors, u16 len)
{
	bool eop = status & E1000_RXD_STAT_EOP;

	if (e->rx_discarding) {
		e->rx_discarding = !eop;
		return false;
	}
	if (!eop || errors || len > E1000_BUF) {
		e->rx_discarding = !eop;
		e->nic.stats.rx_bad++;
		return false;
	}
	return true;
}

static int e1000_poll(struct nic *nic, nic_rx_fn fn, void *ctx, int budget)
{
	struct e1000 *e = nic->priv;
	int n = 0, last = -1;

	while (n < budget) {
		volatile struct e1000_rx_desc *d = &e->rx[e->rx_next];
		u8 status = d->status, errors;
		u16 len;
		if (!(status & E1000_RXD_STAT_DD))
			break;
		__asm__ volatile(
			"" ::
				: "memory"); /* the fields after the status that covers them */
		errors = d->errors;
		len = d->length;
		if (e1000_rx_check(e, status, errors, len)) {
			const u8 *frame = e->rx_buf + (size_t)e->rx_next * E1000_BUF;
			if (nic_rx_accept(nic, frame, len, NIC_MAX_FRAME)) {
				fn(ctx, frame, len);
				n++;
			}
		}
		d->status = 0;
		last = e->rx_next;
		e->rx_next = (u16)((e->rx_next + 1) % E1000_RING);
	}
	/*
	 * Hand the buffers back in one write (each is an exit under a hypervisor): the tail
	 * names the last descriptor the device may fill.
	 */
	if (last >= 0) {
		e1000_wr(e, E1000_RDT, (u32)last);
		nic->stats.kicks++;
	}
	return n;
}

/* After this many interrupts in a row that were not the e1000's, the line is taken to
 * be another device's too, which nobody here acknowledges: the NIC goes back to polling. */
#define E1000_FOREIGN_IRQS 1000

/* Reading ICR clears every cause, which lowers the level-triggered line (13.4.17). A zero
 * ICR means the interrupt was not this device's. */
static bool e1000_irq_ack(struct nic *nic)
{
	struct e1000 *e = nic->priv;

	if (e1000_rd(e, E1000_ICR)) {
		e->foreign_irqs = 0;
		return true;
	}
	if (++e->foreign_irqs == E1000_FOREIGN_IRQS)
		nic->ops->irq_disable(nic);
	return false;
}

/* The receive interrupt through the I/O APIC, on the line the firmware routed the
 * device's INTx to (found at probe): turned on once the NIC is bound. */
static void e1000_irq_enable(struct nic *nic)
{
	struct e1000 *e = nic->priv;

	if (ioapic_route_level(nic->irq_line, nic->irq_vector, lapic_id()) != 0) {
		nic->irq_vector = 0; /* (said why: polled) */
		nic->irq_line = 0;
		return;
	}
	e1000_wr(e, E1000_RDTR, 0);
	(void)e1000_rd(e, E1000_ICR);
	e1000_wr(e, E1000_IMS, E1000_INT_RXT0 | E1000_INT_RXDMT0 | E1000_INT_RXO);
}

static void e1000_irq_disable(struct nic *nic)
{
	struct e1000 *e = nic->priv;

	e1000_wr(e, E1000_IMC, 0xffffffffu);
	ioapic_mask(nic->irq_line);
	pr_warn("e1000: IRQ %u raised %u times in a row by another device: masked, the NIC is "
		"polled from now on\n",
		nic->irq_line, E1000_FOREIGN_IRQS);
	nic->irq_vector = 0;
}

/* Receive address 1 for a bridged guest's MAC (section 13.4.28: 16 are filtered), and
 * every multicast frame (the MTA is clear): the guest's IPv6 and the like. */
static void e1000_accept_mac(struct nic *nic, const u8 mac[6])
{
	struct e1000 *e = nic->priv;

	e1000_wr(e, E1000_RAL1, mac[0] | mac[1] << 8 | mac[2] << 16 | (u32)mac[3] << 24);
	e1000_wr(e, E1000_RAH1, mac[4] | mac[5] << 8 | E1000_RAH_AV);
	e1000_wr(e, E1000_RCTL, e1000_rd(e, E1000_RCTL) | E1000_RCTL_MPE);
}

static const struct nic_ops e1000_ops = {
	.send = e1000_send,
	.poll = e1000_poll,
	.irq_ack = e1000_irq_ack,
	.irq_enable = e1000_irq_enable,
	.irq_disable = e1000_irq_disable,
	.accept_mac = e1000_accept_mac,
};

/* The line and vector the receive interrupt will use, if the firmware routed INTx. */
static void e1000_pick_irq(struct e1000 *e, const struct pci_access *a, const struct pci_dev *d)
{
	u8 pin = pci_cfg_read8(a, d->bdf, PCI_INTERRUPT_LINE + 1);
	u8 line = pci_cfg_read8(a, d->bdf, PCI_INTERRUPT_LINE);

	if (pin < 1 || pin > 4 || line == 0 || line >= 0xff) {
		pr_info("e1000: no interrupt line routed (pin %u, line %u): polled\n", pin, line);
		return;
	}
	e->nic.irq_vector = (u8)(NIC_IRQ_VECTOR_BASE + NIC_IRQ_VECTORS / 2 + e1000_count);
	e->nic.irq_line = line;
}

static int e1000_start(struct e1000 *e)
{
	if (e1000_reset(e)) {
		pr_err("e1000: the device did not come out of reset\n");
		return -E_TIMEDOUT;
	}
	if (e1000_read_mac(e)) {
		pr_err("e1000: cannot read the MAC address from the EEPROM\n");
		return -E_TIMEDOUT;
	}
	if (e1000_alloc_rings(e))
		return -E_NOMEM;
	e1000_start_rings(e);
	return 0;
}

int e1000_probe(const struct pci_access *a, struct pci_dev *d, struct nic **out)
{
	struct e1000 *e;
	int rc;

	if (d->vendor != E1000_VENDOR || d->device != E1000_DEV_82540EM)
		return -E_NOENT;
	if (e1000_count == (int)ARRAY_SIZE(e1000_devices))
		return -E_NOSPC;
	e = &e1000_devices[e1000_count];
	memset(e, 0, sizeof(*e));
	e->nic = (struct nic){ .name = "e1000", .bdf = d->bdf, .ops = &e1000_ops, .priv = e };
	e->regs = pci_map_bar(d, 0);
	if (!e->regs)
		return -E_NOTSUP;
	pci_enable_device(a, d);
	rc = e1000_start(e);
	if (rc)
		return rc;
	e1000_pick_irq(e, a, d);
	e1000_count++;
	d->driver = e->nic.name;
	*out = &e->nic;
	return 0;
}
