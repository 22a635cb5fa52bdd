/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Multiboot 1 and 2 constants and the parts of their information structures
 * the monitor reads. Multiboot 1: "Multiboot Specification version 0.6.96",
 * section 3; Multiboot 2: "Multiboot2 Specification version 2.0", section 3.
 * Shared by boot/header.S (assembler) and vmm/host/bootinfo.c (C, also on the host).
 */
#ifndef UNUM_BOOT_MULTIBOOT_H
#define UNUM_BOOT_MULTIBOOT_H

#define MB1_HEADER_MAGIC  0x1BADB002
#define MB1_BOOT_MAGIC	  0x2BADB002 /* in EAX at entry */
#define MB1_HF_PAGE_ALIGN 0x00000001
#define MB1_HF_MEMINFO	  0x00000002

#define MB2_HEADER_MAGIC 0xE85250D6
#define MB2_BOOT_MAGIC	 0x36D76289 /* in EAX at entry */
#define MB2_ARCH_I386	 0

/* Header tags (spec 3.1.3 ff.) */
#define MB2_HTAG_END	      0
#define MB2_HTAG_INFO_REQ     1
#define MB2_HTAG_MODULE_ALIGN 6

/* Information tags (spec 3.6) */
#define MB2_TAG_END	  0
#define MB2_TAG_CMDLINE	  1
#define MB2_TAG_LOADER	  2
#define MB2_TAG_MODULE	  3
#define MB2_TAG_MEMINFO	  4
#define MB2_TAG_MMAP	  6
#define MB2_TAG_ACPI_OLD  14
#define MB2_TAG_ACPI_NEW  15
#define MB2_TAG_EFI_MMAP  17
#define MB2_TAG_LOAD_BASE 21

#ifndef __ASSEMBLY__
#include "vmm/lib/types.h"

/* Multiboot 1 information structure (spec 3.3); the fields we read. */
#define MB1_INFO_MEM	 0x001
#define MB1_INFO_CMDLINE 0x004
#define MB1_INFO_MODS	 0x008
#define MB1_INFO_MMAP	 0x040
#define MB1_INFO_LOADER	 0x200

struct mb1_info {
	u32 flags;
	u32 mem_lower, mem_upper;
	u32 boot_device;
	u32 cmdline;
	u32 mods_count, mods_addr;
	u32 syms[4];
	u32 mmap_length, mmap_addr;
	u32 drives_length, drives_addr;
	u32 config_table;
	u32 boot_loader_name;
} __packed;
_Static_assert(sizeof(struct mb1_info) == 68, "mb1_info layout (spec 3.3)");

struct mb1_module {
	u32 mod_start, mod_end, string, reserved;
} __packed;
_Static_assert(sizeof(struct mb1_module) == 16, "mb1_module layout");

/* An mmap entry is preceded by its own size field, which excludes itself. */
struct mb1_mmap_entry {
	u32 size;
	u64 base_addr, length;
	u32 type;
} __packed;
_Static_assert(sizeof(struct mb1_mmap_entry) == 24, "mb1 mmap entry layout");

struct mb2_tag {
	u32 type, size;
} __packed;

struct mb2_tag_module {
	u32 type, size;
	u32 mod_start, mod_end;
	char cmdline[];
} __packed;
_Static_assert(sizeof(struct mb2_tag_module) == 16, "mb2 module tag layout");

struct mb2_tag_mmap {
	u32 type, size;
	u32 entry_size, entry_version;
} __packed;
_Static_assert(sizeof(struct mb2_tag_mmap) == 16, "mb2 mmap tag layout");

struct mb2_mmap_entry {
	u64 base_addr, length;
	u32 type, reserved;
} __packed;
_Static_assert(sizeof(struct mb2_mmap_entry) == 24, "mb2 mmap entry layout");
#endif

#endif
