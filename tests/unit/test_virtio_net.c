// SPDX-License-Identifier: GPL-2.0-only
/*
 * The guest's virtio-net device through its registers, as a driver and as a hostile
 * guest reach it: its PCI identity and MAC address; a frame the guest sends reaches
 * the link whole, without the virtio-net header, whatever the descriptor layout; one
 * from another MAC address, or asking for an offload not offered, does not; a full
 * link ring leaves the frame available until the next serve; a received frame lands
 * in the guest's buffer behind its header (num_buffers 1) with its interrupt; frames
 * wait for buffers, in order, up to the pending ring's size; a buffer too small takes
 * none; and random register accesses, ring corruptions and chains under ASan/UBSan.
 */
#include "tests/unit/check.h"
#include "tests/unit/virtio_harness.h"
#include "vmm/platform/devices.h"
#include <stdlib.h>

#define RX 0
#define TX 1
#define F_MAC (1u << 5)

static const u8 mac[6] = { 0x52, 0x54, 0x00, 0x75, 0x67, 0x01 };
static u8 sent[2048];
static size_t sent_len;
static int sends, link_full;

static int link_send(void *ctx, const void *frame, size_t len)
{
	(void)ctx;
	if (link_full) {
		link_full--;
		return -E_NOSPC;
	}
	CHECK(len >= 14 && len <= 1514);
	memcpy(sent, frame, len);
	sent_len = len;
	sends++;
	return 0;
}

static void setup(void)
{
	static const struct guest_link link = { link_send, NULL, "a test" };

	memset(ram, 0, sizeof(ram));
	delivered = sends = link_full = 0;
	quiet = true; /* (its boot line) */
	CHECK_EQ(virtio_net_init(&vm, mac, &link), 0);
	quiet = false;
}

/* An Ethernet frame of len bytes from src at gpa (a byte pattern after the header). */
static void frame_at(u64 gpa, const u8 *src, u32 len, u8 seed)
{
	u8 *f = ram + gpa;

	memset(f, 0xff, 6);
	memcpy(f + 6, src, 6);
	f[12] = 0x08, f[13] = 0x00;
	for (u32 i = 14; i < len; i++)
		f[i] = (u8)(seed + i);
}

TEST(identity_and_mac)
{
	u8 m[6];

	setup();
	CHECK_EQ(cfg(0x00), 0x10411af4);
	CHECK_EQ(cfg(0x08) >> 8, 0x020000u);
	wr(0x00, 4, 0);
	CHECK(rd32(0x04) & F_MAC);
	for (int i = 0; i < 6; i++)
		m[i] = (u8)rd(0x1800 + (u64)i, 1);
	CHECK(memcmp(m, mac, 6) == 0);
	CHECK_EQ(rd(0x1806, 2), 0); /* status: not offered */
}

TEST(transmit_any_layout)
{
	u32 id, len;

	setup();
	driver_up(F_MAC, 2);
	unmask();
	/* the header alone, then the frame in two pieces */
	frame_at(0x31000, mac, 60, 1);
	desc(TX, 0, 0x30000, 12, 1, 1);
	desc(TX, 1, 0x31000, 20, 1, 2);
	desc(TX, 2, 0x31000 + 20, 40, 0, 0);
	avail(TX, 0, 0);
	serve();
	CHECK_EQ(sends, 1);
	CHECK_EQ(sent_len, 60);
	CHECK(memcmp(sent, ram + 0x31000, 60) == 0);
	CHECK_EQ(used_idx(TX), 1);
	used_elem(TX, 0, &id, &len);
	CHECK(id == 0 && len == 0);
	/* header and frame in one buffer */
	memcpy(ram + 0x32000 + 12, ram + 0x31000, 60);
	desc(TX, 3, 0x32000, 72, 0, 0);
	avail(TX, 1, 3);
	serve();
	CHECK_EQ(sends, 2);
	CHECK(memcmp(sent, ram + 0x31000, 60) == 0);
	CHECK_EQ(used_idx(TX), 2);
}

