// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host tests of drivers/virtq.c: the test plays the device on the queue's page, taking
 * buffers from the available ring and returning them through the used ring, and also plays
 * a broken device returning descriptor indices out of range, twice, or never posted, and
 * lengths over the buffer; each must be counted and refused, and the queue keep working.
 */
#include <stdlib.h>

#include "drivers/virtq.h"
#include "tests/unit/check.h"

static u8 page[4096] __attribute__((aligned(4096)));

struct dev {
	struct virtq *vq;
	u16 avail_seen, used_idx;
};

/* The device takes the next available buffer; returns its id or -1. */
static int dev_take(struct dev *d)
{
	if (d->avail_seen == d->vq->avail->idx)
		return -1;
	return d->vq->avail->ring[d->avail_seen++ % d->vq->size];
}

static void dev_return(struct dev *d, u32 id, u32 len)
{
	volatile struct virtq_used_elem *e = &d->vq->used->ring[d->used_idx % d->vq->size];

	e->id = id;
	e->len = len;
	d->vq->used->idx = ++d->used_idx;
}

static void setup(struct virtq *vq, struct dev *d, u16 size)
{
	memset(page, 0, sizeof(page));
	CHECK_EQ(virtq_init(vq, page, 0x100000, size, 0x200000, 2048), 0);
	*d = (struct dev){ .vq = vq };
}

TEST(layout_and_bad_sizes)
{
	struct virtq vq;

	CHECK_EQ(virtq_init(&vq, page, 0x1000, 0, 0, 2048), -E_INVAL);
	CHECK_EQ(virtq_init(&vq, page, 0x1000, 96, 0, 2048), -E_INVAL);
	CHECK_EQ(virtq_init(&vq, page, 0x1000, 256, 0, 2048), -E_INVAL);
	CHECK_EQ(virtq_init(&vq, page, 0x1000, 128, 0x40000, 2048), 0);
	CHECK_EQ_U64(virtq_desc_addr(&vq), 0x1000);
	CHECK_EQ_U64(virtq_avail_addr(&vq), 0x1000 + VIRTQ_AVAIL_OFF);
	CHECK_EQ_U64(virtq_used_addr(&vq), 0x1000 + VIRTQ_USED_OFF);
	CHECK_EQ(virtq_avail_addr(&vq) % 2, 0);
	CHECK_EQ(virtq_used_addr(&vq) % 4, 0);
	CHECK_EQ_U64(vq.desc[5].addr, 0x40000 + 5 * 2048);
}

TEST(post_and_complete_in_any_order)
{
	struct virtq vq;
	struct dev d;
	u16 id;
	u32 len;

	setup(&vq, &d, 8);
	for (u16 i = 0; i < 8; i++)
		CHECK_EQ(virtq_post(&vq, i, 2048, true), 0);
	CHECK_EQ(virtq_post(&vq, 3, 2048, true), -E_INVAL); /* already the device's */
	CHECK_EQ(vq.in_flight, 8);
	CHECK_EQ(vq.desc[2].flags, VIRTQ_DESC_F_WRITE);
	CHECK_EQ(virtq_take_used(&vq, &id, &len), 0);
	for (int i = 0; i < 8; i++)
		CHECK_EQ(dev_take(&d), i);
	dev_return(&d, 6, 100);
	dev_return(&d, 1, 60);
	CHECK_EQ(virtq_take_used(&vq, &id, &len), 1);
	CHECK_EQ(id, 6);
	CHECK_EQ(len, 100);
	CHECK_EQ(virtq_take_used(&vq, &id, &len), 1);
	CHECK_EQ(id, 1);
	CHECK(virtq_is_free(&vq, 1) && virtq_is_free(&vq, 6) && !virtq_is_free(&vq, 0));
	/* Reposting wraps the avail ring past its size. */
	for (int round = 0; round < 20; round++) {
		CHECK_EQ(virtq_post(&vq, 6, 64, false), 0);
		CHECK_EQ(dev_take(&d), 6);
		dev_return(&d, 6, 64);
		CHECK_EQ(virtq_take_used(&vq, &id, &len), 1);
		CHECK_EQ(id, 6);
	}
	CHECK_EQ(vq.in_flight, 6);
}

TEST(broken_device_is_refused)
{
	struct virtq vq;
	struct dev d;
	u16 id = 0xffff;
	u32 len;

	setup(&vq, &d, 8);
	CHECK_EQ(virtq_post(&vq, 0, 2048, true), 0);
	CHECK_EQ(virtq_post(&vq, 1, 2048, true), 0);
	dev_return(&d, 9, 10); /* out of range */
	dev_return(&d, 5, 10); /* never posted */
	dev_return(&d, 0xffffffff, 10);
	dev_return(&d, 0, 4096); /* over the buffer */
	dev_return(&d, 0, 10);	 /* returned twice */
	dev_return(&d, 1, 10);	 /* fine */
	CHECK_EQ(virtq_take_used(&vq, &id, &len), -E_INVAL);
	CHECK_EQ(virtq_take_used(&vq, &id, &len), -E_INVAL);
	CHECK_EQ(virtq_take_used(&vq, &id, &len), -E_INVAL);
	CHECK_EQ(virtq_take_used(&vq, &id, &len), -E_RANGE);
	CHECK_EQ(id, 0);
	CHECK(virtq_is_free(&vq, 0)); /* handed back to the driver to repost */
	CHECK_EQ(virtq_take_used(&vq, &id, &len), -E_INVAL);
	CHECK_EQ(virtq_take_used(&vq, &id, &len), 1);
	CHECK_EQ(id, 1);
	CHECK_EQ(len, 10);
	CHECK_EQ(virtq_take_used(&vq, &id, &len), 0);
	CHECK_EQ(vq.stats.bad_id, 4);
	CHECK_EQ(vq.stats.bad_len, 1);
	CHECK_EQ(vq.in_flight, 0);
	CHECK_EQ(virtq_post(&vq, 8, 10, true), -E_INVAL);
	CHECK_EQ(virtq_post(&vq, 2, 2049, true), -E_INVAL);
}

TEST(notification_only_when_the_device_wants_one)
{
	struct virtq vq;
	struct dev d;

	setup(&vq, &d, 8);
	CHECK_EQ(virtq_post(&vq, 0, 100, false), 0);
	CHECK(virtq_device_wants_notify(&vq)); /* a fresh device sleeps until told */
	vq.used->flags = VIRTQ_USED_F_NO_NOTIFY; /* busy with the ring: it will look again */
	CHECK_EQ(virtq_post(&vq, 1, 100, false), 0);
	CHECK(!virtq_device_wants_notify(&vq));
	CHECK_EQ(dev_take(&d), 0);
	CHECK_EQ(dev_take(&d), 1); /* the buffer posted without a notification is seen */
	vq.used->flags = 0x8000 | VIRTQ_USED_F_NO_NOTIFY; /* other bits mean nothing here */
	CHECK(!virtq_device_wants_notify(&vq));
	vq.used->flags = 0; /* going to sleep again */
	CHECK(virtq_device_wants_notify(&vq));
}
