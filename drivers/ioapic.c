// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host I/O APIC (82093AA data sheet, section 3): registers reached through an index at
 * offset 0 and a window at 0x10. Register 1 is the version (bits 7:0) and the highest
 * redirection entry (bits 23:16); entry n is registers 0x10 + 2n (low) and 0x11 + 2n
 * (high: destination APIC id in bits 31:24). The monitor does not read the MADT: it
 * uses the architectural address and checks that an I/O APIC answers there.
 */
#include "drivers/ioapic.h"
#include "vmm/host/log.h"
#include "vmm/host/paging.h"

#define IOAPIC_BASE	0xfec00000ULL
#define IOAPIC_INDEX	0x00
#define IOAPIC_WINDOW	0x10
#define IOAPIC_VERSION	0x01
#define IOAPIC_REDIR(n) (0x10 + 2 * (n))
#define REDIR_LEVEL	(1u << 15)
#define REDIR_MASKED	(1u << 16)

static u32 ioapic_read(u32 reg)
{
	volatile u32 *base = hpa_to_ptr(IOAPIC_BASE);

	base[IOAPIC_INDEX / 4] = reg;
	return base[IOAPIC_WINDOW / 4];
}

static void ioapic_write(u32 reg, u32 val)
{
	volatile u32 *base = hpa_to_ptr(IOAPIC_BASE);

	base[IOAPIC_INDEX / 4] = reg;
	base[IOAPIC_WINDOW / 4] = val;
}

int ioapic_route_level(u32 gsi, u8 vector, u32 apic_id)
{
	static bool mapped;
	u32 version, entries;

	if (!mapped) {
		paging_set_uncached(IOAPIC_BASE, PAGE_SIZE);
		mapped = true;
	}
	version = ioapic_read(IOAPIC_VERSION);
	if (version == 0xffffffffu || (version & 0xff) < 0x10) {
		pr_warn("ioapic: none at %#llx (version register %#x)\n",
			(unsigned long long)IOAPIC_BASE, version);
		return -E_NOENT;
	}
	entries = ((version >> 16) & 0xff) + 1;
	if (gsi >= entries || apic_id > 0xff) {
		pr_warn("ioapic: input %u to APIC id %u asked for; the I/O APIC has %u inputs and "
			"8-bit destinations\n",
			gsi, apic_id, entries);
		return -E_RANGE;
	}
	if (!(ioapic_read(IOAPIC_REDIR(gsi)) & REDIR_MASKED)) {
		pr_warn("ioapic: input %u is routed already (vector %#x)\n", gsi,
			ioapic_read(IOAPIC_REDIR(gsi)) & 0xff);
		return -E_BUSY;
	}
	/* masked while the high half changes, then unmasked with the vector */
	ioapic_write(IOAPIC_REDIR(gsi), REDIR_MASKED);
	ioapic_write(IOAPIC_REDIR(gsi) + 1, apic_id << 24);
	ioapic_write(IOAPIC_REDIR(gsi), REDIR_LEVEL | vector);
	return 0;
}

void ioapic_mask(u32 gsi)
{
	ioapic_write(IOAPIC_REDIR(gsi), ioapic_read(IOAPIC_REDIR(gsi)) | REDIR_MASKED);
}
