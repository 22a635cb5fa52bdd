/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The cluster configuration file (design section 3), shared by every node
 * and read from the multiboot module named `cluster.conf`. One line, one
 * statement: a keyword, then key=value pairs; `#` starts a comment. Values
 * are bare words or "double-quoted strings" (with \" and \\ escapes).
 *
 *   cluster id=7 secret=00112233445566778899aabbccddeeff [name=lab]
 *   node    id=0 mac=52:54:00:00:00:01 ip=10.77.0.1 [port=7700] [cpus=1] [memory=SIZE]
 *           [cache=SIZE]
 *   guest   memory=512M kernel=kernel [initrd=initrd] [cmdline="console=ttyS0"]
 *   disk    module=disk.img | nbd=10.77.0.254:10809 [export=NAME]
 *   nic     mac=52:54:00:00:01:00
 *
 * The parser builds on the host too: tools/unum-config and the monitor print
 * the very same messages, each naming file, line, column and what was expected.
 */
#ifndef UNUM_VMM_LIB_CONFIG_H
#define UNUM_VMM_LIB_CONFIG_H

#include "vmm/lib/types.h"

#define CFG_MAX_NODES	       256
#define CFG_MAX_CPUS_PER_NODE  64
#define CFG_MAX_VCPUS	       256 /* one guest's vCPUs, all nodes' cpus= together */
#define CFG_MAX_ERRORS	       16
#define CFG_NAME_MAX	       64
#define CFG_MODNAME_MAX	       64
#define CFG_CMDLINE_MAX	       1024
#define CFG_DEFAULT_PORT       7700
#define CFG_SECRET_BYTES       16
#define CFG_MIN_GUEST_MEMORY   (16ULL << 20)
#define CFG_GUEST_MEMORY_ALIGN (2ULL << 20)
/* Guest RAM: below the devices at 0xfe000000, the rest from 4 GiB; the monitor maps at
 * most 512 GiB of a node's memory. */
#define CFG_MAX_GUEST_MEMORY (512ULL << 30)
/*
 * Across nodes each node holds its home range of guest RAM (in proportion to the nodes'
 * memory= when every node line has one, else equal) and a cache of pages homed elsewhere
 * (cache=, else what is free). What a node's memory must hold besides: the monitor, its
 * network and its tables (CFG_NODE_RESERVE, plus CFG_RESERVE_PER_PAGE bytes per guest
 * page: the protocol's state, 16; the cache's table, 4; the read-ahead's, 3; the nested
 * tables' last level, 8; measured at 31), and at least
 * CFG_MIN_CACHE plus CFG_MIN_CACHE_PER_VCPU per vCPU of cache (the pages the vCPUs and
 * the protocol may pin at once, twice over).
 */
#define CFG_NODE_RESERVE       (24ULL << 20)
#define CFG_RESERVE_PER_PAGE   32u
#define CFG_MIN_CACHE	       (4ULL << 20)
#define CFG_MIN_CACHE_PER_VCPU (256ULL << 10)
#define CFG_HOME_ALIGN	       (2ULL << 20) /* home ranges: whole 2 MiB pages */

struct cfg_node {
	u32 id;
	u8 mac[6];
	u32 ip; /* host byte order: 10.0.0.1 is 0x0a000001 */
	u16 port;
	u16 cpus;
	u64 memory; /* bytes; 0: not given */
	u64 cache;  /* bytes of cache for pages homed elsewhere; 0: not given */
	u32 line;
};

struct cfg_guest {
	bool present;
	u64 memory; /* bytes */
	char kernel[CFG_MODNAME_MAX];
	char initrd[CFG_MODNAME_MAX]; /* empty: none */
	char cmdline[CFG_CMDLINE_MAX];
	u32 line;
};

/* The guest's virtio-blk disk (doc/config.md): a raw image in a multiboot module, or
 * an export of an NBD server on the cluster network. */
struct cfg_disk {
	bool present;
	char module[CFG_MODNAME_MAX]; /* empty: NBD */
	u32 nbd_ip;		      /* host byte order */
	u16 nbd_port;
	char export_name[CFG_MODNAME_MAX]; /* empty: the server's default export */
	u32 line;
};

/* The guest's virtio-net NIC (doc/config.md): served by node 0, its frames bridged
 * onto node 0's NIC under this MAC address, which no node may use. */
struct cfg_nic {
	bool present;
	u8 mac[6];
	u32 line;
};

struct cfg_error {
	u32 line, col; /* 1-based */
	char msg[192];
};

struct cluster_config {
	const char *filename; /* as given to config_parse (not copied) */
	u32 cluster_id;
	char name[CFG_NAME_MAX];
	u8 secret[CFG_SECRET_BYTES];
	u32 cluster_line; /* 0: no cluster line seen */
	u32 node_lines;	  /* node lines seen, valid or not */
	u32 nnodes;
	struct cfg_node nodes[CFG_MAX_NODES]; /* nodes[i].id == i once parsed */
	struct cfg_guest guest;
	struct cfg_disk disk;
	struct cfg_nic nic;
	u32 nerrors;				 /* all errors found */
	struct cfg_error errors[CFG_MAX_ERRORS]; /* the first CFG_MAX_ERRORS */
};

/*
 * Parses len bytes of text. Returns 0, or -E_INVAL when the file has errors
 * (cfg->nerrors > 0; read them with config_format_error()). filename is only
 * used in messages, whole however long: it must outlive cfg.
 */
int config_parse(struct cluster_config *cfg, const char *filename, const char *text, size_t len);

/* "FILE:LINE:COL: error: MESSAGE" for error i (< CFG_MAX_ERRORS). */
void config_format_error(const struct cluster_config *cfg, u32 i, char *buf, size_t size);

const struct cfg_node *config_node(const struct cluster_config *cfg, u32 id);
/*
 * Where node `node`'s home range starts, in CFG_HOME_ALIGN units of guest RAM counted
 * without the hole (`units` in all): shares in proportion to weight[] (nnodes entries,
 * each at most 2^20, not all 0). node == nnodes gives `units`. The monitor's
 * vm_home_range() and the checker both use it.
 */
u64 config_home_unit(u64 units, const u64 *weight, u32 nnodes, u32 node);
/* The bytes a node's memory must hold besides its home range and cache: CFG_NODE_RESERVE
 * and the per-page tables of a guest of guest_bytes (its pages below gpa_end). */
u64 config_node_reserve(u64 guest_bytes);
u64 config_min_cache(u32 nvcpus);
u32 config_total_cpus(const struct cluster_config *cfg);
/* Formats helpers for reports: "52:54:00:00:00:01", "10.0.0.1". */
void config_format_mac(const u8 mac[6], char *buf, size_t size);
void config_format_ip(u32 ip, char *buf, size_t size);

#endif
