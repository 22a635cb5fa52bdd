// SPDX-License-Identifier: GPL-2.0-only
/*
 * The cluster configuration parser: a valid file parses into the expected
 * structure, and malformed input of every kind is rejected with an error
 * naming the exact line and column and what was expected. The nodes' memory= shares the
 * guest's RAM out (homes in proportion), and a guest they cannot hold is refused with the
 * figures.
 */
#include "tests/unit/check.h"
#include "vmm/lib/config.h"

static struct cluster_config cfg;

#define GOOD_HEAD                                                \
	"cluster id=7 secret=00112233445566778899aabbccddeeff\n" \
	"node id=0 mac=52:54:00:00:00:01 ip=10.0.0.1\n"

static int parse(const char *text)
{
	return config_parse(&cfg, "t.conf", text, strlen(text));
}

/* Parses text, expects exactly one error, and compares its formatted text. */
static void expect_error(int line, const char *text, const char *want)
{
	char got[300];

	if (parse(text) == 0) {
		check_fail(__FILE__, line, "parsed without error: %s", text);
		return;
	}
	config_format_error(&cfg, 0, got, sizeof(got));
	if (strcmp(got, want) != 0)
		check_fail(__FILE__, line, "\n    got:  %s\n    want: %s", got, want);
	if (cfg.nerrors != 1)
		check_fail(__FILE__, line, "%u errors, expected 1", cfg.nerrors);
}
#define EXPECT_ERROR(text, want) expect_error(__LINE__, text, want)
#define GOOD_HEAD_NODE(keys)                                     \
	"cluster id=7 secret=00112233445566778899aabbccddeeff\n" \
	"node id=0 mac=52:54:00:00:00:01 ip=10.0.0.1 " keys "\n"

TEST(full_file)
{
	const char *text =
		"# comment line\n"
		"\n"
		"cluster id=0x10 name=lab secret=00112233445566778899AABBCCDDEEFF # key\n"
		"node id=1 mac=52:54:00:00:00:02 ip=10.0.0.2 port=8000 cpus=4\r\n"
		"  node\tid=0 mac=52:54:00:00:00:01 ip=10.0.0.1\n"
		"guest memory=1G kernel=bzImage initrd=initrd.img "
		"cmdline=\"console=ttyS0 unum.exec=\\\"nproc\\\" a\\\\b\"\n";

	CHECK_EQ(parse(text), 0);
	CHECK_EQ(cfg.nerrors, 0);
	CHECK_EQ(cfg.cluster_id, 16);
	CHECK_STR(cfg.name, "lab");
	CHECK_EQ(cfg.secret[0], 0x00);
	CHECK_EQ(cfg.secret[15], 0xff);
	CHECK_EQ(cfg.nnodes, 2);
	CHECK_EQ(cfg.nodes[0].id, 0);
	CHECK_EQ(cfg.nodes[0].port, CFG_DEFAULT_PORT);
	CHECK_EQ(cfg.nodes[0].cpus, 1);
	CHECK_EQ(cfg.nodes[0].line, 5);
	CHECK_EQ(cfg.nodes[1].ip, 0x0a000002);
	CHECK_EQ(cfg.nodes[1].port, 8000);
	CHECK_EQ(cfg.nodes[1].cpus, 4);
	CHECK_EQ(cfg.nodes[1].mac[5], 2);
	CHECK_EQ(config_total_cpus(&cfg), 5);
	CHECK(cfg.guest.present);
	CHECK_EQ_U64(cfg.guest.memory, 1ULL << 30);
	CHECK_STR(cfg.guest.kernel, "bzImage");
	CHECK_STR(cfg.guest.initrd, "initrd.img");
	CHECK_STR(cfg.guest.cmdline, "console=ttyS0 unum.exec=\"nproc\" a\\b");
}

TEST(example_file_in_tree_is_valid)
{
	FILE *f = fopen("examples/cluster.conf", "r");
	static char buf[8192];
	size_t n;

	CHECK(f != NULL);
	if (!f)
		return;
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	CHECK_EQ(config_parse(&cfg, "cluster.conf", buf, n), 0);
	CHECK_EQ(cfg.nnodes, 2);
}

