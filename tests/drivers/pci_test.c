// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host tests of drivers/pci.c against a fake configuration space: BAR sizing (32-bit and
 * 64-bit memory, I/O with 16 address bits, absent, a 64-bit BAR in the last slot), decoding
 * switched off while a BAR is sized and restored after, the capability walk (found, absent,
 * a looping list, pointers into the header), and the bus scan (multi-function devices, a
 * bridge to bus 1, a bridge looping back to bus 0, more functions than room).
 */
#include "drivers/pci.h"
#include "tests/unit/check.h"

#define FAKE_FNS 8

struct fake_fn {
	pci_bdf_t bdf;
	u32 cfg[64];
	u32 bar_mask[6];	   /* writable address bits of each BAR register */
	int writes_while_decoding; /* BAR writes with memory or I/O decoding on */
	u32 status_written;	   /* bits written to the (write-one-to-clear) status register */
};

struct fake {
	struct fake_fn fn[FAKE_FNS];
	int n;
};

static struct fake_fn *fake_find(struct fake *f, pci_bdf_t bdf)
{
	for (int i = 0; i < f->n; i++)
		if (f->fn[i].bdf == bdf)
			return &f->fn[i];
	return NULL;
}

static u32 fake_read(void *ctx, pci_bdf_t bdf, u16 off)
{
	struct fake_fn *fn = fake_find(ctx, bdf);

	return fn ? fn->cfg[off / 4] : 0xffffffffu;
}

static void fake_write(void *ctx, pci_bdf_t bdf, u16 off, u32 val)
{
	struct fake_fn *fn = fake_find(ctx, bdf);
	int bar = (off - PCI_BAR0) / 4;

	if (!fn)
		return;
	if (off >= PCI_BAR0 && off < PCI_BAR0 + 24) {
		if (fn->cfg[1] & (PCI_COMMAND_IO | PCI_COMMAND_MEMORY))
			fn->writes_while_decoding++;
		fn->cfg[off / 4] =
			(val & fn->bar_mask[bar]) | (fn->cfg[off / 4] & ~fn->bar_mask[bar]);
	} else if (off == PCI_COMMAND) {
		fn->status_written |= val >> 16;
		fn->cfg[1] = (fn->cfg[1] & 0xffff0000u) | (val & 0xffff);
	} else {
		fn->cfg[off / 4] = val;
	}
}

static struct fake_fn *fake_add(struct fake *f, pci_bdf_t bdf, u32 id, u32 class_rev, u8 hdr)
{
	struct fake_fn *fn = &f->fn[f->n++];

	memset(fn, 0, sizeof(*fn));
	fn->bdf = bdf;
	fn->cfg[0] = id;
	fn->cfg[1] = PCI_COMMAND_MEMORY | PCI_COMMAND_IO;
	fn->cfg[2] = class_rev;
	fn->cfg[3] = (u32)hdr << 16;
	return fn;
}

static struct pci_access fake_access(struct fake *f)
{
	return (struct pci_access){ .ctx = f, .read32 = fake_read, .write32 = fake_write };
}

TEST(bar_kinds_and_sizes)
{
	struct fake f = { 0 };
	struct pci_access a = fake_access(&f);
	struct fake_fn *fn = fake_add(&f, PCI_BDF(0, 3, 0), 0x10418086, 0x02000000, 0);
	struct pci_bar b;

	fn->cfg[4] = 0xfebc0000; /* BAR0: 32-bit memory, 128 KiB */
	fn->bar_mask[0] = 0xfffe0000;
	fn->cfg[5] = 0xc001; /* BAR1: I/O, 64 ports, 16 address bits */
	fn->bar_mask[1] = 0x0000ffc0;
	fn->cfg[6] = 0x0000000c; /* BAR2+3: 64-bit prefetchable, 16 KiB at 0x8_0000_4000 */
	fn->cfg[7] = 0x8;
	fn->bar_mask[2] = 0xffffc000;
	fn->bar_mask[3] = 0xffffffff;
	fn->cfg[9] = 0x4; /* BAR5: a 64-bit BAR with no upper half: malformed */
	fn->bar_mask[5] = 0xfffff000;

	CHECK_EQ(pci_bar_probe(&a, fn->bdf, 0, &b), 1);
	CHECK_EQ(b.kind, PCI_BAR_MEM32);
	CHECK_EQ_U64(b.base, 0xfebc0000);
	CHECK_EQ_U64(b.size, 0x20000);
	CHECK_EQ(pci_bar_probe(&a, fn->bdf, 1, &b), 1);
	CHECK_EQ(b.kind, PCI_BAR_KIND_IO);
	CHECK_EQ_U64(b.base, 0xc000);
	CHECK_EQ_U64(b.size, 64);
	CHECK_EQ(pci_bar_probe(&a, fn->bdf, 2, &b), 2);
	CHECK_EQ(b.kind, PCI_BAR_MEM64);
	CHECK(b.prefetchable);
	CHECK_EQ_U64(b.base, 0x800000000ull);
	CHECK_EQ_U64(b.size, 0x4000);
	CHECK_EQ(pci_bar_probe(&a, fn->bdf, 4, &b), 1);
	CHECK_EQ(b.kind, PCI_BAR_NONE);
	CHECK_EQ_U64(b.size, 0);
	CHECK_EQ(pci_bar_probe(&a, fn->bdf, 5, &b), 1);
	CHECK_EQ(b.kind, PCI_BAR_NONE);
	/* Sizing restored every BAR and the command register, and never wrote one decoding. */
	CHECK_EQ_U64(fn->cfg[4], 0xfebc0000);
	CHECK_EQ_U64(fn->cfg[5], 0xc001);
	CHECK_EQ_U64(fn->cfg[7], 0x8);
	CHECK_EQ(fn->cfg[1] & 0xffff, PCI_COMMAND_MEMORY | PCI_COMMAND_IO);
	CHECK_EQ(fn->writes_while_decoding, 0);
}

