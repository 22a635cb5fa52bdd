/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The DSM coherence protocol (design section 5), as a pure state machine. One struct dsm_node
 * per cluster node keeps that node's cache state for every guest page and the directory
 * entries of the pages it is home for. Everything the protocol needs from the outside world
 * comes through struct dsm_ops, given at init: a reliable FIFO-per-peer message send, a clock,
 * the local 4 KiB frame of a page, the callback that sets a page's mapping rights (the NPT/EPT
 * update plus TLB flush in the monitor), and a resume notification for actors whose access
 * had to wait. The same code runs in the monitor and in the host simulator (tests/dsm/).
 *
 * It is single-threaded: the caller serialises every call on one node (one lock, or one
 * context). Calls never block; an access that needs the network returns DSM_PENDING and the
 * node calls ops->resume() when it may proceed. Memory comes from one buffer handed to
 * dsm_init(): there is no allocation after init. See doc/dsm.md for the protocol.
 */
#ifndef UNUM_DSM_DSM_H
#define UNUM_DSM_DSM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DSM_PAGE_SHIFT 12
#define DSM_PAGE_SIZE  4096u
/* Node ids fit the directory's one-byte owner field; messages carry 16 bits for growth. */
#define DSM_MAX_NODES 256u
/* Wire header of every message; a grant that carries the page adds DSM_PAGE_SIZE bytes. */
#define DSM_MSG_HDR   24u
#define DSM_MSG_MAX   (DSM_MSG_HDR + DSM_PAGE_SIZE)
#define DSM_HOT_PAGES 32u
/* Spill slots (copysets of more than two sharers) a node's default pool never goes below,
 * unless it homes fewer pages (dsm_spill_default). */
#define DSM_SPILL_FLOOR 4096u
/* dsm_config.spill_slots for no pool at all: every reader beyond two sharers evicts one
 * (the tests' way to reach that path; 0 asks for the default). */
#define DSM_SPILL_NONE 0xffffffffu
/* Most pages one message's header may cover (a run: proto.c, doc/dsm.md "Runs"). */
#define DSM_RUN_MAX 64u

/* Return values: 0 done, DSM_PENDING wait for ops->resume(), or a negative error. */
#define DSM_PENDING  1
#define DSM_EBUSY    (-16)
#define DSM_EINVAL   (-22)
#define DSM_ENOSPC   (-28)
#define DSM_EPROTO   (-71)
#define DSM_EMSGSIZE (-90)

enum dsm_rights { DSM_NONE = 0, DSM_READ = 1, DSM_WRITE = 2 };

/* Wire message types; also the index into dsm_stats.msgs[]. */
enum dsm_msg_type {
	DSM_MSG_REQ = 1, /* requester -> home: read or write fault */
	DSM_MSG_FWD,	 /* home -> owner: serve this requester */
	DSM_MSG_INV,	 /* home -> sharer: drop your copy, ack the requester */
	DSM_MSG_GRANT,	 /* home or owner -> requester: rights, maybe the page */
	DSM_MSG_ACK,	 /* sharer -> requester: invalidation done */
	DSM_MSG_PUT,	 /* evicting node -> home: I drop my copy (maybe the page) */
	DSM_MSG_PUT_ACK, /* home -> evicting node: nothing more comes about that copy */
	DSM_MSG_NTYPES
};

struct dsm_hold;

struct dsm_ops {
	/*
	 * Send hdr (+ payload, may be NULL/0) to node dst. Reliable and in order per peer;
	 * the callee copies the bytes before returning. Never called with dst == self.
	 * A negative return is counted; the transport is expected to pause the guest when a
	 * peer is lost (design section 6), so the protocol does not retry.
	 */
	int (*send)(void *ctx, unsigned dst, const void *hdr, size_t hdr_len, const void *payload,
		    size_t payload_len);
	uint64_t (*now)(void *ctx);		  /* nanoseconds, monotonic */
	void *(*frame)(void *ctx, uint64_t page); /* local 4 KiB frame of a guest page */
	/* Map the page with these rights; on return no CPU of the node uses older rights. */
	void (*set_rights)(void *ctx, uint64_t page, enum dsm_rights rights);
	/* Was the page written since the last call? May be NULL: then always "yes". */
	bool (*test_clear_dirty)(void *ctx, uint64_t page);
	/* A hold that returned DSM_PENDING now has all its pages. Must not call into dsm. */
	void (*resume)(void *ctx, struct dsm_hold *h);
	/* An eviction that returned DSM_PENDING is over: the page's frame is free (freed), or
	 * the home refused it and the copy stays. May be NULL. Must not call into dsm. */
	void (*evicted)(void *ctx, uint64_t page, bool freed);
};

