// SPDX-License-Identifier: GPL-2.0-only
/*
 * ACPI table builder (see vmm/guest/acpi.h). Tables are laid out one after the
 * other, 16-byte aligned, each with a correct checksum (the bytes of a table
 * sum to zero, ACPI 6.4 section 5.2.5 and 5.2.6).
 */
#include "vmm/guest/acpi.h"
#include "vmm/guest/acpi_internal.h"
#include "vmm/lib/klib.h"

struct acpi_rsdp {
	char signature[8];
	u8 checksum;
	char oem_id[6];
	u8 revision;
	u32 rsdt_address, length;
	u64 xsdt_address;
	u8 extended_checksum, reserved[3];
} __packed;
_Static_assert(sizeof(struct acpi_rsdp) == 36, "RSDP (5.2.5.3)");

struct acpi_gas {
	u8 space_id, bit_width, bit_offset, access_size;
	u64 address;
} __packed;
_Static_assert(sizeof(struct acpi_gas) == 12, "generic address structure (5.2.3.2)");

struct acpi_fadt {
	struct acpi_header h;
	u32 firmware_ctrl, dsdt;
	u8 reserved0, preferred_pm_profile;
	u16 sci_int;
	u32 smi_cmd;
	u8 acpi_enable, acpi_disable, s4bios_req, pstate_cnt;
	u32 pm1a_evt_blk, pm1b_evt_blk, pm1a_cnt_blk, pm1b_cnt_blk, pm2_cnt_blk, pm_tmr_blk;
	u32 gpe0_blk, gpe1_blk;
	u8 pm1_evt_len, pm1_cnt_len, pm2_cnt_len, pm_tmr_len, gpe0_blk_len, gpe1_blk_len;
	u8 gpe1_base, cst_cnt;
	u16 p_lvl2_lat, p_lvl3_lat, flush_size, flush_stride;
	u8 duty_offset, duty_width, day_alrm, mon_alrm, century;
	u16 iapc_boot_arch;
	u8 reserved1;
	u32 flags;
	struct acpi_gas reset_reg;
	u8 reset_value;
	u16 arm_boot_arch;
	u8 minor_version;
	u64 x_firmware_ctrl, x_dsdt;
	struct acpi_gas x_pm1a_evt_blk, x_pm1b_evt_blk, x_pm1a_cnt_blk, x_pm1b_cnt_blk;
	struct acpi_gas x_pm2_cnt_blk, x_pm_tmr_blk, x_gpe0_blk, x_gpe1_blk;
	struct acpi_gas sleep_control_reg, sleep_status_reg;
	u64 hypervisor_vendor_id;
} __packed;
_Static_assert(__builtin_offsetof(struct acpi_fadt, flags) == 0x70, "FADT flags (5.2.9)");
_Static_assert(__builtin_offsetof(struct acpi_fadt, x_dsdt) == 0x8c, "FADT X_DSDT");
_Static_assert(__builtin_offsetof(struct acpi_fadt, x_pm_tmr_blk) == 0xd0, "FADT X_PM_TMR_BLK");
_Static_assert(sizeof(struct acpi_fadt) == 276, "FADT revision 6 is 276 bytes");

#define FADT_WBINVD		  (1u << 0)
#define FADT_PROC_C1		  (1u << 2)
#define FADT_PWR_BUTTON		  (1u << 4) /* no fixed power button */
#define FADT_SLP_BUTTON		  (1u << 5) /* no fixed sleep button */
#define FADT_TMR_VAL_EXT	  (1u << 8)
#define BOOT_ARCH_LEGACY_DEVICES  (1u << 0)
#define BOOT_ARCH_VGA_NOT_PRESENT (1u << 2)
#define GAS_SYSTEM_IO		  1

