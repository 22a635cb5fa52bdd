// SPDX-License-Identifier: GPL-2.0-only
/*
 * The ACPI tables as a guest's ACPI code reads them: RSDP found by a scan of
 * the area, every checksum right, the XSDT leading to the FADT and the MADT,
 * the FADT to the DSDT and the PM ports, the DSDT holding \_S5, the MADT
 * listing one enabled local APIC per vCPU, the IOAPIC and the overrides.
 */
#define _GNU_SOURCE /* memmem */
#include "tests/unit/check.h"
#include "vmm/guest/acpi.h"
#include "vmm/lib/unaligned.h"

static u8 mem[ACPI_TABLES_SIZE];

static const u8 *at(gpa_t gpa)
{
	return mem + (gpa - ACPI_TABLES_GPA);
}

static int sum(const u8 *p, size_t n)
{
	u8 s = 0;

	for (size_t i = 0; i < n; i++)
		s += p[i];
	return s;
}

/* Checks a table's signature, length bounds and checksum; returns it. */
static const u8 *table(gpa_t gpa, const char *sig)
{
	const u8 *t;

	if (gpa < ACPI_TABLES_GPA || gpa >= ACPI_TABLES_GPA + sizeof(mem)) {
		check_fail(__FILE__, __LINE__, "%s at %#llx is outside the area", sig,
			   (unsigned long long)gpa);
		return NULL;
	}
	t = at(gpa);
	CHECK(memcmp(t, sig, 4) == 0);
	CHECK(rd32(t + 4) >= 36 && gpa + rd32(t + 4) <= ACPI_TABLES_GPA + sizeof(mem));
	CHECK_EQ(sum(t, rd32(t + 4)), 0);
	return t;
}

static gpa_t find_rsdp(void)
{
	for (size_t off = 0; off + 36 <= sizeof(mem); off += 16)
		if (memcmp(mem + off, "RSD PTR ", 8) == 0 && sum(mem + off, 20) == 0)
			return ACPI_TABLES_GPA + off;
	return 0;
}

TEST(tables_walk)
{
	struct acpi_config cfg = {
		.ncpus = 3, .ioapic_id = 3, .nnodes = 1, .node_size = { 256 << 20 }
	};
	gpa_t rsdp = acpi_build(mem, ACPI_TABLES_GPA, sizeof(mem), &cfg);
	const u8 *r, *xsdt, *fadt, *dsdt, *madt;

	CHECK(rsdp != 0);
	CHECK_EQ_U64(find_rsdp(), rsdp);
	r = at(rsdp);
	CHECK_EQ(r[15], 2);	 /* revision: XSDT present */
	CHECK_EQ(sum(r, 36), 0); /* extended checksum */
	xsdt = table(rd64(r + 24), "XSDT");
	if (!xsdt)
		return;
	CHECK_EQ(rd32(xsdt + 4), 36 + 4 * 8);
	CHECK(table(rd64(xsdt + 52), "SRAT") != NULL);
	CHECK(table(rd64(xsdt + 60), "SLIT") != NULL);
	fadt = table(rd64(xsdt + 36), "FACP");
	madt = table(rd64(xsdt + 44), "APIC");
	if (!fadt || !madt)
		return;
	CHECK_EQ(rd32(fadt + 4), 276);
	CHECK_EQ(rd32(fadt + 0x40), ACPI_PM1A_CNT_PORT);
	CHECK_EQ(rd32(fadt + 0x4c), ACPI_PM_TMR_PORT);
	CHECK_EQ(fadt[0x2e], ACPI_SCI_IRQ);
	dsdt = table(rd64(fadt + 0x8c), "DSDT");
	CHECK_EQ_U64(rd32(fadt + 0x28), rd64(fadt + 0x8c));
	CHECK(dsdt && memmem(dsdt, rd32(dsdt + 4), "\x08_S5_\x12", 6) != NULL);
	/* MADT: 3 local APICs, 1 IOAPIC, 2 overrides, 1 NMI */
	CHECK_EQ(rd32(madt + 36), 0xfee00000);
	{
		int lapics = 0, ioapics = 0, overrides = 0, nmis = 0;
		for (u32 off = 44; off < rd32(madt + 4); off += madt[off + 1]) {
			CHECK(madt[off + 1] >= 2);
			if (madt[off + 1] < 2)
				break;
			switch (madt[off]) {
			case 0:
				CHECK_EQ(madt[off + 3], lapics);   /* APIC id */
				CHECK_EQ(rd32(madt + off + 4), 1); /* enabled */
				lapics++;
				break;
			case 1:
				CHECK_EQ(madt[off + 2], 3);
				CHECK_EQ(rd32(madt + off + 4), 0xfec00000);
				ioapics++;
				break;
			case 2: overrides++; break;
			case 4: nmis++; break;
			default: check_fail(__FILE__, __LINE__, "MADT entry type %u", madt[off]);
			}
		}
		CHECK_EQ(lapics, 3);
		CHECK_EQ(ioapics, 1);
		CHECK_EQ(overrides, 2);
		CHECK_EQ(nmis, 1);
	}
}

