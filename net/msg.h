/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The cluster message layer (design section 6, doc/net.md): typed messages of up to one 4 KiB
 * page plus an upper-layer header between node ids, over a datagram transport that may lose,
 * duplicate, reorder or corrupt packets. A message longer than one Ethernet frame's datagram
 * travels as up to MSG_MAX_PARTS packets, each with its own sequence number, so a lost frame
 * costs one part. Each pair of nodes keeps a session with per-direction
 * sequence numbers, cumulative and selective acknowledgements, retransmission with capped
 * exponential backoff and in-order, exactly-once delivery. Every packet is authenticated with
 * SipHash-2-4 keyed by the cluster secret and carries a packet number checked against a replay
 * window.
 *
 * The layer owns no thread, timer or memory of its own: the caller gives it the transport, the
 * clock and the delivery callback (struct msg_ops), a pool of packet buffers (struct msg_slot),
 * feeds each received datagram to msg_input() and calls msg_poll() once msg_next_deadline() has
 * passed. One context owns a struct msg_layer; nothing here is thread-safe.
 */
#ifndef UNUM_NET_MSG_H
#define UNUM_NET_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/siphash.h"

#define MSG_MAX_NODES	  256 /* node ids 0..255 */
#define MSG_PAGE_SIZE	  4096
#define MSG_MAX_UPPER_HDR 64 /* room for the header of the layer above: DSM's is 24 bytes */
#define MSG_MAX_PAYLOAD	  (MSG_PAGE_SIZE + MSG_MAX_UPPER_HDR) /* one message */
#define MSG_WINDOW	  16 /* packets (parts) in flight per peer and direction; <= 32 */
#define MSG_HDR_SIZE	  56 /* wire header, see net/msg_wire.h */
#define MSG_MAC_SIZE	  8  /* SipHash-2-4 tag after the payload */
/*
 * A packet fits one UDP datagram that IPv4 carries in one 1500-byte Ethernet frame (1500 - 20
 * - 8 bytes), so the network never fragments it: a lost frame loses one part of a message, not
 * the whole message, and only that part goes again. A message is cut into parts of
 * MSG_PART_MAX bytes, the last one shorter: a page and its DSM header make 3.
 */
#define MSG_MAX_PACKET 1472
#define MSG_PART_MAX   (MSG_MAX_PACKET - MSG_HDR_SIZE - MSG_MAC_SIZE)
#define MSG_MAX_PARTS  ((MSG_MAX_PAYLOAD + MSG_PART_MAX - 1) / MSG_PART_MAX)

/* Errors, returned negated; errno values, as the monitor's E_* are. */
enum {
	MSG_E_AGAIN = 11, /* buffer pool full: retry after msg_input()/msg_poll() */
	MSG_E_INVAL = 22, /* bad argument */
};

/*
 * Message types, one byte on the wire, every one the cluster uses: this is the only list.
 * Types below MSG_T_USER belong to this layer and are never delivered; MSG_T_USER..255 are
 * reliable, ordered messages for the layers above, each delivered to the handler
 * net_register() was given for it.
 */
enum msg_type {
	MSG_T_ACK = 1,	 /* acknowledgement only */
	MSG_T_HELLO = 2, /* heartbeat; with dst_epoch 0 a probe asking for the peer's epoch */
	MSG_T_USER = 16,
	MSG_T_PING = MSG_T_USER, /* used by tests and benchmarks */
	MSG_T_PONG,
	MSG_T_NETTEST = MSG_T_USER + 8,	      /* the network self-test (net/nettest.c) */
	MSG_T_NETBENCH_PAGE = MSG_T_USER + 9, /* its page benchmark */
	MSG_T_DSM = 32,	  /* the DSM protocol (dsm/), its own message types inside */
	MSG_T_VCPU = 33,  /* an interrupt for a vCPU of the receiving node (vmm/cluster/remote.c) */
	MSG_T_STOP = 34,  /* the guest stopped: stop here too, with this code */
	MSG_T_IO = 35,	  /* a port access for node 0's devices, or its answer */
	MSG_T_TIME = 36,  /* a TSC probe to node 0, or its answer */
	MSG_T_MMIO = 37,  /* an MMIO access for node 0's devices, or its answer */
	MSG_T_EOI = 38,	  /* a level-triggered interrupt's EOI, for node 0's IOAPIC */
	MSG_T_TURN = 39,  /* the turns' request or token (vmm/cluster/turns.c) */
	MSG_T_BUILT = 40, /* the sender has built its part of the guest (vmm/main.c) */
	MSG_T_REFUSED = 41, /* the receiver restarted under the guest and cannot rejoin it */
	MSG_T_ACTIVITY = 42, /* the sender's vCPUs are idle, or may run (vmm/cluster/alone.c) */
};