/* DSDT body, part 1: Name (_S5, Package () { 5, 5, 0, 0 }) in AML (ACPI 6.4 chapter 20). */
static const u8 dsdt_s5[] = {
	0x08, '_',
	'S',  '5',
	'_', /* NameOp, NameSeg */
	0x12, 0x08,
	0x04,		       /* PackageOp, PkgLength 8, NumElements 4 */
	0x0a, ACPI_S5_SLP_TYP, /* BytePrefix 5: SLP_TYPa */
	0x0a, ACPI_S5_SLP_TYP, /* BytePrefix 5: SLP_TYPb */
	0x00, 0x00,	       /* ZeroOp, ZeroOp */
};

/*
 * Part 2: the PCI host bridge, so the guest scans bus 0 for the virtio devices. Without a
 * bridge in the namespace an ACPI kernel (Linux) scans no PCI bus at all.
 *   Scope (\_SB) { Device (PCI0) { Name (_HID, EisaId ("PNP0A03")) Name (_UID, 0)
 *                                  Name (_CRS, ResourceTemplate () { ... }) } }
 * _CRS (ACPI 6.4, 6.4.3.5): bus numbers 0-255; the configuration ports 0xcf8-0xcff; the
 * other I/O ports; and the memory window the monitor puts the devices' BARs in.
 */
static const u8 pci_crs[] = {
	/* WordBusNumber: producer, min and max fixed, 0x00-0xff */
	0x88, 0x0d, 0x00, 0x02, 0x0c, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0x00, 0x00, 0x00,
	0x00, 0x01,
	/* IO (Decode16, 0xcf8, 0xcf8, 1, 8) */
	0x47, 0x01, 0xf8, 0x0c, 0xf8, 0x0c, 0x01, 0x08,
	/* WordIO 0x0000-0x0cf7 and 0x0d00-0xffff, entire range */
	0x88, 0x0d, 0x00, 0x01, 0x0c, 0x03, 0x00, 0x00, 0x00, 0x00, 0xf7, 0x0c, 0x00, 0x00,
	0xf8, 0x0c,
	0x88, 0x0d, 0x00, 0x01, 0x0c, 0x03, 0x00, 0x00, 0x00, 0x0d, 0xff, 0xff, 0x00, 0x00,
	0x00, 0xf3,
	/* DWordMemory, read-write, not cacheable: ACPI_PCI_WINDOW_BASE, ACPI_PCI_WINDOW_SIZE */
	0x87, 0x17, 0x00, 0x00, 0x0c, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xfe,
	0xff, 0xff, 0x7f, 0xfe, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80, 0x00,
	/* EndTag */
	0x79, 0x00,
};
_Static_assert(ACPI_PCI_WINDOW_BASE == 0xfe000000ULL && ACPI_PCI_WINDOW_SIZE == 0x800000ULL,
	       "pci_crs's DWordMemory spells the window out");

/* An AML PkgLength (ACPI 6.4, 20.2.4) for body bytes after it: its bytes, how many. */
static size_t aml_pkglen(u8 *out, size_t body)
{
	size_t total = body + 1;

	if (total <= 0x3f) {
		out[0] = (u8)total;
		return 1;
	}
	total = body + 2; /* (at most 0xfff: every body is at most DSDT_PCI_MAX bytes) */
	out[0] = (u8)(0x40 | (total & 0xf));
	out[1] = (u8)(total >> 4);
	return 2;
}

