// SPDX-License-Identifier: GPL-2.0-only
/*
 * The driver's side of a split virtqueue (see drivers/virtq.h; virtio 1.1 section 2.6). The
 * device is another agent writing the same memory: every field it writes is read once into
 * a local and checked before use, and the ring indices it publishes are read with a barrier
 * before the entries they cover (virtio 1.1 section 2.6.13 on memory ordering).
 */
#include "drivers/virtq.h"

/* x86 keeps stores ordered and loads ordered: a compiler barrier is enough for coherent DMA. */
#define virtq_barrier() __asm__ volatile("" ::: "memory")

int virtq_init(struct virtq *vq, void *page, u64 page_dma, u16 size, u64 buf_base, u32 buf_size)
{
	u8 *p = page;

	if (size == 0 || size > VIRTQ_MAX_SIZE || (size & (size - 1)) || buf_size == 0)
		return -E_INVAL;
	*vq = (struct virtq){
		.size = size, .buf_size = buf_size, .buf_base = buf_base, .page_dma = page_dma
	};
	vq->desc = (volatile struct virtq_desc *)p;
	vq->avail = (volatile struct virtq_avail *)(p + VIRTQ_AVAIL_OFF);
	vq->used = (volatile struct virtq_used *)(p + VIRTQ_USED_OFF);
	for (u16 i = 0; i < size; i++) {
		vq->desc[i].addr = buf_base + (u64)i * buf_size;
		vq->desc[i].len = 0;
		vq->desc[i].flags = 0;
		vq->desc[i].next = 0;
	}
	return 0;
}

int virtq_post(struct virtq *vq, u16 id, u32 len, bool writable)
{
	if (id >= vq->size || vq->owned[id] || len > vq->buf_size)
		return -E_INVAL;
	vq->desc[id].addr = vq->buf_base + (u64)id * vq->buf_size;
	vq->desc[id].len = len;
	vq->desc[id].flags = writable ? VIRTQ_DESC_F_WRITE : 0;
	vq->avail->ring[vq->avail_idx & (vq->size - 1)] = id;
	vq->owned[id] = 1;
	vq->in_flight++;
	/* The descriptor and ring entry must be visible before the index that publishes them. */
	virtq_barrier();
	vq->avail->idx = ++vq->avail_idx;
	return 0;
}

bool virtq_device_wants_notify(const struct virtq *vq)
{
	/*
	 * A store then a load: x86 may let the load of the flag pass the store of avail->idx,
	 * and a device that read the old index and then cleared the flag would never be told.
	 */
	__asm__ volatile("mfence" ::: "memory");
	return !(vq->used->flags & VIRTQ_USED_F_NO_NOTIFY);
}

int virtq_take_used(struct virtq *vq, u16 *id, u32 *len)
{
	u16 used_idx = vq->used->idx;
	struct virtq_used_elem e;

	if (used_idx == vq->last_used)
		return 0;
	virtq_barrier(); /* read the entry only after the index that covers it */
	e.id = vq->used->ring[vq->last_used & (vq->size - 1)].id;
	e.len = vq->used->ring[vq->last_used & (vq->size - 1)].len;
	vq->last_used++;
	if (e.id >= vq->size || !vq->owned[e.id]) {
		vq->stats.bad_id++;
		return -E_INVAL;
	}
	vq->owned[e.id] = 0;
	vq->in_flight--;
	if (e.len > vq->buf_size) {
		vq->stats.bad_len++;
		*id = (u16)e.id; /* the buffer is ours again: the caller reposts it */
		return -E_RANGE;
	}
	*id = (u16)e.id;
	*len = e.len;
	return 1;
}

bool virtq_is_free(const struct virtq *vq, u16 id)
{
	return id < vq->size && !vq->owned[id];
}