/* Why msg_input() dropped a packet, in the order the checks run. doc/net.md explains each. */
enum msg_drop {
	MSG_DROP_NONE = 0,
	MSG_DROP_TRUNCATED,	/* shorter than its header, MAC and stated payload */
	MSG_DROP_BAD_MAGIC,	/* not a Unum packet */
	MSG_DROP_BAD_VERSION,	/* another protocol version */
	MSG_DROP_BAD_LENGTH,	/* payload over MSG_MAX_PAYLOAD, or bytes after the MAC */
	MSG_DROP_WRONG_CLUSTER, /* another cluster's packet */
	MSG_DROP_WRONG_DST,	/* addressed to another node */
	MSG_DROP_BAD_SRC,	/* source is us or outside 0..nr_nodes-1 */
	MSG_DROP_BAD_MAC,	/* forged or corrupted */
	MSG_DROP_MALFORMED,	/* authentic but inconsistent fields */
	MSG_DROP_STALE,		/* from or to an earlier incarnation of a node */
	MSG_DROP_REPLAY,	/* packet number already seen or too old */
	MSG_DROP_BAD_ACK,	/* acknowledges messages never sent */
	MSG_DROP_NR,
};

struct msg_stats {
	uint64_t drops[MSG_DROP_NR]; /* packets dropped, by reason */
	uint64_t rx_packets;	     /* packets accepted (all types) */
	uint64_t rx_probes;	     /* of which probes answered outside a session */
	uint64_t rx_dup;	     /* data already delivered or held: ack again, drop payload */
	uint64_t rx_beyond_window;   /* data too far ahead of the next expected sequence number */
	uint64_t rx_no_buffer;	     /* out-of-order data not held for want of a buffer */
	uint64_t rx_held;	     /* out-of-order data held for later delivery */
	uint64_t rx_bad_parts;	     /* messages discarded: their parts did not fit together */
	uint64_t rx_not_ready;	     /* in-order data refused: its receiver was not ready */
	uint64_t delivered;	     /* messages passed to ops->deliver */
	uint64_t tx_packets;	     /* all packets sent */
	uint64_t tx_queued;	     /* messages accepted by msg_send() */
	uint64_t tx_data;	     /* first transmissions of data packets (parts of messages) */
	uint64_t tx_retrans;	     /* retransmissions of data packets */
	uint64_t tx_fast;	     /* of which before the timeout: a gap the peer's SACK showed */
	uint64_t tx_acks;	     /* acknowledgement-only packets */
	uint64_t tx_hellos;	     /* heartbeats and probes */
	uint64_t sessions;	     /* sessions started with a new peer incarnation */
	uint64_t tx_flushed;	     /* packets lost because their peer restarted */
};

/*
 * What the layer needs from its environment. send() is best effort and must not call back into
 * the layer. deliver() gets each message once, in order per source; @data is valid only during
 * the call, which may call msg_send() but not msg_input() or msg_poll(). peer_reset() (optional)
 * reports that @node restarted: messages in flight to or from its previous incarnation are lost.
 * ready() (optional) says whether a message of @type can be delivered now: when it says no, the
 * message is not taken (nor acknowledged), it and those after it from that peer wait, and the
 * peer sends it again, until ready() says yes; call msg_rx_retry() when it may say yes to more
 * (a message held out of order may be waiting at the front).
 */
struct msg_ops {
	void *ctx;
	void (*send)(void *ctx, uint16_t dst, const void *pkt, size_t len);
	uint64_t (*now_ns)(void *ctx);
	void (*deliver)(void *ctx, uint16_t src, uint8_t type, const void *data, size_t len);
	void (*peer_reset)(void *ctx, uint16_t node);
	bool (*ready)(void *ctx, uint8_t type);
};

/*
 * A packet buffer: one part of a message (a whole message when it fits one). The caller
 * provides an array of them; the fields are the layer's.
 */
