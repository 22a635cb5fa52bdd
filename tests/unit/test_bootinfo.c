// SPDX-License-Identifier: GPL-2.0-only
/*
 * Boot-information parsing, replayed from structures captured from real
 * loaders (tests/data/bootinfo-*.txt, written by the monitor's dumpbootinfo
 * option): QEMU's multiboot 1, GRUB BIOS multiboot 1 and 2, GRUB UEFI
 * multiboot 2. Then the same structures corrupted in every way a loader (or
 * a bit flip) could: each must be rejected with a message or parsed, never
 * read out of bounds (ASan watches).
 */
#include "tests/unit/check.h"
#include "vmm/host/bootinfo.h"
#include "boot/multiboot.h"

#include <stdlib.h>

#define MAX_REGIONS 64

struct fixture {
	u32 magic, info;
	int nregions;
	struct {
		u64 base, len;
		u8 *data;
	} r[MAX_REGIONS];
};

static struct fixture fx;
static struct boot_info bi;
static char err[200];

static void fixture_free(void)
{
	for (int i = 0; i < fx.nregions; i++)
		free(fx.r[i].data);
	memset(&fx, 0, sizeof(fx));
}

/* Appends hex bytes at addr, joining the previous region when contiguous. */
static void fixture_add(u64 addr, const char *hex)
{
	size_t n = strlen(hex) / 2;
	int i = fx.nregions - 1;

	if (i < 0 || fx.r[i].base + fx.r[i].len != addr) {
		i = fx.nregions++;
		fx.r[i].base = addr;
	}
	fx.r[i].data = realloc(fx.r[i].data, fx.r[i].len + n);
	for (size_t k = 0; k < n; k++)
		sscanf(hex + 2 * k, "%2hhx", &fx.r[i].data[fx.r[i].len + k]);
	fx.r[i].len += n;
}

static bool fixture_load(const char *name)
{
	char path[128], line[256], hex[80];
	unsigned long long addr;
	FILE *f;

	fixture_free();
	snprintf(path, sizeof(path), "tests/data/bootinfo-%s.txt", name);
	f = fopen(path, "r");
	if (!f) {
		check_fail(__FILE__, __LINE__, "cannot open %s", path);
		return false;
	}
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "bootinfo-magic %x", &fx.magic) == 1)
			continue;
		if (sscanf(line, "bootinfo-info %x", &fx.info) == 1)
			continue;
		if (sscanf(line, "bootinfo-data %llx %79s", &addr, hex) == 2)
			fixture_add(addr, hex);
	}
	fclose(f);
	return fx.magic && fx.nregions;
}

static const void *fixture_map(u64 phys, u64 len, void *ctx)
{
	for (int i = 0; i < fx.nregions; i++)
		if (phys >= fx.r[i].base && phys + len <= fx.r[i].base + fx.r[i].len &&
		    phys + len >= phys)
			return fx.r[i].data + (phys - fx.r[i].base);
	return NULL;
}

static int parse(void)
{
	return bootinfo_parse(fx.magic, fx.info, fixture_map, NULL, &bi, err, sizeof(err));
}

static u64 usable_bytes(void)
{
	u64 n = 0;

	for (u32 i = 0; i < bi.nmem; i++)
		if (bi.mem[i].type == MEM_USABLE)
			n += bi.mem[i].len;
	return n;
}

static void check_common(const char *cmdline)
{
	CHECK_EQ(parse(), 0);
	CHECK_STR(err, "");
	CHECK_STR(bi.cmdline, cmdline);
	CHECK_EQ(bi.nmods, 1);
	CHECK_STR(bi.mods[0].name, "cluster.conf");
	CHECK_EQ(bi.mods[0].end - bi.mods[0].start, 1494);
	CHECK(bootinfo_find_module(&bi, "cluster.conf") == &bi.mods[0]);
	CHECK(bootinfo_find_module(&bi, "kernel") == NULL);
	for (u32 i = 1; i < bi.nmem; i++)
		CHECK(bi.mem[i - 1].base + bi.mem[i - 1].len <= bi.mem[i].base);
	CHECK(bi.nreserved >= 1);
	CHECK_EQ(bi.reserved[0].base, fx.info);
}

TEST(qemu_multiboot1)
{
	if (!fixture_load("qemu-mb1"))
		return;
	check_common("build/unum.elf32 id=0 poweroff dumpbootinfo");
	CHECK_EQ(bi.mb_version, 1);
	CHECK_STR(bi.loader, "qemu");
	CHECK_EQ(bi.nmem, 7);
	CHECK_EQ(usable_bytes(), 0x9fc00 + 0xfee0000);
}

TEST(grub_bios_multiboot1)
{
	if (!fixture_load("grub-bios-mb1"))
		return;
	check_common("id=0 poweroff dumpbootinfo");
	CHECK_EQ(bi.mb_version, 1);
	CHECK_STR(bi.loader, "GRUB 2.06-13+deb12u2");
	CHECK_EQ(bi.nmem, 7);
}

