// SPDX-License-Identifier: GPL-2.0-only
/*
 * The ACPI tables as a guest's ACPI code reads them: RSDP found by a scan of
 * the area, every checksum right, the XSDT leading to the FADT and the MADT,
 * the FADT to the DSDT and the PM ports, the DSDT holding \_S5, the MADT
 * listing one enabled local APIC per vCPU, the IOAPIC and the overrides.
 */
#define _GNU_SOURCE /* memmem */
#include "tests/unit/check.h"
#include "vmm/acpi.h"

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

static u32 rd32(const u8 *p)
{
	u32 v;
	memcpy(&v, p, 4);
	return v;
}

static u64 rd64(const u8 *p)
{
	u64 v;
	memcpy(&v, p, 8);
	return v;
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
	struct acpi_config cfg = { .ncpus = 3, .ioapic_id = 3 };
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
	CHECK_EQ(rd32(xsdt + 4), 36 + 16);
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

TEST(too_small_or_bad_config)
{
	struct acpi_config cfg = { .ncpus = 1 };

	CHECK_EQ(acpi_build(mem, ACPI_TABLES_GPA, 100, &cfg), 0);
	cfg.ncpus = 0;
	CHECK_EQ(acpi_build(mem, ACPI_TABLES_GPA, sizeof(mem), &cfg), 0);
	cfg.ncpus = 256;
	CHECK_EQ(acpi_build(mem, ACPI_TABLES_GPA, sizeof(mem), &cfg), 0);
}
