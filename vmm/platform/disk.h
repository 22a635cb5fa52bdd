/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The guest disk's image back end: a raw image in a boot module, read in place, and a
 * copy-on-write overlay so the module itself is never written. The first write to a
 * 4 KiB block copies it into a block of the node's own memory; later reads and writes
 * of that block go there. The overlay lives as long as the monitor: what the guest
 * writes is lost at power-off.
 */
#ifndef UNUM_VMM_PLATFORM_DISK_H
#define UNUM_VMM_PLATFORM_DISK_H

#include "vmm/lib/types.h"

#define DISK_SECTOR 512
#define DISK_BLOCK  4096

/* A zeroed DISK_BLOCK-byte block, or NULL when memory is exhausted. */
typedef void *(*disk_alloc_fn)(void *ctx);

struct disk {
	const u8 *image;
	u64 size;     /* bytes the guest sees: the image's, down to a whole sector */
	u8 **overlay; /* per block: its copy once written, or NULL */
	u64 nblocks;
	disk_alloc_fn alloc;
	void *alloc_ctx;
	u64 copied; /* blocks copied into the overlay so far */
};

/* The overlay table needs this many bytes for an image of size bytes. */
u64 disk_table_bytes(u64 size);
/* table: disk_table_bytes(size) zeroed bytes. */
void disk_init(struct disk *d, const u8 *image, u64 size, u8 **table, disk_alloc_fn alloc,
	       void *alloc_ctx);
/* Bytes [off, off + len) of the disk: 0, -E_RANGE past its end, or (writes) -E_NOMEM
 * when a block could not be copied (nothing of the write is lost: blocks before it
 * were written, none after). */
int disk_read(const struct disk *d, u64 off, void *buf, u64 len);
int disk_write(struct disk *d, u64 off, const void *buf, u64 len);

#endif
