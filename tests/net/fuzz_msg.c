// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target for the message layer's receive path (tests/net/fuzz-msg builds and runs
 * it). Each input is a list of records, [ctl u8][len u16 le][len bytes]; each record becomes one
 * datagram for msg_input() of node 0 of a 4-node cluster in which sessions with nodes 1 and 2
 * are up and messages to them are in flight. Random bytes rarely get past the MAC, so the ctl
 * bits let the fuzzer repair what mutation cannot, and reach the code behind each check:
 *   bit 0: framing: magic, version, and a payload length matching the record;
 *   bit 1: addressing: our cluster, to node 0, from node 1 + (src % 3);
 *   bit 2: epochs: the source's and ours (bit 3 with it: dst_epoch 0, a probe);
 *   bit 4: seal: a valid MAC under the cluster key over whatever the record now holds;
 *   bits 5-7: n > 0: advance the clock by 100 us << n and poll, before the record.
 * Besides the sanitizers, the harness checks invariants after every record: drop reasons in
 * range, deliveries only from real peers with sane lengths, every packet the layer sends is
 * well-formed and authentic, and the buffer pool and windows add up.
 *
 * Built with -DFUZZ_MSG_SEED_MAIN instead, the same file is a program that writes a seed
 * corpus of valid inputs into the directory named by its argument.
 */
#include "net/msg.h"
#include "net/msg_internal.h"
#include "net/msg_wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_NODES	   4
#define FUZZ_SLOTS	   26
#define FUZZ_CLUSTER	   0xf022u
#define FUZZ_EPOCH	   500
#define FUZZ_PEER_EPOCH(n) (1000u + (n))

static const uint8_t fuzz_secret[SIPHASH_KEY_SIZE] = "unum-fuzz-secret";
static struct msg_layer fuzz_l;
static struct msg_slot fuzz_slots[FUZZ_SLOTS];
static uint64_t fuzz_now;
static const uint8_t fuzz_page[MSG_MAX_PAYLOAD];
static uint64_t fuzz_pkt_num[FUZZ_NODES];
static volatile uint8_t fuzz_sink;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_assert(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_msg: invariant broken: %s\n", what);
		abort();
	}
}

/* Every packet we send must pass the receiver's own checks. */
static void fuzz_send(void *ctx, uint16_t dst, const void *pkt, size_t len)
{
	struct msg_wire_id id = { .key = siphash_key_from_bytes(fuzz_secret),
				  .cluster_id = FUZZ_CLUSTER,
				  .self = dst,
				  .nr_nodes = FUZZ_NODES };
	struct msg_hdr h;

	fuzz_assert(dst > 0 && dst < FUZZ_NODES && len <= MSG_MAX_PACKET, "send arguments");
	fuzz_assert(msg_wire_check(&id, pkt, len, &h) == MSG_DROP_NONE, "sent packet is valid");
}

static uint64_t fuzz_clock(void *ctx)
{
	return fuzz_now;
}

static void fuzz_deliver(void *ctx, uint16_t src, uint8_t type, const void *data, size_t len)
{
	fuzz_assert(src > 0 && src < FUZZ_NODES && type >= MSG_T_USER, "delivered source, type");
	fuzz_assert(len <= MSG_MAX_PAYLOAD && (data || !len), "delivered length");
	/* Touching both ends lets ASan check that the buffer covers the length. */
	if (len)
		fuzz_sink ^= ((const uint8_t *)data)[0] ^ ((const uint8_t *)data)[len - 1];
}

/* PONGs wait (ready() says no) until the longest step of time, as a handler that comes late. */
static bool fuzz_pong_waits;

static bool fuzz_ready(void *ctx, uint8_t type)
{
	return type != MSG_T_PONG || !fuzz_pong_waits;
}

static void fuzz_peer_reset(void *ctx, uint16_t node)
{
	fuzz_assert(node > 0 && node < FUZZ_NODES, "reset of a real peer");
}