/* Two cluster nodes: vCPUs 0-1 on node 0, 2-3 on node 1; memory split in halves. */
TEST(numa_tables)
{
	struct acpi_config cfg = { .ncpus = 4,
				   .ioapic_id = 4,
				   .nnodes = 2,
				   .cpu_node = { 0, 0, 1, 1 },
				   .node_base = { 0, 1ULL << 30 },
				   .node_size = { 1ULL << 30, 1ULL << 30 } };
	gpa_t rsdp = acpi_build(mem, ACPI_TABLES_GPA, sizeof(mem), &cfg);
	const u8 *xsdt = rsdp ? table(rd64(at(rsdp) + 24), "XSDT") : NULL, *srat, *slit;
	int cpus[2] = { 0, 0 }, mems = 0;

	CHECK(xsdt != NULL);
	if (!xsdt)
		return;
	srat = table(rd64(xsdt + 52), "SRAT");
	slit = table(rd64(xsdt + 60), "SLIT");
	if (!srat || !slit)
		return;
	for (u32 off = 48; off < rd32(srat + 4); off += srat[off + 1]) {
		CHECK(srat[off + 1] >= 16);
		if (srat[off + 1] < 16)
			break;
		if (srat[off] == 0) {
			CHECK(srat[off + 2] < 2);
			CHECK_EQ(srat[off + 2], srat[off + 3] >= 2); /* APIC ids 2, 3 on node 1 */
			cpus[srat[off + 2] & 1]++;
		} else if (srat[off] == 1) {
			u32 dom = rd32(srat + off + 2);
			CHECK_EQ_U64(rd64(srat + off + 8), dom << 30);	 /* base */
			CHECK_EQ_U64(rd64(srat + off + 16), 1ULL << 30); /* length */
			CHECK_EQ(rd32(srat + off + 28) & 1, 1);		 /* enabled */
			mems++;
		}
	}
	CHECK_EQ(cpus[0], 2);
	CHECK_EQ(cpus[1], 2);
	CHECK_EQ(mems, 2);
	CHECK_EQ_U64(rd64(slit + 36), 2);
	CHECK_EQ(slit[44], 10);
	CHECK_EQ(slit[45], 40);
	CHECK_EQ(slit[46], 40);
	CHECK_EQ(slit[47], 10);
}

/* RAM above 4 GiB: node 1's range holds the devices' window, which the SRAT leaves out. */
TEST(numa_ranges_around_the_hole)
{
	struct acpi_config cfg = { .ncpus = 2,
				   .ioapic_id = 2,
				   .nnodes = 2,
				   .cpu_node = { 0, 1 },
				   .node_base = { 0, 0x90000000ULL },
				   .node_size = { 0x90000000ULL, 0x122000000ULL - 0x90000000ULL },
				   .hole_base = 0xfe000000ULL,
				   .hole_end = 0x100000000ULL };
	static const u64 want[3][3] = { /* domain, base, length */
		{ 0, 0, 0x90000000ULL },
		{ 1, 0x90000000ULL, 0xfe000000ULL - 0x90000000ULL },
		{ 1, 0x100000000ULL, 0x22000000ULL },
	};
	gpa_t rsdp = acpi_build(mem, ACPI_TABLES_GPA, sizeof(mem), &cfg);
	const u8 *xsdt = rsdp ? table(rd64(at(rsdp) + 24), "XSDT") : NULL, *srat;
	u32 mems = 0;

	CHECK(xsdt != NULL);
	if (!xsdt || !(srat = table(rd64(xsdt + 52), "SRAT")))
		return;
	for (u32 off = 48; off < rd32(srat + 4) && srat[off + 1] >= 16; off += srat[off + 1]) {
		if (srat[off] != 1)
			continue;
		CHECK(mems < 3);
		if (mems >= 3)
			break;
		CHECK_EQ(rd32(srat + off + 2), (u32)want[mems][0]);
		CHECK_EQ_U64(rd64(srat + off + 8), want[mems][1]);
		CHECK_EQ_U64(rd64(srat + off + 16), want[mems][2]);
		mems++;
	}
	CHECK_EQ(mems, 3);
}