TEST(transmit_refuses_spoofing_and_offloads)
{
	static const u8 node_mac[6] = { 0x52, 0x54, 0x00, 0x75, 0x6e, 0x00 };

	setup();
	driver_up(F_MAC, 2);
	frame_at(0x31000, node_mac, 60, 1); /* the monitor's own address: not the guest's */
	desc(TX, 0, 0x30000, 12, 1, 1);
	desc(TX, 1, 0x31000, 60, 0, 0);
	avail(TX, 0, 0);
	quiet = true;
	serve();
	CHECK_EQ(sends, 0);
	CHECK_EQ(used_idx(TX), 1); /* used, not sent */
	frame_at(0x31000, mac, 60, 1);
	ram[0x30000] = 1; /* NEEDS_CSUM */
	avail(TX, 1, 0);
	serve();
	ram[0x30000] = 0;
	ram[0x30001] = 1; /* GSO_TCPV4 */
	avail(TX, 2, 0);
	serve();
	desc(TX, 1, 0x31000, 1600, 0, 0); /* longer than a frame */
	avail(TX, 3, 0);
	serve();
	desc(TX, 1, 0x31000, 10, 0, 0); /* shorter than its Ethernet header */
	ram[0x30001] = 0;
	avail(TX, 4, 0);
	serve();
	desc(TX, 1, RAM_SIZE - 8, 60, 0, 0); /* past guest RAM */
	avail(TX, 5, 0);
	serve();
	quiet = false;
	CHECK_EQ(sends, 0);
	CHECK_EQ(used_idx(TX), 6);
	CHECK(!(rd(0x14, 1) & 0x40)); /* dropped frames, not a broken device */
}

TEST(transmit_waits_for_a_full_link)
{
	setup();
	driver_up(F_MAC, 2);
	frame_at(0x31000, mac, 100, 3);
	desc(TX, 0, 0x30000, 12, 1, 1);
	desc(TX, 1, 0x31000, 100, 0, 0);
	link_full = 1;
	avail(TX, 0, 0);
	serve();
	CHECK_EQ(sends, 0);
	CHECK_EQ(used_idx(TX), 0); /* still the guest's to wait for */
	serve();		   /* (the serve asked to be called again) */
	CHECK_EQ(sends, 1);
	CHECK_EQ(used_idx(TX), 1);
	CHECK(memcmp(sent, ram + 0x31000, 100) == 0);
}

/* Buffer i of the receive queue: 1526 bytes at 0x40000 + i * 0x1000 (desc i). */
static void rx_buffer(u16 i, u32 len)
{
	desc(RX, i, 0x40000 + (u64)i * 0x1000, len, 2, 0);
}

TEST(receive_with_its_interrupt)
{
	u8 f[100];
	u32 id, len;

	setup();
	virtio_net_receive(f, sizeof(f)); /* no driver yet: dropped */
	driver_up(F_MAC, 2);
	unmask();
	for (int i = 0; i < 100; i++)
		f[i] = (u8)(i * 7);
	rx_buffer(0, 1526);
	avail(RX, 0, 0);
	serve();
	CHECK_EQ(used_idx(RX), 0); /* (the frame before the driver was not kept) */
	virtio_net_receive(f, sizeof(f));
	serve();
	CHECK_EQ(used_idx(RX), 1);
	used_elem(RX, 0, &id, &len);
	CHECK(id == 0 && len == 112);
	CHECK_EQ(ram[0x40000 + 10], 1); /* num_buffers */
	CHECK_EQ(ram[0x40000], 0);	/* flags */
	CHECK(memcmp(ram + 0x40000 + 12, f, 100) == 0);
	CHECK_EQ(delivered, 1);
	CHECK(last_dest == 2 && last_vector == 0x41);
}

