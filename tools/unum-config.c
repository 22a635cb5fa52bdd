// SPDX-License-Identifier: GPL-2.0-only
/*
 * unum-config: checks a cluster configuration file before deployment with
 * the very parser the monitor runs (vmm/lib/config.c), so a file that passes
 * here is accepted by every node, and a file that fails gives the same
 * messages here as on a node's console.
 *
 *   unum-config check [--netboot DIR] FILE...   validate; exit 0 if every file is
 *                               valid; warn when one differs from the cluster file of
 *                               the network boot tree DIR (tools/unum-netboot)
 *   unum-config show FILE       validate and print what the file means
 */
#include "vmm/lib/config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FILE (1 << 20)

static struct cluster_config cfg;

static void usage(FILE *f)
{
	fprintf(f, "Usage: unum-config check [--netboot DIR] FILE...\n"
		   "       unum-config show FILE\n"
		   "       unum-config --version | --help\n\n"
		   "check  validates each cluster file with the monitor's own parser and prints\n"
		   "       every error as FILE:LINE:COLUMN: error: MESSAGE; exit status 1 if any.\n"
		   "       With --netboot DIR, a network boot tree (make netboot,\n"
		   "       tools/unum-netboot): warns when a file differs from DIR/unum/cluster.conf,\n"
		   "       the one network-booted nodes load (a warning leaves the status 0).\n"
		   "show   validates one file and prints the cluster it describes.\n"
		   "The file format is described in README and examples/cluster.conf.\n");
}

/* Reads the file; NULL with a message on failure. */
static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;

	if (!f) {
		fprintf(stderr, "%s: cannot open: %s\n", path, strerror(errno));
		return NULL;
	}
	buf = malloc(MAX_FILE + 1);
	*len = buf ? fread(buf, 1, MAX_FILE + 1, f) : 0;
	if (buf && ferror(f)) {
		fprintf(stderr, "%s: read error: %s\n", path, strerror(errno));
		free(buf);
		buf = NULL;
	} else if (buf && *len > MAX_FILE) {
		fprintf(stderr, "%s: larger than %d bytes; not a cluster file\n", path, MAX_FILE);
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

/* Parses path; prints errors; returns 0 if valid. */
static int check_file(const char *path)
{
	char line[400];
	size_t len;
	char *text = read_file(path, &len);

	if (!text)
		return 1;
	config_parse(&cfg, path, text, len);
	free(text);
	for (unsigned i = 0; i < cfg.nerrors && i < CFG_MAX_ERRORS; i++) {
		config_format_error(&cfg, i, line, sizeof(line));
		printf("%s\n", line);
	}
	if (cfg.nerrors > CFG_MAX_ERRORS)
		printf("%s: %u more errors not shown\n", path, cfg.nerrors - CFG_MAX_ERRORS);
	return cfg.nerrors ? 1 : 0;
}

/* Warns when path's bytes differ from the netboot tree's cluster file. */
static void compare_netboot(const char *path, const char *tree)
{
	char other[4096];
	size_t len, other_len;
	char *mine, *theirs;

	snprintf(other, sizeof(other), "%s/unum/cluster.conf", tree);
	mine = read_file(path, &len);
	theirs = read_file(other, &other_len);
	if (!theirs)
		printf("%s: warning: %s is not a network boot tree (no unum/cluster.conf; make one "
		       "with make netboot or tools/unum-netboot)\n", path, tree);
	else if (mine && (len != other_len || memcmp(mine, theirs, len) != 0))
		printf("%s: warning: differs from %s, the cluster file the network-booted nodes "
		       "load; make the tree again (make netboot, or tools/unum-netboot)\n", path,
		       other);
	free(mine);
	free(theirs);
}

/* Node i's share of the guest's RAM, as the monitor lays it out (the nodes' memory=). */
static unsigned long long home_share(unsigned i)
{
	static u64 weight[CFG_MAX_NODES];
	u64 units = cfg.guest.memory / CFG_HOME_ALIGN;

	for (unsigned n = 0; n < cfg.nnodes; n++)
		weight[n] = cfg.nodes[n].memory >> 20;
	return (config_home_unit(units, weight, cfg.nnodes, i + 1) -
		config_home_unit(units, weight, cfg.nnodes, i)) * CFG_HOME_ALIGN;
}

static void show(void)
{
	char mac[24], ip[20];

	printf("cluster id %u%s%s: %u nodes, %u vCPUs\n", cfg.cluster_id,
	       cfg.name[0] ? " name " : "", cfg.name, cfg.nnodes, config_total_cpus(&cfg));
	for (unsigned i = 0; i < cfg.nnodes; i++) {
		const struct cfg_node *n = &cfg.nodes[i];
		config_format_mac(n->mac, mac, sizeof(mac));
		config_format_ip(n->ip, ip, sizeof(ip));
		printf("node %u mac %s ip %s port %u cpus %u", n->id, mac, ip, n->port, n->cpus);
		if (n->memory)
			printf(" memory %llu MiB", (unsigned long long)(n->memory >> 20));
		if (n->memory && cfg.guest.present && cfg.nnodes > 1)
			printf(" home %llu MiB", (unsigned long long)(home_share(i) >> 20));
		if (n->cache)
			printf(" cache %llu MiB", (unsigned long long)(n->cache >> 20));
		printf("\n");
	}
	if (cfg.guest.present)
		printf("guest memory %llu MiB kernel %s initrd %s cmdline \"%s\"\n",
		       (unsigned long long)(cfg.guest.memory >> 20), cfg.guest.kernel,
		       cfg.guest.initrd[0] ? cfg.guest.initrd : "(none)", cfg.guest.cmdline);
	else
		printf("no guest\n");
	if (cfg.disk.present && cfg.disk.module[0])
		printf("disk module %s\n", cfg.disk.module);
	else if (cfg.disk.present) {
		config_format_ip(cfg.disk.nbd_ip, ip, sizeof(ip));
		printf("disk nbd %s:%u export '%s'\n", ip, cfg.disk.nbd_port, cfg.disk.export_name);
	}
	if (cfg.nic.present) {
		config_format_mac(cfg.nic.mac, mac, sizeof(mac));
		printf("nic mac %s\n", mac);
	}
}

int main(int argc, char **argv)
{
	int bad = 0;

	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		usage(stdout);
		return 0;
	}
	if (argc >= 2 && !strcmp(argv[1], "--version")) {
		printf("unum-config %s (%s)\n", UNUM_VERSION, UNUM_GIT_REV);
		return 0;
	}
	if (argc >= 3 && !strcmp(argv[1], "check")) {
		const char *tree = NULL;
		int first = 2;
		if (!strcmp(argv[2], "--netboot")) {
			if (argc < 5) {
				usage(stderr);
				return 2;
			}
			tree = argv[3];
			first = 4;
		}
		for (int i = first; i < argc; i++) {
			int rc = check_file(argv[i]);
			if (rc == 0)
				printf("%s: ok: %u nodes, %u vCPUs%s\n", argv[i], cfg.nnodes,
				       config_total_cpus(&cfg), cfg.guest.present ? ", guest" : "");
			if (rc == 0 && tree)
				compare_netboot(argv[i], tree);
			bad |= rc;
		}
		return bad;
	}
	if (argc == 3 && !strcmp(argv[1], "show")) {
		if (check_file(argv[2]))
			return 1;
		show();
		return 0;
	}
	usage(stderr);
	return 2;
}