/* A packet from @src to node 0 as that node's current incarnation would send it. */
static size_t fuzz_packet(uint8_t *pkt, uint16_t src, uint8_t type, uint32_t seq, uint32_t ack,
			  uint16_t len, uint64_t dst_epoch, uint32_t flags)
{
	struct siphash_key key = siphash_key_from_bytes(fuzz_secret);
	struct msg_hdr h = { .magic = MSG_MAGIC,
			     .version = MSG_VERSION,
			     .type = type,
			     .len = len,
			     .cluster = FUZZ_CLUSTER,
			     .src = src,
			     .dst = 0,
			     .src_epoch = FUZZ_PEER_EPOCH(src),
			     .dst_epoch = dst_epoch,
			     .pkt_num = ++fuzz_pkt_num[src],
			     .seq = seq,
			     .ack = ack,
			     .flags = flags };

	msg_wire_encode(pkt, &h);
	for (uint16_t i = 0; i < len; i++)
		pkt[MSG_HDR_SIZE + i] = (uint8_t)(i * 13 + seq);
	msg_wire_seal(pkt, len, &key);
	return MSG_HDR_SIZE + (size_t)len + MSG_MAC_SIZE;
}

/* Node 0 with sessions to nodes 1 and 2, three messages to each unacknowledged and a page in
 * parts to node 1, one queued to 3. */
static void fuzz_setup(void)
{
	struct msg_config cfg = { .cluster_id = FUZZ_CLUSTER,
				  .self = 0,
				  .nr_nodes = FUZZ_NODES,
				  .epoch = FUZZ_EPOCH,
				  .rto_min_ns = 1000000,
				  .rto_max_ns = 8000000,
				  .ack_delay_ns = 100000,
				  .hello_interval_ns = 10000000,
				  .slots = fuzz_slots,
				  .nr_slots = FUZZ_SLOTS };
	struct msg_ops ops = { .send = fuzz_send,
			       .now_ns = fuzz_clock,
			       .deliver = fuzz_deliver,
			       .peer_reset = fuzz_peer_reset,
			       .ready = fuzz_ready };
	uint8_t pkt[MSG_HDR_SIZE + MSG_MAC_SIZE];

	memcpy(cfg.secret, fuzz_secret, sizeof(cfg.secret));
	fuzz_now = 1000;
	fuzz_pong_waits = true;
	memset(fuzz_pkt_num, 0, sizeof(fuzz_pkt_num));
	fuzz_assert(msg_init(&fuzz_l, &cfg, &ops) == 0, "init");
	for (uint16_t n = 1; n <= 2; n++) {
		size_t len = fuzz_packet(pkt, n, MSG_T_HELLO, 0, 0, 0, FUZZ_EPOCH, 0);

		fuzz_assert(msg_input(&fuzz_l, pkt, len) == MSG_DROP_NONE, "setup hello");
		for (int i = 0; i < 3; i++)
			fuzz_assert(msg_send(&fuzz_l, n, MSG_T_PING, &i, sizeof(i)) == 0, "setup");
	}
	/* and a page in 3 parts to node 1 */
	fuzz_assert(msg_send(&fuzz_l, 1, MSG_T_DSM, fuzz_page, MSG_MAX_PAYLOAD) == 0, "setup");
	/* Node 3 has no session: this one waits for it. */
	fuzz_assert(msg_send(&fuzz_l, 3, MSG_T_PONG, NULL, 0) == 0, "setup");
	msg_poll(&fuzz_l, fuzz_now);
}

/* The repairs selected by @ctl, applied to the @n bytes of @pkt. */
static void fuzz_repair(uint8_t ctl, uint8_t *pkt, size_t n)
{
	struct siphash_key key = siphash_key_from_bytes(fuzz_secret);
	uint16_t src, len;

	if (n < MSG_HDR_SIZE + MSG_MAC_SIZE)
		return;
	if (ctl & 1) {
		msg_put32(pkt + MSG_OFF_MAGIC, MSG_MAGIC);
		pkt[MSG_OFF_VERSION] = MSG_VERSION;
		if (n - MSG_HDR_SIZE - MSG_MAC_SIZE <= MSG_PART_MAX)
			msg_put16(pkt + MSG_OFF_LEN, (uint16_t)(n - MSG_HDR_SIZE - MSG_MAC_SIZE));
	}
	if (ctl & 2) {
		msg_put32(pkt + MSG_OFF_CLUSTER, FUZZ_CLUSTER);
		msg_put16(pkt + MSG_OFF_DST, 0);
		msg_put16(pkt + MSG_OFF_SRC, (uint16_t)(1 + msg_get16(pkt + MSG_OFF_SRC) % 3));
	}
	src = msg_get16(pkt + MSG_OFF_SRC);
	if ((ctl & 4) && src < FUZZ_NODES) {
		msg_put64(pkt + MSG_OFF_SRC_EPOCH, FUZZ_PEER_EPOCH(src));
		msg_put64(pkt + MSG_OFF_DST_EPOCH, (ctl & 8) ? 0 : FUZZ_EPOCH);
	}
	len = msg_get16(pkt + MSG_OFF_LEN);
	if ((ctl & 16) && (size_t)MSG_HDR_SIZE + len + MSG_MAC_SIZE <= n)
		msg_wire_seal(pkt, len, &key);
}

