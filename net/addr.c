// SPDX-License-Identifier: GPL-2.0-only
/*
 * Node addresses from the cluster file (see net/addr.h). The cluster file is checked when it
 * is parsed (unique ids 0..nnodes-1); these functions still check bounds, since a node id in
 * a packet or a call comes from elsewhere.
 */
#include "net/addr.h"

int net_node_addr(const struct cluster_config *cfg, u32 node, u32 *ip, u16 *port)
{
	const struct cfg_node *n = config_node(cfg, node);

	if (!n)
		return -E_NOENT;
	*ip = n->ip;
	*port = n->port;
	return 0;
}

int net_node_by_addr(const struct cluster_config *cfg, u32 ip, u16 port)
{
	for (u32 i = 0; i < cfg->nnodes && i < CFG_MAX_NODES; i++)
		if (cfg->nodes[i].ip == ip && cfg->nodes[i].port == port)
			return (int)cfg->nodes[i].id;
	return -E_NOENT;
}

int net_node_by_mac(const struct cluster_config *cfg, const u8 mac[6])
{
	for (u32 i = 0; i < cfg->nnodes && i < CFG_MAX_NODES; i++) {
		int same = 1;
		for (int b = 0; b < 6; b++)
			same &= cfg->nodes[i].mac[b] == mac[b];
		if (same)
			return (int)cfg->nodes[i].id;
	}
	return -E_NOENT;
}

u32 net_cluster_netmask(const struct cluster_config *cfg)
{
	u32 diff = 0, mask = 0xffffff00u;

	for (u32 i = 1; i < cfg->nnodes && i < CFG_MAX_NODES; i++)
		diff |= cfg->nodes[i].ip ^ cfg->nodes[0].ip;
	while (diff & mask)
		mask <<= 1;
	return mask;
}
