// SPDX-License-Identifier: GPL-2.0-only
/*
 * The network self-test (see net/nettest.h). A message is a 24-byte header (magic, sequence
 * number from 1, the total the sender will send, payload length, FNV-1a-64 checksum of the
 * payload) and a payload whose length and bytes follow from (source, destination, sequence),
 * so the receiver can check all of it. Messages are offered to the message layer until its
 * buffer pool is full, round robin over the peers, and offered again at the next poll.
 */
#include <string.h>

#include "net/nettest.h"
#include "vmm/log.h"

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
	const struct msg_peer *mp = &t->msg->peers[n];

	/* Everything sent was acknowledged: nothing queued (tx_next counts all queued). */
	return p->sent == t->count && p->received >= t->count && mp->tx_una == mp->tx_next &&
	       mp->tx_next - 1 == p->sent;
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

void nettest_poll(struct nettest *t, uint64_t now)
{
	bool all = true;

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