/* The pool and the windows add up after every record, and silent peers are real peers. */
static void fuzz_check_state(void)
{
	unsigned int used = 0, rx = 0, parts = 0;
	uint16_t silent[FUZZ_NODES];
	int nr_silent = msg_peers_silent(&fuzz_l, fuzz_now, 20000000, silent, FUZZ_NODES);

	for (int i = 0; i < FUZZ_SLOTS; i++) {
		used += fuzz_slots[i].state != MSG_SLOT_FREE;
		rx += fuzz_slots[i].state == MSG_SLOT_RX;
		parts += fuzz_slots[i].state == MSG_SLOT_PART;
	}
	fuzz_assert(used + fuzz_l.nr_free == FUZZ_SLOTS, "pool accounting");
	fuzz_assert(rx == fuzz_l.rx_held && rx <= fuzz_l.rx_limit, "out-of-order accounting");
	fuzz_assert(parts == fuzz_l.parts_held && parts <= fuzz_l.part_reserve, "part accounting");
	/* the reserves are there: an in-order part and an out-of-order one always have a slot */
	fuzz_assert(fuzz_l.nr_free >= fuzz_l.rx_limit - fuzz_l.rx_held + fuzz_l.part_reserve -
					      fuzz_l.parts_held,
		    "reserves free");
	for (int n = 1; n < FUZZ_NODES; n++) {
		const struct msg_peer *p = &fuzz_l.peers[n];

		fuzz_assert(p->tx_next - p->tx_una <= MSG_WINDOW, "send window");
		fuzz_assert(p->nr_parts < MSG_MAX_PARTS, "parts kept");
		parts -= p->nr_parts;
	}
	fuzz_assert(parts == 0, "every part slot belongs to a peer");
	fuzz_assert(nr_silent >= 0 && nr_silent < FUZZ_NODES, "silent count");
	for (int i = 0; i < nr_silent; i++)
		fuzz_assert(silent[i] > 0 && silent[i] < FUZZ_NODES, "silent node");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_setup();
	while (size >= 3) {
		uint8_t ctl = data[0];
		size_t n = (size_t)(data[1] | data[2] << 8);
		uint8_t *pkt;
		int why;

		data += 3;
		size -= 3;
		n = n < size ? n : size;
		/* Exactly n bytes on the heap, so ASan sees any read past the datagram. */
		pkt = malloc(n ? n : 1);
		fuzz_assert(pkt != NULL, "malloc");
		if (ctl >> 5) {
			fuzz_now += 100000ULL << (ctl >> 5);
			msg_poll(&fuzz_l, fuzz_now);
			/* Polling must clear everything due, or a poll loop would spin. */
			fuzz_assert(msg_next_deadline(&fuzz_l) > fuzz_now, "poll made progress");
			if (ctl >> 5 == 7 && fuzz_pong_waits) {
				fuzz_pong_waits = false;
				msg_rx_retry(&fuzz_l);
			}
		}
		memcpy(pkt, data, n);
		fuzz_repair(ctl, pkt, n);
		why = msg_input(&fuzz_l, pkt, n);
		free(pkt);
		fuzz_assert(why >= 0 && why < MSG_DROP_NR, "drop reason in range");
		fuzz_check_state();
		data += n;
		size -= n;
	}
	return 0;
}

#ifdef FUZZ_MSG_SEED_MAIN
/* The seed corpus: short conversations of valid packets, as records with no repairs asked. */
static FILE *seed_file;

static void seed_record(uint8_t ctl, const uint8_t *pkt, size_t len)
{
	uint8_t rec[3] = { ctl, (uint8_t)len, (uint8_t)(len >> 8) };

	fwrite(rec, 1, sizeof(rec), seed_file);
	fwrite(pkt, 1, len, seed_file);
}

