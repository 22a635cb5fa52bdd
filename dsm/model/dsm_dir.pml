/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The home side of the model (mirrors dsm/dir.c): one request or PUT is decided on arrival
 * and the directory updated at once. Included by dsm.pml.
 */

/* Invalidate every copyset member of page mp but the requester; x = how many. */
inline dir_inv_all(me) {
	x = 0;
	for (k : 0 .. N - 1) {
		if
		:: k != mr && (cs[mp] & BIT(k)) -> send(me, k, T_INV, mp, 0, 0, mr, 0, 0, 0); x++
		:: else -> skip
		fi
	}
}

/* Add reader mr; evict the lowest other sharer when CAP are there. x = acks due (0/1). */
inline dir_add_reader(me) {
	y = 0;
	for (k : 0 .. N - 1) {
		y = y + ((cs[mp] & BIT(k)) != 0)
	}
	x = 0;
	if
	:: y >= CAP ->
		k = 0;
		do
		:: (cs[mp] & BIT(k)) -> break
		:: else -> k++
		od;
		cs[mp] = cs[mp] & ~BIT(k);
		send(me, k, T_INV, mp, 0, 0, mr, 0, 0, 0);
		x = 1
	:: else -> skip
	fi;
	cs[mp] = cs[mp] | BIT(mr)
}

/* mf on a REQ: the requester's copy is valid, at version ml. */
inline dir_zero(me) {
	content_of(0, mf, ml);
	if
	:: !mw ->
		assert((cs[mp] & BIT(mr)) == 0);
		dir_add_reader(me);
		send(me, mr, T_GRANT, mp, 0, cont, mr, x, 0, 0)
	:: mw ->
		dir_inv_all(me);
		cs[mp] = 0; mode[mp] = M_EXCL; owner[mp] = mr;
		send(me, mr, T_GRANT, mp, 1, cont, mr, x, 0, 0)
	fi
}

inline dir_excl(me) {
	assert(owner[mp] != mr);
	y = owner[mp];
	if
	:: mw -> owner[mp] = mr
	:: !mw -> cs[mp] = BIT(mr); mode[mp] = M_SHARED
	fi;
	send(me, y, T_FWD, mp, mw, mf, mr, 0, ml, 0)
}

/* The home serves a read itself: member, read-only copy, no request of its own out. */
inline dir_shared_read(me) {
	b = (owner[mp] == mr || (cs[mp] & BIT(mr)));
	assert(!b);
	b = ((owner[mp] == me || (cs[mp] & BIT(me))) && rights[IX(me, mp)] == READ &&
	     pend[IX(me, mp)] == 0);
	dir_add_reader(me);
	if
	:: b ->
		content_of(label[IX(me, mp)], mf, ml);
		send(me, mr, T_GRANT, mp, 0, cont, mr, x, label[IX(me, mp)], val[IX(me, mp)])
	:: else -> send(me, owner[mp], T_FWD, mp, 0, mf, mr, x, ml, 0)
	fi
}

inline dir_shared_write(me) {
	b = (owner[mp] == mr || (cs[mp] & BIT(mr)));
	dir_inv_all(me);
	if
	:: b ->
		if
		:: owner[mp] != mr -> send(me, owner[mp], T_INV, mp, 0, 0, mr, 0, 0, 0); x++
		:: else -> skip
		fi;
		send(me, mr, T_GRANT, mp, 1, C_SAME, mr, x, 0, 0)
	:: else -> send(me, owner[mp], T_FWD, mp, 1, mf, mr, x, ml, 0)
	fi;
	cs[mp] = 0; mode[mp] = M_EXCL; owner[mp] = mr
}

inline dir_handle(me) {
	assert(mp == me && mr == from);
	if
	:: mode[mp] == M_ZERO -> dir_zero(me)
	:: mode[mp] == M_EXCL -> dir_excl(me)
	:: mode[mp] == M_SHARED && !mw -> dir_shared_read(me)
	:: mode[mp] == M_SHARED && mw -> dir_shared_write(me)
	fi
}

/*
 * A PUT from node `from` (dsm_evict): its copy comes back with the page, version ml, value
 * mv. From the owner, when the home's own cache has nothing in flight for the page (no
 * request, nothing deferred), the home becomes the owner, SHARED (an EXCL page keeps no
 * sharers), and leaves the copyset: a read-only copy of its own is current, else it installs
 * the page read-only. From the owner while the home's cache has something in flight, the
 * PUT is refused (PUT_ACK flags 1: keep it) and nothing changes: an older grant and an
 * invalidation behind it may be on their way to the home's frame. From a sharer, it leaves
 * the copyset; from neither (a stale PUT: a forward or invalidation that removed it is on
 * its way), nothing changes. (MUTANT_PUT_ACCEPT: never refuse, the home does nothing more
 * when it has a read out or a read-only copy. MUTANT_PUT_NODATA: the home maps its own
 * frame, not the PUT's page.)
 */
inline dir_put(me) {
	assert(mp == me && mr == from && from != me);
	i = IX(me, mp);
	b = 0;
	if
	:: mode[mp] != M_ZERO && owner[mp] == from ->
#ifndef MUTANT_PUT_ACCEPT
		b = (pend[i] != 0 || dqn[i] != 0);
#endif
		if
		:: b -> skip
		:: else ->
			if :: mode[mp] == M_EXCL -> cs[mp] = 0 :: else -> skip fi;
			assert(pend[i] != WRITE && rights[i] != WRITE);
			if
			:: pend[i] == READ || rights[i] == READ ->
#ifndef MUTANT_PUT_ACCEPT
				assert(cs[mp] & BIT(me));
#endif
				skip
			:: else ->
				assert((cs[mp] & BIT(me)) == 0);
#ifndef MUTANT_PUT_NODATA
				val[i] = mv; label[i] = ml; valid[i] = 1;
#endif
				set_rights(me, mp, READ)
			fi;
			mode[mp] = M_SHARED; owner[mp] = me; cs[mp] = cs[mp] & ~BIT(me)
		fi
	:: else -> cs[mp] = cs[mp] & ~BIT(from)
	fi;
	send(me, from, T_PUT_ACK, mp, 0, b, from, 0, 0, 0)
}
