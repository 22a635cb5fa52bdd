/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The boot information the loader handed over (memory map, command line,
 * modules), parsed from either multiboot 1 or multiboot 2 into one structure,
 * so nothing after bootinfo_parse() cares which loader started the node.
 * Memory is read through a caller-supplied map function: the monitor's is the
 * identity, host tests replay structures captured from real loaders.
 */
#ifndef UNUM_VMM_HOST_BOOTINFO_H
#define UNUM_VMM_HOST_BOOTINFO_H

#include "vmm/lib/types.h"

#define BOOT_MAX_MEM	  256
#define BOOT_MAX_MODS	  16
#define BOOT_MAX_RESERVED (8 + 2 * BOOT_MAX_MODS)
#define BOOT_CMDLINE_MAX  1024
#define BOOT_MODNAME_MAX  64

/* Memory types, numbered as both multiboot specs number them. */
enum mem_type {
	MEM_USABLE = 1,
	MEM_RESERVED = 2,
	MEM_ACPI_RECLAIMABLE = 3,
	MEM_ACPI_NVS = 4,
	MEM_BAD = 5,
};

struct mem_range {
	u64 base, len;
	u32 type;
};

struct boot_module {
	hpa_t start, end;	     /* [start, end) */
	char name[BOOT_MODNAME_MAX]; /* first word of its string, without a path */
	char cmdline[BOOT_CMDLINE_MAX];
};

struct boot_info {
	int mb_version; /* 1 or 2 */
	char loader[64];
	char cmdline[BOOT_CMDLINE_MAX];
	u32 nmem;
	struct mem_range mem[BOOT_MAX_MEM]; /* sorted, adjacent same-type ranges merged */
	u32 nmods;
	struct boot_module mods[BOOT_MAX_MODS];
	/* Where the information itself lies, so the allocator leaves it alone. */
	u32 nreserved;
	struct mem_range reserved[BOOT_MAX_RESERVED];
};

/* Returns a pointer to [phys, phys+len) or NULL if that is not readable. */
typedef const void *(*bootinfo_map_fn)(u64 phys, u64 len, void *ctx);

/*
 * Parses the information block at info_phys given the boot magic from EAX.
 * Returns 0, or -E_INVAL with a message in err naming what was wrong and
 * where. On success the memory map is non-empty.
 */
int bootinfo_parse(u32 magic, u64 info_phys, bootinfo_map_fn map, void *ctx, struct boot_info *bi,
		   char *err, size_t errlen);

const struct boot_module *bootinfo_find_module(const struct boot_info *bi, const char *name);
const char *mem_type_name(u32 type);

#endif