TEST(frames_wait_for_buffers_in_order)
{
	u8 f[60] = { 0 };
	u32 id, len, got = 0;
	u16 idx = 0;

	setup();
	driver_up(F_MAC, 2);
	unmask();
	for (int i = 0; i < 130; i++) { /* 2 more than the pending ring holds */
		f[20] = (u8)i;
		virtio_net_receive(f, sizeof(f));
	}
	serve();
	CHECK_EQ(used_idx(RX), 0);
	rx_buffer(0, 30); /* too small for a frame: used, empty */
	avail(RX, idx++, 0);
	serve();
	used_elem(RX, 0, &id, &len);
	CHECK_EQ(len, 0);
	for (int round = 0; round < 40; round++) {
		for (u16 i = 0; i < 4; i++) {
			rx_buffer(i, 1526);
			avail(RX, idx++, i);
		}
		serve();
		while (got + 1 < used_idx(RX)) {
			used_elem(RX, (u16)(got + 1), &id, &len);
			CHECK_EQ(len, 72);
			CHECK_EQ(ram[0x40000 + id * 0x1000 + 12 + 20], (u8)(got + 1));
			got++;
		}
	}
	CHECK_EQ(got, 127); /* 128 kept, the first into the small buffer */
}

TEST(hostile_register_and_ring_fuzz)
{
	static const unsigned sizes[] = { 1, 2, 4, 8 };
	u16 idx[2] = { 0, 0 };
	u8 f[1600];

	setup();
	quiet = true;
	srand(7);
	driver_up(F_MAC, 2);
	unmask();
	for (int i = 0; i < 300000; i++) {
		int what = rand() % 32;
		u64 off = (u64)rand() % (VIRTIO_PCI_BAR_SIZE + 0x100);
		u64 val = ((u64)rand() << 32) ^ (u64)rand();
		u16 q = (u16)(rand() % 2), at = (u16)(rand() % QSIZE);
		if (what < 3)
			rd(off, sizes[rand() % 4]);
		else if (what < 5 && off != 0x14)
			wr(off, sizes[rand() % 4], val);
		else if (what == 5)
			cfg_write((u32)(rand() % 64) * 4, (u32)val, 0xffffffffu << (8 * (rand() % 4)));
		else if (what == 6)
			ram[QDESC(rand() % 2) + (u64)rand() % 0x3000] = (u8)rand();
		else if (what == 7 || (rd(0x14, 1) & 0x40)) {
			memset(ram + QDESC(0), 0, 0x8000);
			idx[0] = idx[1] = 0;
			driver_up(F_MAC, 2);
			unmask();
		} else if (what < 16) {
			u64 a = rand() % 8 ? 0x40000 + (u64)(rand() % 0x10000)
					   : (u64)rand() << (rand() % 40);
			u32 l = rand() % 8 ? (u32)(rand() % 1700) : (u32)rand();
			u16 fl = (u16)(rand() % 10 ? rand() % 4 : rand());
			if (q == TX && rand() % 2 && a + 12 + 1514 < RAM_SIZE) {
				memset(ram + a, 0, 12); /* a good header, then a frame */
				frame_at(a + 12, mac, 60 + (u32)(rand() % 1454), 0);
				l = 12 + 60 + (u32)(rand() % 1454);
				fl = 0;
			}
			desc(q, at, a, l, fl, (u16)(rand() % 10 ? (at + 1) % QSIZE : rand()));
			avail(q, idx[q]++, (u16)(rand() % QSIZE));
		} else if (what < 24) {
			size_t len = rand() % 10 ? 14 + (size_t)(rand() % 1500) : (size_t)rand() % 1600;
			virtio_net_receive(f, len);
		} else
			serve();
	}
	quiet = false;
	printf("fuzz: %d frames sent, %d messages\n", sends, delivered);
	CHECK(sends > 1000); /* (frames did get through) */
	memset(ram + QDESC(0), 0, 0x8000);
	driver_up(F_MAC, 2); /* and after all that, a driver can still bring it up */
	frame_at(0x31000, mac, 80, 9);
	memset(ram + 0x30000, 0, 12);
	desc(TX, 0, 0x30000, 12, 1, 1);
	desc(TX, 1, 0x31000, 80, 0, 0);
	sends = 0;
	avail(TX, 0, 0);
	serve();
	CHECK_EQ(sends, 1);
	CHECK(memcmp(sent, ram + 0x31000, 80) == 0);
}
