/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the ACPI table builders (vmm/guest/acpi.c, vmm/guest/acpi_numa.c) share: the
 * common table header and the buffer they lay tables out in.
 */
#ifndef UNUM_VMM_GUEST_ACPI_INTERNAL_H
#define UNUM_VMM_GUEST_ACPI_INTERNAL_H

#include "vmm/guest/acpi.h"

struct acpi_header {
	char signature[4];
	u32 length;
	u8 revision, checksum;
	char oem_id[6], oem_table_id[8];
	u32 oem_revision, creator_id, creator_revision;
} __packed;
_Static_assert(sizeof(struct acpi_header) == 36, "ACPI table header (5.2.6)");

struct builder {
	u8 *buf;
	gpa_t gpa;
	size_t size, used;
};

/* Room for n zeroed bytes, 16-byte aligned, at guest address *at; NULL when full. */
void *acpi_take(struct builder *b, size_t n, gpa_t *at);
void acpi_header_init(struct acpi_header *h, const char *sig, u32 len, u8 rev);
/* Sets the checksum so the table's bytes sum to zero. */
void acpi_seal(struct acpi_header *h);
gpa_t acpi_build_srat(struct builder *b, const struct acpi_config *cfg);
gpa_t acpi_build_slit(struct builder *b, const struct acpi_config *cfg);

#endif