TEST(lexical_errors)
{
	EXPECT_ERROR(GOOD_HEAD "node id=1 mac=52:54:00:00:00:02 ip=10.0.0.2 cpus\n",
		     "t.conf:3:45: error: expected key=value (a lower-case key, '=', a value)");
	EXPECT_ERROR(GOOD_HEAD "guest memory=64M kernel=k cmdline=\"abc\n",
		     "t.conf:3:35: error: unterminated quoted string (expected a closing \")");
	EXPECT_ERROR(GOOD_HEAD "guest memory=64M kernel=k cmdline=\"a\\nb\"\n",
		     "t.conf:3:37: error: unknown escape in quoted string (expected \\\" or \\\\)");
	EXPECT_ERROR(GOOD_HEAD "guest memory=64M kernel=k cmdline=\"ab\"x\n",
		     "t.conf:3:39: error: expected a space after the closing quote, found 'x'");
	EXPECT_ERROR(GOOD_HEAD "guest memory=64M kernel=a\"b\n",
		     "t.conf:3:26: error: unexpected '\"' inside a value (quote the whole value)");
	EXPECT_ERROR(GOOD_HEAD "node id=1 mac= ip=10.0.0.2\n",
		     "t.conf:3:15: error: expected a value after 'mac='");
	EXPECT_ERROR(GOOD_HEAD "node id=1\x01\n",
		     "t.conf:3:10: error: unexpected control character 0x01 (expected text)");
}

TEST(statement_and_key_errors)
{
	EXPECT_ERROR(
		GOOD_HEAD "nodes id=1\n",
		"t.conf:3:1: error: unknown statement 'nodes' (expected cluster, node, guest, disk or nic)");
	EXPECT_ERROR(GOOD_HEAD "node id=1 mac=52:54:00:00:00:02 ip=10.0.0.2 ram=4\n",
		     "t.conf:3:45: error: unknown key 'ram' (expected: node id=N "
		     "mac=XX:XX:XX:XX:XX:XX ip=A.B.C.D [port=P] [cpus=C] [memory=SIZE] [cache=SIZE])");
	EXPECT_ERROR(GOOD_HEAD "node id=1 id=2 mac=52:54:00:00:00:02 ip=10.0.0.2\n",
		     "t.conf:3:11: error: id= given twice");
	EXPECT_ERROR(GOOD_HEAD "node id=1 mac=52:54:00:00:00:02\n",
		     "t.conf:3:32: error: node line is missing ip= (expected: node id=N "
		     "mac=XX:XX:XX:XX:XX:XX ip=A.B.C.D [port=P] [cpus=C] [memory=SIZE] [cache=SIZE])");
}

