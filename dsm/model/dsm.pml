/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Promela model of the DSM core protocol (dsm/dir.c, dsm/cache.c, dsm/hold.c), checked with
 * spin by tests/dsm/spin-model. Three nodes, one or two pages (page p is homed at node p),
 * one actor per node doing OPS reads or writes (with two pages, also a two-page access
 * taken in ascending order), and each node giving back up to EVICTS copies of pages homed
 * elsewhere (dsm_evict), at any point where the C code allows it. Channels are FIFO per
 * (from, to) pair, a node's messages to itself included; spin explores every interleaving
 * across pairs, except that a node takes another node's message only once those it sent
 * itself are handled, as the C code drains them before a call returns.
 *
 * It keeps what the C code decides on: the eager directory (ZERO / EXCL / SHARED, owner,
 * copyset with at most CAP sharers besides the owner and eviction beyond), forwards,
 * invalidations with acks counted at the requester, grants with data / same version /
 * zero page, content versions bumped on a dirty surrender, deferral of requests that
 * arrive before our own grant ("post" messages) or while the page is pinned, the home
 * answering reads itself, and PUT / PUT_ACK: the evicting node's frame serving what the
 * home sent before it saw the PUT, the home taking the owner's page or refusing it while
 * its own cache has something in flight, stale PUTs. It leaves out the hold-time expiry
 * (pins end when the actor performs its access, which spin lets happen at any point), the
 * spill pool, and forgetting a copy without rights (no message, nothing to check).
 *
 * Checked: at every rights change, at most one writer and never a writer with readers, and
 * new rights come with the latest value; every access sees the latest write (sequential
 * consistency); a "SAME" grant is only sent for identical contents; no GRANT or ACK while a
 * PUT is out; and when nothing can move any more (timeout), every actor has finished,
 * nothing is pending (no deadlock), and the directory agrees with every node's rights, each
 * copy holding the latest value.
 */

#ifndef P
#define P 1 /* pages */
#endif
#ifndef OPS
#define OPS 2 /* accesses per node */
#endif
#ifndef EVICTS
#define EVICTS 1 /* evictions (PUTs) per node */
#endif
#ifndef EVMAX
#define EVMAX (N * EVICTS) /* evictions in all */
#endif
#define N 3
#ifndef QSZ
#define QSZ 6 /* channel depth; asserted never to fill (with two pages and PUTs, 5 seen) */
#endif
#define DQ 4 /* deferred messages per node and page */
#define CAP 1 /* inline sharers besides the owner: 1 so that 3 nodes exercise eviction */

#define NONE 0
#define READ 1
#define WRITE 2

#define M_ZERO 0
#define M_EXCL 1
#define M_SHARED 2

#define T_REQ 1
#define T_FWD 2
#define T_INV 3
#define T_GRANT 4
#define T_ACK 5
#define T_PUT 6
#define T_PUT_ACK 7

#define C_DATA 0
#define C_SAME 1
#define C_ZERO 2

#define G_HOME 1
#define G_OWNER 2

#define PUT 3 /* pend[]: a PUT is out (PEND_PUT), the frame kept until PUT_ACK */

#define H_IDLE 0
#define H_WAIT 1
#define H_HELD 2

#define IX(n, p) ((n) * P + (p))
#define DX(i, k) ((i) * DQ + (k))
#define BIT(n) (1 << (n))

/* type, page, write, flags (REQ/FWD: requester's copy valid; GRANT: content), requester,
 * acks, label (content version), value (the page's content, one number; GRANT and PUT) */
chan ch[N * N] = [QSZ] of { byte, byte, bit, byte, byte, byte, byte, byte };

/* cache state, per node and page; pend is 0, READ, WRITE or PUT */
byte rights[N * P], pend[N * P], granted[N * P], label[N * P], val[N * P];
short acks[N * P];
bit valid[N * P], dirty[N * P];
/* directory, per page (at its home) */
byte mode[P], owner[P], cs[P];
/* deferred messages, per node and page */
byte dqn[N * P];
byte dq_t[N * P * DQ], dq_w[N * P * DQ], dq_req[N * P * DQ], dq_acks[N * P * DQ];
byte dq_lab[N * P * DQ], dq_lv[N * P * DQ];
bit dq_post[N * P * DQ];
/* the actor of each node */
byte hstate[N], hfirst[N], hlast[N], hcur[N], opsleft[N], evleft[N], evdone;
bit hwrite[N];
/* checker state: the latest value written to each page, writers and readers mapped */
byte latest[P], writers[P], readers[P];

