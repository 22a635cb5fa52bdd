// SPDX-License-Identifier: GPL-2.0-only
/*
 * A split virtqueue, the device's side (see vmm/platform/virtq.h). Layout (VIRTIO 1.1,
 * 2.6): descriptors of 16 bytes (le64 addr, le32 len, le16 flags, le16 next); the
 * available ring (le16 flags, le16 idx, le16 ring[size], le16 used_event); the used ring
 * (le16 flags, le16 idx, {le32 id, le32 len} ring[size], le16 avail_event). x86 is
 * little-endian, as virtio 1.x is: fields are copied as they are.
 */
#include "vmm/platform/virtq.h"

struct vdesc {
	u64 addr;
	u32 len;
	u16 flags;
	u16 next;
} __packed;
_Static_assert(sizeof(struct vdesc) == 16, "a split-ring descriptor is 16 bytes");

#define AVAIL_IDX     2
#define AVAIL_RING    4
#define USED_IDX      2
#define USED_RING     4
#define USED_ELEM     8

static u64 desc_bytes(u16 size)
{
	return 16ULL * size;
}

static u64 avail_bytes(u16 size)
{
	return 6 + 2ULL * size;
}

static u64 used_bytes(u16 size)
{
	return 6 + 8ULL * size;
}

/* Section 2.6: descriptor table 16-byte aligned, available ring 2, used ring 4. */
bool virtq_layout_ok(const struct virtq *q)
{
	u16 s = q->size;

	if (!s || s > VIRTQ_MAX_SIZE || (s & (s - 1)))
		return false;
	if ((q->desc & 15) || (q->avail & 1) || (q->used & 3))
		return false;
	return q->desc + desc_bytes(s) > q->desc && q->avail + avail_bytes(s) > q->avail &&
	       q->used + used_bytes(s) > q->used;
}

int virtq_pop(struct virtq *q, virtq_copy_fn copy, void *ctx, u16 *head, struct virtq_seg *segs,
	      u32 max, u32 *n, const char **why)
{
	u16 avail_idx, idx;
	bool seen_write = false;
	u32 count = 0;
	int rc;

	*n = 0;
	*why = NULL;
	rc = copy(ctx, q->avail + AVAIL_IDX, &avail_idx, 2, false);
	if (rc) {
		*why = "its available ring is not in guest RAM";
		return rc;
	}
	if (avail_idx == q->last_avail)
		return 0;
	if ((u16)(avail_idx - q->last_avail) > q->size) {
		*why = "its available index ran more than the queue size ahead";
		return -E_INVAL;
	}
	__atomic_thread_fence(__ATOMIC_ACQUIRE); /* the ring entry after the index */
	rc = copy(ctx, q->avail + AVAIL_RING + 2ULL * (q->last_avail & (q->size - 1)), head, 2,
		  false);
	if (rc) {
		*why = "its available ring is not in guest RAM";
		return rc;
	}
	idx = *head;
	for (;;) {
		struct vdesc d;
		if (idx >= q->size) {
			*why = "a descriptor index is past the end of the queue";
			return -E_INVAL;
		}
		if (++count > q->size) {
			*why = "a descriptor chain is longer than the queue (a loop)";
			return -E_INVAL;
		}
		rc = copy(ctx, q->desc + 16ULL * idx, &d, sizeof(d), false);
		if (rc) {
			*why = "its descriptor table is not in guest RAM";
			return rc;
		}
		if (d.flags & VIRTQ_DESC_F_INDIRECT) {
			*why = "an indirect descriptor (the feature was not offered)";
			return -E_INVAL;
		}
		if (d.len && d.addr + d.len - 1 < d.addr) {
			*why = "a buffer wraps around the end of the address space";
			return -E_INVAL;
		}
		if (!(d.flags & VIRTQ_DESC_F_WRITE) && seen_write) {
			*why = "a buffer the device reads comes after one it writes";
			return -E_INVAL;
		}
		seen_write |= !!(d.flags & VIRTQ_DESC_F_WRITE);
		if (*n == max) {
			*why = "a chain has more buffers than the device takes";
			return -E_INVAL;
		}
		segs[*n] = (struct virtq_seg){ d.addr, d.len, !!(d.flags & VIRTQ_DESC_F_WRITE) };
		(*n)++;
		if (!(d.flags & VIRTQ_DESC_F_NEXT))
			break;
		idx = d.next;
	}
	q->last_avail++;
	return 1;
}

int virtq_push(struct virtq *q, virtq_copy_fn copy, void *ctx, u16 head, u32 len)
{
	u32 elem[2] = { head, len };
	u16 idx = q->used_idx + 1;
	int rc;

	rc = copy(ctx, q->used + USED_RING + (u64)USED_ELEM * (q->used_idx & (q->size - 1)), elem,
		  sizeof(elem), true);
	if (rc)
		return rc;
	__atomic_thread_fence(__ATOMIC_RELEASE); /* the element before the index */
	rc = copy(ctx, q->used + USED_IDX, &idx, 2, true);
	if (rc == 0)
		q->used_idx = idx;
	return rc;
}

bool virtq_wants_interrupt(const struct virtq *q, virtq_copy_fn copy, void *ctx)
{
	u16 flags;

	if (copy(ctx, q->avail, &flags, 2, false))
		return true;
	return !(flags & VIRTQ_AVAIL_F_NO_INTERRUPT);
}