TEST(grub_bios_multiboot2)
{
	if (!fixture_load("grub-bios-mb2"))
		return;
	check_common("id=0 poweroff dumpbootinfo");
	CHECK_EQ(bi.mb_version, 2);
	CHECK_STR(bi.loader, "GRUB 2.06-13+deb12u2");
	CHECK_EQ(bi.nmem, 7);
	CHECK_EQ(bi.nreserved, 1); /* one block holds everything */
}

TEST(grub_uefi_multiboot2)
{
	if (!fixture_load("grub-uefi-mb2"))
		return;
	check_common("id=0 poweroff dumpbootinfo");
	CHECK_EQ(bi.mb_version, 2);
	CHECK_EQ(bi.nmem, 15);
	/* UEFI GRUB puts modules in low memory: the allocator must see them */
	CHECK(bi.mods[0].start < 0x100000);
}

TEST(bad_magic)
{
	fixture_load("grub-bios-mb2");
	fx.magic = 0x12345678;
	CHECK_EQ(parse(), -E_INVAL);
	CHECK_STR(err,
		  "boot magic 0x12345678 is neither multiboot 1 (0x2badb002) nor 2 (0x36d76289)");
}

static u32 get32(u64 phys)
{
	u32 v;
	memcpy(&v, fixture_map(phys, 4, NULL), 4);
	return v;
}

static void put32(u64 phys, u32 v)
{
	memcpy((void *)fixture_map(phys, 4, NULL), &v, 4);
}

TEST(mb2_malformed_sizes)
{
	u32 total;

	fixture_load("grub-bios-mb2");
	total = get32(fx.info);
	put32(fx.info, 8);
	CHECK_EQ(parse(), -E_INVAL);
	CHECK_STR(err, "multiboot 2 information size 8 is implausible");
	put32(fx.info, total + 4096);
	CHECK_EQ(parse(), -E_INVAL); /* claims more than the loader wrote */
	put32(fx.info, total);
	put32(fx.info + 8 + 4, 3); /* first tag's size below the 8-byte header */
	CHECK_EQ(parse(), -E_INVAL);
	CHECK(strstr(err, "has size 3, outside the") != NULL);
	put32(fx.info + 8 + 4, total); /* first tag runs past the block */
	CHECK_EQ(parse(), -E_INVAL);
}

TEST(mb2_missing_end_tag)
{
	u32 total;

	fixture_load("grub-bios-mb2");
	total = get32(fx.info);
	put32(fx.info, total - 8); /* cut the end tag off */
	CHECK_EQ(parse(), -E_INVAL);
	CHECK(strstr(err, "without an end tag") != NULL);
}

TEST(mb1_unreadable_pointers)
{
	fixture_load("qemu-mb1");
	put32(fx.info + 48, 0xdead0000); /* mmap_addr */
	CHECK_EQ(parse(), -E_INVAL);
	CHECK(strstr(err, "memory map at 0xdead0000") != NULL);
	fixture_load("qemu-mb1");
	put32(fx.info + 0, get32(fx.info) & ~MB1_INFO_MMAP);
	CHECK_EQ(parse(), -E_INVAL);
	CHECK(strstr(err, "has no memory map") != NULL);
	fixture_load("qemu-mb1");
	put32(fx.info + 20, 1000); /* mods_count */
	CHECK_EQ(parse(), -E_INVAL);
	CHECK_STR(err, "1000 modules; at most 16 are supported");
}

/* A memory map entry whose size, added to its offset, wraps 32 bits: refused, not read
 * past the map (found by fuzzing: the 24-byte entry was copied out of a 4-byte map). */
TEST(mb1_map_entry_size_wraps)
{
	fixture_load("qemu-mb1");
	put32(fx.info + 44, 4);			/* mmap_length */
	put32(get32(fx.info + 48), 0xfffffffc); /* the first entry's size */
	CHECK_EQ(parse(), -E_INVAL);
	CHECK_STR(err, "multiboot 1 memory map entry at offset 0 has size 4294967292 (expected "
		       "at least 20, within the 4-byte map)");
}

/* Every single-byte corruption of every captured block: parse or error, never crash. */
TEST(every_byte_corrupted)
{
	static const char *const names[] = { "qemu-mb1", "grub-bios-mb1", "grub-bios-mb2",
					     "grub-uefi-mb2" };
	u32 parsed = 0, rejected = 0;

	for (size_t n = 0; n < sizeof(names) / sizeof(names[0]); n++) {
		fixture_load(names[n]);
		for (int r = 0; r < fx.nregions; r++) {
			for (u64 off = 0; off < fx.r[r].len; off++) {
				u8 saved = fx.r[r].data[off];
				for (int v = 0; v < 3; v++) {
					fx.r[r].data[off] = (u8)(v == 0	  ? 0
								 : v == 1 ? 0xff
									  : saved ^ 0x80);
					if (parse() == 0) {
						parsed++;
						CHECK(bi.nmem > 0 && bi.nmem <= BOOT_MAX_MEM);
					} else {
						rejected++;
						CHECK(err[0] != '\0');
					}
				}
				fx.r[r].data[off] = saved;
			}
		}
	}
	printf("  corrupted blocks: %u parsed, %u rejected with a message\n", parsed, rejected);
	CHECK(rejected > 0);
	fixture_free();
}