TEST(capability_walk)
{
	struct fake f = { 0 };
	struct pci_access a = fake_access(&f);
	struct fake_fn *fn = fake_add(&f, PCI_BDF(0, 4, 0), 0x10001af4, 0x02000000, 0);

	fn->cfg[1] |= (u32)PCI_STATUS_CAP_LIST << 16;
	fn->cfg[PCI_CAP_PTR / 4] = 0x40;
	fn->cfg[0x40 / 4] = 0x5009; /* vendor, next 0x50 */
	fn->cfg[0x50 / 4] = 0x6011; /* MSI-X, next 0x60 */
	fn->cfg[0x60 / 4] = 0x0009; /* vendor, end */
	CHECK_EQ(pci_find_cap(&a, fn->bdf, PCI_CAP_ID_VNDR, 0), 0x40);
	CHECK_EQ(pci_find_cap(&a, fn->bdf, PCI_CAP_ID_VNDR, 0x40), 0x60);
	CHECK_EQ(pci_find_cap(&a, fn->bdf, PCI_CAP_ID_VNDR, 0x60), 0);
	CHECK_EQ(pci_find_cap(&a, fn->bdf, PCI_CAP_ID_MSIX, 0), 0x50);
	CHECK_EQ(pci_find_cap(&a, fn->bdf, PCI_CAP_ID_MSI, 0), 0);
	/* A list that loops back on itself ends the walk. */
	fn->cfg[0x60 / 4] = 0x4009;
	CHECK_EQ(pci_find_cap(&a, fn->bdf, PCI_CAP_ID_MSI, 0), 0);
	/* A pointer into the header (below 0x40) ends it too. */
	fn->cfg[0x50 / 4] = 0x1011;
	CHECK_EQ(pci_find_cap(&a, fn->bdf, PCI_CAP_ID_VNDR, 0x40), 0);
	/* Without the status bit there is no list at all. */
	fn->cfg[1] &= 0xffff;
	CHECK_EQ(pci_find_cap(&a, fn->bdf, PCI_CAP_ID_VNDR, 0), 0);
}

TEST(scan_bridges_and_functions)
{
	struct fake f = { 0 };
	struct pci_access a = fake_access(&f);
	struct pci_dev devs[8];
	struct fake_fn *br, *loop;
	int n, dropped;

	fake_add(&f, PCI_BDF(0, 0, 0), 0x12378086, 0x06000000, 0);
	fake_add(&f, PCI_BDF(0, 1, 0), 0x70008086, 0x06010000, PCI_HEADER_MULTI_FUNCTION);
	fake_add(&f, PCI_BDF(0, 1, 3), 0x71138086, 0x06800000, 0);
	br = fake_add(&f, PCI_BDF(0, 5, 0), 0x00011b36, 0x06040000, 1);
	br->cfg[PCI_SECONDARY_BUS / 4] = 1 << 8;
	fake_add(&f, PCI_BDF(1, 0, 0), 0x100e8086, 0x02000000, 0);
	/* Function 2 of a single-function device must not be scanned. */
	fake_add(&f, PCI_BDF(0, 0, 2), 0xdeadbeef, 0x02000000, 0);
	loop = fake_add(&f, PCI_BDF(1, 7, 0), 0x00011b36, 0x06040000, 1);
	loop->cfg[PCI_SECONDARY_BUS / 4] = 0 << 8; /* back to bus 0: not rescanned */

	n = pci_scan(&a, devs, 8, &dropped);
	CHECK_EQ(n, 6);
	CHECK_EQ(dropped, 0);
	CHECK_EQ(devs[0].bdf, PCI_BDF(0, 0, 0));
	CHECK_EQ(devs[1].bdf, PCI_BDF(0, 1, 0));
	CHECK_EQ(devs[2].bdf, PCI_BDF(0, 1, 3));
	CHECK_EQ(devs[3].bdf, PCI_BDF(0, 5, 0));
	CHECK_EQ(devs[3].header_type, 1);
	CHECK_EQ(devs[4].bdf, PCI_BDF(1, 0, 0));
	CHECK_EQ(devs[4].vendor, 0x8086);
	CHECK_EQ(devs[4].device, 0x100e);
	CHECK_EQ(devs[4].class_code, 0x02);
	CHECK_EQ(devs[5].bdf, PCI_BDF(1, 7, 0));

	n = pci_scan(&a, devs, 3, &dropped);
	CHECK_EQ(n, 3);
	CHECK_EQ(dropped, 3);
}

TEST(enable_device)
{
	struct fake f = { 0 };
	struct pci_access a = fake_access(&f);
	struct fake_fn *fn = fake_add(&f, PCI_BDF(0, 2, 0), 0x100e8086, 0x02000000, 0);
	struct pci_dev d = { .bdf = fn->bdf };

	fn->cfg[1] = 0xffff0000u; /* status bits set: write-one-to-clear, must not be written */
	d.bar[0].kind = PCI_BAR_MEM32;
	pci_enable_device(&a, &d);
	CHECK_EQ(fn->cfg[1] & 0xffff, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	CHECK_EQ_U64(fn->status_written, 0);
}
