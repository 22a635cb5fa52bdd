/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The cache side and the actor of the model (mirrors dsm/cache.c and dsm/hold.c): requests,
 * grants and acks, serving or deferring forwards and invalidations, pins, the actor that
 * acquires its pages in ascending order, performs one access and releases, and evictions
 * (PUT, and PUT_ACK at the evicting node). Included by dsm.pml.
 */

/* Is page p held at node n: acquired by its actor, which has not performed yet? Held pages
 * are pinned: what would take them away waits. (MUTANT_* are deliberate bugs:
 * tests/dsm/spin-model checks that spin finds them.) */
#define HELD(n, p) ((hstate[n] == H_WAIT && hfirst[n] <= (p) && (p) < hcur[n]) || \
		    (hstate[n] == H_HELD && hfirst[n] <= (p) && (p) <= hlast[n]))
#ifdef MUTANT_NO_PIN
#define PINNED(n, p) (0)
#else
#define PINNED(n, p) HELD(n, p)
#endif

/* Give up rights down to r; a written page gets the next content version. */
inline surrender(n, p, r) {
	z = (rights[IX(n, p)] == WRITE);
	set_rights(n, p, r);
	if
	:: z && dirty[IX(n, p)] -> label[IX(n, p)]++; dirty[IX(n, p)] = 0
	:: else -> skip
	fi
}

/* Serve message (mt, mp, mw, mf, mr, ma, ml) at node n: a forward or an invalidation.
 * With a PUT out the rights are already gone and the kept frame serves; granted[] then
 * holds the rights to map again if the home refuses, lowered by what is served. */
inline serve(n) {
	if
	:: mt == T_FWD ->
		if :: mw || pend[IX(n, mp)] == PUT -> rgt = NONE :: else -> rgt = READ fi;
		if
		:: pend[IX(n, mp)] == PUT && mw -> granted[IX(n, mp)] = NONE
		:: pend[IX(n, mp)] == PUT && !mw && granted[IX(n, mp)] == WRITE ->
			granted[IX(n, mp)] = READ
		:: else -> skip
		fi;
		surrender(n, mp, rgt);
		lab = label[IX(n, mp)];
		content_of(lab, mf, ml);
		assert(cont != C_SAME || val[IX(mr, mp)] == val[IX(n, mp)]);
		send(n, mr, T_GRANT, mp, mw, cont, mr, ma, lab, val[IX(n, mp)])
	:: mt == T_INV ->
		if :: pend[IX(n, mp)] == PUT -> granted[IX(n, mp)] = NONE :: else -> skip fi;
		surrender(n, mp, NONE);
		send(n, mr, T_ACK, mp, 0, 0, mr, 0, 0, 0)
	fi
}

/* b = the message arriving now was sent after the home served our pending request. (With
 * a PUT out there is no request: everything is about the copy the PUT gives back.) */
inline is_post(n) {
	i = IX(n, mp);
	b = 0;
	if
	:: (pend[i] == READ || pend[i] == WRITE) && granted[i] == G_HOME -> b = 1
	:: (pend[i] == READ || pend[i] == WRITE) && granted[i] != G_HOME ->
		rgt = rights[i];
		for (k : 0 .. dqn[i] - 1) {
			if
			:: dq_post[DX(i, k)] -> b = 1
			:: dq_t[DX(i, k)] == T_INV || dq_w[DX(i, k)] -> rgt = NONE
			:: else -> if :: rgt == WRITE -> rgt = READ :: else -> skip fi
			fi
		};
		if :: rgt == NONE -> b = 1 :: else -> skip fi
	:: else -> skip
	fi;
#ifdef MUTANT_NO_POST
	b = 0;
#endif
	skip
}

inline defer(n, post) {
	i = IX(n, mp);
	assert(dqn[i] < DQ);
	k = DX(i, dqn[i]);
	dq_t[k] = mt; dq_w[k] = mw; dq_req[k] = mr; dq_acks[k] = ma; dq_lab[k] = ml;
	dq_lv[k] = mf; dq_post[k] = post;
	dqn[i]++
}

#define SERVABLE(n, p, t) (pend[IX(n, p)] == PUT || \
			   (rights[IX(n, p)] != NONE && !((t) == T_INV && rights[IX(n, p)] == WRITE)))

inline cache_remote(n) {
	assert(from == mp && mr != n);
	is_post(n);
	if
	:: b -> defer(n, 1)
	:: !b && dqn[IX(n, mp)] > 0 -> defer(n, 0)
	:: !b && dqn[IX(n, mp)] == 0 ->
		assert(SERVABLE(n, mp, mt));
		if
		:: PINNED(n, mp) -> defer(n, 0)
		:: else -> serve(n)
		fi
	fi
}

