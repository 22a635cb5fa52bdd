/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Private state of the DSM protocol, shared by the files of dsm/ and nobody else. It fixes the two
 * per-page records whose size is the protocol's memory cost (a 6-byte cache entry for every
 * guest page, an 8-byte directory entry for every page this node is home for), the small
 * pools that hold transient state (active pages, deferred and self-addressed messages), and
 * the helpers the files use to reach them.
 */
#ifndef UNUM_DSM_INTERNAL_H
#define UNUM_DSM_INTERNAL_H

#include "dsm/dsm.h"

#include <string.h>

/*
 * Cache entry, one per guest page on every node: 48 bits packed in three halfwords so an
 * array of them costs 6 bytes a page. Bits 0-1 rights (enum dsm_rights), bit 2 "the frame
 * holds content version `ver`", bit 3 "an active record exists", bits 4-47 the content
 * version. 44 bits of versions last 5 years of back-to-back 10 us transfers of one page.
 */
struct dsm_centry {
	uint16_t w[3];
};
_Static_assert(sizeof(struct dsm_centry) == 6, "cache entry is 6 bytes");
#define CE_RIGHTS    0x3u
#define CE_VALID     0x4u
#define CE_ACTIVE    0x8u
#define CE_VER_SHIFT 4
#define DSM_VER_MASK ((1ull << 44) - 1)

/*
 * Directory entry, one per page homed here. `version` is the write epoch (exclusive grants
 * so far). The copyset excludes the owner: up to two sharer ids live inline in `share`;
 * more spill to a bitmap slot whose 20-bit index is share | slot_hi << 16.
 */
struct dsm_dentry {
	uint32_t version;
	uint16_t share;
	uint8_t owner;
	uint8_t flags; /* bits 0-1 mode, 2-3 inline count (3 = spilled), 4-7 slot_hi */
};
_Static_assert(sizeof(struct dsm_dentry) == 8, "directory entry is 8 bytes");
#define DE_MODE		0x3u
#define DE_NSHARE_SHIFT 2
#define DE_SPILLED	3u
#define DE_SLOT_SHIFT	4
#define DSM_SLOT_MAX	(1u << 20)

/* Message flags (struct dsm_rec.flags and the wire). */
#define MF_WRITE   0x01u /* REQ/FWD/GRANT: write (else read) */
#define MF_VALID   0x02u /* REQ/FWD: requester's frame holds version `label` */
#define MF_CONTENT 0x0cu /* GRANT: what comes with it */
#define MF_DATA	   0x00u /* the page follows the header */
#define MF_SAME	   0x04u /* requester's copy is current */
#define MF_ZERO	   0x08u /* never written: fill with zeros */
#define MF_ALL	   0x0fu
#define MF_REFUSED 0x02u /* PUT_ACK: the home cannot take the page now: keep it */
#define MF_POST	   0x80u /* deferred cell only: sent after the home served our request */

#define DSM_NIL UINT32_MAX

/* A decoded message; also the cell of the deferred and self queues. */
struct dsm_rec {
	uint64_t page;
	uint64_t label; /* content version (REQ/FWD: requester's; GRANT: the page's) */
	uint32_t next;
	uint16_t from;
	uint16_t requester;
	uint16_t acks; /* FWD/GRANT: invalidation acks the requester must collect */
	uint16_t run;  /* on the wire only: the same header for pages page + 1 .. page + run */
	uint8_t type;
	uint8_t flags;
};

/* Pending request states (struct dsm_act.pend). */
#define PEND_NONE  0u
#define PEND_READ  1u
#define PEND_WRITE 2u
#define PEND_PUT   3u /* an eviction: PUT sent, the frame kept until PUT_ACK */

/* A page with a request in flight or messages deferred here. */
struct dsm_act {
	uint64_t page;
	uint64_t t_req;		   /* when the request left, for latency */
	uint32_t dq_head, dq_tail; /* deferred messages, FIFO */
	uint32_t next_free;
	int16_t acks; /* acks still due; negative until the grant says how many */
	uint8_t pend;
	/* 0, GRANT_HOME or GRANT_OWNER: who sent the grant. With PEND_PUT: the rights to map
	 * again if the home refuses (lowered to DSM_READ by a read forward served meanwhile). */
	uint8_t granted;
};
#define GRANT_HOME  1u
#define GRANT_OWNER 2u

/* Hold states. */
#define HOLD_IDLE 0u
#define HOLD_WAIT 1u /* acquiring: pages [first, cur) held, waiting for cur */
#define HOLD_HELD 2u

struct dsm_node {
	const struct dsm_ops *ops;
	void *ctx;
	unsigned self, nnodes;
	uint64_t npages;
	uint64_t *home_start; /* nnodes + 1 entries */
	uint64_t home_first, home_count;
	struct dsm_centry *cache;
	struct dsm_dentry *dir;
	uint8_t *spill;
	uint32_t spill_slots, spill_size, spill_free;
	struct dsm_act *act;
	uint32_t nact, act_free, act_used;
	uint32_t *hash; /* page -> act index + 1, linear probing */
	uint32_t hash_mask;
	struct dsm_rec *rec;
	uint32_t nrec, rec_free, rec_used;
	uint32_t selfq_head, selfq_tail;
	struct dsm_hold holds; /* list head of active holds */
	unsigned nholds, max_holds, max_hold_pages;
	unsigned puts_out; /* evictions in flight: at most max_holds (their own records) */
	uint64_t pin_ns, next_deadline;
	size_t mem_size;
	bool busy;
	/* The last message for the wire, held back in case the next one continues its run
	 * (proto.c); sent when a call ends, unless a batch is open (dsm_batch). */
	struct dsm_rec out;
	unsigned out_dst, batch; /* batch: dsm_batch(on) calls not yet ended */
	bool out_held;
	struct dsm_stats st;
};