TEST(value_errors)
{
	EXPECT_ERROR(GOOD_HEAD "node id=1 mac=52:54:00:00:00 ip=10.0.0.2\n",
		     "t.conf:3:15: error: mac: expected a MAC address of six hex pairs like "
		     "52:54:00:12:34:56, found \"52:54:00:00:00\"");
	EXPECT_ERROR(GOOD_HEAD "node id=1 mac=53:54:00:00:00:02 ip=10.0.0.2\n",
		     "t.conf:3:15: error: mac: expected a unicast MAC address (the first octet's "
		     "low bit clear), found \"53:54:00:00:00:02\"");
	EXPECT_ERROR(GOOD_HEAD "node id=1 mac=52:54:00:00:00:02 ip=10.0.0.256\n",
		     "t.conf:3:36: error: ip: expected an IPv4 address like 10.0.0.1, found "
		     "\"10.0.0.256\"");
	EXPECT_ERROR(GOOD_HEAD "node id=1 mac=52:54:00:00:00:02 ip=224.0.0.1\n",
		     "t.conf:3:36: error: ip: expected a unicast IPv4 address (not 0.0.0.0, "
		     "broadcast or multicast), found \"224.0.0.1\"");
	EXPECT_ERROR(GOOD_HEAD "node id=1 mac=52:54:00:00:00:02 ip=10.0.0.2 port=70000\n",
		     "t.conf:3:50: error: port: expected a whole number from 1 to 65535, found "
		     "\"70000\"");
	EXPECT_ERROR(GOOD_HEAD "node id=1 mac=52:54:00:00:00:02 ip=10.0.0.2 cpus=0\n",
		     "t.conf:3:50: error: cpus: expected a whole number from 1 to 64, found \"0\"");
	EXPECT_ERROR(GOOD_HEAD "node id=1 mac=52:54:00:00:00:02 ip=10.0.0.2 cpus=64\n"
			       "node id=2 mac=52:54:00:00:00:03 ip=10.0.0.3 cpus=64\n"
			       "node id=3 mac=52:54:00:00:00:04 ip=10.0.0.4 cpus=64\n"
			       "node id=4 mac=52:54:00:00:00:05 ip=10.0.0.5 cpus=64\n"
			       "guest memory=64M kernel=k\n",
		     "t.conf:6:1: error: node id=4: the guest would have 257 vCPUs (cpus= of every "
		     "node); it can have at most 256");
	EXPECT_ERROR(GOOD_HEAD "node id=256 mac=52:54:00:00:00:02 ip=10.0.0.2\n",
		     "t.conf:3:9: error: id: expected a whole number from 0 to 255, found \"256\"");
	EXPECT_ERROR(GOOD_HEAD "node id=99999999999999999999 mac=52:54:00:00:00:02 ip=10.0.0.2\n",
		     "t.conf:3:9: error: id: expected a whole number from 0 to 255, found "
		     "\"99999999999999999999\"");
	EXPECT_ERROR(GOOD_HEAD "guest memory=15M kernel=k\n",
		     "t.conf:3:14: error: memory: expected at least 16M, found \"15M\"");
	EXPECT_ERROR(GOOD_HEAD "guest memory=17M kernel=k\n",
		     "t.conf:3:14: error: memory: expected a multiple of 2M, found \"17M\"");
	EXPECT_ERROR(GOOD_HEAD "guest memory=2T kernel=k\n",
		     "t.conf:3:14: error: memory: expected at most 512G, found \"2T\"");
	EXPECT_ERROR(GOOD_HEAD "guest memory=1X kernel=k\n",
		     "t.conf:3:14: error: memory: expected a size like 512M or 2G (suffix K, M, "
		     "G or T; no suffix: bytes), found \"1X\"");
	EXPECT_ERROR(GOOD_HEAD "guest memory=64M kernel=a/b\n",
		     "t.conf:3:25: error: kernel: expected a module name (letters, digits, '.', "
		     "'_', '-'), found \"a/b\"");
	EXPECT_ERROR("cluster id=7 secret=0011\n"
		     "node id=0 mac=52:54:00:00:00:01 ip=10.0.0.1\n",
		     "t.conf:1:21: error: secret: expected 32 hex digits (the 128-bit cluster "
		     "key), found \"0011\"");
}

TEST(file_level_errors)
{
	EXPECT_ERROR("node id=0 mac=52:54:00:00:00:01 ip=10.0.0.1\n",
		     "t.conf:2:1: error: end of file: no cluster line (expected: cluster id=N "
		     "secret=<32 hex digits> [name=NAME])");
	EXPECT_ERROR("cluster id=7 secret=00112233445566778899aabbccddeeff\n",
		     "t.conf:2:1: error: end of file: no node lines (expected at least: node id=N "
		     "mac=XX:XX:XX:XX:XX:XX ip=A.B.C.D [port=P] [cpus=C] [memory=SIZE] [cache=SIZE])");
	/* without a newline at the end, the file ends on its last line (found by fuzzing) */
	EXPECT_ERROR("cluster id=7 secret=00112233445566778899aabbccddeeff",
		     "t.conf:1:53: error: end of file: no node lines (expected at least: node id=N "
		     "mac=XX:XX:XX:XX:XX:XX ip=A.B.C.D [port=P] [cpus=C] [memory=SIZE] [cache=SIZE])");
	EXPECT_ERROR(GOOD_HEAD "cluster id=8 secret=00112233445566778899aabbccddeeff\n",
		     "t.conf:3:1: error: second cluster line (the first is on line 1)");
	EXPECT_ERROR(GOOD_HEAD "node id=0 mac=52:54:00:00:00:02 ip=10.0.0.2\n",
		     "t.conf:3:1: error: node id=0 is already defined on line 2");
	EXPECT_ERROR(
		GOOD_HEAD "node id=1 mac=52:54:00:00:00:01 ip=10.0.0.2\n",
		"t.conf:3:1: error: mac=52:54:00:00:00:01 is already used by node 0 on line 2");
	EXPECT_ERROR(
		GOOD_HEAD "node id=1 mac=52:54:00:00:00:02 ip=10.0.0.1\n",
		"t.conf:3:1: error: ip=10.0.0.1 port=7700 is already used by node 0 on line 2");
	EXPECT_ERROR(
		GOOD_HEAD "node id=2 mac=52:54:00:00:00:02 ip=10.0.0.2\n",
		"t.conf:3:1: error: node id=2, but there are 2 nodes: ids must run from 0 to 1");
	EXPECT_ERROR(GOOD_HEAD "guest memory=64M kernel=k\nguest memory=64M kernel=k\n",
		     "t.conf:4:1: error: second guest line (the first is on line 3)");
}