/* Serve deferred messages of page p from the head while allowed. */
inline drain(n, p) {
	i = IX(n, p);
	served = 0;
	do
	:: dqn[i] == 0 -> break
	:: dqn[i] > 0 && dq_post[DX(i, 0)] && pend[i] != 0 -> break
	:: dqn[i] > 0 && !(dq_post[DX(i, 0)] && pend[i] != 0) && PINNED(n, p) -> break
	:: dqn[i] > 0 && !(dq_post[DX(i, 0)] && pend[i] != 0) && !PINNED(n, p) ->
		mt = dq_t[DX(i, 0)]; mp = p; mw = dq_w[DX(i, 0)]; mr = dq_req[DX(i, 0)];
		ma = dq_acks[DX(i, 0)]; ml = dq_lab[DX(i, 0)]; mf = dq_lv[DX(i, 0)];
		for (k : 1 .. dqn[i] - 1) {
			dq_t[DX(i, k - 1)] = dq_t[DX(i, k)]; dq_w[DX(i, k - 1)] = dq_w[DX(i, k)];
			dq_req[DX(i, k - 1)] = dq_req[DX(i, k)];
			dq_acks[DX(i, k - 1)] = dq_acks[DX(i, k)];
			dq_lab[DX(i, k - 1)] = dq_lab[DX(i, k)];
			dq_lv[DX(i, k - 1)] = dq_lv[DX(i, k)];
			dq_post[DX(i, k - 1)] = dq_post[DX(i, k)]
		};
		dqn[i]--;
		k = DX(i, dqn[i]);
		dq_t[k] = 0; dq_w[k] = 0; dq_req[k] = 0; dq_acks[k] = 0; dq_lab[k] = 0;
		dq_lv[k] = 0; dq_post[k] = 0;
		assert(SERVABLE(n, p, mt));
		serve(n);
		i = IX(n, p);
		served = 1
	od
}

inline request(n, p) {
	i = IX(n, p);
	if
	:: pend[i] == 0 ->
		if :: hwrite[n] -> pend[i] = WRITE :: else -> pend[i] = READ fi;
		granted[i] = 0; acks[i] = 0;
		send(n, p, T_REQ, p, hwrite[n], valid[i], n, 0, label[i], 0)
	:: else -> skip
	fi
}

/* The actor takes its pages from hcur on; `grant` = the page whose grant just completed. */
inline step(n, grant) {
	do
	:: hcur[n] > hlast[n] -> hstate[n] = H_HELD; break
	:: hcur[n] <= hlast[n] ->
		i = IX(n, hcur[n]);
		if :: hwrite[n] -> rgt = WRITE :: else -> rgt = READ fi;
		if
		:: rights[i] >= rgt && (dqn[i] == 0 || hcur[n] == grant) -> hcur[n]++
		:: rights[i] >= rgt && dqn[i] > 0 && hcur[n] != grant -> break
		:: rights[i] < rgt -> request(n, hcur[n]); break
		fi
	od
}

inline kick(n, p, grant) {
	if
	:: hstate[n] == H_WAIT && hcur[n] == p -> step(n, grant)
	:: else -> skip
	fi
}

inline try_complete(n, p) {
	i = IX(n, p);
	if
	:: granted[i] != 0 && acks[i] == 0 ->
		if :: pend[i] == WRITE -> set_rights(n, p, WRITE) :: else -> set_rights(n, p, READ) fi;
		i = IX(n, p);
		pend[i] = 0; granted[i] = 0;
		for (k : 0 .. DQ - 1) {
			dq_post[DX(i, k)] = 0
		};
		kick(n, p, p);
		drain(n, p);
		if :: served && dqn[IX(n, p)] == 0 -> kick(n, p, 255) :: else -> skip fi
	:: else -> skip
	fi
}

inline cache_grant(n) {
	i = IX(n, mp);
	assert(mr == n && (pend[i] == READ || pend[i] == WRITE) && granted[i] == 0 &&
	       mw == (pend[i] == WRITE));
	if
	:: mf == C_DATA -> assert(rights[i] == NONE); val[i] = mv; label[i] = ml; valid[i] = 1
	:: mf == C_SAME -> assert(valid[i])
	:: mf == C_ZERO && valid[i] && label[i] == 0 -> skip
	:: mf == C_ZERO && !(valid[i] && label[i] == 0) ->
		assert(rights[i] == NONE); val[i] = 0; label[i] = 0; valid[i] = 1
	fi;
	if :: from == mp -> granted[i] = G_HOME :: else -> granted[i] = G_OWNER fi;
	acks[i] = acks[i] + ma;
	try_complete(n, mp)
}

