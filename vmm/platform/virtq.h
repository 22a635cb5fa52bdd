/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A split virtqueue, the device's side (Virtual I/O Device (VIRTIO) Version 1.1,
 * section 2.6): the driver's descriptor table, available ring and used ring live in
 * guest RAM; the device takes each chain the driver made available and returns it in
 * the used ring. Everything read from guest RAM is checked before use: a chain whose
 * descriptor index, length or shape is out of bounds is refused with a reason, never
 * followed. Guest RAM is reached through a copy function, so the same code serves the
 * monitor (through the DSM across nodes) and the host unit tests.
 */
#ifndef UNUM_VMM_PLATFORM_VIRTQ_H
#define UNUM_VMM_PLATFORM_VIRTQ_H

#include "vmm/lib/types.h"

#define VIRTQ_MAX_SIZE 256 /* the queue size this monitor offers: a power of two */
#define VIRTQ_DESC_F_NEXT     1
#define VIRTQ_DESC_F_WRITE    2
#define VIRTQ_DESC_F_INDIRECT 4
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1

/* Copies len bytes from (write false) or to guest-physical gpa: 0 or a negative error. */
typedef int (*virtq_copy_fn)(void *ctx, gpa_t gpa, void *buf, u64 len, bool write);

struct virtq {
	u16 size; /* as the driver set it: a power of two, at most VIRTQ_MAX_SIZE */
	bool enabled;
	gpa_t desc, avail, used; /* the three areas' guest-physical addresses */
	u16 last_avail;		 /* the next available-ring slot the device takes */
	u16 used_idx;		 /* the used ring's index as the device last wrote it */
	u16 msix_vector;	 /* VIRTIO_MSI_NO_VECTOR (0xffff): none */
};

/* One buffer of a chain, in the chain's order. */
struct virtq_seg {
	gpa_t addr;
	u32 len;
	bool write; /* the device writes it (VIRTQ_DESC_F_WRITE) */
};

/* Are the three areas where a queue of q->size entries needs them (alignment, no wrap)? */
bool virtq_layout_ok(const struct virtq *q);

/*
 * Takes the next chain the driver made available. Returns 1 with *head and segs[0..*n),
 * 0 if none is waiting, or a negative error with *why saying what was wrong (the chain
 * is then not taken; the device should stop using the queue): a descriptor index past
 * the queue, a chain longer than the queue (a loop), more than max buffers, an indirect
 * descriptor (not offered), a buffer the device reads after one it writes, a length
 * whose end wraps, an available index more than the queue size ahead, or guest RAM the
 * copy function could not reach.
 */
int virtq_pop(struct virtq *q, virtq_copy_fn copy, void *ctx, u16 *head, struct virtq_seg *segs,
	      u32 max, u32 *n, const char **why);

/* Returns chain head to the driver with len bytes written: the used element, then the
 * used index. 0, or the copy function's error. */
int virtq_push(struct virtq *q, virtq_copy_fn copy, void *ctx, u16 head, u32 len);

/* Does the driver want an interrupt for used buffers (its avail flags)? Errors say yes. */
bool virtq_wants_interrupt(const struct virtq *q, virtq_copy_fn copy, void *ctx);

#endif
