// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host tests of net/addr.c on parsed cluster files: a node's address and port, the node of
 * a source address (port must match too), the node of a MAC, and the cluster netmask.
 */
#include "net/addr.h"
#include "tests/unit/check.h"

static struct cluster_config cfg;

static int parse(const char *text)
{
	return config_parse(&cfg, "t.conf", text, strlen(text));
}

static const char *three = "cluster id=1 secret=00112233445566778899aabbccddeeff\n"
			   "node id=0 mac=52:54:00:00:00:10 ip=10.77.0.10\n"
			   "node id=1 mac=52:54:00:00:00:11 ip=10.77.0.11 port=7800\n"
			   "node id=2 mac=52:54:00:00:00:12 ip=10.77.1.200\n";

TEST(node_addresses)
{
	u32 ip = 0;
	u16 port = 0;

	CHECK_EQ(parse(three), 0);
	CHECK_EQ(net_node_addr(&cfg, 1, &ip, &port), 0);
	CHECK_EQ_U64(ip, 0x0a4d000b);
	CHECK_EQ(port, 7800);
	CHECK_EQ(net_node_addr(&cfg, 0, &ip, &port), 0);
	CHECK_EQ(port, CFG_DEFAULT_PORT);
	CHECK_EQ(net_node_addr(&cfg, 3, &ip, &port), -E_NOENT);
	CHECK_EQ(net_node_addr(&cfg, 0xffffffffu, &ip, &port), -E_NOENT);
}

TEST(node_by_source_address)
{
	CHECK_EQ(parse(three), 0);
	CHECK_EQ(net_node_by_addr(&cfg, 0x0a4d000b, 7800), 1);
	CHECK_EQ(net_node_by_addr(&cfg, 0x0a4d000b, 7700), -E_NOENT);
	CHECK_EQ(net_node_by_addr(&cfg, 0x0a4d01c8, 7700), 2);
	CHECK_EQ(net_node_by_addr(&cfg, 0x0a4d000c, 7700), -E_NOENT);
}

TEST(node_by_mac)
{
	const u8 m2[6] = { 0x52, 0x54, 0, 0, 0, 0x12 }, other[6] = { 0x52, 0x54, 0, 0, 1, 0x12 };

	CHECK_EQ(parse(three), 0);
	CHECK_EQ(net_node_by_mac(&cfg, m2), 2);
	CHECK_EQ(net_node_by_mac(&cfg, other), -E_NOENT);
}

TEST(cluster_netmask)
{
	CHECK_EQ(parse(three), 0);
	CHECK_EQ_U64(net_cluster_netmask(&cfg), 0xfffffe00); /* 10.77.0.x and 10.77.1.x */
	CHECK_EQ(parse("cluster id=1 secret=00112233445566778899aabbccddeeff\n"
		       "node id=0 mac=52:54:00:00:00:10 ip=10.77.0.1\n"
		       "node id=1 mac=52:54:00:00:00:11 ip=10.77.0.2\n"),
		 0);
	CHECK_EQ_U64(net_cluster_netmask(&cfg), 0xffffff00); /* never longer than /24 */
	CHECK_EQ(parse("cluster id=1 secret=00112233445566778899aabbccddeeff\n"
		       "node id=0 mac=52:54:00:00:00:10 ip=10.0.0.1\n"
		       "node id=1 mac=52:54:00:00:00:11 ip=11.0.0.1\n"),
		 0);
	CHECK_EQ_U64(net_cluster_netmask(&cfg), 0xfe000000);
}