/* Part 2 into out (at least DSDT_PCI_MAX bytes): its length. */
#define DSDT_PCI_MAX 160
_Static_assert(DSDT_PCI_MAX + 2 <= 0xfff, "two-byte PkgLengths suffice");
static size_t dsdt_pci(u8 *out)
{
	static const u8 hid_uid[] = { 0x08, '_', 'H', 'I', 'D', 0x0c, 0x41, 0xd0, 0x0a, 0x03,
				      0x08, '_', 'U', 'I', 'D', 0x00 };
	u8 crs[16], dev[DSDT_PCI_MAX];
	size_t n = 0, c = 0, d = 0;

	/* Name (_CRS, Buffer (len) { pci_crs }) */
	crs[c++] = 0x08;
	memcpy(crs + c, "_CRS", 4);
	c += 4;
	crs[c++] = 0x11; /* BufferOp */
	{
		u8 len[2];
		size_t l = aml_pkglen(len, 2 + sizeof(pci_crs));
		memcpy(crs + c, len, l);
		c += l;
	}
	crs[c++] = 0x0a; /* BytePrefix: the buffer's size */
	crs[c++] = (u8)sizeof(pci_crs);
	_Static_assert(sizeof(pci_crs) < 0x100, "a byte-sized buffer");
	/* Device (PCI0) { hid_uid, Name (_CRS, ...) } */
	memcpy(dev + d, "PCI0", 4);
	d += 4;
	memcpy(dev + d, hid_uid, sizeof(hid_uid));
	d += sizeof(hid_uid);
	memcpy(dev + d, crs, c);
	d += c;
	memcpy(dev + d, pci_crs, sizeof(pci_crs));
	d += sizeof(pci_crs);
	/* Scope (\_SB) { DeviceOp PkgLength dev } */
	{
		u8 body[DSDT_PCI_MAX];
		size_t b = 0;
		memcpy(body + b, "\\_SB_", 5);
		b += 5;
		body[b++] = 0x5b;
		body[b++] = 0x82; /* DeviceOp */
		b += aml_pkglen(body + b, d);
		memcpy(body + b, dev, d);
		b += d;
		out[n++] = 0x10; /* ScopeOp */
		n += aml_pkglen(out + n, b);
		memcpy(out + n, body, b);
		n += b;
	}
	return n;
}

static u8 checksum(const void *p, size_t n)
{
	u8 sum = 0;

	for (size_t i = 0; i < n; i++)
		sum += ((const u8 *)p)[i];
	return (u8)-sum;
}

/* Room for n bytes, 16-byte aligned; NULL when full. */
void *acpi_take(struct builder *b, size_t n, gpa_t *at)
{
	size_t off = ALIGN_UP(b->used, 16);

	if (off + n > b->size)
		return NULL;
	b->used = off + n;
	*at = b->gpa + off;
	memset(b->buf + off, 0, n);
	return b->buf + off;
}

void acpi_header_init(struct acpi_header *h, const char *sig, u32 len, u8 rev)
{
	memcpy(h->signature, sig, 4);
	h->length = len;
	h->revision = rev;
	memcpy(h->oem_id, "UNUM  ", 6);
	memcpy(h->oem_table_id, "UNUMVMM ", 8);
	h->oem_revision = 1;
	memcpy(&h->creator_id, "UNUM", 4);
	h->creator_revision = 1;
}

void acpi_seal(struct acpi_header *h)
{
	h->checksum = 0;
	h->checksum = checksum(h, h->length);
}

static gpa_t build_dsdt(struct builder *b)
{
	u8 pci[DSDT_PCI_MAX];
	size_t npci = dsdt_pci(pci);
	u32 len = (u32)(sizeof(struct acpi_header) + sizeof(dsdt_s5) + npci);
	gpa_t at;
	struct acpi_header *h = acpi_take(b, len, &at);

	if (!h)
		return 0;
	acpi_header_init(h, "DSDT", len, 2);
	memcpy(h + 1, dsdt_s5, sizeof(dsdt_s5));
	memcpy((u8 *)(h + 1) + sizeof(dsdt_s5), pci, npci);
	acpi_seal(h);
	return at;
}

static void gas_io(struct acpi_gas *g, u16 port, u8 bytes)
{
	*g = (struct acpi_gas){ GAS_SYSTEM_IO, (u8)(bytes * 8), 0, bytes, port };
}

