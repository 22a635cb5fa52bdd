// SPDX-License-Identifier: GPL-2.0-only
/*
 * The network self-test (see net/nettest.h). A message is a 24-byte header (magic, sequence
 * number from 1, the total the sender will send, payload length, FNV-1a-64 checksum of the
 * payload) and a payload whose length and bytes follow from (source, destination, sequence),
 * so the receiver can check all of it. Messages are offered to the message layer until its
 * buffer pool is full, round robin over the peers, and offered again at the next poll.
 *
 * The benchmark (netbench=, second half of this file) reuses the self-test's place in the
 * network context: nettest_poll() drives it, and its messages come through net_register().
 */
#include <string.h>

#include "vmm/host/tsc.h"
#include "net/net.h"
#include "net/nettest.h"
#include "vmm/host/log.h"
#include "vmm/lib/printf.h"

#define NETTEST_MAGIC	 0x54534e55u /* "UNST" */
#define NETTEST_HDR	 24
#define NETTEST_MAX_BODY (MSG_MAX_PAYLOAD - NETTEST_HDR)
#define NETTEST_BURST	 64

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t nettest_sum(const uint8_t *p, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

/* Length and bytes of message @seq from @src to @dst; returns the length. */
static size_t nettest_body(uint16_t src, uint16_t dst, uint32_t seq, uint8_t *out)
{
	uint64_t x = ((uint64_t)src << 48 | (uint64_t)dst << 32 | seq) * 0x9e3779b97f4a7c15ull + 1;
	size_t len = (size_t)(x >> 40) % (NETTEST_MAX_BODY + 1);

	/* One message in eight is small, as most cluster traffic will be. */
	if ((seq & 7) == 0)
		len %= 64;
	for (size_t i = 0; i < len; i++) {
		x ^= x >> 12, x ^= x << 25, x ^= x >> 27;
		out[i] = (uint8_t)(x * 0x2545f4914f6cdd1dull >> 56);
	}
	return len;
}

void nettest_init(struct nettest *t, struct msg_layer *msg, const struct membership *members,
		  uint16_t self, uint16_t nr_nodes, uint32_t count)
{
	memset(t, 0, sizeof(*t));
	t->msg = msg;
	t->members = members;
	t->self = self;
	t->nr_nodes = nr_nodes;
	t->count = count;
	for (uint16_t n = 0; n < nr_nodes; n++)
		t->peers[n].next_seq = 1;
}

static int nettest_send_one(struct nettest *t, uint16_t dst)
{
	static uint8_t buf[MSG_MAX_PAYLOAD];
	struct nettest_peer *p = &t->peers[dst];
	uint32_t seq = p->sent + 1;
	size_t len = nettest_body(t->self, dst, seq, buf + NETTEST_HDR);
	uint64_t sum = nettest_sum(buf + NETTEST_HDR, len);
	int rc;

	put32(buf, NETTEST_MAGIC);
	put32(buf + 4, seq);
	put32(buf + 8, t->count);
	put32(buf + 12, (uint32_t)len);
	put32(buf + 16, (uint32_t)sum);
	put32(buf + 20, (uint32_t)(sum >> 32));
	rc = msg_send(t->msg, dst, NETTEST_MSG_TYPE, buf, NETTEST_HDR + len);
	if (rc == 0) {
		p->sent++;
		t->bytes_sent += NETTEST_HDR + len;
	}
	return rc;
}

static void nettest_send_some(struct nettest *t)
{
	for (int n = 0, idle = 0; n < NETTEST_BURST && idle < t->nr_nodes; n++) {
		uint16_t dst = t->next_peer;
		t->next_peer = (uint16_t)((t->next_peer + 1) % t->nr_nodes);
		if (dst == t->self || t->peers[dst].sent >= t->count) {
			idle++;
			continue;
		}
		idle = 0;
		if (nettest_send_one(t, dst) != 0)
			return; /* pool full: the next poll goes on */
	}
}

static bool nettest_peer_done(const struct nettest *t, uint16_t n)
{
	const struct nettest_peer *p = &t->peers[n];

	/* Everything sent was acknowledged, nothing waits in the queue (the layer's sequence
	 * numbers count packets, and a long message is several). */
	return p->sent == t->count && p->received >= t->count && msg_peer_all_acked(t->msg, n);
}

static void nettest_finish(struct nettest *t, uint64_t now, bool gave_up)
{
	uint64_t sent = 0, received = 0, bad = 0, ms = (now - t->start_ns) / 1000000;

	for (uint16_t n = 0; n < t->nr_nodes; n++) {
		const struct nettest_peer *p = &t->peers[n];
		sent += p->sent, received += p->received, bad += p->bad;
		if (gave_up && n != t->self && !nettest_peer_done(t, n))
			kprintf("nettest: node %u: with node %u unfinished: %u sent, %u received\n",
				t->self, n, p->sent, p->received);
	}
	kprintf("nettest: %s: %llu sent, %llu received, %llu bad in %llu ms (%llu messages/s, "
		"%llu KiB/s sent)\n",
		gave_up ? "GAVE UP" : "done", (unsigned long long)sent,
		(unsigned long long)received, (unsigned long long)bad, (unsigned long long)ms,
		(unsigned long long)(ms ? (sent + received) * 1000 / ms : 0),
		(unsigned long long)(ms ? t->bytes_sent * 1000 / 1024 / ms : 0));
	t->finished = true;
	t->done_ns = now;
}

static void nettest_bench_poll(struct nettest *t);

void nettest_poll(struct nettest *t, uint64_t now)
{
	bool all = true;

	nettest_bench_poll(t);
	if (!t->count || t->finished)
		return;
	if (!t->started) {
		if (!membership_all_up(t->members))
			return;
		t->started = true;
		t->start_ns = now;
		kprintf("nettest: all %u peers up: sending %u messages to each\n", t->nr_nodes - 1,
			t->count);
	}
	nettest_send_some(t);
	for (uint16_t n = 0; n < t->nr_nodes; n++)
		if (n != t->self && !nettest_peer_done(t, n))
			all = false;
	if (all || now - t->start_ns > NETTEST_LIMIT_NS)
		nettest_finish(t, now, !all);
}

static bool nettest_check(struct nettest *t, uint16_t src, const uint8_t *m, size_t len)
{
	static uint8_t want[MSG_MAX_PAYLOAD];
	struct nettest_peer *p = &t->peers[src];
	uint32_t seq, blen;
	uint64_t sum;

	if (len < NETTEST_HDR || get32(m) != NETTEST_MAGIC)
		return false;
	seq = get32(m + 4);
	p->declared = get32(m + 8);
	blen = get32(m + 12);
	sum = get32(m + 16) | (uint64_t)get32(m + 20) << 32;
	if (seq != p->next_seq || blen != len - NETTEST_HDR || sum != nettest_sum(m + 24, blen))
		return false;
	return nettest_body(src, t->self, seq, want) == blen && memcmp(want, m + 24, blen) == 0;
}

void nettest_deliver(struct nettest *t, uint16_t src, const void *data, size_t len)
{
	struct nettest_peer *p;

	if (!t->count || src >= t->nr_nodes || src == t->self)
		return;
	p = &t->peers[src];
	if (nettest_check(t, src, data, len))
		p->received++;
	else
		p->bad++;
	p->next_seq++;
	if (!p->reported && p->received + p->bad >= t->count) {
		p->reported = true;
		kprintf("nettest: node %u -> node %u: %u sent, %u received, %u bad\n", src, t->self,
			p->declared, p->received, p->bad);
	}
}

bool nettest_over(const struct nettest *t, uint64_t now)
{
	return t->finished && now - t->done_ns > NETTEST_LINGER_NS;
}

/* ---- The benchmark: netbench=rtt|pages|all (net/nettest.h, tools/bench-net) ---- */

#define BENCH_PAGE	  4096
#define BENCH_PAGE_HDR	  8 /* sequence number, total: like a DSM header before its page */
#define BENCH_ROUND_TRIPS (NETTEST_BENCH_WARMUP + 2 * NETTEST_BENCH_SAMPLES)
#define BENCH_PER_LINE	  16
#define BENCH_MEASURER	  0
#define BENCH_TARGET	  1

enum bench_phase { BENCH_OFF, BENCH_WAIT, BENCH_RTT, BENCH_PAGES, BENCH_DONE };

/* Even round trips carry 64 bytes, odd ones a page, so noise hits both sizes alike. */
static const uint16_t bench_sizes[2] = { 64, BENCH_PAGE };

static struct {
	bool rtt, pages, registered;
	enum bench_phase phase;
	struct msg_layer *msg;
	uint32_t seq;	  /* round trips started, warm-up included */
	bool in_flight;	  /* a PING waits for its PONG */
	uint64_t sent_ns; /* when the PING in flight was handed to the message layer */
	uint32_t bad;	  /* PONGs that were not the answer expected */
	uint32_t samples[2][NETTEST_BENCH_SAMPLES];
	uint32_t pages_sent, pages_rx;
	uint64_t pages_start_ns, retrans0, rx_first_ns, rx_last_ns;
	uint8_t buf[BENCH_PAGE];
} bench;

void nettest_set_bench(bool rtt, bool pages)
{
	bench.rtt = rtt;
	bench.pages = pages;
	bench.phase = rtt || pages ? BENCH_WAIT : BENCH_OFF;
}

/* Sends round trip bench.seq's PING; on a full pool the next poll tries again. */
static void nettest_bench_ping(void)
{
	uint16_t len = bench_sizes[bench.seq & 1];

	put32(bench.buf, bench.seq);
	bench.sent_ns = time_now_ns();
	bench.in_flight = msg_send(bench.msg, BENCH_TARGET, MSG_T_PING, bench.buf, len) == 0;
}

/* Every node but the measurer answers a PING with a PONG of the same bytes, at once: the
 * PONG leaves from inside the delivery, so it also carries the PING's acknowledgement. */
static void nettest_bench_echo(void *ctx, u16 src, const void *data, size_t len)
{
	if (msg_send(bench.msg, src, MSG_T_PONG, data, len) != 0)
		bench.bad++;
}

/* The measurer's PONG handler: records the round trip and starts the next one at once. */
static void nettest_bench_pong(void *ctx, u16 src, const void *data, size_t len)
{
	uint64_t rtt = time_now_ns() - bench.sent_ns;
	uint32_t n = bench.seq - NETTEST_BENCH_WARMUP;

	if (bench.phase != BENCH_RTT || !bench.in_flight || src != BENCH_TARGET || len < 4 ||
	    get32(data) != bench.seq || len != bench_sizes[bench.seq & 1]) {
		bench.bad++;
		return;
	}
	bench.in_flight = false;
	if (bench.seq >= NETTEST_BENCH_WARMUP)
		bench.samples[n & 1][n / 2] = rtt > UINT32_MAX ? UINT32_MAX : (uint32_t)rtt;
	if (++bench.seq < BENCH_ROUND_TRIPS)
		nettest_bench_ping();
}

/* The target counts pages and reports when it has them all. */
static void nettest_bench_page(void *ctx, u16 src, const void *data, size_t len)
{
	uint64_t now = time_now_ns();

	if (len != BENCH_PAGE_HDR + BENCH_PAGE || get32(data) != bench.pages_rx + 1) {
		bench.bad++;
		return;
	}
	if (bench.pages_rx++ == 0)
		bench.rx_first_ns = now;
	bench.rx_last_ns = now;
	if (bench.pages_rx == get32((const uint8_t *)data + 4))
		kprintf("netbench: pages received: %u of %u B in %llu us from first to last\n",
			bench.pages_rx, BENCH_PAGE,
			(unsigned long long)((bench.rx_last_ns - bench.rx_first_ns) / 1000));
}

static void nettest_bench_register(struct nettest *t)
{
	bench.msg = t->msg;
	if (t->self == BENCH_MEASURER) {
		net_register(MSG_T_PONG, nettest_bench_pong, NULL);
	} else {
		net_register(MSG_T_PING, nettest_bench_echo, NULL);
		net_register(NETTEST_BENCH_PAGE_TYPE, nettest_bench_page, NULL);
	}
	bench.registered = true;
}

static void nettest_bench_report_rtt(uint16_t size, const uint32_t *s)
{
	uint64_t sum = 0;
	uint32_t min = UINT32_MAX, max = 0;
	char line[BENCH_PER_LINE * 11 + 1];

	for (int i = 0; i < NETTEST_BENCH_SAMPLES; i++) {
		sum += s[i];
		min = s[i] < min ? s[i] : min;
		max = s[i] > max ? s[i] : max;
	}
	kprintf("netbench: rtt %u B: %u samples, min %u ns, mean %llu ns, max %u ns\n", size,
		NETTEST_BENCH_SAMPLES, min, (unsigned long long)(sum / NETTEST_BENCH_SAMPLES), max);
	/* The percentiles are the tool's work: the monitor prints every sample. */
	for (int i = 0; i < NETTEST_BENCH_SAMPLES; i += BENCH_PER_LINE) {
		size_t used = 0;
		for (int j = i; j < i + BENCH_PER_LINE && j < NETTEST_BENCH_SAMPLES; j++)
			used += (size_t)ksnprintf(line + used, sizeof(line) - used, " %u", s[j]);
		kprintf("netbench: samples %u:%s\n", size, line);
	}
}

/* Streams pages while the message layer takes them; done when the last is acknowledged. */
static void nettest_bench_stream(void)
{
	const struct msg_peer *p = &bench.msg->peers[BENCH_TARGET];
	uint8_t hdr[BENCH_PAGE_HDR];
	uint64_t us;

	while (bench.pages_sent < NETTEST_BENCH_PAGES) {
		put32(hdr, bench.pages_sent + 1);
		put32(hdr + 4, NETTEST_BENCH_PAGES);
		if (msg_send_parts(bench.msg, BENCH_TARGET, NETTEST_BENCH_PAGE_TYPE, hdr,
				   sizeof(hdr), bench.buf, BENCH_PAGE) != 0)
			return; /* pool full: acknowledgements free it */
		bench.pages_sent++;
	}
	if (p->tx_una != p->tx_next)
		return;
	us = (time_now_ns() - bench.pages_start_ns) / 1000;
	kprintf("netbench: pages: %u of %u B sent and acknowledged in %llu us: %llu pages/s, "
		"%llu KiB/s; %llu retransmissions\n",
		NETTEST_BENCH_PAGES, BENCH_PAGE, (unsigned long long)us,
		(unsigned long long)(us ? NETTEST_BENCH_PAGES * 1000000ull / us : 0),
		(unsigned long long)(us ? NETTEST_BENCH_PAGES * 4000000ull / us : 0),
		(unsigned long long)(bench.msg->stats.tx_retrans - bench.retrans0));
	bench.phase = BENCH_DONE;
}

static void nettest_bench_start_pages(void)
{
	bench.phase = BENCH_PAGES;
	bench.pages_start_ns = time_now_ns();
	bench.retrans0 = bench.msg->stats.tx_retrans;
}

/* Node 0's sequence: wait for node 1, round trips, then the page stream. */
static void nettest_bench_measure(struct nettest *t)
{
	if (bench.phase == BENCH_WAIT && membership_is_up(t->members, BENCH_TARGET)) {
		kprintf("netbench: node %u measures against node %u (TSC clock)\n", t->self,
			BENCH_TARGET);
		bench.phase = bench.rtt ? BENCH_RTT : BENCH_PAGES;
		if (!bench.rtt)
			nettest_bench_start_pages();
	}
	if (bench.phase == BENCH_RTT && !bench.in_flight && bench.seq < BENCH_ROUND_TRIPS)
		nettest_bench_ping();
	if (bench.phase == BENCH_RTT && bench.seq == BENCH_ROUND_TRIPS) {
		nettest_bench_report_rtt(bench_sizes[0], bench.samples[0]);
		nettest_bench_report_rtt(bench_sizes[1], bench.samples[1]);
		bench.phase = BENCH_DONE;
		if (bench.pages)
			nettest_bench_start_pages();
	}
	if (bench.phase == BENCH_PAGES)
		nettest_bench_stream();
	if (bench.phase == BENCH_DONE) {
		kprintf("netbench: done (%u unexpected answers)\n", bench.bad);
		bench.phase = BENCH_OFF;
	}
}

static void nettest_bench_poll(struct nettest *t)
{
	if (bench.phase == BENCH_OFF)
		return;
	if (!bench.registered)
		nettest_bench_register(t);
	if (t->nr_nodes < 2) {
		kprintf("netbench: needs 2 nodes or more\n");
		bench.phase = BENCH_OFF;
	} else if (t->self == BENCH_MEASURER) {
		nettest_bench_measure(t);
	}
}
