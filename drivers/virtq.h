/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A split virtqueue, the driver's side (Virtual I/O Device (VIRTIO) Version 1.1, section 2.6):
 * a descriptor table, the available ring the driver fills and the used ring the device
 * fills, all in one page. The driver here is simple on purpose: descriptor i always describes
 * buffer i (one buffer per frame, no chains), so the only thing the device hands back is a
 * descriptor index and a length, and both are checked: an index out of range or not in
 * flight, or a length over the buffer, is counted and dropped, never followed.
 *
 * Pure C over memory the caller gives: the host tests play the device on a plain array.
 */
#ifndef UNUM_DRIVERS_VIRTQ_H
#define UNUM_DRIVERS_VIRTQ_H

#include "vmm/lib/types.h"

#define VIRTQ_MAX_SIZE 128 /* so that the three parts fit one 4 KiB page */

#define VIRTQ_DESC_F_NEXT  1
#define VIRTQ_DESC_F_WRITE 2 /* the device writes this buffer (receive) */

#define VIRTQ_USED_F_NO_NOTIFY 1 /* the device needs no notification now: section 2.6.10 */

struct virtq_desc {
	u64 addr;
	u32 len;
	u16 flags;
	u16 next;
};
_Static_assert(sizeof(struct virtq_desc) == 16, "virtio 1.1 section 2.6.5");

struct virtq_avail {
	u16 flags;
	u16 idx;
	u16 ring[]; /* then used_event */
};
_Static_assert(__builtin_offsetof(struct virtq_avail, ring) == 4, "virtio 1.1 section 2.6.6");

struct virtq_used_elem {
	u32 id;
	u32 len;
};
_Static_assert(sizeof(struct virtq_used_elem) == 8, "virtio 1.1 section 2.6.8");

struct virtq_used {
	u16 flags;
	u16 idx;
	struct virtq_used_elem ring[]; /* then avail_event */
};
_Static_assert(__builtin_offsetof(struct virtq_used, ring) == 4, "virtio 1.1 section 2.6.8");

/* Offsets of the parts in the queue's page. */
#define VIRTQ_AVAIL_OFF (VIRTQ_MAX_SIZE * 16)
#define VIRTQ_USED_OFF	(VIRTQ_AVAIL_OFF + 512)
_Static_assert(VIRTQ_AVAIL_OFF + 4 + 2 * VIRTQ_MAX_SIZE + 2 <= VIRTQ_USED_OFF, "avail fits");
_Static_assert(VIRTQ_USED_OFF + 4 + 8 * VIRTQ_MAX_SIZE + 2 <= 4096, "used ring fits the page");

struct virtq_stats {
	u64 bad_id;  /* used entry naming a descriptor out of range or not in flight */
	u64 bad_len; /* used entry with a length over the buffer */
};

struct virtq {
	u16 size;      /* power of two, <= VIRTQ_MAX_SIZE */
	u16 avail_idx; /* our copy of avail->idx */
	u16 last_used; /* next used entry to read */
	u16 in_flight; /* descriptors the device owns */
	u32 buf_size;  /* bytes per buffer */
	u64 buf_base;  /* device address of buffer 0; buffer i at buf_base + i * buf_size */
	u64 page_dma;  /* device address of the queue's page */
	volatile struct virtq_desc *desc;
	volatile struct virtq_avail *avail;
	volatile struct virtq_used *used;
	u8 owned[VIRTQ_MAX_SIZE]; /* 1: descriptor i is the device's */
	struct virtq_stats stats;
};

/*
 * Lays a queue of @size entries out in @page (4 KiB, zeroed, device address @page_dma) over
 * buffers at device address @buf_base. Returns 0 or -E_INVAL for a bad size.
 */
int virtq_init(struct virtq *vq, void *page, u64 page_dma, u16 size, u64 buf_base, u32 buf_size);

/* Device addresses of the three parts, for the device's queue registers. */
static inline u64 virtq_desc_addr(const struct virtq *vq)
{
	return vq->page_dma;
}
static inline u64 virtq_avail_addr(const struct virtq *vq)
{
	return vq->page_dma + VIRTQ_AVAIL_OFF;
}
static inline u64 virtq_used_addr(const struct virtq *vq)
{
	return vq->page_dma + VIRTQ_USED_OFF;
}

/*
 * Gives buffer @id (@len bytes used; the device may write it if @writable) to the device.
 * Returns 0, or -E_INVAL if @id is out of range, already the device's, or @len too long.
 */
int virtq_post(struct virtq *vq, u16 id, u32 len, bool writable);

/*
 * Takes the next buffer the device returned: 1 with *@id and *@len set, 0 when there is
 * none. An entry that fails the checks is consumed and counted: -E_INVAL for a descriptor
 * index out of range or not in flight (nothing to give back), -E_RANGE for a length over the
 * buffer (*@id is set: the buffer is the driver's again, to repost). Call again after either.
 */
int virtq_take_used(struct virtq *vq, u16 *id, u32 *len);

/*
 * Whether the device wants to be told of the buffers posted since: false while it has set
 * VIRTQ_USED_F_NO_NOTIFY, as a device does while it is still working through the ring and
 * will look again before it sleeps (section 2.6.10.2). Call after virtq_post, just before the
 * notification it decides; the posted index is made visible before the flag is read.
 */
bool virtq_device_wants_notify(const struct virtq *vq);

/* Whether buffer @id is the driver's (not in flight). */
bool virtq_is_free(const struct virtq *vq, u16 id);

#endif