static gpa_t build_fadt(struct builder *b, gpa_t dsdt)
{
	gpa_t at;
	struct acpi_fadt *f = acpi_take(b, sizeof(*f), &at);

	if (!f)
		return 0;
	acpi_header_init(&f->h, "FACP", sizeof(*f), 6);
	f->dsdt = (u32)dsdt;
	f->x_dsdt = dsdt;
	f->sci_int = ACPI_SCI_IRQ;
	/* SMI_CMD 0: the platform is always in ACPI mode (SCI_EN reads as set). */
	f->pm1a_evt_blk = ACPI_PM1A_EVT_PORT;
	f->pm1a_cnt_blk = ACPI_PM1A_CNT_PORT;
	f->pm_tmr_blk = ACPI_PM_TMR_PORT;
	f->pm1_evt_len = 4;
	f->pm1_cnt_len = 2;
	f->pm_tmr_len = 4;
	gas_io(&f->x_pm1a_evt_blk, ACPI_PM1A_EVT_PORT, 4);
	gas_io(&f->x_pm1a_cnt_blk, ACPI_PM1A_CNT_PORT, 2);
	gas_io(&f->x_pm_tmr_blk, ACPI_PM_TMR_PORT, 4);
	f->p_lvl2_lat = 101;  /* > 100: C2 not supported */
	f->p_lvl3_lat = 1001; /* > 1000: C3 not supported */
	f->iapc_boot_arch = BOOT_ARCH_LEGACY_DEVICES | BOOT_ARCH_VGA_NOT_PRESENT;
	f->flags =
		FADT_WBINVD | FADT_PROC_C1 | FADT_PWR_BUTTON | FADT_SLP_BUTTON | FADT_TMR_VAL_EXT;
	f->minor_version = 4;
	memcpy(&f->hypervisor_vendor_id, "UnumUnum", 8);
	acpi_seal(&f->h);
	return at;
}

/* MADT entries (5.2.12.2 ff.) */
struct madt_lapic {
	u8 type, length, processor_uid, apic_id;
	u32 flags;
} __packed;
struct madt_ioapic {
	u8 type, length, ioapic_id, reserved;
	u32 address, gsi_base;
} __packed;
struct madt_override {
	u8 type, length, bus, source;
	u32 gsi;
	u16 flags;
} __packed;
struct madt_lapic_nmi {
	u8 type, length, processor_uid;
	u16 flags;
	u8 lint;
} __packed;
struct madt_x2apic {
	u8 type, length;
	u16 reserved;
	u32 x2apic_id, flags, processor_uid;
} __packed;
struct madt_x2apic_nmi {
	u8 type, length;
	u16 flags;
	u32 processor_uid;
	u8 lint, reserved[3];
} __packed;
_Static_assert(sizeof(struct madt_lapic) == 8 && sizeof(struct madt_ioapic) == 12 &&
		       sizeof(struct madt_override) == 10 && sizeof(struct madt_lapic_nmi) == 6 &&
		       sizeof(struct madt_x2apic) == 16 && sizeof(struct madt_x2apic_nmi) == 12,
	       "MADT entry sizes");

#define MADT_PCAT_COMPAT      1u
#define MADT_LAPIC_ENABLED    1u
#define MPS_ACTIVE_HIGH_LEVEL 0x000d

/* APIC ids from 255 up (255 is the xAPIC broadcast) need the x2APIC forms of the
 * MADT's and the SRAT's processor entries (ACPI 6.4, 5.2.12.12 and 5.2.16.3). */