TEST(disk_line)
{
	CHECK_EQ(parse(GOOD_HEAD "guest memory=64M kernel=k\ndisk module=disk.img\n"), 0);
	CHECK(cfg.disk.present);
	CHECK_STR(cfg.disk.module, "disk.img");
	CHECK_EQ(cfg.disk.line, 4);
	CHECK_EQ(parse(GOOD_HEAD "guest memory=64M kernel=k\ndisk nbd=10.77.0.254:10809 "
				 "export=unum\n"),
		 0);
	CHECK_STR(cfg.disk.module, "");
	CHECK_EQ(cfg.disk.nbd_ip, 0x0a4d00fe);
	CHECK_EQ(cfg.disk.nbd_port, 10809);
	CHECK_STR(cfg.disk.export_name, "unum");
	EXPECT_ERROR(GOOD_HEAD "disk module=d\n",
		     "t.conf:3:1: error: a disk line needs a guest line (the disk is the guest's)");
	EXPECT_ERROR(GOOD_HEAD "guest memory=64M kernel=k\ndisk\n",
		     "t.conf:4:5: error: disk line needs one of module= and nbd= (expected: disk "
		     "module=MODULE | nbd=A.B.C.D:PORT [export=NAME])");
	EXPECT_ERROR(GOOD_HEAD "guest memory=64M kernel=k\ndisk module=a nbd=1.2.3.4:5\n",
		     "t.conf:4:28: error: disk line needs one of module= and nbd= (expected: disk "
		     "module=MODULE | nbd=A.B.C.D:PORT [export=NAME])");
	EXPECT_ERROR(GOOD_HEAD "guest memory=64M kernel=k\ndisk module=a/b\n",
		     "t.conf:4:13: error: module: expected a module name (letters, digits, '.', "
		     "'_', '-'), found \"a/b\"");
	EXPECT_ERROR(GOOD_HEAD "guest memory=64M kernel=k\ndisk nbd=1.2.3.4\n",
		     "t.conf:4:10: error: nbd: expected A.B.C.D:PORT, the NBD server's address and "
		     "port, found \"1.2.3.4\"");
	EXPECT_ERROR(GOOD_HEAD "guest memory=64M kernel=k\ndisk nbd=1.2.3.4:0\n",
		     "t.conf:4:10: error: nbd: expected a port from 1 to 65535 after the ':', found "
		     "\"1.2.3.4:0\"");
	EXPECT_ERROR(GOOD_HEAD "guest memory=64M kernel=k\ndisk module=a export=b\n",
		     "t.conf:4:1: error: export= goes with nbd=, not module=");
	EXPECT_ERROR(GOOD_HEAD "guest memory=64M kernel=k\ndisk module=a\ndisk module=b\n",
		     "t.conf:5:1: error: second disk line (the first is on line 4)");
}

TEST(nic_line)
{
	CHECK_EQ(parse(GOOD_HEAD "guest memory=64M kernel=k\nnic mac=52:54:00:00:01:00\n"), 0);
	CHECK(cfg.nic.present);
	CHECK_EQ(cfg.nic.mac[4], 1);
	CHECK_EQ(cfg.nic.line, 4);
	EXPECT_ERROR(GOOD_HEAD "nic mac=52:54:00:00:01:00\n",
		     "t.conf:3:1: error: a nic line needs a guest line (the NIC is the guest's)");
	EXPECT_ERROR(GOOD_HEAD "guest memory=64M kernel=k\nnic\n",
		     "t.conf:4:4: error: nic line is missing mac= (expected: nic "
		     "mac=XX:XX:XX:XX:XX:XX)");
	EXPECT_ERROR(GOOD_HEAD "guest memory=64M kernel=k\nnic mac=53:54:00:00:01:00\n",
		     "t.conf:4:9: error: mac: expected a unicast MAC address (the first octet's "
		     "low bit clear), found \"53:54:00:00:01:00\"");
	EXPECT_ERROR(GOOD_HEAD "guest memory=64M kernel=k\nnic mac=52:54:00:00:00:01\n",
		     "t.conf:4:1: error: nic mac=52:54:00:00:00:01 is node 0's (line 2): the "
		     "guest's NIC needs a MAC address of its own");
	EXPECT_ERROR(GOOD_HEAD "guest memory=64M kernel=k\nnic mac=52:54:00:00:01:00\n"
			       "nic mac=52:54:00:00:01:01\n",
		     "t.conf:5:1: error: second nic line (the first is on line 4)");
}

