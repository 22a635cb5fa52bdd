/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The monitor's network self-test (issue 5 item 6), enabled by `nettest=N` on the monitor's
 * command line: once every peer is up, each node sends N checksummed messages of varying
 * length (0 to 4 KiB plus a header: one to three IP fragments) to every peer. The receiver
 * checks order, length and checksum of each, and reports per sender:
 *
 *   nettest: node 1 -> node 2: 10000 sent, 10000 received, 0 bad
 *
 * and, when its own messages are all acknowledged and all expected ones arrived,
 *
 *   nettest: done: 20000 sent, 20000 received, 0 bad in 5432 ms (...)
 *
 * A run that has not finished after NETTEST_LIMIT_NS reports what is missing instead.
 *
 * The same file holds the network benchmark (issue 5 item 7), enabled by `netbench=rtt`,
 * `netbench=pages` or `netbench=all`: node 0 measures against node 1 while every other node
 * echoes. rtt: 2 x NETTEST_BENCH_SAMPLES round trips of a PING message answered by a PONG of
 * the same length, alternating 64-byte and 4096-byte payloads, each timed on the TSC clock;
 * pages: NETTEST_BENCH_PAGES messages of an 8-byte header plus a 4 KiB page streamed one way,
 * timed until the last is acknowledged. The results are console lines that tools/bench-net
 * parses (doc/net.md, "Benchmark"):
 *
 *   netbench: rtt 64 B: 1000 samples, min 81234 ns, mean 95012 ns, max 401234 ns
 *   netbench: samples 64: 81234 90000 ...            (16 per line, in the order measured)
 *   netbench: pages: 4096 of 4096 B sent and acknowledged in 812345 us, ...
 *   netbench: pages received: 4096 of 4096 B in 801234 us from first to last
 *   netbench: done
 */
#ifndef UNUM_NET_NETTEST_H
#define UNUM_NET_NETTEST_H

#include "net/membership.h"
#include "net/msg.h"

#define NETTEST_MSG_TYPE  MSG_T_NETTEST
#define NETTEST_LIMIT_NS  (300ull * 1000000000ull)
#define NETTEST_LINGER_NS (3ull * 1000000000ull) /* keep answering peers after finishing */

struct nettest_peer {
	uint32_t sent, received, bad, next_seq, declared;
	bool reported;
};

struct nettest {
	struct msg_layer *msg;
	const struct membership *members;
	uint16_t self, nr_nodes;
	uint32_t count;
	uint64_t start_ns, done_ns;
	bool started, finished;
	uint16_t next_peer;
	uint64_t bytes_sent;
	struct nettest_peer peers[MSG_MAX_NODES];
};

/* @count 0 disables the test. */
void nettest_init(struct nettest *t, struct msg_layer *msg, const struct membership *members,
		  uint16_t self, uint16_t nr_nodes, uint32_t count);
void nettest_poll(struct nettest *t, uint64_t now);
/* A message of type NETTEST_MSG_TYPE from @src. */
void nettest_deliver(struct nettest *t, uint16_t src, const void *data, size_t len);
/* True once the test finished (or gave up) and lingered: the node may power off. */
bool nettest_over(const struct nettest *t, uint64_t now);

#define NETTEST_BENCH_SAMPLES	1000 /* round trips per payload size */
#define NETTEST_BENCH_WARMUP	20   /* round trips not counted: caches, first pbufs */
#define NETTEST_BENCH_PAGES	4096 /* 16 MiB one way */
#define NETTEST_BENCH_PAGE_TYPE MSG_T_NETBENCH_PAGE

/* `netbench=...`: call before net_start(); nettest_poll() then runs the benchmark. */
void nettest_set_bench(bool rtt, bool pages);

#endif