inline cache_ack(n) {
	i = IX(n, mp);
	assert(mr == n && (pend[i] == READ || pend[i] == WRITE));
	acks[i]--;
	try_complete(n, mp)
}

/*
 * Eviction (dsm_evict) of page p, homed elsewhere, at node n: a copy with rights, not held,
 * with no request or deferred message. The rights go (a written page gets its next
 * version), the frame stays to serve what the home sent before it sees the PUT, and the
 * PUT carries the page to the home. At most EVICTS per node and EVMAX in all, to bound the
 * state space.
 */
#define EVICTABLE(n, p) (evleft[n] > 0 && evdone < EVMAX && (p) < P && (p) != (n) && rights[IX(n, p)] != NONE && \
			 pend[IX(n, p)] == 0 && dqn[IX(n, p)] == 0 && !HELD(n, p))

inline evict(n, p) {
	TR(("node %d evicts page %d\n", n, p));
	i = IX(n, p);
	granted[i] = rights[i];
	surrender(n, p, NONE);
	i = IX(n, p);
	pend[i] = PUT;
	evleft[n]--;
	evdone++;
	send(n, p, T_PUT, p, 0, 0, n, 0, label[i], val[i]);
#ifdef MUTANT_PUT_FREE
	/* the frame is given up with the PUT: a forward that crossed it finds garbage */
	valid[i] = 0; label[i] = 0; val[i] = 0;
#endif
	skip
}

/* PUT_ACK: nothing more comes about the copy, which is forgotten (the frame will hold
 * another page). Refused (flags 1): we are still the owner and map the page again with
 * the rights the forwards served meanwhile left us. Either way an access that waited goes
 * on, with a fresh request if it needs one. */
inline cache_put_ack(n) {
	i = IX(n, mp);
	assert(from == mp && mr == n && pend[i] == PUT && rights[i] == NONE && dqn[i] == 0);
	pend[i] = 0;
	if
	:: mf == 0 -> valid[i] = 0; label[i] = 0; val[i] = 0; dirty[i] = 0
	:: mf != 0 -> assert(granted[i] != NONE); set_rights(n, mp, granted[i])
	fi;
	i = IX(n, mp);
	granted[i] = 0;
	kick(n, mp, 255)
}

inline handle(n) {
	TR(("node %d takes type %d page %d from %d\n", n, mt, mp, from));
	if
	:: mt == T_REQ -> dir_handle(n)
	:: mt == T_FWD || mt == T_INV -> cache_remote(n)
	:: mt == T_GRANT -> cache_grant(n)
	:: mt == T_ACK -> cache_ack(n)
	:: mt == T_PUT -> dir_put(n)
	:: mt == T_PUT_ACK -> cache_put_ack(n)
	fi;
	mt = 0; mp = 0; mw = 0; mf = 0; mr = 0; ma = 0; ml = 0; mv = 0; from = 0
}

/* Pick an access: read or write, one page or (two pages) both in ascending order. */
inline op_start(n) {
	if :: hwrite[n] = 0 :: hwrite[n] = 1 fi;
	if
	:: hfirst[n] = 0; hlast[n] = 0
	:: P > 1 -> hfirst[n] = 1; hlast[n] = 1
	:: P > 1 -> hfirst[n] = 0; hlast[n] = 1
	fi;
	hcur[n] = hfirst[n];
	hstate[n] = H_WAIT;
	TR(("node %d starts write %d of pages %d-%d\n", n, hwrite[n], hfirst[n], hlast[n]));
	step(n, 255)
}

/* The access itself, then release: the pins end and what waited is served. */
inline op_perform(n) {
	TR(("node %d performs write %d of pages %d-%d\n", n, hwrite[n], hfirst[n], hlast[n]));
	for (x : hfirst[n] .. hlast[n]) {
		i = IX(n, x);
		assert(val[i] == latest[x]);
		if
		:: hwrite[n] -> assert(rights[i] == WRITE); latest[x]++; val[i] = latest[x];
			dirty[i] = 1
		:: hwrite[n] -> assert(rights[i] == WRITE) /* a write fault that did not write */
		:: !hwrite[n] -> assert(rights[i] != NONE)
		fi
	};
	hstate[n] = H_IDLE;
	opsleft[n]--;
	for (y : hfirst[n] .. hlast[n]) {
		drain(n, y)
	};
	hfirst[n] = 0; hlast[n] = 0; hcur[n] = 0; hwrite[n] = 0
}
