/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A simulated cluster for the message-layer host tests: nodes running net/msg.c on a fake
 * clock, joined by a datagram "network" that can lose, duplicate, delay (hence reorder),
 * corrupt and truncate packets with given probabilities, drawn from a seeded generator so every
 * run is the same. Tests can watch every packet sent (tap), drop chosen ones (filter), and inject
 * their own with msg_input() on a node's layer.
 */
#ifndef UNUM_TESTS_NET_SIMNET_H
#define UNUM_TESTS_NET_SIMNET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/msg.h"

#define SIM_CLUSTER_ID 0xc105e7u
#define SIM_MAX_NODES  MSG_MAX_NODES

struct sim;

struct sim_node {
	struct msg_layer l;
	struct msg_slot *slots;
	struct sim *sim;
	uint16_t id;
	uint64_t resets; /* peer_reset() calls */
	uint64_t delivered;
	void (*on_deliver)(struct sim_node *n, uint16_t src, uint8_t type, const void *data,
			   size_t len);
};

struct sim_faults {
	unsigned int loss_pct, dup_pct, corrupt_pct;
	uint64_t latency_ns, jitter_ns;
};

struct sim_pkt;

struct sim {
	uint64_t now;
	uint64_t rng;
	struct sim_faults f;
	struct msg_config cfg; /* template for new nodes: timing, secret, cluster */
	struct sim_node *node[SIM_MAX_NODES];
	/* Called for every packet sent, before faults; return false from filter to drop it. */
	void (*tap)(struct sim *s, uint16_t src, uint16_t dst, const uint8_t *pkt, size_t len);
	bool (*filter)(struct sim *s, uint16_t src, uint16_t dst, const uint8_t *pkt, size_t len);
	void *priv;
	struct sim_pkt **q;
	size_t nq, cap;
	uint64_t sent, lost, duplicated, corrupted;
};

/* A network with no faults and a template config for @nr_nodes nodes: secret, timing. */
struct sim *sim_new(uint64_t seed, uint16_t nr_nodes);
void sim_free(struct sim *s);
uint64_t sim_rand(struct sim *s);

/* Start node @id (fresh layer) with @nr_slots buffers and incarnation @epoch. */
struct sim_node *sim_start_node(struct sim *s, uint16_t id, uint32_t nr_slots, uint64_t epoch);

/* Advance the clock to @until, delivering packets and polling nodes at every event. */
void sim_advance(struct sim *s, uint64_t until);

/* Drop everything in flight. */
void sim_flush(struct sim *s);

struct msg_hdr;

/*
 * The header node @src's layer would put on a packet to @dst now: current epochs and ack, the
 * next packet number (taken from @src's counter, so the packet is fresh). Tests change fields
 * before sim_build().
 */
void sim_hdr(struct sim *s, uint16_t src, uint16_t dst, uint8_t type, uint32_t seq, uint16_t len,
	     struct msg_hdr *h);

/* Encode @h and @h->len bytes of @payload into @pkt, sealed with @key (NULL: the cluster's). */
size_t sim_build(struct sim *s, const struct msg_hdr *h, const void *payload,
		 const struct siphash_key *key, uint8_t *pkt);

#endif