/* node.c: entries, pools, active records */
unsigned node_home_of(const struct dsm_node *d, uint64_t page);
struct dsm_dentry *node_dir(struct dsm_node *d, uint64_t page);
struct dsm_act *act_find(struct dsm_node *d, uint64_t page);
struct dsm_act *act_get(struct dsm_node *d, uint64_t page);
void act_maybe_free(struct dsm_node *d, uint64_t page);
uint32_t rec_alloc(struct dsm_node *d);
void rec_free(struct dsm_node *d, uint32_t i);

/* proto.c: entry guard, sending and the node's own queue */
bool proto_enter(struct dsm_node *d);
void proto_leave(struct dsm_node *d);
void proto_send(struct dsm_node *d, unsigned dst, const struct dsm_rec *r, const void *payload);
void proto_bad(struct dsm_node *d);

/* wire.c */
void wire_encode(uint8_t *buf, const struct dsm_rec *r);
bool wire_carries_page(const struct dsm_rec *r);
bool wire_may_run(const struct dsm_rec *r); /* a type, and content, that may form a run */
int wire_decode(const struct dsm_node *d, unsigned from, const void *msg, size_t len,
		struct dsm_rec *r, const void **payload);

/* dir.c: the home side */
int dir_handle_req(struct dsm_node *d, const struct dsm_rec *r);
int dir_handle_put(struct dsm_node *d, const struct dsm_rec *r, const void *payload);
bool dir_has(const struct dsm_node *d, const struct dsm_dentry *e, unsigned node);
unsigned dir_count(const struct dsm_node *d, const struct dsm_dentry *e);

/* cache.c: the requester and owner side */
int cache_handle(struct dsm_node *d, const struct dsm_rec *r, const void *payload);
void cache_drain(struct dsm_node *d, uint64_t page);
int cache_request(struct dsm_node *d, uint64_t page, unsigned want);
int cache_install(struct dsm_node *d, const struct dsm_rec *r, const void *payload);
void cache_set_rights(struct dsm_node *d, uint64_t page, enum dsm_rights rights);

/* hold.c */
void hold_kick(struct dsm_node *d, uint64_t page, bool granted);
uint64_t hold_pin_deadline(const struct dsm_node *d, uint64_t page);
bool hold_covers(const struct dsm_node *d, uint64_t page);
unsigned hold_mark_lost(struct dsm_node *d, uint64_t page, enum dsm_rights left);

/* stats.c */
void stats_hot_page(struct dsm_node *d, uint64_t page);
void stats_grant(struct dsm_node *d, unsigned content);

static inline uint64_t ce_load(const struct dsm_centry *e)
{
	return e->w[0] | (uint64_t)e->w[1] << 16 | (uint64_t)e->w[2] << 32;
}

static inline void ce_store(struct dsm_centry *e, uint64_t v)
{
	e->w[0] = (uint16_t)v;
	e->w[1] = (uint16_t)(v >> 16);
	e->w[2] = (uint16_t)(v >> 32);
}

static inline enum dsm_rights ce_rights(const struct dsm_node *d, uint64_t page)
{
	return (enum dsm_rights)(ce_load(&d->cache[page]) & CE_RIGHTS);
}

static inline uint64_t ce_version(const struct dsm_node *d, uint64_t page)
{
	return ce_load(&d->cache[page]) >> CE_VER_SHIFT;
}

static inline bool ce_valid(const struct dsm_node *d, uint64_t page)
{
	return (ce_load(&d->cache[page]) & CE_VALID) != 0;
}

static inline bool ce_active(const struct dsm_node *d, uint64_t page)
{
	return (ce_load(&d->cache[page]) & CE_ACTIVE) != 0;
}

/* Replace the bits in `mask` of the low flag nibble by `bits`. */
static inline void ce_set_flags(struct dsm_node *d, uint64_t page, unsigned mask, unsigned bits)
{
	uint64_t v = ce_load(&d->cache[page]);

	ce_store(&d->cache[page], (v & ~(uint64_t)mask) | (bits & mask));
}

static inline void ce_set_version(struct dsm_node *d, uint64_t page, uint64_t ver)
{
	uint64_t v = ce_load(&d->cache[page]);

	v = (v & ((1u << CE_VER_SHIFT) - 1)) | (ver & DSM_VER_MASK) << CE_VER_SHIFT;
	ce_store(&d->cache[page], v | CE_VALID);
}

/* What a grant of content version `ver` must carry to the requester of r. */
static inline unsigned grant_content(uint64_t ver, const struct dsm_rec *r)
{
	if ((r->flags & MF_VALID) && r->label == ver)
		return MF_SAME;
	return ver == 0 ? MF_ZERO : MF_DATA;
}

static inline uint64_t dsm_now(const struct dsm_node *d)
{
	return d->ops->now(d->ctx);
}

#endif
