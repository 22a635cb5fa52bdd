/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ACPI tables the monitor builds for the guest (there is no BIOS): RSDP,
 * XSDT, FADT (with the PM1 and PM timer port blocks of vmm/platform/power.c),
 * a minimal DSDT whose only object is \_S5 (so the guest can power off),
 * a MADT with one local APIC per vCPU (x2APIC entries from id 255 up), the IOAPIC and the ISA interrupt
 * overrides, and an SRAT and SLIT with one NUMA node per cluster node, so
 * Linux allocates near the vCPU that uses the memory. Layouts: ACPI 6.4 specification, chapter 5.
 * Builds on the host; tables are written into a buffer that stands for
 * guest memory at a given guest-physical address.
 */
#ifndef UNUM_VMM_GUEST_ACPI_H
#define UNUM_VMM_GUEST_ACPI_H

#include "vmm/lib/types.h"
#include "vmm/dev/platform.h"

#define ACPI_TABLES_GPA	 0xe0000ULL /* in the BIOS area the guest scans for the RSDP */
#define ACPI_TABLES_SIZE 0x20000ULL /* to 1 MiB: 256 nodes' SLIT alone is 64 KiB */

#define ACPI_MAX_CPUS  256
#define ACPI_MAX_NODES 256
#define ACPI_XAPIC_IDS 255 /* ids 0-254 in the xAPIC entries, the rest in the x2APIC ones */

struct acpi_config {
	u32 ncpus; /* one local APIC per vCPU, APIC ids 0..ncpus-1 */
	u32 ioapic_id;
	/* NUMA (SRAT, SLIT): one proximity domain per cluster node, holding the vCPUs
	 * it runs (cpu_node[apic id]) and its home range of guest memory. */
	u32 nnodes;
	u8 cpu_node[ACPI_MAX_CPUS];
	gpa_t node_base[ACPI_MAX_NODES];
	u64 node_size[ACPI_MAX_NODES];
	/* Not RAM inside those ranges (the devices' window below 4 GiB): [hole_base,
	 * hole_end), left out of the SRAT's memory ranges; equal for none. */
	gpa_t hole_base, hole_end;
};

/*
 * Writes the tables into buf, which is guest memory at gpa (size bytes).
 * Returns the guest-physical address of the RSDP, or 0 if size is too small.
 */
gpa_t acpi_build(u8 *buf, gpa_t gpa, size_t size, const struct acpi_config *cfg);

#endif
