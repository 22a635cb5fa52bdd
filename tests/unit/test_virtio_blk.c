// SPDX-License-Identifier: GPL-2.0-only
/*
 * The virtio-blk device through its registers, as a driver and as a hostile guest
 * reach it: the PCI configuration and capability chain, BAR sizing, a driver's
 * bring-up as Linux does it (reset, features, a queue, MSI-X masked then unmasked), a
 * read served by the boot core's work with its completion message sent to the vector's
 * APIC, a message held while masked and sent when the function mask clears, a reset
 * while a queue is being served (finished when the serve ends, status non-zero until
 * then), and a million random register accesses and notifications over random rings,
 * under ASan and UBSan: the monitor must never read or write outside guest RAM or its
 * own state. The VM's services are stubs here: guest RAM is an array.
 */
#include "tests/unit/check.h"
#include "tests/unit/virtio_harness.h"
#include "vmm/platform/devices.h"
#include <stdlib.h>

#define DISK_SIZE (64 * 1024)
#define BAR	  (VIRTIO_PCI_BAR_BASE + 0x10000)
#define DESC	  QDESC(0)
#define AVAIL	  QAVAIL(0)
#define USED	  QUSED(0)

static u8 disk[DISK_SIZE];

/* The disk back end: an array; optionally a reset written from inside a read. */
static bool reset_inside_read;
static long backend_calls;
static int be_read(void *ctx, u64 off, void *buf, u32 len)
{
	(void)ctx;
	backend_calls++;
	if (reset_inside_read) {
		reset_inside_read = false;
		wr(0x14, 1, 0); /* another vCPU resets the device while it serves */
		CHECK(rd32(0x14) & 0xff);	/* not done yet: status still reads non-zero */
	}
	memcpy(buf, disk + off, len);
	return 0;
}
static int be_write(void *ctx, u64 off, const void *buf, u32 len)
{
	(void)ctx;
	backend_calls++;
	memcpy(disk + off, buf, len);
	return 0;
}

static void setup(void)
{
	static const struct disk_backend be = { DISK_SIZE, 0, false, be_read, be_write, NULL,
						NULL, "an array", NULL };

	memset(ram, 0, sizeof(ram));
	for (int i = 0; i < DISK_SIZE; i++)
		disk[i] = (u8)(i / 512);
	delivered = 0;
	quiet = true; /* (its boot line) */
	CHECK_EQ(virtio_blk_init(&vm, &be), 0);
	quiet = false;
}

/* Linux's bring-up: reset, features, queue 0 of 8, MSI-X (vector 0 config, 1 queue). */
static void blk_up(void)
{
	driver_up(0, 1);
}

/* A read of sector `sector` into 0x20000 as three descriptors; notified. */
static void read_request(u64 sector, u16 idx)
{
	u8 *d = ram + DESC;
	u64 a;
	u32 l;
	u16 f, n;
	u32 hdr[4] = { 0, 0, (u32)sector, (u32)(sector >> 32) };

	memcpy(ram + 0x14000, hdr, 16);
	ram[0x14010] = 0xff;
	a = 0x14000, l = 16, f = 1, n = 1;
	memcpy(d, &a, 8), memcpy(d + 8, &l, 4), memcpy(d + 12, &f, 2), memcpy(d + 14, &n, 2);
	a = 0x20000, l = 512, f = 3, n = 2;
	memcpy(d + 16, &a, 8), memcpy(d + 24, &l, 4), memcpy(d + 28, &f, 2), memcpy(d + 30, &n, 2);
	a = 0x14010, l = 1, f = 2, n = 0;
	memcpy(d + 32, &a, 8), memcpy(d + 40, &l, 4), memcpy(d + 44, &f, 2), memcpy(d + 46, &n, 2);
	memset(ram + AVAIL + 4 + 2 * ((idx - 1) % 8), 0, 2);
	memcpy(ram + AVAIL + 2, &idx, 2);
	wr(0x2000, 2, 0);
}

TEST(pci_identity_and_capabilities)
{
	u32 at, seen = 0;

	setup();
	CHECK_EQ(cfg(0x00), 0x10421af4);
	CHECK(cfg(0x04) & (0x10 << 16)); /* capability list */
	CHECK_EQ(cfg(0x10), (u32)BAR);
	cfg_write(0x10, 0xffffffff, 0xffffffff);
	CHECK_EQ(cfg(0x10), (u32)~(VIRTIO_PCI_BAR_SIZE - 1));
	cfg_write(0x10, 0x12345000, 0xffffffff); /* a move: it stays */
	CHECK_EQ(cfg(0x10), (u32)BAR);
	for (at = cfg(0x34) & 0xff; at; at = (cfg(at) >> 8) & 0xff) {
		u32 id = cfg(at) & 0xff;
		CHECK(at >= 0x40 && at < 0x100 && ++seen < 10);
		if (id == 0x09) { /* a virtio capability: its region inside the BAR */
			u32 off = cfg(at + 8), len = cfg(at + 12);
			CHECK(off + len <= VIRTIO_PCI_BAR_SIZE);
		}
		if (seen >= 10)
			break;
	}
	CHECK_EQ(seen, 5); /* MSI-X, common, notify, ISR, device */
}

