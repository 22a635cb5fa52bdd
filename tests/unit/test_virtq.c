// SPDX-License-Identifier: GPL-2.0-only
/*
 * The virtqueue's device side against a driver's rings in a fake guest RAM: chains
 * taken in order, used elements returned, and every malformed chain a hostile driver
 * can make refused with its reason and never followed. And the disk's copy-on-write
 * overlay: the image is never written, reads see the writes, a write past the end or
 * without memory fails whole.
 */
#include "tests/unit/check.h"
#include "vmm/platform/virtq.h"
#include "vmm/platform/disk.h"
#include <stdlib.h>

#define RAM   0x10000
#define DESC  0x1000
#define AVAIL 0x2000
#define USED  0x3000
#define QSIZE 8

static u8 ram[RAM];
static int copies;

static int copy(void *ctx, gpa_t gpa, void *buf, u64 len, bool write)
{
	(void)ctx;
	copies++;
	if (gpa >= RAM || len > RAM - gpa)
		return -E_NOENT;
	if (write)
		memcpy(ram + gpa, buf, len);
	else
		memcpy(buf, ram + gpa, len);
	return 0;
}

static struct virtq q;

static void setup(void)
{
	memset(ram, 0, sizeof(ram));
	q = (struct virtq){ .size = QSIZE, .enabled = true, .desc = DESC, .avail = AVAIL,
			    .used = USED };
}

static void desc(u16 i, u64 addr, u32 len, u16 flags, u16 next)
{
	u8 *d = ram + DESC + 16 * i;

	memcpy(d, &addr, 8);
	memcpy(d + 8, &len, 4);
	memcpy(d + 12, &flags, 2);
	memcpy(d + 14, &next, 2);
}

/* The driver makes head available. */
static void offer(u16 head)
{
	u16 idx;

	memcpy(&idx, ram + AVAIL + 2, 2);
	memcpy(ram + AVAIL + 4 + 2 * (idx % QSIZE), &head, 2);
	idx++;
	memcpy(ram + AVAIL + 2, &idx, 2);
}

static int pop(u16 *head, struct virtq_seg *s, u32 max, u32 *n, const char **why)
{
	return virtq_pop(&q, copy, NULL, head, s, max, n, why);
}

TEST(layout)
{
	setup();
	CHECK(virtq_layout_ok(&q));
	q.size = 6;
	CHECK(!virtq_layout_ok(&q)); /* not a power of two */
	q.size = 512;
	CHECK(!virtq_layout_ok(&q));
	q.size = 0;
	CHECK(!virtq_layout_ok(&q));
	setup();
	q.desc = DESC + 8;
	CHECK(!virtq_layout_ok(&q));
	setup();
	q.used = USED + 2;
	CHECK(!virtq_layout_ok(&q));
	setup();
	q.used = ~0ULL - 16;
	CHECK(!virtq_layout_ok(&q)); /* wraps */
}

TEST(chains_in_order_and_used_ring)
{
	struct virtq_seg s[QSIZE];
	const char *why;
	u16 head, used_idx;
	u32 n, elem[2];

	setup();
	desc(0, 0x4000, 16, VIRTQ_DESC_F_NEXT, 3);
	desc(3, 0x5000, 512, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 5);
	desc(5, 0x6000, 1, VIRTQ_DESC_F_WRITE, 0);
	desc(1, 0x7000, 4, 0, 0);
	offer(0);
	offer(1);
	CHECK_EQ(pop(&head, s, QSIZE, &n, &why), 1);
	CHECK_EQ(head, 0);
	CHECK_EQ(n, 3);
	CHECK(s[0].addr == 0x4000 && s[0].len == 16 && !s[0].write);
	CHECK(s[1].addr == 0x5000 && s[1].len == 512 && s[1].write);
	CHECK(s[2].addr == 0x6000 && s[2].len == 1 && s[2].write);
	CHECK_EQ(virtq_push(&q, copy, NULL, head, 513), 0);
	memcpy(&used_idx, ram + USED + 2, 2);
	memcpy(elem, ram + USED + 4, 8);
	CHECK_EQ(used_idx, 1);
	CHECK(elem[0] == 0 && elem[1] == 513);
	CHECK_EQ(pop(&head, s, QSIZE, &n, &why), 1);
	CHECK(head == 1 && n == 1 && s[0].addr == 0x7000);
	CHECK_EQ(pop(&head, s, QSIZE, &n, &why), 0); /* none left */
	CHECK(virtq_wants_interrupt(&q, copy, NULL));
	ram[AVAIL] = VIRTQ_AVAIL_F_NO_INTERRUPT;
	CHECK(!virtq_wants_interrupt(&q, copy, NULL));
}

TEST(ring_indexes_wrap)
{
	struct virtq_seg s[1];
	const char *why;
	u16 head, idx = 0xfffe;
	u32 n;

	setup();
	memcpy(ram + AVAIL + 2, &idx, 2);
	q.last_avail = 0xfffe;
	q.used_idx = 0xfffe;
	desc(2, 0x4000, 8, 0, 0);
	for (int i = 0; i < 4; i++) {
		offer(2);
		CHECK_EQ(pop(&head, s, 1, &n, &why), 1);
		CHECK_EQ(virtq_push(&q, copy, NULL, head, 0), 0);
	}
	CHECK_EQ(q.last_avail, 2);
	memcpy(&idx, ram + USED + 2, 2);
	CHECK_EQ(idx, 2);
}