#define THREE_NODES(m0, m1, m2)                                           \
	"cluster id=7 secret=00112233445566778899aabbccddeeff\n"                \
	"node id=0 mac=52:54:00:00:00:01 ip=10.0.0.1 " m0 "\n"                   \
	"node id=1 mac=52:54:00:00:00:02 ip=10.0.0.2 " m1 "\n"                   \
	"node id=2 mac=52:54:00:00:00:03 ip=10.0.0.3 " m2 "\n"

TEST(node_memory_and_cache)
{
	static const u64 w[3] = { 1024, 512, 512 };
	u64 units = (2048ULL << 20) / CFG_HOME_ALIGN;

	/* 768 MiB on three nodes of 384: 256 each, and a cache each. */
	CHECK_EQ(parse(THREE_NODES("memory=384M", "memory=384M cache=64M", "memory=384M")
		       "guest memory=768M kernel=k\n"), 0);
	CHECK_EQ_U64(cfg.nodes[1].memory, 384ULL << 20);
	CHECK_EQ_U64(cfg.nodes[1].cache, 64ULL << 20);
	CHECK_EQ_U64(cfg.nodes[0].cache, 0);
	/* Homes in proportion to memory: 1 GiB, 512 MiB, 512 MiB of a 2 GiB guest. */
	CHECK_EQ_U64(config_home_unit(units, w, 3, 0), 0);
	CHECK_EQ_U64(config_home_unit(units, w, 3, 1), units / 2);
	CHECK_EQ_U64(config_home_unit(units, w, 3, 2), units * 3 / 4);
	CHECK_EQ_U64(config_home_unit(units, w, 3, 3), units);
	/* More than the cluster has. */
	EXPECT_ERROR(THREE_NODES("memory=384M", "memory=384M", "memory=384M")
		     "guest memory=1200M kernel=k\n",
		     "t.conf:5:1: error: memory=1200M is more than the cluster has: 1152 MiB in "
		     "all (memory= of its 3 nodes)");
	/* Within the sum, but a node cannot hold its share with the monitor and a cache. */
	EXPECT_ERROR(THREE_NODES("memory=256M", "memory=512M", "memory=512M")
		     "guest memory=1100M kernel=k\n",
		     "t.conf:2:1: error: node id=0: memory=256M cannot hold its 220 MiB share of "
		     "the guest's 1100 MiB, at least 5 MiB of cache and 33 MiB for the monitor "
		     "and its tables: 258 MiB in all");
	/* A cache smaller than what the vCPUs may pin (4 MiB and 256 KiB a vCPU: 4.75). */
	EXPECT_ERROR(THREE_NODES("", "cache=4M", "") "guest memory=768M kernel=k\n",
		     "t.conf:3:1: error: node id=1: cache=4M is less than the 5 MiB the guest's 3 "
		     "vCPUs and the protocol may pin at once (4 MiB and 256 KiB a vCPU)");
	/* Every node needs a home range: 2 MiB pieces. */
	EXPECT_ERROR(THREE_NODES("memory=32M", "memory=1T", "memory=1T")
		     "guest memory=16M kernel=k\n",
		     "t.conf:5:1: error: memory=16M leaves node id=0 no home range: the guest's "
		     "RAM is shared out in 2 MiB pieces in proportion to the nodes' memory=");
	/* One node: all of the guest, no cache. */
	EXPECT_ERROR(GOOD_HEAD_NODE("memory=256M") "guest memory=240M kernel=k\n",
		     "t.conf:2:1: error: node id=0: memory=256M cannot hold the guest's 240 MiB and "
		     "26 MiB for the monitor and its tables: 266 MiB in all");
	EXPECT_ERROR(THREE_NODES("memory=384M", "memory=384M cache=200M", "memory=384M")
		     "guest memory=768M kernel=k\n",
		     "t.conf:3:1: error: node id=1: memory=384M cannot hold its 256 MiB share of "
		     "the guest's 768 MiB, its 200 MiB of cache and 30 MiB for the monitor and "
		     "its tables: 486 MiB in all");
	/* All or none. */
	EXPECT_ERROR(THREE_NODES("memory=384M", "", "memory=384M")
		     "guest memory=768M kernel=k\n",
		     "t.conf:3:1: error: node id=1 has no memory=, but other nodes have: give it "
		     "for every node or for none (the guest's RAM is shared out by it)");
	EXPECT_ERROR(GOOD_HEAD_NODE("cache=1M"),
		     "t.conf:2:51: error: cache: expected from 4M to 512G, found \"1M\"");
	EXPECT_ERROR(GOOD_HEAD_NODE("memory=16M"),
		     "t.conf:2:52: error: memory: expected from 32M to 1T, the node's memory, "
		     "found \"16M\"");
	/* Without memory= nothing is checked here: each node checks its own at start. */
	CHECK_EQ(parse(THREE_NODES("", "", "") "guest memory=4G kernel=k\n"), 0);
}