TEST(read_served_with_its_interrupt)
{
	u16 used;

	setup();
	blk_up();
	unmask(); /* unmask the function */
	read_request(5, 1);
	serve();
	memcpy(&used, ram + USED + 2, 2);
	CHECK_EQ(used, 1);
	CHECK_EQ(ram[0x14010], 0);
	CHECK(ram[0x20000] == 5 && ram[0x201ff] == 5);
	CHECK_EQ(delivered, 1);
	CHECK(last_dest == 2 && last_vector == 0x41);
}

TEST(masked_message_sent_on_unmask)
{
	setup();
	blk_up(); /* the function stays masked */
	read_request(1, 1);
	serve();
	CHECK_EQ(delivered, 0);
	CHECK_EQ(rd(0x3800, 4), 2); /* vector 1 pending */
	unmask();
	CHECK_EQ(delivered, 1);
	CHECK_EQ(rd(0x3800, 4), 0);
}

TEST(reset_while_serving_waits_for_the_serve)
{
	setup();
	blk_up();
	reset_inside_read = true;
	read_request(3, 1);
	serve();
	CHECK(!reset_inside_read);
	CHECK_EQ(rd(0x14, 1), 0); /* done once the serve ended, with no stale NEEDS_RESET */
	blk_up();		  /* and the device works again */
	unmask();
	read_request(7, 1);
	serve();
	CHECK_EQ(ram[0x14010], 0);
	CHECK_EQ(ram[0x20000], 7);
}

/* A request made the way a driver would, then bent at random: its type, sector, lengths,
 * addresses, flags and chain links. */
static void fuzz_request(u16 *aidx)
{
	static const u32 types[] = { 0, 1, 4, 8, 0, 1, 0, 1, 99 };
	u32 hdr[4] = { types[rand() % 9], 0, (u32)(rand() % 140), rand() % 50 ? 0 : (u32)rand() };
	int n = 2 + rand() % 3, head = rand() % 8;
	u8 *d = ram + DESC;

	memcpy(ram + 0x14000, hdr, 16);
	for (int i = 0; i < n; i++) {
		int at = (head + i) % 8;
		u64 a = i == 0 ? 0x14000 : 0x20000 + (u64)i * 0x10000;
		u32 l = i == 0 ? 16 : i == n - 1 ? 1 : 512 * (u32)(1 + rand() % 16);
		u16 f = (u16)((i < n - 1 ? 1 : 0) | (i > 0 && (hdr[0] == 0 || i == n - 1) ? 2 : 0));
		u16 next = (u16)((at + 1) % 8);
		if (rand() % 20 == 0)
			a = rand() % 2 ? (u64)rand() << (rand() % 40) : RAM_SIZE - (u64)(rand() % 600);
		if (rand() % 20 == 0)
			l = (u32)rand();
		if (rand() % 30 == 0)
			f = (u16)rand();
		if (rand() % 30 == 0)
			next = (u16)(rand() % 12);
		memcpy(d + 16 * at, &a, 8), memcpy(d + 16 * at + 8, &l, 4);
		memcpy(d + 16 * at + 12, &f, 2), memcpy(d + 16 * at + 14, &next, 2);
	}
	memcpy(ram + AVAIL + 4 + 2 * (*aidx % 8), &(u16){ (u16)head }, 2);
	++*aidx;
	memcpy(ram + AVAIL + 2, aidx, 2);
	wr(0x2000, 2, 0);
}

TEST(hostile_register_and_ring_fuzz)
{
	static const unsigned sizes[] = { 1, 2, 4, 8 };
	u16 aidx = 0;

	setup();
	quiet = true;
	srand(1);
	blk_up();
	for (int i = 0; i < 1000000; i++) {
		int what = rand() % 32;
		u64 off = (u64)rand() % (VIRTIO_PCI_BAR_SIZE + 0x100);
		unsigned size = sizes[rand() % 4];
		u64 val = ((u64)rand() << 32) ^ (u64)rand();
		if (what < 4)
			rd(off, size);
		else if (what < 6 && off != 0x14)
			wr(off, size, val);
		else if (what == 6)
			cfg_write((u32)(rand() % 64) * 4, (u32)val, 0xffffffffu << (8 * (rand() % 4)));
		else if (what == 7)
			cfg((u32)(rand() % 64) * 4);
		else if (what == 8)
			ram[DESC + (u64)rand() % 0x3000] = (u8)rand(); /* the rings, at random */
		else if (what == 9 || (rd(0x14, 1) & 0x40)) {
			memset(ram + DESC, 0, 0x3000);
			aidx = 0;
			blk_up();
			unmask();
		} else if (what < 26)
			fuzz_request(&aidx);
		else
			serve();
	}
	quiet = false;
	printf("fuzz: %ld back-end calls, %d messages\n", backend_calls, delivered);
	CHECK(backend_calls > 10000); /* (the requests did reach the disk) */
	memset(ram + DESC, 0, 0x3000);
	blk_up(); /* and after all that, a driver can still bring it up */
	unmask();
	disk[9 * 512] = 0x99; /* (the fuzz's writes changed the disk) */
	read_request(9, 1);
	serve();
	CHECK_EQ(ram[0x14010], 0);
	CHECK_EQ(ram[0x20000], 0x99);
}
