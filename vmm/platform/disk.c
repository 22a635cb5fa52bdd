// SPDX-License-Identifier: GPL-2.0-only
/*
 * The guest disk's image back end with its copy-on-write overlay (see
 * vmm/platform/disk.h).
 */
#include "vmm/platform/disk.h"
#include "vmm/lib/klib.h"

u64 disk_table_bytes(u64 size)
{
	return (size + DISK_BLOCK - 1) / DISK_BLOCK * sizeof(u8 *);
}

void disk_init(struct disk *d, const u8 *image, u64 size, u8 **table, disk_alloc_fn alloc,
	       void *alloc_ctx)
{
	*d = (struct disk){ image, size - size % DISK_SECTOR, table, 0, alloc, alloc_ctx, 0 };
	d->nblocks = (d->size + DISK_BLOCK - 1) / DISK_BLOCK;
}

static bool in_range(const struct disk *d, u64 off, u64 len)
{
	return off <= d->size && len <= d->size - off;
}

/* Where block b's bytes are read from, and how many of them the image has. */
static const u8 *block_src(const struct disk *d, u64 b, u64 *have)
{
	u64 start = b * DISK_BLOCK;

	*have = MIN((u64)DISK_BLOCK, d->size - start);
	return d->overlay[b] ? d->overlay[b] : d->image + start;
}

int disk_read(const struct disk *d, u64 off, void *buf, u64 len)
{
	u8 *out = buf;

	if (!in_range(d, off, len))
		return -E_RANGE;
	while (len) {
		u64 b = off / DISK_BLOCK, in = off % DISK_BLOCK, have;
		u64 n = MIN(len, DISK_BLOCK - in);
		const u8 *src = block_src(d, b, &have);
		memcpy(out, src + in, n); /* (in + n <= have: the range was checked) */
		out += n;
		off += n;
		len -= n;
	}
	return 0;
}

int disk_write(struct disk *d, u64 off, const void *buf, u64 len)
{
	const u8 *from = buf;

	if (!in_range(d, off, len))
		return -E_RANGE;
	while (len) {
		u64 b = off / DISK_BLOCK, in = off % DISK_BLOCK, have;
		u64 n = MIN(len, DISK_BLOCK - in);
		if (!d->overlay[b]) {
			u8 *copy = d->alloc(d->alloc_ctx);
			const u8 *src;
			if (!copy)
				return -E_NOMEM;
			src = block_src(d, b, &have);
			memcpy(copy, src, have);
			d->overlay[b] = copy;
			d->copied++;
		}
		memcpy(d->overlay[b] + in, from, n);
		from += n;
		off += n;
		len -= n;
	}
	return 0;
}
