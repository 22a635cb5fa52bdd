// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target for the multiboot information parser (vmm/host/bootinfo.c;
 * tests/fuzz/fuzz-bootinfo builds and runs it). An input is [kind u8][memory...]: the low
 * bit of kind picks the boot magic (multiboot 1 or 2), and the rest is the only readable
 * memory, at physical address FUZZ_BASE, in a buffer of exactly its size (ASan sees any
 * read past it); the information block starts there, and its pointers (multiboot 1's
 * command line, module list, memory map) reach whatever part of it they name. Besides
 * the sanitizers, the harness checks what the monitor relies on after a parse:
 *   - failed: a message, NUL-terminated;
 *   - parsed: the version of the magic; a memory map of 1..BOOT_MAX_MEM ranges, sorted,
 *     not wrapping, touching ranges of one type merged, known types only; at most
 *     BOOT_MAX_MODS modules, each ending after it starts, with terminated strings and a
 *     name without a '/'; terminated command line and loader name; every reserved area
 *     inside the readable memory.
 *
 * Built with -DFUZZ_BOOTINFO_SEED_MAIN instead, the same file is a program that writes
 * seed inputs (a multiboot 1 and a multiboot 2 block as GRUB lays them out) into the
 * directory named by its argument.
 */
#include "vmm/host/bootinfo.h"
#include "boot/multiboot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_BASE 0x10000ULL

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#ifndef FUZZ_BOOTINFO_SEED_MAIN

struct fuzz_mem {
	const uint8_t *p;
	size_t n;
};

static struct boot_info bi;
static char err[256];

static void fuzz_assert(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_bootinfo: invariant broken: %s\n", what);
		abort();
	}
}

static const void *fuzz_map(u64 phys, u64 len, void *ctx)
{
	const struct fuzz_mem *m = ctx;

	if (phys < FUZZ_BASE || phys - FUZZ_BASE > m->n || len > m->n - (phys - FUZZ_BASE))
		return NULL;
	return m->p + (phys - FUZZ_BASE);
}

static bool terminated(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

static void check_parsed(const struct fuzz_mem *m, u32 magic)
{
	fuzz_assert(bi.mb_version == (magic == MB1_BOOT_MAGIC ? 1 : 2), "version");
	fuzz_assert(bi.nmem >= 1 && bi.nmem <= BOOT_MAX_MEM, "memory map size");
	for (u32 i = 0; i < bi.nmem; i++) {
		const struct mem_range *r = &bi.mem[i];

		fuzz_assert(r->len > 0 && r->base + r->len > r->base, "range not empty, no wrap");
		fuzz_assert(r->type >= MEM_USABLE && r->type <= MEM_BAD, "known type");
		if (i > 0) {
			const struct mem_range *q = &bi.mem[i - 1];

			fuzz_assert(q->base <= r->base, "sorted");
			fuzz_assert(q->type != r->type || q->base + q->len != r->base,
				    "touching ranges of one type merged");
		}
	}
	fuzz_assert(bi.nmods <= BOOT_MAX_MODS, "module count");
	for (u32 i = 0; i < bi.nmods; i++) {
		const struct boot_module *mod = &bi.mods[i];

		fuzz_assert(mod->start <= mod->end, "module bounds");
		fuzz_assert(terminated(mod->cmdline, sizeof(mod->cmdline)), "module string");
		fuzz_assert(terminated(mod->name, sizeof(mod->name)), "module name");
		fuzz_assert(!strchr(mod->name, '/'), "module name without a directory");
		fuzz_assert(bootinfo_find_module(&bi, mod->name) != NULL || !mod->name[0],
			    "module found by its name");
	}
	fuzz_assert(terminated(bi.cmdline, sizeof(bi.cmdline)), "command line");
	fuzz_assert(terminated(bi.loader, sizeof(bi.loader)), "loader name");
	fuzz_assert(bi.nreserved >= 1 && bi.nreserved <= BOOT_MAX_RESERVED, "reserved areas");
	for (u32 i = 0; i < bi.nreserved; i++)
		fuzz_assert(fuzz_map(bi.reserved[i].base, bi.reserved[i].len, (void *)m) != NULL,
			    "reserved areas are the information's");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	u32 magic;
	uint8_t *copy;
	struct fuzz_mem m;

	if (size < 1)
		return 0;
	magic = data[0] & 1 ? MB2_BOOT_MAGIC : MB1_BOOT_MAGIC;
	copy = malloc(size - 1 ? size - 1 : 1); /* (malloc's alignment: as a loader's) */
	memcpy(copy, data + 1, size - 1);
	m = (struct fuzz_mem){ copy, size - 1 };
	memset(err, 0x55, sizeof(err));
	if (bootinfo_parse(magic, FUZZ_BASE, fuzz_map, &m, &bi, err, sizeof(err)) == 0)
		check_parsed(&m, magic);
	else
		fuzz_assert(terminated(err, sizeof(err)) && err[0], "a message");
	free(copy);
	return 0;
}

#else /* FUZZ_BOOTINFO_SEED_MAIN */

static uint8_t blob[4096];

static void put(size_t off, const void *p, size_t n)
{
	memcpy(blob + off, p, n);
}

static void put32(size_t off, u32 v)
{
	put(off, &v, 4);
}

static void put64(size_t off, u64 v)
{
	put(off, &v, 8);
}

static int write_seed(const char *dir, const char *name, uint8_t kind, size_t n)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(&kind, 1, 1, f) != 1 || fwrite(blob, 1, n, f) != n) {
		perror(path);
		return 1;
	}
	return fclose(f) != 0;
}