/* A malformed chain: refused with a reason, not taken. */
static void expect_refused(const char *want)
{
	struct virtq_seg s[QSIZE];
	const char *why = NULL;
	u16 head, before = q.last_avail;
	u32 n;

	CHECK(pop(&head, s, QSIZE, &n, &why) < 0);
	CHECK(why && strstr(why, want));
	if (why && !strstr(why, want))
		check_fail(__FILE__, __LINE__, "reason \"%s\", wanted \"%s\"", why, want);
	CHECK_EQ(q.last_avail, before);
}

TEST(hostile_chains_refused)
{
	setup();
	offer(QSIZE); /* head past the queue */
	expect_refused("past the end");
	setup();
	desc(0, 0x4000, 16, VIRTQ_DESC_F_NEXT, 9);
	offer(0);
	expect_refused("past the end");
	setup();
	desc(0, 0x4000, 16, VIRTQ_DESC_F_NEXT, 1);
	desc(1, 0x4000, 16, VIRTQ_DESC_F_NEXT, 0); /* a loop */
	offer(0);
	expect_refused("loop");
	setup();
	desc(0, 0x4000, 16, VIRTQ_DESC_F_NEXT, 0); /* itself */
	offer(0);
	expect_refused("loop");
	setup();
	desc(0, 0x4000, 16, VIRTQ_DESC_F_INDIRECT, 0);
	offer(0);
	expect_refused("indirect");
	setup();
	desc(0, ~0ULL - 8, 16, 0, 0);
	offer(0);
	expect_refused("wraps");
	setup();
	desc(0, 0x4000, 16, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 1);
	desc(1, 0x5000, 16, 0, 0);
	offer(0);
	expect_refused("after one it writes");
	setup();
	{
		u16 idx = QSIZE + 1;
		memcpy(ram + AVAIL + 2, &idx, 2);
	}
	expect_refused("ahead");
	setup();
	q.desc = RAM - 16; /* the table runs out of guest RAM */
	desc(0, 0, 0, 0, 0);
	offer(1);
	expect_refused("not in guest RAM");
}

TEST(chain_longer_than_caller_takes)
{
	struct virtq_seg s[2];
	const char *why;
	u16 head;
	u32 n;

	setup();
	desc(0, 0x4000, 16, VIRTQ_DESC_F_NEXT, 1);
	desc(1, 0x4000, 16, VIRTQ_DESC_F_NEXT, 2);
	desc(2, 0x4000, 16, 0, 0);
	offer(0);
	CHECK(pop(&head, s, 2, &n, &why) < 0);
	CHECK(why && strstr(why, "more buffers"));
}

/* ---- the disk's overlay -------------------------------------------------------- */

static int blocks_given, blocks_left;

static void *alloc_block(void *ctx)
{
	(void)ctx;
	if (blocks_left == 0)
		return NULL;
	blocks_left--;
	blocks_given++;
	return calloc(1, DISK_BLOCK);
}

TEST(disk_copy_on_write)
{
	static u8 image[3 * DISK_BLOCK + 1000], pristine[sizeof(image)], buf[2 * DISK_BLOCK];
	u8 **table;
	struct disk d;

	for (size_t i = 0; i < sizeof(image); i++)
		image[i] = (u8)(i * 7);
	memcpy(pristine, image, sizeof(image));
	table = calloc(1, disk_table_bytes(sizeof(image)));
	blocks_left = 100;
	blocks_given = 0;
	disk_init(&d, image, sizeof(image), table, alloc_block, NULL);
	CHECK_EQ(d.size, 3 * DISK_BLOCK + 512); /* whole sectors only */
	CHECK_EQ(d.nblocks, 4);
	CHECK_EQ(disk_read(&d, 100, buf, 5000), 0);
	CHECK(memcmp(buf, image + 100, 5000) == 0);
	memset(buf, 0xaa, sizeof(buf));
	CHECK_EQ(disk_write(&d, DISK_BLOCK - 512, buf, 1024), 0); /* spans blocks 0 and 1 */
	CHECK_EQ(blocks_given, 2);
	CHECK(memcmp(image, pristine, sizeof(image)) == 0); /* never written */
	CHECK_EQ(disk_read(&d, 0, buf, 2 * DISK_BLOCK), 0);
	CHECK(memcmp(buf, image, DISK_BLOCK - 512) == 0);
	CHECK(buf[DISK_BLOCK - 512] == 0xaa && buf[DISK_BLOCK + 511] == 0xaa);
	CHECK(memcmp(buf + DISK_BLOCK + 512, image + DISK_BLOCK + 512, DISK_BLOCK - 512) == 0);
	/* The partial last block: copied with what the image has. */
	CHECK_EQ(disk_write(&d, 3 * DISK_BLOCK, buf, 512), 0);
	CHECK_EQ(blocks_given, 3);
	/* Past the end, or straddling it: refused whole. */
	CHECK_EQ(disk_write(&d, 3 * DISK_BLOCK + 512, buf, 1), -E_RANGE);
	CHECK_EQ(disk_read(&d, 3 * DISK_BLOCK, buf, 1024), -E_RANGE);
	CHECK_EQ(disk_read(&d, ~0ULL - 10, buf, 100), -E_RANGE);
	CHECK_EQ(disk_read(&d, d.size, buf, 0), 0);
	/* Out of memory: an error, and the blocks before it kept. */
	blocks_left = 0;
	CHECK_EQ(disk_write(&d, 2 * DISK_BLOCK, buf, 512), -E_NOMEM);
	CHECK(memcmp(image, pristine, sizeof(image)) == 0);
	CHECK_EQ(d.copied, 3);
	for (u64 i = 0; i < d.nblocks; i++)
		free(table[i]);
	free(table);
}