struct dsm_config {
	unsigned self;	 /* this node's id */
	unsigned nnodes; /* 1 .. DSM_MAX_NODES */
	uint64_t npages; /* guest-physical pages, the same on every node */
	/* nnodes entries, ascending, home_start[0] == 0: node i is home for pages
	 * [home_start[i], home_start[i + 1]). NULL: equal contiguous ranges. */
	const uint64_t *home_start;
	unsigned max_holds;	 /* concurrent holds per node (actors); same on every node */
	unsigned max_hold_pages; /* pages one dsm_acquire() may span */
	uint32_t spill_slots;	 /* copysets of more than two sharers; 0: dsm_spill_default();
				  * DSM_SPILL_NONE: none */
	uint64_t pin_ns;	 /* bounded hold: pages held longer may be taken away */
};

/* An actor's claim on a page range. Caller-owned, zeroed before first use; private to dsm. */
struct dsm_hold {
	struct dsm_hold *next, *prev;
	uint64_t first, last, cur; /* pages; cur = the page being acquired */
	uint64_t since;		   /* when the hold became complete */
	uint64_t pin_ns;	   /* its own pin window if longer than the node's */
	void *cookie;		   /* the caller's */
	uint8_t state, write, lost, sync;
};

struct dsm_hot {
	uint64_t page;
	uint64_t faults;
	uint64_t over; /* of faults, inherited from the page it replaced: at most this many too many */
};

/* Counters a node keeps. Read with dsm_stats(); a simulator sums them over nodes. */
struct dsm_stats {
	uint64_t faults[2];	       /* requests sent: [0] read, [1] write */
	uint64_t hits;		       /* pages acquired with rights already held: no message */
	uint64_t msgs[DSM_MSG_NTYPES]; /* sent on the wire, by type */
	uint64_t bytes;		       /* sent on the wire, headers and pages */
	uint64_t run_msgs;	       /* of msgs, headers that covered a run of pages */
	uint64_t run_pages;	       /* ... further pages they covered: messages saved */
	uint64_t local_msgs;	       /* delivered to this node itself, not on the wire */
	uint64_t grants_direct;	       /* faults the home answered itself */
	uint64_t grants_fwd;	       /* faults answered by a forwarded owner */
	uint64_t data_sent;	       /* grants that carried the 4 KiB page */
	uint64_t same_skips;	       /* transfers skipped: the requester had these contents */
	uint64_t zero_grants;	       /* never-written pages granted without data */
	uint64_t pin_waits;	       /* requests deferred because the page was pinned */
	uint64_t pin_expired;	       /* ... served when the hold time ran out, taking rights */
	uint64_t pend_defers;	       /* requests deferred until our own grant arrived */
	uint64_t fair_waits;	       /* local acquires queued behind deferred remote requests */
	uint64_t evictions;	       /* sharers dropped because the spill pool was full */
	uint64_t puts;		       /* copies given back to their home (dsm_evict) */
	uint64_t puts_data;	       /* ... with the 4 KiB page */
	uint64_t forgets;	       /* copies without rights forgotten, no message */
	uint64_t puts_owner;	       /* home: PUTs from the owner, the home owner now */
	uint64_t puts_stale;	       /* home: PUTs from a node no longer in any role */
	uint64_t puts_refused;	       /* home: owners' PUTs refused (its own request in flight) */
	uint64_t spills;	       /* copysets moved to a spill bitmap */
	uint64_t bad_msgs;	       /* malformed or inconsistent messages rejected */
	uint64_t send_errors;
	uint64_t fault_ns_sum, fault_ns_max; /* request to completion */
	uint64_t home_faults;		     /* requests this node served as home */
	struct dsm_hot hot[DSM_HOT_PAGES];   /* most-faulted home pages (space-saving) */
};

struct dsm_node;

/* Bytes dsm_init() needs for this configuration, 0 if it is invalid. */
size_t dsm_mem_size(const struct dsm_config *cfg);
/* Spill slots that keep the node within 16 bytes of metadata per guest page, but at least
 * DSM_SPILL_FLOOR or one per page homed here, whichever is fewer. */
uint32_t dsm_spill_default(const struct dsm_config *cfg);
/* Build a node in mem (8-byte aligned, dsm_mem_size() bytes). */
int dsm_init(struct dsm_node **out, const struct dsm_config *cfg, const struct dsm_ops *ops,
	     void *ctx, void *mem, size_t mem_len);