TEST(too_small_or_bad_config)
{
	struct acpi_config cfg = { .ncpus = 1, .nnodes = 1 };

	CHECK_EQ(acpi_build(mem, ACPI_TABLES_GPA, 100, &cfg), 0);
	cfg.ncpus = 0;
	CHECK_EQ(acpi_build(mem, ACPI_TABLES_GPA, sizeof(mem), &cfg), 0);
	cfg.ncpus = 257;
	CHECK_EQ(acpi_build(mem, ACPI_TABLES_GPA, sizeof(mem), &cfg), 0);
	cfg.ncpus = 1;
	cfg.nnodes = 0;
	CHECK_EQ(acpi_build(mem, ACPI_TABLES_GPA, sizeof(mem), &cfg), 0);
	cfg.nnodes = 257;
	CHECK_EQ(acpi_build(mem, ACPI_TABLES_GPA, sizeof(mem), &cfg), 0);
}

/* The design's limit: 256 vCPUs, one on each of 256 nodes of 16 MiB. APIC ids 0-254 in
 * the xAPIC entries, 255 (the xAPIC broadcast id) in x2APIC ones; each vCPU in its
 * node's proximity domain; the SLIT 256 x 256; everything within the area. */
TEST(tables_for_256_vcpus_on_256_nodes)
{
	static struct acpi_config cfg = { .ncpus = 256, .ioapic_id = 0, .nnodes = 256 };
	const u8 *xsdt, *madt, *srat, *slit;
	u32 lapic_ids = 0, x2apic_ids = 0, x2nmis = 0, cpus = 0, mems = 0, bad = 0;
	gpa_t rsdp;

	for (u32 n = 0; n < 256; n++) {
		cfg.cpu_node[n] = (u8)n;
		cfg.node_base[n] = (u64)n << 24;
		cfg.node_size[n] = 1ULL << 24;
	}
	rsdp = acpi_build(mem, ACPI_TABLES_GPA, sizeof(mem), &cfg);
	CHECK(rsdp != 0);
	if (!rsdp || !(xsdt = table(rd64(at(rsdp) + 24), "XSDT")))
		return;
	madt = table(rd64(xsdt + 44), "APIC");
	srat = table(rd64(xsdt + 52), "SRAT");
	slit = table(rd64(xsdt + 60), "SLIT");
	if (!madt || !srat || !slit)
		return;
	for (u32 off = 44; off < rd32(madt + 4) && madt[off + 1]; off += madt[off + 1]) {
		if (madt[off] == 0) {
			CHECK_EQ(madt[off + 1], 8);
			bad += madt[off + 3] != lapic_ids || madt[off + 3] == 0xff;
			lapic_ids++;
		} else if (madt[off] == 9) {
			CHECK_EQ(madt[off + 1], 16);
			CHECK_EQ(rd32(madt + off + 4), 255 + x2apic_ids); /* x2APIC id */
			CHECK_EQ(rd32(madt + off + 8) & 1, 1);		  /* enabled */
			x2apic_ids++;
		} else if (madt[off] == 10) {
			CHECK_EQ(rd32(madt + off + 4), ~0u); /* every processor */
			CHECK_EQ(madt[off + 8], 1);	     /* LINT1 */
			x2nmis++;
		}
	}
	CHECK_EQ(lapic_ids, 255);
	CHECK_EQ(x2apic_ids, 1);
	CHECK_EQ(x2nmis, 1);
	CHECK_EQ(bad, 0);
	for (u32 off = 48; off < rd32(srat + 4) && srat[off + 1] >= 16; off += srat[off + 1]) {
		if (srat[off] == 0) {
			bad += srat[off + 2] != srat[off + 3]; /* vCPU i on node i */
			cpus++;
		} else if (srat[off] == 2) {
			CHECK_EQ(srat[off + 1], 24);
			CHECK_EQ(rd32(srat + off + 4), 255); /* domain */
			CHECK_EQ(rd32(srat + off + 8), 255); /* x2APIC id */
			cpus++;
		} else if (srat[off] == 1) {
			bad += rd64(srat + off + 8) != (u64)rd32(srat + off + 2) << 24;
			mems++;
		}
	}
	CHECK_EQ(cpus, 256);
	CHECK_EQ(mems, 256);
	CHECK_EQ(bad, 0);
	CHECK_EQ_U64(rd64(slit + 36), 256);
	CHECK_EQ(rd32(slit + 4), 44 + 256 * 256);
	CHECK_EQ(slit[44 + 255 * 256 + 255], 10);
	CHECK_EQ(slit[44 + 255 * 256 + 254], 40);
}