TEST(same_port_different_ip_is_fine)
{
	CHECK_EQ(parse(GOOD_HEAD "node id=1 mac=52:54:00:00:00:02 ip=10.0.0.2 port=7700\n"), 0);
	CHECK_EQ(parse(GOOD_HEAD "node id=1 mac=52:54:00:00:00:02 ip=10.0.0.1 port=7701\n"), 0);
}

TEST(all_errors_are_collected)
{
	CHECK(parse("cluster id=x secret=1\nnode id=0 mac=1 ip=2\nbogus\n") != 0);
	CHECK_EQ(cfg.nerrors, 5); /* id, secret, mac, ip, bogus: nothing cascades */
	CHECK_EQ(cfg.errors[0].line, 1);
	CHECK_EQ(cfg.errors[4].line, 3);
}

TEST(error_list_is_bounded)
{
	static char text[65536];
	size_t n = 0;

	for (int i = 0; i < 100; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "junk%d\n", i);
	CHECK(config_parse(&cfg, "t.conf", text, n) != 0);
	CHECK_EQ(cfg.nerrors, 102);
	CHECK_EQ(cfg.errors[CFG_MAX_ERRORS - 1].line, CFG_MAX_ERRORS);
}

/* A host path can be long: messages name the whole of it. */
TEST(long_file_name_in_messages)
{
	static const char name[] = "/tmp/tmp.m0kx1Jh7ab/u/build/test-logs/system/bad-config/"
				   "a-rather-long-name-for-a-cluster-file.conf";
	static const char text[] = "junk\n";
	char buf[512];

	CHECK(config_parse(&cfg, name, text, sizeof(text) - 1) != 0);
	config_format_error(&cfg, 0, buf, sizeof(buf));
	CHECK_EQ(strncmp(buf, name, sizeof(name) - 1), 0);
	CHECK_EQ(strncmp(buf + sizeof(name) - 1, ":1:1: error:", 12), 0);
}

TEST(max_nodes)
{
	static char text[65536];
	size_t n = 0;

	n += (size_t)snprintf(text, sizeof(text), "cluster id=1 secret=%032d\n", 0);
	for (int i = 0; i < CFG_MAX_NODES; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
				      "node id=%d mac=52:54:00:00:%02x:%02x ip=10.1.%d.%d\n", i,
				      i >> 8, i & 0xff, i / 100, i % 100 + 1);
	CHECK_EQ(config_parse(&cfg, "t.conf", text, n), 0);
	CHECK_EQ(cfg.nnodes, CFG_MAX_NODES);
	CHECK_EQ(cfg.nodes[255].id, 255);
	CHECK_EQ(cfg.nodes[255].ip, 0x0a010238); /* 10.1.2.56 */
	/* and a guest across all of them: 256 vCPUs, the most it can have */
	n += (size_t)snprintf(text + n, sizeof(text) - n, "guest memory=4G kernel=k\n");
	CHECK_EQ(config_parse(&cfg, "t.conf", text, n), 0);
	CHECK_EQ(config_total_cpus(&cfg), 256);
}

TEST(nul_byte_and_long_line)
{
	static char text[4096];

	memcpy(text, GOOD_HEAD "node id=1\0", sizeof(GOOD_HEAD "node id=1"));
	CHECK(config_parse(&cfg, "t.conf", text, sizeof(GOOD_HEAD "node id=1")) != 0);
	CHECK_EQ(cfg.errors[0].line, 3);
	CHECK_EQ(cfg.errors[0].col, 10);
	memset(text, 'a', sizeof(text));
	memcpy(text, "guest cmdline=", 14);
	CHECK(config_parse(&cfg, "t.conf", text, sizeof(text)) != 0);
	CHECK_EQ(cfg.errors[0].col, 15);
}
