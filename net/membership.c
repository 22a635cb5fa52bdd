// SPDX-License-Identifier: GPL-2.0-only
/*
 * Cluster membership from the message layer's last-heard times (see net/membership.h). A peer
 * goes down only after MEMBER_DOWN_NS of silence, so one lost heartbeat (or fifteen) changes
 * nothing; the report names how long the peer was silent. Bounded: a peer that stops is
 * reported down at the first poll after MEMBER_DOWN_NS, so within MEMBER_DOWN_NS plus the
 * caller's polling interval.
 */
#include <string.h>

#include "net/membership.h"

void membership_init(struct membership *m, uint16_t self, uint16_t nr_nodes, uint64_t down_ns,
		     const struct membership_ops *ops)
{
	memset(m, 0, sizeof(*m));
	m->ops = *ops;
	m->self = self;
	m->nr_nodes = nr_nodes > MSG_MAX_NODES ? MSG_MAX_NODES : nr_nodes;
	m->down_ns = down_ns ? down_ns : MEMBER_DOWN_NS;
}

static void membership_check(struct membership *m, uint16_t node, uint64_t now)
{
	uint64_t heard = m->ops.last_heard(m->ops.ctx, node);
	bool recent = heard && heard <= now && now - heard < m->down_ns;

	if (!m->up[node] && recent) {
		m->up[node] = 1;
		m->nr_up++;
		m->ops.event(m->ops.ctx, node, MEMBER_UP, 0);
	} else if (m->up[node] && !recent) {
		m->up[node] = 0;
		m->nr_up--;
		m->ops.event(m->ops.ctx, node, MEMBER_DOWN, heard <= now ? now - heard : 0);
	}
}

void membership_poll(struct membership *m, uint64_t now)
{
	for (uint16_t n = 0; n < m->nr_nodes; n++)
		if (n != m->self)
			membership_check(m, n, now);
}

void membership_peer_reset(struct membership *m, uint16_t node)
{
	if (node < m->nr_nodes && node != m->self)
		m->ops.event(m->ops.ctx, node, MEMBER_RESTARTED, 0);
}

bool membership_is_up(const struct membership *m, uint16_t node)
{
	return node < m->nr_nodes && m->up[node];
}

bool membership_all_up(const struct membership *m)
{
	return m->nr_nodes > 0 && m->nr_up == m->nr_nodes - 1;
}