/*
 * Acquire [gpa, gpa + len) for reading or writing, page by page in ascending order. Returns
 * 0 when every page is held now, DSM_PENDING when ops->resume(h) will follow, or an error.
 * The pages stay pinned until dsm_release() or until pin_ns after completion if another
 * node waits for them; dsm_release() then returns 1 and the access must be redone.
 */
int dsm_acquire(struct dsm_node *d, struct dsm_hold *h, uint64_t gpa, uint64_t len, bool write);
/*
 * The same for an access whose last hold was lost: its pages stay pinned for pin_ns after
 * completion if that is longer than the node's window. An actor that asks again with a
 * longer window each time gets its pages at last, however late it sees the grant (with a
 * window of 0, a peer's request that comes with the grant would take the page each time).
 */
int dsm_acquire_pinned(struct dsm_node *d, struct dsm_hold *h, uint64_t gpa, uint64_t len,
		       bool write, uint64_t pin_ns);
/*
 * Give up this node's copy of a page homed elsewhere, so that its frame can back another
 * page (a bounded cache; doc/dsm.md, "Eviction"). Returns 0 when the frame is free now (a
 * copy without rights is simply forgotten); DSM_PENDING when a PUT went to the home: the
 * frame still serves what the home sent before it saw the PUT, and ops->evicted(page,
 * freed) tells the outcome; DSM_EBUSY while the page is held here (a lost hold too), has a
 * request, an eviction or deferred messages in flight, or max_holds evictions are in flight
 * already; DSM_ENOSPC without a free active record;
 * DSM_EINVAL for a page homed here or with no copy here.
 */
int dsm_evict(struct dsm_node *d, uint64_t page);
int dsm_release(struct dsm_node *d, struct dsm_hold *h);
static inline bool dsm_hold_lost(const struct dsm_hold *h)
{
	return h->lost != 0;
}

/*
 * Send the messages of several calls as few as possible: between dsm_batch(d, true) and
 * dsm_batch(d, false), the last message for the wire waits in case the next call's first one
 * continues its run (requests for consecutive pages, say, from a read-ahead's holds). Ending
 * the batch sends it. Nothing is reordered: any other message sends the held one first.
 * Batches nest (the outermost end sends); from a callback, the running call sends at its end.
 */
void dsm_batch(struct dsm_node *d, bool on);

/* Type, requester and first page of a wire message, and the pages its header covers (1, or
 * more for a run), for tracing and accounting; 0 or DSM_EMSGSIZE. */
int dsm_msg_peek(const void *msg, size_t len, unsigned *type, unsigned *requester, uint64_t *page,
		 unsigned *pages);
/* A message from node `from` (the transport's authenticated sender). 0 or negative. */
int dsm_receive(struct dsm_node *d, unsigned from, const void *msg, size_t len);
/* Serve requests whose pin window ran out; returns the next time to call (ns). */
uint64_t dsm_poll(struct dsm_node *d);
uint64_t dsm_next_deadline(const struct dsm_node *d);

const struct dsm_stats *dsm_stats(const struct dsm_node *d);
/* Metadata bytes this node keeps for the whole guest space (all of its dsm memory). */
size_t dsm_meta_bytes(const struct dsm_node *d);

/* Introspection for checkers and debug reports. */
struct dsm_page_info {
	enum dsm_rights rights;
	bool valid; /* the frame holds content version `version` */
	uint64_t version;
	unsigned pending;	/* 0, or the rights requested (DSM_READ, DSM_WRITE) */
	uint64_t pending_since; /* when that request left: with the page, names the fault */
	unsigned deferred;	/* remote requests waiting here */
	bool evicting;		/* a PUT is out: the frame is still in use */
};
struct dsm_dir_info {
	unsigned mode; /* DSM_DIR_ZERO / _EXCL / _SHARED */
	unsigned owner;
	unsigned nsharers; /* besides the owner */
	uint32_t version;  /* write epoch: exclusive grants so far */
	bool spilled;
};
#define DSM_DIR_ZERO   0u
#define DSM_DIR_EXCL   1u
#define DSM_DIR_SHARED 2u
int dsm_page_info(const struct dsm_node *d, uint64_t page, struct dsm_page_info *out);
int dsm_dir_info(const struct dsm_node *d, uint64_t page, struct dsm_dir_info *out);
bool dsm_dir_has_sharer(const struct dsm_node *d, uint64_t page, unsigned node);
unsigned dsm_home_of(const struct dsm_node *d, uint64_t page);
/* No pending request, deferred message, hold or message held back: the node is quiescent. */
bool dsm_idle(const struct dsm_node *d);

#endif