/* A memory map entry of either version's layout (multiboot 1 prefixes its size). */
static size_t put_range(size_t off, u64 base, u64 len, u32 type)
{
	put64(off, base);
	put64(off + 8, len);
	put32(off + 16, type);
	put32(off + 20, 0);
	return off + 24;
}

int main(int argc, char **argv)
{
	size_t off;

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	/* Multiboot 1: the 68-byte block, then the strings, two modules, the map. */
	memset(blob, 0, sizeof(blob));
	put32(0, MB1_INFO_MEM | MB1_INFO_CMDLINE | MB1_INFO_MODS | MB1_INFO_MMAP | MB1_INFO_LOADER);
	put32(16, (u32)FUZZ_BASE + 0x100); /* cmdline */
	put32(20, 2);			   /* mods_count */
	put32(24, (u32)FUZZ_BASE + 0x200); /* mods_addr */
	put32(44, 3 * 24);		   /* mmap_length */
	put32(48, (u32)FUZZ_BASE + 0x300); /* mmap_addr */
	put32(64, (u32)FUZZ_BASE + 0x180); /* boot_loader_name */
	put(0x100, "/boot/unum.elf id=1 stats=5", 28);
	put(0x180, "GRUB 2.06", 10);
	put32(0x200, 0x200000);
	put32(0x204, 0x201000);
	put32(0x208, (u32)FUZZ_BASE + 0x280);
	put32(0x210, 0x201000);
	put32(0x214, 0x400000);
	put32(0x218, (u32)FUZZ_BASE + 0x2a0);
	put(0x280, "/boot/cluster.conf", 19);
	put(0x2a0, "/boot/bzImage console=ttyS0", 28);
	off = 0x300;
	for (int i = 0; i < 3; i++) {
		static const u64 r[3][3] = { { 0, 0x9fc00, 1 },
					     { 0x9fc00, 0x400, 2 },
					     { 0x100000, 0x7ee0000, 1 } };
		/* size 20, then base, length and type (put_range's 4 bytes of padding are
		 * the next entry's size, written next) */
		put_range(off + 4, r[i][0], r[i][1], (u32)r[i][2]);
		put32(off, 20);
		off += 24;
	}
	if (write_seed(argv[1], "seed-mb1", 0, 0x300 + 3 * 24))
		return 1;

	/* Multiboot 2: total size, then 8-byte aligned tags, then the end tag. */
	memset(blob, 0, sizeof(blob));
	off = 8;
	put32(off, MB2_TAG_CMDLINE);
	put32(off + 4, 8 + 15);
	put(off + 8, "unum.elf id=2 ", 15);
	off += 24;
	put32(off, MB2_TAG_LOADER);
	put32(off + 4, 8 + 10);
	put(off + 8, "GRUB 2.06", 10);
	off += 24;
	put32(off, MB2_TAG_MODULE);
	put32(off + 4, 16 + 13);
	put32(off + 8, 0x200000);
	put32(off + 12, 0x201000);
	put(off + 16, "cluster.conf", 13);
	off += 32;
	put32(off, MB2_TAG_MMAP);
	put32(off + 4, 16 + 2 * 24);
	put32(off + 8, 24); /* entry size */
	put32(off + 12, 0); /* entry version */
	put_range(put_range(off + 16, 0, 0x9fc00, 1), 0x100000, 0x7ee0000, 1);
	off += 16 + 2 * 24;
	put32(off, MB2_TAG_END);
	put32(off + 4, 8);
	off += 8;
	put32(0, (u32)off);
	return write_seed(argv[1], "seed-mb2", 1, off);
}

#endif