/* A data packet from @src with sequence number @seq (@flags: MSG_F_MORE for a first part). */
static void seed_part(uint8_t ctl, uint16_t src, uint32_t seq, uint16_t len, uint32_t flags)
{
	static uint8_t pkt[MSG_MAX_PACKET];

	seed_record(ctl, pkt, fuzz_packet(pkt, src, MSG_T_PING, seq, 0, len, FUZZ_EPOCH, flags));
}

static void seed_data(uint8_t ctl, uint16_t src, uint32_t seq, uint16_t len)
{
	seed_part(ctl, src, seq, len, 0);
}

static void seed_pong(uint8_t ctl, uint16_t src, uint32_t seq)
{
	static uint8_t pkt[MSG_MAX_PACKET];

	seed_record(ctl, pkt, fuzz_packet(pkt, src, MSG_T_PONG, seq, 0, 3, FUZZ_EPOCH, 0));
}

static void seed_control(uint16_t src, uint8_t type, uint32_t ack, uint64_t dst_epoch,
			 uint64_t src_epoch)
{
	struct siphash_key key = siphash_key_from_bytes(fuzz_secret);
	uint8_t pkt[MSG_HDR_SIZE + MSG_MAC_SIZE];
	size_t len = fuzz_packet(pkt, src, type, 0, ack, 0, dst_epoch, 0);

	msg_put64(pkt + MSG_OFF_SRC_EPOCH, src_epoch);
	msg_wire_seal(pkt, 0, &key);
	seed_record(0, pkt, len);
}

static void seed_write(int i)
{
	switch (i) {
	case 0: seed_data(0, 1, 1, 100); break;
	case 1: /* out of order, then the hole filled, then a duplicate */
		seed_data(0, 1, 3, 5), seed_data(0, 1, 2, 0), seed_data(0, 1, 1, 64);
		seed_data(0, 1, 2, 0);
		break;
	case 2: /* acknowledgements of what node 0 sent in fuzz_setup() */
		seed_control(1, MSG_T_ACK, 2, FUZZ_EPOCH, FUZZ_PEER_EPOCH(1));
		seed_control(2, MSG_T_HELLO, 3, FUZZ_EPOCH, FUZZ_PEER_EPOCH(2));
		break;
	case 3: /* probes: from a node without a session, and from one with */
		seed_control(3, MSG_T_HELLO, 0, 0, FUZZ_PEER_EPOCH(3));
		seed_control(1, MSG_T_HELLO, 0, 0, FUZZ_PEER_EPOCH(1));
		break;
	case 4: /* node 1 restarts, node 3 starts */
		seed_control(1, MSG_T_HELLO, 0, FUZZ_EPOCH, FUZZ_PEER_EPOCH(1) + 1);
		seed_control(3, MSG_T_HELLO, 0, FUZZ_EPOCH, FUZZ_PEER_EPOCH(3));
		break;
	case 5: /* a page in 3 parts, the last first, with time passing between them */
		seed_part(0x60, 2, 3, MSG_MAX_PAYLOAD - 2 * MSG_PART_MAX, 0);
		seed_part(0, 2, 1, MSG_PART_MAX, MSG_F_MORE);
		seed_control(2, MSG_T_HELLO, 0, FUZZ_EPOCH, FUZZ_PEER_EPOCH(2));
		seed_part(0xe0, 2, 2, MSG_PART_MAX, MSG_F_MORE);
		seed_data(0, 2, 4, 1);
		break;
	case 6: /* a PONG that waits for ready(), a PING behind it held, then both delivered */
		seed_pong(0, 2, 1);
		seed_data(0, 2, 2, 9);
		seed_pong(0xe0, 2, 1);
		break;
	default: /* every repair asked for on an otherwise valid packet */
		seed_data(0x1f, 1, 1, 32);
		break;
	}
}

int main(int argc, char **argv)
{
	char path[4096];

	if (argc != 2) {
		fprintf(stderr, "usage: %s CORPUS-DIR\n", argv[0]);
		return 2;
	}
	for (int i = 0; i < 8; i++) {
		fuzz_setup(); /* so packet numbers continue where the harness leaves them */
		snprintf(path, sizeof(path), "%s/seed-%d", argv[1], i);
		seed_file = fopen(path, "wb");
		if (!seed_file) {
			perror(path);
			return 1;
		}
		seed_write(i);
		fclose(seed_file);
	}
	return 0;
}
#endif