struct msg_slot {
	uint64_t due_ns;  /* next (re)transmission */
	uint64_t sent_ns; /* first transmission (the round-trip estimate's sample) */
	uint64_t rto_ns;  /* current retransmission timeout */
	uint32_t seq;
	uint16_t peer;
	uint16_t len;
	uint16_t next; /* free list or send queue */
	uint8_t state;
	uint8_t type;
	uint8_t sacked; /* the peer holds it out of order: do not retransmit */
	uint8_t tries;	/* transmissions so far, saturating */
	uint8_t flags;	/* MSG_F_MORE: the message goes on in the next part */
	uint8_t buf[MSG_MAX_PACKET];
};

struct msg_config {
	uint32_t cluster_id;
	uint8_t secret[SIPHASH_KEY_SIZE]; /* the cluster secret: SipHash key of every packet */
	uint16_t self;
	uint16_t nr_nodes; /* valid node ids are 0..nr_nodes-1, at most MSG_MAX_NODES */
	/*
	 * This incarnation of the node: nonzero and larger at every restart (for example the
	 * wall-clock time in nanoseconds at boot), so packets of a previous life are recognised.
	 */
	uint64_t epoch;
	/* Timing; 0 picks the default shown. */
	uint64_t rto_min_ns;   /* retransmission timeout before a round trip is measured, 5 ms */
	uint64_t rto_floor_ns; /* the lowest the measured one goes, 1 ms */
	uint64_t rto_max_ns;   /* cap of its doubling, 500 ms */
	uint64_t ack_delay_ns; /* wait for a reply to carry the ack, 200 us */
	uint64_t hello_interval_ns; /* heartbeat period, 100 ms */
	/* The buffer pool shared by all peers, at least msg_min_slots(nr_nodes) and at most
	 * 65534 slots; doc/net.md on sizing it. */
	struct msg_slot *slots;
	uint32_t nr_slots;
};

/* Per-peer session state: 168 bytes, 42 KiB for 256 nodes (see doc/net.md). */
struct msg_peer {
	uint64_t epoch;		/* the peer's incarnation in our session, 0 = none yet */
	uint64_t last_heard_ns; /* when the last authentic in-session packet arrived */
	uint64_t tx_pkt;	/* last packet number sent to it */
	uint64_t rx_pkt_max;	/* highest packet number accepted from it */
	uint64_t rx_pkt_bits;	/* bit i: packet rx_pkt_max - i was accepted */
	uint64_t ack_due_ns;
	uint64_t hello_due_ns;
	uint64_t probe_reply_ns; /* rate limit on answering its probes */
	uint64_t hello_rto_ns;	 /* probe backoff while no session */
	uint32_t tx_next;	 /* sequence number of the next new message */
	uint32_t tx_una;	 /* oldest unacknowledged message */
	uint32_t rx_next;	 /* next sequence number to deliver */
	/* The round trip to it (RFC 6298's SRTT and RTTVAR), from messages acknowledged at
	 * their first transmission; srtt_ns 0 until the first. A timeout doubles the next
	 * messages' first timeout too (rto_shift) until the next such sample. */
	uint32_t srtt_ns, rttvar_ns;
	bool ack_pending;
	uint8_t rto_shift;
	uint16_t queue_head, queue_tail; /* messages waiting for room in the window */
	uint16_t tx_ring[MSG_WINDOW];	 /* slot of part seq at seq % MSG_WINDOW */
	uint16_t rx_ring[MSG_WINDOW];	 /* slot of held out-of-order part, likewise */
	/* The parts of a message received in order so far, waiting for its last part. */
	uint16_t part[MSG_MAX_PARTS - 1];
	uint8_t nr_parts;
	uint8_t part_skip; /* dropping the rest of a message whose parts did not fit together */
};

/* What msg_wire_check() needs to know about us. */
struct msg_wire_id {
	struct siphash_key key;
	uint32_t cluster_id;
	uint16_t self;
	uint16_t nr_nodes;
};

struct msg_layer {
	struct msg_ops ops;
	struct msg_wire_id id;
	uint64_t epoch;
	uint64_t rto_min_ns, rto_floor_ns, rto_max_ns, ack_delay_ns, hello_interval_ns;
	uint64_t wake_ns; /* earliest deadline; msg_poll() does nothing before */
	struct msg_slot *slots;
	uint16_t nr_slots, nr_free, free_head;
	uint16_t rx_held, rx_limit; /* out-of-order slots in use, and their cap */
	/* Slots kept for the first parts of messages received in order: MSG_MAX_PARTS - 1 per
	 * peer, so an in-order part always has a buffer; and how many are in use. */
	uint16_t part_reserve, parts_held;
	struct msg_stats stats;
	uint8_t joined[MSG_MAX_PAYLOAD]; /* a message put together from its parts, for deliver() */
	struct msg_peer peers[MSG_MAX_NODES];
};