/* scratch, dead between atomic steps */
hidden byte mt, mp, mw, mf, mr, ma, ml, mv, from;
hidden byte i, k, x, y, z, lab, cont, rgt;
hidden byte b, served;

/* -DTRACE (for spin and pan alike) prints a trail's events when spin -t replays it. */
#ifdef TRACE
#define TR(s) printf s
#else
#define TR(s) skip
#endif

inline send(src, dst, t, p, w, f, r, a, l, v) {
	assert(len(ch[(src) * N + (dst)]) < QSZ);
	TR(("%d -> %d: type %d page %d w %d flags %d req %d acks %d label %d value %d\n",
	    src, dst, t, p, w, f, r, a, l, v));
	ch[(src) * N + (dst)]!t, p, w, f, r, a, l, v
}

inline set_rights(n, p, r) {
	writers[p] = writers[p] - (rights[IX(n, p)] == WRITE) + (r == WRITE);
	readers[p] = readers[p] - (rights[IX(n, p)] == READ) + (r == READ);
	if
	:: r > rights[IX(n, p)] -> assert(valid[IX(n, p)] && val[IX(n, p)] == latest[p])
	:: else -> skip
	fi;
	rights[IX(n, p)] = r;
	assert(writers[p] <= 1 && (writers[p] == 0 || readers[p] == 0))
}

/* content of a grant of version `l` to a requester whose copy is (lv, rl) */
inline content_of(l, lv, rl) {
	if
	:: lv && rl == l -> cont = C_SAME
	:: else -> if :: l == 0 -> cont = C_ZERO :: else -> cont = C_DATA fi
	fi
}

#include "dsm_dir.pml"
#include "dsm_cache.pml"

/* A node takes another node's message only once its messages to itself are handled: in the
 * C code a call drains them before it returns (dsm/proto.c), so the home's own request has
 * reached its directory before any PUT is looked at. */
#define QUIET(me) (len(ch[(me) * N + (me)]) == 0)

proctype node(byte me) {
end:	do
	:: atomic { hstate[me] == H_IDLE && opsleft[me] > 0 -> op_start(me) }
	:: atomic { hstate[me] == H_HELD -> op_perform(me) }
	:: atomic { EVICTABLE(me, 0) -> evict(me, 0) }
#if P > 1
	:: atomic { EVICTABLE(me, 1) -> evict(me, 1) }
#endif
	:: atomic { nempty(ch[0 * N + me]) && (me == 0 || QUIET(me)) ->
		    ch[0 * N + me]?mt, mp, mw, mf, mr, ma, ml, mv; from = 0; handle(me) }
	:: atomic { nempty(ch[1 * N + me]) && (me == 1 || QUIET(me)) ->
		    ch[1 * N + me]?mt, mp, mw, mf, mr, ma, ml, mv; from = 1; handle(me) }
	:: atomic { nempty(ch[2 * N + me]) && (me == 2 || QUIET(me)) ->
		    ch[2 * N + me]?mt, mp, mw, mf, mr, ma, ml, mv; from = 2; handle(me) }
	od
}

/* When nothing can move, everything must be finished: no deadlock, nothing left over, and
 * the directory agrees with the copies (evictions included): the owner holds the page
 * writable (EXCL) or read-only (SHARED), the copyset members read-only, nobody else. */
active proctype watchdog() {
	timeout ->
	for (i : 0 .. N - 1) {
		assert(opsleft[i] == 0 && hstate[i] == H_IDLE);
		for (k : 0 .. P - 1) {
			assert(pend[IX(i, k)] == 0 && dqn[IX(i, k)] == 0);
			if
			:: mode[k] == M_EXCL && owner[k] == i -> rgt = WRITE
			:: mode[k] == M_SHARED && owner[k] == i -> rgt = READ
			:: else -> if :: (cs[k] & BIT(i)) -> rgt = READ :: else -> rgt = NONE fi
			fi;
			assert(!(mode[k] != M_ZERO && owner[k] == i && (cs[k] & BIT(i))));
			assert(rights[IX(i, k)] == rgt && (rgt == NONE || val[IX(i, k)] == latest[k]))
		}
	}
}

init {
	atomic {
		for (i : 0 .. N - 1) {
			opsleft[i] = OPS;
			evleft[i] = EVICTS
		}
		run node(0);
		run node(1);
		run node(2)
	}
}
