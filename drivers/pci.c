// SPDX-License-Identifier: GPL-2.0-only
/*
 * PCI enumeration over an abstract configuration-space accessor (see drivers/pci.h): the bus
 * scan with its bridges, BAR sizing and the capability walk. Nothing here touches ports or
 * memory directly, so the host tests drive it with a fake configuration space. What a device
 * reports is not trusted: vendor 0xffff means nothing is there, capability pointers are
 * bounded and aligned, a bus number seen twice is not scanned again.
 */
#include "drivers/pci.h"

#define PCI_MAX_BUS	 256
#define PCI_CAP_WALK_MAX 48 /* (256 - 64) / 4: more links than that is a loop */

u32 pci_cfg_read32(const struct pci_access *a, pci_bdf_t bdf, u16 off)
{
	return a->read32(a->ctx, bdf, off & 0xfc);
}

u16 pci_cfg_read16(const struct pci_access *a, pci_bdf_t bdf, u16 off)
{
	return (u16)(pci_cfg_read32(a, bdf, off) >> ((off & 2) * 8));
}

u8 pci_cfg_read8(const struct pci_access *a, pci_bdf_t bdf, u16 off)
{
	return (u8)(pci_cfg_read32(a, bdf, off) >> ((off & 3) * 8));
}

void pci_cfg_write32(const struct pci_access *a, pci_bdf_t bdf, u16 off, u32 val)
{
	a->write32(a->ctx, bdf, off & 0xfc, val);
}

void pci_cfg_write16(const struct pci_access *a, pci_bdf_t bdf, u16 off, u16 val)
{
	u32 shift = (off & 2) * 8, v = pci_cfg_read32(a, bdf, off);

	v = (v & ~(0xffffu << shift)) | (u32)val << shift;
	/* The status register's bits are write-one-to-clear: never write back what we read. */
	if ((off & 0xfc) == PCI_COMMAND && shift == 0)
		v &= 0xffff;
	pci_cfg_write32(a, bdf, off, v);
}

/* Writes all ones to a BAR register and reads back which address bits it implements. */
static u32 pci_bar_mask(const struct pci_access *a, pci_bdf_t bdf, u16 off)
{
	u32 old = pci_cfg_read32(a, bdf, off), mask;

	pci_cfg_write32(a, bdf, off, 0xffffffffu);
	mask = pci_cfg_read32(a, bdf, off);
	pci_cfg_write32(a, bdf, off, old);
	return mask;
}

static void pci_bar_size_mem(const struct pci_access *a, pci_bdf_t bdf, u16 off, u32 lo, bool is64,
			     struct pci_bar *bar)
{
	u64 mask = pci_bar_mask(a, bdf, off) & ~0xfull;

	bar->base = lo & ~0xfull;
	if (is64) {
		bar->base |= (u64)pci_cfg_read32(a, bdf, off + 4) << 32;
		mask |= (u64)pci_bar_mask(a, bdf, off + 4) << 32;
	} else {
		mask |= 0xffffffff00000000ull;
	}
	/* No writable address bit (only the 32-bit sign-extension we added): not implemented. */
	mask &= ~0xfull;
	bar->size = (u32)mask || (is64 && mask) ? ~mask + 1 : 0;
	bar->kind = bar->size ? (is64 ? PCI_BAR_MEM64 : PCI_BAR_MEM32) : PCI_BAR_NONE;
	bar->prefetchable = lo & PCI_BAR_PREFETCH;
}

static void pci_bar_size_io(const struct pci_access *a, pci_bdf_t bdf, u16 off, u32 lo,
			    struct pci_bar *bar)
{
	u32 mask = pci_bar_mask(a, bdf, off) & ~0x3u;

	/* I/O BARs may implement only 16 address bits: the upper ones then read as zero. */
	if (mask && !(mask & 0xffff0000u))
		mask |= 0xffff0000u;
	bar->base = lo & ~0x3u;
	bar->size = mask ? (u32)(~mask + 1) : 0;
	bar->kind = bar->size ? PCI_BAR_KIND_IO : PCI_BAR_NONE;
	bar->prefetchable = false;
}

int pci_bar_probe(const struct pci_access *a, pci_bdf_t bdf, int i, struct pci_bar *bar)
{
	u16 off = (u16)(PCI_BAR0 + 4 * i);
	u16 cmd = pci_cfg_read16(a, bdf, PCI_COMMAND);
	u32 lo = pci_cfg_read32(a, bdf, off);
	bool is64 = !(lo & PCI_BAR_IO) && (lo & PCI_BAR_MEM_TYPE_MASK) == PCI_BAR_MEM_TYPE_64;

	*bar = (struct pci_bar){ 0 };
	if (is64 && i == PCI_NR_BARS - 1)
		return 1;
	/* A half-written BAR must not decode: the all-ones address could hit RAM or a device. */
	pci_cfg_write16(a, bdf, PCI_COMMAND, cmd & ~(PCI_COMMAND_IO | PCI_COMMAND_MEMORY));
	if (lo & PCI_BAR_IO)
		pci_bar_size_io(a, bdf, off, lo, bar);
	else
		pci_bar_size_mem(a, bdf, off, lo, is64, bar);
	pci_cfg_write16(a, bdf, PCI_COMMAND, cmd);
	return is64 ? 2 : 1;
}