/* The buffers kept for the parts of messages received in order with @nr_nodes, and the
 * smallest pool msg_init() takes: that and room for a message of MSG_MAX_PARTS each way
 * (see doc/net.md, Memory). */
uint32_t msg_part_reserve(uint16_t nr_nodes);
uint32_t msg_min_slots(uint16_t nr_nodes);

/* Set up @l from @cfg and @ops (both copied). Returns 0 or -MSG_E_INVAL. */
int msg_init(struct msg_layer *l, const struct msg_config *cfg, const struct msg_ops *ops);

/* The first retransmission timeout of a new message to @p (see doc/net.md, Retransmission). */
uint64_t msg_rto(const struct msg_layer *l, const struct msg_peer *p);

/*
 * Queue a message of @type (MSG_T_USER..255) and @len bytes (<= MSG_MAX_PAYLOAD) for @dst, as
 * msg_parts(@len) packets; it leaves at once if a session exists and @dst's window has room,
 * else when they do. The bytes are copied. Returns 0, -MSG_E_AGAIN when the buffer pool cannot
 * take all its parts (then none is queued), or -MSG_E_INVAL.
 */
int msg_send(struct msg_layer *l, uint16_t dst, uint8_t type, const void *data, size_t len);

/* The same for a message made of @head then @body (either may be NULL when its length is 0). */
int msg_send_parts(struct msg_layer *l, uint16_t dst, uint8_t type, const void *head,
		   size_t head_len, const void *body, size_t body_len);

/* Process one received datagram. Returns MSG_DROP_NONE (0) or the reason it was dropped. */
int msg_input(struct msg_layer *l, const void *pkt, size_t len);

/* Deliver what waits for ops->ready(), now that it may say yes to more. */
void msg_rx_retry(struct msg_layer *l);

/* Send what is due at @now: retransmissions, delayed acks, heartbeats. */
void msg_poll(struct msg_layer *l, uint64_t now);

/* The time msg_poll() next has something to do. */
uint64_t msg_next_deadline(const struct msg_layer *l);

/* When @node was last heard from (0 = never). */
uint64_t msg_peer_last_heard(const struct msg_layer *l, uint16_t node);
/* @node's incarnation in our session with it (0: none yet). */
uint64_t msg_peer_epoch(const struct msg_layer *l, uint16_t node);

/* True when every message sent to @node has been acknowledged (none queued). */
bool msg_peer_all_acked(const struct msg_layer *l, uint16_t node);

/* The packets (and buffers) a message of @len bytes takes: 1 to MSG_MAX_PARTS. */
static inline uint16_t msg_parts(size_t len)
{
	return len <= MSG_PART_MAX ? 1 : (uint16_t)((len + MSG_PART_MAX - 1) / MSG_PART_MAX);
}

/* Free buffers in the pool, and its size: for senders that can wait (prefetch). */
uint16_t msg_free_slots(const struct msg_layer *l);
uint16_t msg_pool_slots(const struct msg_layer *l);
/* How many more buffers msg_send() would take now (a message takes msg_parts() of them): the
 * free buffers less the reserves kept for out-of-order data and for parts of messages; and
 * how many it takes when none is in use (the pool less both reserves). */
uint16_t msg_send_room(const struct msg_layer *l);
uint16_t msg_send_capacity(const struct msg_layer *l);
/* Packets sent and not yet acknowledged, and packets waiting for room in a window, over
 * all peers (for reports). */
void msg_backlog(const struct msg_layer *l, uint32_t *unacked, uint32_t *queued);

/*
 * Store in @out (room for @max) the nodes other than us not heard from within @timeout_ns
 * before @now, including those never heard from. Returns how many there are.
 */
int msg_peers_silent(const struct msg_layer *l, uint64_t now, uint64_t timeout_ns, uint16_t *out,
		     int max);

/* A short name for a drop reason, for logs. */
const char *msg_drop_name(int why);

#endif
