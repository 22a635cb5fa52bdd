/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Where cluster nodes are on the network, from the cluster file (vmm/lib/config.h): a node id's
 * IPv4 address and UDP port, the node a datagram's source address belongs to, the netmask
 * that puts every node on the one link, and the node whose mac= is a given MAC. Pure C: the
 * host tests check it against parsed cluster files.
 */
#ifndef UNUM_NET_ADDR_H
#define UNUM_NET_ADDR_H

#include "vmm/lib/config.h"

/* @node's address (host byte order) and port. Returns 0 or -E_NOENT for no such node. */
int net_node_addr(const struct cluster_config *cfg, u32 node, u32 *ip, u16 *port);

/* The node at @ip:@port, or -E_NOENT if none is. */
int net_node_by_addr(const struct cluster_config *cfg, u32 ip, u16 port);

/* The node whose mac= is @mac, or -E_NOENT. */
int net_node_by_mac(const struct cluster_config *cfg, const u8 mac[6]);

/*
 * The longest netmask (host byte order) under which every node's address is on one subnet,
 * at most /24 so a cluster of a few nodes still gets an ordinary mask: lwIP sends directly
 * (ARP) only to addresses inside its netif's subnet.
 */
u32 net_cluster_netmask(const struct cluster_config *cfg);

#endif