u8 pci_find_cap(const struct pci_access *a, pci_bdf_t bdf, u8 id, u8 from)
{
	u8 ptr;

	if (!(pci_cfg_read16(a, bdf, PCI_STATUS) & PCI_STATUS_CAP_LIST))
		return 0;
	ptr = from ? pci_cfg_read8(a, bdf, from + 1) : pci_cfg_read8(a, bdf, PCI_CAP_PTR);
	for (int n = 0; n < PCI_CAP_WALK_MAX; n++) {
		ptr &= 0xfc;
		if (ptr < 0x40)
			return 0;
		if (pci_cfg_read8(a, bdf, ptr) == id)
			return ptr;
		ptr = pci_cfg_read8(a, bdf, ptr + 1);
	}
	return 0;
}

static void pci_read_function(const struct pci_access *a, pci_bdf_t bdf, struct pci_dev *d)
{
	u32 id = pci_cfg_read32(a, bdf, PCI_VENDOR_ID);
	u32 cr = pci_cfg_read32(a, bdf, PCI_CLASS_REV);

	*d = (struct pci_dev){ .bdf = bdf, .vendor = (u16)id, .device = (u16)(id >> 16) };
	d->revision = (u8)cr;
	d->prog_if = (u8)(cr >> 8);
	d->subclass = (u8)(cr >> 16);
	d->class_code = (u8)(cr >> 24);
	d->header_type = pci_cfg_read8(a, bdf, PCI_HEADER_TYPE) & 0x7f;
	if (d->header_type != 0)
		return; /* bridges' BARs are not ours to use */
	for (int i = 0; i < PCI_NR_BARS;)
		i += pci_bar_probe(a, bdf, i, &d->bar[i]);
}

struct pci_scan_state {
	const struct pci_access *a;
	struct pci_dev *devs;
	int max, n, dropped;
	u8 seen[PCI_MAX_BUS / 8];
};

static void pci_scan_bus(struct pci_scan_state *s, u8 bus);

static void pci_scan_function(struct pci_scan_state *s, pci_bdf_t bdf)
{
	struct pci_dev d;

	pci_read_function(s->a, bdf, &d);
	if (s->n < s->max)
		s->devs[s->n++] = d;
	else
		s->dropped++;
	/* A PCI-to-PCI bridge (class 06, subclass 04) leads to its secondary bus. */
	if (d.header_type == 1 && d.class_code == 0x06 && d.subclass == 0x04)
		pci_scan_bus(s, pci_cfg_read8(s->a, bdf, PCI_SECONDARY_BUS));
}

static void pci_scan_bus(struct pci_scan_state *s, u8 bus)
{
	if (s->seen[bus / 8] & (1u << (bus % 8)))
		return;
	s->seen[bus / 8] |= (u8)(1u << (bus % 8));
	for (u8 dev = 0; dev < 32; dev++) {
		u8 nfn = 1;
		for (u8 fn = 0; fn < nfn; fn++) {
			pci_bdf_t bdf = PCI_BDF(bus, dev, fn);
			if (pci_cfg_read16(s->a, bdf, PCI_VENDOR_ID) == 0xffff)
				continue;
			if (fn == 0 &&
			    pci_cfg_read8(s->a, bdf, PCI_HEADER_TYPE) & PCI_HEADER_MULTI_FUNCTION)
				nfn = 8;
			pci_scan_function(s, bdf);
		}
	}
}

int pci_scan(const struct pci_access *a, struct pci_dev *devs, int max, int *dropped)
{
	struct pci_scan_state s = { .a = a, .devs = devs, .max = max };

	pci_scan_bus(&s, 0);
	if (dropped)
		*dropped = s.dropped;
	return s.n;
}

void pci_enable_device(const struct pci_access *a, const struct pci_dev *d)
{
	u16 cmd = pci_cfg_read16(a, d->bdf, PCI_COMMAND);

	for (int i = 0; i < PCI_NR_BARS; i++) {
		if (d->bar[i].kind == PCI_BAR_KIND_IO)
			cmd |= PCI_COMMAND_IO;
		else if (d->bar[i].kind != PCI_BAR_NONE)
			cmd |= PCI_COMMAND_MEMORY;
	}
	pci_cfg_write16(a, d->bdf, PCI_COMMAND, cmd | PCI_COMMAND_MASTER);
}