static gpa_t build_madt(struct builder *b, const struct acpi_config *cfg)
{
	u32 nx2 = cfg->ncpus > ACPI_XAPIC_IDS ? cfg->ncpus - ACPI_XAPIC_IDS : 0;
	u32 nx = cfg->ncpus - nx2;
	u32 len = 36 + 8 + nx * sizeof(struct madt_lapic) + nx2 * sizeof(struct madt_x2apic) +
		  sizeof(struct madt_ioapic) + 2 * sizeof(struct madt_override) +
		  sizeof(struct madt_lapic_nmi) + (nx2 ? sizeof(struct madt_x2apic_nmi) : 0);
	gpa_t at;
	u8 *t = acpi_take(b, len, &at), *p;

	if (!t)
		return 0;
	acpi_header_init((struct acpi_header *)t, "APIC", len, 5);
	p = t + 36;
	*(u32 *)p = (u32)LAPIC_GPA;
	*(u32 *)(p + 4) = MADT_PCAT_COMPAT;
	p += 8;
	for (u32 i = 0; i < nx; i++, p += sizeof(struct madt_lapic))
		*(struct madt_lapic *)p =
			(struct madt_lapic){ 0, 8, (u8)i, (u8)i, MADT_LAPIC_ENABLED };
	for (u32 i = nx; i < cfg->ncpus; i++, p += sizeof(struct madt_x2apic))
		*(struct madt_x2apic *)p =
			(struct madt_x2apic){ 9, 16, 0, i, MADT_LAPIC_ENABLED, i };
	*(struct madt_ioapic *)p =
		(struct madt_ioapic){ 1, 12, (u8)cfg->ioapic_id, 0, (u32)IOAPIC_GPA, 0 };
	p += sizeof(struct madt_ioapic);
	/* ISA IRQ 0 (the PIT) arrives on IOAPIC pin 2, as on every PC. */
	*(struct madt_override *)p = (struct madt_override){ 2, 10, 0, 0, 2, 0 };
	p += sizeof(struct madt_override);
	*(struct madt_override *)p = (struct madt_override){
		2, 10, 0, ACPI_SCI_IRQ, ACPI_SCI_IRQ, MPS_ACTIVE_HIGH_LEVEL
	};
	p += sizeof(struct madt_override);
	/* NMI on LINT1 for every processor: uid 0xff (all) and, for x2APIC ones, ~0. */
	*(struct madt_lapic_nmi *)p = (struct madt_lapic_nmi){ 4, 6, 0xff, 0, 1 };
	p += sizeof(struct madt_lapic_nmi);
	if (nx2)
		*(struct madt_x2apic_nmi *)p = (struct madt_x2apic_nmi){ 10, 12, 0, ~0u, 1, { 0 } };
	acpi_seal((struct acpi_header *)t);
	return at;
}

static gpa_t build_xsdt(struct builder *b, const gpa_t *tables, u32 n)
{
	gpa_t at;
	struct acpi_header *h = acpi_take(b, sizeof(*h) + 8 * n, &at);

	if (!h)
		return 0;
	acpi_header_init(h, "XSDT", sizeof(*h) + 8 * n, 1);
	memcpy(h + 1, tables, 8 * n);
	acpi_seal(h);
	return at;
}

static gpa_t build_rsdp(struct builder *b, gpa_t xsdt)
{
	gpa_t at;
	struct acpi_rsdp *r = acpi_take(b, sizeof(*r), &at);

	if (!r)
		return 0;
	memcpy(r->signature, "RSD PTR ", 8);
	memcpy(r->oem_id, "UNUM  ", 6);
	r->revision = 2;
	r->length = sizeof(*r);
	r->xsdt_address = xsdt;
	r->checksum = checksum(r, 20);
	r->extended_checksum = checksum(r, sizeof(*r));
	return at;
}

gpa_t acpi_build(u8 *buf, gpa_t gpa, size_t size, const struct acpi_config *cfg)
{
	struct builder b = { buf, gpa, size, 0 };
	gpa_t tables[4], dsdt, xsdt;

	/* RSDP first, at the start of the area, where a 16-byte-step scan finds it soonest. */
	struct acpi_rsdp *rsdp = acpi_take(&b, sizeof(*rsdp), &xsdt);

	if (!rsdp || cfg->ncpus == 0 || cfg->ncpus > ACPI_MAX_CPUS || cfg->nnodes == 0 ||
	    cfg->nnodes > ACPI_MAX_NODES)
		return 0;
	dsdt = build_dsdt(&b);
	tables[0] = dsdt ? build_fadt(&b, dsdt) : 0;
	tables[1] = build_madt(&b, cfg);
	tables[2] = acpi_build_srat(&b, cfg);
	tables[3] = acpi_build_slit(&b, cfg);
	xsdt = tables[0] && tables[1] && tables[2] && tables[3] ? build_xsdt(&b, tables, 4) : 0;
	if (!xsdt)
		return 0;
	b.used = 0; /* write the RSDP into the slot reserved for it */
	return build_rsdp(&b, xsdt);
}
