// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target for the cluster-file parser (vmm/lib/config.c; tests/fuzz/fuzz-config
 * builds and runs it). Each input is a cluster file, parsed from a buffer of exactly its
 * size (ASan sees any read past it). Besides the sanitizers, the harness checks what the
 * monitor and the checker rely on:
 *   - a file with errors: between 1 and the error count of them recorded, each formatted
 *     as "NAME:LINE:COL: error: ..." with a line inside the file, NUL-terminated;
 *   - a file without: a cluster line, 1..256 nodes whose ids are their indexes, 1..64
 *     cpus each, at most 256 vCPUs with a guest, unicast MACs and addresses that are all
 *     different, ports that are not 0, strings NUL-terminated, a guest's memory within
 *     the limits and whole 2 MiB, and every node's home range inside the guest's.
 * The seeds are the example file and files the unit tests parse (tests/fuzz/fuzz-config).
 */
#include "vmm/lib/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct cluster_config cfg;

static void fuzz_assert(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_config: invariant broken: %s\n", what);
		abort();
	}
}

static u32 lines_in(const char *text, size_t len)
{
	u32 n = 1;

	for (size_t i = 0; i < len; i++)
		n += text[i] == '\n';
	return n;
}

static void check_errors(const char *text, size_t len)
{
	char buf[400];

	fuzz_assert(cfg.nerrors > 0, "an error returned, none recorded");
	for (u32 i = 0; i < cfg.nerrors && i < CFG_MAX_ERRORS; i++) {
		unsigned line, col;

		memset(buf, 0x55, sizeof(buf));
		config_format_error(&cfg, i, buf, sizeof(buf));
		fuzz_assert(memchr(buf, '\0', sizeof(buf)) != NULL, "error message terminated");
		fuzz_assert(sscanf(buf, "f.conf:%u:%u: error: ", &line, &col) == 2,
			    "error message shape");
		fuzz_assert(line >= 1 && line <= lines_in(text, len), "error line in the file");
		fuzz_assert(col >= 1, "error column");
		fuzz_assert(memchr(cfg.errors[i].msg, '\0', sizeof(cfg.errors[i].msg)) != NULL,
			    "error text terminated");
	}
}

static void check_terminated(const char *s, size_t size, const char *what)
{
	fuzz_assert(memchr(s, '\0', size) != NULL, what);
}

static void check_valid(void)
{
	u32 vcpus = 0;

	fuzz_assert(cfg.nerrors == 0, "no error");
	fuzz_assert(cfg.cluster_line > 0, "a cluster line");
	fuzz_assert(cfg.nnodes >= 1 && cfg.nnodes <= CFG_MAX_NODES, "node count");
	check_terminated(cfg.name, sizeof(cfg.name), "name terminated");
	for (u32 i = 0; i < cfg.nnodes; i++) {
		const struct cfg_node *n = &cfg.nodes[i];

		fuzz_assert(n->id == i && config_node(&cfg, i) == n, "node ids are indexes");
		fuzz_assert(n->cpus >= 1 && n->cpus <= CFG_MAX_CPUS_PER_NODE, "cpus");
		fuzz_assert(!(n->mac[0] & 1), "unicast MAC");
		fuzz_assert(n->port != 0, "port");
		fuzz_assert(n->ip != 0 && n->ip != 0xffffffffu && (n->ip >> 28) != 0xe,
			    "unicast address");
		vcpus += n->cpus;
		for (u32 j = 0; j < i; j++) {
			fuzz_assert(memcmp(n->mac, cfg.nodes[j].mac, 6) != 0, "MACs differ");
			fuzz_assert(n->ip != cfg.nodes[j].ip || n->port != cfg.nodes[j].port,
				    "ip:port pairs differ");
		}
	}
	fuzz_assert(vcpus == config_total_cpus(&cfg), "vCPU count");
	if (cfg.guest.present) {
		u64 units = cfg.guest.memory / CFG_HOME_ALIGN, w[CFG_MAX_NODES];
		bool all = true;

		fuzz_assert(vcpus <= CFG_MAX_VCPUS, "at most 256 vCPUs");
		fuzz_assert(cfg.guest.memory >= CFG_MIN_GUEST_MEMORY &&
				    cfg.guest.memory <= CFG_MAX_GUEST_MEMORY &&
				    cfg.guest.memory % CFG_GUEST_MEMORY_ALIGN == 0,
			    "guest memory");
		check_terminated(cfg.guest.kernel, sizeof(cfg.guest.kernel), "kernel terminated");
		check_terminated(cfg.guest.initrd, sizeof(cfg.guest.initrd), "initrd terminated");
		check_terminated(cfg.guest.cmdline, sizeof(cfg.guest.cmdline),
				 "cmdline terminated");
		fuzz_assert(cfg.guest.kernel[0] != '\0', "a kernel");
		for (u32 i = 0; i < cfg.nnodes; i++) {
			w[i] = cfg.nodes[i].memory >> 20;
			all = all && w[i];
		}
		for (u32 i = 0; i < cfg.nnodes; i++)
			if (!all)
				w[i] = 1;
		for (u32 i = 0; i < cfg.nnodes; i++)
			fuzz_assert(config_home_unit(units, w, cfg.nnodes, i) <=
					    config_home_unit(units, w, cfg.nnodes, i + 1),
				    "home ranges in order");
		fuzz_assert(config_home_unit(units, w, cfg.nnodes, cfg.nnodes) == units,
			    "home ranges cover the guest");
	}
	if (cfg.disk.present) {
		check_terminated(cfg.disk.module, sizeof(cfg.disk.module),
				 "disk module terminated");
		check_terminated(cfg.disk.export_name, sizeof(cfg.disk.export_name),
				 "export terminated");
	}
	if (cfg.nic.present)
		fuzz_assert(!(cfg.nic.mac[0] & 1), "guest NIC MAC unicast");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size ? size : 1);

	memcpy(text, data, size);
	if (config_parse(&cfg, "f.conf", text, size) == 0)
		check_valid();
	else
		check_errors(text, size);
	free(text);
	return 0;
}
